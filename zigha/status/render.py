"""A :class:`~zigha.status.model.ClusterStatus` rendered the way clustat prints it.

:func:`render_clustat_text` reproduces clustat's text layout byte for byte for a given
terminal width (80 when clustat's stdout is a pipe); :func:`render_clustat_xml` the
``clustat -x`` document, in the later layout with ``flags`` attributes or, with
``flags=False``, the RHEL 6.0 one (no flags, two blanks before ``owner``).  The offline
demo and the test fakes answer with these, so what they show is what the parsers read.

Widths (rgmanager/src/utils/clustat.c): member name ``min(C/2, 64)``, service and owner
``min((C-20)/2, 64)``, state 14; every cell is ``%-W.Ws`` (padded, cut silently).
"""

from __future__ import annotations

import datetime as _dt
from xml.sax.saxutils import quoteattr

from zigha.status.model import (
    FLAG_BITS,
    SERVICE_FLAGS,
    ClusterStatus,
    ServiceState,
    ServiceStatus,
)

MAXHOSTNAMELEN = 64
STATE_WIDTH = 14
_LETTER = {name: letter for name, letter in SERVICE_FLAGS.values()}
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def ctime(when: _dt.datetime) -> str:
    """C's ctime() text without the newline: ``Thu Mar  1 09:45:21 2012`` (English)."""
    return (f"{_WEEKDAYS[when.weekday()]} {_MONTHS[when.month - 1]} {when.day:2d} "
            f"{when.hour:02d}:{when.minute:02d}:{when.second:02d} {when.year}")


def column_widths(width: int = 80) -> tuple[int, int, int]:
    """(member name, service name, owner) widths clustat uses on a ``width``-column terminal."""
    name = min(width // 2, MAXHOSTNAMELEN)
    service = min((width - 20) // 2, MAXHOSTNAMELEN)
    return name, service, service


def _cell(text: str, width: int) -> str:
    width = max(width, 0)
    return text[:width].ljust(width)


def _state_word(service: ServiceStatus) -> str:
    if service.state is ServiceState.UNKNOWN:
        return service.state_raw or ServiceState.UNKNOWN.value
    return service.state.value


def state_cell(service: ServiceStatus) -> str:
    """The 14-wide State cell: ``started       `` or, with flags, ``started    [Z]``."""
    letters = "".join(_LETTER.get(flag, flag if len(flag) == 1 else "") for flag in service.flags)
    if not letters:
        return _cell(_state_word(service), STATE_WIDTH)
    return _cell(_state_word(service), STATE_WIDTH - (2 + len(letters))) + f"[{letters}]"


def owner_cell(service: ServiceStatus, width: int) -> str:
    """``h1``, or ``(last owner)`` for stopped/disabled/recoverable/failed; ``none`` for id 0."""
    if service.state.shows_last_owner:
        return _cell("(" + (service.last_owner or "none")[: max(width - 2, 0)] + ")", width)
    return _cell(service.owner or "none", width)


def render_clustat_text(status: ClusterStatus, width: int = 80,
                        now: _dt.datetime | None = None) -> str:
    """The text clustat prints for ``status`` on a ``width``-column terminal.

    A status without a cluster name renders like ``clustat -s``/``-m`` output (tables
    only).  Without a timestamp the header shows ``now`` (default: the current local time).
    """
    name_w, service_w, owner_w = column_widths(width)
    out: list[str] = list(status.notices)
    full = status.cluster_name is not None
    if full:
        when = status.timestamp_str or ctime(status.timestamp or now or _dt.datetime.now())
        out.append(f"Cluster Status for {status.cluster_name} @ {when}")
        out.append("Member Status: " + ("Quorate" if status.quorate else "Inquorate"))
        out.append("")
    if status.members:
        central = any(m.rgmanager_master for m in status.members)
        out.append(" " + _cell("Member Name", name_w) + "ID  " + " " + "Status")
        out.append(" " + _cell("------ ----", name_w) + "----" + " " + "------")
        for member in status.members:
            out.append(" " + _cell(member.name, name_w) + " " + f"{member.nodeid or 0:4d}" + " "
                       + member.status_text(central))
        if full:
            out.append("")
    elif full:
        out.append("Membership information not available")
        out.append("")
    if status.services_available:
        out.append(" " + _cell("Service Name", service_w) + " " + _cell("Owner (Last)", owner_w)
                   + " " + _cell("State", STATE_WIDTH))
        out.append(" " + _cell("------- ----", service_w) + " " + _cell("----- ------", owner_w)
                   + " " + _cell("-----", STATE_WIDTH))
        for service in status.services:
            out.append(" " + _cell(service.name, service_w) + " " + owner_cell(service, owner_w)
                       + " " + state_cell(service))
    return "\n".join(out) + "\n"


def _bit(value: bool | None) -> str:
    return "1" if value else "0"


def _flags_value(service: ServiceStatus) -> int:
    if service.flags_value is not None:
        return service.flags_value
    return sum(FLAG_BITS.get(flag, 0) for flag in service.flags)


def _state_code(service: ServiceStatus) -> str:
    if service.state.code is not None:
        return str(service.state.code)
    return service.state_raw if service.state_raw.isdigit() else "0"


def render_clustat_xml(status: ClusterStatus, flags: bool = True) -> str:
    """The ``clustat -x`` document for ``status``.

    ``flags=True`` gives the later layout (``flags``/``flags_str`` after ``state_str``),
    ``flags=False`` the RHEL 6.0 one.  Unlike clustat, attribute values are escaped, so
    the result is always well-formed.
    """
    q = quoteattr
    out = ['<?xml version="1.0"?>', '<clustat version="4.1.1">']
    if status.cluster_name is not None:
        out.append(f"  <cluster name={q(status.cluster_name)} id=\"{status.cluster_id or 0}\""
                   f" generation=\"{status.generation or 0}\"/>")
        if status.quorate:
            group_member = status.group_member
            if group_member is None:
                local = status.local_member
                group_member = bool(local and local.rgmanager)
            out.append(f'  <quorum quorate="1" groupmember="{_bit(group_member)}"/>')
        else:
            # clustat.c prints a newline right after quorate="0"
            out.append('  <quorum quorate="0"')
            out.append(' groupmember="0"/>')
    if status.members:
        out.append("  <nodes>")
        for m in status.members:
            out.append(
                f"    <node name={q(m.name)} state=\"{_bit(m.online)}\" local=\"{_bit(m.local)}\""
                f" estranged=\"{_bit(m.estranged)}\" rgmanager=\"{_bit(m.rgmanager)}\""
                f" rgmanager_master=\"{_bit(m.rgmanager_master)}\" qdisk=\"{_bit(m.qdisk)}\""
                f" nodeid=\"0x{(m.nodeid or 0):08x}\"/>")
        out.append("  </nodes>")
    else:
        out.append("  <nodes/>")
    if status.services_available:
        out.append("  <groups>")
        for s in status.services:
            middle = (f" flags=\"{_flags_value(s)}\" flags_str={q(' '.join(s.flags))} "
                      if flags else "  ")
            when = s.last_transition or 0
            when_str = s.last_transition_str or ctime(
                _dt.datetime.fromtimestamp(when, _dt.timezone.utc))
            out.append(
                f"    <group name={q(s.name)} state=\"{_state_code(s)}\""
                f" state_str={q(_state_word(s))}{middle}owner={q(s.owner or 'none')}"
                f" last_owner={q(s.last_owner or 'none')} restarts=\"{s.restarts or 0}\""
                f" last_transition=\"{when}\" last_transition_str={q(when_str)}/>")
        out.append("  </groups>")
    out.append("</clustat>")
    return "\n".join(out) + "\n"


def render_status(status: ClusterStatus, width: int = 80, flags: bool = True) -> tuple[str, str]:
    """Both forms at once: ``(clustat text, clustat -x XML)`` for fakes and the demo."""
    return render_clustat_text(status, width), render_clustat_xml(status, flags=flags)
