"""``zigha-postfix`` (``ocf:zigha:postfix``): a Postfix instance for rgmanager and Pacemaker.

There is no stock rgmanager postfix agent (RHCS users wrapped the init script in a
``script`` resource, ../shared/reference/agents.md §2.4); the parameters follow §6.1
item 6 and ``heartbeat/postfix`` (``config_dir``, ``binary``, ``parameters``).

* **rgmanager** (``service_name`` set): ``main.cf`` and ``master.cf`` are copied into
  ``/etc/cluster/zigha-postfix/zigha-postfix:<name>/`` with ``inet_interfaces`` = exactly
  the service's ``<ip>`` addresses from cluster.conf (``host:port`` services in master.cf
  lose their host so they follow it) and ``$config_directory`` pointing back at
  ``config_dir``; postfix runs with ``-c`` on that copy.  The queue stays where main.cf
  says (the shared disk).
* **Pacemaker / ocf-tester**: ``config_dir`` runs as it is.
* A ``config_dir`` other than the default must be listed in the default main.cf's
  ``alternate_config_directories`` (postconf(5)); validate-all says so, with the line to
  add, and returns 5 — the ``heartbeat/postfix`` rule.
* Postfix logs to syslog only (its commands write to stderr only when it is a
  terminal), so ``postfix start`` runs on a pseudo-terminal (``script``) and its own
  messages reach the agent's error output; syntax checks use ``postconf``, which
  writes to stderr and, unlike ``postfix check``, creates nothing in the queue.
* ``status`` depth 0: the master's pid and identity from /proc; depth 10: the SMTP
  greeting on every address smtpd listens on.  ``stop``: SIGTERM to the master (what
  ``postfix stop`` sends; the queue is left as it is), SIGKILL to the master and its
  children only after ``shutdown_wait``.
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

DEFAULT_MASTER = "/usr/lib/postfix/sbin/master"
START_TIMEOUT = 60.0


class PostfixAgent(ServedDaemon, Agent):
    type_name = "zigha-postfix"
    probe = "smtp_problem"
    default_port = 25
    default_executable = DEFAULT_MASTER
    provider_name = "postfix"
    shortdesc = "Defines an instance of the Postfix mail server"
    longdesc = ("This defines an instance of the Postfix mail server.  Under rgmanager it "
                "listens on exactly the service's IP addresses; under Pacemaker the given "
                "configuration directory runs unchanged.  A config_dir other than the "
                "default must be listed in alternate_config_directories of the default "
                "main.cf.")
    parameters = (
        Parameter("name", "Name", "Specifies a service name for logging and other purposes",
                  primary=True),
        Parameter("config_dir", "Full path to configuration directory",
                  "Full path to a Postfix configuration directory (main.cf, master.cf); "
                  "a non-default one must be listed in alternate_config_directories of "
                  "the default main.cf", default="/etc/postfix"),
        Parameter("binary", "Full path to Postfix binary",
                  "Full path to the postfix command", default="/usr/sbin/postfix"),
        Parameter("parameters", "Additional postfix options",
                  "Additional options for the postfix command (e.g. -v)"),
        shutdown_wait_parameter(default=5),
        service_name_parameter(),
    )
    actions = daemon_actions()

    # -- validate-all ----------------------------------------------------------------
    def _validate(self, ctx) -> Setup:
        import shlex

        from zigha.agents import postfix_conf as pc

        self.check_instance_name(ctx)
        binary = ctx["binary"] or "/usr/sbin/postfix"
        if not os.path.isfile(binary) or not os.access(binary, os.X_OK):
            fail(f"Postfix binary {binary} does not exist or is not executable",
                 codes.ERR_INSTALLED)
        postconf = os.path.join(os.path.dirname(binary), "postconf")
        if not os.access(postconf, os.X_OK):
            from zigha import tools

            postconf = tools.find("postconf", ctx.environ) or ""
            if not postconf:
                fail("postconf is not installed", codes.ERR_INSTALLED)
        config_dir = pc.normalise_dir(ctx["config_dir"] or pc.DEFAULT_CONFIG_DIR)
        main_cf = os.path.join(config_dir, "main.cf")
        if not os.path.isfile(main_cf) or not os.access(main_cf, os.R_OK):
            fail(f"Postfix configuration directory '{config_dir}' does not exist or has no "
                 "readable main.cf", codes.ERR_INSTALLED)
        try:
            options = shlex.split(ctx["parameters"] or "")
        except ValueError as exc:
            fail(f"parameters: {exc}", codes.ERR_CONFIGURED)
        if ctx["shutdown_wait"] is not None and ctx["shutdown_wait"] < 0:
            fail("shutdown_wait must not be negative", codes.ERR_CONFIGURED)
        default_dir = self._default_dir(ctx, postconf)
        if pc.normalise_dir(config_dir) != default_dir:
            default_main = os.path.join(default_dir, "main.cf")
            try:
                with open(default_main, encoding="utf-8", errors="replace") as handle:
                    listed = pc.listed_directories(pc.parse_main_cf(handle.read()))
            except OSError:
                listed = []
            if config_dir not in listed:
                fail(f"Postfix config_dir {config_dir} is not the default ({default_dir}), so "
                     f"it must be listed in alternate_config_directories of {default_main}: "
                     f"add 'alternate_config_directories = {' '.join(listed + [config_dir])}' "
                     f"there (postconf -e)", codes.ERR_INSTALLED)
        for flag in ("-n", "-M"):
            self._postconf(ctx, postconf, ["-c", config_dir, flag], syntax=True)
        values = self._postconf(ctx, postconf, ["-c", config_dir, "-x", "-h", "queue_directory",
                                                "daemon_directory"], syntax=True).split("\n")
        if len(values) < 2:  # postconf refused the file for a runtime reason: read it here
            with open(main_cf, encoding="utf-8", errors="replace") as handle:
                params = pc.parse_main_cf(handle.read())
            values = [pc.get(params, "queue_directory"), pc.get(params, "daemon_directory")]
        queue_dir, daemon_dir = values[:2]
        if not os.path.isdir(queue_dir) and not ctx.is_probe:
            fail(f"Postfix queue directory '{queue_dir}' does not exist or is not readable",
                 codes.ERR_INSTALLED)
        ips = ctx.service_ips() if ctx.service_name else []
        return Setup(binary, postconf, config_dir, options, queue_dir,
                     os.path.join(daemon_dir or os.path.dirname(DEFAULT_MASTER), "master"), ips)

    def _default_dir(self, ctx, postconf: str) -> str:
        from zigha.agents import postfix_conf as pc

        text = self._postconf(ctx, postconf, ["-d", "-h", "config_directory"])
        return pc.normalise_dir(text.strip() or pc.DEFAULT_CONFIG_DIR)

    @staticmethod
    def _postconf(ctx, postconf: str, args: list, syntax: bool = False) -> str:
        from zigha.errors import CommandError
        from zigha.runner import default_runner

        try:
            result = default_runner().run([postconf, *args], timeout=min(ctx.timeout or 20.0, 20.0))
        except CommandError as exc:
            fail(f"postconf did not run: {exc}", codes.ERR_INSTALLED)
        if result.rc != 0:
            detail = " ".join(line.strip() for line in result.stderr.splitlines()
                              if "fatal" in line or "error" in line) or result.stderr.strip()
            if syntax and "no local interface found" in detail:
                # the address is not up on this node (yet): a runtime matter, not a
                # configuration that is wrong everywhere
                ctx.log.warning(detail)
                return ""
            fail(f"Verifying Configuration Of {ctx.resource_id} > Failed - {detail}",
                 codes.ERR_CONFIGURED)
        return result.stdout.strip()

    # -- start -------------------------------------------------------------------------
    def start(self, ctx):
        state, pid = procs.pid_state(ctx.pid_file, self._executables(ctx))
        if state == procs.RUNNING:
            ctx.log.info(f"Starting Service {ctx.resource_id} > Already Running (pid {pid})")
            return codes.SUCCESS
        setup = self._validate(ctx)
        if state == procs.STALE:
            ctx.log.info(f"removing stale pid file {ctx.pid_file} (pid {pid})")
            if pid is not None:
                self._kill_orphans(ctx, pid, setup.master)
            procs.remove(ctx.pid_file)
        ctx.log.info(f"Starting Service {ctx.resource_id}")
        run_dir = self._generate(ctx, setup) if ctx.service_name else setup.config_dir
        os.makedirs(os.path.dirname(ctx.pid_file), mode=0o755, exist_ok=True)
        states.write(ctx.state_file, [("exe", setup.master), ("config", run_dir)] + [
            ("listen", e) for e in self._endpoints(ctx, run_dir, setup.ips)])
        master_pid_file = os.path.join(setup.queue_dir, "pid", "master.pid")
        running = _queue_master(master_pid_file, setup.master)
        if running is not None and running[1] != run_dir:
            fail(f"Starting Service {ctx.resource_id} > Failed - a postfix master (pid "
                 f"{running[0]}) already runs on {setup.queue_dir} with configuration "
                 f"{running[1]}")
        if running is None:
            self._run_postfix(ctx, setup, run_dir, "start")
        else:
            ctx.log.info(f"postfix master pid {running[0]} already runs {run_dir}: adopted")
        pid = procs.read_pid(master_pid_file)
        if pid is None or not procs.is_instance(procs.process(pid), [setup.master]):
            fail(f"Starting Service {ctx.resource_id} > Failed - no postfix master running "
                 "after 'postfix start'")
        write_pid(ctx.pid_file, pid)
        self._until_serving(ctx, pid, [setup.master])
        ctx.log.info(f"Starting Service {ctx.resource_id} > Succeed (pid {pid})")
        return codes.SUCCESS

    def _generate(self, ctx, setup) -> str:
        from zigha.agents import postfix_conf as pc
        from zigha.ocf import generated

        with open(os.path.join(setup.config_dir, "main.cf"), encoding="utf-8",
                  errors="replace") as handle:
            main = handle.read()
        with open(os.path.join(setup.config_dir, "master.cf"), encoding="utf-8",
                  errors="replace") as handle:
            master = handle.read()
        for variable in ("${config_directory}", "$(config_directory)", "$config_directory"):
            main = main.replace(variable, setup.config_dir)
        values = {"inet_interfaces": ", ".join(setup.ips)}
        protocols = pc.protocols_for(pc.parse_main_cf(main), setup.ips)
        if protocols is not None:
            values["inet_protocols"] = protocols
        main = pc.set_parameters(main, values)
        for name, text in (("main.cf", main), ("master.cf", pc.unbind_inet_hosts(master))):
            path = os.path.join(ctx.generated_dir, name)
            source = os.path.join(setup.config_dir, name)
            if generated.write(path, generated.header(path, source, self.type_name) + text,
                               ctx.log):
                ctx.log.info(f"generated {path} from {source}")
        return ctx.generated_dir

    def _endpoints(self, ctx, run_dir: str, ips) -> list:
        from zigha.agents import postfix_conf as pc

        try:
            with open(os.path.join(run_dir, "main.cf"), encoding="utf-8", errors="replace") as f:
                params = pc.parse_main_cf(f.read())
            with open(os.path.join(run_dir, "master.cf"), encoding="utf-8", errors="replace") as f:
                master = f.read()
        except OSError as exc:
            ctx.log.warning(f"cannot read {run_dir}: {exc.strerror}")
            return []
        return [f"[{h}]:{p}" if ":" in h else f"{h}:{p}"
                for h, p in pc.smtp_targets(params, master, ips)]

    def _run_postfix(self, ctx, setup, run_dir: str, command: str) -> None:
        import shlex

        from zigha import tools
        from zigha.errors import CommandError
        from zigha.runner import default_runner

        argv = [setup.binary, "-c", run_dir, *setup.options, command]
        script = tools.find("script", ctx.environ)
        if script is not None:  # a terminal on stderr makes postfix print its messages
            argv = [script, "-qec", shlex.join(argv), "/dev/null"]
        try:
            result = default_runner().run(argv, timeout=ctx.timeout or START_TIMEOUT)
        except CommandError as exc:
            fail(f"postfix {command} failed: {exc}")
        output = (result.stdout + result.stderr).replace("\r", "").strip()
        for line in output.splitlines():
            ctx.log.info(line)
        if result.rc != 0:
            reasons = [ln for ln in output.splitlines() if "fatal" in ln or "error" in ln]
            fail(f"Starting Service {ctx.resource_id} > Failed - postfix {command} exited with "
                 f"{result.rc}: {'; '.join(reasons) or output or 'no message'}")

    @staticmethod
    def _kill_orphans(ctx, old_master: int, master_exe: str) -> None:
        """After a crash of the master, its children (qmgr, pickup, smtpd …, same process
        group) keep working on the queue for a while: stop them before a new master
        starts on the same queue."""
        from zigha.ocf import stop

        daemon_dir = os.path.dirname(master_exe)
        orphans = [p for p in procs.all_processes()
                   if _pgid(p.pid) == old_master and p.exe and
                   os.path.dirname(p.exe) == daemon_dir]
        if orphans:
            executables = sorted({p.exe for p in orphans})
            stop.kill_all(orphans, executables, ctx.log)

    # -- stop --------------------------------------------------------------------------
    def stop(self, ctx):
        from zigha.ocf import stop

        executables = self._executables(ctx)
        state, pid = procs.pid_state(ctx.pid_file, executables)
        if state != procs.RUNNING:
            if state == procs.STALE:
                ctx.log.info(f"removing stale pid file {ctx.pid_file} (pid {pid}, not the "
                             "postfix master)")
                if pid is not None:
                    self._kill_orphans(ctx, pid, executables[0])
                procs.remove(ctx.pid_file)
            procs.remove(ctx.state_file)
            ctx.log.info(f"Stopping Service {ctx.resource_id} > Not Running")
            return codes.SUCCESS
        ctx.log.info(f"Stopping Service {ctx.resource_id}")
        term_wait, kill_wait = ctx.stop_budget(ctx["shutdown_wait"] or 0)
        gone = stop.terminate(pid, executables, term_wait, kill_wait, ctx.log,
                              label=f"postfix master pid {pid}")
        self._kill_orphans(ctx, pid, executables[0])
        if not gone:
            fail(f"Stopping Service {ctx.resource_id} > Failed - Application Is Still Running")
        procs.remove(ctx.pid_file)
        procs.remove(ctx.state_file)
        ctx.log.info(f"Stopping Service {ctx.resource_id} > Succeed")
        return codes.SUCCESS



class Setup:
    """What validation found: paths and options a start needs."""

    __slots__ = ("binary", "postconf", "config_dir", "options", "queue_dir", "master", "ips")

    def __init__(self, binary, postconf, config_dir, options, queue_dir, master, ips) -> None:
        self.binary, self.postconf, self.config_dir = binary, postconf, config_dir
        self.options, self.queue_dir, self.master, self.ips = options, queue_dir, master, ips


def _queue_master(master_pid_file: str, master_exe: str):
    """``(pid, config directory)`` of the live master that owns a queue, else ``None``.
    postfix-script exports ``config_directory`` to the master (/proc/<pid>/environ)."""
    pid = procs.read_pid(master_pid_file)
    if pid is None or not procs.is_instance(procs.process(pid), [master_exe]):
        return None
    try:
        with open(f"/proc/{pid}/environ", "rb") as handle:
            environ = handle.read().split(b"\0")
    except OSError:
        return pid, ""
    for entry in environ:
        if entry.startswith(b"config_directory="):
            return pid, entry.split(b"=", 1)[1].decode(errors="replace").rstrip("/")
    return pid, ""


def _pgid(pid: int):
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return int(handle.read().rpartition(b")")[2].split()[2])
    except (OSError, ValueError, IndexError):
        return None


agent = PostfixAgent()


def main() -> int:
    return agent.run()
