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

Errors are printed as one line, ``zigha: error: ...``; ``--debug`` shows the traceback
and the argv of every command run.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from typing import Optional, Sequence

from zigha.cli.common import EXIT_CODES_HELP, exit_code_for, print_error

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run a Red Hat Cluster Suite (cman + rgmanager) cluster and an LVS "
        "director from the command line.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks and every command run")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in _area_modules():
        module.register(sub)
    return parser


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("zigha")
    except Exception:
        return "unknown"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    try:
        import argcomplete  # type: ignore[import-not-found]

        argcomplete.autocomplete(parser)
    except ImportError:
        pass
    args = parser.parse_args(argv)
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
    except Exception as exc:  # one clear line unless --debug
        if args.debug:
            raise
        print_error(exc, as_json=getattr(args, "json", False))
        return exit_code_for(exc)
    return int(rc or 0)


if __name__ == "__main__":
    sys.exit(main())
