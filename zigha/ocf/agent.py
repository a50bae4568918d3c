"""Declarations (:class:`Parameter`, :class:`Action`), the per-call :class:`Context` and
the :class:`Agent` base class that dispatches an action and returns an OCF exit code.

Rules it applies for every agent (../shared/reference/agents.md §1.4, §1.6, §6.2):

* ``meta-data`` (and ``usage``/``-h``) always work, with an empty environment and with
  stdin/stderr closed, as rgmanager runs them (§1.1);
* ``OCF_RA_VERSION_MAJOR`` other than 1 → 3; a version without
  ``OCF_RESOURCE_INSTANCE`` → 2 (rgmanager ``ocf-shellfuncs``);
* an action the agent does not declare → 3; ``monitor`` is ``status`` unless the agent
  defines ``monitor``; ``verify-all`` is ``validate-all``;
* parameters: ``OCF_RESKEY_<name>``; absent or empty means the metadata default, since
  rgmanager passes defaults and Pacemaker never does (§1.4);
* ``OCF_CHECK_LEVEL``: the deepest declared status depth not above it (OCF: a level the
  agent does not implement runs the next lower one);
* a handler returns an int (``None`` = 0) or raises ``zigha.errors.AgentError`` (its
  ``ocf_code``); any other exception is logged and gives 1.

This module is on the hot path: it imports nothing but ``os``, ``sys`` and the framework's
own light modules.
"""

from __future__ import annotations

import os
import sys

from zigha.ocf import codes
from zigha.ocf.log import AgentLog

TYPES = ("string", "integer", "boolean")
TRUE_WORDS = ("1", "yes", "true", "on", "y")
FALSE_WORDS = ("0", "no", "false", "off", "n", "")
RUN_DIR = "/var/run/cluster"
CONF_DIR = "/etc/cluster"
CLUSTER_CONF = "/etc/cluster/cluster.conf"


class Parameter:
    """One resource parameter (``OCF_RESKEY_<name>``, the cluster.conf attribute).

    ``type`` is ``string``, ``integer`` or ``boolean`` (ra-api-1-modified allows no
    other); ``default`` is the text rgmanager passes when the attribute is absent;
    ``primary`` marks the identity (only ``name``, listed first); ``inherit`` is
    rgmanager's ``type%attr`` (``service%name``).
    """

    __slots__ = ("name", "shortdesc", "longdesc", "type", "default", "required", "unique",
                 "primary", "inherit", "reconfig")

    def __init__(self, name: str, shortdesc: str, longdesc: str = "", *, type: str = "string",
                 default=None, required: bool = False, unique: bool = False,
                 primary: bool = False, inherit: str = "", reconfig: bool = False) -> None:
        if type not in TYPES:
            raise ValueError(f"parameter {name}: type {type!r} is not one of {TYPES}")
        if inherit and (primary or required or unique):
            # rgmanager rejects the whole rule (resrules.c _get_rule_attrs)
            raise ValueError(f"parameter {name}: inherit cannot be primary/required/unique")
        self.name = name
        self.shortdesc = shortdesc
        self.longdesc = longdesc or shortdesc
        self.type = type
        self.default = None if default is None else str(default)
        self.required = required
        self.unique = unique
        self.primary = primary
        self.inherit = inherit
        self.reconfig = reconfig

    def convert(self, text: str):
        """The typed value of ``text``; ValueError when it is not of the declared type."""
        if self.type == "integer":
            return int(text.strip())
        if self.type == "boolean":
            word = text.strip().lower()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            raise ValueError(f"not a boolean: {text!r}")
        return text

    def __repr__(self) -> str:
        flags = [k for k in ("primary", "required", "unique", "reconfig") if getattr(self, k)]
        extra = f" default={self.default!r}" if self.default is not None else ""
        return f"<Parameter {self.name} {self.type}{extra}{' ' + ','.join(flags) if flags else ''}>"


class Action:
    """One advertised action.  ``timeout``/``interval`` are rgmanager time values
    (digits with an optional ``s m h d w y`` suffix); ``depth`` is the status level."""

    __slots__ = ("name", "timeout", "interval", "depth", "start_delay")

    def __init__(self, name: str, timeout, *, interval=None, depth=None, start_delay=None) -> None:
        self.name = name
        self.timeout = str(timeout)
        self.interval = None if interval is None else str(interval)
        self.depth = None if depth is None else int(depth)
        self.start_delay = start_delay

    def __repr__(self) -> str:
        return f"<Action {self.name} depth={self.depth} interval={self.interval} timeout={self.timeout}>"


def service_name_parameter() -> Parameter:
    """``service_name``, inherited from the enclosing ``<service name=…>`` (rgmanager);
    absent under Pacemaker and ocf-tester."""
    return Parameter("service_name", "Inherit the service name.",
                     "Inherit the service name.  We need to know the service name in order "
                     "to determine file systems and IPs for this service.",
                     inherit="service%name")


def shutdown_wait_parameter(default=None, detail="") -> Parameter:
    """``shutdown_wait``: seconds between SIGTERM and SIGKILL at stop."""
    text = "Seconds to wait after SIGTERM before SIGKILL" + (f" {detail}" if detail else "")
    return Parameter("shutdown_wait", "Wait X seconds for correct end of service shutdown",
                     text, type="integer", default=default)


def daemon_actions(start=60, stop=60, checks=((0, "1m", 10), (10, "5m", 30)), validate=30):
    """The usual action list of a daemon agent: start, stop, ``status`` *and*
    ``monitor`` for each ``(depth, interval, timeout)`` in ``checks`` (rgmanager runs
    ``status``, Pacemaker ``monitor``), meta-data and validate-all."""
    actions = [Action("start", start), Action("stop", stop)]
    for depth, interval, timeout in checks:
        for name in ("status", "monitor"):
            actions.append(Action(name, timeout, interval=interval, depth=depth or None))
    actions += [Action("meta-data", 5), Action("validate-all", validate)]
    return tuple(actions)


def fail(message: str, code: int = codes.ERR_GENERIC, **where):
    """Raise ``zigha.errors.AgentError`` (imported only when an action fails)."""
    from zigha.errors import AgentError

    raise AgentError(message, ocf_code=code, **where)


class Context:
    """Everything one invocation knows: action, parameters, depth, deadline, paths, log.

    Built from an explicit ``environ`` mapping, so tests run an agent with a dict.
    ``ctx["server_root"]`` gives a parameter's typed value (the metadata default when
    absent or empty; ``None`` when there is neither); a value of the wrong type raises
    AgentError with code 6.
    """

    def __init__(self, agent: Agent, action: str, environ, argv=(), stderr=None,
                 use_syslog: bool = True) -> None:
        self.agent = agent
        self.action = action
        self.environ = environ
        self.argv = tuple(argv)
        self._values: dict = {}
        self.instance = environ.get("OCF_RESOURCE_INSTANCE") or ""
        self.manager = self._manager(environ)
        try:
            self.check_level = int(environ.get("OCF_CHECK_LEVEL") or 0)
        except ValueError:
            self.check_level = 0
        self.run_dir = environ.get("ZIGHA_OCF_RUN_DIR") or RUN_DIR
        self.conf_dir = environ.get("ZIGHA_OCF_CONF_DIR") or CONF_DIR
        self.cluster_conf = environ.get("ZIGHA_CLUSTER_CONF") or CLUSTER_CONF
        self.log = AgentLog(agent.type_name, self.resource_id, self.manager, environ,
                            stderr=stderr, use_syslog=use_syslog)

    @staticmethod
    def _manager(environ) -> str:
        if any(k.startswith("OCF_RESKEY_CRM_meta_") for k in environ) or \
                environ.get("OCF_RA_VERSION_MINOR") == "1" or "OCF_RESKEY_crm_feature_set" in environ:
            return "pacemaker"
        if "OCF_RA_VERSION_MAJOR" in environ or any(
                k.startswith("OCF_RESKEY_RGMANAGER_meta_") for k in environ):
            return "rgmanager"
        if "OCF_RESOURCE_INSTANCE" in environ or "__OCF_ACTION" in environ:
            return "pacemaker"  # ocf-tester and friends
        return "manual"

    # -- parameters ------------------------------------------------------------------
    def raw(self, name: str):
        """The text of ``OCF_RESKEY_<name>`` or, when absent or empty, the default."""
        value = self.environ.get("OCF_RESKEY_" + name)
        if value is None or value == "":
            return self.agent.parameter(name).default
        return value

    def given(self, name: str) -> bool:
        """Whether the caller passed a non-empty value (not just the default)."""
        return bool(self.environ.get("OCF_RESKEY_" + name))

    def __getitem__(self, name: str):
        if name not in self._values:
            text = self.raw(name)
            if text is None:
                value = None
            else:
                try:
                    value = self.agent.parameter(name).convert(text)
                except ValueError:
                    fail(f"parameter {name}={text!r} is not a valid {self.agent.parameter(name).type}",
                         codes.ERR_CONFIGURED)
            self._values[name] = value
        return self._values[name]

    @property
    def name(self) -> str:
        """The ``name`` parameter, else the part after ``:`` of OCF_RESOURCE_INSTANCE
        (ocf-tester ``-n``, crm_resource ``test``)."""
        value = self.environ.get("OCF_RESKEY_name")
        if not value:
            value = self.instance.rpartition(":")[2]
        return value

    @property
    def resource_id(self) -> str:
        """``<type>:<name>``, as rgmanager's OCF_RESOURCE_INSTANCE (stock ``apache:httpd``)."""
        return f"{self.agent.type_name}:{self.name}"

    @property
    def service_name(self):
        """The rgmanager service (``service%name``), ``None`` outside rgmanager."""
        return self.environ.get("OCF_RESKEY_service_name") or None

    # -- checks, probes, deadlines -----------------------------------------------------
    @property
    def depth(self) -> int:
        """The status depth to run: the deepest declared one not above OCF_CHECK_LEVEL."""
        return max((d for d in self.agent.status_depths() if d <= self.check_level), default=0)

    @property
    def is_probe(self) -> bool:
        """A Pacemaker probe: monitor with no interval (crm_resource --force-check too)."""
        interval = self.environ.get("OCF_RESKEY_CRM_meta_interval") or "0"
        return self.action in ("monitor", "status") and interval.strip() in ("0", "")

    @property
    def timeout(self):
        """The caller's limit for this action in seconds, or ``None`` when none is given:
        ``OCF_RESKEY_CRM_meta_timeout`` (Pacemaker, ms) or
        ``OCF_RESKEY_RGMANAGER_meta_timeout`` (rgmanager, s; 0 = rgmanager enforces or
        waits forever, agents.md §1.4)."""
        for key, scale in (("OCF_RESKEY_CRM_meta_timeout", 1000.0),
                           ("OCF_RESKEY_RGMANAGER_meta_timeout", 1.0)):
            text = self.environ.get(key)
            if text:
                try:
                    value = float(text) / scale
                except ValueError:
                    continue
                if value > 0:
                    return value
        return None

    def stop_budget(self, shutdown_wait: float, kill_wait: float = 5.0):
        """``(term_wait, kill_wait)`` in seconds for a stop: wait ``shutdown_wait`` after
        SIGTERM, then SIGKILL — shortened so both fit in the caller's timeout with 1 s left
        for the agent itself."""
        limit = self.timeout
        if limit is None:
            return float(shutdown_wait), kill_wait
        budget = max(limit - 1.0, 0.5)
        kill_wait = min(kill_wait, budget / 4)
        return max(min(float(shutdown_wait), budget - kill_wait), 0.0), kill_wait

    # -- rgmanager locations (agents.md §2.1) -------------------------------------------
    @property
    def pid_file(self) -> str:
        """``/var/run/cluster/<type>/<type>:<name>.pid``."""
        t = self.agent.type_name
        return f"{self.run_dir}/{t}/{self.resource_id}.pid"

    @property
    def state_file(self) -> str:
        """Beside the pid file: what start recorded (executable, endpoints) for status."""
        t = self.agent.type_name
        return f"{self.run_dir}/{t}/{self.resource_id}.state"

    @property
    def generated_dir(self) -> str:
        """``/etc/cluster/<type>/<type>:<name>``: where generated configs go."""
        t = self.agent.type_name
        return f"{self.conf_dir}/{t}/{self.resource_id}"

    def service_ips(self) -> list:
        """The service's IP addresses from cluster.conf (every ``<ip>`` in its tree).
        Empty → AgentError 1, rgmanager's "No IP Addresses Found"."""
        from zigha.conf import ClusterConf

        try:
            ips = ClusterConf.load(self.cluster_conf).service_ips(self.service_name)
        except Exception as exc:  # ConfigError, unknown service
            fail(f"Looking For IP Addresses [{self.resource_id}] > Failed - {exc}")
        if not ips:
            fail(f"Looking For IP Addresses [{self.resource_id}] > Failed - No IP Addresses Found")
        return list(ips)


class Agent:
    """Base class of an agent: subclasses declare, the framework does the rest.

    Class attributes: ``type_name`` (metadata name = cluster.conf element, e.g.
    ``zigha-httpd``), ``provider_name`` (Pacemaker ``ocf:zigha:<provider_name>``),
    ``shortdesc``, ``longdesc``, ``parameters`` (tuple of :class:`Parameter`, primary
    first), ``actions`` (tuple of :class:`Action`), ``special_attributes`` (dict for
    ``<special tag="rgmanager"><attributes .../>``) and ``special_children`` (tuple of
    dicts for ``<child .../>``).  Handlers are methods named after the action with ``-``
    as ``_`` (``start``, ``stop``, ``status``, ``validate_all``), taking the Context.
    """

    type_name = ""
    provider_name = ""
    shortdesc = ""
    longdesc = ""
    parameters: tuple = ()
    actions: tuple = ()
    special_attributes: dict = {}
    special_children: tuple = ()
    version = "1.0"

    def parameter(self, name: str) -> Parameter:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise KeyError(f"{self.type_name} has no parameter {name!r}")

    def status_depths(self) -> list:
        return sorted({a.depth or 0 for a in self.actions if a.name == "status"}) or [0]

    def declared(self, action: str) -> bool:
        return any(a.name == action for a in self.actions)

    def metadata(self) -> str:
        """The rgmanager/OCF metadata XML (see :mod:`zigha.ocf.metadata`)."""
        from zigha.ocf.metadata import render

        return render(self)

    def usage(self) -> str:
        names = sorted({a.name for a in self.actions} | {"meta-data"})
        return f"usage: {self.provider_name or self.type_name} {{{'|'.join(names)}}}\n"

    def handler(self, action: str):
        if action == "verify-all":
            action = "validate-all"
        if not self.declared(action):
            return None
        method = getattr(self, action.replace("-", "_"), None)
        if method is None and action == "monitor":
            method = getattr(self, "status", None)
        return method

    def run(self, argv=None, environ=None, stdout=None, stderr=None, use_syslog: bool = True) -> int:
        """Run the action named in ``argv[1]`` (or ``__OCF_ACTION``); return the exit code."""
        argv = list(sys.argv if argv is None else argv)
        environ = os.environ if environ is None else environ
        out = sys.stdout if stdout is None else stdout
        action = argv[1] if len(argv) > 1 else environ.get("__OCF_ACTION", "")
        if action in ("meta-data", "usage", "-h", "--help", "help"):
            text = self.metadata() if action == "meta-data" else self.usage()
            if out is not None:
                out.write(text)
                out.flush()
            return codes.SUCCESS
        ctx = Context(self, action, environ, argv, stderr=stderr, use_syslog=use_syslog)
        major = environ.get("OCF_RA_VERSION_MAJOR")
        if major is not None and major != "1":
            ctx.log.error(f"OCF_RA_VERSION_MAJOR={major} is not supported (1)")
            return codes.ERR_UNIMPLEMENTED
        if major is not None and not ctx.instance:
            ctx.log.error("OCF_RESOURCE_INSTANCE is not set")
            return codes.ERR_ARGS
        method = self.handler(action)
        if method is None:
            if ctx.log.stderr is not None:
                try:
                    ctx.log.stderr.write(self.usage())
                except (OSError, ValueError):
                    pass
            return codes.ERR_UNIMPLEMENTED
        try:
            rc = method(ctx)
        except Exception as exc:  # noqa: BLE001 - every failure must become an OCF code
            code = getattr(exc, "ocf_code", None)
            if isinstance(exc, ImportError):
                ctx.log.error(f"{action} failed: {exc} (Python module not installed)")
                return codes.ERR_INSTALLED
            if code is None:
                import traceback

                ctx.log.debug(traceback.format_exc())
                ctx.log.error(f"{action} failed: {type(exc).__name__}: {exc}")
                return codes.ERR_GENERIC
            ctx.log.error(getattr(exc, "message", str(exc)))
            return int(code)
        return codes.SUCCESS if rc is None else int(rc)
