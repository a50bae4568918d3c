"""validate(): the schema verdict plus each semantic rule, with path and line."""

from __future__ import annotations

import shutil

import pytest
from conf_corpus_paths import EXAMPLE, SCHEMA

from zigha.conf import ClusterConf, Finding
from zigha.conf import validate as checks
from zigha.errors import ConfigError

NODES = ('<clusternodes><clusternode name="n1" nodeid="1"/><clusternode name="n2" nodeid="2"/>'
         '<clusternode name="n3" nodeid="3"/></clusternodes>')


def findings(body: str, nodes: str = NODES, name: str = "t", **kw) -> dict:
    text = f'<cluster name="{name}" config_version="1">\n{nodes}\n{body}\n</cluster>'
    result = ClusterConf.from_string(text).validate(SCHEMA, **kw)
    return {f.code: f for f in result}


def test_example_is_valid_against_the_real_schema():
    conf = ClusterConf.load(EXAMPLE)
    result = conf.validate(SCHEMA)
    assert [f for f in result if f.is_error] == []
    assert {f.code for f in result} == {"node-not-fenceable"}  # no fence device, as in the seed


def test_schema_choice_is_reported(tmp_path):
    conf = ClusterConf.load(EXAMPLE)
    conf.validate()
    assert conf.last_schema in (checks.SYSTEM_SCHEMA, checks.BUNDLED_SCHEMA)
    copy = tmp_path / "my.rng"
    shutil.copy(SCHEMA, copy)
    conf.validate(copy)
    assert conf.last_schema == str(copy)


def test_bundled_schema_is_the_reference_schema():
    assert open(checks.BUNDLED_SCHEMA, "rb").read() == SCHEMA.read_bytes()


def test_extended_schema_accepts_new_resource_types(tmp_path):
    """The agents install adds <define>s the way ccs_update_schema/ra2rng does."""
    text = SCHEMA.read_text()
    define = ('<define name="ZIGHA-HTTPD"><element name="zigha-httpd"><choice><group>'
              '<attribute name="ref"/></group><group><attribute name="name"/>'
              '<optional><attribute name="config_file"/></optional></group></choice>'
              '<optional><ref name="CHILDREN"/></optional></element></define>\n')
    text = text.replace('<define name="CHILDREN">', define + '<define name="CHILDREN">', 1)
    text = text.replace('<ref name="APACHE"/>', '<ref name="APACHE"/><ref name="ZIGHA-HTTPD"/>', 1)
    extended = tmp_path / "cluster.rng"
    extended.write_text(text)
    conf = ClusterConf.load(EXAMPLE)
    conf.add_resource("zigha-httpd", name="web", config_file="/etc/zigha/httpd.conf")
    conf.add_subservice("http", "zigha-httpd", ref="web")
    assert [f for f in conf.validate(SCHEMA) if f.code == "schema"]
    assert [f for f in conf.validate(extended) if f.is_error] == []
    assert conf.last_schema == str(extended)


def test_unusable_schema_is_a_config_error(tmp_path):
    bad = tmp_path / "bad.rng"
    bad.write_text("<grammar/>")
    with pytest.raises(ConfigError):
        ClusterConf.load(EXAMPLE).validate(bad)
    with pytest.raises(ConfigError):
        ClusterConf.load(EXAMPLE).validate(tmp_path / "missing.rng")


def test_every_problem_is_reported_not_just_the_first():
    got = findings('<rm><failoverdomains><failoverdomain name="d"><failoverdomainnode name="zz"/>'
                   '</failoverdomain></failoverdomains><service name="s" domain="nope"/>'
                   '<service name="s2" depend="service:ghost"/></rm>',
                   nodes=NODES.replace('nodeid="2"', 'nodeid="1"'), name="a-very-long-cluster-name")
    assert {"duplicate-nodeid", "domain-member-not-node", "unknown-domain", "unknown-dependency",
            "cluster-name-too-long"} <= set(got)


@pytest.mark.parametrize("body, nodes, code, path", [
    ("", NODES.replace('name="n2"', 'name="n1"'), "duplicate-node-name",
     "/cluster/clusternodes/clusternode[2]"),
    ("", NODES.replace('nodeid="3"', 'nodeid="1"'), "duplicate-nodeid",
     "/cluster/clusternodes/clusternode[@name='n3']"),
    ('<cman two_node="1" expected_votes="1"/>', NODES, "two-node-too-many-nodes", "/cluster/cman"),
    ('<cman two_node="1" expected_votes="3"/>', NODES, "two-node-expected-votes", "/cluster/cman"),
    ('<cman transport="udpu" broadcast="yes"/>', NODES, "transport-broadcast-conflict", "/cluster/cman"),
    ('<cman><multicast addr="239.1.1.1" ttl="300"/></cman>', NODES, "ttl-out-of-range",
     "/cluster/cman/multicast"),
    ('<totem transport="udpu"/>', NODES, "transport-in-totem", "/cluster/totem"),
    ('<fencedevices><fencedevice name="m" agent="fence_manual"/></fencedevices>', NODES, "fence-manual",
     "/cluster/fencedevices/fencedevice[@name='m']"),
    ('<rm><failoverdomains><failoverdomain name="D"/><failoverdomain name="d"/></failoverdomains></rm>',
     NODES, "duplicate-domain", "/cluster/rm/failoverdomains/failoverdomain[@name='d']"),
    ('<rm><failoverdomains><failoverdomain name="d"><failoverdomainnode name="n1"/>'
     '<failoverdomainnode name="N1"/></failoverdomain></failoverdomains></rm>', NODES,
     "duplicate-domain-member", "/cluster/rm/failoverdomains/failoverdomain[@name='d']/failoverdomainnode[@name='N1']"),
    ('<rm><failoverdomains><failoverdomain name="d" ordered="1"><failoverdomainnode name="n1" priority="0"/>'
     '</failoverdomain></failoverdomains></rm>', NODES, "priority-out-of-range",
     "/cluster/rm/failoverdomains/failoverdomain[@name='d']/failoverdomainnode[@name='n1']"),
    ('<rm><service name="s"><ip ref="10.0.0.1"/></service></rm>', NODES, "dangling-ref",
     "/cluster/rm/service[@name='s']/ip[@ref='10.0.0.1']"),
    ('<rm><service name="s"><script name="a" file="/x"/></service><service name="t">'
     '<script ref="a"/></service></rm>', NODES, "ref-to-inline", "/cluster/rm/service[@name='t']/script[@ref='a']"),
    ('<rm><resources><script name="a" file="/x"/><script name="a" file="/y"/></resources></rm>', NODES,
     "primary-collision", "/cluster/rm/resources/script[2]"),
    ('<rm><service name="s"><fs name="a" mountpoint="/m" device="/d1"/></service><service name="t">'
     '<fs name="b" mountpoint="/m" device="/d2"/></service></rm>', NODES, "unique-collision",
     "/cluster/rm/service[@name='t']/fs[@name='b']"),
    ('<rm><service name="s" recovery="bogus"/></rm>', NODES, "unknown-recovery", "/cluster/rm/service[@name='s']"),
    ('<rm><service name="s" max_restarts="3"/></rm>', NODES, "restart-window-incomplete",
     "/cluster/rm/service[@name='s']"),
    ('<rm><service name="s"/><service name="s"/></rm>', NODES, "duplicate-service", "/cluster/rm/service[2]"),
])
def test_semantic_rule(body, nodes, code, path):
    got = findings(body, nodes)
    assert code in got, sorted(got)
    assert got[code].path == path
    assert got[code].line is not None


def test_severity_classes():
    got = findings('<rm><service name="s" recovery="bogus"/></rm>', NODES.replace('nodeid="3"', 'nodeid="1"'))
    assert got["unknown-recovery"].severity == "warning"
    assert got["duplicate-nodeid"].severity == "error"
    assert got["node-not-fenceable"].severity == "warning"


def test_semantic_only_run_needs_no_schema():
    conf = ClusterConf.from_string('<cluster name="x" config_version="1"><clusternodes/></cluster>')
    assert [f for f in checks.semantic_findings(conf) if f.is_error] == []


def test_finding_format_and_dict():
    f = Finding("error", "duplicate-nodeid", "nodeid 1 is used more than once", "/cluster/clusternodes", 4)
    assert f.format("cluster.conf") == "cluster.conf:4: error: nodeid 1 is used more than once"
    assert f.format("cluster.conf", with_path=True) == (
        "cluster.conf:4: error: nodeid 1 is used more than once [/cluster/clusternodes]")
    assert f.to_dict() == {"severity": "error", "code": "duplicate-nodeid",
                           "message": "nodeid 1 is used more than once", "path": "/cluster/clusternodes",
                           "line": 4}
    with pytest.raises(ValueError):
        Finding("fatal", "x", "y")
