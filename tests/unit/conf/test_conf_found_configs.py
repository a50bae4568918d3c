"""cluster.conf files found in public pages and repositories
(tests/fixtures/conf/found/, provenance in its SOURCES.md): they load, come back byte for
byte, read as a careful reader reads them, and get the schema verdict xmllint gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from zigha import xmlutil
from zigha.conf import ClusterConf

FOUND = Path(__file__).resolve().parents[2] / "fixtures" / "conf" / "found"
FILES = sorted(FOUND.glob("*.conf"))
#: xmllint --relaxng ../shared/reference/cluster.rng says "validates" for these
SCHEMA_VALID = {"xiemx-f30Cluster.conf", "opennebula.conf", "gfs_cluster.conf"}


def load(name: str) -> ClusterConf:
    return ClusterConf.load(FOUND / name)


def test_all_found_files_are_here():
    assert {f.name for f in FILES} == SCHEMA_VALID | {
        "deimos-rhel4-alpha_cluster.conf", "deimos-cluster1.conf", "rackspace-EXAMPLE.conf"}


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_loads_and_comes_back_byte_for_byte(path):
    text = path.read_bytes()
    conf = ClusterConf.from_string(text)
    assert conf.to_bytes() == text
    assert xmlutil.c14n(conf.to_string()) == xmlutil.c14n(text)
    conf.summary()


@pytest.mark.parametrize("path", FILES, ids=[f.name for f in FILES])
def test_schema_verdict_is_xmllints(path, reference):
    schema = [f for f in load(path.name).validate(reference / "cluster.rng") if f.code == "schema"]
    if path.name in SCHEMA_VALID:
        assert schema == []
    else:
        assert schema and all(f.severity == "error" and f.line for f in schema)


def test_rhel4_file_without_nodeids_and_a_missing_domain(reference):
    conf = load("deimos-rhel4-alpha_cluster.conf")
    assert (conf.name, conf.config_version) == ("alpha_cluster", 13)
    assert [(n.name, n.nodeid, n.votes) for n in conf.nodes] == [
        ("primary.cluster.net", None, 1), ("secondary.cluster.net", None, 1)]
    assert conf.cman.two_node and conf.cman.expected_votes == 1
    assert [(d.name, d.agent) for d in conf.fence_devices] == [
        ("fence1", "fence_manual"), ("fence2", "fence_manual")]
    (domain,) = conf.failover_domains
    assert (domain.name, domain.ordered, domain.restricted) == ("myfailoverdomain", False, True)
    service = conf.service("clusterdev")
    assert service.domain == "cluster" and service.autostart
    assert [(r.type, r.ref, r.name) for r in service.walk()] == [
        ("ip", "192.168.0.238", "192.168.0.238"), ("fs", "disk2", "disk2"), ("script", None, "ntp")]
    findings = conf.validate(reference / "cluster.rng")
    by_code = {}
    for finding in findings:
        by_code.setdefault(finding.code, []).append(finding)
    assert [f.line for f in by_code["schema"]] == [5, 12]
    (unknown,) = by_code["unknown-domain"]
    assert unknown.line == 36 and unknown.path == "/cluster/rm/service[@name='clusterdev']"
    assert {f.path for f in by_code["fence-manual"]} == {
        "/cluster/fencedevices/fencedevice[@name='fence1']",
        "/cluster/fencedevices/fencedevice[@name='fence2']"}


def test_rhel5_alias_and_nested_gfs_apache(reference):
    conf = load("deimos-cluster1.conf")
    assert (conf.name, conf.config_version) == ("cluster1", 16)
    assert [(n.name, n.nodeid) for n in conf.nodes] == [
        ("node2.deimos.fr", 1), ("node1.deimos.fr", 2)]
    (domain,) = conf.failover_domains
    assert domain.ordered and domain.restricted and not domain.nofailback
    assert domain.preferred() == ("node1.deimos.fr", "node2.deimos.fr")
    webby = conf.service("webby")
    assert (webby.autostart, webby.exclusive, webby.recovery) == (False, False, "relocate")
    assert [(r.type, r.name) for r in webby.walk()] == [
        ("ip", "172.16.50.16"), ("clusterfs", "gfs_www"), ("apache", "httpd")]
    assert conf.service_ips("webby") == ["172.16.50.16"]
    (schema,) = [f for f in conf.validate(reference / "cluster.rng") if f.code == "schema"]
    assert schema.line == 2 and "alias" in schema.message


def test_luci_file_with_encoding_blank_line_and_trailing_blanks(reference):
    conf = load("xiemx-f30Cluster.conf")
    assert (conf.name, conf.config_version) == ("f30Cluster", 12)
    assert [(n.name, n.nodeid) for n in conf.nodes] == [
        ("node1.xiemx.com", 1), ("node2.xiemx.com", 2), ("node3.xiemx.com", 3)]
    node3 = conf.node("node3.xiemx.com")
    (method,) = node3.fence_methods
    assert method.name == "FenceMethod"
    assert [(i.device, i.attrs.get("domain")) for i in method.devices] == [("Fence3", "node3")]
    assert conf.cman.expected_votes == 1 and not conf.cman.two_node
    assert conf.service("httpd").recovery == "restart"
    assert conf.service_ips("httpd") == ["172.25.30.100"]  # the /24 suffix is not part of it
    assert conf.errors(reference / "cluster.rng") == []


def test_ccs_written_file_without_fencing(reference):
    conf = load("opennebula.conf")
    assert [(n.name, n.nodeid, n.fence_methods) for n in conf.nodes] == [
        ("one-server1", 1, ()), ("one-server2", 2, ())]
    assert conf.fence_devices == ()
    (domain,) = conf.failover_domains
    assert domain.members == (("one-server1", 1), ("one-server2", 2))
    service = conf.service("service:opennebula")
    assert [(r.type, r.name) for r in service.walk()] == [
        ("ip", "10.10.11.12"), ("script", "opennebula"), ("script", "sunstone")]
    codes = [(f.code, f.severity) for f in conf.validate(reference / "cluster.rng")]
    assert codes == [("node-not-fenceable", "warning")] * 2


def test_manual_fencing_and_uneven_votes(reference):
    conf = load("gfs_cluster.conf")
    assert [(n.name, n.nodeid, n.votes) for n in conf.nodes] == [("node0", 1, 1), ("node1", 2, 2)]
    assert conf.services == () and conf.failover_domains == () and conf.resources == ()
    assert not conf.cman.two_node and conf.cman.expected_votes is None
    findings = conf.validate(reference / "cluster.rng")
    assert [(f.code, f.path) for f in findings] == [
        ("fence-manual", "/cluster/fencedevices/fencedevice[@name='manual_fence']")]


def test_nested_service_tree_and_one_domain_per_node(reference):
    conf = load("rackspace-EXAMPLE.conf")
    assert (conf.name, conf.config_version) == ("EXAMPLE", 34)
    assert [d.attrs.get("delay") for d in conf.fence_devices] == ["5", None]
    assert [(d.name, d.members) for d in conf.failover_domains] == [
        ("cluster1", (("c80216-db1", None),)), ("cluster2", (("c80217-db2", None),))]
    mysql = conf.service("MySQL")
    assert mysql.domain == "cluster2"
    (top,) = mysql.resources
    assert (top.type, top.name) == ("ip", "192.168.100.250")
    assert [(c.type, c.name) for c in top.children] == [("fs", "MySQLData"), ("ip", "10.241.36.250")]
    assert [(c.type, c.name) for c in top.children[0].children] == [("script", "MySQL")]
    assert conf.service_ips("MySQL") == ["192.168.100.250", "10.241.36.250"]
    assert {f.code for f in conf.validate(reference / "cluster.rng")} == {"schema", "priority-ignored"}
