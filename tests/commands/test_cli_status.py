"""`zigha status` and `zigha status query` from the command line."""

from __future__ import annotations

import json

import pytest

from zigha.cli.main import main
from zigha.runner import set_default_runner


@pytest.fixture
def live(fake_runner):
    set_default_runner(fake_runner)
    yield fake_runner
    set_default_runner(None)


def sample(reference, name):
    return str(reference / "samples" / name)


def test_status_live_text_layout(reference, live, capsys):
    live.expect(["clustat", "-x"], stdout_file=sample(reference, "clustat-xml-04.xml"))
    assert main(["status", "--width", "80"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Cluster Status for clu_generix @ ")
    assert out[1] == "Member Status: Quorate"
    assert out[5] == " gfs-node1" + " " * 32 + "   2 Online, rgmanager"
    assert out[-2].rstrip() == " service:vmware_ip" + " " * 14 + "(none)" + " " * 25 + "stopped"


def test_status_json_from_text_capture(reference, capsys):
    assert main(["status", "--json", "--from", sample(reference, "clustat-text-02.txt")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["cluster_name"] == "zigsow-cluster" and data["quorate"] is True
    assert data["services"][0]["state"] == "recoverable"
    assert data["services"][0]["last_owner"] == "h2.zigsow.net"
    assert [m["nodeid"] for m in data["members"]] == [1, 2, 3]


def test_status_xml_output_from_capture(reference, capsys):
    assert main(["status", "--xml", "--from", sample(reference, "clustat-xml-01.xml")]) == 0
    assert capsys.readouterr().out == open(sample(reference, "clustat-xml-01.xml")).read()


def test_status_watch_refreshes(reference, live, capsys):
    live.expect(["clustat", "-x"], stdout_file=sample(reference, "clustat-xml-01.xml"), times=2)
    assert main(["status", "--json", "--watch", "0.01", "--count", "2"]) == 0
    assert capsys.readouterr().out.count('"cluster_name": "cluster1"') == 2


def test_status_bad_capture_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_text("Cluster Status for c @ Thu Mar  1 09:45:21 2012\nMember Status: Maybe\n")
    assert main(["status", "--from", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("zigha: error: clustat: line:2:") and "Member Status: Maybe" in err
    assert main(["status", "--from", str(tmp_path / "missing.xml")]) == 2


def test_status_without_cman_exits_3(live, capsys):
    live.expect(["clustat", "-x"], rc=1, stderr="Could not connect to CMAN: Connection refused\n")
    assert main(["status"]) == 3
    assert "Could not connect to CMAN: Connection refused" in capsys.readouterr().err


def test_status_timeout_exits_4(live):
    live.timeout(["clustat", "-x"])
    assert main(["status"]) == 4


@pytest.mark.parametrize("argv, rc, said", [
    (["quorate"], 0, "yes: quorate"),
    (["member", "gfs-node2"], 0, "yes: gfs-node2: online"),
    (["member", "gfs-node"], 1, "no: gfs-node: not a member"),
    (["service", "xen_ip"], 0, "yes: service:xen_ip: started, owner gfs-node2"),
    (["service", "xen_ip", "--owner", "gfs-node1"], 1, "no: service:xen_ip"),
    (["service", "vmware_ip"], 1, "no: service:vmware_ip: stopped, owner (none)"),
    (["service", "vmware_ip", "--state", "stopped"], 0, "yes: service:vmware_ip"),
    (["service", "nothing"], 1, "no: service:nothing: no such service"),
])
def test_queries_answer_by_exit_status(reference, capsys, argv, rc, said):
    source = ["--from", sample(reference, "clustat-xml-04.xml")]
    assert main(["status", "query", *argv, "-v", *source]) == rc
    assert capsys.readouterr().out.startswith(said)
    assert main(["status", *source, "query", *argv]) == rc
    assert capsys.readouterr().out == ""


def test_query_bad_state_is_bad_input(reference, capsys):
    source = ["--from", sample(reference, "clustat-xml-04.xml")]
    assert main(["status", "query", "service", "xen_ip", "--state", "asleep", *source]) == 2
    assert "not a service state" in capsys.readouterr().err


def test_query_live_inquorate(reference, live):
    live.expect(["clustat", "-x"], stdout=open(sample(reference, "clustat-xml-04.xml")).read()
                .replace('quorate="1" groupmember="1"/>', 'quorate="0"\n groupmember="0"/>'))
    assert main(["status", "query", "quorate"]) == 1


def test_query_needs_a_check(capsys):
    with pytest.raises(SystemExit) as info:
        main(["status", "query"])
    assert info.value.code == 2
