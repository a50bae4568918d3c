"""Boot the guest once for a scenario and read back what it recorded.

``../shared/vm/run-in-kernel.sh`` boots a Debian 12 kernel under qemu with this
machine's root filesystem read-only.  :func:`boot` writes a plan into a fresh directory,
boots the guest with that directory writable (``-w``) and runs ``guest/scenario.py``
there; the guest writes ``results.json`` step by step.  :meth:`Boot.step` hands one
step's record to a test, or fails the test with what the guest printed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUEST = Path(__file__).resolve().parent / "guest"
#: Debian's interpreter starts about twice as fast as pyenv's under emulation
GUEST_PYTHON = "/usr/bin/python3"
#: hard limit for one guest run (qemu is killed after it)
BOOT_TIMEOUT = int(os.environ.get("ZIGHA_KERNEL_TIMEOUT", "600"))
TAIL = 60
#: every boot of this session, for the terminal summary: (scenario, Boot)
BOOTS: list = []


class Boot:
    """One guest run: its exit status, output, timings and the results it wrote."""

    def __init__(self, workdir: Path, rc: int | None, stdout: str, stderr: str) -> None:
        self.workdir = workdir
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        timing = re.search(r"boot_to_cmd=([\d.]+)s total=([\d.]+)s", stderr)
        self.boot_seconds = float(timing.group(1)) if timing else None
        self.total_seconds = float(timing.group(2)) if timing else None
        results = workdir / "results.json"
        self.results: dict | None = json.loads(results.read_text()) if results.exists() else None

    def failure(self, what: str) -> str:
        return (
            f"{what}: run-in-kernel.sh exited {self.rc} (125: the guest never reported a status, "
            f"124: timeout)\n--- guest stdout (tail) ---\n{_tail(self.stdout)}\n"
            f"--- guest stderr and console (tail) ---\n{_tail(self.stderr)}\n"
            f"(everything is kept in {self.workdir})"
        )

    def step(self, name: str) -> dict[str, Any]:
        """The record of step ``name``; fails the calling test if the step did not pass."""
        if self.results is None or not self.results.get("finished"):
            pytest.fail(self.failure("the guest scenario did not finish"), pytrace=False)
        record = self.results["steps"].get(name)
        if record is None:
            pytest.fail(f"step {name!r} was not run; steps: {sorted(self.results['steps'])}", pytrace=False)
        if not record["ok"]:
            pytest.fail(f"step {name!r} failed in the guest: {record['error']}\n"
                        f"{_commands_tail(record)}", pytrace=False)
        return record


def _tail(text: str, lines: int = TAIL) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _commands_tail(record: dict, count: int = 4) -> str:
    shown = []
    for command in record.get("commands", [])[-count:]:
        shown.append(f"$ {' '.join(map(str, command['argv']))}  -> rc {command.get('rc')}")
        for stream in ("stdout", "stderr"):
            if command.get(stream, "").strip():
                shown.append(f"  {stream}: {_tail(command[stream], 15)}")
    return "\n".join(shown)


def run_in_kernel_script(shared: Path) -> Path:
    script = shared / "vm" / "run-in-kernel.sh"
    if not script.is_file():
        pytest.fail(f"the real-kernel tier needs {script} (../shared/vm beside the checkout); "
                    f"set ZIGHA_SHARED to the shared/ folder", pytrace=False)
    return script


def boot(shared: Path, workdir: Path, plan: dict, timeout: int = BOOT_TIMEOUT,
         script: Path | None = None) -> Boot:
    """Boot the guest once and run ``guest/scenario.py`` on ``plan`` inside it."""
    stand_in = script is not None
    script = script or run_in_kernel_script(shared)
    workdir.mkdir(parents=True, exist_ok=True)
    plan_path = workdir / "plan.json"
    plan_path.write_text(json.dumps(plan, indent=1))
    command = f"{GUEST_PYTHON} {GUEST / 'scenario.py'} {plan_path}"
    argv = ["bash", str(script), "-T", "-t", str(timeout), "-w", str(workdir), command]
    try:
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout + 120)
        rc, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        rc, stdout, stderr = None, _decode(exc.stdout), _decode(exc.stderr) + "\n[host: run-in-kernel.sh hung]"
    except OSError as exc:
        pytest.fail(f"cannot start {script}: {exc}", pytrace=False)
    (workdir / "guest.stdout").write_text(stdout)
    (workdir / "guest.stderr").write_text(stderr)
    result = Boot(workdir, rc, stdout, stderr)
    if not stand_in:
        BOOTS.append((plan["scenario"], result))
    return result


def _decode(value: Any) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
