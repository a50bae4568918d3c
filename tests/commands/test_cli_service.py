"""`zigha service VERB NAME` from the command line, over the strict fake runner."""

from __future__ import annotations

import json

import pytest

from zigha.cli.main import main
from zigha.runner import set_default_runner
from zigha.status import ClusterStatus, Member, ServiceState, ServiceStatus, render_clustat_xml


@pytest.fixture
def live(fake_runner):
    set_default_runner(fake_runner)
    yield fake_runner
    set_default_runner(None)


def member_doc(name, up=True):
    return render_clustat_xml(ClusterStatus(members=[Member(name, 2, up, rgmanager=up)],
                                            services_available=False))


def service_doc(state, owner=None, last=None):
    return render_clustat_xml(ClusterStatus(services=[
        ServiceStatus("service:httpd", state, owner=owner, last_owner=last)]))


def test_disable_prints_the_outcome(reference, live, capsys):
    live.expect(["clusvcadm", "-d", "service:srv_www"],
                stdout_file=reference / "samples" / "clusvcadm-02.txt")
    assert main(["service", "disable", "srv_www"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "service:srv_www: disable success\n"
    assert "disable srv_www ..." in captured.err
    assert live.calls[0].timeout == 120.0


def test_relocate_and_wait_shows_progress(live, capsys):
    live.expect(["clustat", "-x", "-m", "h2.zigsow.net"], stdout=member_doc("h2.zigsow.net"))
    live.expect(["clusvcadm", "-r", "service:httpd", "-m", "h2.zigsow.net"], stdout=(
        "Trying to relocate service:httpd to h2.zigsow.net...Success\n"
        "service:httpd is now running on h2.zigsow.net\n"))
    live.expect(["clustat", "-x", "-s", "service:httpd"],
                stdout=service_doc(ServiceState.STARTED, "h2.zigsow.net", "h1.zigsow.net"))
    assert main(["service", "relocate", "httpd", "-m", "h2.zigsow.net", "--wait",
                 "--timeout", "30"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "service:httpd: relocate success, now running on h2.zigsow.net",
        "service:httpd: started on h2.zigsow.net"]
    assert "service:httpd: started on h2.zigsow.net (0 s)" in captured.err
    assert live.calls[1].timeout == 30


def test_json_output(live, capsys):
    live.expect(["clusvcadm", "-e", "service:httpd"],
                stdout="Local machine trying to enable service:httpd...Service is already running\n")
    assert main(["service", "enable", "httpd", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["result"]["outcome"] == "already running" and data["result"]["ok"] is True


def test_running_elsewhere_exits_1(live, capsys):
    live.expect(["clustat", "-x", "-m", "h2"], stdout=member_doc("h2"))
    live.expect(["clusvcadm", "-e", "service:httpd", "-m", "h2"], stdout=(
        "Member h2 trying to enable service:httpd...Success\n"
        "Warning: service:httpd is now running on h1\n"))
    assert main(["service", "enable", "httpd", "-m", "h2"]) == 1
    assert "running elsewhere, now running on h1 (asked for h2)" in capsys.readouterr().out


@pytest.mark.parametrize("text, rc, exit_code", [
    ("Failure", 255, 1),
    ("Operation would cause a deadlock", 251, 1),
    ("Operation requires quorum", 247, 1),
    ("Failure: Service is frozen", 245, 1),
    ("Service does not exist", 252, 2),
])
def test_failures_map_to_exit_codes(live, capsys, text, rc, exit_code):
    live.expect(["clusvcadm", "-R", "service:httpd"], rc=rc,
                stdout=f"Local machine trying to restart service:httpd...{text}\n")
    assert main(["service", "restart", "httpd"]) == exit_code
    assert text in capsys.readouterr().err


def test_inexact_member_exits_2_without_running_clusvcadm(live, capsys):
    live.expect(["clustat", "-x", "-m", "h2"], stdout=render_clustat_xml(
        ClusterStatus(services_available=False)))
    live.expect(["clustat", "-x"], stdout=render_clustat_xml(ClusterStatus(
        cluster_name="c", quorate=True, members=[Member("h2.zigsow.net", 2, True)])))
    assert main(["service", "relocate", "httpd", "--member", "h2"]) == 2
    assert "did you mean 'h2.zigsow.net'" in capsys.readouterr().err


def test_resolve_says_what_it_did(live, capsys):
    full = "h2.zigsow.net"
    live.expect(["clustat", "-x", "-m", "h2"], stdout=render_clustat_xml(
        ClusterStatus(services_available=False)))
    live.expect(["clustat", "-x"], stdout=render_clustat_xml(ClusterStatus(
        cluster_name="c", quorate=True, members=[Member(full, 2, True)])))
    live.expect(["clustat", "-x", "-m", full], stdout=member_doc(full))
    live.expect(["clusvcadm", "-r", "service:httpd", "-m", full],
                stdout=f"Trying to relocate service:httpd to {full}...Success\n")
    assert main(["service", "relocate", "httpd", "-m", "h2", "--resolve"]) == 0
    assert "(member 'h2' taken as 'h2.zigsow.net')" in capsys.readouterr().out


def test_timeout_exits_4_and_says_outcome_unknown(live, capsys):
    live.timeout(["clusvcadm", "-d", "service:httpd"], seconds=5)
    assert main(["service", "disable", "httpd", "--timeout", "5"]) == 4
    assert "outcome unknown" in capsys.readouterr().err


def test_wait_timeout_exits_4(live, capsys, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    live.expect(["clusvcadm", "-s", "service:httpd"],
                stdout="Local machine stopping service:httpd...Success\n")
    live.expect(["clustat", "-x", "-s", "service:httpd"],
                stdout=service_doc(ServiceState.STOPPING, "h1"), times=1)
    assert main(["service", "stop", "httpd", "--wait", "--timeout", "0"]) == 4
    assert "last seen: stopping on h1" in capsys.readouterr().err


def test_rgmanager_down_exits_3(live, capsys):
    live.expect(["clusvcadm", "-Z", "service:httpd"], rc=1,
                stdout="Local machine freezing service:httpd...Could not connect to resource group manager\n")
    assert main(["service", "freeze", "httpd"]) == 3


@pytest.mark.parametrize("argv", [
    ["service", "migrate", "vm:g"],  # migrate needs --member
    ["service", "frobnicate", "httpd"],
    ["service", "freeze", "httpd", "--wait"],
    ["service", "enable"],
])
def test_bad_usage_exits_2(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2


def test_bad_names_exit_2(live, capsys):
    assert main(["service", "restart", "x" * 70]) == 2
    assert main(["service", "enable", "httpd", "-F", "-m", "h1"]) == 2


def test_help_documents_exit_codes(capsys):
    with pytest.raises(SystemExit):
        main(["service", "relocate", "--help"])
    out = capsys.readouterr().out
    assert "4  timeout" in out and "outcome is unknown" in out
