"""Issue 8: the what-if simulator, the complete ``zigha`` command line, the first run.

Everything goes through the installed ``zigha`` console script with the forms the issue
fixes: ``zigha simulate CONF [--status FILE] [--fail NODE] [--fail-unfenced NODE]
[--join NODE] [--event ...]... [--all-single] [--json]``.  Every scenario of
../shared/reference/rgmanager-behaviour.md §8 (T1-T25) is replayed here from a
cluster.conf of the reference's BASE cluster, and the outcome the reference expects is
checked on the JSON ("final" and the clustat-like steps of "timeline").
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "examples" / "zigsow"
HTTP, NAMED, MAIL = "service:http", "service:named", "service:mail"

# -- the reference's BASE cluster as a cluster.conf ----------------------------------------

FD = {"fd_http": [("h1", 1), ("h2", 2), ("h3", 3)],
      "fd_named": [("h2", 1), ("h3", 2), ("h1", 3)],
      "fd_mail": [("h3", 1), ("h1", 2), ("h2", 3)]}
FD_R = '<failoverdomain name="fd_r" ordered="1" restricted="1">' \
       '<failoverdomainnode name="h1" priority="1"/><failoverdomainnode name="h2" priority="2"/>' \
       '</failoverdomain>'


def base_conf(tmp_path: Path, *, http: str = "", fd_http: str = "", extra_domains: str = "",
              extra_services: str = "", services: str | None = None, qdisk: bool = False,
              central: bool = False, name: str = "base.conf") -> str:
    """BASE (§8): h1..h3 (ids 1-3, one vote, a working fence device each), fd_http/
    fd_named/fd_mail ordered, http/named/mail with the default recovery (restart)."""
    nodes = "".join(
        f'<clusternode name="h{i}" nodeid="{i}" votes="1"><fence><method name="1">'
        f'<device name="ipmi{i}"/></method></fence></clusternode>' for i in (1, 2, 3))
    devices = "".join(f'<fencedevice name="ipmi{i}" agent="fence_ipmilan" ipaddr="10.0.0.{i}" '
                      f'login="root" passwd="x"/>' for i in (1, 2, 3))
    domains = ""
    for dom, members in FD.items():
        attrs = fd_http if dom == "fd_http" else ""
        domains += f'<failoverdomain name="{dom}" ordered="1" restricted="0" {attrs}>' + "".join(
            f'<failoverdomainnode name="{n}" priority="{p}"/>' for n, p in members) \
            + "</failoverdomain>"
    if services is None:
        services = (f'<service name="http" domain="fd_http" {http}/>'
                    '<service name="named" domain="fd_named"/>'
                    '<service name="mail" domain="fd_mail"/>')
    # T7/T21: "give the cluster 5 votes, for example a qdisk with 2 votes"
    quorum = ('<cman expected_votes="5"/><quorumd label="qdisk" votes="2"/>' if qdisk
              else "<cman/>")
    rm = '<rm central_processing="1">' if central else "<rm>"
    text = (f'<?xml version="1.0"?>\n<cluster name="base" config_version="1">'
            f"<clusternodes>{nodes}</clusternodes>{quorum}<fencedevices>{devices}</fencedevices>"
            f"{rm}<failoverdomains>{domains}{extra_domains}</failoverdomains>"
            f"{services}{extra_services}</rm></cluster>\n")
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def sim(zigha_cli, conf: str, *args: str) -> dict:
    """``zigha simulate CONF ARGS --json``: exit 0 and ONE JSON object on stdout."""
    result = zigha_cli("simulate", conf, *args, "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    data, end = json.JSONDecoder().raw_decode(result.stdout)
    assert result.stdout[end:].strip() == "", "more than one JSON value printed"
    assert isinstance(data, dict)
    return data


def column(step: dict) -> str:
    """clustat's owner column (reference §1.2): the last owner in parentheses for stopped,
    disabled, recoverable and failed; otherwise the owner, or none."""
    if step["state"] in ("stopped", "disabled", "recoverable", "failed"):
        return f"({step['last_owner'] or 'none'})"
    return step["owner"] or "none"


def steps(data: dict, service: str, event: int, until: int | None = None) -> list:
    """``owner state`` of every step of ``service`` made by event ``event`` (and later)."""
    return [f"{column(s)} {s['state']}" for s in data["timeline"]
            if s["kind"] == "service" and s["service"] == service and s["event"] >= event
            and (until is None or s["event"] <= until)]


def texts(data: dict, event: int | None = None) -> list:
    return [s.get("message", "") for s in data["timeline"]
            if s["kind"] != "service" and (event is None or s["event"] == event)]


def final(data: dict, service: str) -> tuple:
    return data["final"][service]["state"], data["final"][service]["owner"]


# -- the fixed JSON form ---------------------------------------------------------------------

def test_json_is_one_object_with_final_and_timeline(zigha_cli, tmp_path):
    data = sim(zigha_cli, base_conf(tmp_path))
    assert data["final"] == {HTTP: {"state": "started", "owner": "h1"},
                             NAMED: {"state": "started", "owner": "h2"},
                             MAIL: {"state": "started", "owner": "h3"}}
    for outcome in data["final"].values():
        assert set(outcome) == {"state", "owner"}
    assert isinstance(data["timeline"], list) and data["timeline"]
    assert all(isinstance(step, dict) and "event" in step for step in data["timeline"])


def test_json_owner_is_null_when_nobody_owns_the_service(zigha_cli, tmp_path):
    data = sim(zigha_cli, base_conf(tmp_path), "--event", "clusvcadm -d http")
    assert data["final"][HTTP] == {"state": "disabled", "owner": None}
    assert '"owner": null' in zigha_cli("simulate", base_conf(tmp_path), "--event",
                                        "disable http", "--json").stdout.replace(", ", ", ")


def test_json_on_the_seed_cluster(zigha_cli):
    data = sim(zigha_cli, str(SEED / "cluster.conf"), "--fail", "h1.zigsow.net")
    assert data["final"] == {
        "service:http": {"state": "started", "owner": "h2.zigsow.net"},
        "service:named": {"state": "started", "owner": "h2.zigsow.net"},
        "service:mail": {"state": "started", "owner": "h3.zigsow.net"}}


def test_readable_timeline_by_default(zigha_cli):
    result = zigha_cli("simulate", str(SEED / "cluster.conf"), "--fail", "h1")
    assert result.returncode == 0, result.stderr
    with pytest.raises(json.JSONDecodeError):
        json.loads(result.stdout)
    assert "h1.zigsow.net fails and is fenced" in result.stdout
    assert re.search(r"service:http\s+h2\.zigsow\.net\s+started", result.stdout)


def test_events_are_applied_in_the_order_given(zigha_cli, tmp_path):
    conf = base_conf(tmp_path)
    # relocate to h3, then h3 fails: http goes home to h1
    first = sim(zigha_cli, conf, "--event", "clusvcadm -r http -m h3", "--fail", "h3")
    assert final(first, HTTP) == ("started", "h1")
    # h3 fails first, then the relocation to h3 (offline) cannot go there
    second = sim(zigha_cli, conf, "--fail", "h3", "--event", "clusvcadm -r http -m h3")
    assert final(second, HTTP) != ("started", "h3")
    assert [e["kind"] for e in second["events"]] == ["fail", "relocate"]
    # --fail / --join / --fail-unfenced / --event mixed, each kept in place
    mixed = sim(zigha_cli, conf, "--fail", "h1", "--join", "h1", "--event", "relocate named",
                "--fail-unfenced", "h2", "--event", "fence-ack h2")
    assert [e["kind"] for e in mixed["events"]] == [
        "fail", "join", "relocate", "fail-unfenced", "fence-ack"]
    assert sorted({s["event"] for s in mixed["timeline"]}) == [0, 1, 2, 3, 4, 5]


def test_event_option_repeated(zigha_cli, tmp_path):
    data = sim(zigha_cli, base_conf(tmp_path), "--event", "fail h1", "--event", "join h1",
               "--event", "fail h2")
    assert final(data, HTTP) == ("started", "h1")
    assert final(data, NAMED) == ("started", "h3")


# -- --status FILE -------------------------------------------------------------------------

CLUSTAT_TEXT = """Cluster Status for base @ Wed Aug 17 13:15:14 2011
Member Status: Quorate

 Member Name                             ID   Status
 ------ ----                             ---- ------
 h1                                          1 Online, Local, rgmanager
 h2                                          2 Online, rgmanager
 h3                                          3 Online, rgmanager

 Service Name                   Owner (Last)                   State
 ------- ----                   ----- ------                   -----
 service:http                   h2                             started
 service:named                  h2                             started
 service:mail                   (h3)                           disabled
"""


def test_status_file_text_is_the_starting_point(zigha_cli, tmp_path):
    status = tmp_path / "clustat.txt"
    status.write_text(CLUSTAT_TEXT)
    conf = base_conf(tmp_path)
    start = sim(zigha_cli, conf, "--status", str(status))
    # no membership change: http stays where the status has it, mail stays disabled
    assert final(start, HTTP) == ("started", "h2")
    assert final(start, MAIL) == ("disabled", None)
    data = sim(zigha_cli, conf, "--status", str(status), "--fail", "h2")
    assert final(data, HTTP) == ("started", "h1")
    assert final(data, NAMED) == ("started", "h3")
    assert final(data, MAIL) == ("disabled", None)


def test_status_file_without_a_service_says_it_takes_it_as_stopped(zigha_cli, tmp_path):
    status = tmp_path / "clustat.txt"
    status.write_text(CLUSTAT_TEXT.replace(" service:mail                   (h3)"
                                           "                           disabled\n", ""))
    data = sim(zigha_cli, base_conf(tmp_path), "--status", str(status))
    assert final(data, MAIL) == ("stopped", None)
    assert "service:mail is not in the status: taken as stopped" in texts(data, 0)
    # the next membership change starts it on its best member
    assert final(sim(zigha_cli, base_conf(tmp_path), "--status", str(status), "--fail", "h1"),
                 MAIL) == ("started", "h3")


def test_status_file_xml_capture_of_the_seed(zigha_cli):
    data = sim(zigha_cli, str(SEED / "cluster.conf"), "--status",
               str(SEED / "captures" / "clustat-x.xml"), "--fail", "h2.zigsow.net")
    assert data["final"]["service:named"] == {"state": "started", "owner": "h3.zigsow.net"}
    assert data["final"]["service:http"] == {"state": "started", "owner": "h1.zigsow.net"}


def test_status_file_missing_or_broken_is_one_line(zigha_cli, tmp_path):
    conf = base_conf(tmp_path)
    broken = tmp_path / "broken.xml"
    broken.write_text("<clustat><nodes><node name=")
    for status in (tmp_path / "missing.txt", broken):
        result = zigha_cli("simulate", conf, "--status", str(status))
        assert result.returncode == 2
        assert result.stdout == ""
        assert result.stderr.startswith("zigha: error: ") and result.stderr.count("\n") == 1
        assert str(status.name) in result.stderr
        # with --json the one line is a JSON object naming the error
        result = zigha_cli("simulate", conf, "--status", str(status), "--json")
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.count("\n") == 1 and "error" in json.loads(result.stderr)


# -- --all-single ----------------------------------------------------------------------------

def test_all_single_on_the_seed(zigha_cli):
    data = sim(zigha_cli, str(SEED / "cluster.conf"), "--all-single")
    cases = data["all_single"]["cases"]
    assert [c["failed"] for c in cases] == [["h1.zigsow.net"], ["h2.zigsow.net"],
                                            ["h3.zigsow.net"]]
    # each member's service moves to the next member of its domain, which then runs two
    moves = [[(m["service"], m["before"], m["after"]) for m in c["moved"]] for c in cases]
    assert moves == [[("service:http", "h1.zigsow.net", "h2.zigsow.net")],
                     [("service:named", "h2.zigsow.net", "h3.zigsow.net")],
                     [("service:mail", "h3.zigsow.net", "h1.zigsow.net")]]
    assert [c["overloaded"] for c in cases] == [["h2.zigsow.net"], ["h3.zigsow.net"],
                                                ["h1.zigsow.net"]]
    text = zigha_cli("simulate", str(SEED / "cluster.conf"), "--all-single")
    assert text.returncode == 0 and "overloaded" in text.stdout


def test_all_single_reports_stopped_services_and_the_exclusive_rule_that_blocks(zigha_cli,
                                                                               tmp_path):
    exclusive = base_conf(tmp_path, qdisk=True, services='<service name="big" exclusive="1"/>'
                          '<service name="named" domain="fd_named"/>')
    cases = sim(zigha_cli, exclusive, "--fail", "h1", "--all-single")["all_single"]["cases"]
    by_failed = {c["failed"][0]: c for c in cases}
    assert set(by_failed) == {"h2", "h3"}
    # big (exclusive) on h3 cannot go to h2, which runs named: it stays recorded on h3
    assert by_failed["h3"]["stuck"] == ["service:big"]
    assert [(b["service"], b["node"]) for b in by_failed["h3"]["blocked"]] == [
        ("service:big", "h2")]
    assert "exclusive" in by_failed["h3"]["blocked"][0]["reason"]
    # named cannot go to h3, which runs an exclusive service
    assert [(b["service"], b["node"]) for b in by_failed["h2"]["blocked"]] == [
        ("service:named", "h3")]
    restricted = base_conf(tmp_path, qdisk=True, extra_domains=FD_R, name="t7.conf",
                           extra_services='<service name="db" domain="fd_r"/>')
    cases = sim(zigha_cli, restricted, "--fail", "h1", "--all-single")["all_single"]["cases"]
    h2 = next(c for c in cases if c["failed"] == ["h2"])
    assert "service:db" in h2["stopped"]  # restricted domain, no member left
    assert {(m["service"], m["after"]) for m in h2["moved"]} == {
        (HTTP, "h3"), (NAMED, "h3")}


def test_live_without_clustat_is_one_line_exit_3(zigha_cli, tmp_path):
    result = zigha_cli("simulate", base_conf(tmp_path), "--live")
    assert result.returncode == 3
    assert result.stdout == ""
    assert result.stderr.startswith("zigha: error: ") and result.stderr.count("\n") == 1
    assert "clustat" in result.stderr


def test_quorum_is_recomputed_from_votes_two_node_and_qdisk(zigha_cli, tmp_path):
    two = tmp_path / "two.conf"
    two.write_text('<?xml version="1.0"?><cluster name="two" config_version="1"><clusternodes>'
                   '<clusternode name="a" nodeid="1"/><clusternode name="b" nodeid="2"/>'
                   '</clusternodes><cman two_node="1" expected_votes="1"/><rm>'
                   '<service name="web"/></rm></cluster>')
    data = sim(zigha_cli, str(two), "--fail", "a")
    assert data["quorum"]["quorate"] is True
    assert data["final"]["service:web"] == {"state": "started", "owner": "b"}
    # three nodes without a quorum disk: two failures lose quorum, with it they do not
    assert sim(zigha_cli, base_conf(tmp_path), "--fail", "h1", "--fail", "h2")[
        "quorum"]["quorate"] is False
    qdisk = sim(zigha_cli, base_conf(tmp_path, qdisk=True, name="q.conf"), "--fail", "h1",
                "--fail", "h2")
    assert qdisk["quorum"]["quorate"] is True
    assert qdisk["final"][HTTP] == {"state": "started", "owner": "h3"}


def bench_module():
    spec = importlib.util.spec_from_file_location("bench_simulate", ROOT / "bench" / "simulate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_all_single_on_the_generated_16_member_500_service_cluster(zigha_cli, tmp_path):
    bench = bench_module()
    conf = tmp_path / "big.conf"
    conf.write_text(bench.cluster_conf())
    data = sim(zigha_cli, str(conf), "--all-single")
    assert len(data["final"]) == 500
    cases = data["all_single"]["cases"]
    assert [c["failed"] for c in cases] == [[f"n{i:02d}"] for i in range(1, 17)]
    before = {name: out["owner"] for name, out in data["final"].items()}
    for case in cases:
        dead = case["failed"][0]
        # every service of the dead member moved, stopped or is reported stuck on it
        mine = {n for n, owner in before.items() if owner == dead}
        accounted = ({m["service"] for m in case["moved"]} | set(case["stopped"])
                     | set(case["stuck"]))
        assert mine <= accounted, (dead, mine - accounted)
        assert all(m["after"] != dead for m in case["moved"])
        assert case["quorate"] is True


def test_bench_prints_the_all_single_figure_beside_its_target():
    source = (ROOT / "bench" / "simulate.py").read_text()
    assert "--all-single" in source and "target <= 1000 ms (issue 8)" in source
    assert "NODES = 16" in source and "SERVICES = 500" in source


# -- every scenario of the reference's §8, through the command line --------------------------

@pytest.mark.parametrize("central", [False, True])
def test_t1_cluster_start(zigha_cli, tmp_path, central):
    data = sim(zigha_cli, base_conf(tmp_path, central=central))
    assert data["mode"] == ("central" if central else "distributed") or data["mode"]
    for service, node in ((HTTP, "h1"), (NAMED, "h2"), (MAIL, "h3")):
        assert final(data, service) == ("started", node)
        assert steps(data, service, 0) == [f"{node} starting", f"{node} started"]


def test_t2_fail_fenced(zigha_cli, tmp_path):
    data = sim(zigha_cli, base_conf(tmp_path), "--fail", "h1")
    assert steps(data, HTTP, 1) == ["h2 starting", "h2 started"]
    assert steps(data, NAMED, 1) == [] and steps(data, MAIL, 1) == []
    assert [s["last_owner"] for s in data["timeline"]
            if s.get("service") == HTTP and s["event"] == 1] == [None, None]
    assert data["members"]["h1"]["online"] is False


def test_t3_fail_unfenced_then_fence_ack(zigha_cli, tmp_path):
    conf = base_conf(tmp_path)
    data = sim(zigha_cli, conf, "--fail-unfenced", "h1")
    assert final(data, HTTP) == ("started", "h1")
    assert steps(data, HTTP, 1) == []
    assert data["members"]["h1"] == {**data["members"]["h1"], "online": False,
                                     "fence_pending": True}
    acked = sim(zigha_cli, conf, "--fail-unfenced", "h1", "--event", "fence-ack h1")
    assert steps(acked, HTTP, 1) == ["h2 starting", "h2 started"]


def test_t4_rejoin_fails_back(zigha_cli, tmp_path):
    data = sim(zigha_cli, base_conf(tmp_path), "--fail", "h1", "--join", "h1")
    assert steps(data, HTTP, 2) == ["h2 stopping", "(h2) stopped", "h1 starting", "h1 started"]


def test_t5_nofailback(zigha_cli, tmp_path):
    conf = base_conf(tmp_path, fd_http='nofailback="1"')
    data = sim(zigha_cli, conf, "--fail", "h1", "--join", "h1")
    assert steps(data, HTTP, 2) == [] and final(data, HTTP) == ("started", "h2")
    data = sim(zigha_cli, conf, "--fail", "h1", "--join", "h1", "--fail", "h2")
    assert steps(data, HTTP, 3) == ["h1 starting", "h1 started"]


@pytest.mark.parametrize("nofailback", ["0", "1"])
def test_t6_unrestricted_domain_all_members_down(zigha_cli, tmp_path, nofailback):
    conf = base_conf(
        tmp_path, extra_services='<service name="solo" domain="fd_solo"/>',
        extra_domains=f'<failoverdomain name="fd_solo" ordered="0" restricted="0" '
                      f'nofailback="{nofailback}"><failoverdomainnode name="h1"/>'
                      f'</failoverdomain>')
    assert final(sim(zigha_cli, conf), "service:solo") == ("started", "h1")
    data = sim(zigha_cli, conf, "--fail", "h1")
    state, owner = final(data, "service:solo")
    assert state == "started" and owner in ("h2", "h3")
    # the tie is reported, naming both candidates
    assert any("h2" in t and "h3" in t and "race" in t for t in texts(data, 1))
    back = sim(zigha_cli, conf, "--fail", "h1", "--join", "h1")
    assert final(back, "service:solo") == ("started", "h1")


def test_t7_restricted_domain_loses_all_members(zigha_cli, tmp_path):
    conf = base_conf(tmp_path, qdisk=True, extra_domains=FD_R,
                     extra_services='<service name="db" domain="fd_r"/>')
    data = sim(zigha_cli, conf, "--fail", "h1")
    assert final(data, "service:db") == ("started", "h2")
    data = sim(zigha_cli, conf, "--fail", "h1", "--fail", "h2")
    assert data["quorum"]["quorate"] is True
    assert steps(data, "service:db", 2) == ["(h2) stopped"]
    assert all(s.get("owner") != "h3" for s in data["timeline"]
               if s.get("service") == "service:db")
    data = sim(zigha_cli, conf, "--fail", "h1", "--fail", "h2", "--join", "h1")
    assert steps(data, "service:db", 3) == ["h1 starting", "h1 started"]


def test_t8_seed_httpd_killed_restart_in_place(zigha_cli, tmp_path):
    data = sim(zigha_cli, base_conf(tmp_path), "--event", "relocate http -m h2",
               "--event", "relocate http -m h1", "--event", "status-fail http")
    assert steps(data, HTTP, 3) == ["(h2) recoverable", "none recovering", "h1 starting",
                                    "h1 started"]


def test_t9_recovery_relocate(zigha_cli, tmp_path):
    conf = base_conf(tmp_path, http='recovery="relocate"')
    data = sim(zigha_cli, conf, "--event", "status-fail http")
    got = steps(data, HTTP, 1)
    assert got[0].endswith(" recoverable")
    assert got[1:] == ["none recovering", "h2 starting", "h2 started"]
    # no failback without a membership change of h1
    assert final(sim(zigha_cli, conf, "--event", "status-fail http", "--fail", "h3", "--join",
                     "h3"), HTTP) == ("started", "h2")
    assert final(sim(zigha_cli, conf, "--event", "status-fail http", "--fail", "h1", "--join",
                     "h1"), HTTP) == ("started", "h1")


def test_t10_recovery_disable(zigha_cli, tmp_path):
    data = sim(zigha_cli, base_conf(tmp_path, http='recovery="disable"'),
               "--event", "status-fail http")
    assert [s.split()[-1] for s in steps(data, HTTP, 1)] == ["recoverable", "recovering",
                                                           "disabled"]
    assert final(data, HTTP) == ("disabled", None)
    assert any(s.get("unverified") for s in data["timeline"] if s["event"] == 1) \
        or any("unverified" in n for n in data["notes"])


def test_t11_threshold_exceeded_relocates(zigha_cli, tmp_path):
    conf = base_conf(tmp_path, http='max_restarts="2" restart_expire_time="300"')
    data = sim(zigha_cli, conf, "--event", "status-fail http at=0",
               "--event", "status-fail http at=60", "--event", "status-fail http at=120")
    assert steps(data, HTTP, 1, 1)[-2:] == ["h1 starting", "h1 started"]
    assert steps(data, HTTP, 2, 2)[-2:] == ["h1 starting", "h1 started"]
    assert steps(data, HTTP, 3, 3)[-2:] == ["h2 starting", "h2 started"]
    assert "h1 starting" not in steps(data, HTTP, 3, 3)


def test_t12_failures_spread_out_restart_in_place(zigha_cli, tmp_path):
    conf = base_conf(tmp_path, http='max_restarts="2" restart_expire_time="300"')
    data = sim(zigha_cli, conf, *[a for t in (0, 200, 400)
                                  for a in ("--event", f"status-fail http at={t}")])
    for event in (1, 2, 3):
        assert steps(data, HTTP, event, event)[-2:] == ["h1 starting", "h1 started"]
    assert final(data, HTTP) == ("started", "h1")


def test_t13_restart_disable(zigha_cli, tmp_path):
    conf = base_conf(tmp_path, http='recovery="restart-disable" max_restarts="1" '
                                    'restart_expire_time="600"')
    data = sim(zigha_cli, conf, "--event", "status-fail http at=0",
               "--event", "status-fail http at=100")
    assert steps(data, HTTP, 1, 1)[-2:] == ["h1 starting", "h1 started"]
    assert steps(data, HTTP, 2, 2)[-1].endswith(" disabled")
    assert final(data, HTTP) == ("disabled", None)


def test_t14_failed_restart_relocates(zigha_cli, tmp_path):
    data = sim(zigha_cli, base_conf(tmp_path), "--event", "start-fails http h1",
               "--event", "status-fail http")
    got = steps(data, HTTP, 2)
    assert [s.split()[-1] for s in got] == ["recoverable", "recovering", "starting",
                                           "recoverable", "recovering", "starting", "started"]
    assert got[1:3] == ["none recovering", "h1 starting"]
    assert got[4:] == ["none recovering", "h2 starting", "h2 started"]


@pytest.mark.parametrize("central", [False, True])
def test_t15_relocate_without_target(zigha_cli, tmp_path, central):
    data = sim(zigha_cli, base_conf(tmp_path, central=central), "--event", "clusvcadm -r http")
    assert steps(data, HTTP, 1) == ["h1 stopping", "(h1) stopped", "h2 starting", "h2 started"]


def test_t16_relocate_with_target_and_start_failures(zigha_cli, tmp_path):
    conf = base_conf(tmp_path)
    relocate = ("--event", "clusvcadm -r http -m h3")
    assert final(sim(zigha_cli, conf, *relocate), HTTP) == ("started", "h3")
    b = sim(zigha_cli, conf, "--event", "start-fails http h3", *relocate)
    assert final(b, HTTP) == ("started", "h2")
    c = sim(zigha_cli, conf, "--event", "start-fails http h3", "--event", "start-fails http h2",
            *relocate)
    assert final(c, HTTP) == ("started", "h1")
    assert any("Failed; service running on original owner" in t for t in texts(c, 3))
    d = sim(zigha_cli, conf, "--event", "start-fails http h3", "--event", "start-fails http h2",
            "--event", "start-fails http h1", *relocate)
    assert steps(d, HTTP, 4)[-1] == "(h1) stopped"
    assert final(d, HTTP) == ("stopped", None)


def test_t17_target_outside_a_restricted_domain(zigha_cli, tmp_path):
    db = '<service name="db" domain="fd_r"/>'
    data = sim(zigha_cli, base_conf(tmp_path, extra_domains=FD_R, extra_services=db),
               "--event", "clusvcadm -r db -m h3")
    assert steps(data, "service:db", 1) == ["h1 stopping", "(h1) stopped", "h1 starting",
                                            "h1 started"]
    assert any("original owner" in t for t in texts(data, 1))
    central = sim(zigha_cli, base_conf(tmp_path, extra_domains=FD_R, extra_services=db,
                                       central=True, name="central.conf"),
                  "--event", "clusvcadm -r db -m h3")
    assert final(central, "service:db") == ("started", "h2")


def test_t18_enable_on_the_local_node(zigha_cli, tmp_path):
    conf = base_conf(tmp_path, http='autostart="0"')
    assert final(sim(zigha_cli, conf), HTTP) == ("disabled", None)
    data = sim(zigha_cli, conf, "--event", "enable http on=h3")
    assert steps(data, HTTP, 1) == ["h3 starting", "h3 started"]
    assert final(sim(zigha_cli, conf, "--event", "enable http on=h3", "--fail", "h2", "--join",
                     "h2"), HTTP) == ("started", "h3")
    assert final(sim(zigha_cli, conf, "--event", "enable http on=h3", "--fail", "h1", "--join",
                     "h1"), HTTP) == ("started", "h1")
    central = base_conf(tmp_path, http='autostart="0"', central=True, name="central.conf")
    assert final(sim(zigha_cli, central, "--event", "enable http on=h3"), HTTP) == (
        "started", "h1")


def test_t19_enable_dash_f_on_h3(zigha_cli, tmp_path):
    data = sim(zigha_cli, base_conf(tmp_path, http='autostart="0"'),
               "--event", "enable http on=h3 -F")
    assert steps(data, HTTP, 1) == ["h1 starting", "h1 started"]


def test_t20_enable_restricted_service_from_a_non_member(zigha_cli, tmp_path):
    conf = base_conf(tmp_path, extra_domains=FD_R,
                     extra_services='<service name="db" domain="fd_r" autostart="0"/>')
    data = sim(zigha_cli, conf, "--event", "enable db on=h3")
    assert final(data, "service:db") == ("disabled", None)
    assert any("Failure" in t for t in texts(data, 1))
    data = sim(zigha_cli, conf, "--event", "enable db on=h3 -F")
    assert final(data, "service:db") == ("started", "h1")
    data = sim(zigha_cli, conf, "--event", "clusvcadm -e db -m h3")
    assert final(data, "service:db") == ("disabled", None)
    assert any("Failure" in t for t in texts(data, 1))


def test_t21_exclusive_service(zigha_cli, tmp_path):
    conf = base_conf(tmp_path, qdisk=True, services='<service name="big" exclusive="1"/>'
                     '<service name="named" domain="fd_named"/>')
    start = sim(zigha_cli, conf)
    assert start["final"] == {"service:big": {"state": "started", "owner": "h1"},
                              NAMED: {"state": "started", "owner": "h2"}}
    data = sim(zigha_cli, conf, "--fail", "h1")
    assert final(data, "service:big") == ("started", "h3")
    data = sim(zigha_cli, conf, "--fail", "h1", "--fail", "h3")
    assert data["quorum"]["quorate"] is True
    # not started on h2 (busy): the record stays "h3 started" with h3 Offline
    assert final(data, "service:big") == ("started", "h3")
    assert data["members"]["h3"]["online"] is False
    assert "h2 starting" not in steps(data, "service:big", 2)
    assert any(b.get("node") == "h2" for b in data["blocked"])


@pytest.mark.parametrize("mode", ["hard", "soft"])
def test_t22_hard_dependency_distributed(zigha_cli, tmp_path, mode):
    conf = base_conf(tmp_path, extra_services=f'<service name="app" depend="service:http" '
                                              f'depend_mode="{mode}"/>')
    events = ("--event", "relocate app -m h2", "--event", "clusvcadm -d http")
    data = sim(zigha_cli, conf, *events)
    assert steps(data, "service:app", 2) == ["h2 stopping", "(h2) stopped"]
    assert any("Dependency missing" in (s.get("message") or "") for s in data["timeline"]
               if s["event"] == 2)
    data = sim(zigha_cli, conf, *events, "--event", "clusvcadm -e http -F")
    assert final(data, HTTP) == ("started", "h1")
    assert data["final"]["service:app"]["state"] == "started"


def test_t22_soft_dependency_central_keeps_app_running(zigha_cli, tmp_path):
    conf = base_conf(tmp_path, central=True, extra_services='<service name="app" '
                     'depend="service:http" depend_mode="soft"/>')
    data = sim(zigha_cli, conf, "--event", "relocate app -m h2", "--event", "disable http")
    assert final(data, "service:app") == ("started", "h2")


def test_t23_quorum_lost_and_regained(zigha_cli, tmp_path):
    conf = base_conf(tmp_path)
    data = sim(zigha_cli, conf, "--event", "fail h2,h3")
    assert data["quorum"]["quorate"] is False
    assert all(o == {"state": "stopped", "owner": None} for o in data["final"].values())
    assert any("Quorum Dissolved" in t for t in texts(data, 1))
    assert not any(t.endswith("fenced") for t in texts(data, 1))
    data = sim(zigha_cli, conf, "--event", "fail h2,h3", "--join", "h2")
    assert data["final"] == {HTTP: {"state": "started", "owner": "h1"},
                             NAMED: {"state": "started", "owner": "h2"},
                             MAIL: {"state": "started", "owner": "h1"}}


def test_t24_vm_fails_back_by_live_migration(zigha_cli, tmp_path):
    conf = base_conf(tmp_path, extra_services='<vm name="guest1" domain="fd_http"/>')
    data = sim(zigha_cli, conf, "--fail", "h1", "--join", "h1")
    assert steps(data, "vm:guest1", 1, 1) == ["h2 starting", "h2 started"]
    assert steps(data, "vm:guest1", 2) == ["h1 started"]  # no stopped phase
    last = [s for s in data["timeline"] if s.get("service") == "vm:guest1"][-1]
    assert last["last_owner"] == "h2"


def test_t25_clean_rgmanager_stop(zigha_cli, tmp_path):
    data = sim(zigha_cli, base_conf(tmp_path), "--event", "rgmanager-stop h2")
    assert steps(data, NAMED, 1) == ["h2 stopping", "(h2) stopped", "h3 starting", "h3 started"]
    assert not any("fenced" in t for t in texts(data, 1))


def test_every_reference_scenario_has_a_test_here_and_in_the_unit_tier(reference):
    scenarios = re.findall(r"^### (T\d+)\.", (reference / "rgmanager-behaviour.md").read_text(),
                           flags=re.M)
    assert len(scenarios) >= 25
    here = {n.split("_")[1] for n in globals() if n.startswith("test_t")}
    unit = set(re.findall(r"^def test_(t\d+)_", (ROOT / "tests" / "unit" / "simulate"
                                                  / "test_scenarios.py").read_text(), re.M))
    for scenario in scenarios:
        assert scenario.lower() in here, scenario
        assert scenario.lower() in unit, scenario


# -- the command line as a whole ------------------------------------------------------------

@pytest.mark.parametrize("command", ["conf", "status", "service", "agents", "lvs", "fence",
                                     "simulate", "demo", "migrate"])
def test_every_capability_is_a_subcommand_with_help(zigha_cli, command):
    result = zigha_cli(command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith(f"usage: zigha {command}")
    assert "exit codes" in result.stdout


def test_top_level_help_documents_exit_codes(zigha_cli):
    result = zigha_cli("--help")
    assert result.returncode == 0
    for command in ("conf", "status", "service", "agents", "lvs", "fence", "simulate", "demo"):
        assert command in result.stdout
    assert "exit" in result.stdout.lower()


def bad_inputs(tmp_path: Path) -> dict:
    broken = tmp_path / "broken.conf"
    broken.write_text('<cluster name="x" config_version="1"><clusternodes>')
    return {"missing": str(tmp_path / "missing.conf"), "broken": str(broken)}


@pytest.mark.parametrize("argv", [
    ["simulate", "{f}"], ["simulate", "{f}", "--json"], ["conf", "show", "{f}"],
    ["migrate", "pacemaker", "{f}", "--cib", "{out}"],
    ["status", "--from", "{f}"], ["lvs", "show", "{f}"],
])
@pytest.mark.parametrize("kind", ["missing", "broken"])
def test_missing_or_broken_file_is_one_line_and_non_zero(zigha_cli, tmp_path, argv, kind):
    files = bad_inputs(tmp_path)
    out = tmp_path / "out.xml"
    result = zigha_cli(*[a.format(f=files[kind], out=out) for a in argv])
    assert result.returncode != 0
    if "--json" in argv:
        assert "error" in json.loads(result.stderr)
    else:
        assert result.stderr.startswith("zigha: error: ")
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("event", ["disable nosuch", "status-fail nosuch", "relocate nosuch -m h2"])
def test_unknown_service_is_one_line_exit_2(zigha_cli, tmp_path, event):
    result = zigha_cli("simulate", base_conf(tmp_path), "--event", event)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("zigha: error: ") and result.stderr.count("\n") == 1
    assert "nosuch" in result.stderr


def test_unknown_node_is_one_line_exit_2(zigha_cli, tmp_path):
    for flag in ("--fail", "--fail-unfenced", "--join"):
        result = zigha_cli("simulate", base_conf(tmp_path), flag, "h9")
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.count("\n") == 1 and "h9" in result.stderr


def test_debug_shows_the_traceback(zigha_cli, tmp_path):
    result = zigha_cli("--debug", "simulate", str(tmp_path / "missing.conf"))
    assert result.returncode == 2  # the documented code, with the traceback added
    assert "Traceback" in result.stderr


def test_demo_runs_without_root_or_cluster_and_shows_every_part(zigha_cli):
    result = subprocess.run([sys.executable, "-c",
                             "import sys; from zigha.cli.main import main; sys.exit(main())",
                             "demo"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "zigsow-cluster" in out
    assert re.search(r"service:http\s+h2\.zigsow\.net\s+started", out)  # h1's failure
    assert "-A -t 192.168.10.249:80 -s rr" in out
    assert "/usr/lib/ocf/resource.d/zigha" in out
    data = json.loads(zigha_cli("demo", "--json", "--dir", str(SEED)).stdout)
    assert len(data) == 6


def test_readme_first_command_is_tested_from_a_clean_clone():
    source = (ROOT / "tests" / "cli" / "test_demo.py").read_text()
    assert "def test_readme_first_command_in_a_fresh_virtualenv_from_a_clean_clone" in source
    assert '"git", "clone"' in source


# -- REPL: import zigha is cheap, the readers and the simulator are one attribute away --------

def test_import_zigha_loads_neither_lxml_nor_sh_until_used(reference):
    code = r"""
import sys, json
import zigha
names = ["ClusterConf", "ClusterStatus", "parse_clustat_xml", "parse_clustat_text",
         "parse_cman_status", "parse_cman_nodes", "parse_ipvsadm_list", "parse_lvs_cf",
         "load_desired", "simulate", "parse_crm_mon_xml"]
report = {"import": ["lxml" in sys.modules, "sh" in sys.modules]}
objects = {n: getattr(zigha, n) for n in names}
report["attributes"] = ["lxml" in sys.modules, "sh" in sys.modules]
report["docs"] = [n for n in names if not (objects[n].__doc__ or "").strip()]
conf = zigha.ClusterConf.load("examples/zigsow/cluster.conf")
report["conf"] = [s.name for s in conf.services]
report["conf_repr"] = repr(conf)
status = zigha.parse_clustat_xml(open("examples/zigsow/captures/clustat-x.xml").read())
report["status"] = [status.service("http").owner]
lvs = zigha.parse_ipvsadm_list(open(sys.argv[1]).read())
report["lvs"] = len(lvs.services)
sim = zigha.simulate.simulate(conf, events=["fail h1"])
report["sim"] = repr(sim.final["service:http"])
report["sim_doc"] = bool(zigha.simulate.simulate.__doc__)
report["sh_after"] = "sh" in sys.modules
print(json.dumps(report))
"""
    return_code, data = _run_repl(code, reference / "lvs-samples" / "ipvsadm-Ln-01.txt")
    assert return_code == 0, data
    assert data["import"] == [False, False]
    assert data["attributes"] == [False, False]
    assert data["docs"] == []
    assert data["conf"] == ["http", "named", "mail"]
    assert "zigsow-cluster" in data["conf_repr"]
    assert data["status"] == ["h1.zigsow.net"]
    assert data["lvs"] >= 1
    assert data["sim"] == ("ServiceOutcome(state='started', owner='h2.zigsow.net', "
                           "last_owner=None, frozen=False)")
    assert data["sim_doc"] is True
    assert data["sh_after"] is False  # nothing here runs a command


def _run_repl(code: str, ipvsadm: Path):
    result = subprocess.run([sys.executable, "-c", code, str(ipvsadm)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        return result.returncode, result.stderr
    return 0, json.loads(result.stdout)
