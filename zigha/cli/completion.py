"""``zigha completion bash|zsh``: a shell completion script made from the argparse tree.

No runtime dependency: the script carries the tree (subcommands, options, which options
take a value, which arguments are files, directories or a fixed choice) as plain shell
``case`` tables, so completing costs no Python start.  When argcomplete is installed,
``zigha`` also answers argcomplete's protocol (``register-python-argcomplete zigha``);
main.py hooks it in.

Both shells share one walker, ``_zigha_candidates WORD... CURRENT``, written in the common
subset of bash and zsh: it prints the kind of completion (``words``, ``files``, ``dirs`` or
``none``) on the first line and the candidate words after it.  The per-shell wrappers only
turn that into COMPREPLY (bash) or compadd/_files (zsh).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any

from zigha.cli.common import EXIT_OK

ORDER = 95

SHELLS = ("bash", "zsh")

# dests/metavars that name a file or a directory (argparse cannot tell a path from a word)
FILE_DESTS = {"file", "old", "new", "conf", "lvs_cf", "source", "schema", "config", "cib",
              "pcs_script", "held_file", "status", "python"}
DIR_DESTS = {"dir", "prefix", "rgmanager_dir", "ocf_dir"}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "completion", help="print a bash or zsh completion script",
        description="Print a completion script for SHELL, made from this command's own "
        "option tree. bash: eval \"$(zigha completion bash)\" in ~/.bashrc, or save it as "
        "/etc/bash_completion.d/zigha. zsh: save it as _zigha in a directory of $fpath, or "
        "eval \"$(zigha completion zsh)\" after compinit.")
    parser.add_argument("shell", choices=SHELLS, help="bash or zsh")
    parser.set_defaults(func=cmd_completion)


def cmd_completion(args: argparse.Namespace) -> int:
    from zigha.cli.main import build_parser

    print(completion_script(build_parser(), args.shell), end="")
    return EXIT_OK


def value_kind(action: argparse.Action) -> str:
    """What the value of an option or positional is: ``choice:A B``, ``file``, ``dir`` or
    ``value`` (free text: nothing to offer)."""
    if action.choices and not isinstance(action, argparse._SubParsersAction):
        return "choice:" + " ".join(str(c) for c in action.choices)
    names = {action.dest.lower(), str(action.metavar or "").lower()}
    if names & DIR_DESTS or any("dir" in n for n in names if n.isupper()):
        return "dir"
    metavar = str(action.metavar or "")
    if names & FILE_DESTS or any(w in metavar for w in ("FILE", "CONF", "RNG", ".xml", ".sh")):
        return "file"
    return "value"


def takes_value(action: argparse.Action) -> bool:
    """Whether an option consumes the next word (``nargs='?'`` options are taken not to:
    a completer cannot know)."""
    return action.nargs not in (0, "?") and bool(action.option_strings)


def tree(parser: argparse.ArgumentParser, path: tuple = ()) -> Iterator[tuple]:
    """``(path, parser)`` for ``parser`` and every parser below it."""
    from zigha.cli.main import walk

    yield path, parser
    yield from walk(parser, path)


def describe(parser: argparse.ArgumentParser) -> dict:
    """One parser as the completion tables need it."""
    subs: list = []
    options: list = []
    option_values: dict = {}
    positional = "value"
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            subs.extend(action.choices)
        elif action.option_strings:
            if action.help == argparse.SUPPRESS:
                continue
            options.extend(action.option_strings)
            if takes_value(action):
                for option in action.option_strings:
                    option_values[option] = value_kind(action)
        elif positional == "value":
            positional = value_kind(action)
    return {"subs": subs, "options": options, "values": option_values, "positional": positional}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _case(function: str, entries: list, default: str = "return 1") -> str:
    lines = [f"{function}() {{", '    case "$1" in']
    for key, value in entries:
        lines.append(f"        {_quote(key)}) printf '%s\\n' {_quote(value)} ;;")
    lines += [f"        *) {default} ;;", "    esac", "}"]
    return "\n".join(lines)


WALKER = r"""
# _zigha_candidates WORD... CURRENT: the words after "zigha", the last one being completed.
# Prints the kind (words|files|dirs|none) on the first line, then the candidate words.
_zigha_candidates() {
    local cmdpath="" word kind subs skip=""
    while [ $# -gt 1 ]; do
        word=$1
        shift
        if [ -n "$skip" ]; then skip=""; continue; fi
        case "$word" in
            -*=*) continue ;;
            -*) if _zigha_optarg "$cmdpath|$word" >/dev/null; then skip=1; fi; continue ;;
        esac
        subs=$(_zigha_subs "$cmdpath")
        case " $subs " in
            *" $word "*) cmdpath="${cmdpath:+$cmdpath }$word" ;;
        esac
    done
    if [ -n "$skip" ]; then
        kind=$(_zigha_optarg "$cmdpath|$word")
    else
        case "$1" in
            -*) printf 'words\n'; _zigha_opts "$cmdpath"; return ;;
        esac
        subs=$(_zigha_subs "$cmdpath")
        if [ -n "$subs" ]; then printf 'words\n%s\n' "$subs"; return; fi
        kind=$(_zigha_positional "$cmdpath")
    fi
    case "$kind" in
        choice:*) printf 'words\n%s\n' "${kind#choice:}" ;;
        file) printf 'files\n' ;;
        dir) printf 'dirs\n' ;;
        *) printf 'none\n' ;;
    esac
}
"""

BASH = r"""
_zigha() {
    local cur="${COMP_WORDS[COMP_CWORD]}" out kind
    out=$(_zigha_candidates "${COMP_WORDS[@]:1:COMP_CWORD}")
    kind=${out%%$'\n'*}
    COMPREPLY=()
    case "$kind" in
        words) COMPREPLY=($(compgen -W "${out#*$'\n'}" -- "$cur")) ;;
        files) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur")) ;;
        dirs) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur")) ;;
    esac
}
complete -F _zigha zigha
"""

ZSH = r"""
_zigha() {
    local out kind
    out=$(_zigha_candidates "${(@)words[2,CURRENT]}")
    kind=${out%%$'\n'*}
    case "$kind" in
        words) compadd -- ${=${out#*$'\n'}} ;;
        files) _files ;;
        dirs) _files -/ ;;
    esac
}
if [[ "${zsh_eval_context[-1]}" == loadautofunc ]]; then
    _zigha "$@"
else
    compdef _zigha zigha
fi
"""


def completion_script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script for ``shell`` (bash or zsh) of ``parser``'s whole tree."""
    if shell not in SHELLS:
        raise ValueError(f"no completion for {shell!r} (known: {', '.join(SHELLS)})")
    subs: list = []
    opts: list = []
    values: list = []
    positionals: list = []
    for path, node in tree(parser):
        key = " ".join(path)
        info = describe(node)
        if info["subs"]:
            subs.append((key, " ".join(info["subs"])))
        opts.append((key, " ".join(info["options"])))
        values.extend((f"{key}|{option}", kind) for option, kind in info["values"].items())
        positionals.append((key, info["positional"]))
    head = ("#compdef zigha\n" if shell == "zsh" else "") + (
        f"# {shell} completion for zigha, made by `zigha completion {shell}`\n")
    tables = "\n".join([
        _case("_zigha_subs", subs, default=":"),
        _case("_zigha_opts", opts, default=":"),
        _case("_zigha_optarg", values),
        _case("_zigha_positional", positionals, default="printf 'value\\n'"),
    ])
    return head + tables + "\n" + WALKER + (BASH if shell == "bash" else ZSH)
