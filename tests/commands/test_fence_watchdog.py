"""The watchdog loop with canned cluster answers: observe, decide, persist, act, log."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "fence"))
from fence_tool_text import h1_done, h1_pending  # noqa: E402

from zigha.fence.config import load_state, parse_config, save_state  # noqa: E402
from zigha.fence.daemon import Watchdog, syslog_logger  # noqa: E402
from zigha.fence.model import WatchdogState  # noqa: E402
from zigha.fence.watchdog import ActionKind  # noqa: E402
from zigha.testing import CannedRunner  # noqa: E402

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "fence"
PING_H1 = ("ping", "-n", "-q", "-c", "1", "-W", "1", "192.0.2.1")
PING_H3 = ("ping", "-n", "-q", "-c", "1", "-W", "1", "192.0.2.3")
TGT = ("ssh", "h0", "tgtadm")


def conf(tmp_path, extra="") -> str:
    return f"""[watchdog]
interval = 2
grace = 0
min_failures = 1
notify_after = 0
tcp_ports =
state_dir = {tmp_path}/state
hook = notify-admin
{extra}
[storage]
command = ssh h0 tgtadm
format = lines
[node h1.zigsow.net]
address = 192.0.2.1
initiator = iqn.1994-05.com.redhat:h1
[node h2.zigsow.net]
address = 192.0.2.2
[node h3.zigsow.net]
address = 192.0.2.3
initiator = iqn.1994-05.com.redhat:h3
"""


def canned(sessions: str, fence_texts: list[str]) -> CannedRunner:
    runner = CannedRunner()
    runner.add(["cman_tool", "status"], (FIX / "cman_tool-status-h2.txt").read_text())
    runner.add(["cman_tool", "nodes"], (FIX / "cman_tool-nodes-h1-dead.txt").read_text())
    runner.add(PING_H1, rc=1)   # h1 silent
    runner.add(PING_H3, rc=0)
    runner.add(TGT, sessions)
    texts = list(fence_texts)
    runner.answers[("fence_tool", "ls", "-n")] = lambda call: (
        0, texts.pop(0) if len(texts) > 1 else texts[0], "")
    runner.add(["fence_ack_manual", "-n", "h1.zigsow.net"], "Done\n")
    return HookRunner(runner.answers)


class HookRunner(CannedRunner):
    """Answers the notification hook whatever its message."""

    def run(self, argv, **kw):
        if argv[0] == "notify-admin":
            self.answers[tuple(argv)] = (0, "", "")
        return super().run(argv, **kw)


def seen_before(cfg) -> None:
    """The watchdog ran while the cluster was healthy and saw h1 and h3 on the target."""
    save_state(cfg.state_dir, WatchdogState(storage_seen=("h1.zigsow.net", "h3.zigsow.net")))


def _argv_names(runner):
    return [c.argv[0] for c in runner.calls]


@pytest.fixture
def fifo(tmp_path):
    import os

    path = tmp_path / "fenced_override"
    os.mkfifo(path)
    return str(path)


def test_dead_node_acked_once_and_state_persisted(tmp_path, fifo):
    cfg = parse_config(conf(tmp_path, f"override_path = {fifo}"))
    seen_before(cfg)
    runner = canned("iqn.1994-05.com.redhat:h3\n", [h1_pending(), h1_pending(), h1_done()])
    dog = Watchdog(cfg, runner=runner, clock=iter(range(1000, 2000, 2)).__next__)
    first = dog.step(dog.observe())
    assert [a.node for a in first.acks] == ["h1.zigsow.net"]
    ack_calls = [c for c in runner.calls if c.argv[0] == "fence_ack_manual"]
    assert ack_calls[0].stdin == "absolutely\n"
    # the clock is read when the probes go out (1000) and when the poll is complete (1002)
    assert load_state(cfg.state_dir).outage("h1.zigsow.net").acked_at == 1002
    # a restarted watchdog does not acknowledge again
    again = Watchdog(cfg, runner=runner, clock=iter(range(1002, 2000, 2)).__next__)
    second = again.step(again.observe())
    assert second.acks == ()
    assert _argv_names(runner).count("fence_ack_manual") == 1


def test_node_still_on_storage_notifies_through_the_hook(tmp_path, fifo):
    cfg = parse_config(conf(tmp_path, f"override_path = {fifo}"))
    runner = canned("iqn.1994-05.com.redhat:h1\niqn.1994-05.com.redhat:h3\n", [h1_pending()])
    dog = Watchdog(cfg, runner=runner)
    decision = dog.step(dog.observe())
    assert [a.code for a in decision.notifications] == ["still-on-storage"]
    hooks = [c.argv for c in runner.calls if c.argv[0] == "notify-admin"]
    assert hooks[0][:3] == ("notify-admin", "still-on-storage", "h1.zigsow.net")
    assert "cut off, not dead" in hooks[0][3]
    assert "fence_ack_manual" not in _argv_names(runner)
    # once per outage
    dog.step(dog.observe())
    assert len([c for c in runner.calls if c.argv[0] == "notify-admin"]) == 1


def test_dry_run_says_and_does_nothing(tmp_path, fifo):
    cfg = parse_config(conf(tmp_path, f"override_path = {fifo}\ndry_run = yes"))
    seen_before(cfg)
    before = (tmp_path / "state" / "watchdog-state.json").read_bytes()
    runner = canned("iqn.1994-05.com.redhat:h3\n", [h1_pending()])
    dog = Watchdog(cfg, runner=runner)
    decision = dog.run(once=True)
    assert decision.acks[0].node == "h1.zigsow.net"
    assert "fence_ack_manual" not in _argv_names(runner)
    assert (tmp_path / "state" / "watchdog-state.json").read_bytes() == before


def test_local_node_is_never_probed(tmp_path, fifo):
    cfg = parse_config(conf(tmp_path, f"override_path = {fifo}"))
    runner = canned("", [h1_done()])
    Watchdog(cfg, runner=runner).observe()
    assert not any("192.0.2.2" in c.argv for c in runner.calls)


def test_decisions_go_to_the_injected_syslog_address(tmp_path, fifo):
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(1)
    cfg = parse_config(conf(tmp_path, f"override_path = {fifo}"))
    seen_before(cfg)
    log = syslog_logger(f"127.0.0.1:{listener.getsockname()[1]}")
    runner = canned("iqn.1994-05.com.redhat:h3\n", [h1_pending(), h1_pending(), h1_done()])
    Watchdog(cfg, runner=runner, log=log).run(once=True)
    messages = []
    try:
        while True:
            messages.append(listener.recv(4096).decode())
    except socket.timeout:
        pass
    finally:
        listener.close()
    text = "\n".join(messages)
    assert "h1.zigsow.net: acknowledging the fence" in text
    assert "left the shared storage" in text
    assert "acknowledgement confirmed" in text
    assert text.startswith("<")  # syslog priority prefix


def test_heartbeat_path_writes_own_slot_and_acks_on_a_stale_peer(tmp_path, fifo):
    from zigha.fence import evidence

    lun = tmp_path / "hb-lun"
    lun.write_bytes(bytes(4096))
    evidence.write_heartbeat(str(lun), 1, "h1.zigsow.net", 77, now=0.0)  # h1's last beat
    text = conf(tmp_path, f"override_path = {fifo}").replace(
        "[storage]\ncommand = ssh h0 tgtadm\nformat = lines\n",
        f"[heartbeat]\ndevice = {lun}\nstale_after = 6\n")
    cfg = parse_config(text)
    runner = canned("", [h1_pending()] * 3 + [h1_pending(), h1_pending(), h1_done()])
    clock = iter(range(1000, 2000)).__next__
    dog = Watchdog(cfg, runner=runner, clock=clock)
    kinds = [[a.kind for a in dog.step(dog.observe()).actions] for _ in range(4)]
    assert ActionKind.ACK not in kinds[0]            # counter seen once: not stale yet
    assert any(ActionKind.ACK in k for k in kinds)    # unchanged for 6 s of our clock: stale
    own = evidence.read_heartbeat(str(lun), 2)
    assert own.node == "h2.zigsow.net" and own.counter == 4
    assert evidence.read_heartbeat(str(lun), 1).counter == 77   # never writes others' slots


def test_node_never_seen_on_the_target_is_not_acknowledged(tmp_path, fifo):
    """A wrong initiator name must not read as "no session": nothing was ever seen."""
    cfg = parse_config(conf(tmp_path, f"override_path = {fifo}"))
    runner = canned("iqn.1994-05.com.redhat:h3\n", [h1_pending()])
    dog = Watchdog(cfg, runner=runner)
    decision = dog.step(dog.observe())
    assert decision.acks == ()
    assert "ever seen on the target" in " ".join(decision.notifications[0].reasons)
    assert load_state(cfg.state_dir).storage_seen == ("h3.zigsow.net",)


def test_a_failing_poll_is_logged_and_the_loop_goes_on(tmp_path, fifo, caplog):
    cfg = parse_config(conf(tmp_path, f"override_path = {fifo}"))
    runner = canned("", [h1_done()])

    def broken(call):
        raise RuntimeError("ping exploded")

    runner.answers[PING_H1] = broken
    dog = Watchdog(cfg, runner=runner)
    decision = dog.run(sleep=lambda s: None, max_polls=2)
    assert decision.actions == ()
    assert caplog.text.count("poll failed") == 2
    with pytest.raises(RuntimeError):
        dog.run(once=True)
