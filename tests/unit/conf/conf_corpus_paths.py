"""Where the real cluster.conf corpus is (same rule as tests/conftest.py), for parametrize."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = Path(os.environ.get("ZIGHA_SHARED", ROOT.parent / "shared")).resolve() / "reference"
CORPUS = REFERENCE / "cluster-conf"
EXAMPLE = ROOT / "examples" / "zigsow" / "cluster.conf"
SCHEMA = REFERENCE / "cluster.rng"

ALL_FILES = sorted(CORPUS.glob("*.conf"))

#: verdicts against the RHEL 6.5 cluster.rng, from cluster-conf/SOURCES.md
SCHEMA_VALID = {
    "ccs-empty_cluster.conf", "ccs-unit-addtest.conf", "ccs-unit-failover.conf",
    "ccs-unit-fence.conf", "ccs-unit-misc.conf", "ccs-unit-quorum.conf", "clufter-empty.conf",
    "clufter-filled.conf", "clufter-test1.conf", "clufter-test2.conf", "clufter-test3.conf",
    "clufter-test4.conf", "clufter-test5.conf", "pcs-cluster.conf", "proxmox-cluster.conf",
    "qpid-cpp-fedora-example.conf",
}
VALID_FILES = [f for f in ALL_FILES if f.name in SCHEMA_VALID]
