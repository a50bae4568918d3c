"""``zigha-httpd`` (rgmanager) / ``ocf:zigha:httpd`` (Pacemaker): Apache httpd.

Parameters are the stock apache.sh ones (../shared/reference/agents.md §2.2, §6.1 item 6).
Where zigha differs from apache.sh, on purpose:

* ``status`` on a stopped instance → 7; ``start`` on a running one → 0, same pid;
  ``stop`` without a readable config (shared storage not mounted here) → 0 (§6.3);
* stop escalates to SIGKILL after ``shutdown_wait`` (default 20 s, as ``stop_generic``)
  within the caller's timeout instead of failing with the daemon still running;
* depth 10 sends an HTTP request to every socket httpd really listens on (read from
  /proc when it started, so ``<IfModule>``/``<IfDefine>`` need no guessing);
* under rgmanager, ``Listen`` lines in ``Include``d files are bound to the service IPs
  too (:mod:`zigha.agents.httpd_conf`); IPs nested below a clusterfs are found as well;
* validate-all: missing binary, ServerRoot or config → 5, ``httpd -t`` failure → 6.

Without ``service_name`` (Pacemaker, ocf-tester) the given config runs as it is; only
the pid file is set (``-c PidFile``) so that every mode uses
``/var/run/cluster/zigha-httpd/zigha-httpd:<name>.pid``.  Debian's ``envvars`` beside
the config (ServerRoot) is sourced as apache2ctl does.
"""

from __future__ import annotations

import os

from zigha.ocf import codes, proc, state
from zigha.ocf.agent import (
    Agent,
    Parameter,
    daemon_actions,
    fail,
    service_name_parameter,
    shutdown_wait_parameter,
)

BINARIES = ("/usr/sbin/httpd", "/usr/sbin/apache2", "/usr/local/sbin/httpd",
            "/usr/local/apache2/bin/httpd")
DEFAULT_SERVER_ROOT = "/etc/httpd"
DEBIAN_SERVER_ROOT = "/etc/apache2"
DEFAULT_SHUTDOWN_WAIT = 20  # stop_generic's default (rgmanager utils/ra-skelet.sh)
DEFAULT_START_WAIT = 60.0


def _endpoint(text: str) -> tuple:
    """``"127.0.0.1 80 https"`` (a ``listen=`` line of the state file) → (host, port, proto)."""
    host, _, rest = text.partition(" ")
    port, _, protocol = rest.partition(" ")
    return host, int(port), protocol


class HttpdAgent(Agent):
    type_name = "zigha-httpd"
    provider_name = "httpd"
    shortdesc = "Defines an Apache web server (zigha)"
    longdesc = ("An Apache httpd instance.  Under rgmanager its config is regenerated in "
                "/etc/cluster/zigha-httpd/ with every Listen bound to the service's IP "
                "addresses; elsewhere the given config runs as it is.")
    parameters = (
        Parameter("name", "Name", "Define a name for use in <IfDefine name> directive.",
                  primary=True),
        Parameter("httpd", "httpd binary", "Define the full path to the httpd binary "
                  "(default: /usr/sbin/httpd, else /usr/sbin/apache2)."),
        Parameter("server_root", "Initial ServerRoot", "Define an alternate initial ServerRoot "
                  "(when the default /etc/httpd is absent: /etc/apache2)",
                  default=DEFAULT_SERVER_ROOT),
        Parameter("config_file", "Initial ServerConfigFile",
                  "Define an alternate ServerConfigFile (absolute, or relative to server_root)",
                  default="conf/httpd.conf"),
        Parameter("httpd_options", "Other command-line options for httpd"),
        shutdown_wait_parameter(detail="(default 20)."),
        service_name_parameter(),
    )
    actions = daemon_actions(start=60, stop=60, checks=((0, "1m", 10), (10, "5m", 30)))

    # -- hot path --------------------------------------------------------------------
    def binary(self, ctx):
        if ctx.given("httpd"):
            return ctx["httpd"]
        return next((b for b in BINARIES if os.access(b, os.X_OK)), None)

    def executables(self, ctx, recorded) -> list:
        return recorded.get("exe") or [self.binary(ctx) or BINARIES[0]]

    def status(self, ctx):
        recorded = state.read(ctx.state_file)
        found, pid = proc.pid_state(ctx.pid_file, self.executables(ctx, recorded))
        if found == proc.NO_PID_FILE:
            return codes.NOT_RUNNING
        if found == proc.STALE:
            ctx.log.error(f"Monitoring Service {ctx.resource_id} > Service Is Not Running "
                          f"(stale pid file {ctx.pid_file}, pid {pid})")
            return codes.ERR_GENERIC
        if ctx.depth >= 10:
            from zigha.agents.httpcheck import http_answers

            limit = min(ctx.timeout or 10.0, 10.0)
            for host, port, protocol in map(_endpoint, recorded.get("listen", [])):
                problem = http_answers(host, port, protocol, limit)
                if problem:
                    ctx.log.error(f"Monitoring Service {ctx.resource_id} > {problem}")
                    return codes.ERR_GENERIC
        return codes.SUCCESS

    # -- validation --------------------------------------------------------------------
    def paths(self, ctx) -> tuple:
        from zigha.agents.httpd_conf import resolve

        root = ctx["server_root"] or ""
        config = ctx["config_file"] or ""
        if root in ("", DEFAULT_SERVER_ROOT) and not os.path.isdir(root):
            # the default server_root (/etc/httpd, which rgmanager passes as the value of
            # an absent attribute) does not exist: Debian's apache2 layout, as the binary
            # lookup takes apache2 for httpd; else, for an absolute config_file, its own
            # directory (the file is used as it is either way)
            fallbacks = [DEBIAN_SERVER_ROOT] + ([os.path.dirname(config)] if os.path.isabs(config) else [])
            root = next((d for d in fallbacks if os.path.isdir(d)), root)
        return root, resolve(root, config)

    def command(self, ctx, binary: str, config: str, *tail: str) -> list:
        import shlex

        root, _ = self.paths(ctx)
        argv = [binary, f"-D{ctx.name}", "-d", root, "-f", config,
                *shlex.split(ctx["httpd_options"] or ""), *tail]
        envvars = os.path.join(root, "envvars")
        if os.path.isfile(envvars):  # Debian: apache2ctl sources it first
            argv = ["sh", "-c", '. "$0" && exec "$@"', envvars, *argv]
        return argv

    def check(self, ctx, syntax: bool = True) -> int:
        name = ctx.name
        if not name or any(c.isspace() or c == "/" for c in name):
            fail(f"parameter name={name!r} is missing or not usable in a file name",
                 codes.ERR_CONFIGURED)
        binary = self.binary(ctx)
        if binary is None or not os.access(binary, os.X_OK) or os.path.isdir(binary):
            fail(f"Checking Existence Of File {binary or '/usr/sbin/httpd'} [{ctx.resource_id}] "
                 "> Failed - File Doesn't Exist (httpd binary)", codes.ERR_INSTALLED)
        wait = ctx["shutdown_wait"]
        if wait is not None and wait < 0:
            fail(f"parameter shutdown_wait={wait} is negative", codes.ERR_CONFIGURED)
        root, config = self.paths(ctx)
        if not os.path.isdir(root):
            fail(f"Checking Existence Of Directory {root} [{ctx.resource_id}] > Failed - "
                 "Directory Doesn't Exist (server_root)", codes.ERR_INSTALLED)
        if not os.access(config, os.R_OK) or os.path.isdir(config):
            fail(f"Checking Existence Of File {config} [{ctx.resource_id}] > Failed - "
                 "File Doesn't Exist", codes.ERR_INSTALLED)
        if syntax:
            from zigha.runner import default_runner

            result = default_runner().run(self.command(ctx, binary, config, "-t"), timeout=60)
            if result.rc != 0:
                detail = (result.stderr or result.stdout).strip().splitlines()
                fail(f"Verifying Configuration Of {ctx.resource_id} > Failed - "
                     f"{detail[0] if detail else 'httpd -t returned ' + str(result.rc)}",
                     codes.ERR_CONFIGURED)
        return codes.SUCCESS

    def validate_all(self, ctx):
        return self.check(ctx, syntax=True)

    # -- start / stop --------------------------------------------------------------------
    def leftovers(self, ctx, recorded) -> list:
        config = (recorded.get("config") or [None])[0]
        if not config:
            return []
        return proc.find(self.executables(ctx, recorded), [f"-D{ctx.name}", config])

    def start(self, ctx):
        if self.status_quiet(ctx) == codes.SUCCESS:
            ctx.log.info(f"Starting Service {ctx.resource_id} > Already Running")
            return codes.SUCCESS
        self.check(ctx, syntax=True)
        from zigha.agents import httpd_conf
        from zigha.ocf import generated, stop
        from zigha.runner import default_runner

        previous = state.read(ctx.state_file)
        stop.kill_all(self.leftovers(ctx, previous), self.executables(ctx, previous), ctx.log)
        if proc.remove(ctx.pid_file):
            ctx.log.info(f"removed stale pid file {ctx.pid_file}")
        proc.remove(ctx.state_file)
        ctx.log.info(f"Starting Service {ctx.resource_id}")
        binary = self.binary(ctx)
        root, config = self.paths(ctx)
        os.makedirs(os.path.dirname(ctx.pid_file), mode=0o711, exist_ok=True)
        try:
            lines = httpd_conf.flatten(config, root)
        except httpd_conf.HttpdConfError as exc:
            fail(str(exc), codes.ERR_CONFIGURED)
        ips = None
        if ctx.service_name:
            ips = ctx.service_ips()
            text, _ = httpd_conf.rewrite(lines, ips, ctx.pid_file)
            run_config = os.path.join(ctx.generated_dir, "httpd.conf")
            header = generated.header(run_config, config, self.type_name)
            generated.write(run_config, header + text, ctx.log)
            with open(run_config, encoding="utf-8", errors="replace") as handle:
                lines = handle.read().splitlines()
        else:
            run_config = config
        recorded = [("exe", os.path.realpath(binary)), ("config", run_config)]
        state.write(ctx.state_file, recorded)
        argv = self.command(ctx, binary, run_config, "-c", f"PidFile {ctx.pid_file}", "-k", "start")
        result = default_runner().run(argv, timeout=ctx.timeout or DEFAULT_START_WAIT)
        if result.rc != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            fail(f"Starting Service {ctx.resource_id} > Failed - "
                 f"{detail[-1] if detail else 'httpd returned ' + str(result.rc)}")
        return self.wait_running(ctx, recorded, httpd_conf.protocols(lines), ips)

    def status_quiet(self, ctx) -> int:
        found, _ = proc.pid_state(ctx.pid_file, self.executables(ctx, state.read(ctx.state_file)))
        return codes.SUCCESS if found == proc.RUNNING else codes.NOT_RUNNING

    def wait_running(self, ctx, recorded: list, protocols: dict, ips):
        """Wait (within the start timeout) until the pid file names httpd and it answers
        on every socket it listens on; those are recorded for the depth-10 check."""
        import time

        from zigha.agents.httpcheck import http_answers
        from zigha.agents.httpd_conf import connect_address

        deadline = time.monotonic() + max((ctx.timeout or DEFAULT_START_WAIT) - 2.0, 1.0)
        problem: str | None = "no pid file"
        while time.monotonic() < deadline:
            if self.status_quiet(ctx) == codes.SUCCESS:
                sockets = proc.listening(proc.read_pid(ctx.pid_file))
                endpoints = [(connect_address(a), p, protocols.get(str(p)) or "") for a, p in sockets]
                problem = next(filter(None, (http_answers(h, p, proto, 2.0)
                                             for h, p, proto in endpoints)), None)
                if not sockets:
                    problem = "httpd listens on no TCP socket"
                if problem is None:
                    state.write(ctx.state_file, recorded + [
                        ("listen", f"{h} {p} {proto}".rstrip()) for h, p, proto in endpoints])
                    stray = [a for a, _ in sockets if ips is not None and a not in ips]
                    if stray:
                        ctx.log.warning(f"httpd also listens on {', '.join(stray)}, not an "
                                        f"address of service {ctx.service_name}")
                    ctx.log.info(f"Starting Service {ctx.resource_id} > Succeed")
                    return codes.SUCCESS
            time.sleep(0.1)
        message = (f"Starting Service {ctx.resource_id} > Failed - not running and answering "
                   f"in time ({problem}); see httpd's ErrorLog")
        ctx.log.error(message)
        self.stop(ctx)  # do not leave a half-started daemon behind (heartbeat apache does the same)
        fail(message)

    def stop(self, ctx):
        from zigha.ocf import stop

        recorded = state.read(ctx.state_file)
        executables = self.executables(ctx, recorded)
        found, pid = proc.pid_state(ctx.pid_file, executables)
        if found == proc.RUNNING:
            ctx.log.info(f"Stopping Service {ctx.resource_id}")
            wait = ctx["shutdown_wait"]
            term, kill = ctx.stop_budget(DEFAULT_SHUTDOWN_WAIT if wait is None else wait)
            if not stop.terminate(pid, executables, term, kill, ctx.log, label=f"httpd {pid}"):
                fail(f"Stopping Service {ctx.resource_id} > Failed - Application Is Still Running")
        elif found == proc.STALE:
            ctx.log.info(f"stale pid file {ctx.pid_file} (pid {pid}): not signalled")
        if not stop.kill_all(self.leftovers(ctx, recorded), executables, ctx.log):
            fail(f"Stopping Service {ctx.resource_id} > Failed - leftover processes survive")
        proc.remove(ctx.pid_file)
        proc.remove(ctx.state_file)
        ctx.log.info(f"Stopping Service {ctx.resource_id} > Succeed")
        return codes.SUCCESS
