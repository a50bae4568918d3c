"""Real probes over a veth pair into a network namespace this test creates.

The namespace's address plays a live node; an unused address on the same link plays a
dead one (no ARP answer); taking the link down plays a node cut off from the network.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from zigha.fence.model import NodeConfig, ProbeResult
from zigha.fence.probes import icmp_probe, probe_node, tcp_probe

pytestmark = pytest.mark.root


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@pytest.fixture
def netns():
    assert os.geteuid() == 0, "needs root to create a network namespace"
    tag = f"zf{os.getpid() % 100000}"
    ns, host, peer = f"{tag}ns", f"{tag}a", f"{tag}b"
    subnet = f"10.{231 + os.getpid() % 20}.{os.getpid() % 250}"
    ip("netns", "add", ns)
    try:
        ip("link", "add", host, "type", "veth", "peer", "name", peer)
        ip("link", "set", peer, "netns", ns)
        ip("addr", "add", f"{subnet}.1/24", "dev", host)
        ip("link", "set", host, "up")
        ip("-n", ns, "addr", "add", f"{subnet}.2/24", "dev", peer)
        ip("-n", ns, "link", "set", peer, "up")
        yield {"ns": ns, "peer": peer, "live": f"{subnet}.2", "dead": f"{subnet}.3"}
    finally:
        subprocess.run(["ip", "link", "del", host], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def test_live_node_answers_icmp_and_tcp_reset(netns):
    assert icmp_probe(netns["live"], 1.0) is ProbeResult.ANSWERED
    assert tcp_probe(netns["live"], 22, 1.0) is ProbeResult.ANSWERED   # RST: kernel alive


def test_dead_node_is_silent(netns):
    node = NodeConfig("h1", netns["dead"], (22, 80))
    assert probe_node(node, timeout=1.0) == (
        ("icmp", ProbeResult.SILENT), ("tcp:22", ProbeResult.SILENT), ("tcp:80", ProbeResult.SILENT))


def test_cut_off_node_is_as_silent_as_a_dead_one(netns):
    """Why probes alone cannot justify an acknowledgement (the seed's mistake)."""
    ip("-n", netns["ns"], "link", "set", netns["peer"], "down")
    node = NodeConfig("h1", netns["live"], (22,))
    assert probe_node(node, timeout=1.0) == (
        ("icmp", ProbeResult.SILENT), ("tcp:22", ProbeResult.SILENT))
