"""Independent-path evidence: is a node still on the shared storage?

Two sources, both read without the cluster network's word on it:

* **iSCSI sessions on the target** (h0 in the seed).  ``tgtadm --lld iscsi --mode target
  --op show`` (scsi-target-utils) prints per target an ``I_T nexus information:`` block;
  each session's text is built in tgt's ``usr/iscsi/session.c`` as
  ``Initiator: <iqn> alias: <alias|none>`` / ``Connection: <cid>`` / ``IP Address: <addr>``
  (the address line comes from the transport's ``ep_show``), and public captures of
  ``tgt-admin --show`` agree, e.g.
  ``Initiator: iqn.1994-05.com.redhat:bf38cf4ccf5 alias: server3``.  Older tgt releases
  may lack `` alias: …``; the exact scsi-target-utils of CentOS 6 is **unverified** (no
  capture in ../shared/reference).  The parser takes the first word after ``Initiator:``
  and ``IP Address:`` inside that block and ignores everything else.  The ``lines``
  format takes one initiator name or address per line (e.g. LIO's session list over ssh).
* **A heartbeat block on the shared LUN**: every node writes its own 512-byte sector
  (slot = node id) with a counter; reading is pure (:func:`parse_heartbeat_sector`).

Sector layout (little endian)::

    0   8  magic b"ZIGHAHB1"
    8   8  counter (u64, +1 per write)
    16  8  writer's wall clock, seconds (f64; informative only: staleness is judged by
           the reader's clock watching the counter, so clock skew does not matter)
    24  64 node name, UTF-8, NUL padded
    88  4  CRC-32 of bytes 0..87
"""

from __future__ import annotations

import os
import re
import struct
import time
import zlib
from collections.abc import Iterable

import attrs

from zigha.errors import ParseError
from zigha.fence.model import Evidence

MAGIC = b"ZIGHAHB1"
SECTOR = 512
_LAYOUT = struct.Struct("<8sQd64sI")


def parse_tgtadm_show(text: str) -> frozenset[str]:
    """Initiator names and addresses with a session, from ``tgtadm … --op show`` (pure)."""
    found = set()
    in_nexus = False
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("I_T nexus information"):
            in_nexus = True
            continue
        if re.match(r"^(LUN information|Account information|ACL information)", line):
            in_nexus = False
            continue
        if in_nexus:
            match = re.match(r"^(Initiator|IP Address):\s*(\S+)", line)
            if match:
                found.add(match.group(2).split(" ")[0].lower())
    return frozenset(found)


def parse_session_lines(text: str) -> frozenset[str]:
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def storage_evidence(sessions: frozenset[str] | None, identities: Iterable[str]) -> Evidence:
    """ACTIVE if any identity (IQN or address) has a session; UNKNOWN if not queried."""
    if sessions is None:
        return Evidence.UNKNOWN
    wanted = {i.lower() for i in identities if i}
    if not wanted:
        return Evidence.UNKNOWN
    return Evidence.ACTIVE if wanted & sessions else Evidence.INACTIVE


def query_sessions(command: Iterable[str], fmt: str, *, runner=None,
                   timeout: float = 5.0) -> frozenset[str] | None:
    """Run the configured query through the runner; None when it fails (proves nothing)."""
    from zigha.errors import CommandError
    from zigha.runner import default_runner

    runner = runner or default_runner()
    try:
        result = runner.run(list(command), timeout=timeout)
    except CommandError:
        return None
    if result.rc != 0:
        return None
    return parse_tgtadm_show(result.stdout) if fmt == "tgtadm" else parse_session_lines(result.stdout)


@attrs.frozen
class HeartbeatRecord:
    node: str
    counter: int
    written_at: float


def build_heartbeat_sector(node: str, counter: int, written_at: float) -> bytes:
    name = node.encode("utf-8")[:64]
    body = struct.pack("<8sQd64s", MAGIC, counter, written_at, name)
    return (body + struct.pack("<I", zlib.crc32(body))).ljust(SECTOR, b"\0")


def parse_heartbeat_sector(data: bytes) -> HeartbeatRecord | None:
    """The record in one sector; None for a never-written (all-zero) sector.

    Raises ParseError for a foreign or damaged sector.
    """
    if len(data) < _LAYOUT.size:
        raise ParseError(f"heartbeat sector too short ({len(data)} bytes)", tool="heartbeat")
    if not any(data[:_LAYOUT.size]):
        return None
    magic, counter, written_at, name, crc = _LAYOUT.unpack_from(data)
    if magic != MAGIC:
        raise ParseError(f"heartbeat sector: bad magic {magic!r}", tool="heartbeat")
    if zlib.crc32(data[:_LAYOUT.size - 4]) != crc:
        raise ParseError("heartbeat sector: checksum mismatch (torn or foreign write)",
                         tool="heartbeat")
    return HeartbeatRecord(name.rstrip(b"\0").decode("utf-8", "replace"), counter, written_at)


def _open(path: str, flags: int) -> int:
    """O_DIRECT on block devices so no page cache can show an old counter; plain files
    (tests) fall back to buffered I/O."""
    try:
        return os.open(path, flags | getattr(os, "O_DIRECT", 0))
    except OSError:
        if os.path.isfile(path):
            return os.open(path, flags)
        raise


def _aligned(size: int):
    import mmap

    return mmap.mmap(-1, size)


def read_heartbeat(device: str, slot: int, offset: int = 0) -> HeartbeatRecord | None:
    fd = _open(device, os.O_RDONLY)
    try:
        buf = _aligned(SECTOR)
        os.preadv(fd, [buf], offset + slot * SECTOR)
        return parse_heartbeat_sector(bytes(buf))
    finally:
        os.close(fd)


def write_heartbeat(device: str, slot: int, node: str, counter: int, offset: int = 0,
                    now: float | None = None) -> None:
    fd = _open(device, os.O_WRONLY | getattr(os, "O_DSYNC", 0))
    try:
        buf = _aligned(SECTOR)
        buf[:] = build_heartbeat_sector(node, counter, time.time() if now is None else now)
        os.pwritev(fd, [buf], offset + slot * SECTOR)
    finally:
        os.close(fd)
