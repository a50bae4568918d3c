"""The seed's three services on a real 3-node corosync 3 + Pacemaker 2.1 cluster.

The configuration is the one ``zigha migrate pacemaker`` makes of tests/pcmk/lab-cluster.conf
(the seed's nodes, domains and services with lab paths), loaded with cibadmin.  After every
step a client in its own namespace checks the three services (HTTP page, DNS answer of the
seed's zone, SMTP); where Pacemaker places the groups (crm_mon XML read by zigha) is compared
with what zigha's rgmanager simulator predicts for the same cluster.conf.  The tests run in
file order on one cluster.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import labsite
import pytest
from labsite import HOME, NODES

from zigha.conf import ClusterConf
from zigha.simulate import simulate

pytestmark = [pytest.mark.pcmk, pytest.mark.root]

FAILOVER_TIMEOUT = 90  # seconds; README: 4-5 s on an idle 2-core box


def short(node: str) -> str:
    return node.split(".")[0]


def outcome(conf: ClusterConf, events) -> dict:
    """Where the simulator puts each service: {name: owner or state}."""
    result = simulate(conf, events=list(events))
    return {name.split(":", 1)[1]: (out.owner if out.state == "started" else out.state)
            for name, out in result.final.items()}


def predicted(lab, events) -> dict:
    return outcome(ClusterConf.load(str(lab.cluster_conf)), events)


def all_answer(lab) -> dict:
    return lab.wait_for(lambda: (lambda a: a if all(a.values()) else None)(lab.answers()),
                        "every service to answer", timeout=FAILOVER_TIMEOUT, step=0.2)


def settled_placement(lab, expected: dict, what: str) -> dict:
    """Wait until Pacemaker has settled on ``expected`` (or time out showing the last)."""
    lab.settle()
    return lab.wait_for(lambda: (lambda p: p if p == expected else None)(lab.placement()),
                        f"placement {expected} ({what})", timeout=60)


def test_migrated_seed_places_each_service_on_its_home_node(lab, examples):
    assert subprocess.run(["crm_verify", "--xml-file", str(lab.cib)]).returncode == 0
    assert lab.placement() == HOME
    # the lab file keeps the seed's placement rules: same prediction for both files
    seed = ClusterConf.load(examples / "zigsow" / "cluster-zigha-agents.conf")
    for events in ([], ["fail h1.zigsow.net"], ["fail h2.zigsow.net", "fail h3.zigsow.net"]):
        assert outcome(seed, events) == predicted(lab, events)
    assert predicted(lab, []) == HOME
    answers = lab.answers()
    assert answers == {"http": True, "named": True, "mail": True}
    assert lab.smtp("at-start")
    assert "at-start" in lab.wait_for(lab.held, "the first mail in the hold queue", timeout=30)


def test_zigha_status_reads_the_pacemaker_cluster(lab):
    zigha = (sys.executable, "-m", "zigha.cli.main")
    result = lab.node_exec(NODES[0], *zigha, "status", "--pacemaker", "--json", timeout=60)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["quorate"] is True
    assert {s["name"]: s["owner"] for s in data["services"]} == {
        f"service:{k}": v for k, v in HOME.items()}
    query = lab.node_exec(NODES[1], *zigha, "status", "--pacemaker", "query", "service", "mail",
                          "--owner", NODES[2], timeout=60)
    assert query.returncode == 0, query.stderr


@pytest.mark.parametrize("victim", NODES)
def test_hard_kill_then_rejoin_matches_the_rgmanager_simulation(lab, victim):
    tag = f"before-kill-{short(victim)}"
    assert lab.smtp(tag)
    lab.wait_for(lambda: tag in lab.held(), f"mail {tag} queued", timeout=30)
    lab.sh("kill", victim)
    answers = all_answer(lab)
    assert answers == {"http": True, "named": True, "mail": True}
    after_kill = predicted(lab, [f"fail {victim}"])
    assert settled_placement(lab, after_kill, f"{victim} killed") == after_kill
    assert victim not in lab.placement().values()
    held = lab.held()
    assert tag in held and "at-start" in held  # no mail lost on the way
    assert lab.smtp(f"after-kill-{short(victim)}")

    lab.sh("start", victim)
    rejoined = predicted(lab, [f"fail {victim}", f"join {victim}"])
    assert rejoined == HOME  # nofailback="0": every service goes home
    assert settled_placement(lab, rejoined, f"{victim} rejoined") == rejoined
    assert all_answer(lab) == {"http": True, "named": True, "mail": True}


def test_killed_httpd_recovers_in_place(lab):
    """recovery="restart": Pacemaker restarts the daemon on h1, as rgmanager would."""
    assert lab.node_exec(NODES[0], "pkill", "-KILL", "-x", "apache2").returncode == 0
    lab.wait_for(lambda: lab.http() == "", "httpd to be gone", timeout=10, step=0.1)
    assert lab.wait_for(lambda: lab.http() == labsite.PAGE, "httpd back", timeout=FAILOVER_TIMEOUT)
    expected = predicted(lab, ["status-fail http"])
    assert expected["http"] == NODES[0]
    assert settled_placement(lab, expected, "httpd killed") == expected
    assert any("zigha-httpd" in n and NODES[0] in n for n in lab.status().notices)
    assert lab.node_exec(NODES[0], "crm_resource", "--cleanup", "-r", "http").returncode == 0
    lab.settle()


def test_killed_postfix_relocates_with_its_queue(lab):
    """recovery="relocate": mail moves to the next node of prefer_h3 (h1), queue intact."""
    assert lab.smtp("before-postfix-kill")
    lab.wait_for(lambda: "before-postfix-kill" in lab.held(), "mail queued", timeout=30)
    assert lab.node_exec(NODES[2], "pkill", "-KILL", "-x", "master").returncode == 0
    expected = predicted(lab, ["status-fail mail"])
    assert expected["mail"] == NODES[0]
    assert settled_placement(lab, expected, "postfix killed") == expected
    assert all_answer(lab)["mail"]
    assert {"at-start", "before-postfix-kill"} <= set(lab.held())
    # Pacemaker keeps h3 banned (fail count, migration-threshold=1) until cleanup; then the
    # location score brings mail home, where rgmanager would have left it on h1 (no join).
    assert lab.node_exec(NODES[2], "crm_resource", "--cleanup", "-r", "mail").returncode == 0
    assert settled_placement(lab, HOME, "cleanup") == HOME


def test_clean_stop_moves_services_away_and_back(lab):
    victim = NODES[1]
    started = time.monotonic()
    lab.sh("stop", victim)
    expected = predicted(lab, [f"rgmanager-stop {victim}"])
    assert expected["named"] == NODES[2]
    assert settled_placement(lab, expected, f"{victim} stopped") == expected
    assert all_answer(lab) == {"http": True, "named": True, "mail": True}
    assert time.monotonic() - started < 180
    lab.sh("start", victim)
    back = predicted(lab, [f"rgmanager-stop {victim}", f"join {victim}"])
    assert settled_placement(lab, back, f"{victim} restarted") == back == HOME
    assert all_answer(lab) == {"http": True, "named": True, "mail": True}


def test_nofailback_domain_keeps_the_service_where_it_went(lab, tmp_path):
    """prefer_h3 with nofailback="1": mail stays on h1 when h3 comes back, as rgmanager."""
    from zigha.migrate import migrate

    text = lab.cluster_conf.read_text().replace(
        '<failoverdomain name="prefer_h3" nofailback="0"',
        '<failoverdomain name="prefer_h3" nofailback="1"')
    conf = ClusterConf.from_string(text)
    cib = tmp_path / "nofailback.xml"
    migrate(conf, monitor_interval=labsite.MONITOR_INTERVAL).write(str(cib))
    lab.load(cib)
    assert settled_placement(lab, HOME, "nofailback loaded") == HOME
    victim = NODES[2]
    lab.sh("kill", victim)
    gone = outcome(conf, [f"fail {victim}"])
    assert settled_placement(lab, gone, f"{victim} killed") == gone
    lab.sh("start", victim)
    stays = outcome(conf, [f"fail {victim}", f"join {victim}"])
    assert stays["mail"] == NODES[0]
    assert settled_placement(lab, stays, f"{victim} rejoined") == stays
    assert all_answer(lab) == {"http": True, "named": True, "mail": True}
    assert lab.smtp("after-nofailback")
    lab.load(lab.cib)  # back to the lab's configuration: nofailback="0" brings mail home
    assert settled_placement(lab, HOME, "failback restored") == HOME


def test_shared_data_unchanged_and_no_mail_lost(lab):
    assert lab.data_digest() == lab.initial_digest
    held = set(lab.held())
    wanted = {"at-start", "before-postfix-kill", "after-nofailback"} | {
        f"{when}-kill-{short(n)}" for n in NODES for when in ("before", "after")}
    assert wanted <= held, wanted - held


def placeholder_cib(examples, tmp_path):
    """The seed's own cluster.conf migrated as it is, each agent replaced by
    ocf:heartbeat:Dummy (the lab has no /etc/httpd, no GFS2): groups, the GFS2 clone,
    constraints and meta attributes are exactly what the migration wrote."""
    from lxml import etree

    from zigha.migrate import migrate

    result = migrate(ClusterConf.load(examples / "zigsow" / "cluster.conf"),
                     monitor_interval=labsite.MONITOR_INTERVAL)
    root = etree.fromstring(result.cib.encode())
    for primitive in root.iter("primitive"):
        primitive.attrib.update({"class": "ocf", "provider": "heartbeat", "type": "Dummy"})
        for params in primitive.findall("instance_attributes"):
            primitive.remove(params)
    path = tmp_path / "seed-placeholders.xml"
    path.write_bytes(etree.tostring(root))
    assert subprocess.run(["crm_verify", "--xml-file", str(path)]).returncode == 0
    return path


def test_migrated_seed_itself_places_like_the_simulator(lab, examples, tmp_path):
    """Last on the cluster: replaces the configuration with the seed's own migration."""
    seed = ClusterConf.load(examples / "zigsow" / "cluster.conf")
    lab.load(placeholder_cib(examples, tmp_path))
    assert settled_placement(lab, outcome(seed, []), "seed loaded") == HOME
    differences = []
    for victim in NODES:
        lab.sh("kill", victim)
        for events in ([f"fail {victim}"], [f"fail {victim}", f"join {victim}"]):
            if len(events) == 2:
                lab.sh("start", victim)
            expected = outcome(seed, events)
            lab.settle()
            try:
                settled_placement(lab, expected, " then ".join(events))
            except labsite.LabError:
                differences.append((events, expected, lab.placement()))
    # two nodes lost at once: the survivor is inquorate and stops everything (cman's and
    # corosync's votequorum arithmetic agree; Pacemaker's no-quorum-policy=stop)
    lost = NODES[1:]
    for victim in lost:
        lab.sh("kill", victim)
    expected = outcome(seed, [f"fail {','.join(lost)}"])
    assert set(expected.values()) == {"stopped"}
    lab.wait_for(lambda: lab.status(NODES[0]).quorate is False, "h1 to lose quorum", timeout=60)
    try:
        lab.wait_for(lambda: (lambda p: p if p == expected else None)(lab.placement(NODES[0])),
                     "every service stopped", timeout=60)
    except labsite.LabError:
        differences.append((["fail " + ",".join(lost)], expected, lab.placement(NODES[0])))
    for victim in lost:
        lab.sh("start", victim)
    back = outcome(seed, [f"fail {','.join(lost)}", *(f"join {v}" for v in lost)])
    assert settled_placement(lab, back, "both back") == back == HOME
    assert differences == []
