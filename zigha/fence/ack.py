"""``fence_ack_manual`` as an object: acknowledge one pending fence, and check it was taken.

The real tool (RHEL 6 ``fence/agents/manual/fence_ack_manual.sh``; Debian ships the same
script as /usr/sbin/fence_ack_manual) is a bash script that:

1. drops a leading ``-n``; prints usage and exits 1 when no name is left or the name
   starts with ``-``;
2. prints ``About to override fencing for <node>.`` and a warning line, then
   ``read -p "Continue [NO/absolutely]? "`` (the prompt shows only on a terminal);
3. prints ``Aborted.`` and exits 1 unless the answer is exactly ``absolutely``;
4. polls **once a second, forever** until ``/var/run/cluster/fenced_override`` exists
   (hard-coded path);
5. runs ``echo $1>/var/run/cluster/fenced_override`` (unquoted: the name is word-split)
   and prints ``Done``.

fenced reads one line, cuts it at the first control character and compares it with the
*current* victim with ``strcasecmp`` (fence/fenced/recover.c ``check_override``).  Any
other name is silently ignored, yet the tool prints ``Done``.  So zigha:

* refuses the local node and any name cman does not know;
* acts only while the FIFO exists and fenced's ``victim now`` is that node;
* answers the prompt itself and kills the tool after ``timeout`` seconds;
* after ``Done`` polls ``fence_tool ls -n`` until the node is no longer a victim, and
  otherwise reports ``unconfirmed`` instead of success.
"""

from __future__ import annotations

import enum
import re
import time
from typing import Any, Callable

import attrs

from zigha.errors import CommandError, CommandTimeout, ZighaError
from zigha.fence.fencetool import FenceDomain, fence_tool_ls
from zigha.fence.model import same_name
from zigha.fence.pending import DEFAULT_OVERRIDE_PATH, FenceError, override_pending

ANSWER = "absolutely\n"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_.-]*$")


class AckOutcome(enum.Enum):
    CONFIRMED = "confirmed"      # Done, and fenced no longer lists the node as a victim
    UNCONFIRMED = "unconfirmed"  # Done, but the node is still a victim: fenced ignored it
    NOT_PENDING = "not-pending"  # no override FIFO: fenced is not waiting; nothing run
    NOT_VICTIM = "not-victim"    # fenced waits for another node; nothing run
    TIMED_OUT = "timed-out"      # the FIFO went away before the tool wrote; tool killed


@attrs.frozen
class AckResult:
    node: str
    outcome: AckOutcome
    message: str
    victim_now: str | None = None
    how: str | None = None          # fenced's "how" after the ack (override expected)
    output: str = ""
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome is AckOutcome.CONFIRMED

    @property
    def written(self) -> bool:
        """The name reached the FIFO (fenced may still have ignored it)."""
        return self.outcome in (AckOutcome.CONFIRMED, AckOutcome.UNCONFIRMED)

    def to_dict(self) -> dict[str, Any]:
        data = attrs.asdict(self)
        data["outcome"] = self.outcome.value
        data["ok"] = self.ok
        return data


def _resolve(node: str, runner: Any, timeout: float) -> tuple[Any, dict[int, str]]:
    """cman's node row for ``node`` (case-insensitive) and every node id's name."""
    from zigha.status import cman_nodes, cman_status

    local = cman_status(runner=runner, timeout=timeout).node_name
    rows = cman_nodes(runner=runner, timeout=timeout)
    row = next((r for r in rows if same_name(r.name, node)), None)
    if row is None:
        known = ", ".join(r.name for r in rows if r.nodeid) or "none"
        raise FenceError(f"{node}: not a node of this cluster (cman knows: {known})",
                         hint="use the name cman_tool nodes shows")
    if same_name(row.name, local):
        raise FenceError(f"{row.name} is this node: refusing to acknowledge its own fencing")
    if row.member:
        raise FenceError(f"{row.name} is a cman member: there is nothing to acknowledge")
    if not _SAFE_NAME.match(row.name):
        raise FenceError(f"{row.name!r}: fence_ack_manual would split or misread this name")
    return row, {r.nodeid: r.name for r in rows}


def fence_ack_manual(
    node: str,
    *,
    runner: Any = None,
    timeout: float = 10.0,
    confirm_timeout: float = 5.0,
    poll: float = 0.5,
    override_path: str = DEFAULT_OVERRIDE_PATH,
    fifo_wait: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> AckResult:
    """Acknowledge the pending fence of ``node``, the way ``echo absolutely | fence_ack_manual``
    does, but only when it is safe to and with a result that says whether fenced took it.

    ``timeout`` bounds the tool (it would poll forever for the FIFO); ``confirm_timeout``
    bounds the wait for fenced to drop the victim; ``fifo_wait`` bridges fenced's short gap
    between two override windows.  ``override_path`` is where *fenced*
    puts its FIFO; the tool itself always writes to the default path.

    Returns an :class:`AckResult` (check ``.ok``).  Raises :class:`FenceError` for the local
    node, an unknown node or a member; :class:`~zigha.errors.CommandError` when the tool
    answers ``Aborted.``/usage or fails; errors of cman_tool / fence_tool as they come.
    """
    from zigha.runner import default_runner

    runner = runner or default_runner()
    start = clock()
    row, names = _resolve(node, runner, timeout)
    if not override_pending(override_path, wait=fifo_wait, sleep=sleep, clock=clock):
        return AckResult(row.name, AckOutcome.NOT_PENDING,
                         f"fenced is not waiting for an override ({override_path} absent): "
                         "no fence attempt has failed, or fenced is not the domain master here",
                         duration=clock() - start)
    domain = fence_tool_ls(runner=runner, timeout=timeout)
    if domain.victim_now != row.nodeid:
        other = names.get(domain.victim_now, f"node id {domain.victim_now}") \
            if domain.victim_now else None
        return AckResult(row.name, AckOutcome.NOT_VICTIM,
                         f"fenced is fencing {other or 'no node'} now, "
                         f"not {row.name} (id {row.nodeid})",
                         victim_now=other, duration=clock() - start)
    argv = ["fence_ack_manual", "-n", row.name]
    try:
        result = runner.run(argv, stdin=ANSWER, timeout=timeout)
    except CommandTimeout:
        return AckResult(row.name, AckOutcome.TIMED_OUT,
                         f"fence_ack_manual did not find the override FIFO within {timeout:g}s "
                         "(fenced closed it); killed, nothing written",
                         victim_now=row.name, duration=clock() - start)
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    if result.rc != 0 or not lines or lines[-1] != "Done":
        said = lines[-1] if lines else (result.stderr.strip() or f"exit {result.rc}")
        raise CommandError.from_result(f"fence_ack_manual {row.name}: {said}", result)
    deadline = clock() + confirm_timeout
    while True:
        current: FenceDomain | None
        try:
            current = fence_tool_ls(runner=runner, timeout=timeout)
        except ZighaError:
            current = None  # the name was written: from here on, never an error, only unconfirmed
        info = current.node(row.nodeid) if current else None
        still = (current is None or row.nodeid in current.victims
                 or current.victim_now == row.nodeid)
        if not still:
            return AckResult(row.name, AckOutcome.CONFIRMED,
                             f"fenced accepted the override for {row.name}",
                             how=info.how if info else None, output=result.stdout,
                             duration=clock() - start)
        if clock() >= deadline:
            return AckResult(row.name, AckOutcome.UNCONFIRMED,
                             f"fence_ack_manual said Done but fenced still lists {row.name} "
                             f"as a victim after {confirm_timeout:g}s: the override was ignored",
                             victim_now=row.name, output=result.stdout,
                             duration=clock() - start)
        sleep(poll)
