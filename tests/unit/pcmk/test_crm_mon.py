"""zigha.pcmk.crm_mon: crm_mon XML (captured on the 3-node lab of tests/pcmk) → ClusterStatus."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zigha import tools
from zigha.errors import ParseError
from zigha.pcmk import CrmMonError, crm_mon, parse_crm_mon_xml
from zigha.status import ServiceState

ZIGHA = [sys.executable, "-m", "zigha.cli.main"]
CAPTURES = Path(__file__).resolve().parents[2] / "fixtures" / "pcmk"


def capture(name: str) -> str:
    return (CAPTURES / f"crm_mon-{name}.xml").read_text()


def placement(status) -> dict:
    return {s.short_name: (s.state.value, s.owner) for s in status.services}


def test_all_up_groups_are_services_and_the_clone_is_not():
    status = parse_crm_mon_xml(capture("all-up"), cluster_name="zigsow-cluster")
    assert status.quorate is True and status.cluster_name == "zigsow-cluster"
    assert placement(status) == {"http": ("started", "h1.zigsow.net"),
                                 "named": ("started", "h2.zigsow.net"),
                                 "mail": ("started", "h3.zigsow.net")}
    assert [m.name for m in status.online_members] == ["h1.zigsow.net", "h2.zigsow.net",
                                                       "h3.zigsow.net"]
    dc = status.member("h2.zigsow.net")
    assert dc.nodeid == 2 and dc.rgmanager and dc.rgmanager_master and "DC" in dc.other_flags


def test_killed_node_is_offline_and_its_group_moved():
    status = parse_crm_mon_xml(capture("h1-down"))
    assert status.member("h1.zigsow.net").online is False
    assert status.member("h1.zigsow.net").rgmanager is False
    assert status.service("http").owner == "h2.zigsow.net"


def test_disabled_group_and_failed_action():
    status = parse_crm_mon_xml(capture("mail-stopped-named-failed"))
    mail = status.service("mail")
    assert mail.state is ServiceState.DISABLED and mail.owner is None
    assert status.service("named").owner == "h3.zigsow.net"  # migration-threshold=1 moved it
    assert any("named-named-named" in n and "h2.zigsow.net" in n for n in status.notices)


def test_failed_action_reason_is_unescaped_once():
    doc = capture("all-up").replace("</pacemaker-result>", (
        '<failures><failure op_key="http-x_monitor_5000" node="h1.zigsow.net" exitstatus="error" '
        'exitreason="Monitoring Service zigha-httpd:httpd &amp;gt; Service Is Not Running" '
        'exitcode="1" call="9" status="complete" interval="5000" task="monitor"/></failures>'
        "</pacemaker-result>"))
    (notice,) = parse_crm_mon_xml(doc).notices
    assert "zigha-httpd:httpd > Service Is Not Running" in notice


def test_error_report_and_garbage_raise_parse_error():
    with pytest.raises(ParseError, match="Not connected"):
        parse_crm_mon_xml(capture("not-connected"))
    with pytest.raises(ParseError, match="not a crm_mon report"):
        parse_crm_mon_xml("<clustat/>")
    with pytest.raises(ParseError) as info:
        parse_crm_mon_xml(capture("all-up").replace('<node name="h1.zigsow.net"', "<node ", 1))
    assert info.value.line is not None


def test_states_from_roles():
    doc = """<pacemaker-result><summary><current_dc present="false"/></summary><resources>
      <group id="a" disabled="false" managed="false">
        <resource id="a1" role="Started" active="true"><node name="n1"/></resource>
        <resource id="a2" role="Stopped" active="false"/></group>
      <group id="b" disabled="false"><resource id="b1" role="Stopped" active="false" failed="true"/></group>
      <resource id="c" role="Stopped" active="false" resource_agent="ocf:heartbeat:Dummy"/>
      <resource id="fence" role="Started" active="true" resource_agent="stonith:fence_xvm"/>
    </resources></pacemaker-result>"""
    status = parse_crm_mon_xml(doc)
    assert status.quorate is None
    assert placement(status) == {"a": ("starting", "n1"), "b": ("failed", None), "c": ("stopped", None)}
    assert status.service("a").frozen


def test_live_read_through_the_runner(fake_runner):
    argv = [tools.find("crm_mon") or "crm_mon", "--output-as=xml"]
    fake_runner.expect(argv, stdout=capture("all-up"))
    assert crm_mon(fake_runner).service("named").owner == "h2.zigsow.net"
    fake_runner.expect(argv, stdout=capture("not-connected"), rc=102)
    with pytest.raises(CrmMonError, match="Not connected"):
        crm_mon(fake_runner)


def test_cli_status_reads_a_crm_mon_capture(tmp_path):
    path = CAPTURES / "crm_mon-h1-down.xml"
    run = subprocess.run([*ZIGHA, "status", "--from", str(path), "--json"], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert {s["name"]: s["owner"] for s in data["services"]}["service:http"] == "h2.zigsow.net"
    query = subprocess.run([*ZIGHA, "status", "--pacemaker", "--from", str(path), "query",
                            "member", "h1.zigsow.net"], timeout=60)
    assert query.returncode == 1


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
def test_fuzz_only_parse_error_escapes(text):
    try:
        parse_crm_mon_xml(text)
    except ParseError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(capture("all-up")) - 1), st.text(max_size=8))
def test_fuzz_damaged_capture(position, insert):
    text = capture("all-up")
    try:
        parse_crm_mon_xml(text[:position] + insert + text[position + len(insert):])
    except ParseError:
        pass
