"""Probes: ping through the runner (exit codes of iputils ping), TCP with real sockets."""

from __future__ import annotations

import socket

from zigha.fence.model import NodeConfig, ProbeResult
from zigha.fence.probes import icmp_probe, probe_node, tcp_probe

PING = ["ping", "-n", "-q", "-c", "1", "-W", "1", "192.0.2.1"]


def test_icmp_exit_codes(fake_runner):
    fake_runner.expect(PING, rc=0)
    fake_runner.expect(PING, rc=1)
    fake_runner.expect(PING, rc=2, stderr="ping: unknown host")
    fake_runner.timeout(PING)
    fake_runner.missing(PING)
    got = [icmp_probe("192.0.2.1", 1.0, runner=fake_runner) for _ in range(5)]
    assert got == [ProbeResult.ANSWERED, ProbeResult.SILENT, ProbeResult.ERROR,
                   ProbeResult.ERROR, ProbeResult.ERROR]


def test_tcp_open_and_refused_ports_both_mean_alive():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    try:
        assert tcp_probe("127.0.0.1", port, 1.0) is ProbeResult.ANSWERED
    finally:
        server.close()
    assert tcp_probe("127.0.0.1", port, 1.0) is ProbeResult.ANSWERED  # RST from a live kernel


def test_unresolvable_name_proves_nothing():
    assert tcp_probe("no-such-host.invalid", 22, 1.0) is ProbeResult.ERROR


def test_probe_node_runs_icmp_and_every_port(fake_runner):
    fake_runner.expect(["ping", "-n", "-q", "-c", "1", "-W", "1", "127.0.0.1"], rc=1)
    node = NodeConfig("h1", "127.0.0.1", (1,))
    assert probe_node(node, runner=fake_runner) == (
        ("icmp", ProbeResult.SILENT), ("tcp:1", ProbeResult.ANSWERED))
