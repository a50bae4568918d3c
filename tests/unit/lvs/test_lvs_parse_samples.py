"""Every capture in ../shared/reference/lvs-samples parses to what a careful reader sees."""

from __future__ import annotations

import pytest

from zigha.errors import ParseError
from zigha.lvs import (
    parse_ipvsadm_connections,
    parse_ipvsadm_daemon,
    parse_ipvsadm_list,
    parse_ipvsadm_save,
    parse_ipvsadm_timeout,
    parse_ipvsadm_version,
)


@pytest.fixture
def sample(reference):
    return lambda name: (reference / "lvs-samples" / name).read_text()


def reals(svc):
    return [(r.host, r.port, r.forward, r.weight, r.active, r.inactive) for r in svc.reals]


def test_ln_01_dr_round_robin(sample):
    table = parse_ipvsadm_list(sample("ipvsadm-Ln-01.txt"))
    assert (table.version, table.size, table.numeric, table.view) == ("1.2.1", 4096, True, "default")
    (svc,) = table.services
    assert (svc.protocol, svc.host, svc.port, svc.fwmark) == ("TCP", "161.202.132.84", 80, None)
    assert (svc.scheduler, svc.persistent, svc.stats, svc.rate) == ("rr", None, None, None)
    assert reals(svc) == [
        ("161.202.142.204", 80, "Route", 1, 134, 0),
        ("161.202.142.206", 80, "Route", 1, 135, 0),
    ]


def test_ln_02_piranha_director_with_fwmark_and_damaged_widths(sample):
    table = parse_ipvsadm_list(sample("ipvsadm-Ln-02.txt"))
    web, sip = table.services
    assert (web.protocol, web.host, web.port, web.scheduler) == ("TCP", "172.16.11.210", 80, "wlc")
    assert (sip.protocol, sip.host, sip.port, sip.fwmark, sip.ipv6) == ("FWM", None, None, 3, False)
    assert reals(sip)[0] == ("172.16.11.76", 5060, "Route", 1, 0, 69)
    assert [r.host for r in web.reals] == ["172.16.11.76", "172.16.11.77", "172.16.11.78"]


def test_ln_03_persistent_and_services_without_reals(sample):
    table = parse_ipvsadm_list(sample("ipvsadm-Ln-03.txt"))
    api, dns_tcp, dns_udp = table.services
    assert (api.scheduler, api.persistent) == ("rr", 10800)
    assert reals(api) == [("10.229.43.2", 6443, "Masq", 1, 0, 0)]
    assert (dns_tcp.protocol, dns_tcp.port, dns_tcp.reals) == ("TCP", 53, ())
    assert (dns_udp.protocol, dns_udp.host, dns_udp.flags) == ("UDP", "10.0.0.10", ())


def test_ln_04_fwmark_port_zero_unsorted(sample):
    (svc,) = parse_ipvsadm_list(sample("ipvsadm-Ln-04.txt")).services
    assert (svc.fwmark, svc.scheduler) == (1, "wrr")
    assert reals(svc) == [("192.168.0.109", 0, "Route", 2, 0, 1451),
                          ("192.168.0.108", 0, "Route", 1, 0, 721)]


def test_ln_05_ipv6_without_brackets(sample):
    table = parse_ipvsadm_list(sample("ipvsadm-Ln-05.txt"))
    assert len(table.services) == 10
    v6 = table.services[5]
    assert (v6.host, v6.port, v6.ipv6, v6.persistent) == ("2001:18e8:2:6::17d", 80, True, 600)
    assert reals(v6) == [("2001:18e8:2:6::113", 80, "Route", 100, 0, 0)]
    assert table.services[0].reals[0].inactive == 41
    assert table.numeric


def test_ln_06_to_10(sample):
    assert [r.host for r in parse_ipvsadm_list(sample("ipvsadm-Ln-06.txt")).services[1].reals] == [
        "172.20.135.8", "172.20.166.130", "172.20.104.9"]
    t7 = parse_ipvsadm_list(sample("ipvsadm-Ln-07.txt"))
    assert [(s.protocol, s.port, len(s.reals)) for s in t7.services] == [
        ("TCP", 443, 1), ("TCP", 53, 0), ("TCP", 9153, 0), ("UDP", 53, 0)]
    t8 = parse_ipvsadm_list(sample("ipvsadm-Ln-08.txt"))
    assert (t8.version, t8.size) == (None, None)
    assert [r.port for r in t8.services[0].reals] == [8080, 8080, 8080]
    t9 = parse_ipvsadm_list(sample("ipvsadm-Ln-09.txt"))
    assert (t9.services[0].scheduler, t9.services[0].persistent) == ("wrr", 5)
    t10 = parse_ipvsadm_list(sample("ipvsadm-Ln-10.txt"))
    assert [s.host for s in t10.services] == ["192.168.123.249", "10.254.0.1", "10.254.175.147"]
    assert t10.services[0].port == 34507


def test_l_names_are_kept_and_table_not_numeric(sample):
    table = parse_ipvsadm_list(sample("ipvsadm-L-01.txt"))
    assert table.numeric is False
    (svc,) = table.services
    assert (svc.host, svc.port, svc.scheduler) == ("ip-192-168-0-117.ap-southeas", None, "rr")
    assert [(r.host, r.port, r.forward) for r in svc.reals] == [
        ("ip-192-168-144-101.ap-southe", None, "Masq"), ("ip-192-168-144-197.ap-southe", None, "Masq")]


def test_l_empty_and_fwmark(sample):
    empty = parse_ipvsadm_list(sample("ipvsadm-L-02.txt"))
    assert (empty.services, empty.version, empty.size) == ((), "1.2.1", 4096)
    (svc,) = parse_ipvsadm_list(sample("ipvsadm-L-03.txt")).services
    assert (svc.protocol, svc.fwmark, svc.host, svc.port) == ("FWM", 1, None, None)
    assert reals(svc) == [("172.27.0.30", 80, "Masq", 1, 0, 0), ("172.27.0.31", 80, "Masq", 1, 0, 0)]


def test_stats_views(sample):
    t1 = parse_ipvsadm_list(sample("ipvsadm-stats-01.txt"))
    assert t1.view == "stats"
    svc = t1.services[0]
    assert (svc.fwmark, svc.scheduler, svc.exact) == (296, None, True)
    assert (svc.stats.conns, svc.stats.inpkts, svc.stats.outpkts, svc.stats.inbytes,
            svc.stats.outbytes) == (105116, 827026, 774414, 55260589, 51457957)
    assert svc.stats.cps is None and svc.rate is None
    real = svc.reals[0]
    assert (real.host, real.port, real.forward, real.weight, real.active, real.inactive) == (
        "172.50.0.21", 0, None, None, None, None)
    assert real.stats.outbytes == 47539945
    t2 = parse_ipvsadm_list(sample("ipvsadm-stats-02.txt"))
    assert [r.stats.outpkts for r in t2.services[0].reals] == [0, 0]
    assert t2.services[0].stats.inbytes == 13622


def test_stats_suffixes_are_lower_bounds(sample):
    table = parse_ipvsadm_list(sample("ipvsadm-stats-03.txt"))
    svc = table.services[0]
    assert (svc.host, svc.port) == ("20.20.20.1", 2020)
    assert svc.stats.inbytes == 830843000 and svc.stats.outbytes == 1135000000
    assert svc.stats.conns == 401 and svc.stats.inpkts == 8939187
    assert svc.exact is False and svc.stats.exact is False
    assert table.numeric is False  # a name cut to 28 characters
    truncated = svc.reals[1]
    assert (truncated.host, truncated.port) == ("1.31.31.31.dyn.idknet.com", 50)
    assert svc.reals[0].stats.outbytes == 384268000


def test_rate_ipv6_single_service(sample):
    table = parse_ipvsadm_list(sample("ipvsadm-rate-01.txt"))
    assert (table.view, table.version) == ("rate", None)
    (svc,) = table.services
    assert (svc.host, svc.port, svc.ipv6) == ("2001:db8::1", 80, True)
    assert (svc.rate.cps, svc.rate.inpps, svc.rate.outpps, svc.rate.inbps, svc.rate.outbps) == (
        1074, 5515, 0, 711394, 0)
    assert svc.stats is None and svc.rate.conns is None
    assert [(r.host, r.rate.cps, r.inactive) for r in svc.reals] == [
        ("2001:db8:42::1", 359, None), ("2001:db8:42::2", 358, None), ("2001:db8:42::3", 357, None)]


def test_thresholds_view(sample):
    table = parse_ipvsadm_list(sample("ipvsadm-thresholds-01.txt"))
    assert table.view == "thresholds"
    assert [(r.upper_threshold, r.lower_threshold, r.active, r.inactive, r.weight)
            for r in table.services[0].reals] == [
        (0, 0, 0, 0, None), (10000, 0, 0, 0, None), (10000, 100, 0, 0, None)]
    assert table.services[0].scheduler == "rr"


def test_persistent_conn_views(sample):
    t1 = parse_ipvsadm_list(sample("ipvsadm-persistent-conn-01.txt"))
    assert t1.view == "persistent-conn"
    assert t1.services[0].persistent == 120
    assert [(r.weight, r.persistent_conns, r.active, r.inactive) for r in t1.services[0].reals] == [
        (1, 0, 0, 0), (1, 1, 0, 2)]
    t2 = parse_ipvsadm_list(sample("ipvsadm-persistent-conn-02.txt"))
    assert t2.numeric is False
    svc = t2.services[0]
    assert (svc.host, svc.port, svc.scheduler) == ("localhost.localdomain", "http", "wlc")
    assert [(r.host, r.port, r.weight) for r in svc.reals][0] == ("localhost", "http", 5)


def test_proc_net_ip_vs_hex(sample):
    table = parse_ipvsadm_list(sample("proc-net-ip_vs-01.txt"))
    (svc,) = table.services
    assert (svc.fwmark, svc.scheduler) == (1, "wrr")
    assert [(r.host, r.port, r.forward) for r in svc.reals] == [
        ("172.27.0.31", 80, "Masq"), ("172.27.0.30", 80, "Masq")]


def test_connections(sample):
    c1 = parse_ipvsadm_connections(sample("ipvsadm-Lnc-01.txt"))
    assert [(c.protocol, c.expire, c.state) for c in c1] == [
        ("TCP", 231, "ESTABLISHED"), ("TCP", 118, "FIN_WAIT"), ("TCP", 899, "ESTABLISHED")]
    assert (c1[0].source, c1[0].virtual, c1[0].destination) == (
        "192.168.56.1:56954", "192.168.56.200:80", "192.168.56.102:80")
    c2 = parse_ipvsadm_connections(sample("ipvsadm-Lnc-02.txt"))
    assert len(c2) == 10 and c2[7].state == "CLOSE" and c2[7].expire == 8
    c3 = parse_ipvsadm_connections(sample("ipvsadm-Lnc-03.txt"))
    assert c3[0].template and c3[0].state == "NONE" and c3[0].source == "10.10.10.1:0"
    assert not c3[1].template
    names = parse_ipvsadm_connections(sample("ipvsadm-Lc-01.txt"))
    assert len(names) == 7
    assert (names[0].virtual, names[0].destination, names[0].expire) == (
        "localhost.localdomain:http", "localhost:http", 32)


def test_save_files(sample):
    s1 = parse_ipvsadm_save(sample("ipvsadm-save-01.txt"))
    assert [(r.host, r.port, r.forward, r.weight) for r in s1.services[0].reals] == [
        ("9.111.255.32", 80, "Masq", 1), ("9.111.255.167", 80, "Masq", 1)]
    s2 = parse_ipvsadm_save(sample("ipvsadm-save-02.txt"))
    assert [(s.fwmark, s.scheduler, len(s.reals)) for s in s2.services] == [
        (3, "wrr", 3), (1, "wrr", 2), (2, "wrr", 1)]
    assert s2.services[0].reals[0].forward == "Tunnel"
    s3 = parse_ipvsadm_save(sample("ipvsadm-save-03.txt"))
    assert s3.services[1].persistent == 10800 and len(s3.services[1].reals) == 3
    s4 = parse_ipvsadm_save(sample("ipvsadm-save-04.txt"))
    assert [(r.host, r.forward) for r in s4.services[0].reals] == [
        ("192.168.56.102", "Route"), ("192.168.56.103", "Route")]
    assert s4.services[0].reals[0].upper_threshold is None


def test_timeout_daemon_version(sample):
    assert parse_ipvsadm_timeout(sample("ipvsadm-timeout-01.txt")).tcp == 900
    t2 = parse_ipvsadm_timeout(sample("ipvsadm-timeout-02.txt"))
    assert (t2.tcp, t2.tcpfin, t2.udp) == (1, 2, 1)
    master, backup = parse_ipvsadm_daemon(sample("ipvsadm-daemon-01.txt"))
    assert (master.state, master.mcast_interface, master.syncid, master.maxlen, master.group,
            master.port, master.ttl) == ("master", "ens18", 1, 1472, "224.0.0.81", 8848, 1)
    assert (backup.state, backup.syncid) == ("backup", 2)
    version = parse_ipvsadm_version(sample("ipvsadm-version-01.txt"))
    assert (version.ipvsadm, version.date, version.ipvs) == ("1.26", "2008/5/15", "1.2.1")


@pytest.mark.parametrize("text, line", [
    ("Prot LocalAddress:Port Scheduler Flags\nXYZ  1.2.3.4:80 rr\n", 2),
    ("TCP  1.2.3.4:80 rr\n  -> 1.2.3.5:80 Route one 0 0\n", 2),
    ("  -> 1.2.3.5:80 Route 1 0 0\n", 1),
    ("TCP  1.2.3.4:80 rr\n  -> 1.2.3.5:80 Route 1 0\n", 2),
    ("TCP  1.2.3.4:80\n", 1),
    ("TCP  1.2.3.4:80 rr\n<html>\n", 2),
])
def test_garbage_raises_parse_error_with_line(text, line):
    with pytest.raises(ParseError) as info:
        parse_ipvsadm_list(text)
    assert info.value.line == line
    assert info.value.tool == "ipvsadm -L"


def test_unknown_service_words_are_kept():
    table = parse_ipvsadm_list("TCP  10.0.0.1:80 sh (sh-port,sh-fallback) persistent 60 mask "
                               "255.255.255.0 pe sip ops frobnicate\n")
    svc = table.services[0]
    assert svc.sched_flags == ("sh-port", "sh-fallback")
    assert (svc.persistent, svc.netmask, svc.pe, svc.ops, svc.flags) == (
        60, "255.255.255.0", "sip", True, ("frobnicate",))


def test_ipv4_name_listing_from_1_31_with_bracketed_ipv6_names():
    text = ("TCP  [api.example.net]:6443 rr\n"
            "  -> [node1.example.net]:6443     Masq    1      0          0\n")
    table = parse_ipvsadm_list(text)
    assert table.services[0].host == "api.example.net" and table.services[0].ipv6
    assert table.numeric is False


def test_a_single_name_makes_the_table_not_numeric():
    text = ("TCP  10.0.0.1:80 rr\n"
            "  -> 10.0.0.2:80                  Route   1      0          0\n"
            "  -> web3.example.com:http        Route   1      0          0\n")
    table = parse_ipvsadm_list(text)
    assert table.numeric is False
    assert (table.services[0].reals[1].host, table.services[0].reals[1].port) == ("web3.example.com", "http")
    assert parse_ipvsadm_list(text.replace("web3.example.com:http", "[2001:db8::3]:80")).numeric


def test_name_cut_right_after_the_colon_has_no_port():
    text = ("TCP  a-very-long-load-balancer-name.ex: rr\n"
            "  -> a-long-real-server-name.exam:  Route   1      0          0\n")
    svc = parse_ipvsadm_list(text).services[0]
    assert (svc.host, svc.port, svc.reals[0].host, svc.reals[0].port) == (
        "a-very-long-load-balancer-name.ex", None, "a-long-real-server-name.exam", None)


def test_whitespace_collapsed_listing_is_read_like_the_real_one(sample):
    original = parse_ipvsadm_list(sample("ipvsadm-Ln-02.txt"))
    collapsed = "\n".join(" ".join(line.split()) if not line.startswith("  ->") else
                          "  " + " ".join(line.split()) for line in
                          sample("ipvsadm-Ln-02.txt").splitlines())
    table = parse_ipvsadm_list(collapsed)
    assert [(s.key, [r.key for r in s.reals]) for s in table.services] == [
        (s.key, [r.key for r in s.reals]) for s in original.services]
    assert table.services[1].fwmark == 3 and table.view == "default"
