"""Every edit, on every schema-valid corpus file and the example: the real cluster.rng
accepts the result, and a reload shows the edited values."""

from __future__ import annotations

import pytest
from conf_corpus_paths import EXAMPLE, SCHEMA, VALID_FILES

from zigha import xmlutil
from zigha.conf import ClusterConf
from zigha.conf.validate import schema_findings
from zigha.errors import EditError

TARGETS = VALID_FILES + [EXAMPLE]
targets = pytest.mark.parametrize("path", TARGETS, ids=[p.name if p != EXAMPLE else "example" for p in TARGETS])


def schema_ok(conf: ClusterConf) -> ClusterConf:
    """Serialise, check with the real schema, and reload from the text."""
    text = conf.to_string()
    again = ClusterConf.from_string(text)
    problems = schema_findings(again.root, str(SCHEMA))
    assert problems == [], [p.format() for p in problems]
    return again


def add_everything(conf: ClusterConf) -> None:
    conf.set_cman(two_node=None, expected_votes=None)  # a third node must not break two_node
    conf.add_node("zn1.example.net", votes=1)
    conf.add_node("zn2.example.net", nodeid=250)
    conf.add_fence_device("zfence", "fence_ipmilan", ipaddr="10.9.9.9", login="admin", passwd="pw")
    conf.add_fence_device("zscsi", "fence_scsi", devices="/dev/sdz")
    conf.add_fence_method("zn1.example.net", "primary")
    conf.add_fence_instance("zfence", "zn1.example.net", "primary")
    conf.add_fence_method("zn2.example.net", "disk")
    conf.add_fence_instance("zscsi", "zn2.example.net", "disk")
    conf.add_failover_domain("zdom", ordered=True, restricted=True)
    conf.add_failover_domain_node("zdom", "zn1.example.net", 1)
    conf.add_failover_domain_node("zdom", "zn2.example.net", 2)
    conf.add_resource("ip", address="10.9.9.10", monitor_link="1")
    conf.add_resource("script", name="zscript", file="/etc/init.d/zsvc")
    conf.add_service("zsvc", domain="zdom", recovery="relocate", autostart=True, exclusive=False,
                     max_restarts=2, restart_expire_time=300)
    conf.add_subservice("zsvc", "ip", ref="10.9.9.10")
    conf.add_subservice("zsvc", "script", ref="zscript")
    conf.add_subservice("zsvc", "fs", name="zfs", mountpoint="/mnt/z", device="/dev/zvg/zlv", fstype="ext4")
    conf.add_subservice("zsvc", "fs:nfsexport", name="zexport")
    conf.add_vm("zvm", domain="zdom", path="/etc/libvirt/qemu")
    conf.set_rm(log_level=5)
    conf.set_totem(token=21000)
    conf.set_fence_daemon(post_join_delay=20)
    conf.set_quorumd(label="zq", interval=1, tko=10, votes=1)


@targets
def test_every_add_is_schema_valid_and_reloads(path):
    conf = ClusterConf.load(path)
    add_everything(conf)
    again = schema_ok(conf)
    zn1 = again.node("zn1.example.net")
    assert zn1.nodeid not in (None, 250) and zn1.votes == 1
    assert again.node("zn2.example.net").nodeid == 250
    assert [(m.name, [d.device for d in m.devices]) for m in zn1.fence_methods] == [("primary", ["zfence"])]
    zn2 = again.node("zn2.example.net")
    assert [(u.device, u.attrs) for u in zn2.unfence] == [("zscsi", {"action": "on"})]  # ccs adds it
    domain = again.failover_domain("zdom")
    assert (domain.ordered, domain.restricted, domain.nofailback) == (True, True, False)
    assert domain.members == (("zn1.example.net", 1), ("zn2.example.net", 2))
    svc = again.service("zsvc")
    assert (svc.domain, svc.recovery, svc.max_restarts, svc.restart_expire_time) == ("zdom", "relocate", 2, 300)
    assert (svc.autostart, svc.exclusive) == (True, False)
    assert [r.type for r in svc.resources] == ["ip", "script", "fs"]
    assert svc.resources[2].children[0].type == "nfsexport"
    assert again.service_ips("zsvc") == ["10.9.9.10"]
    assert again.service("vm:zvm").vm_path == "/etc/libvirt/qemu"
    assert again.rm.log_level == 5 and again.quorumd.votes == 1
    assert ("ip", "10.9.9.10") in [(r.type, r.name) for r in again.resources]
    assert not [f for f in again.validate(SCHEMA) if f.is_error and f.path and "z" in f.path]


@targets
def test_every_remove_is_schema_valid_and_reloads(path):
    original = ClusterConf.load(path)
    conf = ClusterConf.load(path)
    add_everything(conf)
    conf.remove_subservice("zsvc", "fs:nfsexport")
    again = schema_ok(conf)
    assert again.service("zsvc").resources[2].children == ()
    conf.remove_subservice("zsvc", "fs")
    conf.remove_service("zsvc")
    conf.remove_vm("zvm")
    conf.remove_resource("ip", "10.9.9.10")
    conf.remove_resource("script", "zscript")
    conf.remove_failover_domain_node("zdom", "zn2.example.net")
    assert schema_ok(conf).failover_domain("zdom").members == (("zn1.example.net", 1),)
    conf.remove_failover_domain("zdom")
    conf.remove_fence_instance("zfence", "zn1.example.net", "primary")
    conf.remove_fence_method("zn1.example.net", "primary")
    conf.remove_fence_device("zfence")
    conf.remove_node("zn1.example.net")
    conf.remove_node("zn2.example.net")  # takes its fence method and unfence entry along
    conf.remove_fence_device("zscsi")
    again = schema_ok(conf)
    assert [n.name for n in again.nodes] == [n.name for n in original.nodes]
    assert [s.name for s in again.services] == [s.name for s in original.services]
    assert again.failover_domains == original.failover_domains
    assert again.fence_devices == original.fence_devices
    assert again.resources == original.resources


def test_edits_keep_comments_and_layout():
    conf = ClusterConf.load(EXAMPLE)
    conf.add_node("h4.zigsow.net", nodeid=4)
    text = conf.to_string()
    assert "No fence device, as in the original setup" in text
    assert '    <clusternode name="h3.zigsow.net" nodeid="3" votes="1">\n      <fence/>\n    </clusternode>\n' \
           '    <clusternode name="h4.zigsow.net" nodeid="4"/>\n  </clusternodes>' in text
    conf.remove_node("h4.zigsow.net")
    assert xmlutil.c14n(conf.to_string()) == xmlutil.c14n(EXAMPLE.read_bytes())


def test_lowest_free_nodeid_like_ccs(reference):
    conf = ClusterConf.from_string('<cluster name="c" config_version="1"><clusternodes>'
                                   '<clusternode name="a" nodeid="1"/><clusternode name="b" nodeid="3"/>'
                                   '</clusternodes></cluster>')
    assert conf.add_node("c").nodeid == 2
    assert conf.add_node("d").nodeid == 4


def test_new_cluster_like_ccs_createcluster():
    conf = ClusterConf.new("zigsow-cluster")
    conf.add_node("h1.zigsow.net")
    assert schema_ok(conf).nodes[0].nodeid == 1


REFUSALS = [
    (lambda c: c.add_node("h1.zigsow.net"), "already exists", "/cluster/clusternodes/clusternode[@name='h1.zigsow.net']"),
    (lambda c: c.add_node("h9", nodeid=2), "nodeid 2 is already used",
     "/cluster/clusternodes/clusternode[@name='h2.zigsow.net']"),
    (lambda c: c.add_node("h9", nodeid=0), "positive", None),
    (lambda c: c.add_node("h9", votes=0), "votes", None),
    (lambda c: c.remove_node("h1.zigsow.net"), "still a member",
     "/cluster/rm/failoverdomains/failoverdomain[@name='prefer_h1']/failoverdomainnode[@name='h1.zigsow.net']"),
    (lambda c: c.remove_node("nope"), "no cluster node", "/cluster/clusternodes"),
    (lambda c: c.add_failover_domain("PREFER_H1"), "already exists", None),
    (lambda c: c.add_failover_domain_node("prefer_h1", "h9.zigsow.net", 1), "not a cluster node", None),
    (lambda c: c.add_failover_domain_node("prefer_h1", "h2.zigsow.net", 101), "1..100", None),
    (lambda c: c.add_failover_domain_node("nodomain", "h2.zigsow.net"), "no failover domain", None),
    (lambda c: c.remove_failover_domain("prefer_h1"), "used by service", "/cluster/rm/service[@name='http']"),
    (lambda c: c.add_service("http"), "already exists", None),
    (lambda c: c.add_service("web", domain="nodomain"), "does not exist", "/cluster/rm/service[@name='web']"),
    (lambda c: c.add_service("web", recovery="sometimes"), "recovery must be", None),
    (lambda c: c.add_service("web", depend="service:ghost"), "names no service", None),
    (lambda c: c.add_subservice("http", "ip", ref="10.1.1.1"), "nonexistent resource", None),
    (lambda c: c.add_subservice("http", "ip", address="192.168.10.247"), "unique attribute collision", None),
    (lambda c: c.add_subservice("http", "ip", ref="192.168.10.247"), "used more than once", None),
    (lambda c: c.add_subservice("http", "fs[3]:nfsexport", name="x"), "unable to find", None),
    (lambda c: c.add_subservice("nope", "ip", address="10.1.1.1"), "no service named", None),
    (lambda c: c.add_resource("ip"), "needs address", None),
    (lambda c: c.add_resource("ip", address="192.168.10.246"), "already exists", None),
    (lambda c: c.add_resource("script", name="httpd", file="/x"), "already exists", None),
    (lambda c: c.remove_resource("ip", "192.168.10.246"), "still referenced", None),
    (lambda c: c.remove_resource("ip", "10.0.0.99"), "no global ip", None),
    (lambda c: c.add_fence_device("1bad name", "fence_apc"), "XML name", None),
    (lambda c: c.add_fence_method("nope", "m"), "no cluster node", None),
    (lambda c: c.add_fence_instance("ghost", "h1.zigsow.net", "m"), "no fence method", None),
    (lambda c: c.set_cman(two_node=1, expected_votes=1), "two_node set but there are 3 nodes", "/cluster/cman"),
    (lambda c: c.set_cluster_name("a-name-longer-than-15"), "longer than 15", "/cluster"),
    (lambda c: c.set_config_version(0), "positive", "/cluster"),
]


@pytest.mark.parametrize("edit, message, path", REFUSALS)
def test_refused_edits_name_the_place_and_change_nothing(edit, message, path):
    conf = ClusterConf.load(EXAMPLE)
    before = conf.to_string()
    with pytest.raises(EditError) as info:
        edit(conf)
    assert message in str(info.value)
    assert info.value.path and info.value.path.startswith("/cluster")
    if path is not None:
        assert info.value.path == path
    assert conf.to_string() == before
    assert len(conf.nodes) == 3  # views still work after the rollback


def test_replacing_a_domain_member_moves_it_to_the_end_like_ccs():
    conf = ClusterConf.load(EXAMPLE)
    conf.add_failover_domain_node("prefer_h1", "h1.zigsow.net", 9)
    assert conf.failover_domain("prefer_h1").members[-1] == ("h1.zigsow.net", 9)
    assert len(conf.failover_domain("prefer_h1").members) == 3


def test_prune_domains_removes_the_memberships_too():
    conf = ClusterConf.load(EXAMPLE)
    conf.remove_node("h3.zigsow.net", prune_domains=True)
    assert all("h3.zigsow.net" not in [m[0] for m in d.members] for d in conf.failover_domains)
    schema_ok(conf)


def test_set_section_update_and_replace():
    conf = ClusterConf.load(EXAMPLE)
    conf.set_cman(expected_votes=3, port=5405)
    conf.set_cman(port=None)
    assert conf.cman.attrs == {"expected_votes": "3"}
    conf.set_cman(replace=True, cluster_id=42)
    assert conf.cman.attrs == {"cluster_id": "42"}
    conf.set_rm(central_processing=True)
    assert conf.rm.central_processing is True
    schema_ok(conf)
