"""Runs inside ``unshare -m``: a fake fenced's override FIFO, the REAL fence_ack_manual.

Usage: python3 fake_fenced_driver.py SCENARIO   (prints one JSON object)

The tool hard-codes /var/run/cluster/fenced_override, so this process mounts a private
tmpfs on /run (only in its own mount namespace) and plays fenced's part the way
fence/fenced/recover.c does: mkfifo (mode 0600), open O_RDONLY|O_NONBLOCK, select for
``override_time`` seconds, read one line, cut at the first control character, compare with
the victim's name case-insensitively, unlink, and start over.  cman_tool and fence_tool
answers come from the fake's state; fence_ack_manual runs for real through LocalRunner.

Scenarios: ``confirm`` (fenced waits for h1), ``wrong-victim`` (fenced really waits for h3
while fence_tool, racing, still said h1), ``vanish`` (the FIFO disappears right after
zigha's check and never comes back).
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import stat
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "unit" / "fence"))
FIX = HERE.parent / "fixtures" / "fence"
FIFO = "/var/run/cluster/fenced_override"
NAMES = {1: "h1.zigsow.net", 2: "h2.zigsow.net", 3: "h3.zigsow.net"}


def private_run_dir() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mount(b"tmpfs", b"/run", b"tmpfs", 0, b"mode=0755") != 0:
        raise OSError(ctypes.get_errno(), "mount tmpfs on /run")
    os.makedirs("/run/cluster", exist_ok=True)


class FakeFenced(threading.Thread):
    def __init__(self, victim: int, reported: int, override_time: float = 3.0):
        super().__init__(daemon=True)
        self.victim = victim            # what fenced really fences
        self.reported = reported        # what fence_tool ls says (a race makes them differ)
        self.override_time = override_time
        self.received: list[bytes] = []
        self.done = False
        self.stop = False
        self.closed_for_good = False
        self.ready = threading.Event()

    def run(self) -> None:
        while not self.stop and not self.done:
            if self.closed_for_good:
                time.sleep(0.05)
                continue
            try:
                os.mkfifo(FIFO, 0o600)
                fd = os.open(FIFO, os.O_RDONLY | os.O_NONBLOCK)
            except OSError:
                fd = -1
            self.ready.set()
            if fd < 0:
                time.sleep(self.override_time)
            else:
                readable, _, _ = select.select([fd], [], [], self.override_time)
                if readable:
                    data = os.read(fd, 127)
                    if data:
                        self.received.append(data)
                        line = data.split(b"\n")[0]
                        cut = next((i for i, c in enumerate(line) if c < 0x20), len(line))
                        name = line[:cut].decode()
                        if name.lower() == NAMES[self.victim].lower():
                            self.done = True
                os.close(fd)
            try:
                os.unlink(FIFO)
            except FileNotFoundError:
                pass
            time.sleep(0.05)  # the agent retry between windows

    def fence_tool_ls(self) -> str:
        from fence_tool_text import fence_ls

        victim_ids = {self.reported, self.victim} if not self.done else set()
        if self.done:
            return fence_ls(victim_now=0, nodes=[(1, 0, 0, 2, "override"), (2, 1, 0, 0, "none"),
                                                 (3, 1, 0, 0, "none")])
        nodes = [(i, 0 if i in victim_ids else 1, 1 if i in victim_ids else 0, 0, "none")
                 for i in (1, 2, 3)]
        return fence_ls(victim_now=self.reported, wait="fencing", nodes=nodes,
                        members=tuple(i for i in (1, 2, 3) if i not in victim_ids))


class RoutingRunner:
    """cman_tool / fence_tool from the fake; everything else really runs."""

    def __init__(self, fenced: FakeFenced, on_fence_tool=None):
        from zigha.runner import LocalRunner

        self.local = LocalRunner()
        self.fenced = fenced
        self.on_fence_tool = on_fence_tool
        self.calls: list[list[str]] = []
        self.tool_seconds: list[float] = []

    def run(self, argv, *, stdin=None, env=None, timeout=None, cwd=None):
        from zigha.runner import Result

        self.calls.append(list(argv))
        tool = os.path.basename(argv[0])
        if tool == "cman_tool":
            name = "status-h2" if argv[1] == "status" else "nodes-h1-dead"
            return Result(argv, 0, (FIX / f"cman_tool-{name}.txt").read_text(), "")
        if tool == "fence_tool":
            text = self.fenced.fence_tool_ls()
            if self.on_fence_tool:
                self.on_fence_tool()
            return Result(argv, 0, text, "")
        start = time.monotonic()
        try:
            return self.local.run(argv, stdin=stdin, env=env, timeout=timeout, cwd=cwd)
        finally:
            self.tool_seconds.append(time.monotonic() - start)


def _is_ack_tool(pid: str) -> bool:
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    try:
        return any(os.path.basename(a) == b"fence_ack_manual" for a in args)
    except OSError:
        return False


def main(scenario: str) -> None:
    from zigha.fence.ack import fence_ack_manual

    private_run_dir()
    fenced = FakeFenced(victim=3 if scenario == "wrong-victim" else 1, reported=1)
    fenced.start()
    fenced.ready.wait(5)

    def vanish():
        fenced.closed_for_good = True
        deadline = time.monotonic() + 5
        while os.path.exists(FIFO) and time.monotonic() < deadline:
            time.sleep(0.05)

    runner = RoutingRunner(fenced, on_fence_tool=vanish if scenario == "vanish" else None)
    start = time.monotonic()
    result = fence_ack_manual("h1.zigsow.net", runner=runner, timeout=4.0, confirm_timeout=4.0,
                              poll=0.2, override_path=FIFO)
    elapsed = time.monotonic() - start
    fenced.stop = True
    leftover = os.path.exists(FIFO) and not stat.S_ISFIFO(os.stat(FIFO).st_mode)
    time.sleep(1.5)  # the script's own "sleep 1" child must be gone too
    lingering = [p for p in os.listdir("/proc") if p.isdigit() and _is_ack_tool(p)]
    print(json.dumps({
        "tool_seconds": runner.tool_seconds,
        "lingering": lingering,
        "outcome": result.outcome.value,
        "message": result.message,
        "output": result.output,
        "received": [r.decode("latin-1") for r in fenced.received],
        "elapsed": elapsed,
        "fenced_done": fenced.done,
        "stray_regular_file": leftover,
        "calls": runner.calls,
    }))


if __name__ == "__main__":
    main(sys.argv[1])
