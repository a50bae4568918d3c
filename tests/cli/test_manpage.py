"""`zigha manpage` (roff checked by groff and man) and `zigha help [COMMAND]`."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from zigha.cli.main import build_parser, main, walk
from zigha.cli.manpage import manpage, roff_escape

COMMANDS = [" ".join(path) for path, _ in walk(build_parser())]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    path = tmp_path_factory.mktemp("man") / "zigha.1"
    path.write_text(manpage(build_parser(), "1.0"))
    return path


@pytest.fixture(scope="module")
def rendered(page):
    env = dict(os.environ, MANWIDTH="100", MAN_KEEP_FORMATTING="0", LC_ALL="C.UTF-8")
    result = subprocess.run(["man", "-l", str(page)], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return re.sub(r".\x08", "", result.stdout)  # no overstrike bold/underline


def test_cli_prints_the_page(capsys):
    assert main(["manpage"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('.TH ZIGHA 1 "" "zigha ')


def test_sections_in_order(page):
    sections = re.findall(r"^\.SH (.+)$", page.read_text(), re.M)
    assert sections == ["NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "EXIT STATUS",
                        "ENVIRONMENT", "FILES", "SEE ALSO"]


def test_groff_reads_it_without_a_warning(page):
    result = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(page)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == ""


def test_man_renders_every_section_and_command(rendered):
    for heading in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "EXIT STATUS",
                    "ENVIRONMENT", "SEE ALSO"):
        assert f"\n{heading}\n" in rendered
    name = " ".join(rendered.split("\nNAME\n")[1].split("\n\n")[0].split())
    assert name == ("zigha - Run a Red Hat Cluster Suite (cman + rgmanager) cluster and an "
                    "LVS director from the command line")
    for command in COMMANDS:
        assert re.search(rf"^   zigha {re.escape(command)}$", rendered, re.M), command
    assert "4  timeout: outcome unknown, check the state again" in rendered
    assert "COLUMNS" in rendered and "clusvcadm(8)" in rendered


def test_options_and_own_exit_codes_appear(rendered):
    block = rendered.split("\n   zigha conf push\n")[1].split("\n   zigha ")[0]
    assert "--method {ricci,copy}" in block and "--timeout TIMEOUT" in block
    service = rendered.split("\n   zigha service relocate\n")[1].split("\n   zigha ")[0]
    assert "-m, --member MEMBER" in service
    assert "--wait ran out; rgmanager may still carry out the" in service


def test_no_line_starts_with_an_unescaped_control_character(page):
    for line in page.read_text().splitlines():
        if line.startswith("'"):
            pytest.fail(f"line taken as a request: {line!r}")
        if line.startswith("."):
            assert re.match(r"^\.(TH|SH|SS|TP|PP|B|I|nf|fi)\b", line), line


def test_roff_escape():
    assert roff_escape(".hidden") == "\\&.hidden"
    assert roff_escape("'quoted") == "\\&'quoted"
    assert roff_escape("a\\b --json") == "a\\eb \\-\\-json"


def test_help_lists_every_command(capsys):
    assert main(["help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: zigha ")
    listing = out.split("commands (zigha help COMMAND for one of them):\n")[1]
    names = [line.split()[0] for line in listing.splitlines()]
    assert names == [command.split()[-1] for command in COMMANDS]
    assert "    add-node" in listing and "    query" in listing


@pytest.mark.parametrize("command", ["conf show", "service relocate", "status query service",
                                     "simulate"])
def test_help_command_is_the_command_help(command, capsys):
    assert main(["help", *command.split()]) == 0
    via_help = capsys.readouterr().out
    with pytest.raises(SystemExit):
        main([*command.split(), "--help"])
    assert via_help == capsys.readouterr().out


def test_help_unknown_command_is_one_line(capsys):
    assert main(["help", "conf", "nope"]) == 2
    assert capsys.readouterr().err == "zigha: error: no command 'conf nope' (see 'zigha help')\n"
