"""Central processing (default_event_script.sl) where it differs from distributed mode (§7)."""

from __future__ import annotations

from sim_clusters import base, notes, steps_after

from zigha.simulate import (
    SimDomain,
    SimService,
    enable,
    fail,
    join,
    relocate,
    rgmanager_stop,
    simulate,
    status_fail,
)

HTTP = "service:http"


def central(**kw):
    return base(central_processing=True, **kw)


def test_take_over_first_marks_the_service_stopped_with_the_dead_owner():
    sim = simulate(central(), events=[fail("h1")])
    assert steps_after(sim, HTTP, 1) == ["(h1) stopped", "h2 starting", "h2 started"]
    assert sim.final[HTTP].last_owner == "h1"
    assert sim.mode == "central"


def test_any_node_event_moves_services_back_to_their_first_candidate():
    events = [relocate("http", "h3"), rgmanager_stop("h2"), join("h2")]
    assert simulate(central(), events=events).owner(HTTP) == "h1"
    assert simulate(base(), events=events).owner(HTTP) == "h3"


def test_outside_an_unrestricted_domain_central_keeps_the_owner_distributed_moves():
    solo = [SimService("service:solo", domain="fd_solo")]
    fd = [SimDomain.build("fd_solo", ["h1"])]
    events = [fail("h1"), join("h1")]
    assert simulate(base(extra_services=solo, extra_domains=fd), events=events).owner(
        "service:solo") == "h1"
    sim = simulate(central(extra_services=solo, extra_domains=fd), events=events)
    assert sim.owner("service:solo") in ("h2", "h3")
    assert any("shuffle" in n for n in sim.notes)
    assert any("outside its domain" in n and "source-derived" in n for n in sim.notes)


def test_dash_f_is_ignored_and_enable_follows_the_domain():
    sim = simulate(central(http={"autostart": False}), events=[enable("http", on="h3", fd=True)])
    assert sim.owner(HTTP) == "h1"
    assert "-F is ignored by the central default script" in notes(sim, 1)


def test_restart_policy_tries_the_last_owner_first():
    sim = simulate(central(), events=[status_fail("http")])
    assert steps_after(sim, HTTP, 1) == ["(none) recoverable", "none recovering",
                                         "h1 starting", "h1 started"]


def test_relocate_policy_with_no_other_allowed_member_stops():
    one = SimDomain.build("fd_one", ["h1"], restricted=True)
    cluster = central(extra_domains=[one], extra_services=[
        SimService("service:one", domain="fd_one", recovery="relocate")])
    sim = simulate(cluster, events=[status_fail("one")])
    assert sim.final["service:one"].state == "stopped"
    assert sim.final["service:one"].last_owner == "h1"


def test_exclusive_priority_preempts_a_less_important_exclusive_service():
    services = [SimService("service:low", exclusive=5), SimService("service:low2", exclusive=5),
                SimService("service:low3", exclusive=5), SimService("service:high", exclusive=1)]
    sim = simulate(central(services=services))
    placed = {name: (o.state, o.owner) for name, o in sim.final.items()}
    assert placed["service:high"][0] == "started"
    assert sum(1 for state, _ in placed.values() if state == "started") == 3
    assert any("pre-empted by service:high" in s.message for s in sim.timeline)


def test_vm_failback_is_stop_and_start():
    guest = SimService("vm:guest1", domain="fd_http", migratory=True)
    sim = simulate(central(extra_services=[guest]), events=[fail("h1"), join("h1")])
    assert steps_after(sim, "vm:guest1", 2) == ["h2 stopping", "(h2) stopped", "h1 starting",
                                                "h1 started"]
