"""piranha lvs.cf: the samples parse to what the file says; rules and desired state."""

from __future__ import annotations

import pytest

from zigha.errors import ParseError
from zigha.lvs import parse_lvs_cf
from zigha.lvs.desired import parse_desired, render_desired
from zigha.lvs.rules import parse_rules


@pytest.fixture
def cf(reference):
    return lambda name: parse_lvs_cf((reference / "lvs-samples" / name).read_text())


def test_cf_01_centos6_dr_with_fwmark_and_send_program(cf):
    conf = cf("lvs.cf-01")
    assert conf.globals["network"] == "direct" and conf.globals["serial_no"] == "70"
    assert conf.globals["primary"] == "172.16.11.74" and conf.globals["syncdaemon"] == "0"
    web, sip = conf.virtuals
    assert (web.name, web.active, web.address, web.device, web.port, web.protocol) == (
        "web01", True, "172.16.11.210", "eth0:1", 80, "tcp")
    assert (web.scheduler, web.persistent, web.send, web.expect, web.send_program) == (
        "wlc", None, "GET / HTTP/1.0\r\n\r\n", "HTTP", None)
    assert [(s.name, s.address, s.port, s.weight, s.active) for s in web.servers] == [
        ("server-01", "172.16.11.76", 80, 1, True), ("server-02", "172.16.11.77", 80, 1, True),
        ("server-03", "172.16.11.78", 80, 1, True)]
    assert (sip.fwmark, sip.protocol, sip.persistent, sip.vip_nmask, sip.port) == (
        3, "udp", 400, "0.0.0.0", 5060)
    assert sip.send_program == "/usr/local/bin/test-sip-server.sh %h" and sip.send is None
    assert [s.port for s in sip.servers] == [None, None, None]
    assert conf.to_ipvsadm_rules() == [
        "-A -t 172.16.11.210:80 -s wlc",
        "-a -t 172.16.11.210:80 -r 172.16.11.76:80 -g -w 1",
        "-a -t 172.16.11.210:80 -r 172.16.11.77:80 -g -w 1",
        "-a -t 172.16.11.210:80 -r 172.16.11.78:80 -g -w 1",
        "-A -f 3 -s wlc -p 400",
        "-a -f 3 -r 172.16.11.76:5060 -g -w 1",
        "-a -f 3 -r 172.16.11.77:5060 -g -w 1",
        "-a -f 3 -r 172.16.11.78:5060 -g -w 1",
    ]


def test_cf_02_inactive_server_left_out(cf):
    conf = cf("lvs.cf-02")
    assert conf.globals["primary_private"] == "172.16.2.2"
    (virtual,) = conf.virtuals
    assert [(s.name, s.weight, s.active) for s in virtual.servers][-1] == ("Web4", 0, False)
    rules = conf.to_ipvsadm_rules()
    assert len(rules) == 4 and not any("172.16.0.8" in r for r in rules)
    assert rules[1] == "-a -t 172.16.0.1:80 -r 172.16.0.5:80 -g -w 2"


def test_cf_03_shipped_sample_nat_port_names_tabs_failover(cf):
    conf = cf("lvs.cf-03")
    assert conf.globals["network"] == "nat" and conf.globals["nat_router"] == "192.168.10.100 eth1:1"
    assert conf.globals["heartbeat_port"] == "1050" and conf.globals["rsh_command"] == "rsh"
    server1, server2 = conf.virtuals
    assert (server1.port, server1.persistent, server1.pmask, server1.load_monitor) == (
        "http", 60, "255.255.255.255", "uptime")
    assert (server2.active, server2.port, server2.send) == (False, 21, "\n")
    assert [s.weight for s in server2.servers] == [1, 1]
    assert [f.name for f in conf.failovers] == ["web1", "ftp"]
    assert conf.failovers[0].options["start_cmd"] == "/etc/rc.d/init.d/httpd start"
    assert conf.to_ipvsadm_rules() == [
        "-A -t 207.175.44.252:80 -s wlc -p 60",
        "-a -t 207.175.44.252:80 -r 192.168.10.2:80 -m -w 1",
        "-a -t 207.175.44.252:80 -r 192.168.10.3:80 -m -w 1",
    ]


def test_cf_04_pmask_without_persistence_and_trailing_blanks(cf):
    conf = cf("lvs.cf-04")
    assert conf.globals["backup_active"] == "1"
    (proxy,) = conf.virtuals
    assert (proxy.port, proxy.pmask, proxy.persistent, proxy.expect, proxy.quiesce_server) == (
        8080, "255.255.255.0", None, None, False)
    assert proxy.send == "GET cache_object://localhost/info"
    assert conf.to_ipvsadm_rules()[0] == "-A -t 10.1.2.106:8080 -s wlc"
    assert conf.to_ipvsadm_rules()[1] == "-a -t 10.1.2.106:8080 -r 10.1.2.103:8080 -g -w 1"


@pytest.mark.parametrize("name", ["lvs.cf-01", "lvs.cf-02", "lvs.cf-03", "lvs.cf-04"])
def test_rules_are_in_save_grammar_and_desired_state_round_trips(cf, name):
    conf = cf(name)
    rules = parse_rules("\n".join(conf.to_ipvsadm_rules()), tool="ipvsadm -S")
    assert all(r.command in ("-A", "-a") for r in rules)
    desired = conf.to_desired()
    text = render_desired(desired)
    assert parse_desired(text) == desired
    assert [s.key for s in desired.services] == [r.service.key for r in rules if r.command == "-A"]


def test_import_maps_checks(cf):
    desired = cf("lvs.cf-01").to_desired()
    web, sip = desired.services
    web_check, sip_check = desired.check_for(web), desired.check_for(sip)
    assert (web_check.kind, web_check.send, web_check.expect, web_check.interval, web_check.rise) == (
        "send-expect", "GET / HTTP/1.0\r\n\r\n", "HTTP", 6.0, 3)
    assert (sip_check.kind, sip_check.program, sip_check.on_failure) == (
        "program", "/usr/local/bin/test-sip-server.sh %h", "remove")


@pytest.mark.parametrize("text, line", [
    ("virtual a {\n  address = 1.2.3.4\n", 1),
    ("}\n", 1),
    ("server a {\n}\n", 1),
    ("virtual a {\n virtual b {\n", 2),
    ("network direct\n", 1),
    ('virtual a {\n send = "abc\n}\n', 2),
    ("virtual a {\n server b {\n weight = heavy\n }\n}\n", 4),
])
def test_broken_files_name_the_line(text, line):
    with pytest.raises(ParseError) as info:
        parse_lvs_cf(text)
    assert info.value.line == line and info.value.tool == "lvs.cf"


def test_hand_edited_comments_after_values_and_blank_lines_in_blocks():
    conf = parse_lvs_cf(
        "primary_private = 172.16.0.190          # heartbeat address\n"
        "network = direct                        # DR\n"
        "virtual portal {\n\n"
        "        active = 1\n"
        "        address = 192.168.1.100 eth0:1  # VIP\n"
        "        port = 80\n"
        '        send = "GET /check.html\\n"   # the probe\n'
        '        expect = "O#K"\n'
        "        server sql1.example.com {\n\n"
        "        address = 10.0.0.4\n"
        "        weight = 100\n"
        "        }\n"
        "}\n")
    assert conf.globals == {"primary_private": "172.16.0.190", "network": "direct"}
    (virtual,) = conf.virtuals
    assert (virtual.address, virtual.device, virtual.send, virtual.expect) == (
        "192.168.1.100", "eth0:1", "GET /check.html\n", "O#K")
    assert virtual.servers[0].name == "sql1.example.com"
    assert conf.to_ipvsadm_rules() == ["-A -t 192.168.1.100:80 -s wlc",
                                       "-a -t 192.168.1.100:80 -r 10.0.0.4:80 -g -w 100"]
