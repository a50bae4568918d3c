"""What-if simulator of rgmanager placement: "if h1 dies, where does each service go?"

Pure: (cluster.conf, a clustat status or "all members up", events) -> a timeline of
clustat-visible steps and the final record of every service.  The rules are rgmanager's
(RHEL 6, cluster-3.0.x) as ../shared/reference/rgmanager-behaviour.md states them:
failover-domain scores, recovery policies and restart thresholds, exclusive services,
dependencies, fencing gating, cman's quorum arithmetic, distributed and central
processing.  Where the reference marks a point unverified, the step says so
(``Step.unverified``) and ``Simulation.notes`` lists it.

    >>> from zigha.simulate import SimCluster, SimNode, SimDomain, SimService
    >>> from zigha.simulate import simulate, all_single_failures, fail, join
    >>> cluster = SimCluster(
    ...     nodes=[SimNode("h1", 1), SimNode("h2", 2), SimNode("h3", 3)],
    ...     domains=[SimDomain.build("fd_http", [("h1", 1), ("h2", 2), ("h3", 3)], ordered=True)],
    ...     services=[SimService("service:http", domain="fd_http")])
    >>> sim = simulate(cluster, events=[fail("h1")])
    >>> sim.final["service:http"]
    ServiceOutcome(state='started', owner='h2', last_owner=None, frozen=False)
    >>> sim.service_steps("service:http")
    ['h1 starting', 'h1 started', 'h2 starting', 'h2 started']
    >>> simulate(cluster, events=[fail("h1"), join("h1")]).owner("service:http")
    'h1'
    >>> report = all_single_failures(cluster)
    >>> [(c.title, [(m.service, m.after) for m in c.moved]) for c in report.cases]
    [('h1', [('service:http', 'h2')]), ('h2', []), ('h3', [])]

A ``zigha.conf.ClusterConf`` and a ``zigha.status.ClusterStatus`` can be passed instead
of the Sim* objects; events can also be written as text (:func:`parse_event`), e.g.
``simulate(conf, events=["fail h1", "clusvcadm -r http -m h3"])``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from zigha.simulate.events import (
    Event,
    disable,
    enable,
    fail,
    fail_unfenced,
    fence_ack,
    freeze,
    join,
    parse_event,
    relocate,
    rgmanager_stop,
    start_fails,
    start_works,
    status_fail,
    stop_fails,
    unfreeze,
)
from zigha.simulate.model import (
    SimCluster,
    SimDomain,
    SimMember,
    SimNode,
    SimRecord,
    SimService,
    SimStatus,
    SimulationError,
    from_conf,
    from_status,
)
from zigha.simulate.quorum import Quorum
from zigha.simulate.report import FailureCase, FailureReport, Move
from zigha.simulate.result import Block, MemberOutcome, ServiceOutcome, Simulation, Step

__all__ = [
    "simulate", "all_single_failures", "all_pair_failures", "parse_event",
    "fail", "fail_unfenced", "fence_ack", "join", "rgmanager_stop", "status_fail",
    "enable", "disable", "relocate", "freeze", "unfreeze", "start_fails", "start_works",
    "stop_fails", "Event", "SimCluster", "SimNode", "SimDomain", "SimService", "SimStatus",
    "SimMember", "SimRecord", "SimulationError", "from_conf", "from_status", "Simulation",
    "Step", "ServiceOutcome", "MemberOutcome", "Block", "Quorum", "FailureReport",
    "FailureCase", "Move",
]


def _events(events: Iterable[Any]) -> tuple:
    return tuple(parse_event(e) if isinstance(e, str) else e for e in events)


def _engine(conf: Any, status: Any = None, events: Iterable[Any] = ()) -> Any:
    from zigha.simulate.engine import Engine

    engine = Engine(from_conf(conf))
    if status is None:
        engine.start_all_up()
    else:
        engine.start_from(from_status(status))
    for event in _events(events):
        engine.apply(event)
    return engine


def simulate(conf: Any, status: Any = None, events: Iterable[Any] = ()) -> Simulation:
    """Apply ``events`` in order and return the :class:`Simulation`.

    ``conf``: a :class:`SimCluster` or a ``zigha.conf.ClusterConf``.  ``status``: a
    :class:`SimStatus` or ``zigha.status.ClusterStatus``; without it every member is up
    and every service is placed by autostart.  ``events``: :class:`Event` values (see the
    constructors) or their text form.  Raises :class:`SimulationError` for an unknown
    node or service or a malformed event.
    """
    return _engine(conf, status, events).result()


def all_single_failures(conf: Any, status: Any = None, events: Iterable[Any] = (),
                        fenced: bool = True) -> FailureReport:
    """Every member failing alone, from the state after ``events``."""
    from zigha.simulate.report import failure_report, single_groups

    base = _engine(conf, status, events)
    return failure_report(base, single_groups(base), "single", fenced)


def all_pair_failures(conf: Any, status: Any = None, events: Iterable[Any] = (),
                      fenced: bool = True) -> FailureReport:
    """Every pair of members failing at the same time, from the state after ``events``."""
    from zigha.simulate.report import failure_report, pair_groups

    base = _engine(conf, status, events)
    return failure_report(base, pair_groups(base), "pairs", fenced)


def engine_for(conf: Any, status: Any = None, events: Iterable[Any] = ()) -> Any:
    """The live engine after ``events`` (for running several reports from one state)."""
    return _engine(conf, status, events)
