"""Cluster state: clustat (members, services, quorum) and cman_tool (votes, nodes).

Parsers are pure functions from text to frozen values; the readers run the tool
through the runner seam (``runner=None`` means the local machine)::

    >>> from zigha.status import parse_clustat_xml
    >>> status = parse_clustat_xml(open("clustat-x.xml").read())     # doctest: +SKIP
    >>> status.quorate, [m.name for m in status.members if m.online]  # doctest: +SKIP
    (True, ['h1.zigsow.net', 'h2.zigsow.net', 'h3.zigsow.net'])
    >>> status.service("http").state.value                            # doctest: +SKIP
    'started'

Live: :func:`clustat`, :func:`service_status`, :func:`member_status`,
:func:`is_quorate`, :func:`cman_status`, :func:`cman_nodes`.  Rendering back to
clustat's own formats: :func:`render_clustat_text`, :func:`render_clustat_xml`.
"""

from zigha.status.cman import (
    CmanError,
    CmanNotRunningError,
    cman_nodes,
    cman_status,
    parse_cman_nodes,
    parse_cman_status,
)
from zigha.status.errors import (
    InquorateError,
    MemberOfflineError,
    RgmanagerError,
    RgmanagerUnavailableError,
    UnknownMemberError,
    UnknownServiceError,
)
from zigha.status.live import (
    ClustatError,
    clustat,
    is_quorate,
    member_status,
    parse_clustat,
    service_status,
)
from zigha.status.model import (
    ClusterStatus,
    CmanNode,
    CmanStatus,
    Member,
    ServiceState,
    ServiceStatus,
    service_name,
)
from zigha.status.parse_text import parse_clustat_text
from zigha.status.parse_xml import parse_clustat_xml
from zigha.status.render import render_clustat_text, render_clustat_xml, render_status

__all__ = [
    "ClusterStatus", "Member", "ServiceStatus", "ServiceState", "CmanStatus", "CmanNode",
    "service_name",
    "parse_clustat_xml", "parse_clustat_text", "parse_clustat", "parse_cman_status",
    "parse_cman_nodes",
    "render_clustat_text", "render_clustat_xml", "render_status",
    "clustat", "service_status", "member_status", "is_quorate", "cman_status", "cman_nodes",
    "RgmanagerError", "RgmanagerUnavailableError", "InquorateError", "UnknownServiceError",
    "UnknownMemberError", "MemberOfflineError", "ClustatError", "CmanError",
    "CmanNotRunningError",
]
