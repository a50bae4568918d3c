"""Real captures found in public pages (tests/fixtures/lvs/found/SOURCES.md), read through
the names issue 5 fixes: the values a careful reader sees in each one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from zigha.errors import ParseError
from zigha.lvs import (
    parse_ipvsadm_connections,
    parse_ipvsadm_daemon,
    parse_ipvsadm_list,
    parse_ipvsadm_save,
    parse_ipvsadm_timeout,
    parse_lvs_cf,
)

FOUND = Path(__file__).resolve().parents[2] / "fixtures" / "lvs" / "found"


def found(name: str) -> str:
    return (FOUND / name).read_text()


def reals(service) -> list[tuple]:
    return [(r.host, r.port, r.forward, r.weight, r.active, r.inactive) for r in service.reals]


def test_every_found_file_is_described_in_sources():
    listed = set(re.findall(r"^\| ([^ |]+) \|", (FOUND / "SOURCES.md").read_text(), re.M)) - {"file"}
    present = {p.name for p in FOUND.iterdir() if p.is_file() and p.name != "SOURCES.md"}
    assert listed == present


def test_stats_with_k_m_g_suffixes_are_lower_bounds():
    table = parse_ipvsadm_list(found("stats-KMG-single-01.txt"))
    assert table.version is None and table.size is None  # -t listing: no header
    assert table.numeric is True
    (svc,) = table.services
    assert (svc.protocol, svc.host, svc.port, svc.scheduler) == ("TCP", "192.168.1.10", 28080, None)
    assert svc.stats.conns == 39835
    assert svc.stats.inpkts == 1030 * 10**6
    assert svc.stats.outpkts == 863494 * 10**3
    assert (svc.stats.inbytes, svc.stats.outbytes) == (150 * 10**9, 203 * 10**9)
    assert svc.stats.exact is False
    assert [(r.host, r.port) for r in svc.reals] == [
        ("172.20.62.78", 3306), ("172.20.78.79", 3306), ("172.20.81.80", 3306)]
    first = svc.reals[0]
    assert (first.forward, first.weight, first.active, first.inactive) == (None, None, None, None)
    assert (first.stats.conns, first.stats.inpkts, first.stats.outpkts) == (774, 46173852, 38899725)
    assert (first.stats.inbytes, first.stats.outbytes) == (6575 * 10**6, 9250 * 10**6)
    assert first.stats.exact is False
    assert first.rate is None


def test_stats_without_suffix_are_exact():
    table = parse_ipvsadm_list(found("stats-nat-01.txt"))
    (svc,) = table.services
    assert (svc.host, svc.port) == ("11.197.140.20", 18089)
    assert (svc.stats.conns, svc.stats.inpkts, svc.stats.outpkts, svc.stats.inbytes,
            svc.stats.outbytes) == (5, 48, 48, 2951, 6938)
    assert svc.stats.exact is True
    assert [(r.host, r.port, r.stats.conns) for r in svc.reals] == [
        ("11.197.140.20", 28089, 3), ("11.197.141.110", 28089, 2)]


def test_stats_with_a_trailing_blank_on_every_line():
    table = parse_ipvsadm_list(found("stats-trailing-01.txt"))
    assert (table.version, table.size) == ("1.2.1", 4096)
    (svc,) = table.services
    assert (svc.host, svc.stats.conns, svc.stats.inbytes, svc.stats.outpkts) == ("172.27.233.45", 10, 4330, 0)
    assert [(r.host, r.stats.conns, r.stats.inpkts) for r in svc.reals] == [
        ("172.27.233.43", 5, 25), ("172.27.233.44", 5, 25)]


def test_stats_single_service_after_a_glued_prompt():
    (svc,) = parse_ipvsadm_list(found("stats-single-K-01.txt")).services
    assert (svc.host, svc.port) == ("127.0.0.1", 3001)
    assert svc.stats.outbytes == 184940 * 10**3 and svc.stats.inbytes == 78202968
    assert svc.stats.exact is False
    assert svc.reals[0].stats.exact is True and svc.reals[0].port == 3306


def test_rate_between_a_prompt_and_a_bare_prompt():
    table = parse_ipvsadm_list(found("stats-rate-prompt-01.txt"))
    (svc,) = table.services
    assert svc.rate.cps == 0 and svc.rate.inpps == 1 and svc.rate.inbps == 33 and svc.rate.outbps == 38
    assert svc.stats is None and svc.scheduler is None
    assert [(r.host, r.rate.inbps, r.rate.outbps, r.inactive) for r in svc.reals] == [
        ("172.17.0.2", 6, 7, None), ("172.17.0.3", 27, 30, None)]


def test_rate_with_names():
    table = parse_ipvsadm_list(found("rate-names-01.txt"))
    assert table.numeric is False
    (svc,) = table.services
    assert (svc.host, svc.port) == ("172.18.10.246", "http-alt")
    assert [(r.port, r.rate.inbps) for r in svc.reals] == [("http-alt", 0), ("http-alt", 3)]


def test_rate_dr():
    (svc,) = parse_ipvsadm_list(found("rate-dr-01.txt")).services
    assert (svc.rate.cps, svc.rate.inpps, svc.rate.outpps, svc.rate.inbps, svc.rate.outbps) == (
        54, 288, 0, 31825, 0)
    assert [r.rate.cps for r in svc.reals] == [18, 18, 18]
    assert [r.rate.inbps for r in svc.reals] == [10384, 10884, 10556]


def test_indented_listing_with_persistence():
    table = parse_ipvsadm_list(found("Ln-keepalived-indented-01.txt"))
    assert table.numeric is True
    (svc,) = table.services
    assert (svc.protocol, svc.host, svc.port, svc.scheduler, svc.persistent) == (
        "TCP", "10.232.132.244", 80, "wrr", 50)
    assert reals(svc) == [("10.232.132.170", 80, "Route", 1, 0, 0),
                          ("10.232.132.169", 80, "Route", 1, 0, 0)]


def test_prompt_and_unindented_servers():
    (svc,) = parse_ipvsadm_list(found("Ln-ldirectord-prompt-01.txt")).services
    assert (svc.host, svc.scheduler, svc.persistent) == ("10.0.46.151", "wrr", None)
    assert [(r.host, r.weight) for r in svc.reals] == [
        ("192.168.46.158", 1), ("192.168.46.159", 2), ("192.168.46.160", 3)]


def test_ipvs_1_2_0_with_names():
    table = parse_ipvsadm_list(found("L-120-names-01.txt"))
    assert (table.version, table.size, table.numeric) == ("1.2.0", 4096, False)
    (svc,) = table.services
    assert (svc.host, svc.port, svc.scheduler, svc.persistent) == ("192.168.60.200", "http", "rr", 600)
    assert reals(svc) == [("192.168.60.132", "http", "Route", 1, 3, 22),
                          ("192.168.60.144", "http", "Route", 1, 9, 22)]


def test_firewall_marks_with_names():
    (svc,) = parse_ipvsadm_list(found("L-fwm-docker-01.txt")).services
    assert (svc.protocol, svc.fwmark, svc.host, svc.port, svc.scheduler) == ("FWM", 258, None, None, "rr")
    assert reals(svc) == [("docker0.local", 0, "Masq", 1, 0, 0), ("192.168.200.4", 0, "Masq", 1, 0, 0)]
    table = parse_ipvsadm_list(found("L-fwm-swarm-01.txt"))
    assert table.numeric is False
    assert [(s.fwmark, [r.host for r in s.reals]) for s in table.services] == [
        (258, ["node2"]), (259, ["10.0.0.10", "10.0.0.11"])]


def test_ipv6_tunnel_and_ipv6_firewall_mark():
    table = parse_ipvsadm_list(found("Ln-ipv6-fwm-tunnel-01.txt"))
    assert (table.size, table.numeric) == (1048576, True)
    keys = [(s.protocol, s.host, s.port, s.fwmark, s.ipv6, s.scheduler) for s in table.services]
    assert keys == [
        ("UDP", "2001:db8:cc::513", 53, None, True, "wrr"),
        ("TCP", "198.51.100.16", 443, None, False, "wrr"),
        ("TCP", "2001:db8:cc::812", 80, None, True, "wrr"),
        ("FWM", None, None, 52587, False, "wrr"),
        ("FWM", None, None, 52587, True, "wrr"),
    ]
    udp, https, empty, mark4, mark6 = table.services
    assert reals(udp) == [("2001:db8:af:15::64d:32c", 53, "Tunnel", 1, 0, 0)]
    assert [r.active for r in https.reals] == [3, 6, 8, 5, 7]
    assert [r.inactive for r in https.reals] == [2, 2, 2, 2, 3]
    assert empty.reals == ()
    assert reals(mark4)[0] == ("203.0.113.5", 0, "Tunnel", 1000, 0, 2775)
    assert reals(mark6)[2] == ("2001:db8:1542::8952:580e", 0, "Tunnel", 1000, 1118, 655)


def test_connection_templates_and_pushed_columns():
    first, second = parse_ipvsadm_connections(found("Lnc-persist-template-01.txt"))
    assert (first.protocol, first.expire, first.state) == ("TCP", 57, "NONE")
    assert (first.source, first.virtual, first.destination) == (
        "110.184.96.173:0", "122.225.32.142:80", "122.225.32.136:80")
    assert (second.expire, second.state, second.source) == (117, "FIN_WAIT", "110.184.96.173:54568")


def test_connection_expire_beyond_99_minutes():
    wait, template = parse_ipvsadm_connections(found("Lnc-kube-router-01.txt"))
    assert (wait.state, wait.expire, wait.source) == ("TIME_WAIT", 114, "192.168.123.248:35672")
    assert (template.state, template.expire) == ("NONE", 180 * 60 + 3)
    assert template.destination == "172.20.135.6:8080"


def test_connections_after_a_sudo_command_line():
    entries = parse_ipvsadm_connections(found("Lnc-ibm-01.txt"))
    assert [e.state for e in entries] == ["CLOSE", "TIME_WAIT", "ESTABLISHED", "ESTABLISHED", "NONE", "NONE"]
    assert [e.expire for e in entries] == [7, 24, 899, 889, 58, 59]
    assert entries[5].virtual == "169.46.7.238:65535" and entries[4].virtual == "169.46.7.238:0"
    assert entries[0].destination == "169.48.180.191:28372"


def test_connections_with_names():
    entries = parse_ipvsadm_connections(found("Lc-names-01.txt"))
    assert len(entries) == 6
    assert {e.virtual for e in entries} == {"localhost.localdomain:http"}
    assert [e.destination for e in entries][:3] == ["localhost:http", "localhost:http", "192.168.0.179:http"]
    assert entries[0].source == "192.168.0.201:53555" and entries[0].expire == 32


def test_connections_under_a_watch_header():
    entries = parse_ipvsadm_connections(found("Lnc-watch-01.txt"))
    assert len(entries) == 6 and {e.state for e in entries} == {"SYN_RECV"}
    assert entries[0].source == "192.168.122.1:55989" and entries[0].destination == "10.10.10.10:80"
    assert entries[4].expire == 59


def test_timeout_after_command_lines():
    timeouts = parse_ipvsadm_timeout(found("timeout-01.txt"))
    assert (timeouts.tcp, timeouts.tcpfin, timeouts.udp) == (1, 2, 1)


def test_daemon_1_31_fields():
    master, backup = parse_ipvsadm_daemon(found("daemon-131-01.txt"))
    assert (master.state, master.mcast_interface, master.syncid) == ("master", "ens18", 1)
    assert (master.maxlen, master.group, master.port, master.ttl) == (1472, "224.0.0.81", 8848, 1)
    assert (backup.state, backup.syncid) == ("backup", 2)


def test_piranha_nat_with_send_program():
    cf = parse_lvs_cf(found("lvs.cf-nat-send-program-01"))
    assert cf.globals["network"] == "nat"
    assert cf.globals["nat_router"] == "192.168.122.254 eth2"
    assert cf.globals["serial_no"] == "30"
    (virtual,) = cf.virtuals
    assert (virtual.name, virtual.active, virtual.address, virtual.port) == ("http", True, "172.25.30.100", 80)
    assert (virtual.protocol, virtual.scheduler, virtual.persistent) == ("tcp", "wlc", None)
    assert virtual.send == "GET / HTTP/1.0\r\n\r\n"
    assert virtual.expect == "ok"
    assert virtual.send_program == "/bin/testlink %h"
    assert [(s.name, s.address, s.port, s.weight, s.active) for s in virtual.servers] == [
        ("node1", "192.168.122.224", 80, 1, True), ("node2", "192.168.122.245", 80, 1, True)]
    assert cf.to_ipvsadm_rules() == [
        "-A -t 172.25.30.100:80 -s wlc",
        "-a -t 172.25.30.100:80 -r 192.168.122.224:80 -m -w 1",
        "-a -t 172.25.30.100:80 -r 192.168.122.245:80 -m -w 1",
    ]


LISTINGS = [n for n in sorted(p.name for p in FOUND.iterdir())
            if n.startswith(("L-", "Ln-", "stats-", "rate-"))]
CONNECTIONS = [n for n in sorted(p.name for p in FOUND.iterdir()) if n.startswith(("Lc-", "Lnc-"))]


@pytest.mark.parametrize("name", LISTINGS)
def test_listing_variants_read_the_same(name):
    """CRLF line ends, tabs for blanks, and a copy with every run of blanks collapsed."""
    text = found(name)
    expected = parse_ipvsadm_list(text)
    collapsed = "\n".join(re.sub(r"\s+", " ", line).strip() for line in text.splitlines())
    for variant in (text.replace("\n", "\r\n"), text.replace("    ", "\t"), collapsed):
        assert parse_ipvsadm_list(variant) == expected


@pytest.mark.parametrize("name", CONNECTIONS)
def test_connection_variants_read_the_same(name):
    text = found(name)
    expected = parse_ipvsadm_connections(text)
    assert parse_ipvsadm_connections(text.replace("\n", "\r\n")) == expected
    assert parse_ipvsadm_connections(re.sub(r"[ \t]+", " ", text)) == expected


@pytest.mark.parametrize("name", LISTINGS)
def test_garbage_inside_a_found_listing_names_its_line(name):
    lines = found(name).splitlines()
    middle = len(lines) // 2 + 1
    broken = "\n".join(lines[:middle] + ["Can't initialize ipvs: Protocol not available"] + lines[middle:])
    with pytest.raises(ParseError) as caught:
        parse_ipvsadm_list(broken)
    assert caught.value.line == middle + 1
    assert "Protocol not available" in str(caught.value)


def test_a_prompt_inside_the_output_is_not_skipped():
    text = found("stats-nat-01.txt").splitlines()
    text.insert(3, "[root@lvs ~]# ipvsadm -Ln")
    with pytest.raises(ParseError) as caught:
        parse_ipvsadm_list("\n".join(text))
    assert caught.value.line == 4


def test_tool_error_text_is_not_taken_for_a_prompt():
    for text in ("ipvsadm: command not found\n", "Can't initialize ipvs: Protocol not available\n"):
        with pytest.raises(ParseError):
            parse_ipvsadm_list(text)
        with pytest.raises(ParseError):
            parse_ipvsadm_connections(text)


@pytest.mark.parametrize("name", ["lvs.cf-nat-send-program-01"])
def test_lvs_cf_variants_read_the_same(name):
    text = found(name)
    expected = parse_lvs_cf(text)
    body = text.split("\n", 1)[1]  # without the copied cat line
    assert parse_lvs_cf(body) == expected
    assert parse_lvs_cf(body.replace("\n", "\r\n")) == expected
    assert parse_lvs_cf(body.replace("    ", "\t") + "[root@lvs-f30 ~]#\n") == expected
    assert parse_lvs_cf("$ sudo cat /etc/sysconfig/ha/lvs.cf\n" + body) == expected


def test_lvs_cf_other_commands_are_not_skipped():
    with pytest.raises(ParseError) as caught:
        parse_lvs_cf("[root@lvs ~]# cat /etc/hosts\nserial_no = 1\n")
    assert caught.value.line == 1
    body = found("lvs.cf-nat-send-program-01").split("\n", 1)[1]
    broken = body.replace("    port = 80\n", "    [root@lvs ~]# cat lvs.cf\n", 1)
    with pytest.raises(ParseError) as caught:
        parse_lvs_cf(broken)
    assert broken.splitlines()[caught.value.line - 1] == "    [root@lvs ~]# cat lvs.cf"


def save_rows(name: str) -> list[tuple]:
    table = parse_ipvsadm_save(found(name))
    return [(s.protocol, s.host, s.port, s.scheduler, s.persistent,
             [(r.host, r.port, r.forward, r.weight) for r in s.reals]) for s in table.services]


def test_save_indented_with_its_command_line():
    rows = save_rows("save-indented-01.txt")
    assert [r[:5] for r in rows] == [("TCP", "10.1.0.1", 443, "rr", None),
                                     ("TCP", "10.1.21.161", 8080, "rr", 10800)]
    assert rows[0][5] == [("192.168.10.100", 6443, "Masq", 1), ("192.168.10.101", 6443, "Masq", 1),
                          ("192.168.10.102", 6443, "Masq", 1)]
    assert [r[0] for r in rows[1][5]] == ["10.2.0.10", "10.2.2.10", "10.2.2.11", "10.2.3.5", "10.2.4.8"]


def test_save_after_a_dollar_prompt_and_a_blank_line():
    assert save_rows("save-prompt-01.txt") == [
        ("TCP", "10.254.0.1", 443, "rr", 10800, [("192.168.123.250", 6443, "Masq", 1)])]


def test_save_with_comment_lines_between_groups():
    rows = save_rows("save-annotated-01.txt")
    assert [(r[1], r[2]) for r in rows] == [
        ("172.17.0.1", 30470), ("10.126.142.0", 30470), ("10.12.32.121", 30470),
        ("127.0.0.1", 30470), ("10.12.32.160", 80), ("10.106.147.222", 80)]
    assert {tuple(r[5]) for r in rows} == {(("10.126.142.9", 80, "Masq", 1),)}


def test_save_udp_direct_routing_indented_by_a_tab():
    assert save_rows("save-udp-tabs-01.txt") == [
        ("UDP", "213.167.104.144", 53, "wrr", None,
         [("213.167.104.142", 5354, "Route", 1), ("213.167.104.142", 5355, "Route", 1)])]


def test_save_filtered_through_grep():
    rows = save_rows("save-grep-01.txt")
    assert rows[0][:4] == ("TCP", "10.96.54.11", 8080, "rr")
    assert [r[0] for r in rows[0][5]] == ["10.244.1.2", "10.244.1.3", "10.244.2.2"]


@pytest.mark.parametrize("name", sorted(p.name for p in FOUND.iterdir() if p.name.startswith("save-")))
def test_save_variants_and_a_foreign_command_line(name):
    text = found(name)
    expected = parse_ipvsadm_save(text)
    assert parse_ipvsadm_save(text.replace("\n", "\r\n")) == expected
    with pytest.raises(ParseError) as caught:
        parse_ipvsadm_save("[root@lvs ~]# ipvsadm -Ln\n" + text)
    assert caught.value.line == 1


@pytest.mark.parametrize("mark", ["12345678", "16", "258"])
def test_collapsed_listing_reads_firewall_marks_as_decimal(mark):
    """A collapsed copy has /proc's one-space title; only /proc prints marks as %08X."""
    text = found("L-fwm-swarm-01.txt").replace("FWM  258", f"FWM  {mark}")
    collapsed = "\n".join(re.sub(r"\s+", " ", line).strip() for line in text.splitlines())
    assert parse_ipvsadm_list(collapsed).services[0].fwmark == int(mark)


def test_proc_net_ip_vs_with_an_eight_digit_hex_mark():
    text = found("proc-net-ip_vs-node-exporter.txt")
    table = parse_ipvsadm_list(text)
    assert table.view == "proc" and table.numeric is True
    assert [(s.protocol, s.host, s.port, s.fwmark, s.scheduler) for s in table.services] == [
        ("TCP", "192.168.0.22", 3306, None, "wlc"), ("TCP", "192.168.0.57", 3306, None, "wlc"),
        ("TCP", "192.168.0.55", 3306, None, "wlc"), ("FWM", None, None, 0x10001000, "wlc")]
    assert reals(table.services[0]) == [
        ("192.168.82.22", 3306, "Tunnel", 100, 248, 2), ("192.168.83.24", 3306, "Tunnel", 100, 248, 2),
        ("192.168.83.21", 3306, "Tunnel", 100, 248, 1)]
    assert reals(table.services[3]) == [
        ("192.168.50.26", 3306, "Tunnel", 20, 64, 1), ("192.168.49.32", 3306, "Tunnel", 100, 321, 5)]
    collapsed = "\n".join(re.sub(r"\s+", " ", line).strip() for line in text.splitlines())
    assert parse_ipvsadm_list(collapsed) == table
