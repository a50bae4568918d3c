"""Random sequences of edits on the example: every sequence leaves a document that the
real cluster.rng accepts and that has no error the starting file did not have; every
refusal is a typed error that changes nothing."""

from __future__ import annotations

from conf_corpus_paths import EXAMPLE, SCHEMA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zigha.conf import ClusterConf
from zigha.conf.validate import schema_findings, semantic_findings
from zigha.errors import ConfigError

NODES = [f"h{i}.zigsow.net" for i in range(1, 7)]
DOMAINS = ["prefer_h1", "prefer_h2", "prefer_h3", "extra", "EXTRA"]
SERVICES = ["http", "named", "mail", "web", "db"]
IPS = [f"192.168.10.{i}" for i in (246, 247, 248, 250, 251)]
BASE_TEXT = EXAMPLE.read_text()

node = st.sampled_from(NODES)
domain = st.sampled_from(DOMAINS)
service = st.sampled_from(SERVICES)
ip = st.sampled_from(IPS)

OPERATIONS = st.one_of(
    st.tuples(st.just("add_node"), node, st.one_of(st.none(), st.integers(0, 8))),
    st.tuples(st.just("remove_node"), node, st.booleans()),
    st.tuples(st.just("add_failover_domain"), domain, st.booleans()),
    st.tuples(st.just("remove_failover_domain"), domain),
    st.tuples(st.just("add_failover_domain_node"), domain, node, st.one_of(st.none(), st.integers(-1, 102))),
    st.tuples(st.just("remove_failover_domain_node"), domain, node),
    st.tuples(st.just("add_resource"), ip),
    st.tuples(st.just("remove_resource"), ip),
    st.tuples(st.just("add_service"), service, st.one_of(st.none(), domain)),
    st.tuples(st.just("remove_service"), service),
    st.tuples(st.just("add_ref"), service, ip),
    st.tuples(st.just("add_inline_ip"), service, ip),
    st.tuples(st.just("remove_subservice"), service, st.sampled_from(["ip", "ip[1]", "clusterfs", "script"])),
    st.tuples(st.just("set_cman"), st.sampled_from([{"two_node": 1, "expected_votes": 1},
                                                    {"expected_votes": 3}, {"two_node": None}])),
)


def apply(conf: ClusterConf, op: tuple) -> None:
    name, *args = op
    if name == "add_node":
        conf.add_node(args[0], nodeid=args[1])
    elif name == "remove_node":
        conf.remove_node(args[0], prune_domains=args[1])
    elif name == "add_failover_domain":
        conf.add_failover_domain(args[0], ordered=args[1])
    elif name == "add_resource":
        conf.add_resource("ip", address=args[0])
    elif name == "remove_resource":
        conf.remove_resource("ip", args[0])
    elif name == "add_service":
        conf.add_service(args[0], **({"domain": args[1]} if args[1] else {}))
    elif name == "add_ref":
        conf.add_subservice(args[0], "ip", ref=args[1])
    elif name == "add_inline_ip":
        conf.add_subservice(args[0], "ip", address=args[1])
    elif name == "set_cman":
        conf.set_cman(**args[0])
    else:
        getattr(conf, name)(*args)


def errors_of(conf: ClusterConf) -> set:
    return {(f.code, f.path) for f in semantic_findings(conf) if f.is_error}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OPERATIONS, max_size=12))
def test_random_edit_sequences_stay_valid(ops):
    conf = ClusterConf.from_string(BASE_TEXT)
    start_errors = errors_of(conf)
    for op in ops:
        before = conf.to_string()
        try:
            apply(conf, op)
        except ConfigError:  # EditError or a lookup of a missing name
            assert conf.to_string() == before, op
    assert errors_of(conf) <= start_errors
    again = ClusterConf.from_string(conf.to_string())
    assert schema_findings(again.root, str(SCHEMA)) == []
    assert again.to_string() == conf.to_string()
