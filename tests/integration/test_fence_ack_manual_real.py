"""The REAL fence_ack_manual (Debian fence-agents) against a fake fenced, in a private
mount namespace (the tool hard-codes /var/run/cluster/fenced_override)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DRIVER = Path(__file__).with_name("fake_fenced_driver.py")
TOOL = "/usr/sbin/fence_ack_manual"

pytestmark = pytest.mark.root


def run_scenario(name: str) -> dict:
    assert os.geteuid() == 0, "needs root for unshare -m"
    assert os.access(TOOL, os.X_OK), f"{TOOL} missing: install Debian's fence-agents"
    proc = subprocess.run(
        ["unshare", "-m", "--propagation", "private", sys.executable, str(DRIVER), name],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_acknowledgement_writes_the_name_and_is_confirmed():
    out = run_scenario("confirm")
    assert out["received"] == ["h1.zigsow.net\n"]        # exact bytes: name + newline
    assert out["outcome"] == "confirmed" and out["fenced_done"]
    assert out["output"] == ("About to override fencing for h1.zigsow.net.\n"
                             "Improper use of this command can cause severe file system damage.\n"
                             "\nDone\n")
    assert ["fence_ack_manual", "-n", "h1.zigsow.net"] in out["calls"]
    assert not out["stray_regular_file"]


def test_wrong_victim_tool_says_done_zigha_says_unconfirmed():
    out = run_scenario("wrong-victim")
    assert out["output"].endswith("Done\n")
    assert out["received"] == ["h1.zigsow.net\n"]
    assert not out["fenced_done"]
    assert out["outcome"] == "unconfirmed"


def test_wait_is_bounded_when_the_fifo_never_comes_back():
    out = run_scenario("vanish")
    assert out["outcome"] == "timed-out"
    assert out["received"] == []
    assert 3.5 <= out["tool_seconds"][0] < 8.0   # timeout=4 s, then killed
    assert out["lingering"] == []
