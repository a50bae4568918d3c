"""``zigha lvs apply FILE --dry-run`` on a host whose table cannot be read, ``--current``
(a saved table to plan against), and tables that never cut addresses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zigha.cli.main import main
from zigha.lvs.apply import apply_file
from zigha.runner import set_default_runner

FOUND = Path(__file__).resolve().parents[1] / "fixtures" / "lvs" / "found"
SAVED = ("-A -t 192.168.10.249:80 -s rr\n"
         "-a -t 192.168.10.249:80 -r 192.168.10.241:80 -g -w 1\n"
         "-a -t 192.168.10.249:80 -r 192.168.10.244:80 -g -w 1\n")


@pytest.fixture
def runner(fake_runner):
    set_default_runner(fake_runner)
    yield fake_runner
    set_default_runner(None)


@pytest.fixture
def seed(examples):
    return str(examples / "zigsow" / "lvs" / "director.lvs")


def test_dry_run_without_ip_vs_says_so_in_one_line_with_both_hints(runner, reference, seed,
                                                                    tmp_path, capsys):
    runner.expect(["ipvsadm", "-S", "-n"], rc=2,
                  stderr_file=reference / "lvs-samples" / "ipvsadm-error-01.txt")
    code = main(["lvs", "apply", seed, "--dry-run", "--held-file", str(tmp_path / "h.json")])
    assert code == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("zigha: error: cannot read the live IPVS table for the dry run: ")
    assert "Can't initialize ipvs: Protocol not available" in err
    assert "modprobe ip_vs" in err and "--current FILE" in err


def test_dry_run_against_a_saved_table_runs_nothing(runner, seed, tmp_path, capsys):
    saved = tmp_path / "table.save"
    saved.write_text("[root@h0 ~]# ipvsadm -S -n\n" + SAVED)
    code = main(["lvs", "apply", seed, "--dry-run", "--current", str(saved),
                 "--held-file", str(tmp_path / "h.json")])
    assert code == 0  # the strict fake runner would fail on any process
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"planned against {saved}, not the live table"
    assert out[1] == "would run 3 change(s) in one ipvsadm -R batch:"
    assert "  -d -t 192.168.10.249:80 -r 192.168.10.244:80" in out
    assert "  -a -t 192.168.10.249:80 -r 192.168.10.242:80 -g -w 1 -x 0 -y 0" in out
    assert "  -a -t 192.168.10.249:80 -r 192.168.10.243:80 -g -w 1 -x 0 -y 0" in out


def test_dry_run_against_a_listing_that_already_matches(runner, seed, tmp_path, capsys):
    listing = tmp_path / "table.txt"
    listing.write_text(
        "IP Virtual Server version 1.2.1 (size=4096)\n"
        "Prot LocalAddress:Port Scheduler Flags\n"
        "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
        "TCP  192.168.10.249:80 rr\n"
        "  -> 192.168.10.241:80            Route   1      3          10        \n"
        "  -> 192.168.10.242:80            Route   1      2          11        \n"
        "  -> 192.168.10.243:80            Route   1      4          9         \n")
    assert main(["lvs", "apply", seed, "--dry-run", "--current", str(listing),
                 "--held-file", str(tmp_path / "h.json")]) == 0
    assert capsys.readouterr().out == (
        f"nothing to do: the table in {listing} matches the desired state\n")


def test_current_plan_in_json_and_through_the_library(seed, tmp_path, capsys):
    saved = tmp_path / "table.save"
    saved.write_text(SAVED)
    result = apply_file(seed, dry_run=True, current_file=saved, held_file=None)
    assert result.applied is False
    assert [c.action for c in result.plan.changes] == ["delete-real", "add-real", "add-real"]
    assert main(["lvs", "apply", seed, "--dry-run", "--json", "--current", str(saved),
                 "--held-file", str(tmp_path / "h.json")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["applied"] is False
    assert [c["real"] for c in data["plan"]["changes"]] == [
        "192.168.10.244:80", "192.168.10.242:80", "192.168.10.243:80"]


def test_current_needs_dry_run_and_a_plannable_view(seed, tmp_path, capsys):
    saved = tmp_path / "table.save"
    saved.write_text(SAVED)
    assert main(["lvs", "apply", seed, "--current", str(saved)]) == 2
    assert "use it with --dry-run" in capsys.readouterr().err
    stats = FOUND / "stats-nat-01.txt"
    assert main(["lvs", "apply", seed, "--dry-run", "--current", str(stats)]) == 2
    err = capsys.readouterr().err
    assert "--stats' listing has no forwarding method or weight" in err and "ipvsadm -S -n" in err
    garbage = tmp_path / "garbage"
    garbage.write_text("Can't initialize ipvs: Protocol not available\n")
    assert main(["lvs", "apply", seed, "--dry-run", "--current", str(garbage)]) == 2


def _show(path: Path, *extra: str) -> str:
    env = {**os.environ, "COLUMNS": "80"}
    done = subprocess.run([sys.executable, "-c", "import sys; from zigha.cli.main import main; "
                           "sys.exit(main())", "lvs", "show", "--from", str(path), *extra],
                          capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_show_with_columns_80_and_no_tty_keeps_every_address_whole():
    out = _show(FOUND / "Ln-ipv6-fwm-tunnel-01.txt")
    assert "…" not in out
    for address in ("[2001:db8:cc::513]:53", "[2001:db8:af:15::64d:32c]:53",
                    "[2001:db8:af:ff23::a5c2:18]:443", "[2001:db8:1542::8952:580e]:0",
                    "198.51.100.16:443", "203.0.113.101:0"):
        assert address in out
    stats = _show(FOUND / "stats-KMG-single-01.txt")
    assert "…" not in stats
    assert "192.168.1.10:28080" in stats and "172.20.81.80:3306" in stats
    assert ">=203000000000" in stats


def test_show_json_is_complete_whatever_the_width():
    data = json.loads(_show(FOUND / "Ln-ipv6-fwm-tunnel-01.txt", "--json"))
    assert len(data["services"]) == 5
    assert sum(len(s["reals"]) for s in data["services"]) == 12
    assert data["services"][4]["reals"][2]["host"] == "2001:db8:1542::8952:580e"


def test_show_from_a_save_capture_with_its_prompt(capsys):
    assert main(["lvs", "show", "--json", "--from", str(FOUND / "save-prompt-01.txt")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["view"] == "save"
    assert [(s["host"], s["port"], s["persistent"]) for s in data["services"]] == [
        ("10.254.0.1", 443, 10800)]
