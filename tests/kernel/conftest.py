"""The real-kernel tier: boot a Debian 12 kernel once, run a whole scenario, assert each step.

``../shared/vm/run-in-kernel.sh`` boots the kernel under qemu with this machine's root
filesystem read-only.  A session fixture writes a plan (addresses, desired-state
files, how to call zigha) into a fresh directory, boots the guest once with that
directory writable (``-w``), and runs ``guest/scenario.py`` there; the guest writes
``results.json`` step by step.  The tests then assert each step's record, so one boot
gives one pytest result per check.

A boot that fails (no qemu, no kernel, a guest crash, the scenario dying) fails every
test that needs it, with the guest's output and console tail in the message: the
tier never skips.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Optional

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kernel_plans import no_ipvs_plan, seed_lvs_plan  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
GUEST = Path(__file__).resolve().parent / "guest"
#: Debian's interpreter starts about twice as fast as pyenv's under emulation
GUEST_PYTHON = "/usr/bin/python3"
#: hard limit for one guest run (qemu is killed after it)
BOOT_TIMEOUT = int(os.environ.get("ZIGHA_KERNEL_TIMEOUT", "480"))
TAIL = 60


class Boot:
    """One guest run: its exit status, output, timings and the results it wrote."""

    def __init__(self, workdir: Path, rc: Optional[int], stdout: str, stderr: str) -> None:
        self.workdir = workdir
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        timing = re.search(r"boot_to_cmd=([\d.]+)s total=([\d.]+)s", stderr)
        self.boot_seconds = float(timing.group(1)) if timing else None
        self.total_seconds = float(timing.group(2)) if timing else None
        results = workdir / "results.json"
        self.results: Optional[dict] = json.loads(results.read_text()) if results.exists() else None

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
         script: Optional[Path] = None) -> Boot:
    """Boot the guest once and run ``guest/scenario.py`` on ``plan`` inside it."""
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
    _BOOTS.append((plan["scenario"], result))
    return result


def _decode(value: Any) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


_BOOTS: list[tuple[str, Boot]] = []


def pytest_terminal_summary(terminalreporter) -> None:
    for scenario, result in _BOOTS:
        terminalreporter.write_line(
            f"kernel tier: scenario {scenario}: boot to first command {result.boot_seconds} s, "
            f"whole guest run {result.total_seconds} s, exit {result.rc}"
        )


# -------------------------------------------------------------- scenarios ----
@pytest.fixture(scope="session")
def seed_lvs_boot(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Boot:
    """The seed's director, real servers and client, run once in a real kernel."""
    workdir = tmp_path_factory.mktemp("kernel-lvs")
    result = boot(shared, workdir, seed_lvs_plan(workdir))
    if result.results is None or not result.results.get("finished"):
        pytest.fail(result.failure("the seed LVS scenario did not finish"), pytrace=False)
    return result


@pytest.fixture(scope="session")
def no_ipvs_boot(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Boot:
    """A second guest in which ip_vs cannot be loaded (``install ip_vs /bin/false``)."""
    workdir = tmp_path_factory.mktemp("kernel-no-ipvs")
    result = boot(shared, workdir, no_ipvs_plan(workdir))
    if result.results is None or not result.results.get("finished"):
        pytest.fail(result.failure("the no-ip_vs scenario did not finish"), pytrace=False)
    return result


