"""Agent logging: syslog the way rgmanager's ``clulog`` does, plus stderr.

* Under rgmanager, lines go to syslog with the ident ``rgmanager`` and the text
  prefixed ``[<type>] `` — what ``clulog -m <type>`` writes (rgmanager
  ``src/utils/clulog.c``), e.g. ``rgmanager[812]: [zigha-httpd] Starting Service
  zigha-httpd:web``.  Elsewhere the ident is ``<type>(<instance>)``, like the heartbeat
  agents' ``ha_log`` tag.  Facility ``daemon`` unless ``HA_LOGFACILITY`` names another.
* Errors are also written to stderr as ``ocf-exit-reason:<text>`` (heartbeat
  ``ocf_exit_reason``): Pacemaker shows that line as the reason of a failure, and the
  message stays readable when no syslog daemon runs (postfix hosts, containers).
* Run by hand (stderr is a terminal, nothing says a cluster manager called us, or
  ``HA_debug=1``), every line is echoed to stderr as well.
* rgmanager starts ``meta-data`` with stdin and stderr closed: ``sys.stderr`` is then
  ``None`` and stderr output is silently skipped.

Debug lines are logged only with ``HA_debug=1`` (Pacemaker, ocf-tester ``-d``) or
``ZIGHA_OCF_DEBUG=1``.  Only the C ``syslog`` module is imported: this is on the hot path.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (hot path)
if TYPE_CHECKING:
    from types import ModuleType

_syslog: ModuleType | None
try:
    import syslog as _syslog
except ImportError:  # pragma: no cover - every Linux Python has it
    _syslog = None

_FACILITIES = {
    "daemon": "LOG_DAEMON",
    "user": "LOG_USER",
    "local0": "LOG_LOCAL0",
    "local1": "LOG_LOCAL1",
    "local2": "LOG_LOCAL2",
    "local3": "LOG_LOCAL3",
    "local4": "LOG_LOCAL4",
    "local5": "LOG_LOCAL5",
    "local6": "LOG_LOCAL6",
    "local7": "LOG_LOCAL7",
}
_LEVELS = {"debug": "LOG_DEBUG", "info": "LOG_INFO", "notice": "LOG_NOTICE",
           "warning": "LOG_WARNING", "error": "LOG_ERR"}


class AgentLog:
    """Where one agent invocation logs.  ``records`` keeps every line (for tests)."""

    def __init__(self, type_name: str, instance: str, manager: str, environ, stderr=None,
                 use_syslog: bool = True) -> None:
        self.type_name = type_name
        self.instance = instance
        self.manager = manager
        self.stderr = sys.stderr if stderr is None else stderr
        self.debug_enabled = (environ.get("HA_debug") == "1"
                              or environ.get("ZIGHA_OCF_DEBUG") == "1")
        by_hand = manager == "manual"
        try:
            tty = bool(self.stderr is not None and self.stderr.isatty())
        except (AttributeError, ValueError):
            tty = False
        self.echo = by_hand or tty or self.debug_enabled
        self.records: list = []
        self._syslog = _syslog if use_syslog else None
        if self._syslog is not None:
            if manager == "rgmanager":
                ident, self.prefix = "rgmanager", f"[{type_name}] "
            else:
                ident, self.prefix = f"{type_name}({instance})", ""
            facility = _FACILITIES.get(str(environ.get("HA_LOGFACILITY", "")).lower(), "LOG_DAEMON")
            self._syslog.openlog(ident, self._syslog.LOG_PID, getattr(self._syslog, facility))

    def _emit(self, level: str, message: str) -> None:
        if level == "debug" and not self.debug_enabled:
            return
        self.records.append((level, message))
        if self._syslog is not None:
            try:
                self._syslog.syslog(getattr(self._syslog, _LEVELS[level]), self.prefix + message)
            except (OSError, ValueError):
                pass  # no syslog: stderr below still carries errors
        if self.stderr is None:
            return
        lines = []
        if self.echo:
            lines.append(f"{self.type_name}({self.instance}): {level.upper()}: {message}\n")
        if level == "error":
            lines.append(f"ocf-exit-reason:{message}\n")
        for line in lines:
            try:
                self.stderr.write(line)
                self.stderr.flush()
            except (OSError, ValueError):
                return

    def debug(self, message: str) -> None:
        self._emit("debug", message)

    def info(self, message: str) -> None:
        self._emit("info", message)

    def notice(self, message: str) -> None:
        self._emit("notice", message)

    def warning(self, message: str) -> None:
        self._emit("warning", message)

    def error(self, message: str) -> None:
        """An error: logged, and written to stderr as ``ocf-exit-reason:``."""
        self._emit("error", message)
