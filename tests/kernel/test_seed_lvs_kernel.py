"""The seed's load-balanced web service, end to end, in a real Linux kernel."""

import pytest

pytestmark = pytest.mark.kernel


def test_topology(seed_lvs_boot):
    rec = seed_lvs_boot.step("topology")
    print(rec["node_mounts"])


def test_round_robin(seed_lvs_boot):
    rec = seed_lvs_boot.step("round_robin")
    print([r["node"] for r in rec["requests"]])


def test_health(seed_lvs_boot):
    rec = seed_lvs_boot.step("health")
    print(rec["events"])
