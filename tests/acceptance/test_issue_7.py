"""Issue 7: fence_ack_manual as an object, and the seed's ping watchdog done safely.

Through the package's public names (``from zigha.fence import ...``); the fenced and cman
texts are built with the printf formats the reference and fenced's source give.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from zigha.errors import ZighaError
from zigha.fence import AckOutcome, Policy, WatchdogConfig, WatchdogState, decide, fence_ack_manual
from zigha.fence.model import (
    Evidence,
    NodeConfig,
    NodeObservation,
    Observation,
    ProbeResult,
    StorageConfig,
)
from zigha.fence.watchdog import ActionKind

TESTS = Path(__file__).resolve().parents[1]
CMAN_STATUS_H2 = TESTS / "fixtures" / "fence" / "cman_tool-status-h2.txt"
CMAN_NODES_H1_DEAD = TESTS / "fixtures" / "fence" / "cman_tool-nodes-h1-dead.txt"
H1, H2, H3 = "h1.zigsow.net", "h2.zigsow.net", "h3.zigsow.net"
ACK_ARGV = ["fence_ack_manual", "-n", H1]
DONE = ("About to override fencing for h1.zigsow.net.\n"
        "Improper use of this command can cause severe file system damage.\n\nDone\n")


def fence_tool_ls(victim_now: int, victims: tuple) -> str:
    """``fence_tool ls -n`` (fence/fence_tool/fence_tool.c printf formats)."""
    lines = ["fence domain", "member count  2", f"victim count  {len(victims)}",
             f"victim now    {victim_now}", "master nodeid 2", "wait state    "
             + ("fencing" if victims else "none"), "members       2 3 ", "all nodes"]
    for nodeid in (1, 2, 3):
        lines.append(f"nodeid {nodeid} member {0 if nodeid == 1 else 1} victim "
                     f"{1 if nodeid in victims else 0} last fence master 0 how none")
    return "\n".join(lines) + "\n\n"


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "fenced_override"
    os.mkfifo(path, 0o600)
    return str(path)


def cman(fake):
    fake.expect(["cman_tool", "status"], stdout_file=CMAN_STATUS_H2)
    fake.expect(["cman_tool", "nodes"], stdout_file=CMAN_NODES_H1_DEAD)


def no_sleep(_seconds):
    pass


# ---------------------------------------------------------------- fence_ack_manual(node)


def test_no_pending_fence_runs_nothing(fake_runner, tmp_path):
    cman(fake_runner)
    result = fence_ack_manual(H1, runner=fake_runner, override_path=str(tmp_path / "none"),
                              fifo_wait=0)
    assert result.outcome is AckOutcome.NOT_PENDING and not result.ok
    assert all(call.argv[0] != "fence_ack_manual" for call in fake_runner.calls)


def test_another_victim_runs_nothing(fake_runner, fifo):
    cman(fake_runner)
    fake_runner.expect(["fence_tool", "ls", "-n"], stdout=fence_tool_ls(3, (3,)))
    result = fence_ack_manual(H1, runner=fake_runner, override_path=fifo)
    assert result.outcome is AckOutcome.NOT_VICTIM and not result.ok
    assert all(call.argv[0] != "fence_ack_manual" for call in fake_runner.calls)


def test_answers_the_prompt_and_confirms(fake_runner, fifo):
    cman(fake_runner)
    fake_runner.expect(["fence_tool", "ls", "-n"], stdout=fence_tool_ls(1, (1,)))
    fake_runner.expect(ACK_ARGV, stdin="absolutely\n", stdout=DONE)
    fake_runner.expect(["fence_tool", "ls", "-n"], stdout=fence_tool_ls(0, ()))
    result = fence_ack_manual(H1, runner=fake_runner, override_path=fifo, sleep=no_sleep)
    assert result.outcome is AckOutcome.CONFIRMED and result.ok
    ack_call = next(c for c in fake_runner.calls if c.argv[0] == "fence_ack_manual")
    assert ack_call.timeout is not None and ack_call.timeout > 0  # the tool polls forever


def test_done_but_still_a_victim_is_unconfirmed(fake_runner, fifo):
    cman(fake_runner)
    fake_runner.expect(["fence_tool", "ls", "-n"], stdout=fence_tool_ls(1, (1,)))
    fake_runner.expect(ACK_ARGV, stdin="absolutely\n", stdout=DONE)
    fake_runner.expect(["fence_tool", "ls", "-n"], stdout=fence_tool_ls(1, (1,)), times=3)
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds
    result = fence_ack_manual(H1, runner=fake_runner, override_path=fifo, confirm_timeout=1.0,
                              poll=0.5, sleep=sleep, clock=lambda: now[0])
    assert result.outcome is AckOutcome.UNCONFIRMED and not result.ok


def test_tool_wait_is_bounded(fake_runner, fifo):
    cman(fake_runner)
    fake_runner.expect(["fence_tool", "ls", "-n"], stdout=fence_tool_ls(1, (1,)))
    fake_runner.timeout(ACK_ARGV, seconds=3.0)
    result = fence_ack_manual(H1, runner=fake_runner, override_path=fifo, timeout=3.0)
    assert result.outcome is AckOutcome.TIMED_OUT and not result.written


def test_local_node_is_refused(fake_runner, fifo):
    cman(fake_runner)
    with pytest.raises(ZighaError):
        fence_ack_manual(H2, runner=fake_runner, override_path=fifo)


# ---------------------------------------------------------------- the watchdog decision

NODES = (NodeConfig(H1, "192.168.10.231", (22,), initiator="iqn.1994-05.com.redhat:h1"),
         NodeConfig(H2, "192.168.10.232", (22,), initiator="iqn.1994-05.com.redhat:h2"),
         NodeConfig(H3, "192.168.10.233", (22,), initiator="iqn.1994-05.com.redhat:h3"))
STORAGE = StorageConfig(("ssh", "root@h0.zigsow.net", "tgtadm", "--lld", "iscsi", "--mode", "target",
                         "--op", "show"))


def seen(name, *, answers, member, storage):
    result = ProbeResult.ANSWERED if answers else ProbeResult.SILENT
    return NodeObservation(name=name, probes=(("icmp", result), ("tcp:22", result)),
                           member=member, storage=storage)


def world(t, *, h1_answers=False, h1_member=False, h1_storage=Evidence.INACTIVE, quorate=True,
          pending=True, local=H2, victim=H1):
    return Observation(
        at=t, local_node=local, quorate=quorate, override_pending=pending,
        victim_now=victim if pending else None, victims=(victim,) if pending else (),
        nodes=(seen(H1, answers=h1_answers, member=h1_member, storage=h1_storage),
               seen(H2, answers=True, member=True, storage=Evidence.ACTIVE),
               seen(H3, answers=True, member=True, storage=Evidence.ACTIVE)))


def drive(config, observe, until=120.0, state=None):
    state = state or WatchdogState(storage_seen=(H1, H2, H3))
    acks, notes, t = [], [], 0.0
    while t <= until:
        decision = decide([observe(t)], config, state)
        state = decision.state
        acks += [(t, a) for a in decision.actions if a.kind is ActionKind.ACK]
        notes += [(t, a) for a in decision.actions if a.kind is ActionKind.NOTIFY]
        t += config.interval
    return acks, notes, state


def test_dead_node_with_no_storage_session_is_acked_once_after_the_grace_period():
    config = WatchdogConfig(nodes=NODES, storage=STORAGE)
    acks, _, _ = drive(config, lambda t: world(t))
    assert [a.node for _, a in acks] == [H1]
    assert config.grace <= acks[0][0] <= config.grace + config.interval


def test_node_still_on_the_storage_is_never_acked():
    config = WatchdogConfig(nodes=NODES, storage=STORAGE)
    acks, _, _ = drive(config, lambda t: world(t, h1_storage=Evidence.ACTIVE), until=600)
    assert acks == []


@pytest.mark.parametrize("change", [dict(h1_answers=True), dict(h1_member=True),
                                    dict(quorate=False), dict(pending=False),
                                    dict(victim=H3)])
def test_any_missing_condition_means_no_ack(change):
    config = WatchdogConfig(nodes=NODES, storage=STORAGE)
    acks, _, _ = drive(config, lambda t: world(t, **change), until=300)
    assert acks == []


def test_local_node_is_never_acked_even_network_only():
    config = WatchdogConfig(nodes=NODES, policy=Policy.NETWORK_ONLY)
    acks, _, _ = drive(config, lambda t: world(t, local=H1), until=300)
    assert acks == []


def test_without_an_independent_path_it_notifies_and_never_acks():
    config = WatchdogConfig(nodes=NODES)
    acks, notes, _ = drive(config, lambda t: world(t, h1_storage=Evidence.UNKNOWN), until=300)
    assert acks == []
    assert notes and all(a.node == H1 for _, a in notes)
    assert notes[0][0] >= config.notify_after - config.interval  # after notify_after of silence


def test_network_only_policy_acks_with_a_warning():
    config = WatchdogConfig(nodes=NODES, policy=Policy.NETWORK_ONLY)
    acks, _, _ = drive(config, lambda t: world(t, h1_storage=Evidence.UNKNOWN))
    assert len(acks) == 1 and acks[0][1].warning


def test_restart_mid_outage_does_not_ack_twice(tmp_path):
    from zigha.fence.config import load_state, save_state

    config = WatchdogConfig(nodes=NODES, storage=STORAGE, state_dir=str(tmp_path))
    acks, _, state = drive(config, lambda t: world(t), until=30)
    assert len(acks) == 1
    save_state(str(tmp_path), state)
    restored = load_state(str(tmp_path))
    later, _, _ = drive(config, lambda t: world(t + 32), until=300, state=restored)
    assert later == []


def test_default_state_dir_is_not_tmp():
    assert not WatchdogConfig(nodes=NODES).state_dir.startswith("/tmp")


# ---------------------------------------------------------------- command line and examples


def test_cli_watchdog_once_and_ack_are_there(zigha_cli):
    help_text = zigha_cli("fence", "watchdog", "--help").stdout
    assert "--once" in help_text and "--dry-run" in help_text
    assert "NODE" in zigha_cli("fence", "ack", "--help").stdout.upper()


def test_fence_scsi_example_validates(reference):
    from zigha.conf import ClusterConf

    conf = ClusterConf.load(TESTS.parent / "examples" / "fence" / "cluster.conf")
    assert [f for f in conf.validate(reference / "cluster.rng") if f.severity == "error"] == []
    assert {d.agent for d in conf.fence_devices} == {"fence_scsi"}
    assert all(n.unfence for n in conf.nodes)


@pytest.mark.root
def test_real_fence_ack_manual_against_a_fake_fenced():
    """The REAL tool in a private mount namespace (tests/integration's fake fenced)."""
    import json
    import subprocess

    driver = TESTS / "integration" / "fake_fenced_driver.py"
    assert os.access("/usr/sbin/fence_ack_manual", os.X_OK)
    done = subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable,
                           str(driver), "wrong-victim"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["output"].endswith("Done\n") and out["outcome"] == "unconfirmed"
    assert out["received"] == ["h1.zigsow.net\n"]


def test_cli_watchdog_once_without_a_syslog_daemon_prints_no_traceback(tmp_path, zigha_cli):
    """Test machines run no syslog daemon: the decision is still printed, with no traceback.
    Only loopback is probed."""
    config = tmp_path / "watchdog.conf"
    config.write_text(
        "[watchdog]\ninterval = 2\ngrace = 10\nmin_failures = 3\nprobe_timeout = 1\n"
        f"state_dir = {tmp_path / 'state'}\nsyslog = {tmp_path / 'no-syslog-socket'}\n\n"
        "[node n1.test]\naddress = 127.0.0.1\n")
    done = zigha_cli("fence", "watchdog", "--config", str(config), "--once", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("n1.test: none: ")
    assert "Traceback" not in done.stderr and "Logging error" not in done.stderr
    assert not (tmp_path / "state").exists() or not any((tmp_path / "state").iterdir())
