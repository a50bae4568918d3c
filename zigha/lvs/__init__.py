"""LVS: the IPVS table as typed objects, a desired state applied in one batch, real
servers prepared for direct routing, health checks, and piranha's lvs.cf imported.

Read a listing (pure, no process)::

    >>> from zigha.lvs import parse_ipvsadm_list
    >>> table = parse_ipvsadm_list(open("listing.txt").read())   # doctest: +SKIP
    >>> [(s.protocol, s.host, s.port, s.scheduler) for s in table.services]   # doctest: +SKIP
    [('TCP', '192.168.10.249', 80, 'rr')]

Read the live table and apply a desired-state file (through the runner)::

    >>> import zigha.lvs as lvs
    >>> lvs.read_state()                                        # doctest: +SKIP
    >>> result = lvs.apply_file("examples/zigsow/lvs/director.lvs")   # doctest: +SKIP
    >>> result.plan.lines, result.changed                       # doctest: +SKIP

``apply_file(path, runner=None, dry_run=False, prune=False, drain=False, held_file=...)``
returns an :class:`~zigha.lvs.apply.ApplyResult` (the plan, the ``ipvsadm -R`` batch,
stderr, the table read back afterwards).  ``check_once(path_or_state, runner=None,
state=None)`` runs one health-check pass and returns a
:class:`~zigha.lvs.health.PassResult`.

Modules: ``model`` (values), ``parse``, ``parse_extra`` and ``rules`` (pure parsers;
``-S``/``-R`` grammar), ``render`` (back to ipvsadm's text), ``ipvsadm`` (wrappers, typed errors),
``desired`` (the desired-state file), ``apply`` (diff, plan, one batch), ``realserver``
(DR preparation), ``health`` (checks, quiesce), ``piranha`` (lvs.cf).
"""

from __future__ import annotations

import importlib
from typing import Any

from zigha.lvs.model import (
    Connection,
    Counters,
    IpvsadmVersion,
    IpvsTable,
    RealServer,
    SyncDaemon,
    Timeouts,
    VirtualService,
)
from zigha.lvs.parse import (
    parse_ipvsadm_connections,
    parse_ipvsadm_daemon,
    parse_ipvsadm_list,
    parse_ipvsadm_save,
    parse_ipvsadm_timeout,
    parse_ipvsadm_version,
)
from zigha.lvs.piranha import parse_lvs_cf
from zigha.lvs.render import render_list
from zigha.lvs.rules import parse_rules, render_save

_LAZY = {
    "apply_file": "zigha.lvs.apply",
    "apply_state": "zigha.lvs.apply",
    "diff": "zigha.lvs.apply",
    "read_state": "zigha.lvs.apply",
    "load_desired": "zigha.lvs.desired",
    "parse_desired": "zigha.lvs.desired",
    "render_desired": "zigha.lvs.desired",
    "check_once": "zigha.lvs.health",
    "watch": "zigha.lvs.health",
    "prepare_realserver": "zigha.lvs.realserver",
    "unprepare_realserver": "zigha.lvs.realserver",
}

__all__ = [
    "Connection", "Counters", "IpvsadmVersion", "IpvsTable", "RealServer", "SyncDaemon",
    "Timeouts", "VirtualService", "parse_ipvsadm_connections", "parse_ipvsadm_daemon",
    "parse_ipvsadm_list", "parse_ipvsadm_save", "parse_ipvsadm_timeout",
    "parse_ipvsadm_version", "parse_lvs_cf", "parse_rules", "render_list", "render_save",
    *sorted(_LAZY),
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'zigha.lvs' has no attribute {name!r}")
