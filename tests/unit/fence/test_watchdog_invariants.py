"""Invariants of the decision over arbitrary observation sequences (hypothesis)."""

from __future__ import annotations

from fence_scenario import H1, H2, H3, config, healthy_state, restart
from hypothesis import given, settings
from hypothesis import strategies as st

from zigha.fence.model import (
    Evidence,
    HeartbeatConfig,
    NodeObservation,
    Observation,
    Policy,
    ProbeResult,
    same_name,
)
from zigha.fence.watchdog import ActionKind, decide

NAMES = (H1, H2, H3)

node_obs = st.builds(
    NodeObservation,
    name=st.sampled_from(NAMES),
    probes=st.lists(st.tuples(st.sampled_from(["icmp", "tcp:22"]), st.sampled_from(ProbeResult)),
                    max_size=3),
    member=st.sampled_from([True, False, None]),
    storage=st.sampled_from(Evidence),
    heartbeat_counter=st.one_of(st.none(), st.integers(0, 3)),
)


@st.composite
def observations(draw):
    steps = draw(st.lists(st.tuples(
        st.floats(0.5, 30),                                 # time since previous poll
        st.sampled_from([H1, H2, H3, None]),                # local node
        st.sampled_from([True, False, None]),               # quorate
        st.booleans(),                                      # override FIFO exists
        st.sampled_from([H1, H2, H3, "H1.ZIGSOW.NET", None]),  # victim now
        st.lists(node_obs, max_size=4),
    ), min_size=1, max_size=40))
    t = 1000.0
    out = []
    for gap, local, quorate, pending, victim, nodes in steps:
        t += gap
        out.append(Observation(t, local, quorate, pending, victim,
                               (victim,) if victim else (), tuple(nodes)))
    return out


configs = st.builds(
    config,
    policy=st.sampled_from(Policy),
    storage=st.booleans(),
    heartbeat=st.sampled_from([None, HeartbeatConfig("/dev/sdb", stale_after=5)]),
    grace=st.sampled_from([0.0, 4.0, 10.0]),
    min_failures=st.sampled_from([1, 3]),
)


@settings(max_examples=400, deadline=None)
@given(observations(), configs, st.booleans())
def test_acks_only_a_silent_non_member_victim_of_a_quorate_other_node(history, cfg, restarts):
    state = healthy_state()
    acked_since_back: dict[str, bool] = {}
    for obs in history:
        if restarts:
            state = restart(state)
        decision = decide([obs], cfg, state)
        state = decision.state
        for name in NAMES:
            seen = obs.node(name)
            if seen is not None and (seen.answered or seen.member or not (
                    same_name(obs.victim_now, name) or name in obs.victims)):
                acked_since_back[name] = False
        for action in decision.actions:
            if action.kind is not ActionKind.ACK:
                continue
            seen = obs.node(action.node)
            assert not same_name(action.node, obs.local_node)
            assert obs.local_node is not None
            assert obs.quorate is True
            assert obs.override_pending and same_name(obs.victim_now, action.node)
            assert seen is not None and seen.silent and not seen.answered
            assert seen.member is False
            assert seen.storage is not Evidence.ACTIVE or cfg.storage is None
            # never twice without the node coming back (answer, member) or leaving the victims
            assert not acked_since_back.get(action.node, False)
            acked_since_back[action.node] = True


@settings(max_examples=200, deadline=None)
@given(observations(), configs)
def test_decision_is_pure(history, cfg):
    from zigha.fence.model import WatchdogState

    first = decide(history, cfg, WatchdogState())
    second = decide(history, cfg, WatchdogState())
    assert first == second
