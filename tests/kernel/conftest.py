"""The real-kernel tier: boot a Debian 12 kernel once, run a whole scenario, assert each step.

A session fixture boots the guest once per scenario (kernel_boot.boot) and the tests
assert each step's record, so one boot gives one pytest result per check.  A boot that
fails (no qemu, no kernel, a guest crash, the scenario dying) fails every test that
needs it, with the guest's output and console tail in the message: the tier never
skips.  Run only this tier with ``python3 -m pytest -m kernel``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kernel_boot import BOOTS, Boot, boot  # noqa: E402
from kernel_plans import no_ipvs_plan, seed_lvs_plan  # noqa: E402


def pytest_terminal_summary(terminalreporter) -> None:
    for scenario, result in BOOTS:
        if result.total_seconds is not None:
            terminalreporter.write_line(
                f"kernel tier: scenario {scenario}: boot to first command {result.boot_seconds} s, "
                f"whole guest run {result.total_seconds} s, exit {result.rc}"
            )


def _workdir(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A fresh directory the guest may write; under ``$ZIGHA_KERNEL_WORKDIR`` when set
    (kept after the run, for reading the guest's records), else pytest's tmp dir."""
    base = os.environ.get("ZIGHA_KERNEL_WORKDIR")
    if not base:
        return tmp_path_factory.mktemp(name)
    path = Path(base) / name
    if path.exists():
        import shutil

        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


@pytest.fixture(scope="session")
def seed_lvs_boot(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Boot:
    """The seed's director, real servers and client, run once in a real kernel."""
    workdir = _workdir(tmp_path_factory, "kernel-lvs")
    result = boot(shared, workdir, seed_lvs_plan(workdir))
    if result.results is None or not result.results.get("finished"):
        pytest.fail(result.failure("the seed LVS scenario did not finish"), pytrace=False)
    return result


@pytest.fixture(scope="session")
def no_ipvs_boot(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Boot:
    """A second guest in which ip_vs cannot be loaded (``install ip_vs /bin/false``)."""
    workdir = _workdir(tmp_path_factory, "kernel-no-ipvs")
    result = boot(shared, workdir, no_ipvs_plan(workdir))
    if result.results is None or not result.results.get("finished"):
        pytest.fail(result.failure("the no-ip_vs scenario did not finish"), pytrace=False)
    return result
