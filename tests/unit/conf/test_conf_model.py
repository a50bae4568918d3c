"""Values are read the way cman and rgmanager read them."""

from __future__ import annotations

import pytest
from conf_corpus_paths import CORPUS, EXAMPLE

from zigha.conf import ClusterConf, UnknownNameError
from zigha.conf.parse import c_atoi, expand_time


def conf_with(rm_body: str, nodes: str = '<clusternode name="n1" nodeid="1"/><clusternode name="n2" nodeid="2"/>',
              extra: str = "") -> ClusterConf:
    return ClusterConf.from_string(
        f'<cluster name="t" config_version="3"><clusternodes>{nodes}</clusternodes>{extra}'
        f"<rm>{rm_body}</rm></cluster>"
    )


@pytest.mark.parametrize("text, value", [
    ("1", 1), ("0", 0), ("yes", 0), ("true", 0), (" 7", 7), ("12abc", 12), ("-3", -3), ("", 0), ("+2", 2),
])
def test_c_atoi(text, value):
    assert c_atoi(text) == value


@pytest.mark.parametrize("text, seconds", [
    ("300", 300), ("5m", 300), ("1h30m", 5400), ("2d", 172800), ("1w", 604800), ("10s", 10),
    ("abc", 0), ("", 0), (None, 0), ("3x", 0), ("1y", 31536000),
])
def test_expand_time_like_rgmanager(text, seconds):
    assert expand_time(text) == seconds


def test_the_example_cluster():
    conf = ClusterConf.load(EXAMPLE)
    assert conf.name == "zigsow-cluster" and conf.config_version == 1
    assert [(n.name, n.nodeid, n.votes) for n in conf.nodes] == [
        ("h1.zigsow.net", 1, 1), ("h2.zigsow.net", 2, 1), ("h3.zigsow.net", 3, 1)]
    assert conf.fence_devices == ()
    assert all(n.fence_methods == () for n in conf.nodes)
    preferred = {d.name: d.preferred()[0] for d in conf.failover_domains}
    assert sorted(preferred.values()) == ["h1.zigsow.net", "h2.zigsow.net", "h3.zigsow.net"]
    assert all(d.ordered for d in conf.failover_domains)
    assert [s.name for s in conf.services] == ["http", "named", "mail"]
    homes = {s.name: preferred[s.domain] for s in conf.services}
    assert homes == {"http": "h1.zigsow.net", "named": "h2.zigsow.net", "mail": "h3.zigsow.net"}
    assert conf.service_ips("http") == ["192.168.10.246"]
    assert conf.service_ips("service:named") == ["192.168.10.247"]
    assert conf.service_ips("mail") == ["192.168.10.248"]
    types = {s.name: [r.type for r in s.resources] for s in conf.services}
    assert types == {"http": ["clusterfs", "ip", "apache"], "named": ["clusterfs", "ip", "named"],
                     "mail": ["clusterfs", "ip", "script"]}
    gfs = conf.service("mail").resources[0]
    assert gfs.attrs["fstype"] == "gfs2" and gfs.ref == "gfs2data"
    assert conf.service("mail").resources[2].attrs["file"] == "/etc/init.d/postfix"


def test_flags_go_through_atoi_and_yes_warns():
    conf = conf_with('<failoverdomains><failoverdomain name="d" ordered="yes" restricted="1" nofailback="true">'
                     '<failoverdomainnode name="n1" priority="1"/></failoverdomain></failoverdomains>'
                     '<service name="s" autostart="no" exclusive="yes"/>')
    domain = conf.failover_domains[0]
    assert (domain.ordered, domain.restricted, domain.nofailback) == (False, True, False)
    assert domain.members == (("n1", None),)  # unordered: priority is not read
    service = conf.services[0]
    assert service.autostart is False and service.exclusive is False
    warned = {(f.code, f.path) for f in conf.validate() if f.severity == "warning"}
    assert ("flag-not-integer", "/cluster/rm/failoverdomains/failoverdomain[@name='d']") in warned
    assert ("flag-not-integer", "/cluster/rm/service[@name='s']") in warned


def test_service_defaults_are_rgmanagers():
    service = conf_with('<service name="s"/>').services[0]
    assert (service.domain, service.autostart, service.exclusive, service.recovery) == (None, True, False, "restart")
    assert (service.max_restarts, service.restart_expire_time) == (0, 0)
    assert (service.depend, service.depend_mode) == (None, None)
    assert service.key == "service:s"


def test_service_fields():
    conf = conf_with('<failoverdomains><failoverdomain name="d"/></failoverdomains>'
                     '<service name="a"/><service name="s" domain="d" recovery="relocate" max_restarts="3" '
                     'restart_expire_time="5m" depend="service:a" depend_mode="soft" exclusive="1"/>')
    s = conf.service("s")
    assert (s.domain, s.recovery, s.max_restarts, s.restart_expire_time) == ("d", "relocate", 3, 300)
    assert (s.depend, s.depend_mode, s.exclusive) == ("service:a", "soft", True)


def test_priorities():
    conf = conf_with('<failoverdomains><failoverdomain name="d" ordered="1">'
                     '<failoverdomainnode name="n1" priority="2"/><failoverdomainnode name="n2"/>'
                     '<failoverdomainnode name="n3" priority="0"/><failoverdomainnode name="n4" priority="101"/>'
                     '<failoverdomainnode name="n5" priority="x"/></failoverdomain></failoverdomains>')
    assert conf.failover_domains[0].members == (
        ("n1", 2), ("n2", None), ("n3", None), ("n4", None), ("n5", None))


def test_cman_quorumd_rm_views():
    conf = conf_with('', extra='<cman two_node="1" expected_votes="1" transport="udpu" port="5405">'
                     '<multicast addr="239.1.1.1"/></cman><quorumd votes="1" label="qd" interval="1" tko="10">'
                     '<heuristic program="ping -c1 gw" score="1"/></quorumd>')
    conf.root.find("rm").set("central_processing", "1")
    conf.touch()
    assert conf.cman.two_node is True and conf.cman.expected_votes == 1
    assert conf.cman.transport == "udpu" and conf.cman.multicast_addr == "239.1.1.1"
    assert conf.quorumd.votes == 1 and conf.quorumd.heuristics[0].program == "ping -c1 gw"
    assert conf.rm.central_processing is True
    plain = conf_with("")
    assert plain.cman.expected_votes is None and plain.cman.two_node is False
    assert plain.quorumd is None and plain.rm.central_processing is False


def test_nodes_votes_default_and_fencing(reference):
    conf = ClusterConf.load(CORPUS / "ccs-unit-fence.conf")
    node1 = conf.node("node1")
    assert node1.votes == 1
    assert [m.name for m in node1.fence_methods] == ["node1method", "node1method2"]
    assert node1.fence_methods[0].devices[0].device == "fence_apc"
    assert node1.fence_methods[0].devices[0].attrs == {"port": "1"}
    assert [u.attrs["port"] for u in node1.unfence] == ["15", "16", "17"]
    assert [(d.name, d.agent) for d in conf.fence_devices][:2] == [("fence_ilo", "fence_ilo"), ("fence_apc", "fence_apc")]
    assert conf.fence_devices[0].attrs["ipaddr"] == "1.1.1.1"
    addtest = ClusterConf.load(CORPUS / "ccs-unit-addtest.conf")
    assert any(n.votes != 1 for n in addtest.nodes)


def test_refs_are_resolved_and_merged():
    conf = ClusterConf.load(CORPUS / "clufter-test1.conf")
    nfs1 = conf.service("nfs1")
    ip = nfs1.resources[1]
    assert (ip.type, ip.ref, ip.attrs) == ("ip", "192.168.122.1", {"address": "192.168.122.1"})
    client = nfs1.resources[2].children[0].children[0]
    assert client.attrs == {"name": "bill", "target": "bill.lab", "options": "rw"}
    assert [r.type for r in conf.resources] == ["nfsclient", "nfsexport", "ip", "script"]
    assert conf.resources[2].name == "192.168.122.1"


def test_service_defined_in_resources_and_used_by_ref():
    conf = ClusterConf.load(CORPUS / "rgmanager-test002.conf")
    assert [s.name for s in conf.services] == ["test1"]
    assert conf.services[0].ref == "test1"


def test_service_ips_strip_prefix_and_keep_tree_order():
    conf = conf_with('<resources><ip address="10.0.0.9/24"/></resources>'
                     '<service name="s"><ip address="10.0.0.1/24"><ip address="10.0.0.2"/></ip>'
                     '<script name="x" file="/bin/x"><ip ref="10.0.0.9/24"/></script></service>')
    assert conf.service_ips("s") == ["10.0.0.1", "10.0.0.2", "10.0.0.9"]


def test_vms(reference):
    conf = ClusterConf.load(CORPUS / "clufter-test5.conf")
    vm = conf.vms[0]
    assert (vm.name, vm.domain, vm.migrate, vm.recovery, vm.autostart) == ("the-vm", "one", "live", "restart", True)
    assert conf.service("vm:the-vm") is vm
    assert vm.key == "vm:the-vm"


def test_unknown_names_are_typed_errors():
    conf = ClusterConf.load(EXAMPLE)
    with pytest.raises(UnknownNameError):
        conf.service("nope")
    with pytest.raises(KeyError):
        conf.node("nope")
    with pytest.raises(UnknownNameError):
        conf.service("vm:http")


def test_to_dict_is_plain_data():
    import json

    data = ClusterConf.load(EXAMPLE).summary()
    assert json.loads(json.dumps(data))["services"][0]["resources"][1]["attrs"]["address"] == "192.168.10.246"
