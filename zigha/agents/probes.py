"""Depth-10 checks: does the daemon answer on its address?  Standard library only.

* :func:`dns_query` sends one DNS query over UDP (RFC 1035 §4.1) and returns the
  response code of the answer.  Any well-formed answer with the query's id proves that
  named is serving; REFUSED (5) for a name it is not authoritative for still counts.
* :func:`smtp_banner` opens a TCP connection and reads the SMTP greeting (RFC 5321
  §4.2: ``220`` possibly spread over ``220-`` continuation lines), then says QUIT.

Both raise :class:`ProbeError` saying what did not answer, and never wait past
``timeout`` seconds in total.  They are what ``heartbeat/named`` does with ``host`` and
what a mail monitor does with a banner grab, without starting a process.
"""

from __future__ import annotations

import os
import socket
import struct
import time
from typing import Tuple

from zigha.errors import AgentError

#: DNS header flags: opcode QUERY, recursion not desired; QR is the top bit of byte 2
_QUERY_FLAGS = 0x0000
_TYPE_SOA = 6
_CLASS_IN = 1


class ProbeError(AgentError):
    """The service did not answer as expected (OCF generic error, 1)."""

    def __init__(self, message: str, ocf_code: int = 1, **where) -> None:
        super().__init__(message, ocf_code, **where)


def _family(host: str) -> int:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def encode_name(name: str) -> bytes:
    """A domain name in DNS wire format (``"."`` is the root)."""
    out = b""
    for label in name.strip(".").split("."):
        if label:
            raw = label.encode("ascii")
            if len(raw) > 63:
                raise ValueError(f"DNS label too long: {label!r}")
            out += bytes([len(raw)]) + raw
    return out + b"\0"


def build_query(query_id: int, name: str = ".", rtype: int = _TYPE_SOA) -> bytes:
    header = struct.pack(">HHHHHH", query_id, _QUERY_FLAGS, 1, 0, 0, 0)
    return header + encode_name(name) + struct.pack(">HH", rtype, _CLASS_IN)


def dns_query(host: str, port: int = 53, *, timeout: float = 5.0, name: str = ".",
              tries: int = 2) -> int:
    """Ask ``host``:``port`` for the SOA of ``name`` over UDP; return the answer's RCODE."""
    deadline = time.monotonic() + timeout
    query_id = struct.unpack(">H", os.urandom(2))[0]
    packet = build_query(query_id, name)
    with socket.socket(_family(host), socket.SOCK_DGRAM) as sock:
        try:
            sock.connect((host, port))
        except OSError as exc:
            raise ProbeError(f"DNS {host} port {port}: {exc.strerror or exc}") from exc
        for attempt in range(max(1, tries)):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            per_try = left / (max(1, tries) - attempt)
            try:
                sock.send(packet)
            except OSError as exc:
                raise ProbeError(f"DNS {host} port {port}: {exc.strerror or exc}") from exc
            try_deadline = time.monotonic() + per_try
            while True:
                wait = try_deadline - time.monotonic()
                if wait <= 0:
                    break
                sock.settimeout(wait)
                try:
                    answer = sock.recv(4096)
                except socket.timeout:
                    break
                except OSError as exc:  # ECONNREFUSED: nothing listens on the port
                    raise ProbeError(
                        f"DNS {host} port {port}: {exc.strerror or exc}"
                    ) from exc
                if len(answer) >= 12:
                    answer_id, flags = struct.unpack(">HH", answer[:4])
                    if answer_id == query_id and flags & 0x8000:
                        return flags & 0x000F
    raise ProbeError(f"DNS {host} port {port}: no answer within {timeout:g} s")


def smtp_banner(host: str, port: int = 25, *, timeout: float = 5.0) -> str:
    """The SMTP greeting of ``host``:``port`` (the last ``220`` line), after a QUIT."""
    deadline = time.monotonic() + timeout
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except OSError as exc:
        raise ProbeError(f"SMTP {host} port {port}: {exc.strerror or exc}") from exc
    with sock:
        data = b""
        while True:
            lines = data.split(b"\r\n")
            complete = lines[:-1]
            if complete and complete[-1][3:4] != b"-":
                break
            left = deadline - time.monotonic()
            if left <= 0:
                raise ProbeError(f"SMTP {host} port {port}: no greeting within {timeout:g} s")
            sock.settimeout(left)
            try:
                chunk = sock.recv(1024)
            except (socket.timeout, OSError) as exc:
                raise ProbeError(f"SMTP {host} port {port}: no greeting ({exc})") from exc
            if not chunk:
                raise ProbeError(f"SMTP {host} port {port}: closed before the greeting")
            data += chunk
            if len(data) > 8192:
                raise ProbeError(f"SMTP {host} port {port}: greeting too long")
        banner = complete[-1].decode("utf-8", "replace")
        if not banner.startswith("220"):
            raise ProbeError(f"SMTP {host} port {port}: greeting {banner!r} is not 220")
        try:
            sock.sendall(b"QUIT\r\n")
        except OSError:
            pass
        return banner


def split_host_port(text: str, default_port: int) -> Tuple[str, int]:
    """``"[::1]:25"``, ``"127.0.0.1:25"``, ``"25"`` → (host, port); host may be empty."""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default_port
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, int(port)
    if text.isdigit():
        return "", int(text)
    return text, default_port
