"""diff() is right for any current and desired table: replaying its batch on a model of
the kernel (the way ipvsadm -R applies each line) gives the desired state, touches no
service the desired state does not name (unless prune), and a second diff is empty."""

from __future__ import annotations

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zigha.lvs.apply import diff
from zigha.lvs.desired import DesiredState
from zigha.lvs.model import IpvsTable, RealServer, VirtualService
from zigha.lvs.rules import parse_rules

hosts = st.sampled_from(["10.0.0.1", "10.0.0.2", "10.0.0.3"])
real_hosts = st.sampled_from(["172.16.0.1", "172.16.0.2", "172.16.0.3", "172.16.0.4"])


@st.composite
def service(draw):
    if draw(st.booleans()):
        base = VirtualService(protocol="FWM", fwmark=draw(st.integers(1, 3)))
        port = lambda: draw(st.sampled_from([0, 80, 8080]))  # noqa: E731
    else:
        base = VirtualService(protocol=draw(st.sampled_from(["TCP", "UDP"])), host=draw(hosts),
                              port=draw(st.sampled_from([80, 443])))
        port = lambda: base.port  # noqa: E731
    persistent = draw(st.none() | st.sampled_from([60, 300]))
    reals = {}
    for _ in range(draw(st.integers(0, 4))):
        real = RealServer(host=draw(real_hosts), port=port(),
                          forward=draw(st.sampled_from(["Route", "Masq", "Tunnel"])),
                          weight=draw(st.integers(0, 3)), upper_threshold=draw(st.sampled_from([0, 50])),
                          lower_threshold=0)
        reals[real.key] = real
    return attrs.evolve(base, scheduler=draw(st.sampled_from(["rr", "wlc", "sh"])),
                        persistent=persistent,
                        netmask=draw(st.sampled_from([None, "255.255.255.0"])) if persistent else None,
                        reals=tuple(reals.values()))


def unique(services):
    seen = {}
    for svc in services:
        seen.setdefault(svc.key, svc)
    return list(seen.values())


def replay(current: IpvsTable, batch: str) -> IpvsTable:
    """A model of the kernel table fed line by line (ipvsadm -R semantics)."""
    table = {s.key: (s, {r.key: r for r in s.reals}) for s in current.services}
    for rule in parse_rules(batch):
        svc, real = rule.service, rule.real
        if rule.command == "-A":
            assert svc.key not in table, "Service already exists"
            table[svc.key] = (svc, {})
        elif rule.command == "-E":
            table[svc.key] = (svc, table[svc.key][1])
        elif rule.command == "-D":
            del table[svc.key]
        elif rule.command == "-a":
            assert real.key not in table[svc.key][1], "Destination already exists"
            table[svc.key][1][real.key] = real
        elif rule.command == "-e":
            assert real.key in table[svc.key][1], "No such destination"
            table[svc.key][1][real.key] = real
        elif rule.command == "-d":
            del table[svc.key][1][real.key]
    return IpvsTable(services=[attrs.evolve(s, reals=tuple(r.values())) for s, r in table.values()])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(service(), max_size=5), st.lists(service(), max_size=5), st.booleans())
def test_replayed_plan_reaches_the_desired_state(current, desired, prune):
    current_table = IpvsTable(services=unique(current))
    wanted = DesiredState(services=tuple(unique(desired)))
    plan = diff(current_table, wanted, prune=prune)
    after = replay(current_table, plan.batch)
    assert diff(after, wanted, prune=prune).empty
    named = {s.key for s in wanted.services}
    untouched = [s for s in current_table.services if s.key not in named]
    if prune:
        assert not any(s.key in {u.key for u in untouched} for s in after.services)
    else:
        assert all(after.service(s.key) == s for s in untouched)
    assert len(plan.changes) == len(set(plan.lines))
