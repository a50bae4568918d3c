"""The one place where zigha starts processes.

Every external command — clustat, clusvcadm, cman_tool, ipvsadm, fence_ack_manual, the
daemons the agents manage — goes through a :class:`Runner`.  A runner runs a command and
returns a :class:`Result`; it never decides what an exit status means (the tool wrappers
do that) and raises only when the program cannot be started or does not finish in time.

Tests replace it with :class:`zigha.testing.FakeRunner`, which answers from real captured
outputs and checks the exact argv.

>>> from zigha.runner import LocalRunner
>>> LocalRunner().run(["true"]).rc        # doctest: +SKIP
0

The local runner:

* resolves the program through :mod:`zigha.tools` (absolute paths, no ``PATH``);
* runs it with a minimal, fixed environment (``LC_ALL=C`` so messages are the ones the
  parsers know, a fixed ``PATH`` for the tool's own children) plus what the caller adds;
* closes stdin unless text is given (clusvcadm and ``cman_tool version -r`` would otherwise
  wait on a prompt forever);
* enforces a timeout (default 60 s) and then kills the program;
* logs argv, exit status and both outputs at debug level, with secrets masked.

``sh`` does the work; it is imported on first use and none of its types leave this module.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Protocol

import attrs

from zigha import tools
from zigha.converters import to_tuple
from zigha.errors import CommandTimeout, ToolNotFound

log = logging.getLogger("zigha.runner")

DEFAULT_TIMEOUT = 60.0
BASE_ENV = {
    "LC_ALL": "C",
    "LANG": "C",
    "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
}
SECRET_MARKERS = ("passw", "secret", "token", "key=")
#: sh raises on any exit code not listed: a non-zero rc is an answer, not an error
EVERY_EXIT_CODE = tuple(range(256))


@attrs.frozen
class Result:
    """What a command did: its argv, exit status, both outputs and how long it took.

    ``rc`` is negative when the program was killed by a signal (``-9`` for SIGKILL).
    """

    argv: tuple[str, ...] = attrs.field(converter=to_tuple)
    rc: int
    stdout: str = ""
    stderr: str = ""
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        return self.rc == 0


class Runner(Protocol):
    """Anything that can run a command: :class:`LocalRunner` or a test fake."""

    def run(
        self,
        argv: Sequence[str],
        *,
        stdin: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        cwd: str | None = None,
    ) -> Result: ...


def mask(argv: Sequence[str]) -> list[str]:
    """argv with anything that looks like a secret replaced by ``[set]`` (for logs)."""
    masked = []
    hide_next = False
    for arg in argv:
        if hide_next:
            masked.append("[set]")
            hide_next = False
            continue
        low = arg.lower()
        if any(marker in low for marker in SECRET_MARKERS):
            if "=" in arg:
                masked.append(arg.split("=", 1)[0] + "=[set]")
            else:
                masked.append(arg)
                hide_next = arg.startswith("-")
            continue
        masked.append(arg)
    return masked


def _decode(data: object) -> str:
    if data is None:
        return ""
    if isinstance(data, bytes):
        return data.decode("utf-8", errors="replace")
    return str(data)


class LocalRunner:
    """Runs commands on this machine.  ``environ`` supplies tool overrides (tests)."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = environ

    def resolve(self, program: str) -> str:
        path = tools.find(program, self.environ)
        if path is None:
            raise ToolNotFound(
                f"{program}: not installed (looked in {', '.join(tools.SEARCH_DIRS)})",
                argv=[program],
                hint=f"install it or set {tools.env_name(program)}",
            )
        return path

    def run(
        self,
        argv: Sequence[str],
        *,
        stdin: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        cwd: str | None = None,
    ) -> Result:
        import sh  # deferred: admin scripts that only parse never pay for it

        if not argv:
            raise ValueError("empty argv")
        program = self.resolve(argv[0])
        full = (program, *argv[1:])
        child_env = dict(BASE_ENV)
        if env:
            child_env.update(env)
        limit = DEFAULT_TIMEOUT if timeout is None else timeout
        log.debug("run %s (timeout %ss)", " ".join(mask(full)), limit)
        start = time.monotonic()
        try:
            proc = sh.Command(program)(
                *full[1:],
                _in=stdin if stdin is not None else "",
                _env=child_env,
                _cwd=cwd,
                _timeout=limit,
                _ok_code=EVERY_EXIT_CODE,
                _tty_out=False,
                _tty_in=False,
                _out_bufsize=1 << 20,  # sh's default line buffering costs ~30x on large outputs
                _err_bufsize=1 << 20,
                _return_cmd=True,
            )
            rc, out, err = proc.exit_code, proc.stdout, proc.stderr
        except sh.TimeoutException as exc:
            raise CommandTimeout(
                f"{argv[0]}: no answer within {limit:g} s, killed",
                argv=full,
                timeout=limit,
            ) from exc
        except sh.SignalException as exc:
            rc, out, err = exc.exit_code, exc.stdout, exc.stderr
        except sh.CommandNotFound as exc:  # vanished between resolve and exec
            raise ToolNotFound(f"{program}: cannot be executed", argv=full) from exc
        except PermissionError as exc:
            raise ToolNotFound(f"{program}: permission denied", argv=full) from exc
        result = Result(full, rc, _decode(out), _decode(err), time.monotonic() - start)
        log.debug(
            "rc=%s in %.3fs stdout=%r stderr=%r",
            result.rc,
            result.duration,
            result.stdout[:2000],
            result.stderr[:2000],
        )
        return result


_default: Runner | None = None


def default_runner() -> Runner:
    """The process-wide runner (a :class:`LocalRunner` unless :func:`set_default_runner`)."""
    global _default
    if _default is None:
        _default = LocalRunner()
    return _default


def set_default_runner(runner: Runner | None) -> None:
    """Replace the process-wide runner (``None`` restores a fresh LocalRunner)."""
    global _default
    _default = runner
