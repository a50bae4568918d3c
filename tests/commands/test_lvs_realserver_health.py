"""DR real-server preparation and health checks, through the strict fake runner.

The health checks talk to real servers on 127.0.0.1 started by the test."""

from __future__ import annotations

import http.server
import socket
import threading

import pytest

from zigha.lvs.apply import diff, load_held
from zigha.lvs.desired import parse_desired
from zigha.lvs.health import Checker, check_once, probe, watch
from zigha.lvs.parse import parse_ipvsadm_save
from zigha.lvs.realserver import RealServerError, prepare_realserver, realserver_script

LO_PLAIN = ("1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever "
            "preferred_lft forever\n")
LO_VIP = LO_PLAIN + ("1: lo    inet 192.168.10.249/32 scope global lo:0\\       "
                     "valid_lft forever preferred_lft forever\n")
KEYS = ["net.ipv4.conf.lo.arp_ignore", "net.ipv4.conf.lo.arp_announce",
        "net.ipv4.conf.all.arp_ignore", "net.ipv4.conf.all.arp_announce"]


def test_prepare_sets_arp_first_then_vip(fake_runner):
    fake_runner.expect(["ip", "-4", "-o", "addr", "show", "dev", "lo"], stdout=LO_PLAIN)
    for key in KEYS:
        fake_runner.expect(["sysctl", "-n", key], stdout="0\n")
    for key, value in zip(KEYS, "1212"):
        fake_runner.expect(["sysctl", "-w", f"{key}={value}"])
    fake_runner.expect(["ip", "addr", "add", "192.168.10.249/32", "dev", "lo", "label", "lo:0"])
    steps = prepare_realserver("192.168.10.249", runner=fake_runner)
    assert all(s.needed for s in steps)


def test_prepare_is_idempotent(fake_runner):
    fake_runner.expect(["ip", "-4", "-o", "addr", "show", "dev", "lo"], stdout=LO_VIP)
    for key, value in zip(KEYS, "1212"):
        fake_runner.expect(["sysctl", "-n", key], stdout=value + "\n")
    steps = prepare_realserver("192.168.10.249", runner=fake_runner)
    assert not any(s.needed for s in steps)


def test_undo_removes_vip_then_resets_arp_in_reverse(fake_runner):
    fake_runner.expect(["ip", "-4", "-o", "addr", "show", "dev", "lo"], stdout=LO_VIP)
    for key, value in zip(KEYS, "1212"):
        fake_runner.expect(["sysctl", "-n", key], stdout=value + "\n")
    fake_runner.expect(["ip", "addr", "del", "192.168.10.249/32", "dev", "lo"])
    for key in reversed(KEYS):
        fake_runner.expect(["sysctl", "-w", f"{key}=0"])
    prepare_realserver("192.168.10.249", runner=fake_runner, undo=True)


def test_undo_keeps_arp_settings_for_another_vip(fake_runner):
    other = LO_VIP + "1: lo    inet 192.168.10.250/32 scope global lo:1\n"
    fake_runner.expect(["ip", "-4", "-o", "addr", "show", "dev", "lo"], stdout=other)
    for key, value in zip(KEYS, "1212"):
        fake_runner.expect(["sysctl", "-n", key], stdout=value + "\n")
    fake_runner.expect(["ip", "addr", "del", "192.168.10.249/32", "dev", "lo"])
    steps = prepare_realserver("192.168.10.249", runner=fake_runner, undo=True)
    assert "kept for 192.168.10.250" in steps[1].why


def test_wrong_prefix_and_failures_are_typed(fake_runner):
    fake_runner.expect(["ip", "-4", "-o", "addr", "show", "dev", "lo"],
                       stdout="1: lo    inet 192.168.10.249/24 scope global lo\n")
    with pytest.raises(RealServerError, match="needs /32"):
        prepare_realserver("192.168.10.249", runner=fake_runner)
    fake_runner.expect(["ip", "-4", "-o", "addr", "show", "dev", "lo"], stdout=LO_PLAIN)
    fake_runner.expect(["sysctl", "-n", KEYS[0]], rc=255,
                       stderr="sysctl: cannot stat /proc/sys/net/ipv4/conf/lo/arp_ignore: No such file or directory\n")
    with pytest.raises(RealServerError, match="cannot stat"):
        prepare_realserver("192.168.10.249", runner=fake_runner)
    with pytest.raises(ValueError):
        prepare_realserver("192.168.1.300", runner=fake_runner)


def test_script_order():
    script = realserver_script("192.168.10.249")
    assert script.index("arp_announce=2") < script.index("ip addr add 192.168.10.249/32 dev lo")
    undo = realserver_script("192.168.10.249", undo=True)
    assert undo.index("ip addr del") < undo.index("arp_ignore=0")


class _Page(http.server.BaseHTTPRequestHandler):
    body = b"page from h1"
    status = 200

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.send_response(type(self).status)
        self.end_headers()
        self.wfile.write(type(self).body)

    def log_message(self, *args):
        pass


@pytest.fixture
def web():
    handler = type("Handler", (_Page,), {})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, handler
    server.shutdown()
    server.server_close()


def desired_for(port: int, check: str, extra: str = "") -> str:
    return (f"format = zigha-lvs 1\n[service tcp 127.0.0.1:{port}]\nscheduler = rr\n"
            f"check = {check}\ncheck_timeout = 1\nfall = 2\nrise = 2\n{extra}"
            f"real 127.0.0.1:{port} weight=4\n")


def test_probes_against_real_sockets(web):
    server, handler = web
    port = server.server_address[1]
    state = parse_desired(desired_for(port, "http", 'check_expect = "from h1"\n'))
    svc = state.services[0]
    assert probe(state.check_for(svc), svc.reals[0])[0]
    handler.body = b"maintenance"
    assert not probe(state.check_for(svc), svc.reals[0])[0]
    handler.status = 503
    assert probe(state.check_for(svc), svc.reals[0]) == (False, "HTTP 503")
    tcp = parse_desired(desired_for(port, "tcp"))
    assert probe(tcp.check_for(tcp.services[0]), tcp.services[0].reals[0])[0]
    exchange = parse_desired(desired_for(port, "send-expect",
                                         'check_send = "GET / HTTP/1.0\\r\\n\\r\\n"\ncheck_expect = "HTTP/1"\n'))
    assert probe(exchange.check_for(exchange.services[0]), exchange.services[0].reals[0])[0]


def test_program_check_replaces_percent_h(fake_runner):
    state = parse_desired(desired_for(8080, "program", 'check_program = "/usr/local/bin/check-sip %h 5060"\ncheck_expect = "OK"\n'))
    svc = state.services[0]
    fake_runner.expect(["/usr/local/bin/check-sip", "127.0.0.1", "5060"], stdout="OK\n")
    assert probe(state.check_for(svc), svc.reals[0], fake_runner)[0]
    fake_runner.expect(["/usr/local/bin/check-sip", "127.0.0.1", "5060"], stdout="FAIL\n")
    assert not probe(state.check_for(svc), svc.reals[0], fake_runner)[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_quiesce_after_fall_restore_after_rise_and_apply_respects_it(fake_runner, tmp_path, web):
    server, handler = web
    port = server.server_address[1]
    state = parse_desired(desired_for(port, "http"))
    held_file = tmp_path / "held.json"
    rid = (f"tcp 127.0.0.1:{port}", f"127.0.0.1:{port}")
    handler.status = 500
    first = check_once(state, fake_runner, held_file)  # fall = 2: one failure is not enough
    assert first.lines == () and first.results[0].up
    quiesce = f"-e -t 127.0.0.1:{port} -r 127.0.0.1:{port} -g -w 0 -x 0 -y 0\n"
    fake_runner.expect(["ipvsadm", "-R"], stdin=quiesce)
    second = check_once(state, fake_runner, held_file)
    assert second.results[0].action == "quiesce" and not second.results[0].up
    assert load_held(held_file) == {rid: "quiesce"}
    live = parse_ipvsadm_save(f"-A -t 127.0.0.1:{port} -s rr\n-a -t 127.0.0.1:{port} -r 127.0.0.1:{port} -g -w 0\n")
    assert diff(live, state, held=load_held(held_file)).empty
    handler.status = 200
    assert check_once(state, fake_runner, held_file).lines == ()  # rise = 2
    fake_runner.expect(["ipvsadm", "-R"], stdin=f"-e -t 127.0.0.1:{port} -r 127.0.0.1:{port} -g -w 4 -x 0 -y 0\n")
    back = check_once(state, fake_runner, held_file)
    assert back.results[0].action == "restore" and load_held(held_file) == {}


def test_remove_mode_deletes_then_adds_back(fake_runner, tmp_path):
    port = free_port()  # nothing listens there
    state = parse_desired(desired_for(port, "tcp", "on_failure = remove\n").replace("fall = 2", "fall = 1"))
    checker = Checker(state, fake_runner, tmp_path / "held.json")
    fake_runner.expect(["ipvsadm", "-R"], stdin=f"-d -t 127.0.0.1:{port} -r 127.0.0.1:{port}\n")
    assert checker.run_once().results[0].action == "remove"
    listener = socket.socket()
    listener.bind(("127.0.0.1", port))
    listener.listen()
    try:
        assert checker.run_once().lines == ()
        fake_runner.expect(["ipvsadm", "-R"],
                           stdin=f"-a -t 127.0.0.1:{port} -r 127.0.0.1:{port} -g -w 4 -x 0 -y 0\n")
        assert checker.run_once().results[0].action == "restore"
    finally:
        listener.close()


def test_watch_loops_and_sleeps_the_interval(tmp_path, web):
    server, _ = web
    path = tmp_path / "d.lvs"
    path.write_text(desired_for(server.server_address[1], "tcp").replace("check_timeout = 1\n",
                                                                         "check_timeout = 1\ncheck_interval = 2.5\n"))
    seen, sleeps = [], []
    watch(path, held_file=tmp_path / "held.json", passes=3, sleep=sleeps.append, on_pass=seen.append)
    assert len(seen) == 3 and sleeps == [2.5, 2.5]
    assert all(r.ok for p in seen for r in p.results)
