"""Issue 5: LVS. Every "Fixed name" used exactly as the issue words it.

``from zigha.lvs import parse_ipvsadm_list, parse_ipvsadm_connections, parse_lvs_cf``.
Listings come from ../shared/reference/lvs-samples (real captures), from
tests/fixtures/lvs/found (real captures found in public pages) and, for layouts no
capture shows (1.31 SCTP and scheduler flags, 1.26 pe/ops, Local forwarding), from
ipvsadm's printf formats as ../shared/reference/lvs.md §3 gives them.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from zigha.errors import ParseError
from zigha.lvs import parse_ipvsadm_connections, parse_ipvsadm_list, parse_lvs_cf

FOUND = Path(__file__).resolve().parents[1] / "fixtures" / "lvs" / "found"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sample(reference):
    return lambda name: (reference / "lvs-samples" / name).read_text()


def real(host_port: str, forward: str, weight: int, active: int, inactive: int) -> str:
    """A real-server line exactly as ipvsadm prints it: "  -> %-28s %-7s %-6d %-10u %-10u"."""
    return f"  -> {host_port:<28} {forward:<7} {weight:<6d} {active:<10d} {inactive:<10d}"


HEADER = ("IP Virtual Server version 1.2.1 (size=4096)\n"
          "Prot LocalAddress:Port Scheduler Flags\n"
          "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n")
#: 1.31 layout: SCTP with one space, scheduler flags, ops on a non-persistent service, Local
LISTING_131 = HEADER + "\n".join([
    "TCP  192.168.10.249:80 rr",
    real("192.168.10.241:80", "Route", 1, 12, 40),
    real("192.168.10.242:80", "Route", 1, 11, 38),
    real("192.168.10.243:80", "Route", 0, 2, 55),
    "SCTP 10.0.0.5:3868 sh (sh-fallback,sh-port)",
    real("10.0.1.5:3868", "Masq", 3, 0, 0),
    "UDP  10.0.0.53:53 rr ops",
    real("127.0.0.1:53", "Local", 1, 0, 7),
    "FWM  7 wlc persistent 360 mask 255.255.255.0",
    real("10.0.2.1:0", "Tunnel", 5, 1, 2),
    "TCP  [2001:db8::10]:443 lc persistent 600",
    real("[2001:db8::11]:443", "Route", 100, 3, 4),
    "FWM  9 IPv6 wrr",
    real("[2001:db8::12]:0", "Masq", 2, 0, 0),
]) + "\n"
#: 1.26 layout: pe and ops only inside the persistent group
LISTING_126 = HEADER + "\n".join([
    "UDP  172.16.11.210:5060 wlc persistent 400 pe sip ops",
    real("172.16.11.76:5060", "Route", 1, 0, 69),
]) + "\n"


def test_fixed_import_line_names_the_three_parsers():
    assert callable(parse_ipvsadm_list) and callable(parse_ipvsadm_connections)
    assert callable(parse_lvs_cf)


def test_numeric_listing_table_fields(sample):
    table = parse_ipvsadm_list(sample("ipvsadm-Ln-02.txt"))
    assert table.version == "1.2.1"
    assert table.size == 4096 and isinstance(table.size, int)
    assert table.numeric is True
    tcp, fwm = table.services
    assert (tcp.protocol, tcp.host, tcp.port, tcp.fwmark) == ("TCP", "172.16.11.210", 80, None)
    assert tcp.scheduler == "wlc" and tcp.persistent is None
    assert [(r.host, r.port, r.forward, r.weight, r.active, r.inactive) for r in tcp.reals] == [
        ("172.16.11.76", 80, "Route", 1, 0, 0), ("172.16.11.77", 80, "Route", 1, 0, 0),
        ("172.16.11.78", 80, "Route", 1, 0, 0)]
    assert (fwm.protocol, fwm.fwmark, fwm.host, fwm.port) == ("FWM", 3, None, None)
    assert [r.inactive for r in fwm.reals] == [69, 69, 69]
    assert tcp.stats is None and tcp.rate is None and tcp.reals[0].stats is None


def test_listing_without_n_keeps_names_and_is_not_numeric(sample):
    table = parse_ipvsadm_list(sample("ipvsadm-persistent-conn-02.txt"))
    assert table.numeric is False
    (svc,) = table.services
    assert (svc.host, svc.port) == ("localhost.localdomain", "http")
    assert [(r.host, r.port) for r in svc.reals][:2] == [("localhost", "http"), ("192.168.0.179", "http")]
    names = parse_ipvsadm_list((FOUND / "L-120-names-01.txt").read_text())
    assert names.numeric is False and names.version == "1.2.0"
    assert names.services[0].port == "http" and names.services[0].persistent == 600


def test_1_31_layout_sctp_flags_ops_local_ipv6_fwmark():
    table = parse_ipvsadm_list(LISTING_131)
    assert table.numeric is True
    keys = [(s.protocol, s.host, s.port, s.fwmark, s.scheduler, s.persistent) for s in table.services]
    assert keys == [
        ("TCP", "192.168.10.249", 80, None, "rr", None),
        ("SCTP", "10.0.0.5", 3868, None, "sh", None),
        ("UDP", "10.0.0.53", 53, None, "rr", None),
        ("FWM", None, None, 7, "wlc", 360),
        ("TCP", "2001:db8::10", 443, None, "lc", 600),
        ("FWM", None, None, 9, "wrr", None),
    ]
    forwards = [r.forward for s in table.services for r in s.reals]
    assert forwards == ["Route", "Route", "Route", "Masq", "Local", "Tunnel", "Route", "Masq"]
    assert table.services[0].reals[2].weight == 0 and table.services[0].reals[2].inactive == 55
    assert table.services[4].reals[0].host == "2001:db8::11"
    assert table.services[4].reals[0].weight == 100


def test_1_26_layout_pe_and_ops_in_the_persistent_group():
    (svc,) = parse_ipvsadm_list(LISTING_126).services
    assert (svc.protocol, svc.port, svc.scheduler, svc.persistent) == ("UDP", 5060, "wlc", 400)
    assert svc.reals[0].inactive == 69


def test_ipv6_host_has_no_brackets(sample):
    table = parse_ipvsadm_list(sample("ipvsadm-Ln-05.txt"))
    v6 = [s for s in table.services if ":" in s.host]
    assert v6 and all(not s.host.startswith("[") for s in v6)
    assert v6[0].host == "2001:18e8:2:6::17d" and v6[0].port == 80 and v6[0].persistent == 600
    assert v6[0].reals[0].host == "2001:18e8:2:6::113"


def test_stats_view(sample):
    table = parse_ipvsadm_list(sample("ipvsadm-stats-02.txt"))
    svc = table.services[0]
    assert svc.scheduler is None and svc.persistent is None
    assert svc.stats is not None and svc.rate is None
    for attr in ("conns", "inpkts", "outpkts", "inbytes", "outbytes"):
        assert isinstance(getattr(svc.stats, attr), int)
    assert svc.stats.outpkts == 0 and svc.stats.outbytes == 0
    for r in svc.reals:
        assert (r.forward, r.weight, r.active, r.inactive) == (None, None, None, None)
        assert r.stats.outpkts == 0 and r.rate is None


def test_rate_view(sample):
    table = parse_ipvsadm_list(sample("ipvsadm-rate-01.txt"))
    (svc,) = table.services
    assert (svc.host, svc.port, svc.scheduler) == ("2001:db8::1", 80, None)
    assert svc.stats is None
    assert (svc.rate.cps, svc.rate.inpps, svc.rate.outpps, svc.rate.inbps, svc.rate.outbps) == (
        1074, 5515, 0, 711394, 0)
    assert [r.host for r in svc.reals] == ["2001:db8:42::1", "2001:db8:42::2", "2001:db8:42::3"]
    assert [r.rate.cps for r in svc.reals] == [359, 358, 357]
    assert [r.rate.inbps for r in svc.reals] == [238544, 236924, 235926]
    assert all(r.inactive is None and r.active is None and r.weight is None for r in svc.reals)
    dr = parse_ipvsadm_list((FOUND / "rate-dr-01.txt").read_text()).services[0]
    assert (dr.rate.cps, dr.rate.inpps, dr.rate.inbps) == (54, 288, 31825)


def test_k_m_g_suffixes_are_lower_bounds_flagged_not_exact(sample):
    svc = parse_ipvsadm_list(sample("ipvsadm-stats-03.txt")).services[0]
    assert svc.stats.inbytes == 830843000 and svc.stats.exact is False
    kmg = parse_ipvsadm_list((FOUND / "stats-KMG-single-01.txt").read_text()).services[0]
    assert kmg.stats.inpkts == 1030 * 10**6 and kmg.stats.inbytes == 150 * 10**9
    assert kmg.stats.exact is False and kmg.exact is False
    exact = parse_ipvsadm_list(sample("ipvsadm-stats-01.txt")).services[0]
    assert exact.stats.exact is True


def test_columns_a_view_does_not_print_are_none(sample):
    thresholds = parse_ipvsadm_list(sample("ipvsadm-thresholds-01.txt")).services[0]
    assert thresholds.reals[1].upper_threshold == 10000
    assert thresholds.reals[0].forward is None and thresholds.reals[0].weight is None
    persistent = parse_ipvsadm_list(sample("ipvsadm-persistent-conn-01.txt")).services[0]
    assert persistent.persistent == 120
    assert [(r.forward, r.weight, r.persistent_conns, r.active, r.inactive) for r in persistent.reals] == [
        (None, 1, 0, 0, 0), (None, 1, 1, 0, 2)]


def test_odd_input_raises_parse_error_with_the_line_and_unknown_flags_are_kept():
    broken = LISTING_131.replace("  -> 10.0.1.5:3868", "  -> 10.0.1.5:3868 garbage", 1)
    with pytest.raises(ParseError) as caught:
        parse_ipvsadm_list(broken)
    assert caught.value.line == 9 and "garbage" in str(caught.value)
    with pytest.raises(ParseError):
        parse_ipvsadm_list("Can't initialize ipvs: Protocol not available\n")
    (svc,) = parse_ipvsadm_list(HEADER + "TCP  10.0.0.1:80 rr persistent 60 futureflag\n").services
    assert svc.persistent == 60 and "futureflag" in svc.flags


def test_connections_fields(sample):
    entries = parse_ipvsadm_connections(sample("ipvsadm-Lnc-01.txt"))
    first = entries[0]
    assert (first.protocol, first.expire, first.state) == ("TCP", 3 * 60 + 51, "ESTABLISHED")
    assert (first.source, first.virtual, first.destination) == (
        "192.168.56.1:56954", "192.168.56.200:80", "192.168.56.102:80")
    wait, template = parse_ipvsadm_connections((FOUND / "Lnc-kube-router-01.txt").read_text())
    assert template.expire == 180 * 60 + 3 and template.source == "192.168.123.248:0"
    names = parse_ipvsadm_connections((FOUND / "Lc-names-01.txt").read_text())
    assert names[0].virtual == "localhost.localdomain:http" and names[0].destination == "localhost:http"


def test_lvs_cf_fields_and_rules(sample):
    conf = parse_lvs_cf(sample("lvs.cf-01"))
    assert isinstance(conf.globals, dict)
    for virtual in conf.virtuals:
        for attr in ("name", "active", "address", "port", "protocol", "scheduler", "persistent",
                     "send", "expect", "send_program", "servers"):
            assert hasattr(virtual, attr)
        for server in virtual.servers:
            assert {a: hasattr(server, a) for a in ("name", "address", "port", "weight", "active")} == {
                "name": True, "address": True, "port": True, "weight": True, "active": True}
    nat = parse_lvs_cf((FOUND / "lvs.cf-nat-send-program-01").read_text())
    assert nat.globals["primary"] == "172.25.30.14" and nat.globals["network"] == "nat"
    (http,) = nat.virtuals
    assert (http.name, http.active, http.address, http.port, http.protocol) == (
        "http", True, "172.25.30.100", 80, "tcp")
    assert (http.scheduler, http.persistent, http.expect) == ("wlc", None, "ok")
    assert http.send_program == "/bin/testlink %h"
    assert [(s.name, s.address, s.port, s.weight, s.active) for s in http.servers] == [
        ("node1", "192.168.122.224", 80, 1, True), ("node2", "192.168.122.245", 80, 1, True)]
    assert nat.to_ipvsadm_rules() == [
        "-A -t 172.25.30.100:80 -s wlc",
        "-a -t 172.25.30.100:80 -r 192.168.122.224:80 -m -w 1",
        "-a -t 172.25.30.100:80 -r 192.168.122.245:80 -m -w 1"]


def test_lvs_cf_rules_leave_inactive_virtuals_and_servers_out():
    text = """serial_no = 3
primary = 192.168.10.240
service = lvs
network = direct
virtual http {
    active = 1
    address = 192.168.10.249 eth0:1
    port = 80
    scheduler = rr
    protocol = tcp
    persistent = 300
    server h1 {
        address = 192.168.10.241
        active = 1
        weight = 1
    }
    server h2 {
        address = 192.168.10.242
        active = 0
        weight = 1
    }
}
virtual old {
    active = 0
    address = 192.168.10.250 eth0:2
    port = 25
    scheduler = wlc
    server h3 {
        address = 192.168.10.243
        active = 1
    }
}
"""
    conf = parse_lvs_cf(text)
    assert [v.name for v in conf.virtuals] == ["http", "old"]
    assert conf.virtuals[1].active is False and conf.virtuals[0].servers[1].active is False
    rules = conf.to_ipvsadm_rules()
    assert rules == ["-A -t 192.168.10.249:80 -s rr -p 300",
                     "-a -t 192.168.10.249:80 -r 192.168.10.241:80 -g -w 1"]
    from zigha.lvs import parse_ipvsadm_save
    saved = parse_ipvsadm_save("\n".join(rules) + "\n")  # the -S -n grammar reads them back
    assert saved.services[0].persistent == 300 and saved.services[0].reals[0].forward == "Route"


def test_the_seed_director_plans_as_one_batch_without_ip_vs(tmp_path):
    """`zigha lvs apply FILE --dry-run` stays useful without the module: --current."""
    current = tmp_path / "current.txt"
    current.write_text(HEADER + "TCP  192.168.10.249:80 rr\n" + real("192.168.10.241:80", "Route", 1, 0, 0) + "\n")
    done = subprocess.run(
        ["python3", "-m", "zigha.cli.main", "lvs", "apply", str(ROOT / "examples/zigsow/lvs/director.lvs"),
         "--dry-run", "--current", str(current), "--json", "--held-file", str(tmp_path / "held.json")],
        capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["applied"] is False
    assert [c["line"] for c in data["plan"]["changes"]] == [
        "-a -t 192.168.10.249:80 -r 192.168.10.242:80 -g -w 1 -x 0 -y 0",
        "-a -t 192.168.10.249:80 -r 192.168.10.243:80 -g -w 1 -x 0 -y 0"]
