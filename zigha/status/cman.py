"""``cman_tool status`` and ``cman_tool nodes``: parse (pure) and read (through the runner).

``cman_tool status`` prints one ``Key: value`` per line (cman/cman_tool/main.c)::

    Cluster Name: cluster66
    Expected votes: 3
    Quorum: 2 Activity blocked      <- inquorate; "Quorum: 2  " (two blanks) when quorate

Trailing blanks after ``Quorum``, ``Flags``, ``Ports Bound`` and the address lists vary
between real outputs, so every value is right-stripped.

``cman_tool nodes`` prints a header and one row per node, sorted by node id::

    Node  Sts   Inc   Joined               Name
       1   M      4   2014-04-09 08:30:22  node1.example.com
           Addresses: 10.4.10.60          <- only with -a

The join time is 19 blanks when unknown.  Errors go to stderr as ``cman_tool: ...``
with exit status 1.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence
from typing import Any

from zigha.errors import CommandError, ParseError
from zigha.status.model import CmanNode, CmanStatus

__all__ = [
    "parse_cman_status", "parse_cman_nodes", "cman_status", "cman_nodes",
    "CmanError", "CmanNotRunningError",
]

DEFAULT_TIMEOUT = 30.0


class CmanError(CommandError):
    """cman_tool failed (``cman_tool: <message>`` on stderr)."""

    exit_code = 3


class CmanNotRunningError(CmanError):
    """cman is not running here (or this node is not a cluster member)."""


# keys are compared in lower case with "_" as a blank: RHEL 4/5 builds printed
# "Cluster ID", "Config version", "Expected_votes"
_INT_KEYS = {
    "config version": "config_version", "cluster id": "cluster_id",
    "cluster generation": "cluster_generation", "nodes": "nodes",
    "expected votes": "expected_votes", "quorum device votes": "quorum_device_votes",
    "total votes": "total_votes", "node votes": "node_votes",
    "active subsystems": "active_subsystems", "node id": "node_id",
}
_STR_KEYS = {
    "version": "version", "protocol version": "version", "cluster name": "cluster_name",
    "membership state": "membership_state", "node name": "node_name",
}
_LIST_KEYS = {
    "flags": "flags", "multicast addresses": "multicast_addresses",
    "node addresses": "node_addresses", "disallowed nodes": "disallowed_nodes",
}
_KEY_LINE = re.compile(r"^([A-Za-z][A-Za-z0-9 _-]*?):(?:\s(.*))?$")
#: a pasted shell prompt ("[root@n1 ~]#", "root@n1:~#", "#", "$", ">"), alone or with a command
_PROMPT = re.compile(
    r"^\s*(?:\[[^\]\s]*@[^\]]*\]\s?[#$%>]?|[\w.-]+@[\w.:~/-]*[#$%>]|[#$%>])(?:\s+(?P<cmd>.*))?$")
#: commands whose output is cman_tool's (Proxmox VE 1-3 "pvecm" runs cman_tool)
_OWN_COMMAND = re.compile(r"^(?:sudo\s+)?(?:\S*/)?(?:cman_tool|pvecm)\b")
_SHELL_NOTICE = re.compile(r"^\s*You have (?:new )?mail in \S+\s*$")


def _output_lines(text: str):
    """(number, raw) of the lines that are the tool's output: a pasted prompt running
    cman_tool (or pvecm) before it is skipped, the next prompt ends it, and bash's "You
    have mail" notice is dropped."""
    started = False
    for number, raw in enumerate(text.splitlines(), 1):
        prompt = _PROMPT.match(raw)
        if prompt:
            command = prompt.group("cmd") or ""
            if not started and (not command or _OWN_COMMAND.match(command)):
                continue
            if started:
                return
        if _SHELL_NOTICE.match(raw):
            continue
        if raw.strip():
            started = True
        yield number, raw
_QUORUM = re.compile(r"^(\d+)(?:\s+(Activity blocked))?$")


def parse_cman_status(text: str) -> CmanStatus:
    """``cman_tool status`` output -> :class:`CmanStatus`.

    Raises :class:`ParseError` (with the line) for a line that is not ``Key: value``, a
    number that is not one, or output without the ``Cluster Name``/``Quorum`` lines.
    """
    tool = "cman_tool status"
    values: dict[str, Any] = {}
    extra: list[tuple[str, str]] = []
    quorate = None
    for number, raw in _output_lines(text):
        line = raw.rstrip()
        if not line.strip():
            continue
        match = _KEY_LINE.match(line.strip())
        if not match:
            raise ParseError("not a 'Key: value' line", tool=tool, line=number, excerpt=raw)
        key, value = match.group(1), (match.group(2) or "").strip()
        norm = key.lower().replace("_", " ")
        try:
            if norm in _INT_KEYS:
                values[_INT_KEYS[norm]] = int(value)
            elif norm in _STR_KEYS:
                values[_STR_KEYS[norm]] = value
            elif norm in _LIST_KEYS:
                values[_LIST_KEYS[norm]] = tuple(value.split())
            elif norm == "ports bound":
                values["ports_bound"] = tuple(int(p) for p in value.split())
            elif norm == "cluster member":
                values["cluster_member"] = value == "Yes"
            elif norm == "quorum":
                quorum = _QUORUM.match(value)
                if not quorum:
                    raise ValueError(value)
                values["quorum"] = int(quorum.group(1))
                quorate = quorum.group(2) is None
            else:
                extra.append((key, value))
        except ValueError:
            raise ParseError(f"unexpected value for {key!r}", tool=tool, line=number,
                             excerpt=raw) from None
    if "cluster_name" not in values or quorate is None:
        raise ParseError("no 'Cluster Name' or 'Quorum' line: not cman_tool status output",
                         tool=tool, excerpt=text[:200])
    for name in ("cluster_id", "expected_votes", "total_votes", "quorum", "node_name", "node_id"):
        values.setdefault(name, None)
    return CmanStatus(quorate=quorate, extra=tuple(extra), **values)


_NODES_HEADER = re.compile(r"^Node\s+Sts\s+Inc\s+Joined\s+Name\s*$")
_NODE_ROW = re.compile(
    r"^\s*(?P<id>\d+)\s+(?P<sts>\S)\s+(?P<inc>\d+)\s+"
    r"(?:(?P<date>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\s+)?(?P<name>\S.*?)\s*$"
)
_ADDRESSES = re.compile(r"^\s+Addresses:(?P<addrs>.*)$")
#: ``-F`` field names (cman_tool main.c get_format_opt) and the state words of ``state``
FORMAT_FIELDS = ("id", "name", "type", "addr", "votes", "exp", "state")
_STATE_LETTER = {"Member": "M", "Dead": "X", "Disallowed": "d", "Joining": "?",
                 "Leaving": "?", "Unknown": "?"}


def _format_fields(fields) -> tuple[str, ...]:
    names = tuple(f.strip() for f in (fields.split(",") if isinstance(fields, str) else fields))
    # cman_tool ignores unknown names (FMT_NONE); so do we, but a typo is more likely here
    unknown = [f for f in names if f not in FORMAT_FIELDS]
    if unknown or not names:
        raise ValueError(f"unknown cman_tool nodes -F field(s): {unknown or fields!r}")
    return names


def _formatted_node(words: list, names: tuple, number: int, raw: str) -> CmanNode:
    """One ``cman_tool nodes -F`` line: each field followed by a blank, in ``names`` order."""
    tool = "cman_tool nodes -F"
    if len(words) != len(names):
        raise ParseError(f"expected {len(names)} fields ({','.join(names)})", tool=tool,
                         line=number, excerpt=raw)
    values = dict(zip(names, words))
    status = values.get("type")
    if status is None and "state" in values:
        status = _STATE_LETTER.get(values["state"])
    try:
        nodeid = int(values["id"]) if "id" in values else None
        for number_field in ("votes", "exp"):
            if number_field in values:
                int(values[number_field])
    except ValueError:
        raise ParseError("a number field is not a number", tool=tool, line=number,
                         excerpt=raw) from None
    if (status is None and ("type" in values or "state" in values)) or (
            status is not None and status not in ("M", "X", "d", "?")):
        raise ParseError("unknown node type or state", tool=tool, line=number, excerpt=raw)
    if nodeid is None:
        raise ParseError("-F output without the id field cannot be read", tool=tool,
                         line=number, excerpt=raw)
    return CmanNode(nodeid=nodeid, status=status or "?", name=values.get("name", ""),
                    addresses=tuple(a for a in values.get("addr", "").split(",") if a))


def parse_cman_nodes(text: str, fields=None) -> tuple[CmanNode, ...]:
    """``cman_tool nodes`` (optionally ``-a``) output -> tuple of :class:`CmanNode`.

    ``fields`` reads ``cman_tool nodes -F <fields>`` output instead (no header, one line
    per node, the fields in the given order, e.g. ``"id,name,type"``); ``status`` comes
    from ``type`` or ``state`` and is ``?`` when neither was asked for.  A leading ``NOTE:
    There are N disallowed nodes,`` notice and pasted shell prompts are skipped.  Raises
    :class:`ParseError` for a missing header or a row that does not fit the layout.
    """
    tool = "cman_tool nodes"
    nodes: list[CmanNode] = []
    names = _format_fields(fields) if fields is not None else None
    seen_header = names is not None
    note = False
    for number, raw in _output_lines(text):
        line = raw.rstrip()
        if not line.strip():
            continue
        if line.startswith("NOTE: ") and not nodes:
            note = True  # "NOTE: There are N disallowed nodes," and its second line
            continue
        if note and not nodes and line.strip() == "members list may seem inconsistent across the cluster":
            continue
        if names is not None:
            words = line.split()
            if len(words) != len(names):
                # an empty field (a node without addresses) is just its trailing blank
                words = (line.split(" ") + [""] * len(names))[:len(names)]
            nodes.append(_formatted_node(words, names, number, raw))
            continue
        if not seen_header:
            if _NODES_HEADER.match(line.strip()):
                seen_header = True
                continue
            raise ParseError("expected the 'Node  Sts   Inc   Joined' header", tool=tool,
                             line=number, excerpt=raw)
        addresses = _ADDRESSES.match(line)
        if addresses:
            if not nodes:
                raise ParseError("Addresses line before any node", tool=tool, line=number,
                                 excerpt=raw)
            last = nodes.pop()
            nodes.append(last.__class__(
                nodeid=last.nodeid, status=last.status, name=last.name,
                incarnation=last.incarnation, joined=last.joined,
                addresses=last.addresses + tuple(addresses.group("addrs").split())))
            continue
        row = _NODE_ROW.match(line)
        if not row:
            raise ParseError("not a node row", tool=tool, line=number, excerpt=raw)
        joined = None
        if row.group("date"):
            try:
                joined = _dt.datetime.strptime(row.group("date"), "%Y-%m-%d %H:%M:%S")
            except ValueError:
                raise ParseError("bad join time", tool=tool, line=number, excerpt=raw) from None
        nodes.append(CmanNode(
            nodeid=int(row.group("id")), status=row.group("sts"), name=row.group("name"),
            incarnation=int(row.group("inc")), joined=joined))
    if not seen_header:
        raise ParseError("empty output: no 'Node  Sts' header (for -F output pass fields=)",
                         tool=tool, excerpt=text[:200])
    return tuple(nodes)


def _run(args: Sequence[str], runner, timeout: float | None):
    from zigha.runner import default_runner

    runner = runner or default_runner()
    argv = ["cman_tool", *args]
    result = runner.run(argv, timeout=DEFAULT_TIMEOUT if timeout is None else timeout)
    if result.rc != 0:
        message = (result.stderr.strip() or result.stdout.strip() or f"exit status {result.rc}")
        message = message.splitlines()[-1]
        # cman_tool.h die(): "Cannot open connection to cman, is it running ?";
        # cman_error(): "Cluster software not started", "Node is not yet a cluster member"
        lowered = message.lower()
        cls = CmanNotRunningError if (
            "is it running" in lowered or "not started" in lowered
            or "not yet a cluster member" in lowered) else CmanError
        raise cls.from_result(f"cman_tool {args[0]}: {message}", result)
    return result


def cman_status(runner=None, timeout: float | None = None) -> CmanStatus:
    """Run ``cman_tool status`` and parse it.  Raises CmanNotRunningError / CmanError."""
    result = _run(["status"], runner, timeout)
    return parse_cman_status(result.stdout)


def cman_nodes(runner=None, timeout: float | None = None, addresses: bool = False
               ) -> tuple[CmanNode, ...]:
    """Run ``cman_tool nodes`` (``-a`` with ``addresses=True``) and parse it."""
    result = _run(["nodes", "-a"] if addresses else ["nodes"], runner, timeout)
    return parse_cman_nodes(result.stdout)
