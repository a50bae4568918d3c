"""Every real capture in ../shared/reference/samples parses to what a careful reader sees."""

from __future__ import annotations

import datetime as dt

import pytest

from zigha.status import (
    ServiceState,
    parse_clustat_text,
    parse_clustat_xml,
    parse_cman_nodes,
    parse_cman_status,
)

STARTED, STARTING, STOPPED = ServiceState.STARTED, ServiceState.STARTING, ServiceState.STOPPED
DISABLED, RECOVERABLE = ServiceState.DISABLED, ServiceState.RECOVERABLE


def read(reference, name):
    return (reference / "samples" / name).read_text()


def members(status):
    return [(m.name, m.nodeid, m.online, m.local, m.rgmanager, m.qdisk) for m in status.members]


def services(status):
    return [(s.name, s.state, s.owner, s.last_owner) for s in status.services]


ZIGSOW = [
    ("h1.zigsow.net", 1, True, True, True, False),
    ("h2.zigsow.net", 2, True, False, True, False),
    ("h3.zigsow.net", 3, True, False, True, False),
]


@pytest.mark.parametrize("name, when, service", [
    ("clustat-text-01.txt", dt.datetime(2011, 8, 17, 13, 15, 14),
     ("service:httpd", STARTED, "h1.zigsow.net", None)),
    ("clustat-text-02.txt", dt.datetime(2011, 8, 17, 13, 15, 27),
     ("service:httpd", RECOVERABLE, None, "h2.zigsow.net")),
    ("clustat-text-03.txt", dt.datetime(2011, 8, 17, 13, 15, 42),
     ("service:httpd", STARTING, "h1.zigsow.net", None)),
])
def test_seed_httpd_sequence(reference, name, when, service):
    status = parse_clustat_text(read(reference, name))
    assert status.cluster_name == "zigsow-cluster"
    assert status.quorate is True
    assert status.timestamp == when
    assert members(status) == ZIGSOW
    assert services(status) == [service]
    assert status.services_available
    assert status.cluster_id is None and status.generation is None
    assert status.local_member.name == "h1.zigsow.net"


def test_seed_three_services_on_h3(reference):
    status = parse_clustat_text(read(reference, "clustat-text-04.txt"))
    assert status.cluster_name == "zigsow-cluster"
    assert status.timestamp_str == "Fri Aug 19 13:50:00 2011"
    assert [m.local for m in status.members] == [False, False, True]
    assert services(status) == [
        ("service:http", STARTED, "h1.zigsow.net", None),
        ("service:mail", STARTED, "h3.zigsow.net", None),
        ("service:named", STARTED, "h2.zigsow.net", None),
    ]
    assert status.service("named").owner == "h2.zigsow.net"
    assert status.service("service:mail").state.value == "started"


def test_wide_terminal_two_nodes(reference):
    status = parse_clustat_text(read(reference, "clustat-text-05.txt"))
    assert status.cluster_name == "mycluster"
    assert status.timestamp == dt.datetime(2020, 2, 19, 4, 19, 41)
    assert members(status) == [
        ("ecs-share-001", 1, True, True, True, False),
        ("ecs-share-002", 2, True, False, True, False),
    ]
    assert services(status) == [
        ("service:GFS_SG_VBD_1", STARTED, "ecs-share-001", None),
        ("service:GFS_SG_VBD_2", STARTED, "ecs-share-002", None),
    ]


def test_offline_member_and_never_run_service(reference):
    status = parse_clustat_text(read(reference, "clustat-text-07.txt"))
    assert status.cluster_name == "Cluster"
    assert members(status) == [
        ("DB1_Heart", 1, True, True, True, False),
        ("DB2_Heart", 2, False, False, False, False),
    ]
    assert services(status) == [("service:Service", DISABLED, None, None)]
    assert status.services[0].shown_owner == "(none)"


def test_disabled_after_clusvcadm_d(reference):
    status = parse_clustat_text(read(reference, "clustat-text-08.txt"))
    assert status.cluster_name == "our_cluster"
    assert members(status) == [
        ("hbbilbo.maison.ca", 1, True, True, True, False),
        ("hbgandalf.maison.ca", 2, True, False, True, False),
        ("hbgollum.maison.ca", 3, True, False, True, False),
    ]
    assert services(status) == [
        ("service:srv_ftp", STARTED, "hbgollum.maison.ca", None),
        ("service:srv_www", DISABLED, None, "hbgandalf.maison.ca"),
    ]


def test_quorum_disk_row_and_edited_layout(reference):
    status = parse_clustat_text(read(reference, "clustat-text-09.txt"))
    assert status.cluster_name == "my-cluster"
    assert status.quorate is True
    assert members(status) == [
        ("my-vm1", 1, False, False, False, False),
        ("my-vm2", 2, True, True, True, False),
        ("my-vm3", 3, True, False, True, False),
        ("my-vm4", 4, True, False, True, False),
        ("my-vm5", 5, True, False, True, False),
        ("/dev/block/8:33", 0, True, False, False, True),
    ]
    assert services(status) == [("service:my_service_group", STARTED, "my-vm2", None)]


def test_legacy_rhel5_layout(reference):
    status = parse_clustat_text(read(reference, "clustat-text-10.txt"))
    assert status.cluster_name is None
    assert status.quorate is True
    assert [(m.name, m.nodeid, m.online, m.local, m.rgmanager) for m in status.members] == [
        ("blade01", None, True, True, True),
        ("blade04", None, False, False, False),
        ("blade06", None, True, False, True),
    ]
    assert services(status) == [
        ("blade04_gfs_services", STOPPED, None, "unknown"),
        ("blade01_gfs_services", STARTED, "blade01", None),
        ("blade05_gfs_services", STARTED, "blade05", None),
        ("blade11_gfs_services", STARTING, "blade11", None),
    ]


def test_xml_disabled_never_run_with_flags(reference):
    status = parse_clustat_xml(read(reference, "clustat-xml-01.xml"))
    assert (status.cluster_name, status.cluster_id, status.generation) == ("cluster1", 26777, 188)
    assert status.quorate is True and status.group_member is True
    assert members(status) == [
        ("node2.deimos.fr", 1, True, False, True, False),
        ("node1.deimos.fr", 2, True, True, True, False),
        ("node3.deimos.fr", 3, True, False, True, False),
    ]
    (webby,) = status.services
    assert (webby.name, webby.state, webby.state.code) == ("service:webby", DISABLED, 119)
    assert webby.owner is None and webby.last_owner is None
    assert webby.flags == () and webby.flags_value == 0 and not webby.frozen
    assert webby.restarts == 0 and webby.last_transition == 0
    assert webby.last_transition_str == "Thu Jan  1 01:00:00 1970"
    assert webby.kind == "service" and webby.short_name == "webby"


def test_xml_without_declaration_and_wrapped_group(reference):
    status = parse_clustat_xml(read(reference, "clustat-xml-02.xml"))
    assert (status.cluster_name, status.cluster_id, status.generation) == ("rhel6ha", 57734, 162772)
    assert members(status) == [
        ("rhel6ha01", 1, True, False, True, False),
        ("rhel6ha02", 2, True, True, True, False),
    ]
    (nn,) = status.services
    assert (nn.name, nn.state, nn.owner, nn.last_owner) == (
        "service:NameNodeService", STARTED, "rhel6ha01", "rhel6ha02")
    assert nn.last_transition == 1345237321
    assert nn.last_transition_time == dt.datetime(2012, 8, 17, 21, 2, 1, tzinfo=dt.timezone.utc)


def test_xml_rhel5_without_flags(reference):
    status = parse_clustat_xml(read(reference, "clustat-xml-04.xml"))
    assert (status.cluster_name, status.cluster_id, status.generation) == ("clu_generix", 15354, 900)
    assert members(status) == [
        ("gfs-node1", 2, True, False, True, False),
        ("gfs-node2", 3, True, False, True, False),
        ("gfs-node3", 4, True, True, True, False),
    ]
    assert services(status) == [
        ("service:vmware_ip", STOPPED, None, None),
        ("service:xen_ip", STARTED, "gfs-node2", "gfs-node1"),
    ]
    assert [s.flags_value for s in status.services] == [None, None]
    assert [s.restarts for s in status.services] == [1, 1]


def test_cman_status_quorate_rhel66(reference):
    st = parse_cman_status(read(reference, "cman_tool-status-01.txt"))
    assert (st.cluster_name, st.cluster_id, st.quorate) == ("cluster66", 22265, True)
    assert (st.expected_votes, st.total_votes, st.quorum, st.node_votes) == (3, 3, 2, 1)
    assert (st.node_name, st.node_id) == ("rh66-node2", 2)
    assert (st.version, st.config_version, st.cluster_generation) == ("6.2.0", 23, 3612)
    assert st.membership_state == "Cluster-Member" and st.cluster_member is True
    assert st.nodes == 3 and st.active_subsystems == 8 and st.flags == ()
    assert st.ports_bound == (0,) and st.quorum_device_votes is None
    assert st.multicast_addresses == ("239.192.86.80",)
    assert st.node_addresses == ("192.168.122.61",)


def test_cman_status_inquorate(reference):
    st = parse_cman_status(read(reference, "cman_tool-status-02.txt"))
    assert st.quorate is False and st.quorum == 2
    assert (st.node_name, st.node_id) == ("rh66-node1", 1)


def test_cman_status_rhel5_with_quorum_device(reference):
    st = parse_cman_status(read(reference, "cman_tool-status-03.txt"))
    assert (st.cluster_name, st.cluster_id, st.quorate) == ("testcluster", 15354, True)
    assert (st.expected_votes, st.quorum_device_votes, st.total_votes, st.quorum) == (3, 2, 6, 4)
    assert st.node_votes is None
    assert st.flags == ("Dirty",) and st.ports_bound == (0, 11, 177)
    assert (st.node_name, st.node_id, st.config_version) == ("node2", 2, 48)


def test_cman_status_trimmed_blanks(reference):
    st = parse_cman_status(read(reference, "cman_tool-status-04.txt"))
    assert (st.cluster_name, st.cluster_id, st.quorate, st.quorum) == ("cluster1", 26777, True, 2)
    assert (st.node_name, st.node_id, st.total_votes, st.expected_votes) == (
        "node1.deimos.fr", 2, 3, 3)


def test_cman_nodes_with_addresses(reference):
    nodes = parse_cman_nodes(read(reference, "cman_tool-nodes-01.txt"))
    assert [(n.nodeid, n.status, n.member, n.incarnation, n.name, n.addresses) for n in nodes] == [
        (1, "M", True, 4, "node1.example.com", ("10.4.10.60",)),
        (2, "M", True, 8, "node2.example.com", ("10.4.10.61",)),
        (3, "M", True, 12, "node3.example.com", ("10.4.10.62",)),
    ]
    assert nodes[0].joined == dt.datetime(2014, 4, 9, 8, 30, 22)


@pytest.mark.parametrize("name, expected", [
    ("cman_tool-nodes-02.txt", [(1, 24, "storage0a.example.org", dt.datetime(2008, 10, 25, 4, 29, 59)),
                                (2, 4, "storage0b.example.org", dt.datetime(2008, 10, 25, 4, 23, 50))]),
    ("cman_tool-nodes-03.txt", [(1, 48, "tartanpion", dt.datetime(2015, 1, 16, 14, 25, 27)),
                                (2, 44, "bismuth", dt.datetime(2015, 1, 16, 14, 25, 27))]),
])
def test_cman_nodes_plain(reference, name, expected):
    nodes = parse_cman_nodes(read(reference, name))
    assert [(n.nodeid, n.incarnation, n.name, n.joined) for n in nodes] == expected
    assert all(n.status == "M" and n.member and n.addresses == () for n in nodes)


def test_seed_demo_captures_parse(examples):
    captures = examples / "zigsow" / "captures"
    status = parse_clustat_xml((captures / "clustat-x.xml").read_text())
    assert [(s.short_name, s.owner) for s in status.services] == [
        ("http", "h1.zigsow.net"), ("mail", "h3.zigsow.net"), ("named", "h2.zigsow.net")]
    cman = parse_cman_status((captures / "cman_tool-status.txt").read_text())
    assert cman.node_name == "h3.zigsow.net" and cman.quorate
    assert [n.name for n in parse_cman_nodes((captures / "cman_tool-nodes.txt").read_text())] == [
        "h1.zigsow.net", "h2.zigsow.net", "h3.zigsow.net"]
