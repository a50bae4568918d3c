"""Rendering -> parsing round-trips, and fuzzing: only ParseError escapes the parsers."""

from __future__ import annotations

import glob

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zigha.errors import ParseError
from zigha.lvs import (
    parse_ipvsadm_connections,
    parse_ipvsadm_daemon,
    parse_ipvsadm_list,
    parse_ipvsadm_save,
    parse_ipvsadm_timeout,
    parse_lvs_cf,
    parse_rules,
)
from zigha.lvs.model import Counters, IpvsTable, RealServer, VirtualService
from zigha.lvs.render import largenum, render_list
from zigha.lvs.rules import render_save

VIEWS = ("default", "stats", "rate", "thresholds", "persistent-conn", "tun-info")

ipv4 = st.ip_addresses(v=4).map(str)
ipv6 = st.ip_addresses(v=6).map(str)
counter = st.one_of(st.integers(0, 10**8 - 1), st.integers(0, 10**15))


def canonical(values: dict, exact: bool, plain: tuple) -> Counters:
    """What ipvsadm's abbreviation leaves of these values."""
    if exact:
        return Counters(**values)
    out, suffixed = {}, False
    for name, value in values.items():
        if name in plain or value < 10**8:
            out[name] = value
            continue
        for limit, divisor in ((10**9, 10**3), (10**11, 10**6), (10**14, 10**9), (None, 10**12)):
            if limit is None or value < limit:
                out[name] = value // divisor * divisor
                suffixed = True
                break
    return Counters(exact=not suffixed, **out)


@st.composite
def counters(draw, names, plain=()):
    values = {n: draw(counter) for n in names}
    return canonical(values, draw(st.booleans()), plain)


@st.composite
def reals(draw, view, ipv6_family):
    host = draw(ipv6 if ipv6_family else ipv4)
    fields = dict(host=host, port=draw(st.integers(0, 65535)), ipv6=ipv6_family,
                  forward=None, weight=None)
    if view in ("default", "tun-info"):
        fields.update(forward=draw(st.sampled_from(["Route", "Masq", "Tunnel", "Local"])),
                      weight=draw(st.integers(0, 65535)))
    if view == "tun-info":
        fields["tunnel_info"] = draw(st.sampled_from(["n/a", "ipip", "gue:6080:-c", "gre:+c"]))
    if view not in ("stats", "rate"):
        fields.update(active=draw(st.integers(0, 2**32 - 1)), inactive=draw(st.integers(0, 2**32 - 1)))
    if view == "thresholds":
        fields.update(upper_threshold=draw(st.integers(0, 2**31)), lower_threshold=draw(st.integers(0, 2**31)))
    if view == "persistent-conn":
        fields.update(weight=draw(st.integers(0, 65535)), persistent_conns=draw(st.integers(0, 10**6)))
    if view == "stats":
        fields["stats"] = draw(counters(Counters.STATS))
    if view == "rate":
        fields["rate"] = draw(counters(Counters.RATE, plain=("cps", "inpps", "outpps")))
    return RealServer(**fields)


@st.composite
def services(draw, view):
    protocol = draw(st.sampled_from(["TCP", "UDP", "SCTP", "FWM"]))
    family6 = draw(st.booleans())
    if protocol == "FWM":
        fields = dict(protocol="FWM", fwmark=draw(st.integers(1, 2**32 - 1)), ipv6=family6)
    else:
        fields = dict(protocol=protocol, host=draw(ipv6 if family6 else ipv4),
                      port=draw(st.integers(0, 65535)), ipv6=family6)
    if view in ("stats", "rate"):
        fields["scheduler"] = None
        fields[view] = draw(counters(Counters.STATS) if view == "stats" else
                            counters(Counters.RATE, plain=("cps", "inpps", "outpps")))
    else:
        fields["scheduler"] = draw(st.sampled_from(["rr", "wrr", "lc", "wlc", "sh", "mh", "fo"]))
        fields["sched_flags"] = draw(st.sampled_from([(), ("sh-port",), ("flag-1", "flag-2")]))
        persistent = draw(st.none() | st.integers(1, 2678400))
        fields["persistent"] = persistent
        if persistent:
            fields["netmask"] = draw(st.sampled_from([None, "255.255.255.0"] if not family6 else [None, "64"]))
            fields["pe"] = draw(st.sampled_from([None, "sip"]))
        fields["ops"] = draw(st.booleans())
    fields["reals"] = draw(st.lists(reals(view, draw(st.booleans())), max_size=4))
    return VirtualService(**fields)


@st.composite
def tables(draw):
    view = draw(st.sampled_from(VIEWS))
    header = draw(st.booleans())
    return IpvsTable(
        services=draw(st.lists(services(view), max_size=5)),
        version="1.2.1" if header else None, size=draw(st.sampled_from([4096, 1048576])) if header else None,
        numeric=True, view=view)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_listing_render_parse_round_trip(table):
    assert parse_ipvsadm_list(render_list(table)) == table


def strip_for_save(svc: VirtualService) -> VirtualService:
    # ipvsadm saves Local servers as -g, so they read back as Route
    reals = tuple(attrs.evolve(r, active=None, inactive=None, tunnel_info=None,
                               forward="Route" if r.forward == "Local" else r.forward)
                  for r in svc.reals)
    return attrs.evolve(svc, reals=reals, flags=())


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(services("default"), max_size=5))
def test_save_render_parse_round_trip(svcs):
    svcs = [strip_for_save(s) for s in svcs]
    keys = set()
    unique = [s for s in svcs if not (s.key in keys or keys.add(s.key))]
    parsed = parse_ipvsadm_save(render_save(unique))
    assert list(parsed.services) == [
        attrs.evolve(s, reals=tuple(attrs.evolve(r, upper_threshold=None, lower_threshold=None)
                                    for r in s.reals))
        for s in unique
    ]


def test_every_sample_round_trips(reference):
    for path in sorted(glob.glob(str(reference / "lvs-samples" / "ipvsadm-*"))):
        text = open(path).read()
        if any(k in path for k in ("Lnc", "Lc-", "timeout", "daemon", "version", "error")):
            continue
        if "save" in path:
            table = parse_ipvsadm_save(text)
            assert parse_ipvsadm_save(render_save(table.services)) == table, path
        else:
            table = parse_ipvsadm_list(text)
            assert parse_ipvsadm_list(render_list(table), numeric=table.numeric) == table, path


def test_largenum_matches_ipvsadm_examples():
    assert largenum(830843999, exact=False) == "  830843K"
    assert largenum(1135000000, exact=False) == "    1135M"
    assert largenum(55260589, exact=False) == " 55260589"
    assert largenum(123456789012, exact=True) == " 123456789012"


FRAGMENTS = st.sampled_from([
    "IP Virtual Server version 1.2.1 (size=4096)", "Prot LocalAddress:Port Scheduler Flags",
    "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn",
    "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes",
    "  -> RemoteAddress:Port", "TCP  10.0.0.1:80 rr", "FWM  3 IPv6 wlc", "UDP  [::1]:53",
    "  -> 10.0.0.2:80                  Route   1      0          0", "  ->", "TCP",
    "  -> [::1]:80 1 2 3 4 5K", "persistent", "TCP  [x", "-A -t 1.2.3.4:80 -s rr",
    "-a -f 3 -r 1.1.1.1 -m -w 9", "virtual a {", "}", "server b {", "port = http",
    'send = "x\\n"', "TCP 01:00  NONE 1:0 2:80 3:80", "master sync daemon (mcast=eth0, syncid=1)",
    "Timeout (tcp tcpfin udp): 1 2 3", "-E -u [::1]:53 -p", "  -> 1.2.3.4:0 Masq -1 0 0",
])
texts = st.one_of(st.text(max_size=200), st.lists(st.one_of(FRAGMENTS, st.text(max_size=30)),
                                                  max_size=12).map("\n".join))


@pytest.mark.parametrize("parser", [
    parse_ipvsadm_list, parse_ipvsadm_connections, parse_ipvsadm_save, parse_ipvsadm_timeout,
    parse_ipvsadm_daemon, parse_lvs_cf, parse_rules,
])
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts)
def test_fuzz_only_parse_error_escapes(parser, text):
    try:
        parser(text)
    except ParseError:
        pass


def test_1_26_save_words_are_read_and_written_back_restorable():
    from zigha.lvs.rules import parse_rule, service_rule

    rule = parse_rule("-A -u 10.0.0.1:5060 -s rr -p 360 pe sip ops")
    assert (rule.service.pe, rule.service.ops, rule.service.persistent) == ("sip", True, 360)
    assert service_rule("-A", rule.service) == "-A -u 10.0.0.1:5060 -s rr -p 360 --pe sip -o"
    assert parse_rule("ipvsadm -A -t 10.0.0.1:80 -p").service.persistent == 360
    assert parse_rule("-a -f 3 -6 -r [2001:db8::2] -m").real.port == 0
    with pytest.raises(ParseError, match="-6 used before -f"):
        parse_rule("-A -6 -f 3")


def test_connections_with_persistence_engine_columns():
    text = ("IPVS connection entries\n"
            "pro expire state       source             virtual            destination        pe name          pe_data\n"
            "UDP 05:00  UDP         10.0.0.5:5060      10.0.0.1:5060      10.0.1.1:5060      sip              a84bc3d2@h\n"
            "IP  06:00  NONE        10.0.0.5:0         0.0.0.10:0         10.0.1.1:0\n")
    rows = parse_ipvsadm_connections(text)
    assert (rows[0].pe_name, rows[0].pe_data, rows[0].expire) == ("sip", "a84bc3d2@h", 300)
    assert (rows[1].protocol, rows[1].virtual, rows[1].template) == ("IP", "0.0.0.10:0", True)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(max_size=200), st.lists(st.sampled_from([
    "format = zigha-lvs 1", "[service tcp 1.2.3.4:80]", "[service fwm 0]", "real 1.2.3.5",
    "real [::1]:80 weight=x", "check = http", "rise = 0", 'check_send = "\\q"', "persistent = 99999999",
    "[service udp [::1]:53 ipv6]", "forward = fast", "real 1.2.3.6:81 forward=nat", ""]), max_size=10).map("\n".join)))
def test_fuzz_desired_state_only_config_error_escapes(text):
    from zigha.errors import ConfigError
    from zigha.lvs.desired import parse_desired

    try:
        parse_desired(text)
    except ConfigError:
        pass
