"""`zigha completion bash|zsh` run in real shells, and argcomplete's protocol."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

import pytest

from zigha.cli.completion import completion_script, describe, value_kind
from zigha.cli.main import build_parser, main, walk

PARSER = build_parser()
PARENTS = [" ".join(path) for path, node in walk(PARSER) if describe(node)["subs"]]


@pytest.fixture(scope="module")
def scripts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("completion")
    paths = {}
    for shell in ("bash", "zsh"):
        path = folder / f"zigha.{shell}"
        path.write_text(completion_script(build_parser(), shell))
        paths[shell] = path
    return paths


def bash_complete(script, *words, cwd=None) -> list:
    """COMPREPLY for ``zigha WORDS...`` (the last word is the one being completed)."""
    line = " ".join(shlex.quote(w) for w in ("zigha",) + words)
    program = (f"source {shlex.quote(str(script))}\n"
               f"COMP_WORDS=({line}); COMP_CWORD={len(words)}\n"
               '_zigha\nprintf "%s\\n" "${COMPREPLY[@]}"\n')
    result = subprocess.run(["bash", "--norc", "--noprofile", "-c", program], cwd=cwd,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return [w for w in result.stdout.splitlines() if w]


def test_cli_prints_the_scripts(capsys):
    assert main(["completion", "bash"]) == 0
    bash = capsys.readouterr().out
    assert bash.startswith("# bash completion for zigha") and "complete -F _zigha zigha" in bash
    assert main(["completion", "zsh"]) == 0
    assert capsys.readouterr().out.startswith("#compdef zigha\n")
    with pytest.raises(SystemExit) as info:
        main(["completion", "fish"])
    assert info.value.code == 2


def test_bash_top_level_and_prefixes(scripts):
    top = bash_complete(scripts["bash"], "")
    assert top == ["demo", "conf", "status", "service", "agents", "lvs", "fence", "simulate",
                   "migrate", "help", "manpage", "completion"]
    assert bash_complete(scripts["bash"], "co") == ["conf", "completion"]
    assert bash_complete(scripts["bash"], "conf", "add-f") == [
        "add-fence-device", "add-fence-method", "add-fence-instance"]


@pytest.mark.parametrize("parent", PARENTS)
def test_bash_offers_every_subcommand(parent, scripts):
    node = dict((" ".join(p), n) for p, n in walk(PARSER))[parent]
    assert bash_complete(scripts["bash"], *parent.split(), "") == describe(node)["subs"]


def test_bash_options_choices_and_values(scripts):
    assert bash_complete(scripts["bash"], "conf", "show", "--") == ["--help", "--json", "--debug"]
    assert bash_complete(scripts["bash"], "conf", "push", "--method", "") == ["ricci", "copy"]
    assert bash_complete(scripts["bash"], "lvs", "show", "--view", "st") == ["stats"]
    # an option's value is skipped when finding the command: still "conf push"
    assert bash_complete(scripts["bash"], "--debug", "conf", "push", "--timeout", "5",
                         "--method", "c") == ["copy"]
    assert bash_complete(scripts["bash"], "service", "relocate", "http", "--timeout", "") == []


def test_bash_file_arguments_complete_files(scripts, tmp_path):
    (tmp_path / "cluster.conf").write_text("")
    (tmp_path / "cluster.conf.bak").write_text("")
    (tmp_path / "capture").mkdir()
    (tmp_path / "other.txt").write_text("")
    assert bash_complete(scripts["bash"], "conf", "show", "clu", cwd=tmp_path) == [
        "cluster.conf", "cluster.conf.bak"]
    assert bash_complete(scripts["bash"], "status", "--from", "cap", cwd=tmp_path) == ["capture"]
    assert bash_complete(scripts["bash"], "simulate", "cluster.conf", "--status", "o",
                         cwd=tmp_path) == ["other.txt"]
    assert bash_complete(scripts["bash"], "demo", "--dir", "", cwd=tmp_path) == ["capture"]


def test_value_kinds_from_the_parser():
    kinds = {}
    for path, node in walk(PARSER):
        for action in node._actions:
            for option in action.option_strings:
                kinds[(" ".join(path), option)] = value_kind(action)
    assert kinds[("conf validate", "--schema")] == "file"
    assert kinds[("fence watchdog", "--config")] == "file"
    assert kinds[("migrate pacemaker", "--cib")] == "file"
    assert kinds[("agents install", "--prefix")] == "dir"
    assert kinds[("lvs show", "--view")].startswith("choice:default stats")
    assert kinds[("status", "--timeout")] == "value"


def zsh(script, program: str) -> str:
    stubs = ('compadd() { [[ "$1" == "--" ]] && shift; print -l -- "$@"; }\n'
             '_files() { print -- "FILES $*"; }\n'
             'compdef() { print -- "compdef $*"; }\n')
    result = subprocess.run(["zsh", "-f", "-c", stubs + f"source {shlex.quote(str(script))}\n"
                             + program], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_zsh_script_parses_and_registers(scripts):
    subprocess.run(["zsh", "-n", str(scripts["zsh"])], check=True, timeout=30)
    assert zsh(scripts["zsh"], "") == "compdef _zigha zigha\n"


def test_zsh_completes_subcommands_choices_and_files(scripts):
    out = zsh(scripts["zsh"], "words=(zigha conf ''); CURRENT=3; _zigha")
    assert out.splitlines()[1:4] == ["show", "validate", "diff"]
    out = zsh(scripts["zsh"], "words=(zigha lvs show --view ''); CURRENT=5; _zigha")
    assert out.splitlines()[1:] == ["default", "stats", "rate", "thresholds", "persistent-conn"]
    assert zsh(scripts["zsh"], "words=(zigha conf show ''); CURRENT=4; _zigha").endswith(
        "FILES \n")
    assert zsh(scripts["zsh"], "words=(zigha agents install --prefix ''); CURRENT=5; _zigha"
               ).endswith("FILES -/\n")


def test_argcomplete_protocol(tmp_path):
    """With argcomplete installed, `zigha` answers its protocol (register-python-argcomplete)."""
    out = tmp_path / "out"
    line = "zigha conf va"
    env = dict(os.environ, _ARGCOMPLETE="1", _ARGCOMPLETE_IFS="\n", COMP_LINE=line,
               COMP_POINT=str(len(line)), _ARGCOMPLETE_STDOUT_FILENAME=str(out))
    result = subprocess.run([sys.executable, "-m", "zigha.cli.main"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert out.read_text().split() == ["validate"]


def test_zsh_script_works_as_an_autoloaded_fpath_function(tmp_path):
    """Saved as _zigha in $fpath (the compinit way), its first call defines and completes."""
    (tmp_path / "_zigha").write_text(completion_script(build_parser(), "zsh"))
    program = ('compadd() { [[ "$1" == "--" ]] && shift; print -l -- "$@"; }\n'
               'compdef() { print -- "compdef $*"; }\n'
               f"fpath=({shlex.quote(str(tmp_path))} $fpath); autoload -Uz _zigha\n"
               "words=(zigha conf push --method ''); CURRENT=5; _zigha\n")
    result = subprocess.run(["zsh", "-f", "-c", program], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout == "ricci\ncopy\n"
