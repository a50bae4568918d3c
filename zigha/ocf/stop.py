"""Stopping a daemon: SIGTERM, wait, then SIGKILL to it and its children.

The stock ``stop_generic`` (rgmanager ``utils/ra-skelet.sh``) sends SIGTERM, polls for
``shutdown_wait`` seconds and then fails with 1, leaving a daemon that ignores SIGTERM
running and the service ``failed``.  Here the wait is followed by SIGKILL to the master and
every process below it, and the whole sequence is fitted into the caller's timeout
(:meth:`zigha.ocf.agent.Context.stop_budget`), so stop returns 0 once the processes are
gone (agents.md §6.3 item 21).

Every signal goes through a pidfd opened after checking the process's identity.
"""

from __future__ import annotations

import os
import select
import signal
import time

from zigha.ocf import proc as procs


def _open(pid: int):
    try:
        return os.pidfd_open(pid)
    except (ProcessLookupError, OSError):
        return None


def _wait_fd(fd: int, seconds: float) -> bool:
    """Wait until the process behind ``fd`` exits; whether it did in time."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(max(int(seconds * 1000), 0)))


def send(pid: int, signum: int, executables) -> bool:
    """Send ``signum`` to ``pid`` only if it still runs one of ``executables``."""
    fd = _open(pid)
    if fd is None:
        return False
    try:
        if not procs.is_instance(procs.process(pid), executables):
            return False
        signal.pidfd_send_signal(fd, signum)
        return True
    except ProcessLookupError:
        return False
    finally:
        os.close(fd)


def terminate(pid: int, executables, term_wait: float, kill_wait: float, log,
              signum: int = signal.SIGTERM, label: str = "") -> bool:
    """Stop process ``pid`` (already identified as the instance): ``signum``, up to
    ``term_wait`` s, then SIGKILL to it and its descendants, up to ``kill_wait`` s.
    Returns whether the master process is gone."""
    fd = _open(pid)
    if fd is None:
        return True
    label = label or f"pid {pid}"
    try:
        if not procs.is_instance(procs.process(pid), executables):
            return True  # exited (or the pid was reused) since the caller looked
        try:
            signal.pidfd_send_signal(fd, signum)
        except ProcessLookupError:
            return True
        log.info(f"sent {signal.Signals(signum).name} to {label}, waiting up to {term_wait:g} s")
        if _wait_fd(fd, term_wait):
            return True
        children = [p for p in procs.descendants(pid) if procs.is_instance(p, executables)]
        log.warning(f"{label} still running {term_wait:g} s after {signal.Signals(signum).name}: "
                    f"sending SIGKILL to it and {len(children)} child process(es)")
        try:
            signal.pidfd_send_signal(fd, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for child in children:
            send(child.pid, signal.SIGKILL, executables)
        gone = _wait_fd(fd, kill_wait)
        if not gone:
            log.error(f"{label} survived SIGKILL for {kill_wait:g} s")
        return gone
    finally:
        os.close(fd)


def kill_all(processes, executables, log, wait: float = 5.0) -> bool:
    """SIGKILL leftover ``processes`` (identity re-checked); whether all are gone."""
    for p in processes:
        if send(p.pid, signal.SIGKILL, executables):
            log.warning(f"killed leftover process {p.pid} ({p.exe or p.comm})")
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if all(procs.process(p.pid) is None for p in processes):
            return True
        time.sleep(0.05)
    return all(procs.process(p.pid) is None for p in processes)
