"""clustat's text report -> :class:`~zigha.status.model.ClusterStatus` (pure).

The layout (rgmanager/src/utils/clustat.c; ../shared/reference/rhcs-cli.md §1.3)::

    Cluster Status for zigsow-cluster @ Wed Aug 17 13:15:14 2011
    Member Status: Quorate

     Member Name                             ID   Status
     ------ ----                             ---- ------
     h1.zigsow.net                               1 Online, Local, rgmanager

     Service Name                   Owner (Last)                   State
     ------- ----                   ----- ------                   -----
     service:httpd                  (h2.zigsow.net)                recoverable

Column widths follow the terminal, blogs collapse runs of blanks, and row fields are
misaligned with their headers, so rows are split on whitespace rather than at fixed
offsets: member rows are ``name, id, status words`` (the words start with Online or
Offline), service rows ``name, owner, state[flags]``.  Names in text mode may be cut at
the column width with no marker: prefer ``clustat -x`` where exact names matter.

Also read: ``clustat -s`` / ``-m`` output (one table, no header), the long ``-l``
format, notices printed before the report (``Service states unavailable: ...``), the
early RHEL 5 layout without an ID column, the RHEL 4 layout (``State`` then a hex ``ID``),
and ``-i`` output (escape codes; the last report wins).

Pasted transcripts (tests/fixtures/status/found/): a prompt running clustat before the
report and the next prompt after it (the report ends there), bash's mail notice, header
words cut by a narrow terminal, and a dashed line dropped by a copy are all read.
"""

from __future__ import annotations

import re

from zigha.errors import ParseError
from zigha.status.model import (
    FLAG_LETTERS,
    ClusterStatus,
    Member,
    ServiceState,
    ServiceStatus,
    parse_ctime,
)

TOOL = "clustat"

_ESCAPES = re.compile(r"\x1b(?:\[[0-9;?]*[A-Za-z]|[()][A-Za-z0-9]|[=>])")
_HEADER = re.compile(r"^Cluster Status for (?P<name>.*?) @ (?P<time>.*?)\s*$")
_HEADER_NO_TIME = re.compile(r"^Cluster Status for (?P<name>\S+)\s*$")
_QUORUM = re.compile(r"^Member Status: (?P<q>Quorate|Inquorate)\b.*$")


def _cut(word: str, shortest: int) -> str:
    """``word`` or any prefix of it down to ``shortest`` characters, as a regex: clustat
    cuts its header words to the column width too (``Service Na``, ``Owner (Las`` at 40
    columns)."""
    return "(?:" + "|".join(re.escape(word[:n]) for n in range(len(word), shortest - 1, -1)) + ")"


# at 22-23 columns the 11-wide name field leaves no blank before "ID" / "----"
_MEMBER_HEAD = re.compile(r"^\s*Member Name(?:\s*(?P<id>ID)\s+|\s+)Status\s*$")
_MEMBER_DASH = re.compile(r"^\s*------ ----(?:\s*----\s+|\s+)------\s*$")
# RHEL 4 (rgmanager 1.9, magma clustat.c) says "Resource Group" and "-------- -----"
_SERVICE_HEAD = re.compile(
    r"^\s*(?:Resource Group|" + _cut("Service Name", 1) + r")\s+(?P<owner>"
    + _cut("Owner (Last)", 1) + r")\s+State\s*$")
_SERVICE_DASH = re.compile(r"^\s*-{1,8}(?: -{0,5})?\s+-{1,5}(?: -{0,6})?\s+-----\s*$")
_MEMBER_ROW = re.compile(r"^\s*(?P<name>\S.*?)\s+(?P<id>\d+)\s+(?P<status>(?:Online|Offline)\b.*?)\s*$")
_LEGACY_ROW = re.compile(r"^\s*(?P<name>\S.*?)\s+(?P<status>(?:Online|Offline)\b.*?)\s*$")
#: RHEL 4: "  %-40.40s %-10s 0x%08x%08x" under "Member Name  State  ID"
_RHEL4_HEAD = re.compile(r"^\s*Member Name\s+State\s+ID\s*$")
_RHEL4_DASH = re.compile(r"^\s*------ ----\s+-----\s+--\s*$")
_RHEL4_ROW = re.compile(
    r"^\s*(?P<name>\S.*?)\s+(?P<status>Online|Offline)\s+(?P<id>0x[0-9A-Fa-f]+)\s*$")
#: the owner cell; RHEL 4 padded the last owner inside its parentheses: "(tng3-1    )"
_SERVICE_ROW = re.compile(
    r"^\s*(?P<name>\S+)\s+(?P<owner>\([^()\s]*\s*\)|\S+)\s+(?P<state>[^\s\[\]]+)\s*"
    r"(?:\[(?P<flags>[^\]\s]*)\])?\s*$"
)
_PADDED_LAST_OWNER = re.compile(r"^\(\S*\s*\)$")
_STATE_CELL = re.compile(r"^(?P<state>[^\s\[\]]+)\s*(?:\[(?P<flags>[^\]\s]*)\])?$")
#: a shell prompt running clustat, as pasted in front of a report: "[root@h1 ~]# clustat"
_PROMPT = re.compile(r"^[^#$%>]{0,60}[#$%>]\s*(?:\S+/)?clustat(?:\s.*)?$")
#: the prompt part of a pasted shell line: "[root@h1 ~]#", "[root@h1 ~]", "root@h1:/#",
#: "h1$", or a bare "#", "$", ">"
_PROMPT_PREFIX = r"(?:\[[^\]\s]*@[^\]]*\]\s?[#$%>]?|[\w.-]+@[\w.:~/-]*[#$%>]|[#$%>])"
#: a pasted command line for clustat (also "sudo clustat", "clusterat" typed by a user)
_COMMAND = re.compile(
    r"^(?:" + _PROMPT_PREFIX + r"\s*)?(?:sudo\s+)?(?:\S*/)?clust(?:at|erat)(?:\s.*)?$")
#: the next shell prompt after a pasted report: everything from there on is not clustat's
_NEXT_PROMPT = re.compile(r"^" + _PROMPT_PREFIX + r"(?:\s.*)?$")
#: what bash prints between a command's output and the next prompt
_SHELL_NOTICE = re.compile(r"^You have (?:new )?mail in \S+$")
_LONG_LINE = re.compile(r"^\s*(?P<key>[A-Za-z][A-Za-z ]*?)\s*: ?(?P<value>.*?)\s*$")
_CODE_SUFFIX = re.compile(r"^(?P<text>.*?)\s*\((?P<code>-?\d+)\)$")

#: lines clustat prints on stdout ahead of (or instead of) parts of the report (§1.2, §1.3.10)
NOTICE_PREFIXES = (
    "Service states unavailable:", "Member states unavailable:",
    "Timed out waiting for a response from Resource Group Manager",
    "Failed to receive service data", "Error: Malformed message", "Error: no message",
    "Try again", "Could not connect to CMAN",
    "Resource Group Manager not running",
    "Membership information not available",
    # RHEL 4 clustat on a node outside the rgmanager group
    "Not a member of the Resource Manager service group.",
    "Resource Group information unavailable;",
)
_MEMBER_WORDS = {"Local", "Estranged", "rgmanager", "RG-Master", "RG-Worker", "Quorum Disk"}


def is_shell_line(line: str) -> bool:
    """True for what a pasted transcript adds around a tool's output: a prompt (with or
    without a command) or bash's "You have new mail" notice."""
    stripped = line.strip()
    return bool(_NEXT_PROMPT.match(stripped) or _SHELL_NOTICE.match(stripped)
                or _COMMAND.match(stripped) or _PROMPT.match(stripped))


def _fail(message: str, number: int | None, raw: str | None) -> ParseError:
    return ParseError(message, tool=TOOL, line=number, excerpt=raw)


def parse_member_status(words: str) -> dict:
    """``Online, Local, rgmanager`` -> Member keyword arguments (online, local, ...)."""
    parts = [w.strip() for w in words.split(",")]
    if parts[0] not in ("Online", "Offline"):
        raise ValueError(words)
    flags = set(parts[1:])
    return dict(
        online=parts[0] == "Online",
        local="Local" in flags,
        estranged="Estranged" in flags,
        rgmanager=bool(flags & {"rgmanager", "RG-Master", "RG-Worker"}),
        rgmanager_master="RG-Master" in flags,
        qdisk="Quorum Disk" in flags,
        other_flags=tuple(w for w in parts[1:] if w not in _MEMBER_WORDS),
    )


_MEMBER_ROWS = {"ids": _MEMBER_ROW, "legacy": _LEGACY_ROW, "rhel4": _RHEL4_ROW}


def _member_id(match: re.Match, layout: str) -> int | None:
    if layout == "legacy":
        return None
    return int(match.group("id"), 16 if layout == "rhel4" else 10)


def _state(word: str, cut: bool) -> ServiceState:
    state = ServiceState.from_word(word)
    if state is ServiceState.UNKNOWN and cut:
        # a flags suffix shortens the cell: frozen "uninitialized" prints "uninitializ[Z]"
        candidates = [s for s in ServiceState if s.value.startswith(word) and s.value != "Unknown"]
        if len(candidates) == 1:
            return candidates[0]
    return state


def _service_by_columns(raw: str, owner_at: int, state_at: int) -> ServiceStatus | None:
    """A row whose name has blanks, cut at the header's Owner/State columns."""
    if not 0 < owner_at < state_at <= len(raw.rstrip()):
        return None
    name, owner, cell = raw[:owner_at].strip(), raw[owner_at:state_at].strip(), raw[state_at:].strip()
    state = _STATE_CELL.match(cell)
    if not name or not owner or (" " in owner and not _PADDED_LAST_OWNER.match(owner)) \
            or not state:
        return None
    return _service_fields(name, owner, state.group("state"), state.group("flags"))


def _service_row(match: re.Match) -> ServiceStatus:
    return _service_fields(match.group("name"), match.group("owner"), match.group("state"),
                           match.group("flags"))


def _service_fields(name: str, shown: str, word: str, letters: str | None) -> ServiceStatus:
    owner: str | None = shown
    last_owner: str | None = None
    if shown.startswith("(") and shown.endswith(")") and len(shown) >= 2:
        owner, last_owner = None, shown[1:-1].strip()
    flags = tuple(FLAG_LETTERS.get(letter, letter) for letter in (letters or ""))
    return ServiceStatus(
        name=name,
        state=_state(word, letters is not None),
        state_raw=word,
        owner=None if owner == "none" else owner,
        last_owner=None if last_owner == "none" else last_owner,
        flags=flags,
    )


def _long_block(fields: dict, number: int, raw: str) -> ServiceStatus:
    """One ``-l`` block (Service Name, Current State, Flags, Owner, Last Owner, ...)."""
    state_text = fields.get("Current State", "")
    match = _CODE_SUFFIX.match(state_text)
    if not match:
        raise _fail("long format: no 'Current State : <word> (<number>)'", number, raw)
    code = int(match.group("code"))
    state = ServiceState.from_code(code)
    if state is ServiceState.UNKNOWN:
        state = ServiceState.from_word(match.group("text"))
    flags: tuple[str, ...] = ()
    flag_text = fields.get("Flags")
    if flag_text:
        flag_match = _CODE_SUFFIX.match(flag_text)
        words = flag_match.group("text") if flag_match else flag_text
        flags = tuple(w.strip() for w in words.split(",") if w.strip() and w.strip() != "none")
    owner, last = fields.get("Owner"), fields.get("Last Owner")
    when = fields.get("Last Transition")
    return ServiceStatus(
        name=fields["Service Name"], state=state, state_raw=match.group("text"),
        owner=None if owner in (None, "none") else owner,
        last_owner=None if last in (None, "none") else last,
        flags=flags,
        flags_value=int(flag_match.group("code")) if flag_text and flag_match else None,
        last_transition_str=when or None,
    )


def _last_report(text: str) -> str:
    if "\x1b" in text:
        text = _ESCAPES.sub("", text)
    start = text.rfind("Cluster Status for ")
    if start > 0 and text.count("Cluster Status for ") > 1:
        # clustat -i repeats the report; keep the last one (a cut last one still fails)
        text = text[start:]
    return text


def parse_clustat_text(text: str) -> ClusterStatus:
    """Parse clustat's text report (full, ``-s``, ``-m`` or ``-l``).

    Raises :class:`ParseError` with the line number and text for anything that is not
    part of a clustat report, and for a report that stops early (a header without its
    table).  Unknown state words become ``ServiceState.UNKNOWN`` (kept in ``state_raw``);
    unknown member words land in ``Member.other_flags``.
    """
    if "<clustat" in text and "Member Name" not in text:
        raise _fail("this is clustat -x output; use parse_clustat_xml", None, None)
    lines = _last_report(text).splitlines()
    cluster_name = timestamp_str = None
    quorate: bool | None = None
    members: list[Member] = []
    services: list[ServiceStatus] = []
    notices: list[str] = []
    mode = "top"
    layout = "ids"  # or "legacy" (early RHEL 5: no ID column) or "rhel4" (State, hex ID)
    seen_header = seen_members = seen_services = seen_anything = False
    long_fields: dict = {}
    long_start = (0, "")
    columns = (-1, -1)

    def flush_long() -> None:
        nonlocal long_fields
        if long_fields:
            services.append(_long_block(long_fields, *long_start))
            long_fields = {}

    for number, raw in enumerate(lines, 1):
        line = raw.rstrip()
        blank = not line.strip()
        # cheap test first: prompts start with [ # $ % > or hold user@host
        if not blank and (line.lstrip()[0] in "[#$%>Y" or "@" in line):
            if _SHELL_NOTICE.match(line.strip()):
                continue
            if seen_anything and mode not in ("members-dash", "services-dash") \
                    and _NEXT_PROMPT.match(line.strip()):
                break  # a pasted transcript goes on with the next command
        if mode in ("members-dash", "services-dash"):
            dash = (_RHEL4_DASH if layout == "rhel4" else _MEMBER_DASH) \
                if mode == "members-dash" else _SERVICE_DASH
            if dash.match(line):
                mode = mode[:-5]
                continue
            # copies in knowledge bases drop the dashed line; a row right under the
            # header is still a row (anything else is not a report)
            row_pattern = _MEMBER_ROWS[layout] if mode == "members-dash" else _SERVICE_ROW
            if blank or not row_pattern.match(line):
                raise _fail("expected the dashed line under the table header", number, raw)
            mode = mode[:-5]
        if mode == "members":
            if blank:
                mode = "top"
                continue
            match = _MEMBER_ROWS[layout].match(line)
            if match:
                try:
                    words = parse_member_status(match.group("status"))
                except ValueError:
                    raise _fail("bad member status words", number, raw) from None
                members.append(Member(
                    name=match.group("name"),
                    nodeid=_member_id(match, layout), **words))
                continue
            if not (_SERVICE_HEAD.match(line) or _MEMBER_HEAD.match(line)
                    or _RHEL4_HEAD.match(line)):
                raise _fail("not a member row (name, id, Online/Offline...)", number, raw)
            mode = "top"
        elif mode == "services":
            if blank:
                mode = "top"
                continue
            match = _SERVICE_ROW.match(line)
            row = _service_row(match) if match else _service_by_columns(raw, *columns)
            if row is None:
                raise _fail("not a service row (name, owner, state)", number, raw)
            services.append(row)
            continue
        elif mode == "long":
            if blank or _SERVICE_HEAD.match(line) or _SERVICE_DASH.match(line):
                continue
            match = _LONG_LINE.match(line)
            if not match:
                raise _fail("not a 'Key : value' line of clustat -l", number, raw)
            key, value = match.group("key"), match.group("value")
            if key == "Service Name":
                flush_long()
                long_start = (number, raw)
            elif not long_fields:
                raise _fail("clustat -l field before 'Service Name'", number, raw)
            long_fields[key] = value
            continue
        if blank:
            continue
        stripped = line.strip()
        header = _HEADER.match(stripped) or _HEADER_NO_TIME.match(stripped)
        if header and not seen_anything:
            cluster_name = header.group("name")
            timestamp_str = header.groupdict().get("time") or None
            seen_header = seen_anything = True
        elif (quorum := _QUORUM.match(stripped)) and quorate is None and not (
                seen_members or seen_services):
            quorate = quorum.group("q") == "Quorate"
            seen_anything = True
        elif (head := _MEMBER_HEAD.match(line) or _RHEL4_HEAD.match(line)) \
                and not seen_members and not seen_services:
            layout = "rhel4" if head.re is _RHEL4_HEAD else (
                "ids" if head.group("id") is not None else "legacy")
            mode, seen_members, seen_anything = "members-dash", True, True
        elif (service_head := _SERVICE_HEAD.match(line)) and not seen_services:
            mode, seen_services, seen_anything = "services-dash", True, True
            columns = (service_head.start("owner"), line.rfind("State"))
        elif (_PROMPT.match(stripped) or _COMMAND.match(stripped)) and not seen_anything:
            continue
        elif stripped == "Service Information" and not seen_services:
            mode, seen_services, seen_anything = "long", True, True
            if number < len(lines) and lines[number].strip() == "------- -----------":
                lines[number] = ""
        elif stripped.startswith(NOTICE_PREFIXES):
            notices.append(stripped)
            if stripped.startswith("Membership information not available"):
                seen_members = True
        else:
            raise _fail("unexpected line in clustat output", number, raw)
    if mode == "long":
        flush_long()
    if mode.endswith("-dash"):
        raise _fail("output ends after a table header", len(lines), lines[-1] if lines else "")
    if not seen_anything:
        raise _fail("no clustat report found (empty output?)", None, text[:200])
    if seen_header and (quorate is None or not seen_members):
        raise _fail("report stops before the member table (truncated?)", len(lines),
                    lines[-1] if lines else "")
    return ClusterStatus(
        cluster_name=cluster_name,
        quorate=quorate,
        members=members,
        services=services,
        timestamp=parse_ctime(timestamp_str),
        timestamp_str=timestamp_str,
        services_available=seen_services,
        notices=notices,
    )
