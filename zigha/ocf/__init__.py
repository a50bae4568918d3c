"""zigha.ocf — the framework behind zigha's resource agents (rgmanager and Pacemaker).

An agent declares its parameters and actions once; the framework renders the metadata
(rgmanager's ra-api-1-modified flavour with an inline DTD subset, so ocf-tester's lint
passes too), reads ``OCF_RESKEY_*`` with the metadata defaults applied, dispatches the
action, turns the result into an OCF exit code and logs like ``clulog``.  Background:
../shared/reference/agents.md §1, §4, §6.

Declaring an agent (``zigha/agents/<short>.py``; the real one is ``zigha/agents/httpd.py``)::

    from zigha.ocf import codes, proc
    from zigha.ocf.agent import Agent, Parameter, daemon_actions, fail

    class NamedAgent(Agent):
        type_name = "zigha-named"       # metadata name = cluster.conf element, dir names
        provider_name = "named"         # Pacemaker ocf:zigha:named, agents/named
        shortdesc = "Defines an ISC BIND name server"
        longdesc = "..."
        parameters = (
            Parameter("name", "Name", primary=True),                       # always first
            Parameter("config_file", "Config file", default="/etc/named.conf"),
            Parameter("named_sdb", "Use SDB", type="boolean", default="0"),
            Parameter("shutdown_wait", "Wait X seconds", type="integer", default="5"),
            Parameter("service_name", "Inherit the service name.", inherit="service%name"),
        )
        actions = daemon_actions(start=60, stop=60,
                                 checks=((0, "1m", 10), (10, "5m", 30)))

        def validate_all(self, ctx):       # also "verify-all"
            ...                            # return codes.ERR_INSTALLED, or raise fail(...)
        def start(self, ctx): ...
        def stop(self, ctx): ...
        def status(self, ctx):             # also "monitor" unless a monitor() is defined
            state, pid = proc.pid_state(ctx.pid_file, [binary])
            ...

Handlers take a :class:`~zigha.ocf.agent.Context` and return an int (``None`` = 0) or
raise ``fail(message, code)`` (``zigha.errors.AgentError``).  The context gives:

* ``ctx["param"]``: typed value, metadata default when absent/empty (§6.2 item 11);
  ``ctx.given("param")``; ``ctx.name`` (``name``, else from OCF_RESOURCE_INSTANCE);
* ``ctx.action``, ``ctx.depth`` (deepest declared status depth ≤ OCF_CHECK_LEVEL),
  ``ctx.is_probe``, ``ctx.timeout`` (s, from CRM_meta_timeout ms or
  RGMANAGER_meta_timeout s), ``ctx.stop_budget(shutdown_wait)`` → (term, kill) waits;
* ``ctx.service_name`` (set only under rgmanager), ``ctx.service_ips()`` (from
  cluster.conf through :class:`zigha.conf.ClusterConf`);
* ``ctx.pid_file`` = ``/var/run/cluster/<type>/<type>:<name>.pid``, ``ctx.state_file``,
  ``ctx.generated_dir`` = ``/etc/cluster/<type>/<type>:<name>``; the bases come from
  ``ZIGHA_OCF_RUN_DIR`` / ``ZIGHA_OCF_CONF_DIR`` and cluster.conf from
  ``ZIGHA_CLUSTER_CONF`` when set (tests), else the real paths;
* ``ctx.log.info/warning/error/debug`` (syslog as clulog; errors also on stderr as
  ``ocf-exit-reason:``).

Helpers: :mod:`zigha.ocf.proc` (pid files, /proc identity with executable and start
time, ``listening(pid)``: the TCP sockets a daemon really listens on), :mod:`zigha.ocf.stop` (SIGTERM → wait → SIGKILL of the tree, via pidfd),
:mod:`zigha.ocf.state` (what start records for status), :mod:`zigha.ocf.generated`
(configs with the ``# rgmanager-sha1`` trailer), :mod:`zigha.ocf.codes` (exit codes;
``OCFCode`` IntEnum).  Processes are started only through :mod:`zigha.runner`.

Hot path: ``status``/``monitor`` at depth 0 must import only this package's light
modules (agent, codes, log, proc, state) and the stdlib; import lxml, the runner and
zigha.conf inside the handlers that need them.  The launcher pattern is in
:mod:`zigha.ocf.launch`; ``zigha.agents.AGENTS`` lists the agents for the installer.
"""

from __future__ import annotations

_LAZY = {
    "Agent": "zigha.ocf.agent",
    "Parameter": "zigha.ocf.agent",
    "Action": "zigha.ocf.agent",
    "Context": "zigha.ocf.agent",
    "daemon_actions": "zigha.ocf.agent",
    "fail": "zigha.ocf.agent",
    "OCFCode": "zigha.ocf.codes",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
