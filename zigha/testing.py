"""Runners that answer from captured outputs, for tests and for the offline demo.

:class:`FakeRunner` is strict: a test lists the calls it expects, in order, each with the
exact argv (the first element may be the short tool name), optionally the exact stdin,
and the answer (text or a capture file, exit status).  A different argv or stdin, a call
too many, or a call left over at the end fails loudly with both sides shown::

    fake = FakeRunner()
    fake.expect(["clustat", "-x"], stdout_file=REFERENCE / "samples/clustat-xml-01.xml")
    status = zigha.status.clustat(runner=fake)
    fake.assert_done()

:class:`CannedRunner` is lenient: it answers any number of calls, in any order, from a
table keyed by argv.  The demo uses it to show a live-looking cluster without one.

Both record every call in ``.calls`` (argv, stdin, env, timeout).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Union

import attrs

from zigha.errors import CommandTimeout, ToolNotFound
from zigha.runner import Result

PathLike = Union[str, "os.PathLike[str]"]


@attrs.frozen
class Call:
    """One call a runner received."""

    argv: tuple[str, ...]
    stdin: str | None = None
    env: Mapping[str, str] | None = None
    timeout: float | None = None
    cwd: str | None = None


#: what :class:`CannedRunner` answers: ``(rc, stdout, stderr)`` or a callable giving one
CannedAnswer = Union[tuple[int, str, str], Callable[[Call], tuple[int, str, str]]]


@attrs.frozen
class Expected:
    argv: tuple[str, ...]
    stdin: str | None
    check_stdin: bool
    rc: int
    stdout: str
    stderr: str
    raises: BaseException | None


class UnexpectedCall(AssertionError):
    """The code under test ran a command the test did not expect."""


def _short(argv: Sequence[str]) -> tuple[str, ...]:
    """argv with the program reduced to its base name, so tests may write short names."""
    if not argv:
        return ()
    return (os.path.basename(argv[0]), *argv[1:])


def _read(text: str | None, file: PathLike | None) -> str:
    if file is not None:
        return Path(file).read_text(encoding="utf-8", errors="replace")
    return text or ""


class FakeRunner:
    """Strict expected-call queue.  See the module docstring."""

    def __init__(self) -> None:
        self._queue: list[Expected] = []
        self.calls: list[Call] = []

    def expect(
        self,
        argv: Sequence[str],
        *,
        stdout: str = "",
        stderr: str = "",
        rc: int = 0,
        stdout_file: PathLike | None = None,
        stderr_file: PathLike | None = None,
        stdin: str | None = None,
        check_stdin: bool | None = None,
        raises: BaseException | None = None,
        times: int = 1,
    ) -> FakeRunner:
        """Queue ``times`` identical expected calls; returns self for chaining.

        ``stdin`` is compared exactly when given (or when ``check_stdin`` is true, in
        which case ``None`` means "no stdin").  ``raises`` makes the call raise instead
        of returning (e.g. :class:`~zigha.errors.CommandTimeout`); use :meth:`timeout`.
        """
        entry = Expected(
            argv=_short(argv),
            stdin=stdin,
            check_stdin=(stdin is not None) if check_stdin is None else check_stdin,
            rc=rc,
            stdout=_read(stdout, stdout_file),
            stderr=_read(stderr, stderr_file),
            raises=raises,
        )
        self._queue.extend([entry] * times)
        return self

    def timeout(self, argv: Sequence[str], seconds: float = 1.0) -> FakeRunner:
        """Queue a call that times out the way LocalRunner reports it."""
        err = CommandTimeout(
            f"{argv[0]}: no answer within {seconds:g} s, killed", argv=argv, timeout=seconds
        )
        return self.expect(argv, raises=err)

    def missing(self, argv: Sequence[str]) -> FakeRunner:
        """Queue a call whose program is not installed."""
        return self.expect(argv, raises=ToolNotFound(f"{argv[0]}: not installed", argv=argv))

    def run(
        self,
        argv: Sequence[str],
        *,
        stdin: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        cwd: str | None = None,
    ) -> Result:
        call = Call(tuple(argv), stdin, env, timeout, cwd)
        self.calls.append(call)
        got = _short(argv)
        if not self._queue:
            raise UnexpectedCall(f"unexpected call {list(got)} (no more calls expected)")
        want = self._queue.pop(0)
        if got != want.argv:
            raise UnexpectedCall(f"argv differs:\n  expected {list(want.argv)}\n  got      {list(got)}")
        if want.check_stdin and stdin != want.stdin:
            raise UnexpectedCall(
                f"stdin differs for {list(got)}:\n  expected {want.stdin!r}\n  got      {stdin!r}"
            )
        if want.raises is not None:
            raise want.raises
        return Result(tuple(argv), want.rc, want.stdout, want.stderr, 0.0)

    @property
    def pending(self) -> list[tuple[str, ...]]:
        return [e.argv for e in self._queue]

    def assert_done(self) -> None:
        """Fail when expected calls were never made."""
        if self._queue:
            raise AssertionError(f"expected calls not made: {[list(a) for a in self.pending]}")


class CannedRunner:
    """Answers any call whose (short) argv is in the table; unknown calls fail.

    ``answers`` maps an argv tuple to a :class:`Result`-like triple ``(rc, stdout, stderr)``
    or to a callable taking the :class:`Call` and returning such a triple.
    """

    def __init__(self, answers: Mapping[tuple[str, ...], CannedAnswer] | None = None) -> None:
        self.answers: dict[tuple[str, ...], CannedAnswer] = dict(answers or {})
        self.calls: list[Call] = []

    def add(self, argv: Sequence[str], stdout: str = "", rc: int = 0, stderr: str = "") -> None:
        self.answers[_short(argv)] = (rc, stdout, stderr)

    def run(
        self,
        argv: Sequence[str],
        *,
        stdin: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        cwd: str | None = None,
    ) -> Result:
        call = Call(tuple(argv), stdin, env, timeout, cwd)
        self.calls.append(call)
        key = _short(argv)
        if key not in self.answers:
            raise UnexpectedCall(f"no canned answer for {list(key)}")
        answer = self.answers[key]
        if callable(answer):
            answer = answer(call)
        rc, out, err = answer
        return Result(tuple(argv), rc, out, err, 0.0)
