"""The building blocks: domain scores, target choice, cman quorum, events, reports."""

from __future__ import annotations

import json

import pytest
from sim_clusters import base, notes, steps_after

from zigha.simulate import (
    Event,
    SimCluster,
    SimDomain,
    SimNode,
    SimService,
    SimulationError,
    all_pair_failures,
    all_single_failures,
    disable,
    enable,
    fail,
    freeze,
    join,
    parse_event,
    relocate,
    simulate,
    status_fail,
    stop_fails,
    unfreeze,
)
from zigha.simulate.placement import (
    BEST,
    BETTER,
    GOOD,
    ILLEGAL,
    Domain,
    best_target_node,
    central_order,
    score,
)
from zigha.simulate.quorum import calculate, expected_votes

ALL = {"h1", "h2", "h3"}
ORDER = ["h1", "h2", "h3"]


def dom(prio, ordered=True, restricted=False, nofailback=False):
    return Domain("d", ordered, restricted, nofailback, prio)


# -- fo_domain.c node_should_start -------------------------------------------------------

def test_score_ordered_domain():
    d = dom({"h1": 1, "h2": 2})
    assert [score(n, ALL, d) for n in ORDER] == [BEST, BETTER, GOOD]
    assert score("h2", {"h2", "h3"}, d) == BEST  # most preferred *online* member
    assert score("h1", {"h2", "h3"}, d) == ILLEGAL  # not online
    restricted = dom({"h1": 1, "h2": 2}, restricted=True)
    assert score("h3", ALL, restricted) == ILLEGAL
    assert score("h3", {"h3"}, restricted) == ILLEGAL  # no member online
    assert score("h3", {"h3"}, d) == BEST  # unrestricted, no member online: everyone ties


def test_score_unprioritised_member_beats_priority_1_in_an_ordered_domain():
    d = dom({"h1": 1, "h2": 0})
    assert score("h2", ALL, d) == BEST and score("h1", ALL, d) == BETTER


def test_score_nofailback_reads_the_current_record():
    d = dom({"h1": 1, "h2": 2}, nofailback=True)
    assert score("h1", ALL, d, "started", "h2") == BETTER
    assert score("h2", ALL, d, "started", "h2") == BEST
    assert score("h1", ALL, d, "stopped", "h2") == BEST
    assert score("h1", {"h1", "h3"}, d, "started", "h2") == BEST  # owner offline


def test_score_without_domain_is_best_everywhere_online():
    assert [score(n, {"h1", "h2"}, None) for n in ORDER] == [BEST, BEST, ILLEGAL]


def test_best_target_node_ties_go_to_the_highest_node_id():
    kwargs = dict(exclusive=False, load={}, exclusive_load={})
    assert best_target_node(ORDER, ALL, None, **kwargs) == "h3"
    assert best_target_node(ORDER, ALL, dom({"h1": 1, "h2": 2, "h3": 3}), skip="h1",
                            **kwargs) == "h3"  # h2 and h3 both score > 0; h1 skipped only
    assert best_target_node(ORDER, {"h2", "h3"}, dom({"h1": 1, "h2": 2, "h3": 3}),
                            **kwargs) == "h2"


def test_best_target_node_exclusive_rules():
    blocked = []
    load = {"h1": 1, "h2": 0, "h3": 1}
    pick = best_target_node(ORDER, ALL, None, exclusive=True, load=load, exclusive_load={},
                            on_block=lambda n, why: blocked.append(n))
    assert pick == "h2" and blocked == ["h1", "h3"]
    pick = best_target_node(ORDER, ALL, None, exclusive=False, load=load,
                            exclusive_load={"h3": 1})
    assert pick == "h2"


def test_central_order_lists_domain_order_then_the_rest():
    d = dom({"h3": 1, "h1": 2})
    assert central_order(ORDER, ALL, d, None) == (["h3", "h1", "h2"], False)
    assert central_order(ORDER, ALL, dom({"h3": 1, "h1": 2}, restricted=True), None)[0] == [
        "h3", "h1"]
    assert central_order(ORDER, ALL, dom({"h3": 1, "h1": 2}, nofailback=True), "h2")[0][0] == "h2"
    assert central_order(ORDER, ALL, None, None) == (["h1", "h2", "h3"], True)
    assert central_order(ORDER, ALL, dom({"h1": 0, "h2": 1}), None)[0][:2] == ["h2", "h1"]


# -- cman quorum -----------------------------------------------------------------------

def test_quorum_arithmetic():
    assert calculate(3, [1, 1, 1], None, False).quorum == 2
    assert not calculate(3, [1], None, False).quorate
    assert calculate(3, [1, 1], None, False, previous_quorum=2).quorate
    assert calculate(5, [1], 2, False, previous_quorum=3).quorate  # qdisk keeps it alive
    assert calculate(1, [1], None, True).quorate  # two_node
    assert calculate(2, [1, 1], None, True).quorum == 1
    assert calculate(9, [1, 1, 1], None, True).quorum == 5  # two_node ignored with 3 nodes
    assert not calculate(3, [], 2, False).quorate
    assert expected_votes(None, [1, 1, 1], 2) == (5, True)
    assert expected_votes(4, [1, 1, 1], None) == (4, False)


def test_quorum_never_decreases_after_failures():
    sim = simulate(base(expected_votes=3), events=[fail("h1"), fail("h2")])
    assert not sim.quorate and sim.quorum.quorum == 2


def test_two_node_cluster_survives_one_failure():
    cluster = SimCluster(nodes=[SimNode("a", 1), SimNode("b", 2)], two_node=True,
                         services=[SimService("service:s")], expected_votes=1)
    sim = simulate(cluster, events=[fail("a")])
    assert sim.quorate and sim.owner("service:s") == "b"
    no_two_node = SimCluster(nodes=[SimNode("a", 1), SimNode("b", 2)],
                             services=[SimService("service:s")])
    assert not simulate(no_two_node, events=[fail("a")]).quorate


def test_votes_matter():
    cluster = SimCluster(
        nodes=[SimNode("h1", 1, votes=3), SimNode("h2", 2), SimNode("h3", 3)],
        services=[SimService("service:s")])
    assert simulate(cluster, events=[fail("h2", "h3")]).quorate
    assert not simulate(cluster, events=[fail("h1")]).quorate


# -- events ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("fail h1", Event("fail", node="h1")),
    ("fail h2,h3", Event("fail", node="h2,h3")),
    ("fail-unfenced h1", Event("fail-unfenced", node="h1")),
    ("fence_ack h1", Event("fence-ack", node="h1")),
    ("status-fail http times=3 at=120", Event("status-fail", service="http", times=3, at=120.0)),
    ("clusvcadm -r http -m h3", Event("relocate", service="http", target="h3")),
    ("clusvcadm -e http -F on=h3", Event("enable", service="http", node="h3", fd=True)),
    ("enable http -m h2", Event("enable", service="http", target="h2")),
    ("-Z http", Event("freeze", service="http")),
    ("start-fails http h1", Event("start-fails", service="http", node="h1")),
])
def test_parse_event(text, expected):
    assert parse_event(text) == expected


@pytest.mark.parametrize("text", ["", "explode h1", "fail", "fail h1 h2", "enable",
                                  "enable http -F -m h2", "status-fail http times=x",
                                  "relocate http bogus=1", "status-fail http times=0",
                                  "enable 'http"])
def test_bad_event_text_is_a_simulation_error(text):
    with pytest.raises(SimulationError):
        parse_event(text)


def test_unknown_names_are_simulation_errors_naming_the_choices():
    with pytest.raises(SimulationError, match="h1, h2, h3"):
        simulate(base(), events=[fail("h9")])
    with pytest.raises(SimulationError, match="service:http"):
        simulate(base(), events=[disable("nope")])
    with pytest.raises(SimulationError, match="backwards"):
        simulate(base(), events=[status_fail("http", at=10), status_fail("http", at=5)])


def test_duplicate_nodes_are_rejected():
    with pytest.raises(SimulationError):
        SimCluster(nodes=[SimNode("a", 1), SimNode("A", 2)], services=[])


# -- operations not covered by the reference's scenarios ------------------------------------

def test_freeze_keeps_a_service_on_a_dead_owner_and_refuses_clusvcadm():
    sim = simulate(base(), events=[freeze("http"), fail("h1")])
    assert sim.final["service:http"].owner == "h1" and sim.final["service:http"].frozen
    assert any("frozen" in m for m in notes(sim, 2))
    sim = simulate(base(), events=[freeze("http"), relocate("http"), status_fail("http")])
    assert steps_after(sim, "service:http", 2) == []
    sim = simulate(base(), events=[freeze("http"), unfreeze("http"), relocate("http")])
    assert sim.owner("service:http") == "h2"


def test_a_stop_that_fails_leaves_the_service_failed_until_disabled():
    sim = simulate(base(), events=[stop_fails("http", "h1"), status_fail("http")])
    assert steps_after(sim, "service:http", 2) == ["(none) recoverable", "(h1) failed"]
    sim = simulate(base(), events=[stop_fails("http", "h1"), status_fail("http"),
                                   enable("http", on="h2"), disable("http")])
    assert any("disabled first" in m for m in notes(sim, 3))
    assert sim.state("service:http") == "disabled"


def test_restricted_relocate_policy_with_no_other_member_restarts_locally():
    solo = SimDomain.build("fd_one", ["h1"], restricted=True)
    cluster = base(extra_domains=[solo], extra_services=[
        SimService("service:one", domain="fd_one", recovery="relocate")])
    sim = simulate(cluster, events=[status_fail("one")])
    assert steps_after(sim, "service:one", 1)[-2:] == ["h1 starting", "h1 started"]


def test_relocate_policy_as_the_only_member_left_ends_stopped():
    cluster = base(http={"recovery": "relocate"}, qdisk_votes=2)
    sim = simulate(cluster, events=[fail("h2", "h3"), status_fail("http")])
    assert sim.quorate
    assert sim.final["service:http"].state == "stopped"


def test_exclusive_relocate_target_busy_is_refused_before_stopping():
    cluster = base(extra_services=[SimService("service:big", exclusive=1)], qdisk_votes=2)
    sim = simulate(cluster, events=[fail("h3"), relocate("big", "h1")])
    assert steps_after(sim, "service:big", 2) == []
    assert any("violates dependency" in m for m in notes(sim, 2))


def test_json_shape_is_the_contract():
    data = json.loads(json.dumps(simulate(base(), events=[fail("h1")]).to_dict()))
    assert data["final"] == {
        "service:http": {"state": "started", "owner": "h2"},
        "service:named": {"state": "started", "owner": "h2"},
        "service:mail": {"state": "started", "owner": "h3"},
    }
    assert [s["kind"] for s in data["timeline"]][:2] == ["event", "quorum"]
    assert data["timeline"][-1] == {"event": 1, "kind": "service", "service": "service:http",
                                    "state": "started", "owner": "h2", "last_owner": None,
                                    "display": "service:http  h2 started"}
    assert data["events"] == [{"kind": "fail", "node": "h1", "text": "h1 fails and is fenced"}]


# -- reports ---------------------------------------------------------------------------

def test_single_failure_report_on_base():
    report = all_single_failures(base())
    assert [c.failed for c in report.cases] == [("h1",), ("h2",), ("h3",)]
    h1 = report.cases[0]
    assert [(m.service, m.before, m.after) for m in h1.moved] == [("service:http", "h1", "h2")]
    assert h1.overloaded == ("h2",) and h1.load == {"h2": 2, "h3": 1}
    assert report.baseline_load == {"h1": 1, "h2": 1, "h3": 1}
    assert json.dumps(report.to_dict())


def test_pair_report_says_quorum_is_lost():
    report = all_pair_failures(base())
    assert [c.failed for c in report.cases] == [("h1", "h2"), ("h1", "h3"), ("h2", "h3")]
    assert all(not c.quorate and len(c.stopped) == 3 for c in report.cases)
    with_qdisk = all_pair_failures(base(qdisk_votes=2))
    h1h2 = with_qdisk.cases[0]
    assert h1h2.quorate and h1h2.load == {"h3": 3} and h1h2.overloaded == ("h3",)


def test_report_names_the_exclusive_rule_that_blocks_and_the_stuck_record():
    big = SimService("service:big", exclusive=1)
    cluster = base(services=[big, SimService("service:named", domain="fd_named"),
                             SimService("service:mail", domain="fd_mail")], qdisk_votes=2)
    report = all_single_failures(cluster)
    h1 = report.cases[0]
    assert h1.stuck == ("service:big",)
    assert {b.node for b in h1.blocked if b.service == "service:big"} == {"h2", "h3"}
    assert all("exclusive" in b.reason for b in h1.blocked)


def test_report_from_the_state_after_events():
    report = all_single_failures(base(), events=[fail("h1")])
    assert [c.failed for c in report.cases] == [("h2",), ("h3",)]
    assert all(not c.quorate for c in report.cases)


def test_join_of_unknown_state_member_and_join_twice():
    sim = simulate(base(), events=[join("h1")])
    assert "h1 is already a member running rgmanager" in notes(sim, 1)


def test_a_cluster_that_starts_inquorate_places_services_when_quorum_forms():
    from zigha.simulate import SimMember, SimStatus

    nodes = [SimNode("h1", 1), SimNode("h2", 2), SimNode("h3", 3)]
    sim = simulate(SimCluster(nodes=nodes, services=[SimService("service:s")], expected_votes=7))
    assert not sim.quorate and sim.state("service:s") == "stopped"
    alone = SimStatus(members=[SimMember("h1"), SimMember("h2", online=False),
                               SimMember("h3", online=False)], services=[], quorate=False)
    cluster = SimCluster(nodes=nodes, services=[SimService("service:s")])
    assert simulate(cluster, alone).state("service:s") == "stopped"
    sim = simulate(cluster, alone, events=[join("h2")])
    assert sim.quorate and sim.owner("service:s") == "h1"


def test_enable_on_a_member_whose_start_fails_relocates_and_warns():
    from zigha.simulate import start_fails

    sim = simulate(base(http={"autostart": False}),
                   events=[start_fails("http", "h3"), enable("http", target="h3")])
    assert sim.owner("service:http") == "h1"  # best_target_node among h1, h2: h1 is BEST
    assert "clusvcadm: Warning: service:http is now running on h1" in notes(sim, 2)


def test_enable_of_a_stopped_exclusive_service_on_a_busy_member():
    cluster = base(extra_services=[SimService("service:big", exclusive=1, autostart=False)],
                   qdisk_votes=2)
    sim = simulate(cluster, events=[enable("big", on="h1")])
    assert any("Invalid operation" in m for m in notes(sim, 1))
    assert sim.state("service:big") == "disabled"
    stopped = base(extra_services=[SimService("service:big", exclusive=1)])
    assert simulate(stopped).state("service:big") == "stopped"  # every member is busy
    sim = simulate(stopped, events=[disable("mail"), enable("big", on="h1")])
    assert sim.owner("service:big") == "h3"  # offered to the empty member first
    sim = simulate(stopped, events=[enable("big", on="h1")])
    assert sim.owner("service:big") == "h1"  # no empty member: started here anyway
    assert any(s.unverified for s in sim.timeline if s.event == 1)


def test_an_in_place_restart_of_a_dependency_restarts_the_dependant_distributed_only():
    app = SimService("service:app", depend="service:http")
    sim = simulate(base(extra_services=[app]), events=[relocate("app", "h2"),
                                                       status_fail("http")])
    assert steps_after(sim, "service:app", 2) == ["h2 stopping", "(h2) stopped", "h1 starting",
                                                  "h1 started"]
    central = simulate(base(extra_services=[app], central_processing=True),
                       events=[relocate("app", "h2"), status_fail("http")])
    assert steps_after(central, "service:app", 2) == []
    assert central.owner("service:app") == "h2"


def test_the_module_docstring_session_is_true():
    import doctest

    import zigha.simulate

    result = doctest.testmod(zigha.simulate)
    assert result.attempted >= 6 and result.failed == 0
