"""Frozen results of a simulation: the timeline, the final records, what blocked."""

from __future__ import annotations

import attrs

from zigha.simulate.quorum import Quorum

#: states whose clustat owner column shows the last owner in parentheses (clustat.c)
LAST_OWNER_SHOWN = frozenset({"stopped", "disabled", "recoverable", "failed"})


def owner_column(state: str | None, owner: str | None, last_owner: str | None) -> str:
    """What clustat prints in the Owner column for this record (rgmanager-behaviour.md §1.2)."""
    if state in LAST_OWNER_SHOWN:
        return f"({last_owner or 'none'})"
    return owner or "none"


@attrs.frozen
class Step:
    """One line of the timeline.

    ``kind`` is ``event`` (what was applied), ``member`` (membership/fencing),
    ``quorum``, ``service`` (a record changed: ``state``, ``owner``, ``last_owner``),
    or ``note`` (a decision, a refusal, a tie).  ``unverified`` marks what the reference
    flags as not confirmed on a real cluster.
    """

    event: int
    kind: str
    message: str = ""
    service: str | None = None
    state: str | None = None
    owner: str | None = None
    last_owner: str | None = None
    frozen: bool = False
    unverified: bool = False

    @property
    def display(self) -> str:
        """``service:http  h2 started`` / ``service:http  (h1) stopped``, as clustat shows it."""
        if self.kind != "service":
            return self.message
        flag = " [Z]" if self.frozen else ""
        return f"{self.service}  {owner_column(self.state, self.owner, self.last_owner)} {self.state}{flag}"

    def to_dict(self) -> dict:
        data = {"event": self.event, "kind": self.kind}
        if self.kind == "service":
            data.update(service=self.service, state=self.state, owner=self.owner,
                        last_owner=self.last_owner, display=self.display)
            if self.frozen:
                data["frozen"] = True
        if self.message:
            data["message"] = self.message
        if self.unverified:
            data["unverified"] = True
        return data


@attrs.frozen
class ServiceOutcome:
    """A service record at the end: clustat's state word, owner, last owner."""

    state: str
    owner: str | None = None
    last_owner: str | None = None
    frozen: bool = False

    @property
    def running(self) -> bool:
        return self.state in ("started", "starting")

    def to_dict(self) -> dict:
        return {"state": self.state, "owner": self.owner}


@attrs.frozen
class MemberOutcome:
    online: bool
    rgmanager: bool
    fence_pending: bool = False

    def to_dict(self) -> dict:
        return attrs.asdict(self)


@attrs.frozen
class Block:
    """A start that a rule prevented: ``service`` could not go to ``node`` because ``reason``."""

    event: int
    service: str
    node: str | None
    reason: str

    def to_dict(self) -> dict:
        return attrs.asdict(self)


@attrs.frozen
class Simulation:
    """The outcome of :func:`zigha.simulate.simulate`.

    ``final`` maps ``service:NAME`` to a :class:`ServiceOutcome`; ``timeline`` lists every
    :class:`Step`; ``notes`` repeats, once each, the unverified points the run relied on.
    """

    mode: str
    events: tuple
    timeline: tuple
    final: dict
    members: dict
    quorum: Quorum
    blocked: tuple = ()
    notes: tuple = ()

    @property
    def quorate(self) -> bool:
        return self.quorum.quorate

    def owner(self, service: str) -> str | None:
        return self.final[service].owner

    def state(self, service: str) -> str:
        return self.final[service].state

    def service_steps(self, service: str) -> list:
        """The clustat lines of one service, in order: ``['h1 starting', 'h1 started', ...]``."""
        return [f"{owner_column(s.state, s.owner, s.last_owner)} {s.state}"
                for s in self.timeline if s.kind == "service" and s.service == service]

    def load(self) -> dict:
        """Running services per online member."""
        counts = {name: 0 for name, m in self.members.items() if m.online and m.rgmanager}
        for outcome in self.final.values():
            if outcome.running and outcome.owner in counts:
                counts[outcome.owner] += 1
        return counts

    def __repr__(self) -> str:
        where = ", ".join(f"{name}: {o.state}" + (f" on {o.owner}" if o.owner else "")
                          for name, o in self.final.items())
        return (f"<Simulation {self.mode}, {len(self.events)} event(s), "
                f"{'quorate' if self.quorate else 'inquorate'}; {where}>")

    def to_dict(self) -> dict:
        return {
            "mode": self.mode,
            "final": {name: o.to_dict() for name, o in self.final.items()},
            "timeline": [s.to_dict() for s in self.timeline],
            "events": [e.to_dict() for e in self.events],
            "members": {name: m.to_dict() for name, m in self.members.items()},
            "quorum": self.quorum.to_dict(),
            "blocked": [b.to_dict() for b in self.blocked],
            "notes": list(self.notes),
        }
