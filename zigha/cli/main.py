# PYTHON_ARGCOMPLETE_OK
"""Entry point of the ``zigha`` command.

Exit codes (every subcommand):

====  ==========================================================================
0     success (for checks: everything is as asked)
1     the operation ran and failed, or found errors (validation findings, a failed
      service operation, a state that is not the one asked for)
2     bad input: usage error, unreadable or malformed file, unknown name
3     an external tool failed or is missing
4     timeout: the outcome is unknown (check the state again)
====  ==========================================================================

Errors are printed as one line, ``zigha: error: ...`` (usage errors too); ``--debug``
(anywhere on the command line) shows the traceback and the argv of every command run.

Every parser in the tree gets the same help layout and, unless its area documents its own,
the exit-code table above; ``zigha help``, ``zigha manpage`` and ``zigha completion`` are
generated from this same tree (zigha/cli/manpage.py, zigha/cli/completion.py).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import sys
import traceback
from collections.abc import Sequence

from zigha.cli.common import (
    EXIT_CODES_HELP,
    ArgumentParser,
    HelpFormatter,
    exit_code_for,
    print_error,
)

PROG = "zigha"


def _area_modules() -> list:
    import zigha.cli as package

    modules = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name in ("main", "common") or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"zigha.cli.{info.name}")
        if hasattr(module, "register"):
            modules.append(module)
    modules.sort(key=lambda m: (getattr(m, "ORDER", 100), m.__name__))
    return modules


DESCRIPTION = ("Run a Red Hat Cluster Suite (cman + rgmanager) cluster and an LVS "
               "director from the command line.")


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EXIT_CODES_HELP,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks and every command run")
    parser.add_argument("--version", action=_VersionAction, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in _area_modules():
        module.register(sub)
    for _, child in walk(parser):
        _uniform(child)
    return parser


def walk(parser: argparse.ArgumentParser, path: tuple = ()):
    """Every parser below ``parser`` (itself excluded), depth first, with its command path:
    ``(("conf",), conf_parser), (("conf", "show"), show_parser), ...``.  Aliases are skipped."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            seen: set = set()
            for name, child in action.choices.items():
                if id(child) in seen:
                    continue
                seen.add(id(child))
                yield path + (name,), child
                yield from walk(child, path + (name,))


def subcommand_help(parser: argparse.ArgumentParser) -> dict:
    """``{name: one-line help}`` of the subcommands directly below ``parser``."""
    helps: dict = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                helps[choice.dest] = choice.help or ""
    return helps


def _uniform(parser: argparse.ArgumentParser) -> None:
    """Same help layout, exit codes and --debug on every subcommand."""
    parser.formatter_class = HelpFormatter
    if "exit codes" not in (parser.epilog or ""):
        parser.epilog = f"{parser.epilog}\n\n{EXIT_CODES_HELP}" if parser.epilog else EXIT_CODES_HELP
    if "--debug" not in parser._option_string_actions:
        # SUPPRESS: given after the subcommand it sets True, absent it leaves the top default
        parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                            help="show tracebacks and every command run")


def _command_parser(parser: argparse.ArgumentParser, argv: list) -> argparse.ArgumentParser:
    """The parser of the deepest command named in ``argv`` (for errors that argparse
    reports from the top: unrecognized arguments belong to the subcommand)."""
    current = parser
    for word in argv:
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction) and word in action.choices:
                current = action.choices[word]
                break
    return current


class _VersionAction(argparse.Action):
    """--version, reading the installed version only when asked (importlib.metadata costs
    about 10 ms at every start otherwise)."""

    def __init__(self, option_strings: list, dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest, default=default, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        parser.exit(message=f"{parser.prog} {_version()}\n")


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("zigha")
    except Exception:
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    if "_ARGCOMPLETE" in os.environ:  # a completion request from argcomplete's shell hook
        try:
            import argcomplete

            argcomplete.autocomplete(parser)
        except ImportError:
            pass
    args, extras = parser.parse_known_args(argv)
    if extras:
        _command_parser(parser, sys.argv[1:] if argv is None else list(argv)).error(
            f"unrecognized arguments: {' '.join(extras)}")
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="zigha: %(levelname)s: %(message)s",
    )
    try:
        rc = args.func(args)
    except KeyboardInterrupt:
        print_error("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except SystemExit:
        raise
    except Exception as exc:  # one clear line; --debug adds the traceback, same exit code
        if args.debug:
            traceback.print_exc()
        print_error(exc, as_json=getattr(args, "json", False))
        return exit_code_for(exc)
    return int(rc or 0)


if __name__ == "__main__":
    sys.exit(main())
