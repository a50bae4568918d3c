"""Service operations in distributed mode (rg_state.c, groups.c, restart_counter.c).

Section numbers refer to ../shared/reference/rgmanager-behaviour.md.
"""

from __future__ import annotations

from typing import Any

from zigha.simulate.model import RUNNING_STATES
from zigha.simulate.placement import ILLEGAL, best_target_node, score


class Operations:
    """Mixed into :class:`zigha.simulate.engine.Engine` (``self`` is the engine: typed Any
    because mypy cannot type a mixin's self as its subclass)."""

    # -- checks -----------------------------------------------------------------------

    def exclusive_conflict(self: Any, s: Any, node: str) -> str | None:
        """§5.1: exclusive needs an empty node; nothing joins a node running an exclusive one."""
        own = 1 if self.recs[s.name].owner == node and self.recs[s.name].state in (
            "started", "starting") else 0
        if s.exclusive and self.load[node] - own > 0:
            return f"{s.name} is exclusive and {node} runs {self.load[node] - own} service(s)"
        if not s.exclusive and self.xload[node] > 0:
            return f"{node} runs an exclusive service"
        return None

    def dependency_started(self: Any, s: Any) -> bool:
        dep = self.recs.get(s.depend)
        return dep is not None and dep.state == "started"

    def threshold_exceeded(self: Any, s: Any, node: str) -> bool:
        """restart_counter.c: purge expired entries; exceeded if count >= max_restarts."""
        if s.max_restarts <= 0:
            return False
        r = self.recs[s.name]
        if not self.central and r.history_node != node:
            r.history, r.history_node = [], node  # the counter lives on the owner (§3.2)
        expire = s.restart_expire_time
        if expire > 0:
            r.history = [t for t in r.history if self.clock - t < expire]
        if len(r.history) >= s.max_restarts:
            r.history = []
            return True
        r.history.append(self.clock)
        return False

    # -- starting and stopping ----------------------------------------------------------

    def try_start(self: Any, s: Any, node: str, recovery: bool = False, message: str = "") -> bool:
        """svc_start: ``starting`` then ``started``; False if the start fails."""
        r = self.recs[s.name]
        self.set(s.name, "starting", node, message=message)
        if (s.name, node) in self.start_fail:
            self.note(f"start of {s.name} on {node} fails (svc_start has already written "
                      "'started'; the failure is handled next)", service=s.name)
            return False
        r.restarts = r.restarts + 1 if recovery else 0
        self.set(s.name, "started", node)
        return True

    def recovery_stop(self: Any, s: Any, message: str = "") -> bool:
        """_svc_stop for recovery: ``recoverable`` (owner kept), then ``recovering``."""
        owner = self.recs[s.name].owner
        self.set(s.name, "recoverable", owner, message=message, triggers=False)
        if (s.name, owner) in self.stop_fail:
            self.set(s.name, "failed", None, owner,
                     message="#12: failed to stop; intervention required")
            return False
        self.set(s.name, "recovering", None, owner)
        return True

    def stop(self: Any, s: Any, final: str = "stopped", message: str = "") -> bool:
        """_svc_stop: ``stopping`` then ``stopped``/``disabled`` (last owner = owner)."""
        r = self.recs[s.name]
        owner = r.owner
        if r.state not in RUNNING_STATES or owner is None:
            if final != r.state:
                self.set(s.name, final, None, message=message)
            return True
        self.set(s.name, "stopping", owner, triggers=False)
        if (s.name, owner) in self.stop_fail:
            self.set(s.name, "failed", None, owner,
                     message="#12: failed to stop; intervention required")
            return False
        self.set(s.name, final, None, owner, message=message)
        return True

    def start_here(self: Any, s: Any, node: str, takeover: bool = False,
                   recovery: bool = False) -> bool:
        """handle_start_req: start locally; a failed start stops and relocates (§2.4)."""
        msg = f"taking over from down member {self.recs[s.name].owner}" if takeover and \
            self.recs[s.name].owner not in (None, node) else ""
        if self.try_start(s, node, recovery=recovery, message=msg):
            return True
        if not self.recovery_stop(s):
            return False
        self.relocate_req(s, origin=node, user=False, recovery=True)
        return self.recs[s.name].state == "started"

    def remote_start(self: Any, s: Any, node: str, alone_with: str | None = None) -> str:
        """handle_start_remote_req on ``node``: 'ok', 'refused', 'fail' or 'abort'."""
        online = {node} if alone_with is None else {node, alone_with}
        if score(node, online, self.domain_of[s.name]) == ILLEGAL:
            self.note(f"{node} refuses {s.name}: not allowed by its failover domain",
                      service=s.name)
            return "refused"
        reason = self.exclusive_conflict(s, node)
        if reason:
            self.block(s.name, node, reason)
            self.note(f"{node} refuses {s.name}: {reason}", service=s.name)
            return "refused"
        if self.try_start(s, node, recovery=True):
            return "ok"
        return "fail" if self.recovery_stop(s) else "abort"

    # -- relocation (§6.2, handle_relocate_req) ---------------------------------------------

    def relocate_req(self: Any, s: Any, target: str | None = None, user: bool = True,
                     recovery: bool = False, origin: str | None = None) -> str:
        r = self.recs[s.name]
        online = self.rg
        if origin is None:
            origin = r.owner if r.state in RUNNING_STATES else None
        if target is not None and target not in online:
            self.note(f"{target} is not online: relocating without a preferred target",
                      service=s.name)
            target = None
        if target is not None and not recovery and target != origin:
            reason = self.exclusive_conflict(s, target)
            if reason:
                self.block(s.name, target, reason)
                self.note(f"Operation violates dependency rule ({reason}): {s.name} stays",
                          service=s.name)
                return "refused"
        if not recovery and r.state in RUNNING_STATES:
            if not self.stop(s):
                return "failed"
        tried = {origin} if origin else set()
        if target is not None and target != origin:
            pair = {target, origin} & online
            if score(target, pair, self.domain_of[s.name]) == ILLEGAL:
                self.note(f"{target} is not a legal target for {s.name}: restarting on the "
                          "original owner without trying other members (source-derived)",
                          unverified=True, service=s.name)
                return self.restart_on_origin(s, origin)
            outcome = self.remote_start(s, target, alone_with=origin)
            if outcome == "ok":
                return "ok"
            if outcome == "abort":
                return "failed"
            tried.add(target)
        candidates = set(online) - tried
        while candidates:
            node = best_target_node(
                self.node_order, candidates, self.domain_of[s.name],
                exclusive=bool(s.exclusive), load=self.load, exclusive_load=self.xload,
                skip=origin, on_block=lambda n, why: self.block(s.name, n, why))
            if node is None:
                return self.restart_on_origin(s, origin)
            outcome = self.remote_start(s, node)
            if outcome == "ok":
                return "ok"
            if outcome == "abort":
                return "failed"
            candidates.discard(node)
        if recovery or origin is None:
            if self.recs[s.name].state != "stopped":
                self.set(s.name, "stopped", None, origin or self.recs[s.name].last_owner,
                         message="no other member could start it")
            return "stopped"
        return self.restart_on_origin(s, origin)

    def restart_on_origin(self: Any, s: Any, origin: str | None) -> str:
        """Step 6: 'Failed to relocate; restarting locally'."""
        if origin is None or origin not in self.rg:
            self.set(s.name, "stopped", None, message="no member can run it")
            return "stopped"
        self.note(f"Failed to relocate {s.name}; restarting locally on {origin}",
                  service=s.name)
        if self.try_start(s, origin, recovery=True):
            self.note("clusvcadm: Failed; service running on original owner", service=s.name)
            return "original"
        r = self.recs[s.name]
        if (s.name, origin) in self.stop_fail:
            self.set(s.name, "failed", None, origin,
                     message="#12: failed to stop; intervention required")
            return "failed"
        self.set(s.name, "stopped", None, origin if r.owner else r.last_owner)
        return "stopped"

    def migrate(self: Any, s: Any, target: str) -> None:
        """Failback of a migratory VM: live migration, state stays ``started`` (§5.5)."""
        r = self.recs[s.name]
        source = r.owner
        reason = self.exclusive_conflict(s, target)
        if reason:
            self.block(s.name, target, reason)
            self.note(f"Operation violates dependency rule ({reason}): {s.name} stays",
                      service=s.name)
            return
        if (s.name, target) in self.start_fail:
            self.note(f"migration of {s.name} to {target} fails; it keeps running on "
                      f"{source} (running on original owner)", service=s.name)
            return
        self.set(s.name, "started", target, source,
                 message=f"live migration {source} -> {target}")

    # -- dependencies (§5.2) ------------------------------------------------------------

    def stop_dependants(self: Any, name: str, state: str) -> None:
        for dep_name in self.dependants.get(name, ()):
            d = self.service[dep_name]
            rd = self.recs[dep_name]
            if rd.frozen or rd.state not in ("started", "starting"):
                continue
            if self.central:
                if state == "recovering":
                    continue  # the script returns early on recovering
                if d.depend_mode == "soft":
                    self.note(f"{dep_name} keeps running: soft dependency on {name}",
                              service=dep_name)
                    continue
            elif d.depend_mode == "soft":
                self.remember("depend_mode=soft is ignored in distributed mode")
            self.stop(d, message=f"Dependency missing ({name} is {state})")

    def start_dependants(self: Any, name: str) -> None:
        if not self.quorum.quorate or self.lock_blocked:
            return
        for dep_name in self.dependants.get(name, ()):
            rd = self.recs[dep_name]
            if rd.frozen or rd.state != "stopped":
                continue
            if self.central:
                self.central_place(self.service[dep_name])
            else:
                self.consider_start(self.service[dep_name])
