"""zigha.migrate: cluster.conf → Pacemaker CIB, checked by the real crm_verify."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from lxml import etree

from zigha.conf import ClusterConf
from zigha.migrate import migrate
from zigha.migrate.build import priority_score

ZIGHA = [sys.executable, "-m", "zigha.cli.main"]
CRM_VERIFY = "/usr/sbin/crm_verify"


def crm_verify(path) -> subprocess.CompletedProcess:
    return subprocess.run([CRM_VERIFY, "--xml-file", str(path)], capture_output=True, text=True,
                          timeout=60)


def schema_valid_corpus(reference) -> list:
    """Files SOURCES.md marks valid against the RHEL 6.x schema."""
    text = (reference / "cluster-conf" / "SOURCES.md").read_text()
    names = re.findall(r"^\| ([\w.-]+\.conf) \| valid \|", text, re.M)
    assert len(names) >= 10, names
    return names


def conf_text(body: str, nodes=("a", "b", "c"), fence: str = "") -> ClusterConf:
    members = "".join(f'<clusternode name="{n}" nodeid="{i}"/>' for i, n in enumerate(nodes, 1))
    return ClusterConf.from_string(
        f'<cluster name="t" config_version="1"><clusternodes>{members}</clusternodes>'
        f"<fencedevices>{fence}</fencedevices><rm>{body}</rm></cluster>")


# -- the seed ----------------------------------------------------------------------------

def test_seed_groups_keep_service_names_and_start_order(examples, tmp_path):
    result = migrate(ClusterConf.load(examples / "zigsow" / "cluster.conf"))
    plan = result.plan
    assert [g.id for g in plan.groups] == ["http", "named", "mail"]
    assert [p.agent for p in plan.group("http").primitives] == [
        "ocf:heartbeat:IPaddr2", "ocf:heartbeat:apache"]
    assert [p.agent for p in plan.group("mail").primitives] == [
        "ocf:heartbeat:IPaddr2", "lsb:postfix"]
    assert [n.uname for n in plan.nodes] == ["h1.zigsow.net", "h2.zigsow.net", "h3.zigsow.net"]
    # the shared GFS2 becomes one clone every group is ordered after and colocated with
    assert [c.primitive.agent for c in plan.clones] == ["ocf:heartbeat:Filesystem"]
    assert {(o.first, o.then) for o in plan.orders} == {
        ("gfs2data-clone", g) for g in ("http", "named", "mail")}
    # recovery="relocate": the first failure moves the group away
    assert ("migration-threshold", "1") in plan.group("named").meta
    cib = tmp_path / "cib.xml"
    cib.write_text(result.cib)
    verdict = crm_verify(cib)
    assert verdict.returncode == 0, verdict.stderr
    tree = etree.parse(str(cib))
    assert tree.xpath("//nvpair[@name='stonith-enabled']/@value") == ["false"]
    assert tree.xpath("//group/@id") == ["http", "named", "mail"]


def test_seed_without_fencing_is_a_loud_error_item(examples):
    plan = migrate(ClusterConf.load(examples / "zigsow" / "cluster.conf")).plan
    loud = [i for i in plan.report if i.severity == "error"]
    assert [i.element for i in loud] == ["/cluster/fencedevices"]
    assert "stonith-enabled=false" in loud[0].reason


def test_ordered_restricted_domains_become_scores_and_a_ban(examples):
    plan = migrate(ClusterConf.load(examples / "zigsow" / "cluster.conf")).plan
    loc = next(loc for loc in plan.locations if loc.rsc == "named")
    assert loc.scores == (("h2.zigsow.net", 100000), ("h3.zigsow.net", 99000),
                          ("h1.zigsow.net", 98000))
    assert loc.only_on == ("h2.zigsow.net", "h3.zigsow.net", "h1.zigsow.net")
    # a priority step always outweighs the default stickiness of a whole group
    assert priority_score(1) - priority_score(2) > 10 * int(dict(plan.rsc_defaults)["resource-stickiness"])


# -- the corpus --------------------------------------------------------------------------

def test_every_schema_valid_corpus_file_gives_a_cib_crm_verify_accepts(reference, tmp_path):
    for name in schema_valid_corpus(reference):
        result = migrate(ClusterConf.load(reference / "cluster-conf" / name))
        out = tmp_path / f"{name}.xml"
        out.write_text(result.cib)
        verdict = crm_verify(out)
        assert verdict.returncode == 0, (name, verdict.stdout, verdict.stderr)
        script = tmp_path / f"{name}.sh"
        script.write_text(result.pcs_script)
        assert subprocess.run(["sh", "-n", str(script)]).returncode == 0, name


def test_nothing_is_dropped_silently(reference):
    """Every resource of every service is a primitive, a clone, or a report item."""
    for name in schema_valid_corpus(reference):
        conf = ClusterConf.load(reference / "cluster-conf" / name)
        plan = migrate(conf).plan
        sources = {p.source for g in plan.groups for p in g.primitives}
        sources |= {c.primitive.source for c in plan.clones}
        reported = {i.element for i in plan.report}
        covered = sources | reported
        for svc in conf.services:
            for node in svc.walk():
                assert node.path in covered or node.type == "clusterfs", (name, node.path)


def test_nfs_tree_keeps_parent_before_children(reference):
    plan = migrate(ClusterConf.load(reference / "cluster-conf" / "clufter-test1.conf")).plan
    agents = [p.type for p in plan.groups[0].primitives]
    assert agents.index("Filesystem") < agents.index("exportfs") < agents.index("IPaddr2")
    export = next(p for p in plan.groups[0].primitives if p.type == "exportfs")
    assert dict(export.params)["directory"]  # inherited from the fs mountpoint


# -- rules -------------------------------------------------------------------------------

def test_recovery_exclusive_autostart_depend_and_nofailback(tmp_path):
    conf = conf_text(
        '<failoverdomains><failoverdomain name="d" ordered="1" restricted="0" nofailback="1">'
        '<failoverdomainnode name="a" priority="1"/><failoverdomainnode name="b" priority="2"/>'
        '</failoverdomain></failoverdomains>'
        '<service name="db" recovery="restart" max_restarts="2" restart_expire_time="5m">'
        '<ip address="10.0.0.1/24"/></service>'
        '<service name="app" depend="service:db" domain="d" autostart="0" recovery="disable">'
        '<ip address="10.0.0.2"/></service>'
        '<service name="solo" exclusive="1"><ip address="10.0.0.3"/></service>')
    result = migrate(conf)
    plan = result.plan
    assert dict(plan.group("db").meta) == {"migration-threshold": "3", "failure-timeout": "300s"}
    app = dict(plan.group("app").meta)
    assert app["target-role"] == "Stopped" and app["resource-stickiness"] == "INFINITY"
    assert [op.on_fail for op in plan.group("app").primitives[0].ops if op.name == "monitor"] == ["stop"]
    assert dict(plan.group("db").primitives[0].params) == {"ip": "10.0.0.1", "cidr_netmask": "24"}
    assert [(o.first, o.then, o.kind) for o in plan.orders] == [("db", "app", "Mandatory")]
    assert {(c.rsc, c.with_rsc, c.score) for c in plan.colocations} == {
        ("db", "solo", -1000000), ("app", "solo", -1000000)}
    assert any("unrestricted" in i.reason for i in plan.report)
    out = tmp_path / "cib.xml"
    out.write_text(result.cib)
    assert crm_verify(out).returncode == 0


def test_fence_devices_become_stonith_with_host_map(tmp_path):
    conf = ClusterConf.from_string(
        '<cluster name="t" config_version="1"><clusternodes>'
        '<clusternode name="a" nodeid="1"><fence><method name="1">'
        '<device name="pdu" port="3"/></method></fence></clusternode>'
        '<clusternode name="b" nodeid="2"><fence><method name="1">'
        '<device name="pdu" port="4"/></method></fence></clusternode></clusternodes>'
        '<fencedevices><fencedevice name="pdu" agent="fence_apc" ipaddr="10.1.1.1" login="x"'
        ' passwd="y"/></fencedevices><rm/></cluster>')
    result = migrate(conf)
    (stonith,) = result.plan.stonith
    assert stonith.agent == "stonith:fence_apc"
    assert dict(stonith.params)["pcmk_host_map"] == "a:3;b:4"
    assert ("stonith-enabled", "false") not in result.plan.properties
    assert not [i for i in result.plan.report if i.severity == "error"]
    out = tmp_path / "cib.xml"
    out.write_text(result.cib)
    assert crm_verify(out).returncode == 0


def test_unknown_type_and_fence_manual_are_reported_not_dropped():
    conf = conf_text('<service name="s"><ip address="10.0.0.9"/><drbd name="r0"/></service>',
                     fence='<fencedevice name="m" agent="fence_manual"/>')
    plan = migrate(conf).plan
    errors = {(i.element, i.severity) for i in plan.report if i.severity == "error"}
    assert any("drbd" in e for e, _ in errors)
    assert any("fencedevice" in e for e, _ in errors)
    assert [p.type for p in plan.group("s").primitives] == ["IPaddr2"]


def test_zigha_agents_map_to_ocf_zigha(examples):
    plan = migrate(ClusterConf.load(examples / "zigsow" / "cluster-zigha-agents.conf")).plan
    assert [p.agent for p in plan.group("named").primitives] == [
        "ocf:heartbeat:IPaddr2", "ocf:zigha:named"]
    params = dict(plan.group("named").primitives[1].params)
    assert params["named_working_dir"] == "/mnt/gfs2/named" and "service_name" not in params


# -- command line ------------------------------------------------------------------------

def test_cli_json_and_files(examples, tmp_path):
    cib, script = tmp_path / "out.xml", tmp_path / "out.sh"
    run = subprocess.run([*ZIGHA, "migrate", "pacemaker", str(examples / "zigsow" / "cluster.conf"),
                          "--cib", str(cib), "--pcs-script", str(script), "--json"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["cib"] == str(cib)
    assert all(set(item) == {"element", "reason", "severity"} for item in data["report"])
    assert crm_verify(cib).returncode == 0
    assert "pcs cluster cib-push" in script.read_text()


def test_cli_bad_input_writes_nothing(tmp_path):
    bad = tmp_path / "bad.conf"
    bad.write_text("<cluster><clusternodes>")
    out = tmp_path / "out.xml"
    run = subprocess.run([*ZIGHA, "migrate", "pacemaker", str(bad), "--cib", str(out)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and run.stderr.startswith("zigha: error:")
    assert not out.exists()


@pytest.mark.parametrize("interval", [5])
def test_monitor_interval_override(examples, interval):
    plan = migrate(ClusterConf.load(examples / "zigsow" / "cluster.conf"),
                   monitor_interval=interval).plan
    assert {op.interval for g in plan.groups for p in g.primitives for op in p.ops
            if op.name == "monitor"} == {interval}


def test_names_that_are_not_cib_ids_or_repeat_still_verify(tmp_path):
    conf = ClusterConf.from_string(
        '<cluster name="t" config_version="1"><clusternodes>'
        '<clusternode name="n 1:x" nodeid="1"/><clusternode name="2node" nodeid="2"/>'
        '</clusternodes><rm><failoverdomains><failoverdomain name="d" ordered="1" restricted="1">'
        '<failoverdomainnode name="n 1:x" priority="1"/><failoverdomainnode name="2node" priority="2"/>'
        '</failoverdomain></failoverdomains>'
        '<service name="a" domain="d"><ip address="10.0.0.1"/></service>'
        '<service name="a"><ip address="10.0.0.2"/></service>'
        '<service name="9x"><script file="/etc/init.d/foo" name="foo"/></service></rm></cluster>')
    result = migrate(conf)
    assert [g.id for g in result.plan.groups] == ["a", "a-2", "r-9x"]
    renamed = [i for i in result.report if "not a valid or free CIB id" in i.reason]
    assert [i.severity for i in renamed] == ["error", "error"]
    out = tmp_path / "cib.xml"
    out.write_text(result.cib)
    assert crm_verify(out).returncode == 0
