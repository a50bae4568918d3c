"""What zigha-named and zigha-postfix share: status from the pid file, the depth-10 probe
of every address recorded at start, "started means answering", and the pid file write.

A subclass sets ``probe`` (the name of a function in :mod:`zigha.agents.probes` that
returns ``None`` or a reason), ``default_port`` and ``default_executable``.  ``start``
records ``exe=`` (the daemon's executable) and ``listen=host:port`` lines in the state
file beside the pid file (:mod:`zigha.ocf.state`), so ``status`` reads neither the
configuration nor the shared storage.  Only light modules are imported at the top: this
is on the status hot path.
"""

from __future__ import annotations

import os

from zigha.ocf import codes
from zigha.ocf import proc as procs
from zigha.ocf import state as states
from zigha.ocf.agent import fail


class ServedDaemon:
    """Mixin for :class:`zigha.ocf.agent.Agent` subclasses whose daemon answers on IPs."""

    probe = ""
    default_port = 0
    default_executable = ""

    def _validate(self, ctx):
        """Check everything validate-all checks; each agent defines it."""
        raise NotImplementedError

    def validate_all(self, ctx):
        self._validate(ctx)
        return codes.SUCCESS

    @staticmethod
    def check_instance_name(ctx) -> None:
        """The name becomes part of file paths: refuse empty names and '/'."""
        if not ctx.name or "/" in ctx.name:
            fail(f"Invalid Name Of Service: {ctx.name!r} (empty, or holds '/')",
                 codes.ERR_CONFIGURED)

    def status(self, ctx):
        """7 never started / cleanly stopped; 1 stale or not answering; 0 running."""
        state, pid = procs.pid_state(ctx.pid_file, self._executables(ctx))
        if state == procs.NO_PID_FILE:
            return codes.NOT_RUNNING
        if state != procs.RUNNING:
            ctx.log.error(f"Monitoring Service {ctx.resource_id} > Service Is Not Running "
                          f"(stale pid file {ctx.pid_file}, pid {pid})")
            return codes.ERR_GENERIC
        if ctx.depth >= 10:
            problem = self._problem(ctx)
            if problem is not None:
                ctx.log.error(f"Monitoring Service {ctx.resource_id} > {problem}")
                return codes.ERR_GENERIC
        return codes.SUCCESS

    def _executables(self, ctx) -> list:
        """What the pid may run: the executable recorded at start, else the usual path."""
        return states.read(ctx.state_file).get("exe", []) or [self.default_executable]

    def _problem(self, ctx):
        """``None`` when every address recorded at start answers, else the first failure."""
        from zigha.agents import probes

        endpoints = states.read(ctx.state_file).get("listen", [])
        if not endpoints:
            ctx.log.warning("no listening address recorded at start: depth 10 skipped")
            return None
        ask = getattr(probes, self.probe)
        budget = min(ctx.timeout or 10.0, 10.0) / len(endpoints)
        for endpoint in endpoints:
            host, port = probes.split_host_port(endpoint, self.default_port)
            problem = ask(host, port, timeout=max(budget - 0.1, 0.5))
            if problem is not None:
                return problem
        return None

    def _until_serving(self, ctx, pid: int, executables: list) -> None:
        """Start succeeds only once the daemon answers (at most 10 s, or half the
        caller's timeout); otherwise it is stopped again and start fails."""
        import time

        from zigha.ocf import stop

        limit = min(10.0, (ctx.timeout or 20.0) / 2)
        deadline = time.monotonic() + limit
        while True:
            problem = self._problem(ctx)
            if problem is None:
                return
            if time.monotonic() >= deadline:
                break
            time.sleep(0.2)
        term_wait, kill_wait = ctx.stop_budget(ctx["shutdown_wait"] or 0)
        stop.terminate(pid, executables, min(term_wait, 5.0), kill_wait, ctx.log)
        procs.remove(ctx.pid_file)
        procs.remove(ctx.state_file)
        fail(f"Starting Service {ctx.resource_id} > Failed - not answering "
             f"{limit:g} s after start: {problem}")


def write_pid(path: str, pid: int) -> None:
    """Write ``pid`` to ``path`` atomically."""
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as handle:
        handle.write(f"{pid}\n")
    os.replace(tmp, path)
