"""Tables sized to the terminal (COLUMNS honoured), help wrapped to it, progress on waits."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from zigha.cli.common import HelpFormatter, Progress, error_line, table, terminal_width
from zigha.cli.main import main
from zigha.runner import set_default_runner
from zigha.testing import CannedRunner

ROWS = [("service:http", "h1.zigsow.net", "started", "the web server of the seed cluster"),
        ("service:named", "h2.zigsow.net", "started", "DNS")]
HEADERS = ["NAME", "OWNER", "STATE", "NOTE"]


def test_table_fits_the_width_cutting_the_last_column_first():
    lines = table(ROWS, HEADERS, width=52).splitlines()
    assert max(len(line) for line in lines) <= 52
    assert lines[2].startswith("service:http   h1.zigsow.net  started  the web")
    assert lines[2].endswith("…") and lines[3].endswith("DNS")


def test_table_then_cuts_the_widest_column():
    lines = table(ROWS, HEADERS, width=36).splitlines()
    assert [len(line) <= 36 for line in lines] == [True] * 4
    assert lines[2] == "service:h…  h1.zigso…  started  the…"
    assert lines[3] == "service:n…  h2.zigso…  started  DNS"


def test_table_never_cuts_below_the_headers():
    lines = table(ROWS, HEADERS, width=5).splitlines()
    assert lines[0] == "NAME  OWNER  STATE  NOTE"


def test_table_wide_enough_is_untouched():
    assert table(ROWS, HEADERS, width=200).splitlines()[2] == (
        "service:http   h1.zigsow.net  started  the web server of the seed cluster")


def test_piped_table_keeps_names_whole_without_columns(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    monkeypatch.setattr("zigha.cli.common.terminal_width", lambda default=80: 30)
    lines = table(ROWS, HEADERS).splitlines()
    assert lines[2].startswith("service:http   h1.zigsow.net  started")


def test_columns_environment_sizes_cli_tables(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("COLUMNS", "44")
    assert terminal_width() == 44
    assert main(["agents", "list", "--prefix", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 44
    assert "\nzigha-ht…  ocf:zigh…  no         no   zigha…\n" in out
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["agents", "list", "--prefix", str(tmp_path)]) == 0
    assert "zigha.agents.postfix" in capsys.readouterr().out


def test_conf_show_tables_follow_columns(monkeypatch, capsys, examples):
    monkeypatch.setenv("COLUMNS", "50")
    assert main(["conf", "show", str(examples / "zigsow" / "cluster.conf")]) == 0
    out = capsys.readouterr().out
    domains = out.split("Failover domains:\n")[1].split("\n\n")[0].splitlines()
    assert domains[0].startswith("NAME") and max(len(line) for line in domains) <= 50


def test_help_is_wrapped_to_columns_and_keeps_tables(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "60")
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    out = capsys.readouterr().out
    prose = [line for line in out.splitlines() if not line.startswith("  2  ")]
    assert max(len(line) for line in prose) <= 60  # tables of codes are kept as written
    assert "\n  2  bad input (usage, unreadable or malformed file, unknown name)\n" in out


def test_help_formatter_keeps_indented_lines():
    formatter = HelpFormatter("zigha", width=30)
    text = formatter._fill_text("a long line of prose that must be wrapped somewhere\n"
                                "  0  an indented line that stays as it is", 30, "")
    assert text.splitlines() == ["a long line of prose that must", "be wrapped somewhere",
                                 "  0  an indented line that stays as it is"]


def test_error_line_is_always_one_line():
    assert error_line(ValueError("first\n\n  second\n")) == "first; second"
    assert error_line(KeyError("no such thing")) == "no such thing"
    assert error_line(FileNotFoundError(2, "No such file or directory", "/x")) == (
        "/x: No such file or directory")


def test_progress_rewrites_one_line_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    stream = Tty()
    progress = Progress(stream)
    progress("a")
    progress("a")
    progress("b")
    progress.done()
    assert stream.getvalue() == "\r\033[Ka\r\033[Kb\n"
    piped = io.StringIO()
    progress = Progress(piped)
    progress("a")
    progress("b")
    progress.done()
    assert piped.getvalue() == "a\nb\n"


def test_fence_ack_shows_progress_while_fenced_confirms(monkeypatch, capsys):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "fence"))
    from fence_tool_text import h1_done, h1_pending

    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "fence"
    answers = iter([h1_pending(), h1_pending(), h1_pending(), h1_done()])
    runner = CannedRunner()
    runner.add(["cman_tool", "status"], (fixtures / "cman_tool-status-h2.txt").read_text())
    runner.add(["cman_tool", "nodes"], (fixtures / "cman_tool-nodes-h1-dead.txt").read_text())
    runner.answers[("fence_tool", "ls", "-n")] = lambda call: (0, next(answers), "")
    runner.add(["fence_ack_manual", "-n", "h1.zigsow.net"], "Done\n")
    monkeypatch.setattr("zigha.fence.ack.override_pending", lambda *a, **k: True)
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    set_default_runner(runner)
    try:
        rc = main(["fence", "ack", "h1.zigsow.net", "--yes"])
    finally:
        set_default_runner(None)
    captured = capsys.readouterr()
    assert rc == 0
    assert captured.out.startswith("h1.zigsow.net: confirmed: ")
    progress = captured.err.splitlines()
    assert progress[0] == "h1.zigsow.net: acknowledging the fence (fence_ack_manual) ..."
    assert progress[1].startswith("h1.zigsow.net: waiting for fenced to drop the victim (")
    assert progress[1].endswith(" of at most 5 s)")


def test_conf_push_shows_what_it_waits_for(fake_runner, examples, tmp_path, capsys):
    import shutil

    path = tmp_path / "cluster.conf"
    shutil.copy(examples / "zigsow" / "cluster.conf", path)
    fake_runner.expect(["ccs_config_validate", "-q", "-f", str(path)])
    fake_runner.expect(["cman_tool", "version", "-r"])
    fake_runner.expect(["cman_tool", "version"], stdout="6.2.0 config 1\n")
    set_default_runner(fake_runner)
    try:
        assert main(["conf", "push", str(path), "--timeout", "30"]) == 0
    finally:
        set_default_runner(None)
    captured = capsys.readouterr()
    assert captured.err == (f"{path}: ccs_config_validate, then cman_tool version -r "
                            "(up to 30 s) ...\n")
    assert captured.out == f"{path}: config_version 1 active\n"
