"""The seed's load-balanced web service, end to end, in a real Linux kernel.

One guest boot (the ``seed_lvs_boot`` fixture) runs the whole scenario of
guest/lvs_steps.py: h0 is the director (VIP, TCP 80, direct routing, round robin),
h1-h3 are real servers in their own network and mount namespaces, prepared by zigha
for direct routing, each running apache2 through zigha's httpd agent with its
DocumentRoot on one GFS2 filesystem; a client namespace asks the VIP.  Each test here
checks one step of what the guest recorded.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.kernel


def rules(lines: list) -> set:
    """``ipvsadm -S -n`` lines as a set: the kernel's order is not meaningful."""
    return {" ".join(line.split()) for line in lines}


def batches(record: dict) -> list:
    """The ``ipvsadm -R`` batches zigha ran during a step (through the logging wrapper)."""
    return [call for call in record["ipvsadm_calls"] if call["argv"][:1] in (["-R"], ["--restore"])]


def changes(record: dict) -> list:
    """ipvsadm calls that change the table (anything but listing and saving)."""
    return [c for c in record["ipvsadm_calls"] if c["argv"][:1] not in (["-S"], ["-L"], ["-l"], ["--save"], ["--list"])]


# ----------------------------------------------------------------- topology --
def test_each_node_has_private_cluster_dirs_and_mounts_the_shared_gfs2(seed_lvs_boot):
    rec = seed_lvs_boot.step("topology")
    loop = rec["gfs2_loop"]
    assert 'Locking protocol:          "lock_nolock"' in rec["mkfs_gfs2"]
    for node, mounts in rec["node_mounts"].items():
        points = {line.split()[1]: line.split() for line in mounts}
        assert points["/run/cluster"][2] == "tmpfs" and points["/run/cluster"][0] == f"cluster-run-{node}"
        assert points["/etc/cluster"][2] == "tmpfs" and points["/etc/cluster"][0] == f"cluster-etc-{node}"
        device, _, fstype, options = points["/srv/www"][:4]
        assert (device, fstype) == (loop, "gfs2")
        assert "ro" in options.split(",")
    # the same path written on each node holds that node's own content
    assert rec["etc_cluster_owner"] == {node: node for node in rec["node_mounts"]}
    assert rec["root_etc_cluster_owner_rc"] != 0


def test_real_servers_are_prepared_for_direct_routing(seed_lvs_boot):
    rec = seed_lvs_boot.step("realservers")
    vip = seed_lvs_boot.results["plan"]["vip"]
    for node, seen in rec["nodes"].items():
        assert re.search(rf"\binet {re.escape(vip)}/32\b", seen["lo"]), (node, seen["lo"])
        # the seed's four settings (lvs.md §10.1)
        assert seen["arp"] == {"all.arp_ignore": "1", "all.arp_announce": "2",
                               "lo.arp_ignore": "1", "lo.arp_announce": "2"}
        # the node's own address stays on eth0, where ARP for it is answered
        assert re.search(r"\binet 10\.10\.10\.\d+/24\b", seen["eth0"]), (node, seen["eth0"])


def test_httpd_runs_on_every_node_through_the_agent(seed_lvs_boot):
    rec = seed_lvs_boot.step("httpd_start")
    for node, page in rec["pages"].items():
        assert rec["starts"][node] == 0
        assert rec["monitors"][node] == 0
        assert rec["pids"][node], f"no apache2 in {node}'s namespace"
        assert page.startswith(f"served by {node} ") and "from GFS2" in page, page


# -------------------------------------------------------------- director ----
def expected(boot, variant: str) -> set:
    return rules(boot.results["plan"]["expected"][variant])


@pytest.mark.parametrize("step, variant", [
    ("apply", "initial"),
    ("converge_weight", "weight"),
    ("converge_remove", "remove"),
    ("converge_scheduler", "scheduler"),
    ("converge_back", "initial"),
])
def test_apply_converges_the_kernel_table_in_one_batch(seed_lvs_boot, step, variant):
    rec = seed_lvs_boot.step(step)
    assert rules(rec["table_after"]) == expected(seed_lvs_boot, variant)
    assert len(batches(rec)) == 1, rec["ipvsadm_calls"]
    assert changes(rec) == batches(rec), "every change goes through the one -R batch"
    batch = batches(rec)[0]["stdin"]
    assert not any(line.split()[:1] == ["-C"] for line in batch), "apply never flushes the table"


def test_zigha_lvs_show_reads_back_the_desired_state(seed_lvs_boot):
    rec = seed_lvs_boot.step("show")
    shown = {
        (svc["protocol"], svc["host"], svc["port"], svc["scheduler"],
         frozenset((r["host"], r["port"], r["forward"], r["weight"]) for r in svc["reals"]))
        for svc in rec["show_json"]["services"]
    }
    desired = set()
    for line in seed_lvs_boot.results["plan"]["expected"]["initial"]:
        words = line.split()
        host, port = words[2].rsplit(":", 1)
        if words[0] == "-A":
            service = ("TCP", host, int(port), words[words.index("-s") + 1])
        else:
            rhost, rport = words[words.index("-r") + 1].rsplit(":", 1)
            desired.add((rhost, int(rport), "Route", int(words[words.index("-w") + 1])))
    assert shown == {(*service, frozenset(desired))}
    # the text view names every real server of the VIP
    for rhost, rport, _, _ in desired:
        assert f"{rhost}:{rport}" in rec["show_text"]


def edits(record: dict) -> set:
    """(command, real server or service) of each line of the step's batch."""
    found = set()
    for line in batches(record)[0]["stdin"]:
        words = line.split()
        if not words:
            continue
        target = words[words.index("-r") + 1] if "-r" in words else words[words.index("-t") + 1]
        found.add((words[0], target))
    return found


def test_each_edit_sends_only_the_difference(seed_lvs_boot):
    plan = seed_lvs_boot.results["plan"]
    service = f"{plan['vip']}:80"
    h1, h2 = (f"{n['address']}:80" for n in plan["nodes"][:2])
    assert edits(seed_lvs_boot.step("converge_weight")) == {("-e", h1)}
    assert edits(seed_lvs_boot.step("converge_remove")) == {("-d", h2)}
    assert edits(seed_lvs_boot.step("converge_scheduler")) == {("-E", service)}


def test_reapplying_the_same_desired_state_changes_nothing(seed_lvs_boot):
    rec = seed_lvs_boot.step("reapply")
    assert rules(rec["table_after"]) == rules(rec["table_before"]) == expected(seed_lvs_boot, "initial")
    assert all(not any(line.strip() for line in b["stdin"]) for b in batches(rec))
    assert [c for c in changes(rec) if c not in batches(rec)] == []


# ------------------------------------------------------ ipvsadm error paths ----
@pytest.mark.parametrize("call, error, message", [
    ("duplicate_service", "ServiceExistsError", "Service already exists"),
    ("duplicate_real", "DestinationExistsError", "Destination already exists"),
    ("delete_absent_real", "NoSuchDestinationError", "No such destination"),
    ("edit_absent_real", "NoSuchDestinationError", "No such destination"),
    ("delete_absent_service", "NoSuchServiceError", "No such service"),
    ("real_of_absent_service", "ServiceNotDefinedError", "Service not defined"),
])
def test_the_kernel_refusal_becomes_zighas_typed_error(seed_lvs_boot, call, error, message):
    rec = seed_lvs_boot.step("errors")
    report = rec["probe"][call]
    assert not report["ok"], f"{report['expr']} succeeded on the live table"
    assert report["error"]["type"] == f"zigha.lvs.ipvsadm.{error}"
    assert "zigha.errors.CommandError" in report["error"]["mro"]
    assert report["error"]["message"] == f"ipvsadm: {message}"
    assert report["error"]["data"]["error"] == error


def test_refused_calls_leave_the_table_as_it_was(seed_lvs_boot):
    rec = seed_lvs_boot.step("errors")
    assert rec["probe"]["desired"]["ok"] and rec["probe"]["svc"]["ok"]
    assert rules(rec["table_after"]) == rules(rec["table_before"])


# ------------------------------------------------------------------ client ----
def test_round_robin_alternates_h1_h2_h3_and_each_page_names_its_node(seed_lvs_boot):
    rec = seed_lvs_boot.step("round_robin")
    answered = [r["node"] for r in rec["requests"]]
    assert all(r["ok"] for r in rec["requests"]), rec["requests"]
    assert sorted(answered[:3]) == ["h1", "h2", "h3"]
    assert answered == [answered[i % 3] for i in range(len(answered))], answered
    # direct routing: replies bypass the director, so it counts no outgoing packet
    per_server = {}
    for line in rec["stats"].splitlines():
        if line.startswith("  -> ") and line.split()[1][0].isdigit():
            address, conns, inpkts, outpkts = line.split()[1:5]
            per_server[address] = (int(conns), int(outpkts))
    plan = seed_lvs_boot.results["plan"]
    rounds = len(answered) // 3
    assert per_server == {f"{n['address']}:80": (rounds, 0) for n in plan["nodes"]}


# ----------------------------------------------------------- health check ----
def window(record: dict, start: str, end: str) -> list:
    events = record["events"]
    return [r for r in record["requests"] if events[start] <= r["start"] and r["end"] <= events[end]]


def test_before_the_stop_every_node_answers(seed_lvs_boot):
    rec = seed_lvs_boot.step("health")
    before = window(rec, "client_started", "stop")
    assert before and all(r["ok"] for r in before)
    assert {r["node"] for r in before} == {"h1", "h2", "h3"}


def test_stopping_h2_through_its_agent_leaves_h1_and_h3_running(seed_lvs_boot):
    rec = seed_lvs_boot.step("health")
    victim = rec["victim"]
    assert rec["agent_stop"] == 0
    assert rec["pids_after_stop"][victim] == []
    others = [node for node in rec["pids_before_stop"] if node != victim]
    killed = {node: rec["pids_before_stop"][node] for node in others
              if rec["pids_after_stop"][node] != rec["pids_before_stop"][node]}
    assert not killed, (f"stopping {victim}'s httpd through its agent also ended httpd of "
                        f"other nodes (pids before -> after): " + ", ".join(
                            f"{n} {rec['pids_before_stop'][n]} -> {rec['pids_after_stop'][n]}" for n in killed))
    assert rec["monitors_after_stop"] == {node: 7 if node == victim else 0 for node in rec["pids_before_stop"]}


def test_health_checker_quiesces_h2_and_no_request_fails_after_it_reacts(seed_lvs_boot):
    rec = seed_lvs_boot.step("health")
    quiet = window(rec, "quiesced_seen", "start")
    failed = [r for r in quiet if not r["ok"]]
    assert not failed, (f"{len(failed)} of {len(quiet)} requests failed after the checker took "
                        f"{rec['victim']} out; first: {failed[0]['error']}")
    assert len(quiet) >= 10
    assert {r["node"] for r in quiet} == {"h1", "h3"}
    victim = next(n["address"] for n in seed_lvs_boot.results["plan"]["nodes"] if n["name"] == rec["victim"])
    lines = [line.split() for call in rec["ipvsadm_calls"] for line in [" ".join(call["argv"]), *call["stdin"]]]
    quiesce = [words for words in lines if words[:1] == ["-e"] and f"{victim}:80" in words
               and "-w" in words and words[words.index("-w") + 1] == "0"]
    assert quiesce, "the checker sets the stopped server's weight to 0"


def test_h2_comes_back_when_its_httpd_starts_again(seed_lvs_boot):
    rec = seed_lvs_boot.step("health")
    assert rec["agent_start"] == 0
    after = [r for r in rec["requests"] if r["start"] >= rec["events"]["restored_seen"]]
    assert after and all(r["ok"] for r in after), after
    assert {r["node"] for r in after} == {"h1", "h2", "h3"}


def test_every_httpd_stops_through_its_agent(seed_lvs_boot):
    rec = seed_lvs_boot.step("httpd_stop")
    assert set(rec["stops"].values()) == {0}
    assert set(rec["monitors"].values()) == {7}
    assert rec["left"] == {node: [] for node in rec["stops"]}
