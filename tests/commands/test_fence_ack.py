"""zigha.fence.ack with the strict FakeRunner: exact argv, stdin and the safety refusals."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "fence"))
from fence_tool_text import fence_ls, h1_done, h1_pending  # noqa: E402

from zigha.errors import CommandError  # noqa: E402
from zigha.fence.ack import AckOutcome, fence_ack_manual  # noqa: E402
from zigha.fence.pending import FenceError  # noqa: E402

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "fence"
STATUS = FIX / "cman_tool-status-h2.txt"
NODES_DEAD = FIX / "cman_tool-nodes-h1-dead.txt"
NODES_UP = FIX / "cman_tool-nodes-all-up.txt"
ACK = ["fence_ack_manual", "-n", "h1.zigsow.net"]
DONE = ("About to override fencing for h1.zigsow.net.\n"
        "Improper use of this command can cause severe file system damage.\n\nDone\n")


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "fenced_override"
    os.mkfifo(path, 0o600)
    return str(path)


def cman(fake, nodes=NODES_DEAD):
    fake.expect(["cman_tool", "status"], stdout_file=STATUS)
    fake.expect(["cman_tool", "nodes"], stdout_file=nodes)


def test_confirmed_ack(fake_runner, fifo):
    cman(fake_runner)
    fake_runner.expect(["fence_tool", "ls", "-n"], stdout=h1_pending())
    fake_runner.expect(ACK, stdin="absolutely\n", stdout=DONE)
    fake_runner.expect(["fence_tool", "ls", "-n"], stdout=h1_pending())
    fake_runner.expect(["fence_tool", "ls", "-n"], stdout=h1_done())
    clock = Clock()
    result = fence_ack_manual("H1.zigsow.net", runner=fake_runner, override_path=fifo,
                              sleep=clock.sleep, clock=clock)
    assert result.ok and result.outcome is AckOutcome.CONFIRMED
    assert result.node == "h1.zigsow.net"  # cman's spelling is what goes to the FIFO
    assert result.how == "override"
    assert fake_runner.calls[3].timeout == 10.0


def test_done_but_still_victim_is_unconfirmed(fake_runner, fifo):
    cman(fake_runner)
    fake_runner.expect(["fence_tool", "ls", "-n"], stdout=h1_pending())
    fake_runner.expect(ACK, stdin="absolutely\n", stdout=DONE)
    fake_runner.expect(["fence_tool", "ls", "-n"], stdout=h1_pending(), times=3)
    clock = Clock()
    result = fence_ack_manual("h1.zigsow.net", runner=fake_runner, override_path=fifo,
                              confirm_timeout=1.0, poll=0.5, sleep=clock.sleep, clock=clock)
    assert result.outcome is AckOutcome.UNCONFIRMED and not result.ok and result.written
    assert "still lists h1.zigsow.net" in result.message


def test_no_fifo_runs_nothing(fake_runner, tmp_path):
    cman(fake_runner)
    result = fence_ack_manual("h1.zigsow.net", runner=fake_runner,
                              override_path=str(tmp_path / "absent"))
    assert result.outcome is AckOutcome.NOT_PENDING


def test_a_regular_file_is_not_the_fifo(fake_runner, tmp_path):
    stray = tmp_path / "fenced_override"
    stray.write_text("h1\n")
    cman(fake_runner)
    result = fence_ack_manual("h1.zigsow.net", runner=fake_runner, override_path=str(stray))
    assert result.outcome is AckOutcome.NOT_PENDING


def test_other_victim_runs_nothing(fake_runner, fifo):
    cman(fake_runner)
    fake_runner.expect(["fence_tool", "ls", "-n"], stdout=fence_ls(
        victim_now=3, nodes=[(1, 0, 1, 0, "none"), (3, 0, 1, 0, "none")]))
    result = fence_ack_manual("h1.zigsow.net", runner=fake_runner, override_path=fifo)
    assert result.outcome is AckOutcome.NOT_VICTIM
    assert "fencing h3.zigsow.net now" in result.message
    assert result.victim_now == "h3.zigsow.net"


def test_tool_that_never_finds_the_fifo_is_bounded(fake_runner, fifo):
    cman(fake_runner)
    fake_runner.expect(["fence_tool", "ls", "-n"], stdout=h1_pending())
    fake_runner.timeout(ACK, seconds=2.0)
    result = fence_ack_manual("h1.zigsow.net", runner=fake_runner, override_path=fifo,
                              timeout=2.0)
    assert result.outcome is AckOutcome.TIMED_OUT and not result.written


def test_local_node_is_refused(fake_runner, fifo):
    cman(fake_runner)
    with pytest.raises(FenceError, match="this node"):
        fence_ack_manual("h2.zigsow.net", runner=fake_runner, override_path=fifo)


def test_member_is_refused(fake_runner, fifo):
    cman(fake_runner, NODES_UP)
    with pytest.raises(FenceError, match="cman member"):
        fence_ack_manual("h1.zigsow.net", runner=fake_runner, override_path=fifo)


def test_unknown_node_is_refused(fake_runner, fifo):
    cman(fake_runner)
    with pytest.raises(FenceError, match="not a node of this cluster"):
        fence_ack_manual("h9", runner=fake_runner, override_path=fifo)


def test_aborted_is_a_command_error(fake_runner, fifo):
    cman(fake_runner)
    fake_runner.expect(["fence_tool", "ls", "-n"], stdout=h1_pending())
    fake_runner.expect(ACK, stdout="About to override fencing for h1.zigsow.net.\n"
                       "Improper use of this command can cause severe file system damage.\n\n"
                       "Aborted.\n", rc=1)
    with pytest.raises(CommandError, match="Aborted"):
        fence_ack_manual("h1.zigsow.net", runner=fake_runner, override_path=fifo)


def test_override_wait_bridges_fenceds_gap_between_windows(tmp_path):
    import threading

    from zigha.fence.pending import override_pending

    path = tmp_path / "fenced_override"
    timer = threading.Timer(0.2, os.mkfifo, args=(path,))
    timer.start()
    try:
        assert override_pending(str(path)) is False          # not there yet, no wait
        assert override_pending(str(path), wait=2.0) is True  # appears within the wait
    finally:
        timer.join()


def test_fenced_vanishing_after_done_is_unconfirmed_not_an_error(fake_runner, fifo):
    cman(fake_runner)
    fake_runner.expect(["fence_tool", "ls", "-n"], stdout=h1_pending())
    fake_runner.expect(ACK, stdin="absolutely\n", stdout=DONE)
    fake_runner.expect(["fence_tool", "ls", "-n"], rc=1, times=2)
    clock = Clock()
    result = fence_ack_manual("h1.zigsow.net", runner=fake_runner, override_path=fifo,
                              confirm_timeout=0.5, poll=0.5, sleep=clock.sleep, clock=clock)
    assert result.outcome is AckOutcome.UNCONFIRMED and result.written
