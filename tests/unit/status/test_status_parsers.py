"""Situations the captures do not show, derived from the clustat/cman_tool sources
(../shared/reference/rhcs-cli.md), and the errors for output that is not a report."""

from __future__ import annotations

import pytest

from zigha.errors import ParseError
from zigha.status import (
    ServiceState,
    parse_clustat,
    parse_clustat_text,
    parse_clustat_xml,
    parse_cman_nodes,
    parse_cman_status,
    render_clustat_text,
    service_name,
)

HEADER = "Cluster Status for c1 @ Thu Mar  1 09:45:21 2012\n"
MEMBERS = (
    " Member Name                             ID   Status\n"
    " ------ ----                             ---- ------\n"
    " n1                                          1 Online, Local, rgmanager\n"
    " n2                                          2 Offline\n"
)
SERVICES = (
    " Service Name                   Owner (Last)                   State         \n"
    " ------- ----                   ----- ------                   -----         \n"
)


def test_ctime_with_space_padded_day():
    status = parse_clustat_text(HEADER + "Member Status: Quorate\n\n" + MEMBERS + "\n")
    assert status.timestamp.isoformat() == "2012-03-01T09:45:21"
    assert status.services_available is False and status.services == ()


def test_inquorate_with_notice_before_the_report():
    text = ("Service states unavailable: Operation requires quorum\n" + HEADER
            + "Member Status: Inquorate\n\n" + MEMBERS + "\n")
    status = parse_clustat_text(text)
    assert status.quorate is False
    assert status.notices == ("Service states unavailable: Operation requires quorum",)
    assert not status.services_available
    assert not any(m.rgmanager for m in status.members[1:])


def test_membership_unavailable():
    text = (HEADER + "Member Status: Quorate\n"
            "Resource Group Manager not running; no service information available.\n\n"
            "Membership information not available\n")
    status = parse_clustat_text(text)
    assert status.members == () and len(status.notices) == 2


def test_single_service_and_single_member_outputs():
    only_service = SERVICES + " service:httpd                  (h2)                           failed        \n"
    status = parse_clustat_text(only_service)
    assert status.cluster_name is None and status.quorate is None and status.members == ()
    (svc,) = status.services
    assert (svc.state, svc.owner, svc.last_owner) == (ServiceState.FAILED, None, "h2")
    only_member = "\n".join(MEMBERS.splitlines()[:3]) + "\n"
    status = parse_clustat_text(only_member)
    assert status.cluster_name is None and status.quorate is None
    assert [m.name for m in status.members] == ["n1"] and not status.services_available


def test_flags_in_state_cell_and_cut_state_word():
    rows = (" vm:guest1                      n1                             started    [Z]\n"
            " service:a                      n1                             started   [ZP]\n"
            " service:b                      n2                             uninitializ[Z]\n"
            " service:c                      n2                             frobbing      \n"
            " service:d                      unknown                        Unknown       \n")
    svcs = parse_clustat_text(SERVICES + rows).services
    assert [(s.name, s.state, s.flags) for s in svcs] == [
        ("vm:guest1", ServiceState.STARTED, ("frozen",)),
        ("service:a", ServiceState.STARTED, ("frozen", "partial")),
        ("service:b", ServiceState.UNINITIALIZED, ("frozen",)),
        ("service:c", ServiceState.UNKNOWN, ()),
        ("service:d", ServiceState.UNKNOWN, ()),
    ]
    assert svcs[0].kind == "vm" and svcs[0].frozen and not svcs[0].partial
    assert svcs[2].state_raw == "uninitializ"
    assert svcs[3].state_raw == "frobbing" and svcs[4].owner == "unknown"


def test_member_words_central_processing_estranged_and_future_words():
    text = (" Member Name                             ID   Status\n"
            " ------ ----                             ---- ------\n"
            " n1                                          1 Online, Local, RG-Master\n"
            " n2                                          2 Online, Estranged, RG-Worker\n"
            " /dev/disk/by-id/scsi-1-part1                0 Offline, Quorum Disk\n"
            " n3                                      10001 Online, Sparkly\n")
    m1, m2, qd, n3 = parse_clustat_text(text).members
    assert m1.rgmanager and m1.rgmanager_master and m1.local
    assert m2.rgmanager and not m2.rgmanager_master and m2.estranged
    assert qd.qdisk and not qd.online and qd.nodeid == 0
    assert n3.nodeid == 10001 and n3.other_flags == ("Sparkly",)


def test_long_format():
    text = ("Service Information\n------- -----------\n\n"
            "Service Name      : service:foo\n"
            "  Current State   : started (112)\n"
            "  Flags           : frozen, partial (3)\n"
            "  Owner           : node1\n"
            "  Last Owner      : none\n"
            "  Last Transition : Wed Aug 17 13:15:14 2011\n\n"
            "Service Name      : vm:bar\n"
            "  Current State   : disabled (119)\n"
            "  Owner           : none\n"
            "  Last Owner      : node2\n"
            "  Last Transition : Thu Jan  1 01:00:00 1970\n\n")
    foo, bar = parse_clustat_text(text).services
    assert (foo.state, foo.owner, foo.last_owner, foo.flags, foo.flags_value) == (
        ServiceState.STARTED, "node1", None, ("frozen", "partial"), 3)
    assert foo.last_transition_str == "Wed Aug 17 13:15:14 2011"
    assert (bar.state, bar.owner, bar.last_owner, bar.flags) == (
        ServiceState.DISABLED, None, "node2", ())


def test_watch_output_with_clear_sequences_keeps_last_report():
    report = HEADER + "Member Status: Quorate\n\n" + MEMBERS + "\n"
    text = "\x1b[H\x1b[2J" + report + "\x1b[H\x1b[2J" + report.replace("c1", "c2")
    assert parse_clustat_text(text).cluster_name == "c2"


def test_xml_inquorate_split_quorum_and_missing_groups():
    text = ("Service states unavailable: Operation requires quorum\n"
            '<?xml version="1.0"?>\n<clustat version="4.1.1">\n'
            '  <cluster name="c1" id="7" generation="3"/>\n'
            '  <quorum quorate="0"\n groupmember="0"/>\n'
            "  <nodes>\n"
            '    <node name="n1" state="1" local="1" estranged="0" rgmanager="0" '
            'rgmanager_master="0" qdisk="0" nodeid="0x00000001"/>\n'
            "  </nodes>\n</clustat>\n")
    status = parse_clustat_xml(text)
    assert status.quorate is False and status.group_member is False
    assert not status.services_available and status.services == ()
    assert status.notices == ("Service states unavailable: Operation requires quorum",)


def test_xml_single_service_has_no_cluster_or_quorum():
    text = ('<?xml version="1.0"?>\n<clustat version="4.1.1">\n  <groups>\n'
            '    <group name="vm:g &amp; h" state="120" state_str="migrating" flags="1" '
            'flags_str="frozen" owner="n1" last_owner="n2" restarts="0" '
            'last_transition="5" last_transition_str="x"/>\n  </groups>\n</clustat>\n')
    status = parse_clustat_xml(text)
    assert status.cluster_name is None and status.quorate is None and status.members == ()
    (g,) = status.services
    assert (g.name, g.state, g.kind, g.frozen) == ("vm:g & h", ServiceState.MIGRATING, "vm", True)


def test_xml_unescaped_ampersand_is_repaired_and_unknown_state_kept():
    text = ('<clustat version="4.1.1"><groups>'
            '<group name="service:a&b" state="130" state_str="hovering" owner="none" '
            'last_owner="none"/></groups></clustat>')
    (svc,) = parse_clustat_xml(text).services
    assert svc.name == "service:a&b"
    assert svc.state is ServiceState.UNKNOWN and svc.state_raw == "hovering"


def test_parse_clustat_detects_the_format(reference):
    xml = (reference / "samples" / "clustat-xml-01.xml").read_text()
    text = (reference / "samples" / "clustat-text-01.txt").read_text()
    assert parse_clustat(xml).cluster_id == 26777
    assert parse_clustat(text).cluster_name == "zigsow-cluster"


@pytest.mark.parametrize("text, line, excerpt", [
    (HEADER + "Member Status: Quorate\n\n" + MEMBERS + "\nsomething else\n", 9, "something else"),
    (HEADER + "Member Status: Quorate\n\n" + MEMBERS.replace("2 Offline", "2 Sleepy"), 7,
     " n2                                          2 Sleepy"),
    (SERVICES + " service:httpd                  h1\n", 3, " service:httpd                  h1"),
    (HEADER + "Member Status: Quorate\n\n Member Name    ID   Status\n", 4,
     " Member Name    ID   Status"),
    ("Hello world\n", 1, "Hello world"),
])
def test_text_garbage_names_the_line(text, line, excerpt):
    with pytest.raises(ParseError) as info:
        parse_clustat_text(text)
    assert info.value.line == line and info.value.excerpt == excerpt
    assert info.value.tool == "clustat"


def test_truncated_text_report_is_an_error():
    with pytest.raises(ParseError, match="truncated"):
        parse_clustat_text(HEADER + "Member Status: Quorate\n\n")
    with pytest.raises(ParseError, match="empty"):
        parse_clustat_text("")


@pytest.mark.parametrize("text, line", [
    ('<?xml version="1.0"?>\n<clustat version="4.1.1">\n  <nodes>\n', 4),
    ('<clustat>\n<nodes>\n<node name="a" state="1" nodeid="zz"/>\n</nodes>\n</clustat>', 3),
    ('<clustat>\n<nodes>\n<node name="a" state="yes" nodeid="0x1"/>\n</nodes>\n</clustat>', 3),
    ('<clustat>\n<groups>\n<group state="112"/>\n</groups>\n</clustat>', 3),
    ('junk\n<clustat>\n<groups>\n<group name="a" state="x"/>\n</groups>\n</clustat>', 4),
    ('<?xml version="1.0"?>\n<crm_mon>\n</crm_mon>', 2),
])
def test_xml_garbage_names_the_line(text, line):
    with pytest.raises(ParseError) as info:
        parse_clustat_xml(text)
    assert info.value.line == line and info.value.tool == "clustat -x"


def test_xml_without_document():
    with pytest.raises(ParseError, match="no <clustat>"):
        parse_clustat_xml("Could not connect to CMAN: No such file or directory\n")


def test_cman_status_errors_and_extras():
    with pytest.raises(ParseError) as info:
        parse_cman_status("Cluster Name: c\nQuorum: two\n")
    assert info.value.line == 2 and info.value.excerpt == "Quorum: two"
    with pytest.raises(ParseError, match="not a 'Key: value'"):
        parse_cman_status("Cluster Name: c\nthis is not cman\n")
    with pytest.raises(ParseError, match="no 'Cluster Name'"):
        parse_cman_status("Version: 6.2.0\n")
    st = parse_cman_status("Cluster Name: c\nQuorum: 1  \nFlags: 2node HaveState \n"
                           "Future thing: 42\nDisallowed nodes: n4 n5 \n")
    assert st.two_node and st.flags == ("2node", "HaveState")
    assert st.extra == (("Future thing", "42"),) and st.disallowed_nodes == ("n4", "n5")
    assert st.cluster_id is None and st.to_dict()["extra"] == {"Future thing": "42"}


def test_cman_nodes_states_and_errors():
    text = ("Node  Sts   Inc   Joined               Name\n"
            "   0   M      0   2011-08-19 09:12:40  /dev/block/8:33\n"
            "   1   X      0                        h1.zigsow.net\n"
            "   2   d      8   2011-08-19 09:12:40  h2.zigsow.net\n")
    qd, h1, h2 = parse_cman_nodes(text)
    assert qd.qdisk and qd.member
    assert (h1.status, h1.member, h1.joined, h1.name) == ("X", False, None, "h1.zigsow.net")
    assert (h2.status, h2.member) == ("d", False)
    with pytest.raises(ParseError) as info:
        parse_cman_nodes(text + "   3   M   garbage\n")
    assert info.value.line == 5
    with pytest.raises(ParseError, match="header"):
        parse_cman_nodes("   1   M      4   2014-04-09 08:30:22  node1\n")
    with pytest.raises(ParseError):
        parse_cman_nodes("")


def test_service_name_rules():
    assert service_name("httpd") == "service:httpd"
    assert service_name("vm:guest1") == "vm:guest1"
    with pytest.raises(ValueError):
        service_name(" ")


def test_state_enum_numbers_and_words():
    assert [s.code for s in ServiceState][:11] == list(range(110, 121))
    assert ServiceState.from_code(117) is ServiceState.RECOVERABLE
    assert ServiceState.from_code(999) is ServiceState.UNKNOWN
    assert ServiceState.coerce("Started") is ServiceState.STARTED
    assert ServiceState.coerce(118) is ServiceState.RECOVERING
    with pytest.raises(ValueError):
        ServiceState.coerce("sleeping")
    assert [s.value for s in ServiceState if s.running] == ["starting", "started", "stopping"]


def test_render_special_cases():
    status = parse_clustat_text(
        "Service states unavailable: Operation requires quorum\n" + HEADER
        + "Member Status: Inquorate\n\n" + MEMBERS + "\n")
    text = render_clustat_text(status)
    assert text.startswith("Service states unavailable: Operation requires quorum\nCluster Status")
    assert "Member Status: Inquorate\n" in text and "Service Name" not in text
    assert parse_clustat_text(text) == status


def test_pasted_prompt_and_service_name_with_blanks():
    text = ("[root@h1 ~]# clustat -s 'my web'\n" + SERVICES
            + " service:my web                 h1                             started    [Z]\n")
    (svc,) = parse_clustat_text(text).services
    assert (svc.name, svc.owner, svc.state, svc.flags) == (
        "service:my web", "h1", ServiceState.STARTED, ("frozen",))


@pytest.mark.parametrize("text", [
    "<clustat>\x00</clustat>", '<clustat :ersion="4.1.1">\n</clustat>', "<clustat>",
    '<clustat><groups><group name="a" state="112" flags="x"/></groups></clustat>',
])
def test_xml_oddities_are_parse_errors(text):
    with pytest.raises(ParseError):
        parse_clustat_xml(text)


def test_cman_status_older_key_spellings():
    text = ("Protocol version: 5.0.1\nConfig version: 2\nCluster name: alpha_cluster\n"
            "Cluster ID: 50356\nCluster Member: Yes\nMembership state: Cluster-Member\n"
            "Nodes: 3\nExpected_votes: 3\nTotal_votes: 3\nQuorum: 2\n"
            "Active subsystems: 1\nNode name: node1\nNode addresses: 10.0.0.1\n")
    st = parse_cman_status(text)
    assert (st.cluster_name, st.cluster_id, st.expected_votes, st.total_votes) == (
        "alpha_cluster", 50356, 3, 3)
    assert (st.version, st.config_version, st.quorum, st.quorate) == ("5.0.1", 2, 2, True)
    assert st.node_name == "node1" and st.node_id is None
