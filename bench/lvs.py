"""LVS figures, side by side in one run.

1. Parse ``ipvsadm -L -n`` of 10,000 services x 10 real servers (110,000 lines, the
   exact 1.31 layout rendered by zigha) beside a bare ``line.split()`` of the same
   text.  Goal: parse_ipvsadm_list in 0.5 s or less.
2. Apply 10,000 services (each with one real server: 20,000 rules) as ONE zigha batch
   (``apply_state``: read, diff, one ``ipvsadm -R``, read back and compare) versus one
   ``ipvsadm`` process per rule.  Goal: the batch at least 50x faster.  This needs IPVS,
   so it runs inside a real kernel through ../shared/vm/run-in-kernel.sh (qemu, software
   emulation: every process start costs ~30 ms there), and the per-rule baseline is
   timed on 1,000 rules and scaled to 20,000 (said in the output).

Run: ``python3 bench/lvs.py`` (both), ``--parse-only``, or ``--inside`` (what the guest runs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from zigha.lvs.model import IpvsTable, RealServer, VirtualService  # noqa: E402
from zigha.lvs.parse import parse_ipvsadm_list  # noqa: E402
from zigha.lvs.render import render_list  # noqa: E402

PARSE_GOAL_S = 0.5
SPEEDUP_GOAL = 50.0
SERVICES = 10_000
BASELINE_RULES = 1_000


def _addr(i: int, net: int) -> str:
    return f"{net}.{i // 65536}.{i // 256 % 256}.{i % 256}"


def listing(services: int = SERVICES, reals: int = 10) -> str:
    table = IpvsTable(version="1.2.1", size=4096, services=[
        VirtualService(protocol="TCP", host=_addr(i, 10), port=80, scheduler="rr", reals=[
            RealServer(host=_addr(i * reals + j, 172), port=80, forward="Route", weight=1,
                       active=j, inactive=i % 7) for j in range(reals)])
        for i in range(services)])
    return render_list(table)


def timed(func, rounds: int) -> tuple[float, float]:
    """Best and median seconds; each result is freed after the clock stops (a caller
    keeps what it parsed, so freeing it is not part of parsing)."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
        del result
    return min(times), statistics.median(times)


def bench_parse(rounds: int = 7) -> None:
    text = listing()
    table = parse_ipvsadm_list(text)
    assert len(table.services) == SERVICES and sum(len(s.reals) for s in table.services) == 100_000
    split = timed(lambda: [line.split() for line in text.splitlines()], rounds)
    parse = timed(lambda: parse_ipvsadm_list(text), rounds)
    print(f"parse: ipvsadm -L -n, {SERVICES:,} services x 10 reals, "
          f"{text.count(chr(10)):,} lines, {len(text):,} bytes ({rounds} rounds; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    print(f"  {'':42} {'best s':>8} {'median s':>9}")
    print(f"  {'bare line split (anchor)':42} {split[0]:8.3f} {split[1]:9.3f}")
    print(f"  {'zigha parse_ipvsadm_list':42} {parse[0]:8.3f} {parse[1]:9.3f}")
    verdict = "meets" if parse[1] <= PARSE_GOAL_S else "MISSES"
    print(f"  goal <= {PARSE_GOAL_S} s: {verdict} ({parse[1] / split[1]:.1f}x the bare split)")


def desired_state(count: int):
    from zigha.lvs.desired import DesiredState

    return DesiredState(services=tuple(
        VirtualService(protocol="TCP", host=_addr(i, 10), port=80, scheduler="rr", reals=(
            RealServer(host=_addr(i, 172), port=80, forward="Route", weight=1,
                       upper_threshold=0, lower_threshold=0),))
        for i in range(count)))


def bench_apply_inside() -> None:
    """Runs in the guest: IPVS is there, ipvsadm too."""
    from zigha import tools
    from zigha.lvs.apply import apply_state

    ipvsadm = tools.find("ipvsadm")
    subprocess.run([ipvsadm, "-C"], check=True)
    state = desired_state(SERVICES)
    rules = 2 * SERVICES
    start = time.perf_counter()
    result = apply_state(state)
    batch_s = time.perf_counter() - start
    assert len(result.plan.changes) == rules and len(result.after.services) == SERVICES
    start = time.perf_counter()
    again = apply_state(state)
    reapply_s = time.perf_counter() - start
    assert again.plan.empty
    subprocess.run([ipvsadm, "-C"], check=True)

    lines = desired_state(BASELINE_RULES // 2)
    from zigha.lvs.apply import diff
    from zigha.lvs.model import IpvsTable as Empty

    argvs = [line.split() for line in diff(Empty(), lines).lines]
    start = time.perf_counter()
    for argv in argvs:
        subprocess.run([ipvsadm, *argv], check=True)
    per_rule_s = time.perf_counter() - start
    subprocess.run([ipvsadm, "-C"], check=True)
    scaled = per_rule_s * rules / len(argvs)
    print(f"apply: {SERVICES:,} services + {SERVICES:,} real servers = {rules:,} rules, "
          f"real IPVS ({os.uname().release}, qemu TCG)")
    print(f"  {'one ipvsadm process per rule (anchor)':42} {scaled:9.1f} s   "
          f"(timed on {len(argvs):,} rules: {per_rule_s:.1f} s, "
          f"{per_rule_s / len(argvs) * 1000:.1f} ms each, scaled x{rules // len(argvs)})")
    print(f"  {'zigha apply: read, diff, ONE ipvsadm -R, re-read':42} {batch_s:9.1f} s")
    print(f"  {'zigha re-apply (nothing to do)':42} {reapply_s:9.1f} s")
    speedup = scaled / batch_s
    verdict = "meets" if speedup >= SPEEDUP_GOAL else "MISSES"
    print(f"  speed-up {speedup:.0f}x; goal >= {SPEEDUP_GOAL:.0f}x: {verdict}")


def bench_apply() -> None:
    script = ROOT.parent / "shared" / "vm" / "run-in-kernel.sh"
    if not script.exists():
        script = Path(os.environ.get("ZIGHA_SHARED", "")) / "vm" / "run-in-kernel.sh"
    command = (f"modprobe -a ip_vs ip_vs_rr && {Path(sys.executable).name} "
               f"{Path(__file__).resolve()} --inside")
    proc = subprocess.run([str(script), "-T", command], cwd=ROOT, capture_output=True,
                          text=True, timeout=3600)
    sys.stdout.write(proc.stdout)
    timing = [line for line in proc.stderr.splitlines() if line.startswith("run-in-kernel:")]
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"the in-kernel apply bench failed (exit {proc.returncode})")
    for line in timing:
        print(f"  ({line})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parse-only", action="store_true")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        bench_apply_inside()
        return
    bench_parse()
    if not args.parse_only:
        bench_apply()


if __name__ == "__main__":
    main()
