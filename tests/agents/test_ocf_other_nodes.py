"""Leftover clean-up never reaches a daemon of another node sharing this kernel.

Nodes made of namespaces (the real-kernel tier, containers) share one process table:
a process in another mount or network namespace belongs to another node.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from zigha.ocf import proc

pytestmark = pytest.mark.root

PYTHON = os.path.realpath(sys.executable)
MARKER = "zigha-other-node-marker"


def _spawn(*prefix: str) -> subprocess.Popen:
    return subprocess.Popen([*prefix, PYTHON, "-c", "import time; time.sleep(300)", MARKER])




def test_find_sees_this_nodes_process_but_not_one_in_another_mount_namespace():
    here = _spawn()
    there = _spawn("unshare", "--mount", "--fork")
    try:
        time.sleep(0.3)
        found = {p.pid for p in proc.find([PYTHON], [MARKER])}
        assert here.pid in found
        others = [p.pid for p in proc.all_processes() if p.ppid == there.pid]
        assert others, "the process in the other mount namespace did not start"
        assert not found & set(others)
        assert not proc.same_node(others[0])
        assert proc.same_node(here.pid)
    finally:
        for child in (here, there):
            child.kill()
            child.wait()
        subprocess.run(["pkill", "-f", MARKER], check=False)
