"""The watchdog's decision: pure, from (observations, config, persisted state) to actions.

The seed's cron script acknowledged a fence as soon as ``ping`` failed.  A node whose
network is cut but which still runs (and still writes to GFS2 over its storage path)
fails ping exactly like a dead one; acknowledging it gives the filesystem two writers.
:func:`decide` acknowledges a fence of node N only when **all** of these hold on the
latest observation:

1. N is not this node (and this node's name is known);
2. this node is quorate;
3. fenced's override FIFO exists and fenced's current victim is N (the FIFO is created
   only on the fence-domain master, after a failed fence attempt; fence/fenced/recover.c);
4. N is not a cman member;
5. N answered none of the probes (ICMP and TCP) for at least ``grace`` seconds and at least
   ``min_failures`` consecutive polls;
6. N was not already acknowledged in this outage;
7. an independent path says N no longer uses the storage: no iSCSI session on the target
   or a heartbeat counter that stopped advancing, and no configured path says it is still
   active.  With the ``network-only`` policy this check is skipped with a loud warning
   (but a path that says "still active" still forbids the acknowledgement).

When 1–6 hold and 7 does not, the result is a NOTIFY (once per outage and reason).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence

import attrs

from zigha.converters import to_tuple
from zigha.fence.model import (
    Evidence,
    NodeObservation,
    Observation,
    Outage,
    Policy,
    WatchdogConfig,
    WatchdogState,
    same_name,
)

NETWORK_ONLY_WARNING = (
    "policy network-only: acknowledging on network silence alone; a node cut off from the "
    "network but still writing to the shared storage would corrupt it (configure a fence "
    "device, or an iSCSI/heartbeat check)"
)


class ActionKind(enum.Enum):
    NONE = "none"
    ACK = "ack"
    NOTIFY = "notify"


@attrs.frozen
class Check:
    name: str
    ok: bool
    reason: str


@attrs.frozen
class Action:
    """What to do about one node, and every check behind it."""

    kind: ActionKind
    node: str
    checks: tuple[Check, ...] = attrs.field(default=(), converter=to_tuple)
    warning: str | None = None
    code: str | None = None   # notification reason code (one notification per outage)

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(c.reason for c in self.checks if c.ok is (self.kind is ActionKind.ACK))

    def to_dict(self) -> dict:
        return {
            "kind": self.kind.value,
            "node": self.node,
            "code": self.code,
            "warning": self.warning,
            "checks": [attrs.asdict(c) for c in self.checks],
        }


@attrs.frozen
class Decision:
    actions: tuple[Action, ...]
    state: WatchdogState

    @property
    def acks(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.kind is ActionKind.ACK)

    @property
    def notifications(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.kind is ActionKind.NOTIFY)


def _is_victim(obs: Observation, name: str) -> bool:
    return same_name(obs.victim_now, name) or any(same_name(v, name) for v in obs.victims)


def _fold_node(outage: Outage | None, node: NodeObservation, obs: Observation,
               config: WatchdogConfig) -> Outage | None:
    """Advance one node's outage record by one observation."""
    if node.answered:
        return None  # the node is back: the outage is over
    if node.member is True and outage is not None and outage.acked_at is not None:
        return None  # fenced, then rejoined cman: that outage is over
    if outage is not None and outage.acked_at is not None:
        victim = _is_victim(obs, node.name)
        if outage.fence_done_seen and victim:
            outage = None  # fenced fences it again: it rejoined and failed meanwhile
        elif not victim and not outage.fence_done_seen:
            outage = attrs.evolve(outage, fence_done_seen=True)
    if outage is None:
        if not node.silent:
            return None
        outage = Outage(node=node.name, started_at=obs.at, last_at=obs.at)
    gap = obs.at - outage.last_at
    if not node.silent or gap > config.max_gap:
        outage = attrs.evolve(outage, streak=0, streak_started_at=None)
    if node.silent:
        outage = attrs.evolve(
            outage,
            streak=outage.streak + 1,
            streak_started_at=outage.streak_started_at if outage.streak else obs.since,
        )
    counter = node.heartbeat_counter
    if counter is None or gap > config.max_gap:
        outage = attrs.evolve(outage, heartbeat_counter=counter, heartbeat_since=obs.at,
                              heartbeat_moved=False)
    elif counter != outage.heartbeat_counter:
        outage = attrs.evolve(outage, heartbeat_counter=counter, heartbeat_since=obs.at,
                              heartbeat_moved=outage.heartbeat_counter is not None)
    return attrs.evolve(outage, last_at=obs.at)


def fold(state: WatchdogState, obs: Observation, config: WatchdogConfig) -> WatchdogState:
    for node_config in config.nodes:
        node = obs.node(node_config.name)
        if node is None:
            continue
        state = state.with_outage(
            node_config.name, _fold_node(state.outage(node_config.name), node, obs, config)
        )
        if node.storage is Evidence.ACTIVE:
            state = state.with_storage_seen(node_config.name)
    return state


def heartbeat_evidence(outage: Outage | None, obs: Observation,
                       config: WatchdogConfig) -> Evidence:
    """INACTIVE once the counter is unchanged for ``stale_after`` s of our clock; ACTIVE if
    we saw it move since; UNKNOWN before we can tell (or never written, unreadable)."""
    if config.heartbeat is None or outage is None or outage.heartbeat_counter is None:
        return Evidence.UNKNOWN
    if outage.heartbeat_since is None:
        return Evidence.UNKNOWN
    if obs.at - outage.heartbeat_since >= config.heartbeat.stale_after:
        return Evidence.INACTIVE
    return Evidence.ACTIVE if outage.heartbeat_moved else Evidence.UNKNOWN


def _independent_check(node: NodeObservation, state: WatchdogState, obs: Observation,
                       config: WatchdogConfig) -> tuple[Check, str | None]:
    """The storage-path check and, when it fails, the notification code."""
    storage = node.storage if config.storage is not None else Evidence.UNKNOWN
    never = storage is Evidence.INACTIVE and not state.seen_on_storage(node.name)
    if never:
        storage = Evidence.UNKNOWN  # absent now, but never seen: the initiator may be wrong
    heartbeat = heartbeat_evidence(state.outage(node.name), obs, config)
    seen = f"iSCSI session: {storage.value}, heartbeat: {heartbeat.value}"
    if never:
        seen += f"; no session of {node.name} ever seen on the target: check its initiator"
    if Evidence.ACTIVE in (storage, heartbeat):
        return Check("independent-path", False,
                     f"{node.name} still uses the shared storage ({seen}): it is cut off, "
                     "not dead; power it off by hand"), "still-on-storage"
    if Evidence.INACTIVE in (storage, heartbeat):
        return Check("independent-path", True, f"{node.name} left the shared storage ({seen})"), None
    if config.policy is Policy.NETWORK_ONLY:
        return Check("independent-path", True,
                     f"no independent evidence ({seen}); policy network-only"), None
    if not config.has_independent_path:
        return Check("independent-path", False,
                     "no independent path configured (storage target or heartbeat): "
                     "acknowledge by hand after checking the node is off"), "no-independent-path"
    return Check("independent-path", False,
                 f"cannot tell whether {node.name} still uses the storage ({seen})"), "evidence-unknown"


def evaluate(name: str, obs: Observation, state: WatchdogState,
             config: WatchdogConfig) -> Action:
    """The checks for one node on the latest observation (``state`` already folded)."""
    node = obs.node(name) or NodeObservation(name=name)
    outage = state.outage(name)
    checks = [
        Check("not-local", obs.local_node is not None and not same_name(obs.local_node, name),
              f"{name} is this node" if same_name(obs.local_node, name)
              else ("this node's name is unknown" if obs.local_node is None
                    else f"{name} is not this node")),
        Check("quorate", obs.quorate is True,
              "this node is quorate" if obs.quorate else
              ("quorum unknown" if obs.quorate is None else "this node is not quorate")),
        Check("fence-pending", obs.override_pending and same_name(obs.victim_now, name),
              f"fenced waits for an override for {name}"
              if obs.override_pending and same_name(obs.victim_now, name)
              else (f"no override pending (victim now: {obs.victim_now or 'none'}, "
                    f"FIFO {'present' if obs.override_pending else 'absent'})")),
        Check("not-member", node.member is False,
              f"{name} is not a cman member" if node.member is False
              else (f"{name} is a cman member" if node.member else f"{name}: cman state unknown")),
        Check("silent", node.silent,
              f"{name} answered no probe" if node.silent
              else f"{name} answered a probe or a probe was inconclusive"),
    ]
    elapsed = (obs.at - outage.streak_started_at
               if outage is not None and outage.streak_started_at is not None else 0.0)
    streak = outage.streak if outage else 0
    checks.append(Check(
        "grace", streak >= config.min_failures and elapsed >= config.grace,
        f"silent for {elapsed:.1f}s over {streak} polls "
        f"(need {config.grace:g}s and {config.min_failures})",
    ))
    acked = outage is not None and outage.acked_at is not None
    checks.append(Check("not-acked", not acked,
                        "already acknowledged in this outage" if acked else "not acknowledged yet"))
    independent, code = _independent_check(node, state, obs, config)
    checks.append(independent)
    if all(c.ok for c in checks):
        warning = None
        if config.policy is Policy.NETWORK_ONLY and "network-only" in independent.reason:
            warning = NETWORK_ONLY_WARNING
        return Action(ActionKind.ACK, name, checks, warning=warning)
    if all(c.ok for c in checks[:-1]) and code is not None:
        return Action(ActionKind.NOTIFY, name, checks, code=code)
    return Action(ActionKind.NONE, name, checks)


def decide(history: Sequence[Observation], config: WatchdogConfig,
           state: WatchdogState) -> Decision:
    """Fold the new observations into ``state`` and decide on the latest one.

    ``history`` holds the observations since the previous decision, oldest first.  The
    returned state already records the acknowledgements and notifications decided here:
    persist it **before** acting, so a crash cannot lead to a second acknowledgement.
    """
    if not history:
        return Decision((), state)
    for obs in history:
        state = fold(state, obs, config)
    latest = history[-1]
    actions = []
    for node_config in config.nodes:
        action = evaluate(node_config.name, latest, state, config)
        outage = state.outage(node_config.name)
        if action.kind is ActionKind.ACK and outage is not None:
            state = state.with_outage(node_config.name, attrs.evolve(outage, acked_at=latest.at))
        elif action.kind is ActionKind.NOTIFY and outage is not None:
            began = outage.streak_started_at
            silent_for = latest.at - began if began is not None else 0.0
            if action.code in outage.notified or silent_for < config.notify_after:
                # a dead node's session or heartbeat takes a while to go: no alarm yet
                action = attrs.evolve(action, kind=ActionKind.NONE)
            else:
                state = state.with_outage(node_config.name, attrs.evolve(
                    outage, notified=(*outage.notified, action.code)))
        actions.append(action)
    return Decision(tuple(actions), state)


def ack_not_delivered(state: WatchdogState, node: str) -> WatchdogState:
    """Undo the acknowledgement mark when fence_ack_manual wrote nothing (window closed)."""
    outage = state.outage(node)
    if outage is None:
        return state
    return state.with_outage(node, attrs.evolve(outage, acked_at=None))


def acked_nodes(actions: Iterable[Action]) -> list[str]:
    return [a.node for a in actions if a.kind is ActionKind.ACK]
