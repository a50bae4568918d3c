"""Real outputs found in public pages and repositories (tests/fixtures/status/found/,
provenance in its SOURCES.md) parse to what a careful reader sees, member by member and
service by service; the damaged copies among them are refused with the line."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from zigha.errors import ParseError
from zigha.services import parse_clusvcadm
from zigha.status import (
    ServiceState,
    parse_clustat,
    parse_clustat_text,
    parse_clustat_xml,
    parse_cman_nodes,
    parse_cman_status,
)

FOUND = Path(__file__).resolve().parents[2] / "fixtures" / "status" / "found"
STARTED = ServiceState.STARTED


def read(name: str) -> str:
    return (FOUND / name).read_text(encoding="utf-8")


def members(status):
    """(name, id, status words as clustat prints them) per member."""
    return [(m.name, m.nodeid, m.status_text()) for m in status.members]


def services(status):
    return [(s.name, s.state, s.owner, s.last_owner) for s in status.services]


LINTERNUX = ("hbbilbo.maison.ca", "hbgandalf.maison.ca", "hbgollum.maison.ca")


def linternux_members(local: str):
    return [(name, number, "Online, Local, rgmanager" if name == local else "Online, rgmanager")
            for number, name in enumerate(LINTERNUX, 1)]


@pytest.mark.parametrize("name, when, local, ftp_on, www_on", [
    ("clustat-text-linternux-1137.txt", "Sat Apr 16 11:37:25 2011", "hbgollum.maison.ca",
     "hbgollum.maison.ca", "hbbilbo.maison.ca"),
    ("clustat-text-linternux-1210.txt", "Sat Apr 16 12:10:01 2011", "hbgandalf.maison.ca",
     "hbbilbo.maison.ca", "hbbilbo.maison.ca"),
    ("clustat-text-linternux-1415.txt", "Sat Apr 16 14:15:37 2011", "hbgandalf.maison.ca",
     "hbgollum.maison.ca", "hbbilbo.maison.ca"),
    ("clustat-text-linternux-1427.txt", "Sat Apr 16 14:27:14 2011", "hbbilbo.maison.ca",
     "hbgollum.maison.ca", "hbgandalf.maison.ca"),
    ("clustat-text-linternux-1439.txt", "Sat Apr 16 14:39:48 2011", "hbbilbo.maison.ca",
     "hbgollum.maison.ca", "hbgandalf.maison.ca"),
    ("clustat-text-linternux-1447.txt", "Sat Apr 16 14:47:36 2011", "hbbilbo.maison.ca",
     "hbgollum.maison.ca", "hbbilbo.maison.ca"),
])
def test_linternux_centos5_sequence(name, when, local, ftp_on, www_on):
    """Prompts before and after, no-break spaces, trimmed indentation and padding."""
    status = parse_clustat_text(read(name))
    assert status.cluster_name == "our_cluster"
    assert status.timestamp_str == when
    assert status.quorate is True and status.notices == ()
    assert members(status) == linternux_members(local)
    assert status.local_member.name == local
    assert services(status) == [
        ("service:srv_ftp", STARTED, ftp_on, None),
        ("service:srv_www", STARTED, www_on, None),
    ]
    assert status.service("srv_www").owner == www_on


def test_no_break_spaces_are_column_blanks():
    text = read("clustat-text-linternux-1137.txt")
    assert "\xa0" in text  # the page's own bytes, kept as found
    status = parse_clustat_text(text)
    assert status.timestamp == dt.datetime(2011, 4, 16, 11, 37, 25)
    assert [m.name for m in status.members] == list(LINTERNUX)


def test_tab_indented_wiki_copy_with_blank_padding():
    status = parse_clustat_text(read("clustat-text-4over-w1.txt"))
    assert status.cluster_name == "mycluster"
    assert status.timestamp == dt.datetime(2013, 10, 10, 22, 18, 59)
    assert members(status) == [
        ("w1.gln.4over.com", 1, "Online, Local, rgmanager"),
        ("w2.gln.4over.com", 2, "Online, rgmanager"),
    ]
    assert services(status) == [("service:mywebcluster", STARTED, "w1.gln.4over.com", None)]


def test_report_followed_by_the_next_command():
    """The transcript goes on with `df -h`: the report ends at that prompt."""
    status = parse_clustat_text(read("clustat-text-4over-w2.txt"))
    assert status.timestamp_str == "Thu Oct 10 22:34:51 2013"
    assert members(status) == [
        ("w1.gln.4over.com", 1, "Online, rgmanager"),
        ("w2.gln.4over.com", 2, "Online, Local, rgmanager"),
    ]
    assert services(status) == [("service:mywebcluster", STARTED, "w2.gln.4over.com", None)]


def test_bash_mail_notice_after_the_service_table():
    status = parse_clustat_text(read("clustat-text-cn-group.txt"))
    assert status.cluster_name == "cluster"
    assert status.timestamp == dt.datetime(2018, 6, 14, 16, 5, 52)
    assert members(status) == [
        ("node1", 1, "Online, Local, rgmanager"),
        ("node2", 2, "Online, rgmanager"),
    ]
    assert services(status) == [
        ("service:group_1", STARTED, "node1", None),
        ("service:group_2", STARTED, "node2", None),
    ]
    assert status.notices == ()


def test_wide_terminal_with_shifted_ids():
    status = parse_clustat_text(read("clustat-text-deimos-apache.txt"))
    assert status.cluster_name == "cluster1"
    assert members(status) == [
        ("node2.deimos.fr", 1, "Online, rgmanager"),
        ("node1.deimos.fr", 2, "Online, Local, rgmanager"),
    ]
    assert services(status) == [("service:apache", STARTED, "node2.deimos.fr", None)]


def test_hand_realigned_service_rows_and_bracket_prompt_without_hash():
    status = parse_clustat_text(read("clustat-text-qpid.txt"))
    assert status.cluster_name == "aconway-ha-test"
    assert status.timestamp == dt.datetime(2014, 9, 3, 15, 42, 1)
    assert members(status) == [
        ("node1.example.com", 1, "Online, Local, rgmanager"),
        ("node2.example.com", 2, "Online, rgmanager"),
        ("node3.example.com", 3, "Online, rgmanager"),
    ]
    assert services(status) == [
        ("service:mrg1-qpidd-service", STARTED, "node1.example.com", None),
        ("service:mrg2-qpidd-service", STARTED, "node2.example.com", None),
        ("service:mrg3-qpidd-service", STARTED, "node3.example.com", None),
        ("service:qpidd-primary-service", STARTED, "node3.example.com", None),
    ]


def test_rgmanager_not_running_no_blank_lines_sudo_prompt():
    status = parse_clustat_text(read("clustat-text-gfs-no-rgmanager.txt"))
    assert status.cluster_name == "gfs_cluster"
    assert status.quorate is True
    assert members(status) == [("node0", 1, "Online, Local"), ("node1", 2, "Online")]
    assert not any(m.rgmanager for m in status.members)
    assert status.services == () and status.services_available is False


def test_old_layout_flattened_with_bare_service_name():
    status = parse_clustat_text(read("clustat-text-nodo-flattened.txt"))
    assert status.cluster_name is None and status.quorate is True
    assert members(status) == [
        ("nodo1.dominio", None, "Online, rgmanager"),
        ("nodo2.dominio", None, "Online, Local, rgmanager"),
    ]
    assert services(status) == [("mysql_service", STARTED, "nodo2.dominio", None)]
    assert status.service("mysql_service").owner == "nodo2.dominio"


def test_header_without_date_in_an_indented_code_block():
    status = parse_clustat_text(read("clustat-text-rackspace-nodate.txt"))
    assert status.cluster_name == "mysql-clus"
    assert status.timestamp is None and status.timestamp_str is None
    assert members(status) == [
        ("c80216-db1", 1, "Online, Local, rgmanager"),
        ("c80217-db2", 2, "Online, rgmanager"),
    ]
    assert services(status) == [("service:mysql-svc", STARTED, "c80216-db1", None)]


def test_tables_without_dashed_lines():
    status = parse_clustat_text(read("clustat-text-ukfast-nodashes.txt"))
    assert status.cluster_name is None and status.quorate is None
    assert members(status) == [
        ("MEE-WEBDB-01", 1, "Online, Local, rgmanager"),
        ("MEE-WEBDB-02", 2, "Online, rgmanager"),
    ]
    # the owner cells are what the page shows, not member names: kept as found
    assert services(status) == [
        ("service:mysql", STARTED, "WEBDB-02", None),
        ("service:web", STARTED, "WEBDB-01", None),
    ]


def test_a_header_followed_by_neither_dashes_nor_a_row_is_refused():
    with pytest.raises(ParseError) as caught:
        parse_clustat_text(" Member Name   ID   Status\n what is this\n")
    assert caught.value.line == 2


@pytest.mark.parametrize("name, line, excerpt", [
    # the owner cell is there, the state is not: a cut copy, not a report
    ("clustat-text-deimos-websrv-cut.txt", 13, "(none)"),
    # the page lost the line breaks inside the tables
    ("clustat-text-qdisk-flattened.txt", 1, "clustatCluster Status for MyCluster"),
])
def test_damaged_copies_are_refused_with_the_line(name, line, excerpt):
    with pytest.raises(ParseError) as caught:
        parse_clustat_text(read(name))
    assert caught.value.line == line
    assert excerpt in caught.value.excerpt


def test_xml_with_last_owner():
    status = parse_clustat_xml(read("clustat-xml-test-host.xml"))
    assert (status.cluster_name, status.cluster_id, status.generation) == ("test_host", 53968, 108)
    assert status.quorate is True and status.group_member is True
    assert [(m.name, m.nodeid, m.online, m.local, m.rgmanager) for m in status.members] == [
        ("test-admin-host01", 1, True, True, True),
        ("test-admin-host02", 2, True, False, True),
    ]
    service = status.service("host")
    assert (service.state, service.owner, service.last_owner) == (
        STARTED, "test-admin-host01", "test-admin-host02")
    assert (service.flags, service.flags_value, service.restarts) == ((), 0, 0)
    assert service.last_transition == 1423109827
    assert service.last_transition_str == "Thu Feb  5 04:17:07 2015"


def test_xml_pasted_between_prompts():
    xml = read("clustat-xml-test-host.xml")
    text = ("[root@test-admin-host01 ~]# clustat -x\n" + xml
            + "You have new mail in /var/spool/mail/root\n[root@test-admin-host01 ~]# \n")
    for parse in (parse_clustat_xml, parse_clustat):
        status = parse(text)
        assert status.notices == ()
        assert status.service("host").owner == "test-admin-host01"
    with pytest.raises(ParseError) as caught:
        parse_clustat_xml(xml + "not a prompt\n")
    assert caught.value.excerpt == "not a prompt"


def test_cman_status_rhel5_with_prompt_and_trailing_blanks():
    status = parse_cman_status(read("cman_tool-status-appserv35.txt"))
    assert (status.version, status.config_version, status.cluster_name, status.cluster_id) == (
        "6.1.0", 8, "build", 3240)
    assert status.quorate is True and status.quorum == 1
    assert (status.nodes, status.expected_votes, status.total_votes) == (1, 1, 1)
    assert status.node_votes is None and status.quorum_device_votes is None
    assert status.flags == ("Dirty",) and status.ports_bound == (0,)
    assert (status.node_name, status.node_id) == ("appserv35", 1)
    assert status.multicast_addresses == ("239.195.2.35",)
    assert status.node_addresses == ("192.168.2.49",)
    assert status.extra == ()


def test_cman_status_trimmed_by_the_page():
    status = parse_cman_status(read("cman_tool-status-proxmox-elao.txt"))
    assert (status.cluster_name, status.cluster_id, status.cluster_generation) == (
        "elao", 29348, 48)
    assert status.quorate is True and status.quorum == 1 and status.node_votes == 1
    assert status.flags == () and status.ports_bound == (0,)
    assert (status.node_name, status.node_id) == ("tartanpion", 1)


def test_cman_status_two_node_flag():
    status = parse_cman_status(read("cman_tool-status-proxmox-2node.txt"))
    assert status.two_node is True and status.flags == ("2node",)
    assert (status.nodes, status.expected_votes, status.total_votes, status.quorum) == (2, 1, 2, 1)
    assert status.config_version == 6 and status.quorate is True


def test_cman_status_next_prompt_ends_it():
    text = read("cman_tool-status-appserv35.txt") + "[root@appserv35 ~]# df\nFilesystem 1K-blocks\n"
    assert parse_cman_status(text).node_name == "appserv35"


def test_cman_nodes_with_prompt():
    (node,) = parse_cman_nodes(read("cman_tool-nodes-appserv35.txt"))
    assert (node.nodeid, node.status, node.member, node.name, node.incarnation) == (
        1, "M", True, "appserv35", 8)
    assert node.joined == dt.datetime(2008, 12, 15, 13, 53, 25)


def test_cman_nodes_format_option():
    """`cman_tool nodes -F id,type,name,addr`: each field and a blank, no header
    (cman_tool main.c print_node); a node without addresses prints only the blank."""
    text = "1 M node1 10.0.0.1,10.1.0.1 \n2 X node2  \n"
    nodes = parse_cman_nodes(text, fields="id,type,name,addr")
    assert [(n.nodeid, n.status, n.name, n.addresses) for n in nodes] == [
        (1, "M", "node1", ("10.0.0.1", "10.1.0.1")), (2, "X", "node2", ())]
    nodes = parse_cman_nodes("1 node1 Member 1 3 \n2 node2 Dead 1 3 \n",
                             fields=["id", "name", "state", "votes", "exp"])
    assert [(n.nodeid, n.member) for n in nodes] == [(1, True), (2, False)]
    with pytest.raises(ParseError) as caught:
        parse_cman_nodes("1 node1 Q \n", fields="id,name,type")
    assert caught.value.line == 1
    with pytest.raises(ParseError):
        parse_cman_nodes(text)  # without fields= there is no header to go by
    with pytest.raises(ValueError):
        parse_cman_nodes(text, fields="id,nmae")


@pytest.mark.parametrize("name, prompt, running_on, closest", [
    ("clusvcadm-linternux-relocate-bilbo.txt",
     "Trying to relocate service:srv_ftp to hbbilbo.maison.ca", "hbbilbo.maison.ca",
     "hbbilbo.maison.ca"),
    ("clusvcadm-linternux-relocate-gollum.txt",
     "Trying to relocate service:srv_ftp to hbgollum.maison.ca", "hbgollum.maison.ca",
     "hbgollum.maison.ca"),
    ("clusvcadm-linternux-relocate-gandalf.txt",
     "Trying to relocate service:srv_www to hbgandalf.maison.ca", "hbgandalf.maison.ca",
     "hbgandalf.maison.ca"),
    ("clusvcadm-linternux-enable-bilbo.txt",
     "Member hbbilbo.maison.ca trying to enable service:srv_www", "hbbilbo.maison.ca",
     "hbbilbo.maison.ca"),
    ("clusvcadm-linternux-disable.txt", "Local machine disabling service:srv_www", None, None),
])
def test_clusvcadm_transcripts(name, prompt, running_on, closest):
    reply = parse_clusvcadm(read(name))
    assert (reply.prompt, reply.result) == (prompt, "Success")
    assert (reply.running_on, reply.closest_match) == (running_on, closest)
    assert reply.warning is False and reply.member_problem is None
    # what is left is the pasted shell prompts, nothing of clusvcadm's
    assert all(re.match(r"^root@\S+#", line) for line in reply.other_lines)


TEXT_CAPTURES = sorted(p.name for p in FOUND.glob("clustat-text-*.txt")
                       if p.name not in ("clustat-text-deimos-websrv-cut.txt",
                                         "clustat-text-qdisk-flattened.txt"))

#: how captures get mangled on their way to a user: line ends, tabs, trimmed padding,
#: lost blank lines, collapsed blanks, indentation, no final newline
VARIANTS = {
    "crlf": lambda t: t.replace("\n", "\r\n"),
    "tabs": lambda t: "\n".join(re.sub(" {2,}", "\t", line) for line in t.split("\n")),
    "rstrip": lambda t: "\n".join(line.rstrip() for line in t.split("\n")),
    "no-blank-lines": lambda t: "\n".join(line for line in t.split("\n") if line.strip()),
    "collapsed": lambda t: "\n".join(re.sub(" +", " ", line) for line in t.split("\n")),
    "indented": lambda t: "\n".join("    " + line for line in t.split("\n")),
    "no-final-newline": lambda t: t.rstrip("\n"),
}


def _seen(status):
    return (status.cluster_name, status.quorate, status.timestamp,
            [(m.name, m.nodeid, m.status_text()) for m in status.members], services(status))


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("name", TEXT_CAPTURES)
def test_mangled_copies_read_the_same(name, variant):
    text = read(name)
    assert _seen(parse_clustat_text(VARIANTS[variant](text))) == _seen(parse_clustat_text(text))


@pytest.mark.parametrize("width", [22, 24, 30, 40, 44, 60])
def test_narrow_terminals_cut_the_header_words_too(width):
    """clustat prints its header words with the same %-*.*s as the rows (clustat.c
    txt_rg_states): at 40 columns `Service Na Owner (Las State`."""
    from zigha.status import render_clustat_text

    found = parse_clustat_text(read("clustat-text-linternux-1447.txt"))
    status = parse_clustat_text(render_clustat_text(found, width=width))
    assert [(m.nodeid, m.online, m.local, m.rgmanager) for m in status.members] == [
        (m.nodeid, m.online, m.local, m.rgmanager) for m in found.members]
    assert [s.state for s in status.services] == [STARTED, STARTED]
    for seen, real in zip(status.members + status.services, found.members + found.services):
        assert real.name.startswith(seen.name)  # cut, never changed
    for seen, real in zip(status.services, found.services):
        assert real.owner.startswith(seen.owner)


def test_rhel4_inquorate_xml_typo_is_read():
    """RHEL 4 clustat.c xml_quorum_state printed `groupmember-"0"` when inquorate."""
    text = ('<?xml version="1.0"?>\n<clustat version="4.0">\n'
            '  <quorum quorate="0" groupmember-"0"/>\n  <nodes>\n'
            '    <node name="tng3-1" state="1" nodeid="0x0000000000000001"/>\n'
            '  </nodes>\n</clustat>\n')
    status = parse_clustat_xml(text)
    assert status.quorate is False and status.group_member is False
    assert [(m.name, m.nodeid, m.online) for m in status.members] == [("tng3-1", 1, True)]


def test_header_date_in_another_locale_is_kept_as_text():
    """clustat prints ctime() (English in every locale); a date rewritten by a wrapper or
    a translated page is kept as text instead of failing the report."""
    text = read("clustat-text-linternux-1439.txt").replace(
        "Sat Apr 16 14:39:48 2011", "sam. avril 16 14:39:48 CEST 2011")
    status = parse_clustat_text(text)
    assert status.timestamp is None
    assert status.timestamp_str == "sam. avril 16 14:39:48 CEST 2011"
    assert members(status) == linternux_members("hbbilbo.maison.ca")


def printf(template: str, *values) -> str:
    """C printf, to write rows exactly as clustat.c formats them."""
    return template % values


# RHEL 4 (rgmanager 1.9 on magma) clustat.c, as printf formats: members
# "  %-40.40s %-10s 0x%08x%08x" under "Member Name"/"State"/"ID", services
# "  %-20.20s %-30.30s %-10.10s" under "Resource Group"/"Owner (Last)"/"State", and
# "  %-20.20s (%-28.28s) %-10.10s" for a last owner: the blanks go inside the parentheses.
RHEL4_REPORT = (
    "Member Status: Quorate, Group Member\n\n"
    + printf("  %-40.40s %-10s %s\n", "Member Name", "State", "ID")
    + printf("  %-40.40s %-10s %s\n", "------ ----", "-----", "--")
    + printf("  %-40.40s %-10s 0x%08x%08x\n", "tng3-2", "Online", 0, 2)
    + printf("  %-40.40s %-10s 0x%08x%08x\n", "tng3-1", "Offline", 0, 1) + "\n"
    + printf("  %-20.20s %-30.30s %-10.10s\n", "Resource Group", "Owner (Last)", "State")
    + printf("  %-20.20s %-30.30s %-10.10s\n", "-------- -----", "----- ------", "-----")
    + printf("  %-20.20s (%-28.28s) %-10.10s\n", "webserver", "tng3-1", "failed")
    + printf("  %-20.20s %-30.30s %-10.10s\n", "email", "tng3-2", "started"))


@pytest.mark.parametrize("variant", ["as printed", "collapsed"])
def test_rhel4_layout_with_hex_ids_and_padded_last_owner(variant):
    text = RHEL4_REPORT if variant == "as printed" else VARIANTS["collapsed"](RHEL4_REPORT)
    status = parse_clustat_text(text)
    assert status.quorate is True and status.cluster_name is None
    assert members(status) == [("tng3-2", 2, "Online"), ("tng3-1", 1, "Offline")]
    assert services(status) == [
        ("webserver", ServiceState.FAILED, None, "tng3-1"),
        ("email", STARTED, "tng3-2", None),
    ]


def test_rhel4_outside_the_rgmanager_group():
    text = ("Member Status: Quorate\n\n"
            "Not a member of the Resource Manager service group.\n"
            "Resource Group information unavailable; showing all cluster members.\n\n"
            + RHEL4_REPORT.split("\n\n")[1] + "\n")
    status = parse_clustat_text(text)
    assert len(status.notices) == 2 and status.services == ()
    assert [m.nodeid for m in status.members] == [2, 1]
