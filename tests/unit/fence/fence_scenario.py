"""Builders for watchdog scenarios: the seed's three nodes, observations over time."""

from __future__ import annotations

import json
from typing import Callable

from zigha.fence.model import (
    Evidence,
    NodeConfig,
    NodeObservation,
    Observation,
    Policy,
    ProbeResult,
    StorageConfig,
    WatchdogConfig,
    WatchdogState,
)
from zigha.fence.watchdog import ActionKind, Decision, decide

H1, H2, H3 = "h1.zigsow.net", "h2.zigsow.net", "h3.zigsow.net"
ADDRESSES = {H1: "192.168.10.231", H2: "192.168.10.232", H3: "192.168.10.233"}
TGTADM = ("ssh", "-o", "BatchMode=yes", "root@h0.zigsow.net", "tgtadm", "--lld", "iscsi",
          "--mode", "target", "--op", "show")


def config(policy: Policy = Policy.SAFE, storage: bool = True, **kw) -> WatchdogConfig:
    nodes = tuple(
        NodeConfig(name, ADDRESSES[name], (22, 80), initiator=f"iqn.1994-05.com.redhat:{name[:2]}")
        for name in (H1, H2, H3)
    )
    return WatchdogConfig(
        nodes=nodes, policy=policy, storage=StorageConfig(TGTADM) if storage else None, **kw
    )


def node(name: str, *, up: bool = True, member: bool | None = True,
         storage: Evidence = Evidence.ACTIVE, icmp: ProbeResult | None = None,
         tcp: ProbeResult | None = None, heartbeat: int | None = None) -> NodeObservation:
    default = ProbeResult.ANSWERED if up else ProbeResult.SILENT
    return NodeObservation(
        name=name,
        probes=(("icmp", icmp or default), ("tcp:22", tcp or default), ("tcp:80", tcp or default)),
        member=member,
        storage=storage,
        heartbeat_counter=heartbeat,
    )


def observation(at: float, *nodes: NodeObservation, local: str = H2, quorate: bool | None = True,
                pending: bool = False, victim: str | None = None,
                victims: tuple = ()) -> Observation:
    if victim and not victims:
        victims = (victim,)
    return Observation(at=at, local_node=local, quorate=quorate, override_pending=pending,
                       victim_now=victim, victims=victims, nodes=nodes)


def healthy_state() -> WatchdogState:
    """A watchdog that ran while the cluster was healthy: it saw every node on the target."""
    return WatchdogState(storage_seen=(H1, H2, H3))


def run(cfg: WatchdogConfig, world: Callable[[float], Observation], until: float,
        state: WatchdogState | None = None, start: float = 0.0,
        ) -> tuple[list[tuple[float, Decision]], WatchdogState]:
    """Poll ``world`` every ``cfg.interval`` from ``start`` to ``until`` (inclusive)."""
    state = state or healthy_state()
    out = []
    t = start
    while t <= until + 1e-9:
        decision = decide([world(t)], cfg, state)
        state = decision.state
        out.append((t, decision))
        t = round(t + cfg.interval, 6)
    return out, state


def acks(decisions, name: str | None = None) -> list[float]:
    return [t for t, d in decisions for a in d.actions
            if a.kind is ActionKind.ACK and (name is None or a.node == name)]


def notes(decisions) -> list[tuple[float, str, str]]:
    return [(t, a.node, a.code) for t, d in decisions for a in d.actions
            if a.kind is ActionKind.NOTIFY]


def restart(state: WatchdogState) -> WatchdogState:
    """What a restarted watchdog reads back (through JSON, like the state file)."""
    return WatchdogState.from_dict(json.loads(json.dumps(state.to_dict())))
