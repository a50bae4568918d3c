"""Independent-path evidence: tgtadm sessions and the heartbeat sector."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zigha.errors import ParseError
from zigha.fence import evidence
from zigha.fence.model import Evidence

# written for these tests in the layout of tgtadm --op show (tgt usr/iscsi/session.c)
TGTADM = """Target 1: iqn.2011-08.net.zigsow:h0.gfs2
    System information:
        Driver: iscsi
        State: ready
    I_T nexus information:
        I_T nexus: 3
            Initiator: iqn.1994-05.com.redhat:h2 alias: h2.zigsow.net
            Connection: 0
                IP Address: 192.168.10.232
        I_T nexus: 4
            Initiator: iqn.1994-05.com.redhat:h3
            Connection: 0
                IP Address: 192.168.10.233
    LUN information:
        LUN: 0
            Type: controller
    Account information:
    ACL information:
        ALL
"""


def test_tgtadm_sessions():
    sessions = evidence.parse_tgtadm_show(TGTADM)
    assert "iqn.1994-05.com.redhat:h2" in sessions and "192.168.10.233" in sessions
    assert "alias:" not in sessions and "h2.zigsow.net" not in sessions
    assert evidence.storage_evidence(sessions, ["iqn.1994-05.com.redhat:h1"]) is Evidence.INACTIVE
    assert evidence.storage_evidence(sessions, ["IQN.1994-05.com.redhat:h2"]) is Evidence.ACTIVE
    assert evidence.storage_evidence(None, ["x"]) is Evidence.UNKNOWN
    assert evidence.storage_evidence(sessions, [""]) is Evidence.UNKNOWN


def test_session_lines_format():
    assert evidence.parse_session_lines("iqn.a\n\n iqn.B \n") == {"iqn.a", "iqn.b"}


def test_query_failure_proves_nothing(fake_runner):
    fake_runner.expect(["ssh", "h0", "tgtadm"], rc=255, stderr="ssh: connect: No route to host")
    assert evidence.query_sessions(["ssh", "h0", "tgtadm"], "tgtadm", runner=fake_runner) is None
    fake_runner.timeout(["ssh", "h0", "tgtadm"])
    assert evidence.query_sessions(["ssh", "h0", "tgtadm"], "tgtadm", runner=fake_runner) is None


def test_heartbeat_round_trip_on_a_file(tmp_path):
    lun = tmp_path / "lun"
    lun.write_bytes(b"\0" * 4096)
    assert evidence.read_heartbeat(str(lun), 2) is None
    evidence.write_heartbeat(str(lun), 2, "h2.zigsow.net", 41, now=1313554560.0)
    record = evidence.read_heartbeat(str(lun), 2)
    assert record == evidence.HeartbeatRecord("h2.zigsow.net", 41, 1313554560.0)
    assert evidence.read_heartbeat(str(lun), 1) is None      # neighbours untouched
    assert lun.read_bytes()[1024:1032] == b"ZIGHAHB1"


def test_damaged_sector_is_a_parse_error():
    sector = bytearray(evidence.build_heartbeat_sector("h1", 5, 0.0))
    sector[30] ^= 0xFF
    with pytest.raises(ParseError, match="checksum"):
        evidence.parse_heartbeat_sector(bytes(sector))
    with pytest.raises(ParseError, match="magic"):
        evidence.parse_heartbeat_sector(b"NOTZIGHA" + bytes(504))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_fuzz_sector_only_parse_error(data):
    try:
        evidence.parse_heartbeat_sector(data)
    except ParseError:
        pass
