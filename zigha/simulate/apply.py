"""Applying one event to the engine: membership, fencing, quorum, then the service work."""

from __future__ import annotations

from typing import Any

import attrs

from zigha.simulate.events import KNOB_EVENTS, Event
from zigha.simulate.model import RUNNING_STATES, SimulationError
from zigha.simulate.result import Step


def resolve(e: Any, event: Event) -> Event:
    """The event with full node and service names (unknown names raise SimulationError)."""
    changes: dict = {}
    if event.node is not None:
        changes["node"] = ",".join(e.node(n) for n in event.node.split(","))
    if event.target is not None:
        changes["target"] = e.node(event.target)
    if event.service is not None:
        changes["service"] = e.service_name(event.service)
    return attrs.evolve(event, **changes)


def apply_event(e: Any, event: Event) -> Event:
    event = resolve(e, event)
    e.applied.append(event)
    e.event_index += 1
    e.timeline.append(Step(e.event_index, "event", event.describe()))
    kind = event.kind
    if kind in KNOB_EVENTS:
        _knob(e, event)
    elif kind in ("fail", "fail-unfenced"):
        _member_fail(e, [e.node(n) for n in (event.node or "").split(",")], fence_works=kind == "fail")
    elif kind == "fence-ack":
        _fence_ack(e, e.node(event.node))
    elif kind == "join":
        _join(e, e.node(event.node))
    elif kind == "rgmanager-stop":
        node = e.node(event.node)
        if node not in e.rg:
            e.note(f"rgmanager is not running on {node}")
        elif not e.quorum.quorate:
            e.rg.discard(node)
            e.member_step(f"{node}: rgmanager stopped")
        else:
            e.when_unblocked("rgmanager_stop", node)
    else:
        _service_event(e, event)
    return event


def _knob(e: Any, event: Event) -> None:
    name = e.service_name(event.service)
    node = e.node(event.node)
    if event.kind == "start-fails":
        e.start_fail.add((name, node))
    elif event.kind == "start-works":
        e.start_fail.discard((name, node))
        e.stop_fail.discard((name, node))
    else:
        e.stop_fail.add((name, node))


def _member_fail(e: Any, nodes: list, fence_works: bool) -> None:
    """Members lost at the same time: membership, then quorum, then fencing (§4.1)."""
    for node in nodes:
        if node not in e.member:
            e.note(f"{node} is already offline")
            continue
        e.member.discard(node)
        e.rg.discard(node)
        e.member_step(f"{node} Offline (token lost)")
        e.pending_fence[node] = fence_works
        if fence_works and e.node_info[node].can_fence is False:
            e.note(f"cluster.conf gives {node} no fence device: a real failure blocks until "
                   f"fence_ack_manual -n {node} (simulate that with fail-unfenced)")
        owned = [s.name for s in e.services
                 if e.recs[s.name].owner == node and e.recs[s.name].state in RUNNING_STATES]
        if owned:
            e.note(f"until {node} is fenced, its services remain recorded as started on it: "
                   f"{', '.join(owned)} (clustat display while fencing is pending is "
                   "unverified)",
                   unverified=True)
    e.recompute_quorum()
    if not e.quorum.quorate:
        e.note("inquorate: nothing is fenced and nothing starts until quorum returns")
        return
    for node in nodes:
        # the survivors' node event, run once the lockspace is released (fencing done)
        e.deferred.append(("member_down", (node,)))
    e.run_fencing()


def _fence_ack(e: Any, node: str) -> None:
    if node not in e.pending_fence:
        e.note(f"no fence is pending for {node}")
        return
    if not e.quorum.quorate:
        e.pending_fence[node] = True
        e.note("inquorate: fenced takes the acknowledgement once quorum returns")
        return
    del e.pending_fence[node]
    e.member_step(f"{node}: fencing acknowledged (fence_ack_manual)")
    e.release()


def _join(e: Any, node: str) -> None:
    if node in e.member and node in e.rg:
        e.note(f"{node} is already a member running rgmanager")
        return
    if node in e.pending_fence:
        del e.pending_fence[node]
        e.member_step(f"{node} rejoins before it was fenced: its fencing is dropped "
                      "(unverified)", unverified=True)
        e.release()
    was_quorate = e.quorum.quorate
    e.member.add(node)
    e.rg.add(node)
    e.member_step(f"{node} Online, rgmanager")
    e.recompute_quorum()
    if not e.quorum.quorate:
        e.note("still inquorate: nothing starts")
        return
    if not was_quorate:
        e.run_fencing()
        e.reinit_if_needed()
        return
    e.when_unblocked("eval_join", node)


def _service_event(e: Any, event: Event) -> None:
    name = event.service
    if event.at is not None:
        if event.at < e.clock:
            raise SimulationError(f"{event.describe()}: time goes backwards "
                                  f"(the clock is at {e.clock:g}s)")
        e.clock = float(event.at)
    if not e.quorum.quorate:
        if event.kind == "status-fail":
            e.note("inquorate: every service is stopped, there is no status check")
        else:
            e.note("Operation requires quorum (clusvcadm exits 247)")
        return
    if e.lock_blocked:
        e.note(f"deferred until {', '.join(e.pending_fence)} is fenced: the DLM lockspace is "
               "blocked (whether services on healthy members keep being handled meanwhile "
               "is unverified)", unverified=True)
    e.when_unblocked("service_op", event, name)
