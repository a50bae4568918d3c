"""``fence_tool ls`` / ``fence_tool ls -n``: what fenced is doing, parsed.

The format comes from fenced's own tool, cluster STABLE3 ``fence/fence_tool/fence_tool.c``
``do_list()`` (read in the beekhof/cluster mirror, branch STABLE3, commit da8bc8bc; the
function is unchanged since 2009-05, so cluster 3.0.12 / RHEL 6 prints the same)::

    fence domain
    member count  3
    victim count  1
    victim now    1
    master nodeid 2
    wait state    fencing
    members       2 3

    all nodes                                          <- only with -n
    nodeid 1 member 0 victim 1 last fence master 0 how none
    nodeid 2 member 1 victim 0 last fence master 0 how none

Facts from the source:

* ``printf("members       ")`` then ``"%d "`` for every member, sorted by node id: the
  list ends with a blank.  Without ``-n`` an empty line follows; with ``-n`` the
  ``all nodes`` block and then an empty line.
* ``victim now`` is ``fd->current_victim``: set by ``fence_victims()``
  (``fence/fenced/recover.c``) only on the node running the fencing, the domain
  *master*, and reset to 0 when the victim list is done.  On every other node it is 0.
* ``wait state`` is one of ``none``, ``quorum``, ``messages``, ``fencing`` (or
  ``unknown``).  Versions before 2008-09 have no ``wait state`` line: it is optional here.
* ``how`` is ``none``, ``agent``, ``member``, ``override`` (fence_ack_manual), ``external``
  or ``unknown``.
* When fenced is not running, ``fence_tool ls`` prints **nothing** and exits 1
  (``exit(EXIT_FAILURE); /* fenced probably not running */``).  A query error after the
  first lines prints ``error`` and ``fenced query error <rv>`` on stderr, exit 1.

**unverified**: we found no real captured ``fence_tool ls`` output; everything above is
derived from the C source.  The parser therefore tolerates extra blanks, extra
``key value`` lines and unknown ``how`` words, and rejects lines it cannot place.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from zigha.errors import CommandError, ParseError

WAIT_STATES = ("none", "quorum", "messages", "fencing", "unknown")
HOW_WORDS = ("none", "agent", "member", "override", "external", "unknown")

_NODE_LINE = re.compile(
    r"^nodeid\s+(?P<nodeid>-?\d+)\s+member\s+(?P<member>-?\d+)\s+victim\s+(?P<victim>-?\d+)"
    r"\s+last\s+fence\s+master\s+(?P<master>-?\d+)\s+how\s+(?P<how>\S+)\s*$"
)
_KEYS = {
    "member count": "member_count",
    "victim count": "victim_count",
    "victim now": "victim_now",
    "master nodeid": "master_nodeid",
    "wait state": "wait_state",
    "members": "members",
}


@attrs.frozen
class FenceNodeInfo:
    """One ``nodeid … how …`` row of ``fence_tool ls -n``."""

    nodeid: int
    member: bool
    victim: bool
    last_fence_master: int
    how: str

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen
class FenceDomain:
    """fenced's view of the default fence domain.

    ``victim_now`` is the node id being fenced right now on *this* node (0: none, or this
    node is not the master).  ``nodes`` is empty unless ``-n`` was used.
    """

    member_count: int
    victim_count: int
    victim_now: int
    master_nodeid: int
    wait_state: str | None = None
    members: tuple[int, ...] = ()
    nodes: tuple[FenceNodeInfo, ...] = ()

    @property
    def victims(self) -> tuple[int, ...]:
        """Node ids flagged as victims (needs ``-n``; else only ``victim_now`` is known)."""
        if self.nodes:
            return tuple(n.nodeid for n in self.nodes if n.victim)
        return (self.victim_now,) if self.victim_now else ()

    def node(self, nodeid: int) -> FenceNodeInfo | None:
        for info in self.nodes:
            if info.nodeid == nodeid:
                return info
        return None

    def to_dict(self) -> dict[str, Any]:
        data = attrs.asdict(self, recurse=False)
        data["members"] = list(self.members)
        data["nodes"] = [n.to_dict() for n in self.nodes]
        data["victims"] = list(self.victims)
        return data


def _int(text: str, lineno: int, line: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ParseError(
            f"fence_tool ls: line {lineno}: expected a number, got {text!r}",
            tool="fence_tool", line=lineno, excerpt=line,
        ) from None


def parse_fence_tool_ls(text: str) -> FenceDomain:
    """Parse ``fence_tool ls`` or ``fence_tool ls -n`` output.

    Raises :class:`~zigha.errors.ParseError` (with the line) for empty output, a missing
    ``fence domain`` header or field, or a line that fits nowhere.
    """
    if not isinstance(text, str):
        raise ParseError("fence_tool ls: output is not text", tool="fence_tool")
    fields: dict[str, Any] = {}
    nodes: list[FenceNodeInfo] = []
    seen_header = False
    in_nodes = False
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if not seen_header:
            if line != "fence domain":
                raise ParseError(
                    f"fence_tool ls: line {lineno}: expected 'fence domain', got {line[:60]!r}",
                    tool="fence_tool", line=lineno, excerpt=raw,
                )
            seen_header = True
            continue
        if line == "all nodes":
            in_nodes = True
            continue
        if in_nodes:
            match = _NODE_LINE.match(line)
            if not match:
                raise ParseError(
                    f"fence_tool ls: line {lineno}: not a node line: {line[:60]!r}",
                    tool="fence_tool", line=lineno, excerpt=raw,
                )
            nodes.append(
                FenceNodeInfo(
                    nodeid=int(match["nodeid"]),
                    member=match["member"] != "0",
                    victim=match["victim"] != "0",
                    last_fence_master=int(match["master"]),
                    how=match["how"],
                )
            )
            continue
        key = next((k for k in _KEYS if line == k or line.startswith(k + " ")), None)
        if key is None:
            raise ParseError(
                f"fence_tool ls: line {lineno}: unknown line {line[:60]!r}",
                tool="fence_tool", line=lineno, excerpt=raw,
            )
        value = line[len(key):].strip()
        name = _KEYS[key]
        if name == "members":
            if value == "error":
                raise ParseError(
                    f"fence_tool ls: line {lineno}: fenced could not list the members",
                    tool="fence_tool", line=lineno, excerpt=raw,
                )
            fields[name] = tuple(sorted(_int(v, lineno, raw) for v in value.split()))
        elif name == "wait_state":
            if not re.fullmatch(r"[a-z]+", value):
                raise ParseError(
                    f"fence_tool ls: line {lineno}: bad wait state {value!r}",
                    tool="fence_tool", line=lineno, excerpt=raw,
                )
            fields[name] = value
        else:
            fields[name] = _int(value, lineno, raw)
    if not seen_header:
        raise ParseError("fence_tool ls: empty output (is fenced running?)", tool="fence_tool")
    for required in ("member_count", "victim_count", "victim_now", "master_nodeid"):
        if required not in fields:
            label = next(k for k, v in _KEYS.items() if v == required)
            raise ParseError(f"fence_tool ls: no '{label}' line", tool="fence_tool")
    return FenceDomain(nodes=tuple(sorted(nodes, key=lambda n: n.nodeid)), **fields)


class FencedNotRunningError(CommandError):
    """``fence_tool ls`` printed nothing and failed: fenced is not running (or not joined)."""


def fence_tool_ls(*, all_nodes: bool = True, runner: Any = None, timeout: float = 10.0) -> FenceDomain:
    """Run ``fence_tool ls [-n]`` and parse it.

    Raises :class:`FencedNotRunningError` when fenced does not answer (exit 1, no output),
    :class:`~zigha.errors.CommandError` for any other failure, ``ParseError`` for odd text.
    """
    from zigha.runner import default_runner

    runner = runner or default_runner()
    argv = ["fence_tool", "ls", "-n"] if all_nodes else ["fence_tool", "ls"]
    result = runner.run(argv, timeout=timeout)
    if result.rc != 0:
        if not result.stdout.strip():
            raise FencedNotRunningError.from_result(
                "fence_tool ls: fenced is not answering (not running, or not in the fence domain)",
                result, hint="start cman (it runs fenced and 'fence_tool join')",
            )
        raise CommandError.from_result(f"fence_tool ls failed (exit {result.rc})", result)
    return parse_fence_tool_ls(result.stdout)
