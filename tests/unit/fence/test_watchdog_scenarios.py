"""The watchdog decision driven through whole outages (pure: no process, no clock)."""

from __future__ import annotations

import random

from fence_scenario import (
    H1,
    H2,
    H3,
    acks,
    config,
    node,
    notes,
    observation,
    restart,
    run,
)

from zigha.fence.model import Evidence, HeartbeatConfig, Policy, ProbeResult, WatchdogState
from zigha.fence.watchdog import NETWORK_ONLY_WARNING, ActionKind, decide

TOKEN = 10.0     # cman notices the loss after the totem token timeout
FENCE = 10.5     # fenced's first attempt fails: the override FIFO appears
SESSION = 6.0    # the target drops the dead initiator's iSCSI session


def dead_h1(t: float, *, died: float = 0.0, acked_at=None, storage_gone=SESSION):
    """h1 powered off at ``died``; fenced on h2 (master) waits for an override."""
    dead = t >= died
    out = dead and t >= died + TOKEN
    pending = dead and t >= died + FENCE and (acked_at is None or t < acked_at[0] + 1)
    return observation(
        t,
        node(H1, up=not dead, member=not out,
             storage=Evidence.INACTIVE if dead and t >= died + storage_gone else Evidence.ACTIVE),
        node(H2), node(H3),
        pending=pending, victim=H1 if pending else None,
    )


def test_truly_dead_node_is_acknowledged_once_within_the_grace_period():
    cfg = config()
    decisions, _ = run(cfg, lambda t: dead_h1(t), until=120)
    times = acks(decisions, H1)
    assert len(times) == 1
    # all conditions hold from max(grace, FIFO) on; the ack comes at the next poll
    assert max(cfg.grace, FENCE) <= times[0] <= max(cfg.grace, FENCE) + cfg.interval
    ack = [a for t, d in decisions for a in d.actions if a.kind is ActionKind.ACK][0]
    assert ack.warning is None
    assert "h1.zigsow.net left the shared storage" in " ".join(ack.reasons)


def test_fenced_keeps_waiting_after_ack_but_no_second_ack():
    # the override was not taken (unconfirmed): fenced still lists h1 as victim
    cfg = config()
    def world(t):
        return observation(
            t, node(H1, up=False, member=False, storage=Evidence.INACTIVE), node(H2), node(H3),
            pending=True, victim=H1)
    decisions, state = run(cfg, world, until=300)
    assert len(acks(decisions)) == 1
    assert state.outage(H1).acked_at is not None


def test_node_cut_off_from_network_but_on_storage_is_never_acknowledged():
    cfg = config()
    def world(t):
        return observation(
            t, node(H1, up=False, member=t < TOKEN, storage=Evidence.ACTIVE), node(H2), node(H3),
            pending=t >= FENCE, victim=H1 if t >= FENCE else None)
    decisions, _ = run(cfg, world, until=600)
    assert acks(decisions) == []
    assert [(n, c) for _, n, c in notes(decisions)] == [(H1, "still-on-storage")]
    # the alarm waits for notify_after: a dead node's iSCSI session takes a while to go
    assert notes(decisions)[0][0] == cfg.notify_after


def test_cut_off_node_with_fresh_heartbeat_is_never_acknowledged():
    cfg = config(storage=False, heartbeat=HeartbeatConfig("/dev/sdb", stale_after=10))
    def world(t):
        return observation(
            t, node(H1, up=False, member=False, storage=Evidence.UNKNOWN, heartbeat=int(t)),
            node(H2), node(H3), pending=True, victim=H1)
    decisions, _ = run(cfg, world, until=300)
    assert acks(decisions) == []


def test_stale_heartbeat_is_evidence_enough():
    cfg = config(storage=False, heartbeat=HeartbeatConfig("/dev/sdb", stale_after=10))
    def world(t):
        return observation(
            t, node(H1, up=False, member=False, storage=Evidence.UNKNOWN, heartbeat=41),
            node(H2), node(H3), pending=True, victim=H1)
    decisions, _ = run(cfg, world, until=60)
    assert acks(decisions) == [10.0]
    assert notes(decisions) == []   # no alarm while the heartbeat is merely not stale yet


def test_heartbeat_never_written_is_not_evidence():
    cfg = config(storage=False, heartbeat=HeartbeatConfig("/dev/sdb", stale_after=10))
    def world(t):
        return observation(
            t, node(H1, up=False, member=False, storage=Evidence.UNKNOWN, heartbeat=None),
            node(H2), node(H3), pending=True, victim=H1)
    decisions, _ = run(cfg, world, until=60)
    assert acks(decisions) == []
    assert {c for _, _, c in notes(decisions)} == {"evidence-unknown"}


def test_thirty_percent_packet_loss_on_a_live_node_never_acks():
    rng = random.Random(7)
    cfg = config()

    def lossy() -> ProbeResult:
        return ProbeResult.SILENT if rng.random() < 0.3 else ProbeResult.ANSWERED

    # even with cman dropping h1 and fenced waiting: it is alive, on storage, answering
    def world(t):
        h1 = node(H1, member=False, storage=Evidence.ACTIVE, icmp=lossy(), tcp=lossy())
        return observation(t, h1, node(H2), node(H3), pending=True, victim=H1)

    decisions, _ = run(cfg, world, until=3600)
    assert acks(decisions) == []


def test_thirty_percent_loss_with_unknown_storage_never_acks():
    rng = random.Random(11)
    cfg = config()
    def world(t):
        return observation(
            t, node(H1, member=False, storage=Evidence.UNKNOWN,
                    icmp=ProbeResult.SILENT if rng.random() < 0.3 else ProbeResult.ANSWERED,
                    tcp=ProbeResult.SILENT if rng.random() < 0.3 else ProbeResult.ANSWERED),
            node(H2), node(H3), pending=True, victim=H1)
    decisions, _ = run(cfg, world, until=3600)
    assert acks(decisions) == []


def test_busy_node_still_in_cman_is_never_acknowledged():
    cfg = config()
    def world(t):
        return observation(
            t, node(H1, up=False, member=True, storage=Evidence.INACTIVE), node(H2), node(H3),
            pending=True, victim=H1)   # even with a (bogus) pending fence for it
    decisions, _ = run(cfg, world, until=600)
    assert acks(decisions) == []
    assert notes(decisions) == []


def test_inquorate_node_never_acknowledges():
    cfg = config()
    def world(t):
        return observation(
            t, node(H1, up=False, member=False, storage=Evidence.INACTIVE), node(H2),
            node(H3, up=False, member=False, storage=Evidence.INACTIVE),
            quorate=False, pending=True, victim=H1)
    decisions, _ = run(cfg, world, until=600)
    assert acks(decisions) == []


def test_local_node_is_never_acknowledged():
    cfg = config(policy=Policy.NETWORK_ONLY)
    def world(t):
        return observation(
            t, node(H1), node(H2, up=False, member=False, storage=Evidence.INACTIVE), node(H3),
            local=H2, pending=True, victim=H2)
    decisions, _ = run(cfg, world, until=600)
    assert acks(decisions) == []


def test_restart_mid_outage_does_not_ack_twice():
    cfg = config()
    first, state = run(cfg, lambda t: dead_h1(t), until=30)
    assert len(acks(first)) == 1
    # still a victim (e.g. the override was not taken): a restarted watchdog must not re-ack
    def world(t):
        return observation(
            t, node(H1, up=False, member=False, storage=Evidence.INACTIVE), node(H2), node(H3),
            pending=True, victim=H1)
    second, _ = run(cfg, world, start=32, until=300, state=restart(state))
    assert acks(second) == []


def test_restart_before_the_ack_still_acks_exactly_once():
    cfg = config()
    first, state = run(cfg, lambda t: dead_h1(t), until=6)
    assert acks(first) == []
    second, _ = run(cfg, lambda t: dead_h1(t), start=8, until=120, state=restart(state))
    assert len(acks(second)) == 1


def test_long_restart_gap_restarts_the_grace_period():
    cfg = config()
    _, state = run(cfg, lambda t: dead_h1(t), until=6)
    second, _ = run(cfg, lambda t: dead_h1(t), start=100, until=200, state=restart(state))
    assert acks(second) == [100 + cfg.grace]


def test_node_comes_back_and_fails_again_gets_a_new_ack():
    cfg = config()

    def world(t):
        if t < 60:
            return dead_h1(t, died=0)
        if t < 120:  # rebooted, rejoined
            return observation(t, node(H1), node(H2), node(H3))
        return dead_h1(t, died=120)

    decisions, _ = run(cfg, world, until=240)
    times = acks(decisions, H1)
    assert len(times) == 2
    assert times[1] >= 120 + cfg.grace


def test_new_outage_detected_while_watchdog_was_down():
    """Acked, watchdog stopped; h1 came back and died again: fenced has it as victim again."""
    cfg = config()
    first, state = run(cfg, lambda t: dead_h1(t, acked_at=[12.0]), until=20)
    assert len(acks(first)) == 1
    # first poll after the restart sees the old fence done, then a new fencing begins
    second, _ = run(cfg, lambda t: dead_h1(t, died=500) if t >= 500 else
                    observation(t, node(H1, up=False, member=False, storage=Evidence.INACTIVE),
                                node(H2), node(H3)),
                    start=490, until=600, state=restart(state))
    assert len(acks(second)) == 1


def test_network_only_policy_acks_with_the_warning():
    cfg = config(policy=Policy.NETWORK_ONLY, storage=False)
    def world(t):
        return observation(
            t, node(H1, up=False, member=t < TOKEN, storage=Evidence.UNKNOWN), node(H2), node(H3),
            pending=t >= FENCE, victim=H1 if t >= FENCE else None)
    decisions, _ = run(cfg, world, until=60)
    assert len(acks(decisions)) == 1
    ack = [a for _, d in decisions for a in d.actions if a.kind is ActionKind.ACK][0]
    assert ack.warning == NETWORK_ONLY_WARNING


def test_network_only_still_refuses_a_node_known_to_be_on_storage():
    cfg = config(policy=Policy.NETWORK_ONLY)
    def world(t):
        return observation(
            t, node(H1, up=False, member=False, storage=Evidence.ACTIVE), node(H2), node(H3),
            pending=True, victim=H1)
    decisions, _ = run(cfg, world, until=60)
    assert acks(decisions) == []


def test_safe_policy_without_independent_path_notifies_once_and_never_acks():
    cfg = config(storage=False)
    def world(t):
        return observation(
            t, node(H1, up=False, member=False, storage=Evidence.UNKNOWN), node(H2), node(H3),
            pending=True, victim=H1)
    decisions, _ = run(cfg, world, until=600)
    assert acks(decisions) == []
    assert [(n, c) for _, n, c in notes(decisions)] == [(H1, "no-independent-path")]


def test_inconclusive_probe_breaks_the_streak():
    cfg = config()

    def world(t):
        icmp = ProbeResult.ERROR if t == 8 else ProbeResult.SILENT
        return observation(
            t, node(H1, up=False, member=False, storage=Evidence.INACTIVE, icmp=icmp),
            node(H2), node(H3), pending=True, victim=H1)

    decisions, _ = run(cfg, world, until=60)
    assert acks(decisions) == [10 + cfg.grace]


def test_seed_timeline_lan_cable_pulled_on_h1():
    """Aug 17 2011: h1 ran service:httpd; its LAN cable was pulled (network and iSCSI).

    h2 is the fence-domain master after h1 leaves: only its fenced creates the override
    FIFO.  The watchdog runs on h2 and h3; h2 acknowledges exactly once, h3 never does.
    The target on h0 drops h1's session after its NOP-Out timeout (here 15 s).
    """
    cfg = config()
    pulled = 13 * 3600 + 16 * 60  # 13:16:00, after the 13:15:42 clustat

    def seen_from(local):
        def world(t):
            obs = dead_h1(t, died=pulled, storage_gone=15.0)
            if local == H3:  # not the master: no FIFO, victim now 0
                obs = observation(t, *obs.nodes, local=H3, pending=False, victim=None,
                                  victims=obs.victims)
            return obs
        return world

    on_h2, _ = run(cfg, seen_from(H2), start=pulled - 20, until=pulled + 300)
    on_h3, _ = run(cfg, seen_from(H3), start=pulled - 20, until=pulled + 300)
    times = acks(on_h2, H1)
    assert len(times) == 1
    assert pulled + 15 <= times[0] <= pulled + 15 + cfg.interval
    assert acks(on_h3) == []
    # the seed's cron script would have acked at its first failed ping, whatever the storage


def test_decide_with_no_observation_changes_nothing():
    state = WatchdogState()
    decision = decide([], config(), state)
    assert decision.actions == () and decision.state is state
