"""``zigha help [COMMAND...]`` and ``zigha manpage``: the reference, made from the parser.

``zigha help`` prints the top-level help followed by every command of the tree with its
one-line summary; ``zigha help conf show`` is ``zigha conf show --help``.  ``zigha manpage``
prints the same tree as a man(7) page (NAME, SYNOPSIS, DESCRIPTION, COMMANDS, EXIT STATUS,
ENVIRONMENT, SEE ALSO) to install as zigha.1 or read with ``zigha manpage | man -l -``.
"""

from __future__ import annotations

import argparse
from typing import Any

from zigha.cli.common import EXIT_CODES_HELP, EXIT_OK, HelpFormatter

ORDER = 90

SEE_ALSO = ("clustat(8)", "clusvcadm(8)", "cman_tool(8)", "ccs(8)", "ccs_config_validate(8)",
            "fence_ack_manual(8)", "fence_tool(8)", "ipvsadm(8)", "crm_mon(8)", "pcs(8)")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "help", help="help on a command (zigha help conf show), or every command",
        description="Without COMMAND: the overall help and every command with its summary. "
        "With COMMAND: that command's full help, as COMMAND --help prints it.")
    parser.add_argument("topic", nargs="*", metavar="COMMAND", help="e.g. conf show")
    parser.set_defaults(func=cmd_help)

    parser = subparsers.add_parser(
        "manpage", help="print the manual page (roff): zigha manpage | man -l -",
        description="Print zigha(1) in man(7) format, made from the same option tree as "
        "--help. Install it with: zigha manpage > /usr/local/share/man/man1/zigha.1")
    parser.set_defaults(func=cmd_manpage)


def _root() -> argparse.ArgumentParser:
    from zigha.cli.main import build_parser

    return build_parser()


def find(parser: argparse.ArgumentParser, words: list) -> argparse.ArgumentParser:
    """The parser of the command path ``words`` (``["conf", "show"]``)."""
    from zigha.cli.main import walk

    wanted = tuple(words)
    if not wanted:
        return parser
    for path, child in walk(parser):
        if path == wanted:
            return child
    raise ValueError(f"no command {' '.join(words)!r} (see 'zigha help')")


def overview(parser: argparse.ArgumentParser) -> str:
    """Every command of the tree, indented by depth, with its one-line help."""
    from zigha.cli.main import subcommand_help, walk

    rows = []
    for path, _child in walk(parser):
        parent = find(parser, list(path[:-1]))
        summary = subcommand_help(parent).get(path[-1], "")
        rows.append(("  " * len(path) + path[-1], summary))
    width = max(len(name) for name, _ in rows) + 2
    return "\n".join(f"{name.ljust(width)}{summary}".rstrip() for name, summary in rows)


def cmd_help(args: argparse.Namespace) -> int:
    root = _root()
    target = find(root, args.topic)
    if args.topic:
        print(target.format_help(), end="")
    else:
        print(root.format_help())
        print("commands (zigha help COMMAND for one of them):")
        print(overview(root))
    return EXIT_OK


# -- roff -----------------------------------------------------------------------------------


def roff_escape(text: str) -> str:
    """Plain text for a roff text line: backslashes, dashes, leading control characters."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    if text[:1] in (".", "'"):
        text = "\\&" + text
    return text


def _text_lines(text: str) -> list:
    """Prose paragraphs filled by man, indented blocks kept as they are (.nf)."""
    out: list = []
    block = False
    for line in text.strip("\n").splitlines():
        indented = line[:1].isspace()
        if not line.strip():
            if block:
                out.append(".fi")
                block = False
            out.append(".PP")
            continue
        if indented and not block:
            out += [".nf"]
            block = True
        elif not indented and block:
            out.append(".fi")
            block = False
        out.append(roff_escape(line))
    if block:
        out.append(".fi")
    return out


def usage_line(parser: argparse.ArgumentParser) -> str:
    formatter = HelpFormatter(parser.prog, width=10_000)
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups,
                        prefix="")
    return " ".join(formatter.format_help().split())


def _option_lines(parser: argparse.ArgumentParser) -> list:
    formatter = HelpFormatter(parser.prog)
    out: list = []
    for action in parser._actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._SubParsersAction):
            continue
        if isinstance(action, argparse._HelpAction) or action.dest == "debug":
            continue  # said once, in the top-level options
        if action.option_strings:
            head = ", ".join(f"\\fB{roff_escape(o)}\\fR" for o in action.option_strings)
            if action.nargs != 0:
                metavar = formatter._format_args(action, action.dest.upper())
                head += f" \\fI{roff_escape(metavar)}\\fR"
        else:
            head = f"\\fI{roff_escape(formatter._metavar_formatter(action, action.dest)(1)[0])}\\fR"
        out += [".TP", head, roff_escape(formatter._expand_help(action) if action.help else "")]
    return out


def manpage(parser: argparse.ArgumentParser, version: str = "") -> str:
    """zigha(1) in man(7) roff."""
    from zigha.cli.main import subcommand_help, walk

    lines = [
        f'.TH ZIGHA 1 "" "zigha {roff_escape(version)}" "User Commands"',
        ".SH NAME",
        "zigha \\- " + roff_escape(parser.description or "").rstrip("."),
        ".SH SYNOPSIS",
        ".B zigha",
        "[\\fB\\-\\-debug\\fR] [\\fB\\-\\-version\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]",
        ".SH DESCRIPTION",
        roff_escape(parser.description or ""),
        "Every read command takes \\fB\\-\\-json\\fR; errors are one line "
        "\\(lqzigha: error: ...\\(rq on standard error, with the traceback only under "
        "\\fB\\-\\-debug\\fR (accepted anywhere on the command line).",
        ".SS Options",
        ".TP", "\\fB\\-\\-debug\\fR", "show tracebacks and every command run",
        ".TP", "\\fB\\-\\-version\\fR", "print the version and exit",
        ".TP", "\\fB\\-h\\fR, \\fB\\-\\-help\\fR", "help of zigha or of any COMMAND",
        ".SH COMMANDS",
    ]
    for path, child in walk(parser):
        parent_help = subcommand_help(find(parser, list(path[:-1]))).get(path[-1], "")
        lines += [f'.SS "{roff_escape(" ".join(("zigha",) + path))}"',
                  ".nf",
                  roff_escape(usage_line(child)), ".fi", ".PP"]
        lines += _text_lines(child.description or parent_help)
        lines += _option_lines(child)
        epilog = (child.epilog or "").replace(EXIT_CODES_HELP, "").strip()
        if epilog:
            lines += [".PP"] + _text_lines(epilog)
    lines += [".SH EXIT STATUS"]
    lines += _text_lines(EXIT_CODES_HELP.partition("\n")[2])
    lines += [".PP", "Some commands refine these (see their own section): "
              "\\fBconf validate\\fR and \\fBconf diff\\fR exit 1 on errors or differences, "
              "\\fBstatus query\\fR answers with 0 or 1."]
    lines += [
        ".SH ENVIRONMENT",
        ".TP", ".B COLUMNS",
        "width of tables and help text (default: the terminal's, 80 when not a terminal)",
        ".SH FILES",
        ".TP", ".I /etc/cluster/cluster.conf",
        "the cluster configuration read and written by \\fBzigha conf\\fR",
        ".SH SEE ALSO",
        ", ".join(f"\\fB{name.split('(')[0]}\\fR({name.split('(')[1]}" for name in SEE_ALSO),
    ]
    return "\n".join(line for line in lines if line != "") + "\n"


def cmd_manpage(args: argparse.Namespace) -> int:
    from zigha.cli.main import _version

    print(manpage(_root(), _version()), end="")
    return EXIT_OK
