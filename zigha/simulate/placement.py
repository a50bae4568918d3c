"""Failover-domain scores and target choice, as rgmanager computes them.

* :func:`score` mirrors fo_domain.c ``node_should_start`` (rgmanager-behaviour.md §2.2).
* :func:`best_target_node` mirrors groups.c ``best_target_node`` (§2.3).
* :func:`central_order` mirrors default_event_script.sl ``allowed_nodes`` (§2.5), with
  the script's shuffle replaced by node-id order (the simulator says so when it matters).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Callable

ILLEGAL, GOOD, BETTER, BEST = 0, 1, 2, 3
SCORE_NAMES = {ILLEGAL: "ILLEGAL", GOOD: "GOOD", BETTER: "BETTER", BEST: "BEST"}


class Domain:
    """A resolved failover domain: members by cluster node name, priorities as FO reads them."""

    __slots__ = ("name", "ordered", "restricted", "nofailback", "priority", "members")

    def __init__(self, name: str, ordered: bool, restricted: bool, nofailback: bool,
                 priority: Mapping[str, int]) -> None:
        self.name = name
        self.ordered = ordered
        self.restricted = restricted
        self.nofailback = nofailback
        self.priority = dict(priority)
        self.members = tuple(self.priority)


def score(node: str, online: set[str] | frozenset[str], domain: Domain | None,
          state: str | None = None, owner: str | None = None) -> int:
    """fo_domain.c node_should_start: ILLEGAL/GOOD/BETTER/BEST for ``node``.

    ``online`` is the set rgmanager passes as membership; ``state``/``owner`` are the
    service's current record, read only by the nofailback exceptions.
    """
    if node not in online:
        return ILLEGAL
    if domain is None:
        return BEST
    prio = domain.priority
    online_members = [m for m in domain.members if m in online]
    if not online_members:
        return ILLEGAL if domain.restricted else BEST
    if node not in prio:
        return ILLEGAL if domain.restricted else GOOD
    pmin = min(prio[m] for m in online_members)
    owner_started = (domain.nofailback and state == "started" and owner is not None
                     and owner in online)
    if prio[node] <= pmin:
        if owner_started and owner != node:
            return BETTER
        return BEST
    if owner_started and owner == node:
        return BEST
    return BETTER


def best_target_node(
    node_order: Sequence[str],
    allowed: set[str] | frozenset[str],
    domain: Domain | None,
    *,
    exclusive: bool,
    load: Mapping[str, int],
    exclusive_load: Mapping[str, int],
    skip: str | None = None,
    state: str | None = None,
    owner: str | None = None,
    on_block: Callable[[str, str], None] | None = None,
) -> str | None:
    """groups.c best_target_node: the highest score wins, an equal score replaces the pick.

    So ties go to the later node in cman's member list, i.e. the highest node id.
    ``on_block(node, reason)`` is told about nodes an exclusive rule filtered out.
    """
    best, best_score = None, 0
    for node in node_order:
        if node not in allowed or node == skip:
            continue
        value = score(node, allowed, domain, state, owner)
        if value == ILLEGAL:
            continue
        if exclusive:
            if load.get(node, 0) > 0:
                if on_block:
                    on_block(node, "exclusive service needs a node running nothing")
                continue
            value += 2
        elif exclusive_load.get(node, 0) > 0:
            if on_block:
                on_block(node, "node runs an exclusive service")
            continue
        if value >= best_score:
            best, best_score = node, value
    return best


def central_order(node_order: Sequence[str], online: Iterable[str], domain: Domain | None,
                  owner: str | None) -> tuple[list[str], bool]:
    """default_event_script.sl allowed_nodes: the candidate list, and whether the real
    script's shuffle could have produced a different first candidate."""
    online_set = set(online)
    online_list = [n for n in node_order if n in online_set]
    rank: dict = {}
    if domain is None:
        ordered_members: list = []
        nodes = list(online_list)
    else:
        if domain.ordered:
            # node_domain_set: by priority, unprioritised (0) members last
            ordered_members = sorted(
                domain.members,
                key=lambda m: (domain.priority[m] == 0, domain.priority[m], node_order.index(m)
                               if m in node_order else 1 << 30))
            for m in ordered_members:
                rank[m] = (0, domain.priority[m] == 0, domain.priority[m])
        else:
            ordered_members = [n for n in node_order if n in domain.priority]
            for m in ordered_members:
                rank[m] = (0,)
        in_domain = [m for m in ordered_members if m in online_set]
        nodes = in_domain if domain.restricted else in_domain + [
            n for n in online_list if n not in domain.priority]
    if (domain is None or not domain.ordered or domain.nofailback) and owner in nodes:
        nodes.remove(owner)
        nodes.insert(0, owner)
        return nodes, False
    shuffled = len(nodes) > 1 and rank.get(nodes[0], (1,)) == rank.get(nodes[1], (1,))
    return nodes, shuffled
