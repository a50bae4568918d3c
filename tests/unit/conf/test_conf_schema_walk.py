"""The structural walk names each schema problem; it never contradicts libxml2."""

from __future__ import annotations

import copy

import pytest
from conf_corpus_paths import EXAMPLE, SCHEMA, VALID_FILES
from hypothesis import given, settings
from hypothesis import strategies as st

from zigha.conf import ClusterConf
from zigha.conf.schema_walk import walk
from zigha.conf.validate import _load

BASE = EXAMPLE.read_text()
FENCED = BASE.replace('<fencedevices/>', '<fencedevices><fencedevice agent="fence_apc" ipaddr="10.0.0.9" '
                      'login="apc" name="apc" passwd="x"/></fencedevices>').replace(
    '<clusternode name="h1.zigsow.net" nodeid="1" votes="1">\n      <fence/>',
    '<clusternode name="h1.zigsow.net" nodeid="1" votes="1">\n      <fence><method name="pdu">'
    '<device name="apc" port="1"/></method></fence>')


def rules():
    return _load(str(SCHEMA))[1]()


@pytest.mark.parametrize("path", VALID_FILES + [EXAMPLE], ids=lambda p: p.name)
def test_no_false_positives_on_valid_files(path):
    assert walk(ClusterConf.load(path).root, rules()) == []


@pytest.mark.parametrize("old, new, message", [
    ('nodeid="2"', 'nodeid="0"', "nodeid='0' on <clusternode> must be a positive integer"),
    ('<cman/>', '<cman transport="tcp"/>', "transport='tcp' on <cman> must be one of 'udp', 'udpb', 'udpu', 'rdma'"),
    ('<cman/>', '<cman/><cman/>', "<cman> appears more than once in <cluster>"),
    ('name="zigsow-cluster"', 'name="zigsow-cluster" alias="old"', "attribute 'alias' is not allowed on <cluster>"),
    ('<fence_daemon/>', '<fence_daemon/><foo/>', "unknown element <foo> inside <cluster>"),
    ('<apache ref="httpd"/>', '<group name="x"/>', "element <group> is not allowed inside <service>"),
    ('<ip ref="192.168.10.246"/>', '<ip monitor_link="1"/>', "<ip> lacks required attribute address= (or ref=)"),
    ('<ip ref="192.168.10.246"/>', '<ip/>', "<ip> needs one of: ref= | address="),
    ('<fencedevices/>', '<fencedevices><fencedevice name="f" agent="fence_apc" ipaddr="1" lanplus="1" switch="2"/>'
     '</fencedevices>', "no single alternative of <fencedevice> accepts all of ipaddr, lanplus, switch"),
    ('<fencedevices/>', '<fencedevices><fencedevice name="1f" agent="fence_apc"/></fencedevices>',
     "name='1f' on <fencedevice> must be an XML name"),
])
def test_precise_messages(old, new, message):
    conf = ClusterConf.from_string(BASE.replace(old, new, 1))
    schema = [f for f in conf.validate(SCHEMA) if f.code == "schema"]
    assert schema, "libxml2 must reject this probe"
    assert any(f.message.startswith(message) and f.line for f in schema), [f.message for f in schema]
    assert not any("in interleave" in f.message or "failed to validate" in f.message for f in schema)


def test_several_problems_are_all_reported():
    text = (BASE.replace('nodeid="2"', 'nodeid="0"').replace("<cman/>", '<cman transport="tcp"/>')
            .replace("<fence_daemon/>", "<fence_daemon/><foo/>"))
    schema = ClusterConf.from_string(text).validate(SCHEMA)
    assert [f.line for f in schema if f.code == "schema"] == [11, 16, 23]


def test_dangling_fence_device_reference():
    text = FENCED.replace('<device name="apc" port="1"/>', '<device name="nodev" port="1"/>')
    schema = [f for f in ClusterConf.from_string(text).validate(SCHEMA) if f.code == "schema"]
    assert [f.message for f in schema] == ["name='nodev' names no <fencedevice> (unknown ID)"]
    assert schema[0].path.endswith("/method[@name='pdu']/device[@name='nodev']")


ELEMENTS = ["cluster", "clusternode", "cman", "failoverdomain", "failoverdomainnode", "service", "ip",
            "clusterfs", "apache", "script", "fencedevice", "device", "rm", "resources"]


@settings(max_examples=250, deadline=None)
@given(st.lists(st.tuples(
    st.sampled_from(ELEMENTS), st.integers(0, 5),
    st.sampled_from(["drop-attr", "add-attr", "zero", "junk", "dup", "remove"]),
    st.sampled_from(["name", "nodeid", "votes", "ref", "address", "priority", "agent", "port", "bogus",
                     "expected_votes", "two_node", "transport", "mountpoint", "file"])), max_size=4))
def test_walk_agrees_with_libxml2(mutations):
    """Whatever the mutation: a walk finding implies libxml2 rejects the document, and
    every document libxml2 rejects gets at least one schema finding."""
    conf = ClusterConf.from_string(FENCED)
    for tag, index, action, attr in mutations:
        found = list(conf.root.iter(tag))
        if not found:
            continue
        el = found[index % len(found)]
        if action == "drop-attr":
            el.attrib.pop(attr, None)
        elif action == "add-attr":
            el.set(attr, "x1")
        elif action == "zero":
            el.set(attr, "0")
        elif action == "junk":
            el.set(attr, "two words")
        elif action == "dup" and el.getparent() is not None:
            el.addnext(copy.deepcopy(el))
        elif action == "remove" and el.getparent() is not None:
            el.getparent().remove(el)
    doc = ClusterConf.from_string(conf.to_string())
    relaxng, table = _load(str(SCHEMA))
    valid = relaxng.validate(doc.root.getroottree())
    detailed = walk(doc.root, table())
    if valid:
        assert detailed == [], [f.message for f in detailed]
    else:
        assert [f for f in doc.validate(SCHEMA) if f.code == "schema"]
