"""Node events in distributed mode: take-over after a failure, failback after a join.

groups.c eval_groups / consider_start / consider_relocate (rgmanager-behaviour.md §2.4).
"""

from __future__ import annotations

from typing import Any

from zigha.simulate.model import RUNNING_STATES
from zigha.simulate.placement import BEST, score


class NodeEvents:
    """Mixed into :class:`zigha.simulate.engine.Engine` (``self`` is the engine: typed Any
    because mypy cannot type a mixin's self as its subclass)."""

    def member_down(self: Any, node: str) -> None:
        if self.central:
            self.central_node_event(down=node)
        else:
            self.eval_node_event(node)

    def eval_node_event(self: Any, down: str | None) -> None:
        """groups.c eval_groups after a member left (or at start-up): take over and start."""
        for s in self.services:
            r = self.recs[s.name]
            if r.state in RUNNING_STATES and r.owner is not None and r.owner not in self.rg:
                if r.frozen:
                    if r.owner == down:
                        self.note(f"{s.name} is frozen: it is not failed over", service=s.name)
                    continue
                self.consider_start(s, takeover=True)
            elif r.state == "stopped" and not r.frozen:
                self.consider_start(s)

    def eval_join(self: Any, joiner: str) -> None:
        """groups.c eval_groups after a member joined: failback by the owner, then starts."""
        if self.central:
            self.central_node_event()
            return
        for s in self.services:
            r = self.recs[s.name]
            if r.frozen:
                continue
            if r.state == "started" and r.owner in self.rg and r.owner != joiner:
                self.consider_relocate(s, joiner)
            elif r.state == "stopped" or (r.state in RUNNING_STATES and r.owner not in self.rg):
                self.consider_start(s, takeover=r.state != "stopped")

    def consider_start(self: Any, s: Any, takeover: bool = False) -> None:
        """groups.c consider_start: only a node that scores BEST for itself starts it."""
        r = self.recs[s.name]
        online = self.rg
        if not self.quorum.quorate:
            return
        if not online:
            if takeover:
                self.note(f"{s.name} is not taken over: no member runs rgmanager; its record "
                          f"stays '{r.state}' on {r.owner}, which is offline (unverified display)",
                          unverified=True, service=s.name)
            return
        dom = self.domain_of[s.name]
        best = [n for n in self.node_order
                if n in online and score(n, online, dom, r.state, r.owner) == BEST]
        if not best:
            if dom is not None and dom.restricted and r.state != "stopped":
                self.set(s.name, "stopped", None, r.owner,
                         message=f"Restricted domain unavailable: no member of {dom.name} is "
                         "online (check_rdomain_crash)")
            return
        if s.depend and not self.dependency_started(s):
            if takeover:
                self.note(f"{s.name} is not taken over: dependency {s.depend} is not started",
                          service=s.name)
            return
        ok = []
        for n in best:
            reason = self.exclusive_conflict(s, n)
            if reason:
                self.block(s.name, n, reason)
            else:
                ok.append(n)
        if not ok:
            if takeover:
                self.note(f"{s.name} is not placed ({self.blocked[-1].reason}); its record stays "
                          f"'{r.state}' on {r.owner}, which is offline (unverified display)",
                          unverified=True, service=s.name)
            return
        if len(ok) > 1:
            self.note(f"{s.name}: {', '.join(ok)} all score BEST: a race; the simulator "
                      f"picks {ok[0]} (lowest node id); which node wins is unverified",
                      unverified=True, service=s.name)
        self.start_here(s, ok[0], takeover=takeover)

    def consider_relocate(self: Any, s: Any, joiner: str) -> None:
        """groups.c consider_relocate: the owner compares the joiner's score with its own."""
        r = self.recs[s.name]
        dom = self.domain_of[s.name]
        online = self.rg
        a = score(joiner, online, dom, r.state, r.owner)
        b = score(r.owner, online, dom, r.state, r.owner)
        if a <= b:
            return
        if s.migratory:
            self.migrate(s, joiner)
        else:
            self.note(f"{s.name}: {joiner} scores higher than {r.owner}: failback",
                      service=s.name)
            self.relocate_req(s, target=joiner, user=False)
