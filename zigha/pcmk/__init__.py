"""Pacemaker, read the way zigha reads cman + rgmanager.

:mod:`zigha.pcmk.crm_mon` turns ``crm_mon --output-as=xml`` into the same typed
:class:`zigha.status.ClusterStatus` that clustat gives, so an admin script keeps working
across the move from rgmanager: each group (what ``zigha migrate pacemaker`` makes of a
service) is a ``service:NAME``.

    >>> from zigha.pcmk import crm_mon
    >>> crm_mon().service("http").owner        # doctest: +SKIP
    'h1.zigsow.net'
"""

from zigha.pcmk.crm_mon import CrmMonError, crm_mon, parse_crm_mon_xml

__all__ = ["crm_mon", "parse_crm_mon_xml", "CrmMonError"]
