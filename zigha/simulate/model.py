"""The simulator's own input model: a cluster as rgmanager sees it, and a starting state.

Everything here is frozen.  :func:`from_conf` and :func:`from_status` adapt
``zigha.conf.ClusterConf`` and ``zigha.status.ClusterStatus`` objects (read by duck
typing, so the simulator depends on no parser); tests and the REPL can also build a
:class:`SimCluster` directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from zigha.converters import to_tuple
from zigha.errors import ZighaError

RUNNING_STATES = frozenset({"started", "starting", "stopping", "recoverable", "migrating", "checking"})
#: every state word clustat prints (rgmanager/src/clulib/rg_strings.c)
STATE_WORDS = frozenset(RUNNING_STATES | {"stopped", "failed", "disabled", "recovering", "uninitialized"})
RECOVERY_POLICIES = ("restart", "relocate", "disable", "restart-disable")


class SimulationError(ZighaError):
    """The simulation was asked something impossible: unknown node or service, bad event."""

    exit_code = 2


@attrs.frozen
class SimNode:
    """A cluster node: name, cman node id, votes.

    ``can_fence`` is False when cluster.conf gives the node no fence device (a failure
    then blocks recovery until fence_ack_manual), None when unknown.
    """

    name: str
    nodeid: int
    votes: int = 1
    can_fence: bool | None = None


@attrs.frozen
class SimDomain:
    """A failover domain as rgmanager parses it (fo_domain.c fod_get_domain).

    ``members`` holds (node name, priority); the priority is already what rgmanager
    uses: 1..100 in an ordered domain, 0 when missing/invalid or when unordered.
    """

    name: str
    ordered: bool = False
    restricted: bool = False
    nofailback: bool = False
    members: tuple = attrs.field(default=(), converter=to_tuple)

    @classmethod
    def build(cls, name: str, members: Iterable[Any] = (), *, ordered: bool = False,
              restricted: bool = False, nofailback: bool = False) -> SimDomain:
        """Members as names, or (name, priority) pairs with priority None/int, read like FO."""
        parsed = []
        for item in members:
            node, priority = (item, None) if isinstance(item, str) else (item[0], item[1])
            parsed.append((node, effective_priority(priority, ordered)))
        return cls(name, bool(ordered), bool(restricted), bool(nofailback), tuple(parsed))


def effective_priority(priority: Any, ordered: bool) -> int:
    """fo_domain.c: priority is read only if the domain is ordered; 1..100, else 0."""
    if not ordered or priority is None:
        return 0
    try:
        value = int(priority)
    except (TypeError, ValueError):
        return 0
    return value if 1 <= value <= 100 else 0


@attrs.frozen
class SimService:
    """A top-level resource group (``service:NAME`` or ``vm:NAME``) and its policies."""

    name: str
    domain: str | None = None
    autostart: bool = True
    exclusive: int = 0
    recovery: str = "restart"
    max_restarts: int = 0
    restart_expire_time: float = 0
    depend: str | None = None
    depend_mode: str = "hard"
    priority: int = 0
    migratory: bool = False

    @property
    def short_name(self) -> str:
        return self.name.split(":", 1)[-1]


@attrs.frozen
class SimCluster:
    """What the simulator needs from cluster.conf."""

    nodes: tuple = attrs.field(converter=to_tuple)
    services: tuple = attrs.field(converter=to_tuple)
    domains: tuple = attrs.field(default=(), converter=to_tuple)
    expected_votes: int | None = None
    two_node: bool = False
    qdisk_votes: int | None = None
    central_processing: bool = False
    name: str = ""

    def __attrs_post_init__(self) -> None:
        seen: set = set()
        for node in self.nodes:
            if node.name.lower() in seen:
                raise SimulationError(f"node {node.name!r} is defined twice")
            seen.add(node.name.lower())
        names = [s.name for s in self.services]
        if len(set(names)) != len(names):
            raise SimulationError("a service name is defined twice")


@attrs.frozen
class SimMember:
    name: str
    online: bool = True
    rgmanager: bool = True


@attrs.frozen
class SimRecord:
    """One service record of a starting state (what clustat shows)."""

    name: str
    state: str
    owner: str | None = None
    last_owner: str | None = None
    frozen: bool = False


@attrs.frozen
class SimStatus:
    """A starting state: which members are up, where each service is."""

    members: tuple = attrs.field(converter=to_tuple)
    services: tuple = attrs.field(converter=to_tuple)
    quorate: bool | None = None


def service_key(kind: str, name: str) -> str:
    return name if ":" in name else f"{kind}:{name}"


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "yes", "true", "on")
    return bool(value)


def _int(value: Any, default: int = 0) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return int(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _seconds(value: Any) -> float:
    """restart_expire_time: a number of seconds, with rgmanager's time suffixes."""
    if value is None or value == "":
        return 0
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().lower()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    # expand_time() suffixes are not verified (rgmanager-behaviour.md §3.2)
    if text and text[-1] in units:
        return float(_int(text[:-1])) * units[text[-1]]
    return float(_int(text))


def _exclusive(svc: Any) -> int:
    """groups.c: exclusive="yes" or an integer > 0; central mode uses the integer as a
    priority, so the raw attribute is read when the model keeps it."""
    raw = (getattr(svc, "attrs", None) or {}).get("exclusive", getattr(svc, "exclusive", 0))
    if isinstance(raw, str):
        word = raw.strip().lower()
        if word in ("yes", "true", "on"):
            return 1
        return max(_int(word), 0)
    return max(_int(raw), 0)


def _service_from_conf(kind: str, svc: Any) -> SimService:
    recovery = getattr(svc, "recovery", None) or "restart"
    children = getattr(svc, "resources", None) or getattr(svc, "children", None) or ()
    return SimService(
        name=service_key(kind, svc.name),
        domain=getattr(svc, "domain", None) or None,
        autostart=_flag(getattr(svc, "autostart", True)),
        exclusive=_exclusive(svc),
        recovery=str(recovery),
        max_restarts=_int(getattr(svc, "max_restarts", 0)),
        restart_expire_time=_seconds(getattr(svc, "restart_expire_time", 0)),
        depend=getattr(svc, "depend", None) or None,
        depend_mode=getattr(svc, "depend_mode", None) or "hard",
        priority=_int(getattr(svc, "priority", 0)),
        # group_migratory: a top-level <vm> (vm.sh offers migrate) with no children
        migratory=kind == "vm" and not children,
    )


def from_conf(conf: Any) -> SimCluster:
    """Build a :class:`SimCluster` from a ``zigha.conf.ClusterConf`` (or anything shaped like it)."""
    if isinstance(conf, SimCluster):
        return conf
    cman = getattr(conf, "cman", None)
    quorumd = getattr(conf, "quorumd", None)
    rm = getattr(conf, "rm", None)
    nodes = tuple(
        SimNode(n.name, _int(getattr(n, "nodeid", None), i + 1), _int(getattr(n, "votes", 1), 1),
                _can_fence(n))
        for i, n in enumerate(conf.nodes) if getattr(n, "name", None)
    )
    domains = []
    for dom in getattr(conf, "failover_domains", ()) or ():
        domains.append(SimDomain.build(
            dom.name, tuple(getattr(dom, "members", ()) or ()),
            ordered=_flag(getattr(dom, "ordered", False)),
            restricted=_flag(getattr(dom, "restricted", False)),
            nofailback=_flag(getattr(dom, "nofailback", False)),
        ))
    services = [_service_from_conf("service", s)
                for s in getattr(conf, "services", ()) or () if getattr(s, "name", None)]
    services += [_service_from_conf("vm", v)
                 for v in getattr(conf, "vms", ()) or () if getattr(v, "name", None)]
    expected = getattr(cman, "expected_votes", None) if cman is not None else None
    return SimCluster(
        nodes=nodes,
        services=tuple(services),
        domains=tuple(domains),
        expected_votes=_int(expected) if expected not in (None, "") else None,
        two_node=_flag(getattr(cman, "two_node", False)) if cman is not None else False,
        qdisk_votes=None if quorumd is None else _int(getattr(quorumd, "votes", None), 0),
        central_processing=_flag(getattr(rm, "central_processing", False)) if rm is not None else False,
        name=str(getattr(conf, "name", "") or ""),
    )


def _can_fence(node: Any) -> bool | None:
    methods = getattr(node, "fence_methods", None)
    if methods is None:
        return None
    return any(getattr(m, "devices", ()) for m in methods)


def _state_word(state: Any) -> str:
    word = getattr(state, "value", state)
    word = str(word).strip().lower() if word is not None else "stopped"
    return word if word in STATE_WORDS else "stopped"


def from_status(status: Any) -> SimStatus:
    """Build a :class:`SimStatus` from a ``zigha.status.ClusterStatus`` (clustat -x / text)."""
    if isinstance(status, SimStatus):
        return status
    members = tuple(
        SimMember(m.name, bool(getattr(m, "online", True)), bool(getattr(m, "rgmanager", True)))
        for m in status.members
        if not getattr(m, "qdisk", False) and not str(getattr(m, "name", "")).startswith("/dev/")
    )
    services = []
    for svc in status.services:
        flags = getattr(svc, "flags", ()) or ()
        flag_words = {str(getattr(f, "value", f)).lower() for f in flags} if not isinstance(flags, str) \
            else {flags.lower()}
        frozen = bool(getattr(svc, "frozen", False)) or bool(flag_words & {"frozen", "z"})
        services.append(SimRecord(
            name=svc.name,
            state=_state_word(getattr(svc, "state", "stopped")),
            owner=getattr(svc, "owner", None) or None,
            last_owner=getattr(svc, "last_owner", None) or None,
            frozen=frozen,
        ))
    return SimStatus(members, tuple(services), getattr(status, "quorate", None))


def index_by_lower(items: Iterable[Any]) -> Mapping[str, Any]:
    return {item.name.lower(): item for item in items}
