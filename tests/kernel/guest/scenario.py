"""Guest side of the real-kernel tier: run the seed's load-balanced setup, record it.

    python3 scenario.py PLAN_JSON

Runs inside the Debian kernel booted by ../shared/vm/run-in-kernel.sh.  PLAN_JSON
(written by tests/kernel/conftest.py on the host) names the scenario, the addresses,
the desired-state files and how to call zigha.  Every step writes what it saw
(command outputs, tables read back, client requests) into ``results.json`` next to
the plan, after each step, so the host-side tests can assert each check on its own
and a crash still leaves the earlier steps readable.

Only the standard library: Debian's python3 runs this (fast start under emulation);
zigha itself runs as its CLI and agent, the way an administrator or Pacemaker runs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTPUT_LIMIT = 20000


class StepFailed(Exception):
    """A step saw something wrong; the message says what."""


class Guest:
    def __init__(self, plan_path: Path) -> None:
        self.plan = json.loads(plan_path.read_text())
        self.out_dir = plan_path.parent
        self.state = Path("/run/zigha-kernel-tier")
        self.results = {"scenario": self.plan["scenario"], "kernel": os.uname().release, "plan": self.plan, "steps": {}}
        self.holders = {}
        self.background = []

    # ------------------------------------------------------------------ results
    def save(self) -> None:
        tmp = self.out_dir / "results.json.tmp"
        tmp.write_text(json.dumps(self.results, indent=1, sort_keys=True))
        tmp.replace(self.out_dir / "results.json")

    def step(self, name: str, function, *needs: str) -> bool:
        missing = [n for n in needs if not self.results["steps"].get(n, {}).get("ok")]
        record = {"ok": False, "error": None, "commands": []}
        self.results["steps"][name] = record
        self.current = record
        started = time.time()
        if missing:
            record["error"] = f"not run: needs {', '.join(missing)}"
        else:
            try:
                record.update(function() or {})
                record["ok"] = True
            except StepFailed as exc:
                record["error"] = str(exc)
            except Exception:
                record["error"] = traceback.format_exc()
        record["seconds"] = round(time.time() - started, 2)
        self.save()
        return record["ok"]

    # ----------------------------------------------------------------- commands
    def where(self, place: str) -> list:
        """argv prefix that runs a command in ``place`` (a namespace name or "root")."""
        if place == "root":
            return []
        if place in self.holders:
            return ["nsenter", "-t", self.holders[place], "-m", "-n", "--"]
        return ["ip", "netns", "exec", place]

    def run(self, argv, place="root", stdin=None, env=None, timeout=120, check=False) -> dict:
        full = self.where(place) + [str(a) for a in argv]
        started = time.time()
        try:
            proc = subprocess.run(
                full, input=stdin, capture_output=True, text=True, timeout=timeout,
                env=None if env is None else {**os.environ, **env},
            )
            rc, out, err = proc.returncode, proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as exc:
            rc, out, err = None, _text(exc.stdout), _text(exc.stderr) + f"\n[timed out after {timeout}s]"
        result = {
            "argv": full, "place": place, "rc": rc, "seconds": round(time.time() - started, 3),
            "stdout": out[-OUTPUT_LIMIT:], "stderr": err[-OUTPUT_LIMIT:],
        }
        self.current["commands"].append(result)
        if check and rc != 0:
            raise StepFailed(f"{' '.join(full)} exited {rc}: {err.strip()[-2000:]}")
        return result

    def run_each(self, jobs: dict) -> dict:
        """Run several commands at once (``{key: (argv, place, env)}``): per-node
        actions are independent, and every process start is slow under emulation."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=len(jobs) or 1) as pool:
            futures = {key: pool.submit(self.run, argv, place, env=env) for key, (argv, place, env) in jobs.items()}
            return {key: future.result() for key, future in futures.items()}

    def spawn(self, argv, place="root", log=None, env=None) -> subprocess.Popen:
        full = self.where(place) + [str(a) for a in argv]
        out = open(log, "w") if log else subprocess.DEVNULL
        proc = subprocess.Popen(
            full, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            env=None if env is None else {**os.environ, **env},
        )
        self.background.append(proc)
        self.current["commands"].append({"argv": full, "place": place, "background": proc.pid})
        return proc

    def stop_background(self, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def cleanup(self) -> None:
        for proc in self.background:
            self.stop_background(proc)


def _text(value) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def main(argv: list) -> int:
    guest = Guest(Path(argv[1]))
    scenario = guest.plan["scenario"]
    try:
        if scenario == "lvs":
            from lvs_steps import run_lvs_scenario

            run_lvs_scenario(guest)
        elif scenario == "no-ipvs":
            from no_ipvs_steps import run_no_ipvs_scenario

            run_no_ipvs_scenario(guest)
        else:
            raise SystemExit(f"unknown scenario {scenario!r}")
    finally:
        guest.cleanup()
        guest.results["finished"] = True
        guest.save()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main(sys.argv))
