"""Status failures and clusvcadm requests in distributed mode (rg_state.c handle_*_req).

Section numbers refer to ../shared/reference/rgmanager-behaviour.md.
"""

from __future__ import annotations

from typing import Any

from zigha.simulate.model import RUNNING_STATES
from zigha.simulate.placement import GOOD, best_target_node, score


class Requests:
    """Mixed into :class:`zigha.simulate.engine.Engine` (``self`` is the engine: typed Any
    because mypy cannot type a mixin's self as its subclass)."""

    def service_op(self: Any, event: Any, name: str) -> None:
        s = self.service[name]
        r = self.recs[name]
        kind = event.kind
        if kind == "freeze" or kind == "unfreeze":
            r.frozen = kind == "freeze"
            self.set(name, r.state, triggers=False,
                     message="frozen: no status checks, never started, stopped or failed over"
                     if r.frozen else "unfrozen")
            return
        if kind == "status-fail":
            for _ in range(event.times):
                self.status_failure(s)
            return
        if r.frozen:
            self.note("clusvcadm: Failure: Service is frozen", service=name)
            return
        if kind == "disable":
            if r.state == "disabled":
                self.note(f"{name} is already disabled", service=name)
            else:
                self.stop(s, final="disabled")
        elif kind == "relocate":
            self.user_relocate(s, self.node(event.target))
        elif kind == "enable":
            self.user_enable(s, self.node(event.node), self.node(event.target), event.fd)

    def status_failure(self: Any, s: Any) -> None:
        """RG_STATUS failed on the owner: recovery stop, then the policy (§3.3)."""
        r = self.recs[s.name]
        if r.frozen:
            self.note(f"{s.name} is frozen: no status check", service=s.name)
            return
        if r.state != "started" or r.owner not in self.rg:
            self.note(f"{s.name} is not running: no status check", service=s.name)
            return
        origin = r.owner
        if not self.recovery_stop(s, message=f"status check failed on {origin}"):
            return
        if self.central:
            self.central_recover(s, origin)
            return
        policy = s.recovery
        if policy not in ("restart", "relocate", "disable", "restart-disable"):
            self.remember(f"{s.name}: recovery={policy!r} is not a known policy: it behaves as "
                          "restart")
            policy = "restart"
        if policy == "disable":
            r.history = []
            self.set(s.name, "disabled", None, None,
                     message="recovery=disable (last owner shows as none: source-derived, "
                     "unverified)", unverified=True)
            return
        if policy == "relocate":
            r.history = []
            self.relocate_req(s, origin=origin, user=False, recovery=True)
            return
        if not self.threshold_exceeded(s, origin):
            self.start_here(s, origin, recovery=True)
            return
        if policy == "restart-disable":
            self.set(s.name, "disabled", None, None,
                     message=f"max_restarts={s.max_restarts} exceeded: restart-disable "
                     "disables (rgmanager after Sept 2010; the 3.0.12 tarball relocates "
                     "instead; CentOS 6.0's package is unverified)", unverified=True)
            return
        self.note(f"{s.name}: max_restarts={s.max_restarts} exceeded within "
                  f"{s.restart_expire_time:g}s: relocating", service=s.name)
        self.relocate_req(s, origin=origin, user=False, recovery=True)

    def user_relocate(self: Any, s: Any, target: str | None) -> None:
        r = self.recs[s.name]
        if r.state == "disabled":
            self.note("clusvcadm: Invalid operation (the service is disabled)", service=s.name)
            return
        if r.state == "failed":
            self.note("clusvcadm: Failure (the service is failed: disable it first)",
                      service=s.name)
            return
        if self.central:
            self.central_relocate(s, target)
            return
        outcome = self.relocate_req(s, target=target, user=True)
        if outcome == "ok" and target and self.recs[s.name].owner != target:
            self.note(f"clusvcadm: Warning: {s.name} is now running on "
                      f"{self.recs[s.name].owner}", service=s.name)

    def user_enable(self: Any, s: Any, on: str | None, target: str | None, fd: bool) -> None:
        r = self.recs[s.name]
        if r.state in ("started", "starting"):
            self.note(f"clusvcadm: Service is already running ({s.name})", service=s.name)
            return
        if r.state == "failed":
            self.note("clusvcadm: Failure (a failed service must be disabled first)",
                      service=s.name)
            return
        if self.central:
            if fd:
                self.note("-F is ignored by the central default script", service=s.name)
            self.central_enable(s, target)
            return
        if fd:
            self.enable_fd(s)
            return
        node = target or on
        if node is None:
            node = next((n for n in self.node_order if n in self.rg), None)
            self.note(f"clusvcadm -e without -m starts on the node it runs on; assuming {node}",
                      service=s.name)
        if node is None or node not in self.rg:
            self.note(f"clusvcadm: Failure ({node} is not running rgmanager)", service=s.name)
            return
        if score(node, self.rg, self.domain_of[s.name], r.state, r.owner) < GOOD:
            self.note(f"clusvcadm: Failure ({node} is not allowed by "
                      f"{self.domain_of[s.name].name})", service=s.name)
            return
        reason = self.exclusive_conflict(s, node)
        if reason and s.exclusive:
            self.block(s.name, node, reason)
            if r.state == "disabled":
                self.note(f"clusvcadm: Invalid operation ({reason}; source-derived)",
                          unverified=True, service=s.name)
                return
            empty = best_target_node(self.node_order, self.rg, self.domain_of[s.name],
                                     exclusive=True, load=self.load, exclusive_load=self.xload)
            if empty:
                self.note(f"{reason}: offered to an empty member first (source-derived)",
                          unverified=True, service=s.name)
                node = empty
            else:
                self.note(f"{reason}: no empty member, started here anyway (source-derived)",
                          unverified=True, service=s.name)
        elif reason:
            self.block(s.name, node, reason)
            self.note(f"{reason}: the start is relocated", service=s.name)
            self.set(s.name, "recovering", None, triggers=False)
            self.relocate_req(s, origin=node, user=False, recovery=True)
            return
        self.start_here(s, node)
        now = self.recs[s.name]
        if target and now.state == "started" and now.owner != target:
            self.note(f"clusvcadm: Warning: {s.name} is now running on {now.owner}",
                      service=s.name)

    def enable_fd(self: Any, s: Any) -> None:
        """handle_fd_start_req: best_target_node over all members, each checks as if alone."""
        candidates = set(self.rg)
        while candidates:
            node = best_target_node(
                self.node_order, candidates, self.domain_of[s.name],
                exclusive=bool(s.exclusive), load=self.load, exclusive_load=self.xload,
                on_block=lambda n, why: self.block(s.name, n, why))
            if node is None:
                break
            outcome = self.remote_start(s, node)
            if outcome == "ok":
                return
            if outcome == "abort":
                return
            candidates.discard(node)
        self.note("clusvcadm: Failure (no member could start it)", service=s.name)
        if self.recs[s.name].state == "recovering":
            self.note(f"{s.name} is left 'recovering' and is not picked up again "
                      "automatically (source-derived)", unverified=True, service=s.name)

    def rgmanager_stop(self: Any, node: str) -> None:
        """shutdown_thread: the leaving node stops its services, the others take them (§4.3)."""
        for s in self.services:
            r = self.recs[s.name]
            if r.owner == node and r.state in RUNNING_STATES:
                if r.frozen:
                    self.note(f"{s.name} is frozen: not stopped, not failed over",
                              service=s.name)
                    continue
                self.stop(s, message=f"rgmanager stops on {node}")
        self.rg.discard(node)
        self.member_step(f"{node}: rgmanager stopped (cman stays up, no fencing)")
        self.note("the exact timing of the take-over is unverified", unverified=True)
        if self.central:
            self.central_node_event()
        else:
            self.eval_node_event(None)
