"""Values the fencing watchdog works with: configuration, observations, persisted state.

Everything here is a frozen attrs value with ``to_dict()``/``from_dict()`` where it is
persisted or printed.  Nothing here runs a process or touches a file.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import attrs

from zigha.converters import to_tuple


class Policy(enum.Enum):
    """How much proof the watchdog needs before acknowledging a fence.

    ``safe`` (default): network silence **and** evidence over an independent path (no iSCSI
    session on the storage target, or a stale heartbeat block on the shared LUN).
    ``network-only``: the seed's behaviour (network silence alone).  A node cut off from the
    network but still writing to GFS2 is then acknowledged: two writers, data lost.
    """

    SAFE = "safe"
    NETWORK_ONLY = "network-only"


class ProbeResult(enum.Enum):
    ANSWERED = "answered"  # a reply, or a TCP RST: the host is up
    SILENT = "silent"      # no reply within the timeout / host unreachable
    ERROR = "error"        # could not tell (unknown name, local error): proves nothing


class Evidence(enum.Enum):
    """What the independent path says about a node's access to the shared storage."""

    ACTIVE = "active"      # session on the target / heartbeat still advancing
    INACTIVE = "inactive"  # no session / heartbeat stale
    UNKNOWN = "unknown"    # not configured, query failed, slot never written


@attrs.frozen
class NodeConfig:
    """One watched node: its cluster name, the address to probe, how it appears on storage."""

    name: str
    address: str
    tcp_ports: tuple[int, ...] = attrs.field(default=(), converter=to_tuple)
    initiator: str | None = None        # iSCSI initiator IQN (or address) seen on the target
    heartbeat_slot: int | None = None   # sector index on the heartbeat LUN (default: node id)


@attrs.frozen
class StorageConfig:
    """How to ask the storage host (h0) which initiators have a session.

    ``command`` is an argv run through the runner (e.g. ``ssh … tgtadm --lld iscsi --op show
    --mode target``); ``format`` is ``tgtadm`` or ``lines`` (one initiator name per line).
    """

    command: tuple[str, ...] = attrs.field(converter=to_tuple)
    format: str = "tgtadm"
    timeout: float = 5.0


@attrs.frozen
class HeartbeatConfig:
    """The heartbeat area on the shared LUN (see :mod:`zigha.fence.heartbeat`)."""

    device: str
    offset: int = 0
    stale_after: float = 10.0
    write: bool = True


@attrs.frozen
class WatchdogConfig:
    nodes: tuple[NodeConfig, ...] = attrs.field(converter=to_tuple)
    interval: float = 2.0
    grace: float = 10.0
    min_failures: int = 3
    notify_after: float = 30.0   # silence before "cannot acknowledge" is worth a notification
    probe_timeout: float = 1.0
    policy: Policy = Policy.SAFE
    storage: StorageConfig | None = None
    heartbeat: HeartbeatConfig | None = None
    state_dir: str = "/var/lib/zigha/fence"
    hook: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)
    syslog_address: str = "/dev/log"
    dry_run: bool = False
    ack_timeout: float = 10.0
    confirm_timeout: float = 5.0
    override_path: str = "/var/run/cluster/fenced_override"

    @property
    def has_independent_path(self) -> bool:
        return self.storage is not None or self.heartbeat is not None

    @property
    def max_gap(self) -> float:
        """Longer than this between two observations breaks a run of failures."""
        return max(3 * self.interval, self.interval + 5.0)

    def node(self, name: str) -> NodeConfig | None:
        return next((n for n in self.nodes if same_name(n.name, name)), None)


def same_name(a: str | None, b: str | None) -> bool:
    """fenced compares the override name with ``strcasecmp`` (fence/fenced/recover.c)."""
    return a is not None and b is not None and a.lower() == b.lower()


@attrs.frozen
class NodeObservation:
    """What one poll saw of one node."""

    name: str
    probes: tuple[tuple[str, ProbeResult], ...] = attrs.field(default=(), converter=to_tuple)
    member: bool | None = None          # cman status letter M; None: unknown
    storage: Evidence = Evidence.UNKNOWN   # iSCSI session on the target
    heartbeat_counter: int | None = None

    @property
    def answered(self) -> bool:
        return any(result is ProbeResult.ANSWERED for _, result in self.probes)

    @property
    def silent(self) -> bool:
        """Every probe ran and none was answered (an ERROR proves nothing)."""
        return bool(self.probes) and all(r is ProbeResult.SILENT for _, r in self.probes)


@attrs.frozen
class Observation:
    """One poll: the cluster as this node sees it, and every watched node."""

    at: float                                   # wall clock (time.time()) when complete
    local_node: str | None
    quorate: bool | None
    override_pending: bool                      # fenced's override FIFO exists
    victim_now: str | None                   # name fenced is fencing now (master only)
    victims: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)
    nodes: tuple[NodeObservation, ...] = attrs.field(default=(), converter=to_tuple)
    started_at: float | None = None          # when the probes were sent (default: at)

    @property
    def since(self) -> float:
        """When this poll's probes went out: a silence is counted from there."""
        return self.at if self.started_at is None else self.started_at

    def node(self, name: str) -> NodeObservation | None:
        return next((n for n in self.nodes if same_name(n.name, name)), None)


@attrs.frozen
class Outage:
    """A node's outage, from its first silent poll until it answers or rejoins cman.

    ``streak_*`` count consecutive silent polls (broken by an inconclusive poll or a gap).
    ``acked_at`` is set once per outage and never cleared while it lasts, so a restart
    cannot acknowledge twice.  ``fence_done_seen`` records that fenced dropped the victim
    after our acknowledgement; if it becomes a victim again the node must have rejoined
    and failed again meanwhile: a new outage.
    """

    node: str
    started_at: float
    last_at: float
    streak_started_at: float | None = None
    streak: int = 0
    acked_at: float | None = None
    fence_done_seen: bool = False
    heartbeat_counter: int | None = None
    heartbeat_since: float | None = None
    heartbeat_moved: bool = False
    notified: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)

    def to_dict(self) -> dict[str, Any]:
        data = attrs.asdict(self)
        data["notified"] = list(self.notified)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Outage:
        names = {a.name for a in attrs.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@attrs.frozen
class WatchdogState:
    """What survives a restart: the open outages, and which nodes were ever seen with an
    iSCSI session (a node never seen there proves nothing by being absent: its initiator
    name may simply be configured wrong)."""

    outages: tuple[Outage, ...] = attrs.field(default=(), converter=to_tuple)
    storage_seen: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)

    def outage(self, name: str) -> Outage | None:
        return next((o for o in self.outages if same_name(o.node, name)), None)

    def seen_on_storage(self, name: str) -> bool:
        return any(same_name(n, name) for n in self.storage_seen)

    def with_outage(self, name: str, outage: Outage | None) -> WatchdogState:
        rest = [o for o in self.outages if not same_name(o.node, name)]
        if outage is not None:
            rest.append(outage)
        return attrs.evolve(self, outages=tuple(sorted(rest, key=lambda o: o.node)))

    def with_storage_seen(self, name: str) -> WatchdogState:
        if self.seen_on_storage(name):
            return self
        return attrs.evolve(self, storage_seen=tuple(sorted((*self.storage_seen, name))))

    def to_dict(self) -> dict[str, Any]:
        return {"version": 1, "outages": [o.to_dict() for o in self.outages],
                "storage_seen": list(self.storage_seen)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WatchdogState:
        return cls(tuple(Outage.from_dict(o) for o in data.get("outages", ())),
                   tuple(data.get("storage_seen", ())))
