"""Every single-member failure, every pair: where services go, what stops, what is overloaded.

A surviving member is *overloaded* when it ends up running more services than any member
ran before the failure (with one service per member before, "two services on one node").
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

import attrs

from zigha.simulate.events import fail, fail_unfenced
from zigha.simulate.result import ServiceOutcome


@attrs.frozen
class Move:
    """A service that runs somewhere else after the failure."""

    service: str
    before: str | None
    after: str | None

    def to_dict(self) -> dict:
        return attrs.asdict(self)


@attrs.frozen
class FailureCase:
    """The outcome of one failure (one member, or a pair at the same time)."""

    failed: tuple
    quorate: bool
    final: dict
    moved: tuple
    stopped: tuple
    stuck: tuple
    overloaded: tuple
    load: dict
    blocked: tuple
    notes: tuple

    @property
    def title(self) -> str:
        return " + ".join(self.failed)

    def __repr__(self) -> str:
        moves = ", ".join(f"{m.service} {m.before}->{m.after}" for m in self.moved)
        return (f"<FailureCase {self.title}: {'quorate' if self.quorate else 'quorum lost'}; "
                f"moved [{moves}]; stopped {list(self.stopped)}; stuck {list(self.stuck)}; "
                f"overloaded {list(self.overloaded)}>")

    def to_dict(self) -> dict:
        return {
            "failed": list(self.failed),
            "quorate": self.quorate,
            "final": {k: v.to_dict() for k, v in self.final.items()},
            "moved": [m.to_dict() for m in self.moved],
            "stopped": {name: self.final[name].state for name in self.stopped},
            "stuck": list(self.stuck),
            "overloaded": list(self.overloaded),
            "load": dict(self.load),
            "blocked": [b.to_dict() for b in self.blocked],
            "notes": list(self.notes),
        }


@attrs.frozen
class FailureReport:
    """All cases, with the starting placement they are compared against."""

    kind: str
    fenced: bool
    baseline: dict
    baseline_load: dict
    cases: tuple

    def __repr__(self) -> str:
        return (f"<FailureReport {self.kind}, {len(self.cases)} case(s), "
                f"{'fenced' if self.fenced else 'unfenced'}>")

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "fenced": self.fenced,
            "baseline": {k: v.to_dict() for k, v in self.baseline.items()},
            "baseline_load": dict(self.baseline_load),
            "cases": [c.to_dict() for c in self.cases],
        }


def _outcomes(engine: Any) -> dict:
    return {s.name: ServiceOutcome(r.state, r.owner, r.last_owner, r.frozen)
            for s in engine.services for r in (engine.recs[s.name],)}


def _load(engine: Any) -> dict:
    return {n: engine.load[n] for n in engine.node_order if n in engine.rg}


def _case(engine: Any, failed: tuple, baseline: dict, ceiling: int) -> FailureCase:
    final = _outcomes(engine)
    moved, stopped, stuck = [], [], []
    for name, after in final.items():
        before = baseline[name]
        if not before.running:
            continue
        if after.running and after.owner not in engine.rg:
            stuck.append(name)
        elif after.running and after.owner != before.owner:
            moved.append(Move(name, before.owner, after.owner))
        elif not after.running:
            stopped.append(name)
    load = _load(engine)
    overloaded = tuple(n for n, count in load.items() if count > ceiling)
    return FailureCase(
        failed=failed,
        quorate=engine.quorum.quorate,
        final=final,
        moved=tuple(moved),
        stopped=tuple(stopped),
        stuck=tuple(stuck),
        overloaded=overloaded,
        load=load,
        blocked=tuple(engine.blocked),
        notes=tuple(engine.notes),
    )


def failure_report(base: Any, groups: Iterable[tuple], kind: str,
                   fenced: bool = True) -> FailureReport:
    """Run each group of failures from the same starting engine ``base``."""
    baseline = _outcomes(base)
    baseline_load = _load(base)
    ceiling = max(max(baseline_load.values(), default=0), 1)
    cases = []
    for group in groups:
        engine = base.clone(keep_timeline=False)
        if fenced:
            engine.apply(fail(*group))
        else:
            for node in group:
                engine.apply(fail_unfenced(node))
        cases.append(_case(engine, tuple(group), baseline, ceiling))
    return FailureReport(kind, fenced, baseline, baseline_load, tuple(cases))


def single_groups(base: Any) -> list:
    return [(n,) for n in base.node_order if n in base.member]


def pair_groups(base: Any) -> list:
    up = [n for n in base.node_order if n in base.member]
    return list(itertools.combinations(up, 2))
