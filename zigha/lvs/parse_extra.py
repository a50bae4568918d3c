"""ipvsadm's other outputs: the connection table, timeouts, sync daemons, version.

::

    IPVS connection entries
    pro expire state       source             virtual            destination
    TCP 03:51  ESTABLISHED 192.168.56.1:56954 192.168.56.200:80  192.168.56.102:80

    Timeout (tcp tcpfin udp): 900 120 300
    master sync daemon (mcast=eth0, syncid=1)
    ipvsadm v1.26 2008/5/15 (compiled with popt and IPVS v1.2.1)

Connection rows are split on whitespace (a field longer than its column pushes the
rest right, ../shared/reference/lvs.md §3.7); ``expire`` is minutes:seconds with
unbounded minutes.  Re-exported by :mod:`zigha.lvs.parse`.
"""

from __future__ import annotations

import re

from zigha.errors import ParseError
from zigha.lvs.model import Connection, IpvsadmVersion, SyncDaemon, Timeouts

#: a copied command line: an optional shell prompt, then words (sudo, watch's "Every 2s:",
#: nsenter ...), then ipvsadm as a word.  Captures pasted from a terminal keep these.
SHELL_COMMAND = re.compile(
    r"(?:\[[^\]]*\]\s?[#$%>]|[^\s\[]*[#$%>])?\s*(?:\S+\s+)*?['\"]?(?:\S*/)?ipvsadm(?:\s.*)?")
#: a bare prompt left after the output: "[root@lvs ~]#", "root@h0:~#", "$"
SHELL_PROMPT = re.compile(r"(?:\[[^\]]*\]|[\w.\-]+@[\w.\-]+(?::\S*)?)?\s?[#$%>]")


def _is_shell_line(stripped: str) -> bool:
    return bool(SHELL_COMMAND.fullmatch(stripped) or SHELL_PROMPT.fullmatch(stripped))


def output_lines(text: str) -> list[tuple[int, str]]:
    """The numbered lines of a capture without the terminal lines around the output.

    Blank lines, copied command lines (``[root@lvs ~]# ipvsadm -Ln``, ``sudo ipvsadm -Lnc``,
    ``Every 2.0s: ipvsadm -Ln ...`` from watch) and bare prompts are dropped before the first
    and after the last output line only: inside the output every line must parse.
    Line numbers stay those of the text given.
    """
    lines = text.splitlines()
    start, end = 0, len(lines)
    while start < end and (not lines[start].strip() or _is_shell_line(lines[start].strip())):
        start += 1
    while end > start and (not lines[end - 1].strip() or _is_shell_line(lines[end - 1].strip())):
        end -= 1
    return list(enumerate(lines[start:end], start + 1))


class _Lines:
    """Numbered lines (terminal lines around the output dropped) and a ParseError factory."""

    def __init__(self, text: str, tool: str) -> None:
        if not isinstance(text, str):
            raise ParseError("expected text", tool=tool, excerpt=repr(type(text)))
        self.tool = tool
        self.items = output_lines(text)

    def error(self, message: str, number: int, line: str) -> ParseError:
        return ParseError(message, tool=self.tool, line=number, excerpt=line.rstrip())


EXPIRE = re.compile(r"(\d+):(\d{2})")


def parse_ipvsadm_connections(text: str) -> list[Connection]:
    """Parse ``ipvsadm -L -n -c`` (also with ``--persistent-conn``) into connections."""
    lines = _Lines(text, "ipvsadm -L -c")
    entries = []
    for number, line in lines.items:
        stripped = line.strip()
        if not stripped or stripped == "IPVS connection entries" or stripped.startswith("pro expire"):
            continue
        tokens = stripped.split()
        expire = EXPIRE.fullmatch(tokens[1]) if len(tokens) > 1 else None
        if (not 6 <= len(tokens) <= 8 or not expire or not tokens[0].isalpha()
                or not all(":" in t for t in tokens[3:6])):
            raise lines.error("unexpected line in connection listing", number, line)
        entries.append(Connection(
            protocol=tokens[0],
            expire=int(expire.group(1)) * 60 + int(expire.group(2)),
            state=tokens[2],
            source=tokens[3],
            virtual=tokens[4],
            destination=tokens[5],
            pe_name=tokens[6] if len(tokens) > 6 else None,
            pe_data=tokens[7] if len(tokens) > 7 else None,
        ))
    return entries


TIMEOUT = re.compile(r"Timeout \(tcp tcpfin udp\):\s*(\d+)\s+(\d+)\s+(\d+)")
DAEMON = re.compile(r"(master|backup) sync daemon \((.*)\)")
VERSION = re.compile(r"ipvsadm v(\S+)(?:\s+(\S+))?(?:\s+\(compiled with .*? and IPVS v(\S+)\))?")


def parse_ipvsadm_timeout(text: str) -> Timeouts:
    """``Timeout (tcp tcpfin udp): 900 120 300`` -> :class:`Timeouts`."""
    lines = _Lines(text, "ipvsadm -L --timeout")
    found = None
    for number, line in lines.items:
        if not line.strip():
            continue
        match = TIMEOUT.fullmatch(line.strip())
        if not match or found:
            raise lines.error("unexpected line in timeout listing", number, line)
        found = Timeouts(*(int(g) for g in match.groups()))
    if found is None:
        raise ParseError("no timeout line", tool=lines.tool, excerpt=text[:80])
    return found


def parse_ipvsadm_daemon(text: str) -> list[SyncDaemon]:
    """``master sync daemon (mcast=eth0, syncid=1[, maxlen=..., group=..., port=..., ttl=...])``."""
    lines = _Lines(text, "ipvsadm -L --daemon")
    daemons = []
    known = {"mcast": "mcast_interface", "syncid": "syncid", "maxlen": "maxlen",
             "group": "group", "port": "port", "ttl": "ttl"}
    for number, line in lines.items:
        if not line.strip():
            continue
        match = DAEMON.fullmatch(line.strip())
        if not match:
            raise lines.error("unexpected line in daemon listing", number, line)
        fields: dict = {"state": match.group(1)}
        extra = []
        for item in match.group(2).split(","):
            key, sep, value = item.strip().partition("=")
            if not sep:
                raise lines.error("unexpected daemon option", number, line)
            if key in known:
                numeric = known[key] in ("syncid", "maxlen", "port", "ttl")
                if numeric and not value.isdigit():
                    raise lines.error("unexpected daemon option", number, line)
                fields[known[key]] = int(value) if numeric else value
            else:
                extra.append((key, value))
        daemons.append(SyncDaemon(extra=extra, **fields))
    return daemons


def parse_ipvsadm_version(text: str) -> IpvsadmVersion:
    """``ipvsadm v1.26 2008/5/15 (compiled with popt and IPVS v1.2.1)``."""
    for line in text.splitlines():
        match = VERSION.fullmatch(line.strip())
        if match:
            return IpvsadmVersion(*match.groups())
    raise ParseError("no version line", tool="ipvsadm --version", excerpt=text[:120])
