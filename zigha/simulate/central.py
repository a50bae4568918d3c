"""Central processing (``<rm central_processing="1">``): default_event_script.sl.

One master runs every node, service and user event through the default S-Lang script
(rgmanager-behaviour.md §0.3, §2.5, §5.4).  The script shuffles equally ranked
candidates; the simulator takes them in node-id order and says so.
"""

from __future__ import annotations

from typing import Any

from zigha.simulate.model import RUNNING_STATES
from zigha.simulate.placement import central_order


class CentralMode:
    """Mixed into :class:`zigha.simulate.engine.Engine` (``self`` is the engine: typed Any
    because mypy cannot type a mixin's self as its subclass)."""

    def central_allowed(self: Any, s: Any) -> list:
        r = self.recs[s.name]
        owner = r.owner if r.state in RUNNING_STATES and r.owner in self.rg else None
        dom = self.domain_of[s.name]
        nodes, shuffled = central_order(self.node_order, self.rg, dom, owner)
        if owner and dom is not None and owner not in dom.priority and nodes[:1] == [owner]:
            self.remember(f"{s.name} stays on {owner}, outside its domain {dom.name}: the "
                          "central script keeps the owner first (source-derived; the man page "
                          "says it moves into the domain)")
        if shuffled:
            self.note(f"{s.name}: the central script shuffles {nodes[0]} and {nodes[1]} (equal "
                      "rank); the simulator takes the lowest node id (random in practice)",
                      unverified=True, service=s.name)
        return nodes

    def central_exclusive(self: Any, s: Any, nodes: list) -> list:
        """exclusive_prioritize: empty nodes first, else pre-empt a lower-priority one."""
        ok = []
        for node in nodes:
            reason = self.exclusive_conflict(s, node)
            if reason:
                self.block(s.name, node, reason)
            else:
                ok.append(node)
        if ok or not s.exclusive:
            return ok
        for node in nodes:
            running = [x for x in self.services if self.recs[x.name].owner == node
                       and self.recs[x.name].state in ("started", "starting") and x is not s]
            if running and all(x.exclusive > s.exclusive for x in running):
                for victim in running:
                    self.stop(victim, message=f"pre-empted by {s.name} (exclusive priority "
                              f"{s.exclusive} < {victim.exclusive})")
                return [node]
        self.note(f"{s.name}: No empty / exclusive nodes available", service=s.name)
        return []

    def start_on_list(self: Any, s: Any, nodes: list) -> bool:
        """service_op_start: try the candidates front to back."""
        for node in nodes:
            outcome = self.remote_start(s, node)
            if outcome == "ok":
                return True
            if outcome == "abort":
                return False
        if self.recs[s.name].state != "stopped":
            self.set(s.name, "stopped", None, message="no candidate could start it")
        return False

    def central_place(self: Any, s: Any) -> None:
        """move_or_start for one service."""
        r = self.recs[s.name]
        if s.depend and r.state == "stopped":
            dep = self.recs.get(s.depend)
            if dep is None or dep.state not in ("started", "starting"):
                return
        nodes = self.central_allowed(s)
        if not nodes:
            if r.state in RUNNING_STATES:
                self.stop(s, message="not runnable - restricted domain offline")
            return
        nodes = self.central_exclusive(s, nodes)
        if not nodes:
            return
        if r.state == "started" and r.owner == nodes[0]:
            return
        if r.state == "started":
            self.note(f"{s.name} runs on {r.owner}, not on its first candidate {nodes[0]}: "
                      "stop and start", service=s.name)
            if not self.stop(s):
                return
        self.start_on_list(s, nodes)

    def central_node_event(self: Any, down: str | None = None) -> None:
        """default_node_event_handler: every service, by ``priority`` ascending."""
        for s in sorted(self.services, key=lambda x: x.priority):
            r = self.recs[s.name]
            if r.state in RUNNING_STATES and r.owner is not None and r.owner not in self.rg:
                if r.frozen:
                    self.note(f"{s.name} is frozen: it is not failed over", service=s.name)
                    continue
                self.set(s.name, "stopped", None, r.owner,
                         message=f"owner {r.owner} is down: marked stopped")
            if r.frozen or r.state not in ("started", "stopped"):
                continue
            self.central_place(s)

    def central_recover(self: Any, s: Any, origin: str) -> None:
        """default_service_event_handler on ``recovering``."""
        policy = s.recovery
        if policy == "disable":
            self.recs[s.name].history = []
            self.set(s.name, "disabled", None, None, message="recovery=disable")
            return
        exceeded = self.threshold_exceeded(s, origin)
        if policy == "restart-disable":
            self.note("restart-disable is not recognised by the central default script: it "
                      "relocates (source-derived)", unverified=True, service=s.name)
        allowed = self.central_allowed(s)
        if policy == "restart" and not exceeded:
            nodes = ([origin] if origin in self.rg else []) + [n for n in allowed if n != origin]
        else:
            nodes = [n for n in allowed if n != origin]
            if not nodes:
                self.set(s.name, "stopped", None, origin,
                         message="no other allowed member: stopped")
                return
            if origin in self.rg:
                nodes.append(origin)
        self.start_on_list(s, self.central_exclusive(s, nodes))

    def central_enable(self: Any, s: Any, target: str | None) -> None:
        nodes = self.central_allowed(s)
        if target is not None:
            if target in nodes:
                nodes.remove(target)
                nodes.insert(0, target)
            else:
                self.note(f"User specified node {target} is offline or not allowed: ignored",
                          service=s.name)
        nodes = self.central_exclusive(s, nodes)
        if not nodes:
            self.note("clusvcadm: Failure (no allowed member)", service=s.name)
            return
        self.start_on_list(s, nodes)

    def central_relocate(self: Any, s: Any, target: str | None) -> None:
        r = self.recs[s.name]
        origin = r.owner if r.state in RUNNING_STATES else None
        nodes = [n for n in self.central_allowed(s) if n != origin]
        if target is not None:
            if target in nodes:
                nodes.remove(target)
                nodes.insert(0, target)
            else:
                self.note(f"User specified node {target} is offline or not allowed: ignored "
                          "(source-derived)", unverified=True, service=s.name)
        if origin in self.rg:
            nodes.append(origin)
        if origin is not None and not self.stop(s):
            return
        self.start_on_list(s, self.central_exclusive(s, nodes))
