"""Network probes: ICMP through the runner's ``ping``, TCP with stdlib sockets.

Executing probes is kept apart from judging them (:mod:`zigha.fence.watchdog`).  A probe
says ANSWERED (echo reply; TCP connect *or* a refusal, since an RST comes from a running
kernel), SILENT (no reply, host or network unreachable) or ERROR (cannot tell: unknown
name, local failure), and an ERROR never counts as a failure.

iputils ``ping`` exits 0 when a reply came, 1 when none did, 2 on other errors.
"""

from __future__ import annotations

import errno
import socket
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from zigha.errors import CommandError
from zigha.fence.model import NodeConfig, ProbeResult

SILENT_ERRNOS = {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT, errno.EHOSTDOWN}


def icmp_probe(address: str, timeout: float = 1.0, runner: Any = None) -> ProbeResult:
    from zigha.runner import default_runner

    runner = runner or default_runner()
    wait = str(max(1, int(round(timeout))))
    try:
        result = runner.run(["ping", "-n", "-q", "-c", "1", "-W", wait, address],
                            timeout=timeout + 2)
    except CommandError:
        return ProbeResult.ERROR
    if result.rc == 0:
        return ProbeResult.ANSWERED
    if result.rc == 1:
        return ProbeResult.SILENT
    return ProbeResult.ERROR


def tcp_probe(address: str, port: int, timeout: float = 1.0) -> ProbeResult:
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return ProbeResult.ANSWERED
    except ConnectionRefusedError:
        return ProbeResult.ANSWERED
    except socket.timeout:
        return ProbeResult.SILENT
    except socket.gaierror:
        return ProbeResult.ERROR
    except OSError as exc:
        return ProbeResult.SILENT if exc.errno in SILENT_ERRNOS else ProbeResult.ERROR


def probe_node(node: NodeConfig, default_ports: tuple[int, ...] = (), timeout: float = 1.0,
               runner: Any = None, pool: ThreadPoolExecutor | None = None,
               ) -> tuple[tuple[str, ProbeResult], ...]:
    """ICMP plus every TCP port, in parallel; returns (probe name, result) pairs."""
    ports = node.tcp_ports or default_ports
    own = pool is None
    pool = pool or ThreadPoolExecutor(max_workers=1 + len(ports))
    try:
        futures = [("icmp", pool.submit(icmp_probe, node.address, timeout, runner))]
        futures += [(f"tcp:{p}", pool.submit(tcp_probe, node.address, p, timeout)) for p in ports]
        return tuple((name, f.result()) for name, f in futures)
    finally:
        if own:
            pool.shutdown(wait=True)
