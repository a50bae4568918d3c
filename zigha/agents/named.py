"""``zigha-named`` (``ocf:zigha:named``): BIND's named for rgmanager and Pacemaker.

The parameters are the stock rgmanager ``named`` agent's (resource-agents
``rgmanager/src/resources/named.metadata``); what differs is what the agent does with them
(../shared/reference/agents.md §2.3, §6):

* **rgmanager** (``service_name`` set): the configuration is rewritten into
  ``/etc/cluster/zigha-named/zigha-named:<name>/named.conf`` with ``directory`` =
  ``named_working_dir``, the cluster pid file, and ``listen-on``/``listen-on-v6`` naming
  exactly the service's ``<ip>`` addresses from cluster.conf — any number of them, IPv6
  too, even when ``options`` sits in an included file (:mod:`zigha.agents.named_conf`).
* **Pacemaker / ocf-tester** (no ``service_name``): ``config_file`` runs as it is; the
  pid named writes is copied to the cluster pid file.
* ``status`` depth 0 reads the pid file and checks the process (``/proc``, nothing
  else); depth 10 also sends a DNS query over UDP to every address named listens on.
* ``start`` on a running instance → 0; a stale pid file (crash, or a pid reused by
  another program) is removed, never signalled.  ``stop`` sends SIGTERM (named writes
  its journals and exits), then SIGKILL after ``shutdown_wait``, within the caller's
  timeout; a stopped or never-started instance → 0, also when the config is unreadable.
* ``validate-all`` writes nothing: missing named → 5, missing config → 5, syntax error
  (``named-checkconf``) → 6.
* ``named_sdb`` is accepted and ignored, as in the stock agent (BIND 9 has no SDB named).
"""

from __future__ import annotations

import os

from zigha.agents.served import ServedDaemon, write_pid
from zigha.ocf import codes
from zigha.ocf import proc as procs
from zigha.ocf import state as states
from zigha.ocf.agent import (
    Agent,
    Parameter,
    daemon_actions,
    fail,
    service_name_parameter,
    shutdown_wait_parameter,
)

START_TIMEOUT = 60.0
DEFAULT_NAMED = "/usr/sbin/named"


class NamedAgent(ServedDaemon, Agent):
    type_name = "zigha-named"
    probe = "dns_problem"
    default_port = 53
    default_executable = DEFAULT_NAMED
    provider_name = "named"
    shortdesc = "Defines an instance of named server"
    longdesc = ("This defines an instance of DNS named server (BIND 9). Under rgmanager it "
                "listens on exactly the service's IP addresses; under Pacemaker the given "
                "configuration runs unchanged.")
    parameters = (
        Parameter("name", "Name", "Specifies a service name for logging and other purposes",
                  primary=True),
        Parameter("config_file", "Config File",
                  "Absolute path of named.conf (a relative path is taken under /etc)",
                  default="/etc/named.conf"),
        Parameter("named_sdb", "Simplified Database Backend",
                  "Simplified Database Backend (accepted for compatibility; not used)",
                  type="boolean", default="0"),
        Parameter("named_working_dir", "named working directory",
                  "Written as 'directory' into the generated configuration (rgmanager); "
                  "point it at the shared zone directory", default="/var/named"),
        Parameter("named_options", "Other command-line options for named",
                  "Other command-line options for named (e.g. -u bind)"),
        Parameter("update_source", "Use cluster ip as source.",
                  "Update 'notify-source', 'transfer-source', and 'query-source' to match "
                  "the cluster ip associated with this service."),
        shutdown_wait_parameter(default=5),
        service_name_parameter(),
    )
    actions = daemon_actions()

    # -- validate-all ----------------------------------------------------------------
    def _validate(self, ctx):
        """Check everything; return (binary, config path, named options)."""
        import shlex

        self.check_instance_name(ctx)
        from zigha import tools

        binary = tools.find("named", ctx.environ)
        if binary is None or not os.access(binary, os.X_OK):
            fail("named is not installed (looked for named in "
                 f"{', '.join(tools.SEARCH_DIRS)})", codes.ERR_INSTALLED)
        config = self._config_path(ctx)
        if not os.path.isfile(config) or not os.access(config, os.R_OK):
            fail(f"Checking Existence Of File {config} [{ctx.resource_id}] > "
                 "Failed - File Doesn't Exist or is not readable", codes.ERR_INSTALLED)
        try:
            options = shlex.split(ctx["named_options"] or "")
        except ValueError as exc:
            fail(f"named_options: {exc}", codes.ERR_CONFIGURED)
        for flag in ("-f", "-g", "-c"):
            if flag in options:
                fail(f"named_options must not contain {flag} (the agent runs named as a "
                     "daemon with its own -c)", codes.ERR_CONFIGURED)
        if ctx["shutdown_wait"] is not None and ctx["shutdown_wait"] < 0:
            fail("shutdown_wait must not be negative", codes.ERR_CONFIGURED)
        text = self._config_text(ctx, config)
        self._check_syntax(ctx, text, config)
        return binary, config, options

    @staticmethod
    def _config_path(ctx) -> str:
        path = ctx["config_file"] or "/etc/named.conf"
        return path if os.path.isabs(path) else os.path.join("/etc", path)

    def _config_text(self, ctx, config: str) -> str:
        """The configuration named will read: the original, or (rgmanager) the rewrite."""
        from zigha.agents import named_conf

        text = ""
        try:
            with open(config, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
            if ctx.service_name:
                expanded = named_conf.expand_includes(text, os.path.dirname(config), file=config)
                text = named_conf.rewrite_for_service(
                    expanded, ctx.service_ips(), working_dir=ctx["named_working_dir"],
                    pid_file=ctx.pid_file, update_source=_is_true(ctx["update_source"]),
                    file=config)
        except named_conf.NamedConfError as exc:
            fail(f"Verifying Configuration Of {ctx.resource_id} > Failed - {exc}",
                 codes.ERR_CONFIGURED)
        except OSError as exc:
            fail(f"cannot read {config}: {exc.strerror}", codes.ERR_INSTALLED)
        return text

    def _check_syntax(self, ctx, text: str, config: str) -> None:
        from zigha import tools
        from zigha.errors import CommandError
        from zigha.runner import default_runner

        checker = tools.find("named-checkconf", ctx.environ)
        if checker is None:
            ctx.log.warning("named-checkconf not installed: syntax not checked")
            return
        try:
            result = default_runner().run([checker, "/dev/stdin"], stdin=text,
                                          timeout=min(ctx.timeout or 20.0, 20.0),
                                          cwd=os.path.dirname(config))
        except CommandError as exc:
            ctx.log.warning(f"named-checkconf did not run: {exc}")
            return
        if result.rc != 0:
            detail = (result.stdout + result.stderr).strip().replace("/dev/stdin", config)
            # a directory or include that is not there (shared storage not mounted on
            # this node) is 5, like a missing config file (agents.md §6.4 item 28)
            code = codes.ERR_INSTALLED if "file not found" in detail else codes.ERR_CONFIGURED
            fail(f"Verifying Configuration Of {ctx.resource_id} > Failed - {detail}", code)

    # -- start -------------------------------------------------------------------------
    def start(self, ctx):
        state, pid = procs.pid_state(ctx.pid_file, self._executables(ctx))
        if state == procs.RUNNING:
            ctx.log.info(f"Starting Service {ctx.resource_id} > Already Running (pid {pid})")
            return codes.SUCCESS
        if state == procs.STALE:
            ctx.log.info(f"removing stale pid file {ctx.pid_file} (pid {pid})")
            procs.remove(ctx.pid_file)
        binary, config, options = self._validate(ctx)
        ctx.log.info(f"Starting Service {ctx.resource_id}")
        user = _option_value(options, "-u")
        self._make_pid_dir(ctx, user)
        run_config = config
        if ctx.service_name:
            run_config = self._generate(ctx, config)
        self._leftovers(ctx, binary, run_config)
        states.write(ctx.state_file, [("exe", binary)] + [
            ("listen", endpoint) for endpoint in self._endpoints(ctx, run_config)])
        self._launch(ctx, binary, run_config, options, os.path.dirname(config))
        pid = self._daemon_pid(ctx, binary, run_config)
        if pid is None:
            fail(f"Starting Service {ctx.resource_id} > Failed - named exited; it logs "
                 "only to syslog, see the system log")
        if not ctx.service_name:
            write_pid(ctx.pid_file, pid)
        self._until_serving(ctx, pid, [binary])
        ctx.log.info(f"Starting Service {ctx.resource_id} > Succeed (pid {pid})")
        return codes.SUCCESS

    def _generate(self, ctx, config: str) -> str:
        from zigha.ocf import generated

        path = os.path.join(ctx.generated_dir, "named.conf")
        text = generated.header(path, config, self.type_name) + self._config_text(ctx, config)
        if generated.write(path, text, ctx.log):
            ctx.log.info(f"generated {path} from {config}")
        return path

    def _endpoints(self, ctx, run_config: str) -> list:
        """``host:port`` (``[v6]:port``) of every address the deep check asks."""
        from zigha.agents import named_conf

        try:
            with open(run_config, encoding="utf-8", errors="replace") as handle:
                text = named_conf.expand_includes(handle.read(), os.path.dirname(run_config),
                                                  file=run_config)
            options = named_conf.read_options(text, file=run_config)
        except (OSError, named_conf.NamedConfError) as exc:
            ctx.log.warning(f"cannot read listening addresses of {run_config}: {exc}")
            return []
        return [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
                for host, port in options.probe_addresses()]

    def _launch(self, ctx, binary: str, run_config: str, options: list, cwd: str) -> None:
        """Run named from the original config's directory: relative includes resolve
        against the working directory, as they did for named-checkconf."""
        from zigha.errors import CommandError
        from zigha.runner import default_runner

        argv = [binary, "-c", run_config, *options]
        try:
            result = default_runner().run(argv, timeout=ctx.timeout or START_TIMEOUT, cwd=cwd)
        except CommandError as exc:
            fail(f"Starting Service {ctx.resource_id} > Failed - {exc}")
        if result.rc != 0:
            detail = (result.stderr or result.stdout).strip() or self._explain(ctx, run_config)
            fail(f"Starting Service {ctx.resource_id} > Failed - named exited with "
                 f"{result.rc}: {detail}")

    @staticmethod
    def _explain(ctx, run_config: str) -> str:
        """named reports start-up errors to syslog only: ask named-checkconf -z (config
        and zone files) for a readable reason."""
        from zigha import tools
        from zigha.errors import CommandError
        from zigha.runner import default_runner

        hint = "named logs only to syslog; see the system log"
        checker = tools.find("named-checkconf", ctx.environ)
        if checker is None:
            return hint
        try:
            result = default_runner().run([checker, "-z", run_config], timeout=20.0)
        except CommandError:
            return hint
        lines = [ln.strip() for ln in (result.stdout + result.stderr).splitlines()
                 if ln.strip() and not ln.startswith("zone ")]
        if result.rc != 0 and lines:
            return "; ".join(lines[-3:])
        return hint

    def _daemon_pid(self, ctx, binary: str, run_config: str):
        """The pid of the named just started (named's parent returns once it is up)."""
        from zigha.agents import named_conf

        pid_file = ctx.pid_file
        if not ctx.service_name:
            with open(run_config, encoding="utf-8", errors="replace") as handle:
                text = named_conf.expand_includes(handle.read(), os.path.dirname(run_config),
                                                  file=run_config)
            pid_file = named_conf.read_options(text).pid_file or named_conf.DEFAULT_PID_FILE
        if pid_file != "none":
            state, pid = procs.pid_state(pid_file, [binary])
            if state == procs.RUNNING and run_config in " ".join(procs.cmdline(pid)):
                return pid
        found = procs.find([binary], ["-c", run_config])
        return found[0].pid if found else None

    def _leftovers(self, ctx, binary: str, run_config: str) -> None:
        """A named still running this instance's config without a valid pid file (for
        example after the pid file was lost) would hold the sockets: stop it first."""
        from zigha.ocf import stop

        leftovers = [p for p in procs.find([binary], ["-c"])
                     if _argv_has(procs.cmdline(p.pid), "-c", run_config)]
        for leftover in leftovers:
            ctx.log.warning(f"named pid {leftover.pid} runs {run_config} without a pid "
                            "file: stopping it")
            term, kill = ctx.stop_budget(ctx["shutdown_wait"] or 0)
            stop.terminate(leftover.pid, [binary], term, kill, ctx.log)

    @staticmethod
    def _make_pid_dir(ctx, user) -> None:
        piddir = os.path.dirname(ctx.pid_file)
        os.makedirs(ctx.run_dir, mode=0o711, exist_ok=True)
        os.makedirs(piddir, mode=0o755, exist_ok=True)
        if user:
            import pwd

            try:
                entry = pwd.getpwnam(user)
            except KeyError:
                fail(f"named_options: user {user!r} does not exist", codes.ERR_CONFIGURED)
            os.chown(piddir, entry.pw_uid, entry.pw_gid)

    # -- stop --------------------------------------------------------------------------
    def stop(self, ctx):
        from zigha.ocf import stop

        executables = self._executables(ctx)
        state, pid = procs.pid_state(ctx.pid_file, executables)
        if state != procs.RUNNING:
            if state == procs.STALE:
                ctx.log.info(f"removing stale pid file {ctx.pid_file} (pid {pid}, not named)")
                procs.remove(ctx.pid_file)
            procs.remove(ctx.state_file)
            ctx.log.info(f"Stopping Service {ctx.resource_id} > Not Running")
            return codes.SUCCESS
        ctx.log.info(f"Stopping Service {ctx.resource_id}")
        term_wait, kill_wait = ctx.stop_budget(ctx["shutdown_wait"] or 0)
        if not stop.terminate(pid, executables, term_wait, kill_wait, ctx.log,
                              label=f"named pid {pid}"):
            fail(f"Stopping Service {ctx.resource_id} > Failed - Application Is Still Running")
        procs.remove(ctx.pid_file)
        procs.remove(ctx.state_file)
        ctx.log.info(f"Stopping Service {ctx.resource_id} > Succeed")
        return codes.SUCCESS



def _is_true(value) -> bool:
    return str(value or "").strip().lower() in ("1", "yes", "true", "on", "y")


def _option_value(options: list, flag: str):
    for index, word in enumerate(options):
        if word == flag and index + 1 < len(options):
            return options[index + 1]
        if word.startswith(flag) and len(word) > len(flag):
            return word[len(flag):]
    return None


def _argv_has(argv: list, flag: str, value: str) -> bool:
    return any(a == flag and i + 1 < len(argv) and argv[i + 1] == value
               for i, a in enumerate(argv))


agent = NamedAgent()


def main() -> int:
    return agent.run()
