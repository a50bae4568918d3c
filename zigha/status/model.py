"""Values that describe a running cluster: members, services, quorum (cman + rgmanager).

Everything here is a frozen attrs value with a readable repr and a ``to_dict()`` for
JSON.  The parsers in :mod:`zigha.status.clustat` and :mod:`zigha.status.cman` build
them; nothing in this module runs a command.

State words and numbers mirror rgmanager's ``rg_state`` table
(``rgmanager/include/resgroup.h`` and ``rgmanager/src/clulib/rg_strings.c``).
"""

from __future__ import annotations

import datetime as _dt
import enum
from typing import Any

import attrs

from zigha.converters import to_tuple

#: months of C's ctime(), which is English in every locale
_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
_DAYS = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}


def parse_ctime(text: str | None) -> _dt.datetime | None:
    """``Thu Mar  1 09:45:21 2012`` -> naive datetime (node-local time), or None.

    Split on whitespace and map the month by hand: strptime's ``%a %b`` follow the
    locale, ctime() does not.
    """
    if not text:
        return None
    parts = text.split()
    if len(parts) != 5 or parts[0] not in _DAYS or parts[1] not in _MONTHS:
        return None
    try:
        hour, minute, second = (int(p) for p in parts[3].split(":"))
        return _dt.datetime(int(parts[4]), _MONTHS[parts[1]], int(parts[2]), hour, minute, second)
    except ValueError:
        return None


class ServiceState(enum.Enum):
    """A service's state; ``.value`` is clustat's word, ``.code`` rgmanager's number."""

    STOPPED = "stopped"
    STARTING = "starting"
    STARTED = "started"
    STOPPING = "stopping"
    FAILED = "failed"
    UNINITIALIZED = "uninitialized"
    CHECKING = "checking"
    RECOVERABLE = "recoverable"  # RG_STATE_ERROR: recovery stop in progress
    RECOVERING = "recovering"  # RG_STATE_RECOVER: stopped, waiting for a new start
    DISABLED = "disabled"
    MIGRATING = "migrating"
    UNKNOWN = "Unknown"  # rg_strings.c's fallback word; the raw text is kept beside it

    @property
    def code(self) -> int | None:
        """rgmanager's number (110-120); None for UNKNOWN."""
        return _CODES.get(self)

    @property
    def running(self) -> bool:
        """True where ``clustat -s`` exits 0: starting, started, stopping."""
        return self in (ServiceState.STARTING, ServiceState.STARTED, ServiceState.STOPPING)

    @property
    def shows_last_owner(self) -> bool:
        """clustat prints ``(last owner)`` for these states (clustat.c)."""
        return self in _LAST_OWNER_STATES

    @classmethod
    def from_code(cls, code: int) -> ServiceState:
        return _BY_CODE.get(code, cls.UNKNOWN)

    @classmethod
    def from_word(cls, word: str) -> ServiceState:
        """clustat's word -> state; anything else is UNKNOWN (keep the word as raw)."""
        try:
            state = cls(word)
        except ValueError:
            return cls.UNKNOWN
        return state

    @classmethod
    def coerce(cls, value: ServiceState | str | int) -> ServiceState:
        """Accept a state, its word (any case) or its number; ValueError otherwise."""
        if isinstance(value, ServiceState):
            return value
        if isinstance(value, int):
            if value in _BY_CODE:
                return _BY_CODE[value]
        elif isinstance(value, str):
            word = value.strip()
            for state in cls:
                if word.lower() in (state.value.lower(), state.name.lower()):
                    return state
        raise ValueError(f"not a service state: {value!r} (one of {', '.join(s.value for s in cls)})")

    def __repr__(self) -> str:
        return f"ServiceState.{self.name}"


_CODES = {
    ServiceState.STOPPED: 110, ServiceState.STARTING: 111, ServiceState.STARTED: 112,
    ServiceState.STOPPING: 113, ServiceState.FAILED: 114, ServiceState.UNINITIALIZED: 115,
    ServiceState.CHECKING: 116, ServiceState.RECOVERABLE: 117, ServiceState.RECOVERING: 118,
    ServiceState.DISABLED: 119, ServiceState.MIGRATING: 120,
}
_BY_CODE = {code: state for state, code in _CODES.items()}
_LAST_OWNER_STATES = frozenset(
    (ServiceState.STOPPED, ServiceState.DISABLED, ServiceState.RECOVERABLE, ServiceState.FAILED)
)

#: flag bit -> (long name used by -x flags_str and -l, letter used in the text State cell)
SERVICE_FLAGS = {1: ("frozen", "Z"), 2: ("partial", "P")}
FLAG_LETTERS = {letter: name for name, letter in SERVICE_FLAGS.values()}
FLAG_BITS = {name: bit for bit, (name, _letter) in SERVICE_FLAGS.items()}


def service_name(name: str) -> str:
    """The full name clustat and clusvcadm use: ``httpd`` -> ``service:httpd``.

    A name that already has a ``type:`` prefix (``vm:guest1``) is kept as given, as
    clustat.c and clusvcadm.c do.  A VM must therefore be named ``vm:<name>``.
    """
    name = name.strip()
    if not name or name.endswith(":"):
        raise ValueError(f"empty service name: {name!r}")
    return name if ":" in name else f"service:{name}"


def _owner(value: str | None) -> str | None:
    return None if value in (None, "", "none") else value


@attrs.frozen
class Member:
    """One row of clustat's member table (one ``<node>`` of ``clustat -x``).

    ``nodeid`` is None only for the early RHEL 5 text layout, which has no ID column.
    ``rgmanager`` is true for ``rgmanager``, ``RG-Master`` and ``RG-Worker``;
    ``rgmanager_master`` only for ``RG-Master`` (central processing).  Status words
    clustat may add in a future version are kept in ``other_flags``.
    """

    name: str
    nodeid: int | None
    online: bool
    local: bool = False
    estranged: bool = False
    rgmanager: bool = False
    rgmanager_master: bool = False
    qdisk: bool = False
    other_flags: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)

    def status_text(self, central: bool = False) -> str:
        """The Status column as clustat prints it: ``Online, Local, rgmanager``.

        ``central``: some node is event master (``<rm central_processing="1">``), so
        rgmanager nodes read ``RG-Master`` / ``RG-Worker`` (clustat.c).
        """
        words = ["Online" if self.online else "Offline"]
        if self.local:
            words.append("Local")
        if self.estranged:
            words.append("Estranged")
        if self.rgmanager:
            if central:
                words.append("RG-Master" if self.rgmanager_master else "RG-Worker")
            else:
                words.append("rgmanager")
        if self.qdisk:
            words.append("Quorum Disk")
        words.extend(self.other_flags)
        return ", ".join(words)

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self, recurse=False) | {"other_flags": list(self.other_flags)}


@attrs.frozen
class ServiceStatus:
    """One service (``service:x`` or ``vm:x``) as rgmanager reports it.

    ``owner`` / ``last_owner`` are None where clustat shows ``none`` (or where the output
    does not carry them: text mode shows only one of the two); ``unknown`` (a node id not
    in the member list) is kept as the string ``"unknown"``.  ``state_raw`` is the exact
    state text (``Unknown``, a future word, a cut word).  ``flags`` holds long flag names
    (``frozen``, ``partial``, or a letter/name clustat may add later); ``flags_value`` the
    number from ``-x`` when present.  ``restarts``, ``last_transition`` (epoch seconds)
    and ``last_transition_str`` come from ``-x`` or ``-l`` only.
    """

    name: str
    state: ServiceState
    owner: str | None = None
    last_owner: str | None = None
    state_raw: str = ""
    flags: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)
    flags_value: int | None = None
    restarts: int | None = None
    last_transition: int | None = None
    last_transition_str: str | None = None

    def __attrs_post_init__(self) -> None:
        if not self.state_raw:
            object.__setattr__(self, "state_raw", self.state.value)

    @property
    def kind(self) -> str:
        """``service`` or ``vm`` (whatever comes before the colon)."""
        return self.name.split(":", 1)[0] if ":" in self.name else "service"

    @property
    def short_name(self) -> str:
        """The name without its ``type:`` prefix."""
        return self.name.split(":", 1)[1] if ":" in self.name else self.name

    @property
    def frozen(self) -> bool:
        return "frozen" in self.flags

    @property
    def partial(self) -> bool:
        return "partial" in self.flags

    @property
    def running(self) -> bool:
        return self.state.running

    @property
    def shown_owner(self) -> str:
        """The Owner (Last) cell of clustat: ``h1``, ``(h2)``, ``none`` or ``(none)``."""
        if self.state.shows_last_owner:
            return f"({self.last_owner or 'none'})"
        return self.owner or "none"

    @property
    def last_transition_time(self) -> _dt.datetime | None:
        """``last_transition`` as an aware UTC datetime (the string is node-local)."""
        if self.last_transition is None:
            return None
        return _dt.datetime.fromtimestamp(self.last_transition, _dt.timezone.utc)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "kind": self.kind, "state": self.state.value,
            "state_code": self.state.code, "state_raw": self.state_raw,
            "owner": self.owner, "last_owner": self.last_owner, "flags": list(self.flags),
            "flags_value": self.flags_value, "restarts": self.restarts,
            "last_transition": self.last_transition,
            "last_transition_str": self.last_transition_str,
        }


@attrs.frozen
class ClusterStatus:
    """What clustat reports: cluster, quorum, members, services.

    Fields the output does not carry are None: ``clustat -s``/``-m`` have no cluster
    header and no quorum line; text has no cluster id or generation; XML has no
    timestamp.  ``services_available`` is False when rgmanager sent no service states
    (not running, inquorate, timed out, or ``-m`` mode); ``services`` is then empty.
    ``notices`` keeps lines clustat printed before the report
    (``Service states unavailable: Operation requires quorum``).
    """

    cluster_name: str | None = None
    quorate: bool | None = None
    members: tuple[Member, ...] = attrs.field(default=(), converter=to_tuple)
    services: tuple[ServiceStatus, ...] = attrs.field(default=(), converter=to_tuple)
    cluster_id: int | None = None
    generation: int | None = None
    group_member: bool | None = None
    timestamp: _dt.datetime | None = None
    timestamp_str: str | None = None
    services_available: bool = True
    notices: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)

    def member(self, name: str) -> Member | None:
        """The member called exactly ``name`` (clustat -m matches exactly), or None."""
        for member in self.members:
            if member.name == name:
                return member
        return None

    def service(self, name: str) -> ServiceStatus | None:
        """The service ``name`` (``httpd`` means ``service:httpd``), or None."""
        full = service_name(name)
        for service in self.services:
            if service.name == full:
                return service
        # RHEL 4 / early RHEL 5 clustat printed bare names ("mysql_service")
        bare = name.strip()
        return next((s for s in self.services if s.name == bare and ":" not in s.name), None)

    @property
    def local_member(self) -> Member | None:
        return next((m for m in self.members if m.local), None)

    @property
    def online_members(self) -> tuple[Member, ...]:
        return tuple(m for m in self.members if m.online)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cluster_name": self.cluster_name, "cluster_id": self.cluster_id,
            "generation": self.generation, "quorate": self.quorate,
            "group_member": self.group_member,
            "timestamp": self.timestamp.isoformat() if self.timestamp else None,
            "timestamp_str": self.timestamp_str,
            "members": [m.to_dict() for m in self.members],
            "services_available": self.services_available,
            "services": [s.to_dict() for s in self.services],
            "notices": list(self.notices),
        }


# -- cman_tool ----------------------------------------------------------------------------

#: cman_tool nodes status letter -> meaning (cman/cman_tool/main.c)
NODE_STATUS = {"M": "member", "X": "not a member", "d": "disallowed", "?": "other"}


@attrs.frozen
class CmanNode:
    """One row of ``cman_tool nodes``: ``   1   M      4   2014-04-09 08:30:22  node1``.

    ``status`` is cman's letter as printed (``M``, ``X``, ``d``, ``?``); ``member`` is
    ``status == "M"``.  ``joined`` is None when the column is blank (never joined).
    """

    nodeid: int
    status: str
    name: str
    incarnation: int | None = None
    joined: _dt.datetime | None = None
    addresses: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)

    @property
    def member(self) -> bool:
        return self.status == "M"

    @property
    def qdisk(self) -> bool:
        """Node id 0 is cman's quorum-device pseudo node."""
        return self.nodeid == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodeid": self.nodeid, "status": self.status, "member": self.member,
            "name": self.name, "incarnation": self.incarnation,
            "joined": self.joined.isoformat(sep=" ") if self.joined else None,
            "addresses": list(self.addresses),
        }


@attrs.frozen
class CmanStatus:
    """``cman_tool status``: quorum, votes, this node.

    Optional lines (``Quorum device votes``, ``Node votes``, ``Disallowed nodes``) are
    None / empty when absent.  ``quorate`` is False when the Quorum line says
    ``Activity blocked``.  Unknown ``Key: value`` lines land in ``extra``.
    """

    cluster_name: str | None
    cluster_id: int | None
    quorate: bool
    expected_votes: int | None
    total_votes: int | None
    quorum: int | None
    node_name: str | None
    node_id: int | None
    version: str | None = None
    config_version: int | None = None
    cluster_member: bool | None = None
    cluster_generation: int | None = None
    membership_state: str | None = None
    nodes: int | None = None
    quorum_device_votes: int | None = None
    node_votes: int | None = None
    active_subsystems: int | None = None
    flags: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)
    ports_bound: tuple[int, ...] = attrs.field(default=(), converter=to_tuple)
    multicast_addresses: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)
    node_addresses: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)
    disallowed_nodes: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)
    extra: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=to_tuple)

    @property
    def two_node(self) -> bool:
        return "2node" in self.flags

    def to_dict(self) -> dict[str, Any]:
        data = attrs.asdict(self, recurse=False)
        for key, value in data.items():
            if isinstance(value, tuple):
                data[key] = list(value)
        data["extra"] = dict(self.extra)
        return data
