"""Helpers every subcommand shares: output as text or JSON, tables, exit codes, progress,
one-line errors and the help layout."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any, Callable, NoReturn

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


def error_line(exc: Any) -> str:
    """The text of ``zigha: error: ...`` for an exception (or a message): always one line."""
    if isinstance(exc, OSError) and exc.filename:
        text = f"{exc.filename}: {exc.strerror or exc}"
    elif isinstance(exc, KeyError) and len(exc.args) == 1:
        text = str(exc.args[0])  # str(KeyError) adds quotes around the message
    else:
        text = str(exc)
    if not text and isinstance(exc, BaseException):
        text = type(exc).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "; ".join(lines)


def print_error(exc: Any, as_json: bool = False) -> None:
    """One line on stderr: ``zigha: error: ...``, or one JSON object with ``--json``."""
    if as_json:
        if hasattr(exc, "to_dict"):
            data = exc.to_dict()
        else:
            data = {"error": type(exc).__name__ if isinstance(exc, BaseException) else "error",
                    "message": error_line(exc)}
        print(json.dumps(data, sort_keys=True), file=sys.stderr)
        return
    print(f"zigha: error: {error_line(exc)}", file=sys.stderr)


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
    """Columns of the terminal; ``COLUMNS`` in the environment wins (as for ls and argparse),
    and output that is not a terminal is laid out for ``default`` columns."""
    return shutil.get_terminal_size((default, 24)).columns


MIN_CELL = 4  # a cut cell keeps at least this many characters (3 and the "…")


def _fit(widths: list, headers: Sequence[str], limit: int, all_columns: bool = True) -> list:
    """Narrow the columns until a row fits ``limit``: the last column first (down to its
    header), then (``all_columns``) always the widest column, one character at a time."""
    widths = list(widths)
    gaps = 2 * (len(widths) - 1)
    excess = sum(widths) + gaps - limit
    if excess <= 0:
        return widths
    floor_last = max(len(headers[-1]), MIN_CELL)
    cut = min(excess, max(widths[-1] - floor_last, 0))
    widths[-1] -= cut
    excess -= cut
    floors = [max(min(len(h), w), MIN_CELL) for h, w in zip(headers, widths)]
    while excess > 0 and all_columns:
        candidates = [i for i, w in enumerate(widths) if w > floors[i]]
        if not candidates:
            break  # as narrow as the headers allow: wider than the terminal, but readable
        widest = max(candidates, key=lambda i: (widths[i], i))
        widths[widest] -= 1
        excess -= 1
    return widths


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str], width: int | None = None) -> str:
    """A plain text table sized to ``width`` (default: the terminal): when it is too wide the
    last column is cut first, then the widest ones; a cut cell ends with "…".

    Without ``width``, only the last column is cut unless someone looks at it: stdout is a
    terminal or ``COLUMNS`` is set.  Piped output keeps names and addresses whole for grep.
    """
    rows = [["" if c is None else str(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    looked_at = "COLUMNS" in os.environ or (hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
    widths = _fit(widths, headers, width or terminal_width(), all_columns=bool(width) or looked_at)

    def cut(cell: str, w: int) -> str:
        return cell if len(cell) <= w else cell[: max(w - 1, 0)] + "…"

    def line(cells: Sequence[str]) -> str:
        parts = [cut(c, w).ljust(w) for c, w in zip(cells, widths)]
        return "  ".join(parts).rstrip()

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


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Wraps long prose lines to the terminal, keeps indented lines (tables of exit codes,
    event grammars, examples) exactly as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        out = []
        for raw in text.splitlines():
            if raw[:1].isspace() or len(indent + raw) <= width or not raw.strip():
                out.append(indent + raw)
            else:
                out.append(textwrap.fill(raw, width, initial_indent=indent,
                                         subsequent_indent=indent))
        return "\n".join(out)


class ArgumentParser(argparse.ArgumentParser):
    """argparse with zigha's error style: one line, ``zigha: error: ...``, exit 2."""

    def error(self, message: str) -> NoReturn:
        where = self.prog.partition(" ")[2]
        prefix = f"{where}: " if where else ""
        self.exit(EXIT_BAD_INPUT, f"zigha: error: {prefix}{message} "
                                  f"(see '{self.prog} --help')\n")
