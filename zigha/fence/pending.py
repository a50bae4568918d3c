"""Is a fence pending, and for whom?  cman's and fenced's views put together.

fenced (cluster 3, ``fence/fenced/recover.c``) fences victims one at a time on the
fence-domain master.  After an attempt fails it creates the override FIFO (default
``/var/run/cluster/fenced_override``, mode 0600), waits ``override_time`` seconds (default 3)
for a name on it, removes it, and tries the agent again.  So:

* the FIFO exists only on the master and only between failed attempts;
* ``fence_tool ls`` shows the node id being fenced as ``victim now`` (0 elsewhere);
* ``cman_tool nodes`` maps node ids to names and says who is a member.
"""

from __future__ import annotations

import os
import stat
import time
from typing import Any, Callable

import attrs

from zigha.errors import ZighaError
from zigha.fence.fencetool import FencedNotRunningError, FenceDomain, fence_tool_ls

DEFAULT_OVERRIDE_PATH = "/var/run/cluster/fenced_override"


class FenceError(ZighaError):
    """A fencing request zigha refuses or cannot carry out (wrong node, local node…)."""

    exit_code = 1


def _is_fifo(path: str) -> bool:
    try:
        return stat.S_ISFIFO(os.stat(path).st_mode)
    except OSError:
        return False


def override_pending(path: str = DEFAULT_OVERRIDE_PATH, *, wait: float = 0.0,
                     step: float = 0.05, sleep: Callable[[float], None] = time.sleep,
                     clock: Callable[[], float] = time.monotonic) -> bool:
    """True when fenced's override FIFO exists (a FIFO, not a stray regular file).

    fenced removes the FIFO between two windows while it retries the agent; with no
    fence device that gap is short, so ``wait`` seconds of looking bridge it.
    """
    deadline = clock() + wait
    while True:
        if _is_fifo(path):
            return True
        if clock() >= deadline:
            return False
        sleep(step)


@attrs.frozen
class NodeView:
    nodeid: int
    name: str
    member: bool
    victim: bool

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen
class FenceStatus:
    """Everything ``zigha fence status`` shows."""

    local_node: str | None
    quorate: bool | None
    override_pending: bool
    fenced_running: bool
    victim_now: str | None
    master_nodeid: int | None
    wait_state: str | None
    nodes: tuple[NodeView, ...] = ()

    @property
    def victims(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.nodes if n.victim)

    @property
    def pending_for(self) -> str | None:
        """The node fence_ack_manual would act on now, or None."""
        return self.victim_now if self.override_pending else None

    def to_dict(self) -> dict[str, Any]:
        data = attrs.asdict(self, recurse=False)
        data["nodes"] = [n.to_dict() for n in self.nodes]
        data["victims"] = list(self.victims)
        data["pending_for"] = self.pending_for
        return data


def combine(cman_nodes: Any, domain: FenceDomain | None, *, local_node: str | None,
            quorate: bool | None, pending: bool) -> FenceStatus:
    """Join cman's node list (names, membership) with fenced's domain (victims). Pure."""
    names = {n.nodeid: n.name for n in cman_nodes}
    victim_ids = set(domain.victims) if domain else set()
    views = tuple(
        NodeView(n.nodeid, n.name, bool(n.member), n.nodeid in victim_ids)
        for n in cman_nodes if n.nodeid != 0  # id 0 is the quorum disk
    )
    victim_now = None
    if domain and domain.victim_now:
        victim_now = names.get(domain.victim_now, f"node{domain.victim_now}")
    return FenceStatus(
        local_node=local_node, quorate=quorate, override_pending=pending,
        fenced_running=domain is not None, victim_now=victim_now,
        master_nodeid=domain.master_nodeid if domain else None,
        wait_state=domain.wait_state if domain else None, nodes=views,
    )


def fence_status(*, runner: Any = None, override_path: str = DEFAULT_OVERRIDE_PATH,
                 timeout: float = 10.0) -> FenceStatus:
    """Ask cman (``cman_tool status``, ``cman_tool nodes``) and fenced (``fence_tool ls -n``).

    fenced not running is a state (``fenced_running=False``), not an error.
    """
    from zigha.status import cman_nodes, cman_status

    status = cman_status(runner=runner, timeout=timeout)
    nodes = cman_nodes(runner=runner, timeout=timeout)
    try:
        domain: FenceDomain | None = fence_tool_ls(runner=runner, timeout=timeout)
    except FencedNotRunningError:
        domain = None
    return combine(nodes, domain, local_node=status.node_name, quorate=status.quorate,
                   pending=override_pending(override_path))
