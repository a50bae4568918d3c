"""Time from the first failed probe to the acknowledgement: zigha's watchdog vs the seed's cron.

What runs for real: the watchdog loop with its DEFAULT settings (poll 2 s, grace 10 s,
3 silent polls, probe timeout 1 s), its ICMP and TCP probes over a veth pair into a network
namespace created here, the decision, the state file, and Debian's real
/usr/sbin/fence_ack_manual writing into a fenced-style override FIFO (a fake fenced that
behaves like fence/fenced/recover.c, in a private mount namespace).  What is simulated:
cman (h1 drops out the moment it dies) and the storage target (h1's iSCSI session is gone
the moment it dies) -- the best case, so the figure is the watchdog's own latency.

"h1 dies" = its address is removed from the namespace (no more ARP answers).

The seed's approach (cron every minute: ``ping -c 3``; if it failed, ``sleep 2``, then
``echo absolutely | fence_ack_manual``) is timed from its real parts: ``ping -c 3`` to the
dead address, the 2 s sleep, and the real fence_ack_manual.  Cron adds 0-60 s before its
first probe, and it has no grace period at all: it acknowledges a node that is merely cut
off from the network.

Goal: the watchdog acknowledges at most 3 s after its grace period ends.

Run as root: ``python3 bench/fence.py [--runs 3]``.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
sys.path.insert(0, str(ROOT / "tests" / "unit" / "fence"))
FIX = ROOT / "tests" / "fixtures" / "fence"
NS, HOST, PEER = "zbfence", "zbf0", "zbf1"
SUBNET = "10.232.77"
H1_ADDR, H3_ADDR = f"{SUBNET}.2", f"{SUBNET}.4"


def ip(*args: str, check: bool = True) -> None:
    subprocess.run(["ip", *args], check=check, capture_output=True)


def net_up() -> None:
    ip("netns", "add", NS)
    ip("link", "add", HOST, "type", "veth", "peer", "name", PEER)
    ip("link", "set", PEER, "netns", NS)
    ip("addr", "add", f"{SUBNET}.1/24", "dev", HOST)
    ip("link", "set", HOST, "up")
    ip("-n", NS, "addr", "add", f"{H1_ADDR}/24", "dev", PEER)
    ip("-n", NS, "addr", "add", f"{H3_ADDR}/24", "dev", PEER)
    ip("-n", NS, "link", "set", PEER, "up")


def net_down() -> None:
    ip("link", "del", HOST, check=False)
    ip("netns", "del", NS, check=False)


class World:
    """cman, fenced and the target as the watchdog on h2 sees them; real tools otherwise."""

    def __init__(self):
        from fake_fenced_driver import FakeFenced

        from zigha.runner import LocalRunner

        self.local = LocalRunner()
        self.dead = False
        self.fenced = FakeFenced(victim=1, reported=1)
        self.ack_at = None

    def kill_h1(self) -> None:
        ip("-n", NS, "addr", "del", f"{H1_ADDR}/24", "dev", PEER)
        self.dead = True
        self.fenced.start()  # fenced's first attempt fails at once: no fence device

    def run(self, argv, *, stdin=None, env=None, timeout=None, cwd=None):
        from fence_tool_text import fence_ls

        from zigha.runner import Result

        tool = os.path.basename(argv[0])
        if tool == "cman_tool":
            name = "status-h2" if argv[1] == "status" else (
                "nodes-h1-dead" if self.dead else "nodes-all-up")
            return Result(argv, 0, (FIX / f"cman_tool-{name}.txt").read_text(), "")
        if tool == "fence_tool":
            text = self.fenced.fence_tool_ls() if self.dead else fence_ls(members=(1, 2, 3))
            return Result(argv, 0, text, "")
        if tool == "target-sessions":
            iqns = ["iqn.1994-05.com.redhat:h3"] + ([] if self.dead else ["iqn.1994-05.com.redhat:h1"])
            return Result(argv, 0, "\n".join(iqns) + "\n", "")
        result = self.local.run(argv, stdin=stdin, env=env, timeout=timeout, cwd=cwd)
        if tool == "fence_ack_manual" and self.ack_at is None:
            self.ack_at = time.monotonic()
        return result


def one_run(seed: int) -> dict:
    from zigha.fence.daemon import Watchdog
    from zigha.fence.model import NodeConfig, StorageConfig, WatchdogConfig

    ip("-n", NS, "addr", "replace", f"{H1_ADDR}/24", "dev", PEER)  # h1 alive again
    ip("neigh", "flush", "dev", HOST)
    subprocess.run(["ping", "-c", "1", "-W", "2", H1_ADDR], check=True, capture_output=True)
    world = World()
    state_dir = tempfile.mkdtemp(prefix="zigha-bench-")
    config = WatchdogConfig(
        nodes=(NodeConfig("h1.zigsow.net", H1_ADDR, (22,), "iqn.1994-05.com.redhat:h1"),
               NodeConfig("h3.zigsow.net", H3_ADDR, (22,), "iqn.1994-05.com.redhat:h3")),
        storage=StorageConfig(("target-sessions",), "lines"),
        state_dir=state_dir, override_path="/var/run/cluster/fenced_override",
    )
    quiet = logging.getLogger("zigha.bench.fence")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    dog = Watchdog(config, runner=world, log=quiet)
    rng = random.Random(seed)
    kill_after = 3 * config.interval + rng.uniform(0, config.interval)
    start = time.monotonic()
    killer = threading.Timer(kill_after, world.kill_h1)
    killer.start()
    first_failed = None
    while world.ack_at is None and time.monotonic() - start < 60:
        polled = time.monotonic()
        observation = dog.observe()
        h1 = observation.node("h1.zigsow.net")
        if first_failed is None and world.dead and h1 is not None and h1.silent:
            first_failed = polled
        decision = dog.step(observation)
        if os.environ.get("ZIGHA_BENCH_TRACE"):
            action = next(a for a in decision.actions if a.node == "h1.zigsow.net")
            print(f"{polled - start:6.2f} {h1.probes if h1 else None} {action.kind.value} "
                  f"{'; '.join(action.reasons)[:160]}", file=sys.stderr)
        time.sleep(max(0.0, config.interval - (time.monotonic() - polled)))
    world.fenced.stop = True
    died = start + kill_after
    if world.ack_at is None or not world.fenced.done:
        raise SystemExit("bench: the watchdog did not acknowledge within 60 s")
    return {"death_to_ack": world.ack_at - died, "probe_to_ack": world.ack_at - first_failed,
            "after_grace": world.ack_at - first_failed - config.grace, "grace": config.grace}


def seed_parts() -> dict:
    """The seed script's own latency, from its real parts (dead address, real tools)."""
    from fake_fenced_driver import FakeFenced

    from zigha.runner import LocalRunner

    ip("-n", NS, "addr", "del", f"{H1_ADDR}/24", "dev", PEER, check=False)
    runner = LocalRunner()
    t0 = time.monotonic()
    ping = runner.run(["ping", "-c", "3", H1_ADDR], timeout=30)
    ping_s = time.monotonic() - t0
    assert ping.rc != 0, "h1 should be dead"
    fenced = FakeFenced(victim=1, reported=1)
    fenced.start()
    fenced.ready.wait(5)
    t1 = time.monotonic()
    runner.run(["fence_ack_manual", "-n", "h1.zigsow.net"], stdin="absolutely\n", timeout=30)
    ack_s = time.monotonic() - t1
    fenced.stop = True
    return {"ping": ping_s, "sleep": 2.0, "ack": ack_s, "probe_to_ack": ping_s + 2.0 + ack_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("bench/fence.py needs root (network and mount namespaces)")
    if os.environ.get("ZIGHA_BENCH_INSIDE") != "1":
        env = dict(os.environ, ZIGHA_BENCH_INSIDE="1")
        os.execvpe("unshare", ["unshare", "-m", "--propagation", "private", sys.executable,
                               __file__, *sys.argv[1:]], env)
    from fake_fenced_driver import private_run_dir

    private_run_dir()
    net_down()
    net_up()
    try:
        runs = [one_run(seed) for seed in range(args.runs)]
        net_down()
        net_up()
        seed = seed_parts()
    finally:
        net_down()
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    worst = max(r["after_grace"] for r in runs)
    print(f"fence watchdog bench ({args.runs} runs, default settings: poll 2 s, grace 10 s, "
          "3 silent polls, probe timeout 1 s)")
    print(f"{'':34}{'zigha watchdog':>16}{'seed cron script':>20}")
    print(f"{'death -> first failed probe':34}{med['death_to_ack'] - med['probe_to_ack']:>14.2f} s"
          f"{'0-60 s (cron)':>20}")
    print(f"{'first failed probe -> ack':34}{med['probe_to_ack']:>14.2f} s"
          f"{seed['probe_to_ack']:>18.2f} s")
    print(f"{'  of which grace period':34}{med['grace']:>14.2f} s{0.0:>18.2f} s")
    print(f"{'  after the grace period':34}{med['after_grace']:>14.2f} s"
          f"{seed['probe_to_ack']:>18.2f} s")
    print(f"{'worst after-grace latency':34}{worst:>14.2f} s   (goal <= 3 s: "
          f"{'met' if worst <= 3.0 else 'NOT met'})")
    print(f"seed parts: ping -c 3 {seed['ping']:.2f} s + sleep 2 s + fence_ack_manual "
          f"{seed['ack']:.2f} s; it acks a node that is only cut off from the network too.")


if __name__ == "__main__":
    main()
