"""Helpers every subcommand shares: output as text or JSON, tables, exit codes, progress."""

from __future__ import annotations

import json
import os
import shutil
import sys
from typing import Any, Callable, Iterable, Optional, Sequence

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_TOOL = 3
EXIT_TIMEOUT = 4

EXIT_CODES_HELP = """exit codes:
  0  success
  1  the operation failed or found errors
  2  bad input (usage, unreadable or malformed file, unknown name)
  3  an external tool failed or is missing
  4  timeout: outcome unknown, check the state again"""


def exit_code_for(exc: BaseException) -> int:
    """The documented exit code for an exception that reached the command line."""
    from zigha import errors

    if isinstance(exc, errors.CommandTimeout):
        return EXIT_TIMEOUT
    if isinstance(exc, (errors.ConfigError, errors.ParseError, FileNotFoundError,
                        IsADirectoryError, PermissionError, ValueError, KeyError)):
        return EXIT_BAD_INPUT
    if isinstance(exc, errors.CommandError):
        return getattr(exc, "exit_code", EXIT_TOOL)
    if isinstance(exc, errors.ValidationError):
        return EXIT_FAILED
    if isinstance(exc, errors.ZighaError):
        return getattr(exc, "exit_code", EXIT_FAILED)
    return EXIT_FAILED


def print_error(exc: Any, as_json: bool = False) -> None:
    if as_json and hasattr(exc, "to_dict"):
        print(json.dumps(exc.to_dict(), sort_keys=True), file=sys.stderr)
        return
    text = str(exc) if not isinstance(exc, OSError) or not exc.filename else (
        f"{exc.filename}: {exc.strerror or exc}"
    )
    print(f"zigha: error: {text}", file=sys.stderr)


def add_json_flag(parser: Any) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def to_jsonable(value: Any) -> Any:
    """attrs objects (through ``to_dict()`` when they have it), enums, paths -> JSON data."""
    if hasattr(value, "to_dict"):
        return to_jsonable(value.to_dict())
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "value") and hasattr(value, "name") and type(value).__module__ != "builtins":
        return value.value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    import attrs

    if attrs.has(type(value)):
        return to_jsonable(attrs.asdict(value, recurse=False))
    return value


def print_json(data: Any) -> None:
    print(json.dumps(to_jsonable(data), indent=2, sort_keys=False))


def emit(args: Any, data: Any, render_text: Callable[[Any], str]) -> None:
    """Print ``data`` as JSON with ``--json``, else as the text ``render_text`` makes."""
    if getattr(args, "json", False):
        print_json(data)
    else:
        text = render_text(data)
        if text:
            print(text)


def terminal_width(default: int = 80) -> int:
    return shutil.get_terminal_size((default, 24)).columns


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str], width: Optional[int] = None) -> str:
    """A plain text table; the last column is cut to fit the terminal width."""
    rows = [["" if c is None else str(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    limit = width or terminal_width()
    fixed = sum(widths[:-1]) + 2 * (len(widths) - 1)
    if fixed + widths[-1] > limit:
        widths[-1] = max(len(headers[-1]), limit - fixed)

    def line(cells: Sequence[str]) -> str:
        parts = [c.ljust(w) for c, w in zip(cells[:-1], widths[:-1])]
        last = cells[-1]
        if len(last) > widths[-1]:
            last = last[: max(widths[-1] - 1, 0)] + "…"
        return "  ".join(parts + [last]).rstrip()

    out = [line(list(headers)), line(["-" * w for w in widths])]
    out.extend(line(r) for r in rows)
    return "\n".join(out)


class Progress:
    """One status line rewritten in place on a terminal, appended lines otherwise."""

    def __init__(self, stream: Any = None, enabled: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last = ""

    def __call__(self, text: str) -> None:
        if not self.enabled or text == self._last:
            return
        self._last = text
        if self.tty:
            self.stream.write("\r\033[K" + text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.enabled and self.tty and self._last:
            self.stream.write("\n")
            self.stream.flush()
