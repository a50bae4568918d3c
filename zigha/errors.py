"""One exception hierarchy for everything zigha raises.

Every error says *what* went wrong and, where it knows, *where*: the file, line and
column of a config, the element path inside it, the tool and the line of its output,
or the command line that was run.  ``str(err)`` renders all of that as one line, which
is what the CLI prints::

    ZighaError
    ├── ConfigError          cluster.conf cannot be read, is unsafe, or an edit is refused
    │   ├── EditError        an edit would break the config (duplicate node, dangling ref, ...)
    │   └── SaveConflictError  the file changed on disk since it was loaded
    ├── ValidationError      the config has errors (carries every finding)
    ├── ParseError           a tool printed something the parser cannot read
    ├── CommandError         a command failed (argv, exit status, stdout, stderr)
    │   ├── ToolNotFound     the executable is not installed where zigha looks
    │   └── CommandTimeout   the command did not finish in time
    └── AgentError           a resource agent cannot do what it was asked

Tool wrappers raise subclasses of CommandError that name the tool's own failure
(for example a service that does not exist), so callers can catch exactly that.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class ZighaError(Exception):
    """Root of every error zigha raises.

    Keyword arguments locate the problem; all are optional:
    ``file`` (path), ``line`` and ``column`` (1-based), ``path`` (an element path such as
    ``/cluster/rm/service[@name='http']``) and ``hint`` (what to do about it).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        path: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = None if file is None else str(file)
        self.line = line
        self.column = column
        self.path = path
        self.hint = hint

    def location(self) -> str:
        """``file:line:column`` (the parts that are known), or an empty string."""
        parts = []
        if self.file:
            parts.append(self.file)
        if self.line is not None:
            if not parts:
                parts.append("line")
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        text = self.message
        if self.path:
            text = f"{self.path}: {text}"
        where = self.location()
        if where:
            text = f"{where}: {text}"
        if self.hint:
            text = f"{text} ({self.hint})"
        return text

    def to_dict(self) -> dict[str, Any]:
        """The error as plain data, for ``--json`` output."""
        data: dict[str, Any] = {"error": type(self).__name__, "message": self.message}
        for key in ("file", "line", "column", "path", "hint"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


class ConfigError(ZighaError):
    """cluster.conf (or another config file) cannot be read, is unsafe, or is refused."""


class EditError(ConfigError):
    """An edit was refused because it would break the configuration."""


class SaveConflictError(ConfigError):
    """The file on disk changed since it was loaded; saving would lose that change."""


class ValidationError(ZighaError):
    """A configuration has errors.  ``findings`` holds every problem found, not just one."""

    def __init__(self, message: str, findings: Sequence[Any] = (), **where: Any) -> None:
        super().__init__(message, **where)
        self.findings = list(findings)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["findings"] = [
            f.to_dict() if hasattr(f, "to_dict") else str(f) for f in self.findings
        ]
        return data


class ParseError(ZighaError):
    """Tool output (or another foreign text) that the parser cannot read.

    ``tool`` names what printed it (``clustat -x``, ``ipvsadm -L -n``); ``line`` is the
    1-based line number and ``excerpt`` the offending text.
    """

    def __init__(
        self,
        message: str,
        *,
        tool: str | None = None,
        excerpt: str | None = None,
        **where: Any,
    ) -> None:
        super().__init__(message, **where)
        self.tool = tool
        self.excerpt = excerpt

    def __str__(self) -> str:
        text = super().__str__()
        if self.tool:
            text = f"{self.tool}: {text}"
        if self.excerpt is not None:
            text = f"{text}: {self.excerpt!r}"
        return text

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        if self.tool:
            data["tool"] = self.tool
        if self.excerpt is not None:
            data["excerpt"] = self.excerpt
        return data


class CommandError(ZighaError):
    """A command ran and failed.  Carries ``argv``, ``rc``, ``stdout`` and ``stderr``."""

    def __init__(
        self,
        message: str,
        *,
        argv: Sequence[str] = (),
        rc: int | None = None,
        stdout: str = "",
        stderr: str = "",
        **where: Any,
    ) -> None:
        super().__init__(message, **where)
        self.argv = tuple(argv)
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr

    @classmethod
    def from_result(cls, message: str, result: Any, **extra: Any) -> CommandError:
        """Build the error from a :class:`zigha.runner.Result`."""
        return cls(
            message,
            argv=result.argv,
            rc=result.rc,
            stdout=result.stdout,
            stderr=result.stderr,
            **extra,
        )

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data.update(argv=list(self.argv), rc=self.rc)
        if self.stderr:
            data["stderr"] = self.stderr
        return data


class ToolNotFound(CommandError):
    """The executable is not installed in any of the places zigha looks."""


class CommandTimeout(CommandError):
    """The command did not finish within its timeout and was killed.

    ``timeout`` is the limit in seconds.  For tools whose request goes on after the
    client is killed (clusvcadm), the outcome is unknown: check the state again.
    """

    def __init__(self, message: str, *, timeout: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.timeout = timeout


class AgentError(ZighaError):
    """A resource agent cannot do what it was asked.  ``ocf_code`` is the exit code to use."""

    def __init__(self, message: str, ocf_code: int = 1, **where: Any) -> None:
        super().__init__(message, **where)
        self.ocf_code = ocf_code
