"""The simulated cluster: membership, quorum, fencing gate, and the node events.

One :class:`Engine` holds mutable state while events are applied; callers only see the
frozen :class:`~zigha.simulate.result.Simulation` it produces.  The service operations
(starts, stops, recovery, relocation, clusvcadm) live in :mod:`zigha.simulate.operations`
and the central-processing engine in :mod:`zigha.simulate.central`.
"""

from __future__ import annotations

import copy
from typing import Any

from zigha.simulate import quorum as cman_quorum
from zigha.simulate.central import CentralMode
from zigha.simulate.events import Event
from zigha.simulate.model import RUNNING_STATES, SimCluster, SimStatus, SimulationError
from zigha.simulate.node_events import NodeEvents
from zigha.simulate.operations import Operations
from zigha.simulate.placement import Domain
from zigha.simulate.requests import Requests
from zigha.simulate.result import Block, MemberOutcome, ServiceOutcome, Simulation, Step

KEEP: Any = object()


class Record:
    """One mutable service record (rg_state_t): state, owner, last owner, flags, counters."""

    __slots__ = ("state", "owner", "last_owner", "frozen", "restarts", "history", "history_node")

    def __init__(self, state: str = "stopped", owner: str | None = None,
                 last_owner: str | None = None, frozen: bool = False) -> None:
        self.state = state
        self.owner = owner
        self.last_owner = last_owner
        self.frozen = frozen
        self.restarts = 0
        self.history: list = []
        self.history_node: str | None = None

    def copy(self) -> Record:
        twin = Record(self.state, self.owner, self.last_owner, self.frozen)
        twin.restarts = self.restarts
        twin.history = list(self.history)
        twin.history_node = self.history_node
        return twin


class Engine(NodeEvents, Operations, Requests, CentralMode):
    """Applies events to a cluster, rgmanager's way, and records the timeline."""

    def __init__(self, cluster: SimCluster) -> None:
        self.cluster = cluster
        nodes = sorted(cluster.nodes, key=lambda n: n.nodeid)
        self.node_order = [n.name for n in nodes]  # cman member-list order (node id)
        self.votes = {n.name: n.votes for n in nodes}
        self.node_info = {n.name: n for n in nodes}
        self._node_lookup = {n.name.lower(): n.name for n in nodes}
        for n in nodes:
            short = n.name.split(".", 1)[0].lower()
            self._node_lookup.setdefault(short, n.name)
        self.services = list(cluster.services)
        self.service = {s.name: s for s in self.services}
        self.central = cluster.central_processing
        self.notes: dict = {}
        self.domain_of = self._resolve_domains()
        self.dependants: dict = {}
        for s in self.services:
            if s.depend:
                self.dependants.setdefault(s.depend, []).append(s.name)
        self.expected, inferred = cman_quorum.expected_votes(
            cluster.expected_votes, self.votes.values(), cluster.qdisk_votes)
        if inferred:
            self.remember("expected_votes is not set: cman's own addition of the quorum disk's "
                          "votes is unverified; the simulator counts them")
        if self.central and any(s.priority for s in self.services):
            self.remember("central mode processes services by priority, unset (0) first "
                          "(source-derived; the documentation says 1 first)")
        self.member: set = set()
        self.rg: set = set()
        self.pending_fence: dict = {}  # node -> True if its fence device works
        self.deferred: list = []
        self.quorum = cman_quorum.calculate(self.expected, [], cluster.qdisk_votes,
                                            cluster.two_node)
        self.recs = {s.name: Record() for s in self.services}
        self.load = {n: 0 for n in self.node_order}
        self.xload = {n: 0 for n in self.node_order}
        self.start_fail: set = set()
        self.stop_fail: set = set()
        self.clock = 0.0
        self.timeline: list = []
        self.blocked: list = []
        self._block_seen: set = set()
        self.event_index = 0
        self.applied: list = []
        self.needs_reinit = False

    # -- names ------------------------------------------------------------------------

    def _resolve_domains(self) -> dict:
        by_name: dict = {}
        exact = {n.lower(): n for n in self.node_order}
        for dom in self.cluster.domains:
            key = dom.name.lower()
            if key in by_name:  # FO: parsing stops at a duplicate; the first one counts
                continue
            prio = {}
            for node, priority in dom.members:
                real = exact.get(node.lower())  # matched by name; unknown nodes never match
                if real and real not in prio:
                    prio[real] = priority
            by_name[key] = Domain(dom.name, dom.ordered, dom.restricted, dom.nofailback, prio)
            if dom.ordered and any(p == 0 for p in prio.values()):
                self.remember(f"failover domain {dom.name}: a member has no valid priority; "
                              "distributed mode prefers it to priority 1, central mode puts it last")
        result = {}
        for s in self.services:
            dom = by_name.get(s.domain.lower()) if s.domain else None
            if s.domain and dom is None:
                self.remember(f"{s.name}: domain {s.domain!r} does not exist (#66): any node")
            result[s.name] = dom
        return result

    def node(self, name: str | None) -> str | None:
        if name is None:
            return None
        real = self._node_lookup.get(name.lower())
        if real is None:
            raise SimulationError(f"unknown node {name!r}; nodes: {', '.join(self.node_order)}")
        return real

    def service_name(self, name: str) -> str:
        if name in self.service:
            return name
        for key in (f"service:{name}", f"vm:{name}"):
            if key in self.service:
                return key
        raise SimulationError(
            f"unknown service {name!r}; services: {', '.join(self.service) or 'none'}")

    # -- recording --------------------------------------------------------------------

    def remember(self, text: str) -> None:
        self.notes.setdefault(text, None)

    def note(self, message: str, unverified: bool = False, service: str | None = None) -> None:
        step = Step(self.event_index, "note", message, service=service, unverified=unverified)
        if step in self.timeline[-len(self.services) - 1:]:
            return  # one event can reach the same conclusion once per member it touches
        self.timeline.append(step)
        if unverified:
            self.remember(message)

    def block(self, service: str, node: str | None, reason: str) -> None:
        key = (self.event_index, service, node, reason)
        if key not in self._block_seen:
            self._block_seen.add(key)
            self.blocked.append(Block(self.event_index, service, node, reason))

    def set(self, name: str, state: str, owner: Any = KEEP, last_owner: Any = KEEP,
            message: str = "", unverified: bool = False, triggers: bool = True) -> None:
        """Change one record, keep the per-node counts, log it, run dependency reactions."""
        r = self.recs[name]
        if r.state in ("started", "starting") and r.owner in self.load:
            self.load[r.owner] -= 1
            if self.service[name].exclusive:
                self.xload[r.owner] -= 1
        r.state = state
        if owner is not KEEP:
            r.owner = owner
        if last_owner is not KEEP:
            r.last_owner = last_owner
        if state in ("started", "starting") and r.owner in self.load:
            self.load[r.owner] += 1
            if self.service[name].exclusive:
                self.xload[r.owner] += 1
        self.timeline.append(Step(self.event_index, "service", message, name, state, r.owner,
                                  r.last_owner, r.frozen, unverified))
        if unverified and message:
            self.remember(message)
        if triggers:
            if state in ("recovering", "stopped", "disabled", "failed"):
                self.stop_dependants(name, state)
            elif state == "started":
                self.start_dependants(name)

    def member_step(self, message: str, unverified: bool = False) -> None:
        self.timeline.append(Step(self.event_index, "member", message, unverified=unverified))
        if unverified:
            self.remember(message)

    # -- starting state ---------------------------------------------------------------

    def start_all_up(self) -> None:
        """All members up, quorum forms, every rgmanager evaluates autostart (T1)."""
        self.timeline.append(Step(0, "event", "all members up; quorum forms; rgmanager starts"))
        for n in self.node_order:
            self.member.add(n)
            self.rg.add(n)
        self.recompute_quorum()
        if self.quorum.quorate:
            self.autostart()
        else:
            self.note("inquorate from the start: nothing starts until quorum forms")
            self.needs_reinit = True

    def start_from(self, status: SimStatus) -> None:
        self.timeline.append(Step(0, "event", "starting from the given status"))
        for m in status.members:
            name = self._node_lookup.get(m.name.lower())
            if name is None:
                self.remember(f"member {m.name} of the status is not in cluster.conf: ignored")
                continue
            if m.online:
                self.member.add(name)
                if m.rgmanager:
                    self.rg.add(name)
        self.recompute_quorum(log=True)
        listed = set()
        for rec in status.services:
            try:
                name = self.service_name(rec.name)
            except SimulationError:
                self.remember(f"{rec.name} of the status is not in cluster.conf: ignored")
                continue
            listed.add(name)
            r = self.recs[name]
            r.frozen = rec.frozen
            owner = self._node_lookup.get(rec.owner.lower()) if rec.owner else None
            state = "started" if rec.state == "checking" else rec.state
            self.set(name, state, owner if state in RUNNING_STATES else None,
                     self._node_lookup.get(rec.last_owner.lower()) if rec.last_owner else None,
                     triggers=False)
        for s in self.services:
            if s.name not in listed:
                self.note(f"{s.name} is not in the status: taken as stopped")
        if not self.quorum.quorate:
            self.needs_reinit = True  # autostart is evaluated when quorum forms
        if status.quorate is False and self.quorum.quorate:
            self.note("the status says inquorate; the simulator recomputed quorum from votes "
                      "and finds the cluster quorate")

    def autostart(self) -> None:
        for s in self.services:
            r = self.recs[s.name]
            if r.state == "stopped" and not s.autostart:
                self.set(s.name, "disabled", None, message="autostart=0: never started, "
                         "switched to disabled", triggers=False)
        if self.central:
            self.central_node_event()
        else:
            self.eval_node_event(None)

    # -- quorum and fencing -----------------------------------------------------------

    def recompute_quorum(self, log: bool = True) -> None:
        before = self.quorum
        self.quorum = cman_quorum.calculate(
            self.expected, [self.votes[n] for n in self.member], self.cluster.qdisk_votes,
            self.cluster.two_node, before.quorum)
        q = self.quorum
        if log and (q.total_votes, q.quorum, q.quorate) != (before.total_votes, before.quorum,
                                                          before.quorate):
            self.timeline.append(Step(self.event_index, "quorum",
                                      f"votes {q.total_votes}/{q.expected_votes}, quorum "
                                      f"{q.quorum}: {'quorate' if q.quorate else 'inquorate'}"))
        if before.quorate and not q.quorate:
            self.quorum_dissolved()

    def quorum_dissolved(self) -> None:
        """main.c membership_update: every node emergency-stops its services (§4.2)."""
        self.note("#1: Quorum Dissolved: every member stops its services locally; clustat "
                  "shows no service states while inquorate")
        for s in self.services:
            r = self.recs[s.name]
            if r.state in RUNNING_STATES or r.state == "recovering":
                self.set(s.name, "stopped", None, r.owner or r.last_owner,
                         message="emergency stop (no record update, cached state dropped)",
                         triggers=False)
        if self.deferred:
            self.note(f"{len(self.deferred)} pending request(s) are dropped with the cached state")
            self.deferred = []
        self.needs_reinit = True

    @property
    def lock_blocked(self) -> bool:
        return bool(self.pending_fence)

    def run_fencing(self) -> None:
        """Fence every failed member whose fence device works (only while quorate)."""
        if not self.quorum.quorate:
            return
        for node, works in list(self.pending_fence.items()):
            if works:
                del self.pending_fence[node]
                self.member_step(f"{node} fenced")
        waiting = [n for n in self.pending_fence]
        if waiting:
            self.note(f"fencing of {', '.join(waiting)} does not complete: the DLM lockspace "
                      "stays blocked, no service is placed until fence_ack_manual")
            return
        self.release()

    def when_unblocked(self, method: str, *args: Any) -> None:
        """Run ``self.method(*args)`` now, or once no fence is pending (DLM lockspace)."""
        self.deferred.append((method, args))
        self.release()

    def release(self) -> None:
        while self.deferred and not self.lock_blocked and self.quorum.quorate:
            method, args = self.deferred.pop(0)
            getattr(self, method)(*args)

    def reinit_if_needed(self) -> bool:
        if not self.needs_reinit or not self.quorum.quorate:
            return False
        self.needs_reinit = False
        self.when_unblocked("reinit")
        return True

    def reinit(self) -> None:
        self.note("Quorum Regained: records are re-created and autostart is evaluated "
                  "again (state re-creation after a full quorum loss is unverified)",
                  unverified=True)
        for s in self.services:
            r = self.recs[s.name]
            r.frozen = False
            r.history = []
            r.restarts = 0
            if r.state != "stopped" or r.owner is not None:
                self.set(s.name, "stopped", None, triggers=False)
        self.autostart()

    # -- result -----------------------------------------------------------------------

    def clone(self, keep_timeline: bool = True) -> Engine:
        """An independent copy, to run other events from the same state."""
        twin = copy.copy(self)
        twin.recs = {k: v.copy() for k, v in self.recs.items()}
        for attr in ("member", "rg", "start_fail", "stop_fail", "_block_seen"):
            setattr(twin, attr, set(getattr(self, attr)))
        twin.pending_fence = dict(self.pending_fence)
        twin.load = dict(self.load)
        twin.xload = dict(self.xload)
        twin.deferred = list(self.deferred)
        twin.applied = list(self.applied) if keep_timeline else []
        twin.timeline = list(self.timeline) if keep_timeline else []
        twin.blocked = list(self.blocked) if keep_timeline else []
        if not keep_timeline:
            twin._block_seen = set()
        twin.notes = dict(self.notes)
        return twin

    def result(self) -> Simulation:
        final = {s.name: ServiceOutcome(r.state, r.owner, r.last_owner, r.frozen)
                 for s in self.services for r in (self.recs[s.name],)}
        members = {n: MemberOutcome(n in self.member, n in self.rg, n in self.pending_fence)
                   for n in self.node_order}
        return Simulation(
            mode="central" if self.central else "distributed",
            events=tuple(self.applied),
            timeline=tuple(self.timeline),
            final=final,
            members=members,
            quorum=self.quorum,
            blocked=tuple(self.blocked),
            notes=tuple(self.notes),
        )

    def apply(self, event: Event) -> Event:
        """Apply one event; returns it with full node and service names."""
        from zigha.simulate.apply import apply_event

        return apply_event(self, event)
