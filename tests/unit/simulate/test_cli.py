"""`zigha simulate`: text and JSON output, event order, bad input as one line."""

from __future__ import annotations

import json

import pytest

from zigha.cli.main import main

H1, H2, H3 = "h1.zigsow.net", "h2.zigsow.net", "h3.zigsow.net"


@pytest.fixture
def conf(examples):
    return str(examples / "zigsow" / "cluster.conf")


def run(capsys, *argv):
    rc = main(["simulate", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_default_is_a_readable_timeline_with_the_final_table(capsys, conf):
    rc, out, err = run(capsys, conf, "--fail", "h1")
    assert rc == 0 and err == ""
    assert "[1] h1.zigsow.net fails and is fenced" in out
    assert f"service:http   {H2} starting" in out
    lines = out.splitlines()
    table = lines[lines.index(" Service Name   Owner (Last)   State"):]
    assert f" service:http   {H2}  started" in table
    assert "unverified" in out


def test_json_final_and_timeline(capsys, conf):
    rc, out, _ = run(capsys, conf, "--fail", "h1", "--json")
    data = json.loads(out)
    assert rc == 0
    assert data["final"] == {"service:http": {"state": "started", "owner": H2},
                             "service:named": {"state": "started", "owner": H2},
                             "service:mail": {"state": "started", "owner": H3}}
    assert any(s.get("service") == "service:http" and s.get("state") == "starting"
               and s["owner"] == H2 for s in data["timeline"])


def test_events_are_applied_in_command_line_order(capsys, conf):
    _, out, _ = run(capsys, conf, "--event", "clusvcadm -r http -m h3", "--fail", "h3", "--json")
    assert json.loads(out)["final"]["service:http"]["owner"] == H1
    _, out, _ = run(capsys, conf, "--fail", "h3", "--event", "clusvcadm -r http -m h3", "--json")
    assert json.loads(out)["final"]["service:http"]["owner"] == H2


def test_unfenced_failure_and_join(capsys, conf):
    _, out, _ = run(capsys, conf, "--fail-unfenced", "h1", "--json")
    data = json.loads(out)
    assert data["final"]["service:http"] == {"state": "started", "owner": H1}
    assert data["members"][H1]["fence_pending"] is True
    _, out, _ = run(capsys, conf, "--fail", "h1", "--join", "h1", "--json")
    assert json.loads(out)["final"]["service:http"]["owner"] == H1


def test_all_single_and_pairs(capsys, conf):
    rc, out, _ = run(capsys, conf, "--all-single", "--all-pairs", "--json")
    data = json.loads(out)
    single = data["all_single"]["cases"]
    assert [c["failed"] for c in single] == [[H1], [H2], [H3]]
    assert single[0]["moved"] == [{"service": "service:http", "before": H1, "after": H2}]
    assert single[0]["overloaded"] == [H2]
    assert all(not c["quorate"] for c in data["all_pairs"]["cases"])
    rc, out, _ = run(capsys, conf, "--all-single")
    assert "overloaded: h2.zigsow.net runs 2 services" in out


def test_status_file_is_the_starting_point(capsys, conf, examples):
    capture = str(examples / "zigsow" / "captures" / "clustat-x.xml")
    _, out, _ = run(capsys, conf, "--status", capture, "--fail", "h2", "--json")
    data = json.loads(out)
    assert data["timeline"][0]["message"] == "starting from the given status"
    assert data["final"]["service:named"]["owner"] == H3


def test_live_reads_clustat(capsys, conf, examples, monkeypatch):
    from zigha import status

    capture = (examples / "zigsow" / "captures" / "clustat-x.xml").read_text()
    monkeypatch.setattr(status, "clustat", lambda **kw: status.parse_clustat_xml(capture))
    _, out, _ = run(capsys, conf, "--live", "--json")
    assert json.loads(out)["timeline"][0]["message"] == "starting from the given status"


@pytest.mark.parametrize("args, words", [
    (["missing.conf"], "missing.conf"),
    (["{conf}", "--fail", "h9"], "unknown node 'h9'"),
    (["{conf}", "--event", "disable nosuch"], "unknown service 'nosuch'"),
    (["{conf}", "--event", "explode h1"], "unknown event 'explode'"),
    (["{conf}", "--status", "{broken}"], ""),
    (["{broken}"], ""),
])
def test_bad_input_is_one_line_and_exit_2(capsys, conf, tmp_path, args, words):
    broken = tmp_path / "broken.xml"
    broken.write_text("<cluster><clusternodes>")
    argv = [a.format(conf=conf, broken=broken) for a in args]
    rc, out, err = run(capsys, *argv)
    assert rc == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("zigha: error: ")
    assert words in err


def test_unfenced_reports_keep_services_on_the_dead_member(capsys, conf):
    rc, out, _ = run(capsys, conf, "--all-single", "--unfenced", "--json")
    cases = json.loads(out)["all_single"]["cases"]
    assert rc == 0 and json.loads(out)["all_single"]["fenced"] is False
    assert [c["stuck"] for c in cases] == [["service:http"], ["service:named"], ["service:mail"]]
    assert all(c["moved"] == [] for c in cases)
    rc, out, _ = run(capsys, conf, "--all-single", "--unfenced")
    assert "service:http stays recorded 'started' on h1.zigsow.net (offline): until " \
           "fence_ack_manual" in out
