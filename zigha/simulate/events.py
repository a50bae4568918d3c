"""What can happen to a simulated cluster, and a small text syntax for it.

Constructors (all return frozen values)::

    fail("h1")                 member lost, fencing succeeds (reference T2)
    fail("h2", "h3")           two members lost at the same time
    fail_unfenced("h1")        member lost, fencing never completes (T3)
    fence_ack("h1")            fence_ack_manual -n h1: the pending fence is acknowledged
    join("h1")                 member boots, cman and rgmanager start
    rgmanager_stop("h2")       clean `service rgmanager stop` (cman stays up, T25)
    status_fail("http", times=1, at=None)   the status check fails (at = seconds)
    enable("http", on="h3", target=None, fd=False)   clusvcadm -e [-m] [-F], run on `on`
    disable("http"), relocate("http", target=None), freeze("http"), unfreeze("http")
    start_fails("http", "h1"), start_works("http", "h1"), stop_fails("http", "h1")

:func:`parse_event` reads the same events from text, one event per string::

    fail h1 | fail h2,h3 | fail-unfenced h1 | fence-ack h1 | join h1 | rgmanager-stop h2
    status-fail http [times=N] [at=SECONDS]
    enable http [on=NODE] [-m NODE] [-F]   (also: clusvcadm -e http -m h3 ...)
    disable http | relocate http [-m NODE] | freeze http | unfreeze http
    start-fails http h1 | start-works http h1 | stop-fails http h1
"""

from __future__ import annotations

import shlex

import attrs

from zigha.simulate.model import SimulationError


@attrs.frozen
class Event:
    """One thing that happens. ``kind`` names it; the other fields depend on the kind."""

    kind: str
    node: str | None = None
    service: str | None = None
    target: str | None = None
    times: int = 1
    at: float | None = None
    fd: bool = False

    def describe(self) -> str:
        k = self.kind
        if k == "fail":
            if "," in (self.node or ""):
                return f"{(self.node or '').replace(',', ' and ')} fail together (fencing works)"
            return f"{self.node} fails and is fenced"
        if k == "fail-unfenced":
            return f"{self.node} fails; fencing never completes"
        if k == "fence-ack":
            return f"fence_ack_manual -n {self.node}"
        if k == "join":
            return f"{self.node} joins (cman and rgmanager start)"
        if k == "rgmanager-stop":
            return f"service rgmanager stop on {self.node}"
        if k == "status-fail":
            times = f" x{self.times}" if self.times != 1 else ""
            when = f" at t={self.at:g}s" if self.at is not None else ""
            return f"status check of {self.service} fails{times}{when}"
        if k in ("start-fails", "start-works", "stop-fails"):
            return f"{k.replace('-', ' ')}: {self.service} on {self.node}"
        flag = {"enable": "-e", "disable": "-d", "relocate": "-r", "freeze": "-Z",
                "unfreeze": "-U"}[k]
        text = f"clusvcadm {flag} {self.service}"
        if self.target:
            text += f" -m {self.target}"
        if self.fd:
            text += " -F"
        if k == "enable" and self.node and not self.target:
            text += f" (run on {self.node})"
        return text

    def to_dict(self) -> dict:
        data = {k: v for k, v in attrs.asdict(self).items() if v not in (None, False)}
        if data.get("times") == 1:
            del data["times"]
        data["text"] = self.describe()
        return data


NODE_EVENTS = ("fail", "fail-unfenced", "fence-ack", "join", "rgmanager-stop")
SERVICE_EVENTS = ("status-fail", "enable", "disable", "relocate", "freeze", "unfreeze")
KNOB_EVENTS = ("start-fails", "start-works", "stop-fails")


def fail(*nodes: str) -> Event:
    """Members lost (at the same time when several are named); fencing succeeds."""
    if not nodes:
        raise SimulationError("fail: which member?")
    return Event("fail", node=",".join(nodes))


def fail_unfenced(node: str) -> Event:
    return Event("fail-unfenced", node=node)


def fence_ack(node: str) -> Event:
    return Event("fence-ack", node=node)


def join(node: str) -> Event:
    return Event("join", node=node)


def rgmanager_stop(node: str) -> Event:
    return Event("rgmanager-stop", node=node)


def status_fail(service: str, times: int = 1, at: float | None = None) -> Event:
    if times < 1:
        raise SimulationError(f"status-fail {service}: times must be at least 1")
    return Event("status-fail", service=service, times=int(times), at=at)


def enable(service: str, on: str | None = None, target: str | None = None,
           fd: bool = False) -> Event:
    """clusvcadm -e SERVICE [-m TARGET] [-F], run on node ``on``."""
    if fd and target:
        raise SimulationError("clusvcadm: -F cannot be combined with -m")
    return Event("enable", service=service, node=on, target=target, fd=fd)


def disable(service: str) -> Event:
    return Event("disable", service=service)


def relocate(service: str, target: str | None = None) -> Event:
    return Event("relocate", service=service, target=target)


def freeze(service: str) -> Event:
    return Event("freeze", service=service)


def unfreeze(service: str) -> Event:
    return Event("unfreeze", service=service)


def start_fails(service: str, node: str) -> Event:
    """From now on, starting ``service`` on ``node`` fails."""
    return Event("start-fails", service=service, node=node)


def start_works(service: str, node: str) -> Event:
    return Event("start-works", service=service, node=node)


def stop_fails(service: str, node: str) -> Event:
    """From now on, stopping ``service`` on ``node`` fails (the service goes ``failed``)."""
    return Event("stop-fails", service=service, node=node)


_CLUSVCADM = {"-e": "enable", "-d": "disable", "-r": "relocate", "-Z": "freeze", "-U": "unfreeze"}


def parse_event(text: str) -> Event:
    """One event from its text form (see the module docstring)."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise SimulationError(f"event {text!r}: {exc}") from None
    if words and words[0] == "clusvcadm":
        words = words[1:]
    if not words:
        raise SimulationError("empty event")
    kind = _CLUSVCADM.get(words[0], words[0].lower().replace("_", "-"))
    rest = words[1:]
    if kind in NODE_EVENTS:
        if len(rest) != 1:
            raise SimulationError(f"event {text!r}: expected '{kind} NODE'")
        return Event(kind, node=rest[0])
    if kind in KNOB_EVENTS:
        if len(rest) != 2:
            raise SimulationError(f"event {text!r}: expected '{kind} SERVICE NODE'")
        return Event(kind, service=rest[0], node=rest[1])
    if kind not in SERVICE_EVENTS:
        raise SimulationError(
            f"unknown event {words[0]!r}; known: "
            + ", ".join(NODE_EVENTS + SERVICE_EVENTS + KNOB_EVENTS))
    service = None
    options: dict = {}
    i = 0
    while i < len(rest):
        word = rest[i]
        if word == "-m" and i + 1 < len(rest):
            options["target"] = rest[i + 1]
            i += 2
            continue
        if word == "-F":
            options["fd"] = True
        elif "=" in word:
            key, _, value = word.partition("=")
            options[key.replace("-", "_")] = value
        elif service is None:
            service = word
        else:
            raise SimulationError(f"event {text!r}: unexpected {word!r}")
        i += 1
    if service is None:
        raise SimulationError(f"event {text!r}: which service?")
    try:
        if kind == "status-fail":
            _only(options, {"times", "at"}, text)
            at = options.get("at")
            return status_fail(service, int(options.get("times", 1)),
                               None if at is None else float(at))
        if kind == "enable":
            _only(options, {"on", "target", "fd"}, text)
            return enable(service, on=options.get("on"), target=options.get("target"),
                          fd=bool(options.get("fd")))
        if kind == "relocate":
            _only(options, {"target"}, text)
            return relocate(service, options.get("target"))
    except ValueError as exc:
        raise SimulationError(f"event {text!r}: {exc}") from None
    _only(options, set(), text)
    return Event(kind, service=service)


def _only(options: dict, allowed: set, text: str) -> None:
    extra = set(options) - allowed
    if extra:
        raise SimulationError(f"event {text!r}: unknown option {sorted(extra)[0]!r}")
