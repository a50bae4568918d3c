"""The simulator on real inputs: the seed's cluster.conf, clustat captures, the corpus."""

from __future__ import annotations

import pytest

from zigha.conf import ClusterConf
from zigha.simulate import (
    SimCluster,
    SimNode,
    SimService,
    all_single_failures,
    fail,
    fail_unfenced,
    fence_ack,
    from_conf,
    from_status,
    simulate,
    status_fail,
)
from zigha.status import parse_clustat

H1, H2, H3 = "h1.zigsow.net", "h2.zigsow.net", "h3.zigsow.net"
HTTP, NAMED, MAIL = "service:http", "service:named", "service:mail"


@pytest.fixture(scope="module")
def seed(examples):
    return ClusterConf.load(examples / "zigsow" / "cluster.conf")


def test_seed_conf_becomes_the_simulators_model(seed):
    cluster = from_conf(seed)
    assert [(n.name, n.nodeid, n.votes, n.can_fence) for n in cluster.nodes] == [
        (H1, 1, 1, False), (H2, 2, 1, False), (H3, 3, 1, False)]
    http = next(s for s in cluster.services if s.name == HTTP)
    assert (http.domain, http.recovery, http.autostart, http.exclusive) == (
        "prefer_h1", "relocate", True, 0)
    dom = next(d for d in cluster.domains if d.name == "prefer_h2")
    assert dom.ordered and dom.restricted and not dom.nofailback
    assert dom.members == ((H2, 1), (H3, 2), (H1, 3))
    assert not cluster.central_processing and cluster.expected_votes is None


def test_seed_h1_fails_http_goes_to_h2_which_then_runs_two(seed):
    sim = simulate(seed, events=[fail("h1")])
    assert sim.to_dict()["final"] == {
        HTTP: {"state": "started", "owner": H2},
        NAMED: {"state": "started", "owner": H2},
        MAIL: {"state": "started", "owner": H3},
    }
    assert any("no fence device" in s.message for s in sim.timeline)
    assert sim.load() == {H2: 2, H3: 1}


def test_seed_without_fence_device_blocks_until_fence_ack(seed):
    sim = simulate(seed, events=[fail_unfenced("h1")])
    assert sim.owner(HTTP) == H1 and sim.members[H1].fence_pending
    sim = simulate(seed, events=[fail_unfenced("h1"), fence_ack("h1")])
    assert sim.owner(HTTP) == H2


def test_seed_recovery_relocate_moves_http_on_a_status_failure(seed):
    sim = simulate(seed, events=[status_fail("http")])
    assert sim.service_steps(HTTP)[-4:] == [
        "(none) recoverable", "none recovering",
        f"{H2} starting", f"{H2} started"]


def test_seed_every_single_failure(seed):
    report = all_single_failures(seed)
    moves = {c.failed: [(m.service, m.before, m.after) for m in c.moved] for c in report.cases}
    assert moves == {(H1,): [(HTTP, H1, H2)], (H2,): [(NAMED, H2, H3)],
                     (H3,): [(MAIL, H3, H1)]}
    assert {c.failed: c.overloaded for c in report.cases} == {
        (H1,): (H2,), (H2,): (H3,), (H3,): (H1,)}


def test_status_capture_is_the_starting_point(seed, examples):
    status = parse_clustat((examples / "zigsow" / "captures" / "clustat-x.xml").read_text())
    sim = simulate(seed, status, events=[fail("h2")])
    assert sim.service_steps(NAMED) == [f"{H2} started", f"{H3} starting", f"{H3} started"]
    assert sim.owner(HTTP) == H1 and sim.owner(MAIL) == H3


def test_text_capture_with_a_stale_last_owner(seed, reference):
    status = parse_clustat((reference / "samples" / "clustat-text-04.txt").read_text())
    sim = simulate(seed, status)
    assert {k: v.owner for k, v in sim.final.items()} == {HTTP: H1, NAMED: H2, MAIL: H3}
    # clustat-text-01 shows service:httpd, which the seed's cluster.conf calls http
    other = parse_clustat((reference / "samples" / "clustat-text-01.txt").read_text())
    sim = simulate(seed, other)
    assert any("service:httpd" in n and "not in cluster.conf" in n for n in sim.notes)


def test_status_with_offline_member_and_quorum_disk(reference):
    status = from_status(parse_clustat((reference / "samples" / "clustat-text-09.txt").read_text()))
    assert [m.name for m in status.members] == [f"my-vm{i}" for i in range(1, 6)]
    cluster = SimCluster(nodes=[SimNode(f"my-vm{i}", i) for i in range(1, 6)],
                         services=[SimService("service:my_service_group")])
    sim = simulate(cluster, status, events=[fail("my-vm2")])
    assert sim.quorate
    assert sim.owner("service:my_service_group") in ("my-vm3", "my-vm4", "my-vm5")
    assert not sim.members["my-vm1"].online


def test_every_corpus_file_simulates_consistently(reference):
    files = sorted((reference / "cluster-conf").glob("*.conf"))
    assert len(files) > 20
    for path in files:
        conf = ClusterConf.load(path)
        sim = simulate(conf)
        assert set(sim.final) == {s.name for s in from_conf(conf).services}, path.name
        for outcome in sim.final.values():
            if outcome.running:
                assert sim.members[outcome.owner].rgmanager, path.name
        for case in all_single_failures(conf).cases:
            for service, outcome in case.final.items():
                if outcome.running and service not in case.stuck:
                    assert outcome.owner not in case.failed, (path.name, case.failed, service)


def test_corpus_restricted_single_member_domains(reference):
    conf = ClusterConf.load(reference / "cluster-conf" / "qpid-cpp-fedora-example.conf")
    sim = simulate(conf, events=[fail("node1.example.com")])
    assert sim.final["service:node1-qpidd-service"].state == "stopped"
    assert sim.final["service:node1-qpidd-service"].last_owner == "node1.example.com"
    primary = sim.final["service:qpidd-primary-service"]
    assert primary.state == "started" and primary.owner in ("node2.example.com",
                                                            "node3.example.com")
    assert any("race" in s.message and s.unverified for s in sim.timeline if s.event == 1)
    assert sim.owner("service:node2-qpidd-service") == "node2.example.com"
