"""The desired-state file: round trip, defaults, and errors that name the line."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zigha.errors import ConfigError
from zigha.lvs.desired import load_desired, parse_desired, quote, render_desired, unquote

FULL = """\
# comment
format = zigha-lvs 1

[service udp [2001:db8::1]:53]
scheduler = sh
sched_flags = sh-port,sh-fallback
persistent = 60
netmask = 64
ops = yes
forward = nat
check = send-expect
check_send = "PING\\r\\n"
check_expect = "PONG"
rise = 3
fall = 2
on_failure = remove
real [2001:db8::2]:5353 weight=3 upper=10 lower=2
real [2001:db8::3]:53 weight=0 forward=tunnel

[service fwm 7 ipv6]
real [2001:db8::4] weight=2
"""


def test_full_file_round_trips():
    state = parse_desired(FULL)
    udp, fwm = state.services
    assert (udp.protocol, udp.host, udp.port, udp.ipv6) == ("UDP", "2001:db8::1", 53, True)
    assert (udp.scheduler, udp.sched_flags, udp.persistent, udp.netmask, udp.ops) == (
        "sh", ("sh-port", "sh-fallback"), 60, "64", True)
    assert [(r.host, r.port, r.forward, r.weight, r.upper_threshold) for r in udp.reals] == [
        ("2001:db8::2", 5353, "Masq", 3, 10), ("2001:db8::3", 53, "Tunnel", 0, 0)]
    check = state.check_for(udp)
    assert (check.kind, check.send, check.expect, check.rise, check.fall, check.on_failure) == (
        "send-expect", "PING\r\n", "PONG", 3, 2, "remove")
    assert (fwm.fwmark, fwm.ipv6, fwm.scheduler, fwm.reals[0].port) == (7, True, "wlc", 0)
    assert state.check_for(fwm) is None
    assert parse_desired(render_desired(state)) == state


def test_seed_example(examples):
    state = load_desired(examples / "zigsow" / "lvs" / "director.lvs")
    (svc,) = state.services
    assert (svc.protocol, svc.host, svc.port, svc.scheduler) == ("TCP", "192.168.10.249", 80, "rr")
    assert [(r.host, r.port, r.forward, r.weight) for r in svc.reals] == [
        (f"192.168.10.24{i}", 80, "Route", 1) for i in (1, 2, 3)]


@pytest.mark.parametrize("text, line, words", [
    ("[service tcp 1.2.3.4:80]\n", 1, "must start with"),
    ("format = zigha-lvs 2\n", 1, "unsupported format"),
    ("format = zigha-lvs 1\nscheduler = rr\n", 2, "before the first"),
    ("format = zigha-lvs 1\n[service tcp 1.2.3.4:80]\nschedular = rr\n", 3, "unknown setting"),
    ("format = zigha-lvs 1\n[service tcp 1.2.3.4:80]\nreal 1.2.3.5:81\n", 3, "service port"),
    ("format = zigha-lvs 1\n[service tcp 1.2.3.4:80]\nreal 1.2.3.5 weight=70000\n", 3, "0..65535"),
    ("format = zigha-lvs 1\n[service tcp 1.2.3.4:80]\nreal 1.2.3.5\nreal 1.2.3.5:80\n", 4, "twice"),
    ("format = zigha-lvs 1\n[service tcp 1.2.3.4:80]\n[service tcp 1.2.3.4:80]\n", 3, "twice"),
    ("format = zigha-lvs 1\n[service tcp 1.2.3.4]\n", 2, "HOST:PORT"),
    ("format = zigha-lvs 1\n[service tcp 1.2.3.4:80]\ncheck = ping\n", 2, "check must be"),
    ("format = zigha-lvs 1\n[service tcp 1.2.3.4:80]\ncheck_send = \"x\n", 3, "unterminated"),
])
def test_errors_name_the_line(text, line, words):
    with pytest.raises(ConfigError) as info:
        parse_desired(text, source="d.lvs")
    assert info.value.line == line and info.value.file == "d.lvs"
    assert words in str(info.value)


@settings(max_examples=200)
@given(st.text())
def test_quote_round_trip(text):
    assert unquote(quote(text)) == text


def test_example_scripts_are_what_prepare_realserver_prints(examples):
    from zigha.lvs.realserver import realserver_script

    folder = examples / "zigsow" / "lvs"
    assert (folder / "realserver-prepare.sh").read_text() == realserver_script("192.168.10.249")
    assert (folder / "realserver-undo.sh").read_text() == realserver_script("192.168.10.249", undo=True)
    assert "IPADDR=192.168.10.249" in (folder / "ifcfg-lo:0").read_text()
