"""``zigha lvs ...`` end to end through the CLI, the library and the strict fake runner."""

from __future__ import annotations

import json

import pytest

from zigha.cli.main import main
from zigha.lvs.desired import parse_desired
from zigha.runner import set_default_runner

SEED_SAVE = (
    "-A -t 192.168.10.249:80 -s rr\n"
    "-a -t 192.168.10.249:80 -r 192.168.10.241:80 -g -w 1\n"
    "-a -t 192.168.10.249:80 -r 192.168.10.242:80 -g -w 1\n"
    "-a -t 192.168.10.249:80 -r 192.168.10.243:80 -g -w 1\n"
)
THRESHOLDS_EMPTY = ("IP Virtual Server version 1.2.1 (size=4096)\n"
                    "Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn \n"
                    "  -> RemoteAddress:Port\n")


@pytest.fixture
def runner(fake_runner):
    set_default_runner(fake_runner)
    yield fake_runner
    set_default_runner(None)


@pytest.fixture
def seed(examples):
    return str(examples / "zigsow" / "lvs" / "director.lvs")


def test_show_from_captures(reference, capsys):
    samples = reference / "lvs-samples"
    assert main(["lvs", "show", "--from", str(samples / "ipvsadm-Ln-02.txt")]) == 0
    out = capsys.readouterr().out
    assert "172.16.11.210:80" in out and "172.16.11.76:5060" in out and "Route" in out
    assert main(["lvs", "show", "--json", "--from", str(samples / "ipvsadm-stats-03.txt")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["numeric"] is False and data["services"][0]["stats"]["inbytes"] == 830843000
    assert data["services"][0]["exact"] is False
    assert main(["lvs", "show", "--json", "--from", str(samples / "ipvsadm-save-02.txt")]) == 0
    assert [s["fwmark"] for s in json.loads(capsys.readouterr().out)["services"]] == [3, 1, 2]


def test_show_live_and_missing_module(runner, reference, capsys):
    samples = reference / "lvs-samples"
    runner.expect(["ipvsadm", "-L", "-n"], stdout_file=samples / "ipvsadm-Ln-01.txt")
    assert main(["lvs", "show"]) == 0
    assert "161.202.142.204:80" in capsys.readouterr().out
    runner.expect(["ipvsadm", "-L", "-n", "--rate"], rc=2,
                  stderr_file=samples / "ipvsadm-error-01.txt")
    assert main(["lvs", "show", "--view", "rate"]) == 3
    err = capsys.readouterr().err
    assert "Can't initialize ipvs: Protocol not available" in err and "modprobe ip_vs" in err


def test_apply_dry_run_then_apply_then_nothing(runner, seed, tmp_path, capsys):
    held = str(tmp_path / "held.json")
    runner.expect(["ipvsadm", "-S", "-n"], stdout="")
    runner.expect(["ipvsadm", "-L", "-n", "--thresholds"], stdout=THRESHOLDS_EMPTY)
    assert main(["lvs", "apply", seed, "--dry-run", "--held-file", held]) == 0
    out = capsys.readouterr().out
    assert "would run 4 change(s)" in out and "  -A -t 192.168.10.249:80 -s rr" in out
    runner.expect(["ipvsadm", "-S", "-n"], stdout="")
    runner.expect(["ipvsadm", "-L", "-n", "--thresholds"], stdout=THRESHOLDS_EMPTY)
    runner.expect(["ipvsadm", "-R"])
    runner.expect(["ipvsadm", "-S", "-n"], stdout=SEED_SAVE)
    assert main(["lvs", "apply", seed, "--json", "--held-file", held]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["changed"] and len(data["plan"]["changes"]) == 4
    assert runner.calls[-2].stdin.count("\n") == 4
    runner.expect(["ipvsadm", "-S", "-n"], stdout=SEED_SAVE)
    runner.expect(["ipvsadm", "-L", "-n", "--thresholds"], stdout=THRESHOLDS_EMPTY)
    assert main(["lvs", "apply", seed, "--held-file", held]) == 0
    assert "nothing to do" in capsys.readouterr().out


def test_apply_failure_and_bad_file_exit_codes(runner, seed, tmp_path, capsys):
    runner.expect(["ipvsadm", "-S", "-n"], stdout="")
    runner.expect(["ipvsadm", "-L", "-n", "--thresholds"], stdout=THRESHOLDS_EMPTY)
    runner.expect(["ipvsadm", "-R"], rc=255, stderr="Scheduler or persistence engine not found\n")
    runner.expect(["ipvsadm", "-S", "-n"], stdout="")
    runner.expect(["ipvsadm", "-L", "-n", "--thresholds"], stdout=THRESHOLDS_EMPTY)
    assert main(["lvs", "apply", seed, "--held-file", str(tmp_path / "h")]) == 1
    assert "Scheduler or persistence engine not found" in capsys.readouterr().err
    bad = tmp_path / "bad.lvs"
    bad.write_text("format = zigha-lvs 1\n[service tcp 10.0.0.1:80]\nweight = 3\n")
    assert main(["lvs", "apply", str(bad)]) == 2
    assert f"{bad}:3: unknown setting 'weight'" in capsys.readouterr().err


def test_import_piranha_output_is_accepted_by_apply(reference, capsys, tmp_path):
    cf = str(reference / "lvs-samples" / "lvs.cf-01")
    assert main(["lvs", "import-piranha", cf]) == 0
    text = capsys.readouterr().out
    state = parse_desired(text)
    assert [s.protocol for s in state.services] == ["TCP", "FWM"]
    assert main(["lvs", "import-piranha", "--rules", cf]) == 0
    assert capsys.readouterr().out.splitlines()[4] == "-A -f 3 -s wlc -p 400"
    broken = tmp_path / "lvs.cf"
    broken.write_text("virtual x {\n")
    assert main(["lvs", "import-piranha", str(broken)]) == 2
    assert "lvs.cf" in capsys.readouterr().err


def test_prepare_realserver_print_and_run(runner, capsys):
    assert main(["lvs", "prepare-realserver", "192.168.10.249", "--print"]) == 0
    assert "ip addr add 192.168.10.249/32 dev lo label lo:0" in capsys.readouterr().out
    runner.expect(["ip", "-4", "-o", "addr", "show", "dev", "lo"],
                  stdout="1: lo    inet 127.0.0.1/8 scope host lo\n")
    for key, value in (("lo.arp_ignore", "1"), ("lo.arp_announce", "2"),
                       ("all.arp_ignore", "1"), ("all.arp_announce", "2")):
        runner.expect(["sysctl", "-n", f"net.ipv4.conf.{key}"], stdout=f"{value}\n")
    runner.expect(["ip", "addr", "add", "192.168.10.249/32", "dev", "lo", "label", "lo:0"])
    assert main(["lvs", "prepare-realserver", "192.168.10.249"]) == 0
    out = capsys.readouterr().out
    assert "already done: sysctl -w net.ipv4.conf.lo.arp_ignore=1" in out
    assert "ran: ip addr add 192.168.10.249/32 dev lo label lo:0" in out
    assert main(["lvs", "prepare-realserver", "192.168.1.300", "--print"]) == 2


def test_watch_once_reports_and_exit_status(runner, tmp_path, capsys):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        path = tmp_path / "d.lvs"
        path.write_text(f"format = zigha-lvs 1\n[service tcp 127.0.0.1:{port}]\ncheck = tcp\n"
                        f"fall = 2\nreal 127.0.0.1:{port}\n")
        assert main(["lvs", "watch", str(path), "--once", "--held-file", str(tmp_path / "h")]) == 0
    assert f"tcp 127.0.0.1:{port} 127.0.0.1:{port}: up (connected" in capsys.readouterr().out
    # the listener is gone: one failure is below fall = 2, so the server stays up
    assert main(["lvs", "watch", str(path), "--once", "--json", "--held-file", str(tmp_path / "h")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["results"][0]["ok"] is False and data["results"][0]["up"] is True
    port_text = f"127.0.0.1:{port}"
    runner.expect(["ipvsadm", "-R"], stdin=f"-e -t {port_text} -r {port_text} -g -w 0 -x 0 -y 0\n")
    assert main(["lvs", "watch", str(path), "--once", "--held-file", str(tmp_path / "h")]) == 1
    out = capsys.readouterr().out
    assert "DOWN" in out and "-> quiesce" in out
