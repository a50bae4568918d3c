"""`zigha fence …` through main() with canned tool answers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "fence"))
from fence_tool_text import h1_pending  # noqa: E402

from zigha.cli.main import main  # noqa: E402
from zigha.runner import set_default_runner  # noqa: E402
from zigha.testing import CannedRunner  # noqa: E402

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "fence"


@pytest.fixture
def cluster():
    runner = CannedRunner()
    runner.add(["cman_tool", "status"], (FIX / "cman_tool-status-h2.txt").read_text())
    runner.add(["cman_tool", "nodes"], (FIX / "cman_tool-nodes-h1-dead.txt").read_text())
    runner.add(["fence_tool", "ls", "-n"], h1_pending())
    set_default_runner(runner)
    yield runner
    set_default_runner(None)


def test_status_json(cluster, capsys):
    assert main(["fence", "status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["victims"] == ["h1.zigsow.net"]
    assert data["victim_now"] == "h1.zigsow.net"
    assert data["local_node"] == "h2.zigsow.net" and data["quorate"] is True
    assert data["nodes"][0] == {"nodeid": 1, "name": "h1.zigsow.net", "member": False,
                                "victim": True}


def test_status_text(cluster, capsys):
    assert main(["fence", "status"]) == 0
    out = capsys.readouterr().out
    assert "h1.zigsow.net" in out and "Victim" in out and "wait state fencing" in out


def test_fenced_not_running_is_a_state(cluster, capsys):
    cluster.add(["fence_tool", "ls", "-n"], "", rc=1)
    assert main(["fence", "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["fenced_running"] is False


def test_ack_without_yes_and_without_a_terminal_refuses(cluster, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", open("/dev/null"))
    assert main(["fence", "ack", "h1.zigsow.net"]) == 1
    assert "not confirmed" in capsys.readouterr().err
    assert not any(c.argv[0] == "fence_ack_manual" for c in cluster.calls)


def test_ack_local_node_is_an_error(cluster, capsys):
    assert main(["fence", "ack", "h2.zigsow.net", "--yes"]) == 1
    assert "this node" in capsys.readouterr().err


def test_ack_not_pending(cluster, capsys):
    # no fenced FIFO on this machine: nothing is run, exit 1
    assert main(["fence", "ack", "h1.zigsow.net", "--yes", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["outcome"] == "not-pending"


def test_watchdog_once_dry_run(cluster, capsys, tmp_path):
    cluster.add(["ping", "-n", "-q", "-c", "1", "-W", "1", "192.0.2.1"], rc=1)
    cluster.add(["ping", "-n", "-q", "-c", "1", "-W", "1", "192.0.2.3"], rc=0)
    conf = tmp_path / "w.conf"
    conf.write_text(f"[watchdog]\ntcp_ports =\nstate_dir = {tmp_path}/s\npolicy = network-only\n"
                    "[node h1.zigsow.net]\naddress = 192.0.2.1\n"
                    "[node h3.zigsow.net]\naddress = 192.0.2.3\n")
    assert main(["fence", "watchdog", "--config", str(conf), "--once", "--dry-run",
                 "--syslog", "127.0.0.1:9", "--json"]) == 0
    captured = capsys.readouterr()
    assert "WARNING" in captured.err and "network-only" in captured.err
    actions = json.loads(captured.out)
    assert [a["kind"] for a in actions] == ["none", "none"]   # FIFO absent here: no ack
    assert not (tmp_path / "s").exists()
