"""Every scenario of rgmanager-behaviour.md §8 (T1-T25), on the reference's BASE cluster."""

from __future__ import annotations

import pytest
from sim_clusters import base, notes, steps_after

from zigha.simulate import (
    SimDomain,
    SimService,
    disable,
    enable,
    fail,
    fail_unfenced,
    fence_ack,
    join,
    relocate,
    rgmanager_stop,
    simulate,
    start_fails,
    status_fail,
)

HTTP, NAMED, MAIL = "service:http", "service:named", "service:mail"
FD_R = SimDomain.build("fd_r", [("h1", 1), ("h2", 2)], ordered=True, restricted=True)
DB = SimService("service:db", domain="fd_r")


def placement(sim) -> dict:
    return {name: (o.state, o.owner) for name, o in sim.final.items()}


# -- T1 .. T7: placement, member failure, fencing, failback -------------------------------

@pytest.mark.parametrize("central", [False, True])
def test_t1_cluster_start_places_each_service_on_its_priority_1_member(central):
    sim = simulate(base(central_processing=central))
    assert placement(sim) == {HTTP: ("started", "h1"), NAMED: ("started", "h2"),
                              MAIL: ("started", "h3")}
    for name in (HTTP, NAMED, MAIL):
        assert sim.service_steps(name) == [f"{sim.owner(name)} starting",
                                           f"{sim.owner(name)} started"]


def test_t2_h1_fails_and_is_fenced_http_goes_to_h2():
    sim = simulate(base(), events=[fail("h1")])
    assert steps_after(sim, HTTP, 1) == ["h2 starting", "h2 started"]
    assert placement(sim)[NAMED] == ("started", "h2")
    assert placement(sim)[MAIL] == ("started", "h3")
    assert sim.final[HTTP].last_owner is None  # the take-over does not update last owner
    order = [s.message or s.service for s in sim.timeline if s.event == 1]
    assert order.index("h1 fenced") < order.index(HTTP)
    assert any(s.unverified and "fencing is pending" in s.message for s in sim.timeline)
    assert sim.members["h1"].online is False


def test_t3_fencing_never_completes_nothing_moves_until_fence_ack():
    sim = simulate(base(), events=[fail_unfenced("h1")])
    assert placement(sim)[HTTP] == ("started", "h1")
    assert sim.members["h1"].online is False and sim.members["h1"].fence_pending
    assert steps_after(sim, HTTP, 1) == []
    assert any("does not complete" in m for m in notes(sim, 1))

    acked = simulate(base(), events=[fail_unfenced("h1"), fence_ack("h1")])
    assert steps_after(acked, HTTP, 2) == ["h2 starting", "h2 started"]
    assert not acked.members["h1"].fence_pending


def test_t3_work_on_healthy_members_waits_for_the_fence_and_says_it_is_unverified():
    sim = simulate(base(), events=[fail_unfenced("h1"), status_fail("named")])
    assert steps_after(sim, NAMED, 2) == []
    assert any(s.unverified and "deferred" in s.message for s in sim.timeline if s.event == 2)
    sim = simulate(base(), events=[fail_unfenced("h1"), status_fail("named"), fence_ack("h1")])
    assert steps_after(sim, HTTP, 3) == ["h2 starting", "h2 started"]
    assert steps_after(sim, NAMED, 3) == ["(none) recoverable", "none recovering",
                                          "h2 starting", "h2 started"]
    # the node event of h1 is handled before the status failure that came after it
    order = [s.service for s in sim.timeline if s.event == 3 and s.kind == "service"]
    assert order.index(HTTP) < order.index(NAMED)


@pytest.mark.parametrize("central", [False, True])
def test_t4_h1_rejoins_and_http_fails_back(central):
    sim = simulate(base(central_processing=central), events=[fail("h1"), join("h1")])
    assert steps_after(sim, HTTP, 2) == ["h2 stopping", "(h2) stopped", "h1 starting",
                                         "h1 started"]
    assert placement(sim)[NAMED] == ("started", "h2")
    assert placement(sim)[MAIL] == ("started", "h3")


def test_t5_nofailback_keeps_http_on_h2_until_h2_fails():
    domains = (SimDomain.build("fd_http", [("h1", 1), ("h2", 2), ("h3", 3)], ordered=True,
                               nofailback=True),) + base().domains[1:]
    sim = simulate(base(domains=domains), events=[fail("h1"), join("h1")])
    assert steps_after(sim, HTTP, 2) == []
    assert placement(sim)[HTTP] == ("started", "h2")
    sim = simulate(base(domains=domains), events=[fail("h1"), join("h1"), fail("h2")])
    assert steps_after(sim, HTTP, 3) == ["h1 starting", "h1 started"]


@pytest.mark.parametrize("nofailback", [False, True])
def test_t6_unrestricted_domain_with_no_member_up_is_a_reported_race(nofailback):
    solo = SimService("service:solo", domain="fd_solo")
    fd_solo = SimDomain.build("fd_solo", ["h1"], nofailback=nofailback)
    cluster = base(extra_services=[solo], extra_domains=[fd_solo])
    sim = simulate(cluster, events=[fail("h1")])
    assert sim.final["service:solo"].owner in ("h2", "h3")
    assert sim.final["service:solo"].state == "started"
    tie = [s for s in sim.timeline if s.event == 1 and "race" in s.message]
    assert tie and tie[0].unverified and "h2, h3" in tie[0].message
    back = simulate(cluster, events=[fail("h1"), join("h1")])
    assert back.final["service:solo"].owner == "h1"
    assert steps_after(back, "service:solo", 2)[-1] == "h1 started"


def test_t7_restricted_domain_losing_all_members_stops_and_restarts_on_join():
    cluster = base(extra_services=[DB], extra_domains=[FD_R], qdisk_votes=2)
    sim = simulate(cluster, events=[fail("h1")])
    assert placement(sim)["service:db"] == ("started", "h2")
    sim = simulate(cluster, events=[fail("h1"), fail("h2")])
    assert sim.quorate
    assert steps_after(sim, "service:db", 2) == ["(h2) stopped"]
    assert all(s.owner != "h3" for s in sim.timeline if s.service == "service:db")
    sim = simulate(cluster, events=[fail("h1"), fail("h2"), join("h1")])
    assert steps_after(sim, "service:db", 3) == ["h1 starting", "h1 started"]


# -- T8 .. T14: status failures and recovery policies ------------------------------------

def test_t8_seed_httpd_killed_restarts_in_place_showing_the_stale_last_owner():
    events = [relocate("http", "h2"), relocate("http", "h1"), status_fail("http")]
    sim = simulate(base(), events=events)
    assert sim.final[HTTP].last_owner == "h1"
    assert steps_after(sim, HTTP, 3) == ["(h2) recoverable", "none recovering", "h1 starting",
                                         "h1 started"]


def test_t9_relocate_policy_moves_to_h2_and_fails_back_only_when_h1_rejoins():
    cluster = base(http={"recovery": "relocate"})
    sim = simulate(cluster, events=[status_fail("http")])
    assert steps_after(sim, HTTP, 1) == ["(none) recoverable", "none recovering",
                                         "h2 starting", "h2 started"]
    sim = simulate(cluster, events=[status_fail("http"), join("h3")])
    assert placement(sim)[HTTP] == ("started", "h2")
    sim = simulate(cluster, events=[status_fail("http"), fail("h1"), join("h1")])
    assert placement(sim)[HTTP] == ("started", "h1")


def test_t10_disable_policy():
    sim = simulate(base(http={"recovery": "disable"}), events=[status_fail("http")])
    assert steps_after(sim, HTTP, 1) == ["(none) recoverable", "none recovering",
                                         "(none) disabled"]
    assert placement(sim)[HTTP] == ("disabled", None)
    assert any("unverified" in n for n in sim.notes)


def test_t11_third_failure_inside_the_window_relocates():
    cluster = base(http={"max_restarts": 2, "restart_expire_time": 300})
    sim = simulate(cluster, events=[status_fail("http", at=0), status_fail("http", at=60),
                                    status_fail("http", at=120)])
    assert steps_after(sim, HTTP, 1)[2:4] == ["h1 starting", "h1 started"]
    assert steps_after(sim, HTTP, 2)[2:4] == ["h1 starting", "h1 started"]
    assert steps_after(sim, HTTP, 3)[2:] == ["h2 starting", "h2 started"]


def test_t12_failures_spread_out_all_restart_in_place():
    cluster = base(http={"max_restarts": 2, "restart_expire_time": 300})
    sim = simulate(cluster, events=[status_fail("http", at=t) for t in (0, 200, 400)])
    for event in (1, 2, 3):
        assert steps_after(sim, HTTP, event)[2:4] == ["h1 starting", "h1 started"]
    assert placement(sim)[HTTP] == ("started", "h1")


def test_t13_restart_disable_disables_when_the_threshold_is_exceeded():
    cluster = base(http={"recovery": "restart-disable", "max_restarts": 1,
                         "restart_expire_time": 600})
    events = [status_fail("http", at=0), status_fail("http", at=100)]
    sim = simulate(cluster, events=events)
    assert steps_after(sim, HTTP, 1)[2:4] == ["h1 starting", "h1 started"]
    assert placement(sim)[HTTP] == ("disabled", None)
    assert any("3.0.12" in n and "unverified" in n for n in sim.notes)
    central = simulate(base(central_processing=True, http={
        "recovery": "restart-disable", "max_restarts": 1, "restart_expire_time": 600}),
        events=events)
    # the central default script does not know restart-disable: every failure relocates
    assert steps_after(central, HTTP, 1)[2:4] == ["h2 starting", "h2 started"]
    assert steps_after(central, HTTP, 2)[2:] == ["h1 starting", "h1 started"]


def test_t14_a_failed_restart_is_stopped_and_relocated():
    sim = simulate(base(), events=[start_fails("http", "h1"), status_fail("http")])
    assert steps_after(sim, HTTP, 2) == [
        "(none) recoverable", "none recovering", "h1 starting",
        "(h1) recoverable", "none recovering", "h2 starting", "h2 started"]


# -- T15 .. T20: clusvcadm --------------------------------------------------------------

@pytest.mark.parametrize("central", [False, True])
def test_t15_relocate_without_target_goes_to_the_next_preferred_member(central):
    sim = simulate(base(central_processing=central), events=[relocate("http")])
    assert steps_after(sim, HTTP, 1) == ["h1 stopping", "(h1) stopped", "h2 starting",
                                         "h2 started"]


def test_t16_relocate_with_target_and_start_failures():
    a = simulate(base(), events=[relocate("http", "h3")])
    assert placement(a)[HTTP] == ("started", "h3")
    b = simulate(base(), events=[start_fails("http", "h3"), relocate("http", "h3")])
    assert placement(b)[HTTP] == ("started", "h2")
    c = simulate(base(), events=[start_fails("http", "h3"), start_fails("http", "h2"),
                                 relocate("http", "h3")])
    assert placement(c)[HTTP] == ("started", "h1")
    assert "clusvcadm: Failed; service running on original owner" in notes(c, 3)
    d = simulate(base(), events=[start_fails("http", "h3"), start_fails("http", "h2"),
                                 start_fails("http", "h1"), relocate("http", "h3")])
    assert steps_after(d, HTTP, 4)[-1] == "(h1) stopped"
    assert placement(d)[HTTP] == ("stopped", None)


def test_t17_target_outside_a_restricted_domain():
    cluster = base(extra_services=[DB], extra_domains=[FD_R])
    sim = simulate(cluster, events=[relocate("db", "h3")])
    assert steps_after(sim, "service:db", 1) == ["h1 stopping", "(h1) stopped", "h1 starting",
                                                 "h1 started"]
    assert "h2 starting" not in steps_after(sim, "service:db", 1)
    assert any(s.unverified for s in sim.timeline if s.event == 1)
    central = simulate(base(extra_services=[DB], extra_domains=[FD_R], central_processing=True),
                       events=[relocate("db", "h3")])
    assert placement(central)["service:db"] == ("started", "h2")


def test_t18_enable_starts_on_the_local_node_until_h1_rejoins():
    cluster = base(http={"autostart": False})
    sim = simulate(cluster)
    assert placement(sim)[HTTP] == ("disabled", None)
    sim = simulate(cluster, events=[enable("http", on="h3")])
    assert steps_after(sim, HTTP, 1) == ["h3 starting", "h3 started"]
    sim = simulate(cluster, events=[enable("http", on="h3"), fail("h2"), join("h2")])
    assert placement(sim)[HTTP] == ("started", "h3")
    sim = simulate(cluster, events=[enable("http", on="h3"), fail("h1"), join("h1")])
    assert placement(sim)[HTTP] == ("started", "h1")
    central = simulate(base(http={"autostart": False}, central_processing=True),
                       events=[enable("http", on="h3")])
    assert placement(central)[HTTP] == ("started", "h1")


def test_t19_enable_dash_f_follows_the_domain():
    sim = simulate(base(), events=[disable("http"), enable("http", on="h3", fd=True)])
    assert steps_after(sim, HTTP, 2) == ["h1 starting", "h1 started"]


def test_t20_enable_a_restricted_service_from_a_non_member():
    cluster = base(extra_services=[DB], extra_domains=[FD_R])
    sim = simulate(cluster, events=[disable("db"), enable("db", on="h3")])
    assert placement(sim)["service:db"] == ("disabled", None)
    assert any("Failure" in m for m in notes(sim, 2))
    sim = simulate(cluster, events=[disable("db"), enable("db", on="h3", fd=True)])
    assert placement(sim)["service:db"] == ("started", "h1")
    sim = simulate(cluster, events=[disable("db"), enable("db", target="h3")])
    assert placement(sim)["service:db"] == ("disabled", None)
    assert any("Failure" in m for m in notes(sim, 2))


# -- T21 .. T25: exclusive, dependencies, quorum, VMs, clean stop ------------------------

def test_t21_exclusive_service_needs_an_empty_member():
    big = SimService("service:big", exclusive=1)
    named = SimService("service:named", domain="fd_named")
    cluster = base(services=[big, named], qdisk_votes=2)
    start = simulate(cluster)
    assert placement(start) == {"service:big": ("started", "h1"),
                                NAMED: ("started", "h2")}
    sim = simulate(cluster, events=[fail("h1")])
    assert placement(sim)["service:big"] == ("started", "h3")
    sim = simulate(cluster, events=[fail("h1"), fail("h3")])
    assert sim.quorate
    assert placement(sim)["service:big"] == ("started", "h3")
    assert sim.members["h3"].online is False
    assert [b.node for b in sim.blocked if b.event == 2] == ["h2"]
    assert any(s.unverified and "stays" in s.message for s in sim.timeline if s.event == 2)


@pytest.mark.parametrize("mode", ["hard", "soft"])
def test_t22_hard_dependency_distributed(mode):
    app = SimService("service:app", depend=HTTP, depend_mode=mode)
    cluster = base(extra_services=[app])
    sim = simulate(cluster, events=[relocate("app", "h2"), disable("http")])
    assert steps_after(sim, "service:app", 2) == ["h2 stopping", "(h2) stopped"]
    assert any("Dependency missing" in s.message for s in sim.timeline
               if s.service == "service:app")
    sim = simulate(cluster, events=[relocate("app", "h2"), disable("http"),
                                    enable("http", fd=True)])
    assert placement(sim)[HTTP] == ("started", "h1")
    assert sim.final["service:app"].state == "started"
    assert any("race" in s.message for s in sim.timeline if s.event == 3)


def test_t22_soft_dependency_central_keeps_the_dependant_running():
    app = SimService("service:app", depend=HTTP, depend_mode="soft")
    cluster = base(extra_services=[app], central_processing=True)
    sim = simulate(cluster, events=[relocate("app", "h2"), disable("http")])
    assert placement(sim)["service:app"] == ("started", "h2")
    hard = base(extra_services=[SimService("service:app", depend=HTTP)],
                central_processing=True)
    sim = simulate(hard, events=[relocate("app", "h2"), disable("http")])
    assert placement(sim)["service:app"] == ("stopped", None)


def test_t23_two_members_fail_quorum_is_lost_and_regained():
    sim = simulate(base(), events=[fail("h2", "h3")])
    assert not sim.quorate
    assert all(o.state == "stopped" and o.owner is None for o in sim.final.values())
    assert not any(s.message.endswith("fenced") for s in sim.timeline if s.kind == "member")
    assert any("Quorum Dissolved" in m for m in notes(sim, 1))
    sim = simulate(base(), events=[fail("h2", "h3"), join("h2")])
    assert sim.quorate
    assert placement(sim) == {HTTP: ("started", "h1"), NAMED: ("started", "h2"),
                              MAIL: ("started", "h1")}
    assert any("unverified" in n for n in sim.notes if "Quorum Regained" in n)


def test_t24_vm_fails_back_by_live_migration():
    guest = SimService("vm:guest1", domain="fd_http", migratory=True)
    sim = simulate(base(extra_services=[guest]), events=[fail("h1"), join("h1")])
    assert steps_after(sim, "vm:guest1", 1) == ["h2 starting", "h2 started", "h1 started"]
    assert sim.final["vm:guest1"].last_owner == "h2"


def test_t25_clean_rgmanager_stop_moves_named_to_h3_without_fencing():
    sim = simulate(base(), events=[rgmanager_stop("h2")])
    assert steps_after(sim, NAMED, 1) == ["h2 stopping", "(h2) stopped", "h3 starting",
                                          "h3 started"]
    assert not any("fenced" in m for m in notes(sim, 1))
    assert sim.members["h2"].online and not sim.members["h2"].rgmanager


def test_every_scenario_of_the_reference_has_a_test_here(reference):
    import re

    text = (reference / "rgmanager-behaviour.md").read_text()
    scenarios = re.findall(r"^### (T\d+)\.", text, flags=re.M)
    assert len(scenarios) >= 25
    tests = {name.split("_")[1] for name in globals() if name.startswith("test_t")}
    assert {t.lower() for t in scenarios} <= tests
