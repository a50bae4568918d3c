"""Issue 3: cluster state (clustat, cman_tool) and service control (clusvcadm).

Every name below is used exactly as the issue's "Fixed names" spell it; the values are
what a careful reader sees in ../shared/reference/samples.
"""

from __future__ import annotations

import enum
import json

import pytest

from zigha.errors import CommandTimeout, ParseError, ZighaError
from zigha.services import Services
from zigha.status import parse_clustat_text, parse_clustat_xml, parse_cman_nodes, parse_cman_status


def read(reference, name):
    return (reference / "samples" / name).read_text()


def members(status):
    return [(m.name, m.nodeid, m.online, m.local, m.rgmanager) for m in status.members]


def services(status):
    return [(s.name, s.state.value, s.owner, s.last_owner) for s in status.services]


SEED = [("h1.zigsow.net", 1, True, True, True), ("h2.zigsow.net", 2, True, False, True),
        ("h3.zigsow.net", 3, True, False, True)]

TEXT = {
    "clustat-text-01.txt": ("zigsow-cluster", SEED,
                            [("service:httpd", "started", "h1.zigsow.net", None)]),
    "clustat-text-02.txt": ("zigsow-cluster", SEED,
                            [("service:httpd", "recoverable", None, "h2.zigsow.net")]),
    "clustat-text-03.txt": ("zigsow-cluster", SEED,
                            [("service:httpd", "starting", "h1.zigsow.net", None)]),
    "clustat-text-04.txt": ("zigsow-cluster",
                            [("h1.zigsow.net", 1, True, False, True),
                             ("h2.zigsow.net", 2, True, False, True),
                             ("h3.zigsow.net", 3, True, True, True)],
                            [("service:http", "started", "h1.zigsow.net", None),
                             ("service:mail", "started", "h3.zigsow.net", None),
                             ("service:named", "started", "h2.zigsow.net", None)]),
    "clustat-text-05.txt": ("mycluster",
                            [("ecs-share-001", 1, True, True, True),
                             ("ecs-share-002", 2, True, False, True)],
                            [("service:GFS_SG_VBD_1", "started", "ecs-share-001", None),
                             ("service:GFS_SG_VBD_2", "started", "ecs-share-002", None)]),
    "clustat-text-07.txt": ("Cluster",
                            [("DB1_Heart", 1, True, True, True), ("DB2_Heart", 2, False, False, False)],
                            [("service:Service", "disabled", None, None)]),
    "clustat-text-08.txt": ("our_cluster",
                            [("hbbilbo.maison.ca", 1, True, True, True),
                             ("hbgandalf.maison.ca", 2, True, False, True),
                             ("hbgollum.maison.ca", 3, True, False, True)],
                            [("service:srv_ftp", "started", "hbgollum.maison.ca", None),
                             ("service:srv_www", "disabled", None, "hbgandalf.maison.ca")]),
    "clustat-text-09.txt": ("my-cluster",
                            [("my-vm1", 1, False, False, False), ("my-vm2", 2, True, True, True),
                             ("my-vm3", 3, True, False, True), ("my-vm4", 4, True, False, True),
                             ("my-vm5", 5, True, False, True),
                             ("/dev/block/8:33", 0, True, False, False)],
                            [("service:my_service_group", "started", "my-vm2", None)]),
}

XML = {
    "clustat-xml-01.xml": ("cluster1",
                           [("node2.deimos.fr", 1, True, False, True),
                            ("node1.deimos.fr", 2, True, True, True),
                            ("node3.deimos.fr", 3, True, False, True)],
                           [("service:webby", "disabled", None, None)]),
    "clustat-xml-02.xml": ("rhel6ha",
                           [("rhel6ha01", 1, True, False, True), ("rhel6ha02", 2, True, True, True)],
                           [("service:NameNodeService", "started", "rhel6ha01", "rhel6ha02")]),
    "clustat-xml-04.xml": ("clu_generix",
                           [("gfs-node1", 2, True, False, True), ("gfs-node2", 3, True, False, True),
                            ("gfs-node3", 4, True, True, True)],
                           [("service:vmware_ip", "stopped", None, None),
                            ("service:xen_ip", "started", "gfs-node2", "gfs-node1")]),
}


def check_types(status):
    assert isinstance(status.quorate, bool)
    for m in status.members:
        assert type(m.nodeid) is int
        assert all(type(v) is bool for v in (m.online, m.local, m.rgmanager))
    for s in status.services:
        assert isinstance(s.state, enum.Enum)


@pytest.mark.parametrize("name", sorted(TEXT))
def test_clustat_text_captures(reference, name):
    cluster, want_members, want_services = TEXT[name]
    status = parse_clustat_text(read(reference, name))
    assert status.cluster_name == cluster
    assert status.quorate is True
    assert members(status) == want_members
    assert services(status) == want_services
    check_types(status)


def test_clustat_text_legacy_rhel5_layout(reference):
    status = parse_clustat_text(read(reference, "clustat-text-10.txt"))
    assert status.quorate is True and status.cluster_name is None
    assert [(m.name, m.online, m.local, m.rgmanager) for m in status.members] == [
        ("blade01", True, True, True), ("blade04", False, False, False), ("blade06", True, False, True)]
    assert [(s.name, s.state.value, s.owner) for s in status.services] == [
        ("blade04_gfs_services", "stopped", None), ("blade01_gfs_services", "started", "blade01"),
        ("blade05_gfs_services", "started", "blade05"), ("blade11_gfs_services", "starting", "blade11")]


@pytest.mark.parametrize("name", sorted(XML))
def test_clustat_xml_captures(reference, name):
    cluster, want_members, want_services = XML[name]
    status = parse_clustat_xml(read(reference, name))
    assert status.cluster_name == cluster
    assert status.quorate is True
    assert members(status) == want_members
    assert services(status) == want_services
    check_types(status)


def test_state_enum_value_is_clustats_word(reference):
    status = parse_clustat_text(read(reference, "clustat-text-02.txt"))
    state = status.services[0].state
    assert state.value == "recoverable"
    started = parse_clustat_xml(read(reference, "clustat-xml-02.xml")).services[0].state
    assert started.value == "started" and type(started) is type(state)


# ---- -s / -m outputs (written by us from rhcs-cli.md §1.3.9 and §1.5, 80 columns)

S_TEXT = (" Service Name                   Owner (Last)                   State         \n"
          " ------- ----                   ----- ------                   -----         \n"
          " service:httpd                  (h2.zigsow.net)                recoverable   \n")
M_TEXT = (" Member Name                             ID   Status\n"
          " ------ ----                             ---- ------\n"
          " h2.zigsow.net                               2 Online\n")
S_XML = ('<?xml version="1.0"?>\n<clustat version="4.1.1">\n  <groups>\n'
         '    <group name="service:httpd" state="112" state_str="started"  owner="h1.zigsow.net" '
         'last_owner="h2.zigsow.net" restarts="0" last_transition="1313554514" '
         'last_transition_str="Wed Aug 17 13:15:14 2011"/>\n  </groups>\n</clustat>\n')
M_XML = ('<?xml version="1.0"?>\n<clustat version="4.1.1">\n  <nodes>\n'
         '    <node name="h2.zigsow.net" state="0" local="0" estranged="0" rgmanager="0" '
         'rgmanager_master="0" qdisk="0" nodeid="0x00000002"/>\n  </nodes>\n</clustat>\n')


def test_single_service_text_has_no_quorum_or_name():
    status = parse_clustat_text(S_TEXT)
    assert status.quorate is None and status.cluster_name is None
    assert services(status) == [("service:httpd", "recoverable", None, "h2.zigsow.net")]


def test_single_member_text_has_no_quorum_or_name():
    status = parse_clustat_text(M_TEXT)
    assert status.quorate is None and status.cluster_name is None
    assert members(status) == [("h2.zigsow.net", 2, True, False, False)]


def test_single_service_and_member_xml():
    service = parse_clustat_xml(S_XML)
    assert service.quorate is None and service.cluster_name is None
    assert services(service) == [("service:httpd", "started", "h1.zigsow.net", "h2.zigsow.net")]
    member = parse_clustat_xml(M_XML)
    assert member.quorate is None and member.cluster_name is None
    assert members(member) == [("h2.zigsow.net", 2, False, False, False)]


# ---- cman_tool

def test_cman_status_captures(reference):
    s1 = parse_cman_status(read(reference, "cman_tool-status-01.txt"))
    assert (s1.cluster_name, s1.cluster_id, s1.quorate, s1.expected_votes, s1.total_votes,
            s1.quorum, s1.node_name, s1.node_id) == ("cluster66", 22265, True, 3, 3, 2, "rh66-node2", 2)
    s2 = parse_cman_status(read(reference, "cman_tool-status-02.txt"))
    assert s2.quorate is False and s2.quorum == 2 and (s2.node_name, s2.node_id) == ("rh66-node1", 1)
    s3 = parse_cman_status(read(reference, "cman_tool-status-03.txt"))
    assert (s3.cluster_name, s3.cluster_id, s3.quorate, s3.expected_votes, s3.total_votes,
            s3.quorum, s3.node_name, s3.node_id) == ("testcluster", 15354, True, 3, 6, 4, "node2", 2)
    s4 = parse_cman_status(read(reference, "cman_tool-status-04.txt"))
    assert (s4.cluster_name, s4.cluster_id, s4.quorate, s4.quorum, s4.node_name, s4.node_id) == (
        "cluster1", 26777, True, 2, "node1.deimos.fr", 2)
    for s in (s1, s2, s3, s4):
        for value in (s.cluster_id, s.expected_votes, s.total_votes, s.quorum, s.node_id):
            assert type(value) is int


def test_cman_nodes_captures(reference):
    nodes = parse_cman_nodes(read(reference, "cman_tool-nodes-01.txt"))
    assert [(n.nodeid, n.status, n.name) for n in nodes] == [
        (1, "M", "node1.example.com"), (2, "M", "node2.example.com"), (3, "M", "node3.example.com")]
    assert [n.addresses for n in nodes] == [("10.4.10.60",), ("10.4.10.61",), ("10.4.10.62",)]
    two = parse_cman_nodes(read(reference, "cman_tool-nodes-02.txt"))
    assert [(n.nodeid, n.name, n.incarnation) for n in two] == [
        (1, "storage0a.example.org", 24), (2, "storage0b.example.org", 4)]
    pve = parse_cman_nodes(read(reference, "cman_tool-nodes-03.txt"))
    assert [n.name for n in pve] == ["tartanpion", "bismuth"]


# ---- robustness

def test_garbage_line_is_a_parse_error_naming_the_line(reference):
    lines = read(reference, "clustat-text-04.txt").splitlines(True)
    lines.insert(6, "#### garbage ####\n")
    with pytest.raises(ParseError) as caught:
        parse_clustat_text("".join(lines))
    assert isinstance(caught.value, ZighaError)
    assert caught.value.line == 7
    assert "garbage" in str(caught.value)


def test_truncated_xml_is_a_parse_error(reference):
    text = read(reference, "clustat-xml-01.xml")
    with pytest.raises(ParseError):
        parse_clustat_xml(text[: len(text) // 2])


def test_unknown_future_state_is_kept_raw(reference):
    text = read(reference, "clustat-text-01.txt").replace("started       ", "hibernating   ")
    service = parse_clustat_text(text).services[0]
    assert service.state.name == "UNKNOWN" and service.state_raw == "hibernating"
    xml = read(reference, "clustat-xml-02.xml").replace('state="112" state_str="started"',
                                                        'state="130" state_str="hibernating"')
    service = parse_clustat_xml(xml).services[0]
    assert service.state.name == "UNKNOWN" and service.state_raw == "hibernating"


def test_values_are_frozen_and_dict_ready(reference):
    import attrs

    status = parse_clustat_xml(read(reference, "clustat-xml-02.xml"))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        status.quorate = False
    data = json.loads(json.dumps(status.to_dict()))
    assert data["cluster_name"] == "rhel6ha" and data["services"][0]["state"] == "started"
    assert "rhel6ha01" in repr(status)


def test_render_back_to_text_and_xml_parses_to_the_same(reference):
    from zigha.status import render_clustat_text, render_clustat_xml

    status = parse_clustat_text(read(reference, "clustat-text-04.txt"))
    assert render_clustat_text(status, width=80) == read(reference, "clustat-text-04.txt")
    again = parse_clustat_xml(render_clustat_xml(status))
    assert members(again) == members(status) and services(again)[0][:3] == services(status)[0][:3]


# ---- service control through the runner fake

def test_services_relocate_with_the_real_message(reference, fake_runner):
    node = "node3-f30.example.com"
    fake_runner.expect(["clustat", "-x", "-m", node], stdout=(
        '<?xml version="1.0"?>\n<clustat version="4.1.1">\n  <nodes>\n'
        f'    <node name="{node}" state="1" local="0" estranged="0" rgmanager="0" '
        'rgmanager_master="0" qdisk="0" nodeid="0x00000003"/>\n  </nodes>\n</clustat>\n'))
    fake_runner.expect(["clusvcadm", "-r", "service:httpd", "-m", node],
                       stdout_file=reference / "samples" / "clusvcadm-04.txt")
    result = Services(fake_runner).relocate("httpd", member=node)
    assert result.ok and result.running_on == node and result.service == "service:httpd"


def test_services_disable_with_the_real_message(reference, fake_runner):
    fake_runner.expect(["clusvcadm", "-d", "service:srv_www"],
                       stdout_file=reference / "samples" / "clusvcadm-02.txt")
    assert Services(fake_runner).disable("srv_www").ok


def test_service_does_not_exist_is_typed(fake_runner):
    from zigha.services import UnknownServiceError

    fake_runner.expect(["clusvcadm", "-e", "service:nope"], rc=252,
                       stdout="Local machine trying to enable service:nope...Service does not exist\n")
    with pytest.raises(UnknownServiceError):
        Services(fake_runner).enable("nope")


def test_warning_running_elsewhere_is_not_success(fake_runner):
    fake_runner.expect(["clustat", "-x", "-m", "h2.zigsow.net"], stdout=M_XML.replace('state="0"', 'state="1"'))
    fake_runner.expect(["clusvcadm", "-e", "service:httpd", "-m", "h2.zigsow.net"], stdout=(
        "Member h2.zigsow.net trying to enable service:httpd...Success\n"
        "Warning: service:httpd is now running on h3.zigsow.net\n"))
    result = Services(fake_runner).enable("httpd", member="h2.zigsow.net")
    assert not result.ok and result.running_on == "h3.zigsow.net"


def test_timeout_raises_outcome_unknown(fake_runner):
    fake_runner.timeout(["clusvcadm", "-R", "service:httpd"], seconds=3)
    with pytest.raises(CommandTimeout) as caught:
        Services(fake_runner, timeout=3).restart("httpd")
    assert "outcome unknown" in str(caught.value)


def test_wait_for_returns_the_final_status(fake_runner):
    argv = ["clustat", "-x", "-s", "service:httpd"]
    starting = S_XML.replace('state="112" state_str="started"', 'state="111" state_str="starting"')
    fake_runner.expect(argv, stdout=starting)
    fake_runner.expect(argv, stdout=S_XML)
    seen = []
    services = Services(fake_runner, sleep=lambda s: None, poll_interval=0.01)
    final = services.wait_for("httpd", state="started", owner="h1.zigsow.net", timeout=30,
                              on_progress=lambda status, elapsed: seen.append(status.state.value))
    assert final.state.value == "started" and final.owner == "h1.zigsow.net"
    assert seen == ["starting", "started"]


# ---- command line

def test_cli_status_from_capture(reference, zigha_cli):
    done = zigha_cli("status", "--from", str(reference / "samples" / "clustat-text-02.txt"))
    assert done.returncode == 0, done.stderr
    assert done.stdout == read(reference, "clustat-text-02.txt")
    as_json = zigha_cli("status", "--json", "--from", str(reference / "samples" / "clustat-xml-04.xml"))
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert data["cluster_name"] == "clu_generix"
    assert [(s["name"], s["state"]) for s in data["services"]] == [
        ("service:vmware_ip", "stopped"), ("service:xen_ip", "started")]


def test_cli_status_bad_capture_exits_2(reference, zigha_cli):
    done = zigha_cli("status", "--from", str(reference / "samples" / "cman_tool-status-01.txt"))
    assert done.returncode == 2
    assert done.stderr.startswith("zigha: error:")


# ---- live reads: exit codes as rhcs-cli.md §1.4 says

def test_quiet_quorum_check_by_exit_code(fake_runner):
    from zigha.status import is_quorate

    fake_runner.expect(["clustat", "-Q"], rc=0)
    fake_runner.expect(["clustat", "-Q"], rc=1)
    assert is_quorate(fake_runner) is True
    assert is_quorate(fake_runner) is False


def test_service_state_number_as_exit_status_is_not_an_error(fake_runner):
    from zigha.status import service_status

    disabled = S_XML.replace('state="112" state_str="started"', 'state="119" state_str="disabled"')
    fake_runner.expect(["clustat", "-x", "-s", "service:httpd"], rc=119, stdout=disabled)
    assert service_status("httpd", fake_runner).state.value == "disabled"


def test_rgmanager_silent_exit_255_is_a_typed_error(fake_runner):
    from zigha.status import RgmanagerUnavailableError, service_status

    fake_runner.expect(["clustat", "-x", "-s", "service:httpd"], rc=255,
                       stdout='<?xml version="1.0"?>\n<clustat version="4.1.1">\n</clustat>\n')
    with pytest.raises(RgmanagerUnavailableError):
        service_status("httpd", fake_runner)


def test_rhel60_text_report_exit_255_without_services_is_read(reference, fake_runner):
    from zigha.status import clustat

    text = "".join(read(reference, "clustat-text-01.txt").splitlines(True)[:8]) \
        .replace(", rgmanager", "") + "\n"
    fake_runner.expect(["clustat"], rc=255, stdout=text)
    status = clustat(fake_runner, xml=False)
    assert status.quorate is True and status.services == ()
    assert [m.name for m in status.members] == ["h1.zigsow.net", "h2.zigsow.net", "h3.zigsow.net"]
