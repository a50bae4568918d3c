"""Depth-10 checks: does the daemon answer on its address?  Standard library only.

* :func:`dns_problem` sends one DNS query over UDP (RFC 1035 §4.1) for the root SOA.
  Any well-formed answer carrying the query's id proves that named is serving; REFUSED
  (5) for a name it is not authoritative for still counts.
* :func:`smtp_problem` opens a TCP connection and reads the SMTP greeting (RFC 5321
  §4.2: ``220``, possibly spread over ``220-`` continuation lines), then says QUIT.

Both return ``None`` when the service answered, else one line saying what did not
answer, and never wait past ``timeout`` seconds in total.  They use the C ``_socket``
module (``socket.py`` pulls in enum and selectors, ~10 ms of a 30 ms check) and import
nothing from zigha, so the status hot path stays cheap.  :func:`dns_query` and
:func:`smtp_banner` are the raising variants for library callers (:class:`ProbeError`,
an ``AgentError`` with OCF code 1, built on first use).

>>> dns_problem("127.0.0.1", 9, timeout=0.3)                 # doctest: +SKIP
'DNS 127.0.0.1 port 9: Connection refused'
"""

from __future__ import annotations

import _socket
import os
import struct
import time

_TYPE_SOA = 6
_CLASS_IN = 1


def _family(host: str) -> int:
    return _socket.AF_INET6 if ":" in host else _socket.AF_INET


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
    """A standard query, recursion not desired."""
    header = struct.pack(">HHHHHH", query_id, 0, 1, 0, 0, 0)
    return header + encode_name(name) + struct.pack(">HH", rtype, _CLASS_IN)


def dns_exchange(host: str, port: int = 53, *, timeout: float = 5.0, name: str = ".",
                 tries: int = 2):
    """``(rcode, None)`` for an answer, ``(None, what went wrong)`` otherwise."""
    where = f"DNS {host} port {port}"
    deadline = time.monotonic() + timeout
    query_id = struct.unpack(">H", os.urandom(2))[0]
    packet = build_query(query_id, name)
    sock = _socket.socket(_family(host), _socket.SOCK_DGRAM)
    try:
        sock.connect((host, port))
        for attempt in range(max(1, tries)):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try_deadline = time.monotonic() + left / (max(1, tries) - attempt)
            sock.send(packet)
            while True:
                wait = try_deadline - time.monotonic()
                if wait <= 0:
                    break
                sock.settimeout(wait)
                try:
                    answer = sock.recv(4096)
                except _socket.timeout:
                    break
                if len(answer) >= 12:
                    answer_id, flags = struct.unpack(">HH", answer[:4])
                    if answer_id == query_id and flags & 0x8000:
                        return flags & 0x000F, None
    except OSError as exc:  # ECONNREFUSED arrives on recv: nothing listens there
        return None, f"{where}: {exc.strerror or exc}"
    finally:
        sock.close()
    return None, f"{where}: no answer within {timeout:g} s"


def dns_problem(host: str, port: int = 53, *, timeout: float = 5.0):
    """``None`` when named answers a query at ``host``:``port``, else the reason."""
    return dns_exchange(host, port, timeout=timeout)[1]


def smtp_problem(host: str, port: int = 25, *, timeout: float = 5.0):
    """``None`` when an SMTP server at ``host``:``port`` greets with 220, else the reason."""
    banner, problem = smtp_greeting(host, port, timeout=timeout)
    return problem


def smtp_greeting(host: str, port: int = 25, *, timeout: float = 5.0):
    """``(last greeting line, None)`` or ``(None, what went wrong)``; QUIT is sent."""
    where = f"SMTP {host} port {port}"
    deadline = time.monotonic() + timeout
    sock = _socket.socket(_family(host), _socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        try:
            sock.connect((host, port))
        except OSError as exc:
            return None, f"{where}: {exc.strerror or exc}"
        data = b""
        while True:
            complete = data.split(b"\r\n")[:-1]
            if complete and complete[-1][3:4] != b"-":
                break
            left = deadline - time.monotonic()
            if left <= 0:
                return None, f"{where}: no greeting within {timeout:g} s"
            sock.settimeout(left)
            try:
                chunk = sock.recv(1024)
            except OSError as exc:
                return None, f"{where}: no greeting ({exc.strerror or exc})"
            if not chunk:
                return None, f"{where}: closed before the greeting"
            data += chunk
            if len(data) > 8192:
                return None, f"{where}: greeting too long"
        banner = complete[-1].decode("utf-8", "replace")
        if not banner.startswith("220"):
            return None, f"{where}: greeting {banner!r} is not 220"
        try:
            sock.sendall(b"QUIT\r\n")
        except OSError:
            pass
        return banner, None
    finally:
        sock.close()


def split_host_port(text: str, default_port: int):
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


# -- raising variants for library callers -------------------------------------------------

def dns_query(host: str, port: int = 53, *, timeout: float = 5.0, name: str = ".") -> int:
    """The RCODE of named's answer; raises :class:`ProbeError` when none comes."""
    rcode, problem = dns_exchange(host, port, timeout=timeout, name=name)
    if problem is not None:
        raise _probe_error()(problem)
    return rcode


def smtp_banner(host: str, port: int = 25, *, timeout: float = 5.0) -> str:
    """The greeting line; raises :class:`ProbeError` when there is none or it is not 220."""
    banner, problem = smtp_greeting(host, port, timeout=timeout)
    if problem is not None:
        raise _probe_error()(problem)
    return banner


_ProbeError = None


def _probe_error():
    global _ProbeError
    if _ProbeError is None:
        from zigha.errors import AgentError

        class ProbeError(AgentError):
            """The service did not answer as expected (OCF generic error, 1)."""

            def __init__(self, message: str, ocf_code: int = 1, **where) -> None:
                super().__init__(message, ocf_code, **where)

        ProbeError.__module__ = __name__
        _ProbeError = ProbeError
    return _ProbeError


def __getattr__(attr: str):
    if attr == "ProbeError":
        return _probe_error()
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")
