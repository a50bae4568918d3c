"""Desired state -> live IPVS table: diff, an ordered plan, ONE ``ipvsadm -R`` batch.

::

    >>> from zigha.lvs.apply import apply_file
    >>> result = apply_file("examples/zigsow/lvs/director.lvs", dry_run=True)  # doctest: +SKIP
    >>> print(result.plan.batch)                                               # doctest: +SKIP
    -A -t 192.168.10.249:80 -s rr
    -a -t 192.168.10.249:80 -r 192.168.10.241:80 -g -w 1 -x 0 -y 0

How an apply goes (../shared/reference/lvs.md §5.2, §12):

1. Read the table: ``ipvsadm -S -n`` plus ``ipvsadm -L -n --thresholds`` (``-S`` does
   not save thresholds).  The check after the batch reads ``-S -n`` only, unless the
   batch set thresholds or ipvsadm printed an error.
2. :func:`diff` compares services and real servers as sets keyed by identity and
   orders the plan: ``-D`` (only with ``prune``), ``-d``, ``-E``, ``-e``, ``-A``, ``-a``.
   Services the desired state does not name are never touched unless ``prune``
   (Docker and kube-proxy keep their own services on the same host).  ``-E``/``-e``
   lines repeat every attribute, since the kernel replaces the whole record.
3. Real servers the health checker holds are respected: ``quiesce`` keeps weight 0,
   ``remove`` keeps them out (``held``, read from the checker's state file).
4. With ``drain``, real servers about to be deleted first get weight 0 (one batch) and
   the apply waits until their ActiveConn is 0 (or ``drain_timeout``).
5. One ``ipvsadm -R`` runs the whole plan.  ipvsadm goes on after a rejected line and
   exits with the last line's status, so stderr is kept and the table is read again and
   diffed: anything left raises :class:`ApplyError`.  A second apply finds nothing to do.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Callable

import attrs

from zigha.errors import ConfigError
from zigha.lvs import ipvsadm
from zigha.lvs.desired import DesiredState, load_desired
from zigha.lvs.model import IpvsTable, RealServer, VirtualService
from zigha.lvs.rules import is_full_mask, real_rule, service_rule

DEFAULT_HELD_FILE = "/run/zigha/lvs-held.json"
ORDER = ("delete-service", "delete-real", "edit-service", "edit-real", "add-service", "add-real")
COMMANDS = {"delete-service": "-D", "delete-real": "-d", "edit-service": "-E",
            "edit-real": "-e", "add-service": "-A", "add-real": "-a"}


class ApplyError(ipvsadm.IpvsadmError):
    """The table does not match the desired state after the batch.

    ``plan`` is what was run, ``remaining`` what still differs, ``stderr`` ipvsadm's
    messages (which carry no line numbers).
    """

    exit_code = 1

    def __init__(self, message: str, plan=None, remaining=None, **kw) -> None:
        super().__init__(message, **kw)
        self.plan = plan
        self.remaining = remaining


@attrs.frozen
class Change:
    """One step of a plan; ``before`` is the live record an edit or delete replaces."""

    action: str
    service: VirtualService
    real: RealServer | None = None
    before: Any = None  # a VirtualService or RealServer

    @property
    def line(self) -> str:
        command = COMMANDS[self.action]
        if self.real is None:
            return service_rule(command, self.service)
        return real_rule(command, self.service, self.real)

    def describe(self) -> str:
        what = self.service.name if self.real is None else (
            f"{self.service.name} -> {self.real.address}")
        verb = self.action.split("-")[0]
        detail = ""
        if self.action == "edit-real" and self.before is not None and self.real is not None:
            detail = " (" + ", ".join(
                f"{name} {getattr(self.before, name)} -> {getattr(self.real, name)}"
                for name in ("forward", "weight", "upper_threshold", "lower_threshold")
                if _real_value(self.before, name) != _real_value(self.real, name)) + ")"
        return f"{verb} {what}{detail}"

    def to_dict(self) -> dict:
        return {"action": self.action, "service": self.service.name.split(None, 1)[1]
                if self.service.protocol != "FWM" else f"fwm {self.service.fwmark}",
                "protocol": self.service.protocol,
                "real": self.real.address if self.real else None, "line": self.line}


@attrs.frozen
class Plan:
    changes: tuple[Change, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.changes

    @property
    def lines(self) -> list[str]:
        return [c.line for c in self.changes]

    @property
    def batch(self) -> str:
        """The stdin of ``ipvsadm -R``."""
        return "".join(line + "\n" for line in self.lines)

    def to_dict(self) -> dict:
        return {"changes": [c.to_dict() for c in self.changes]}


@attrs.frozen
class ApplyResult:
    plan: Plan
    applied: bool
    before: IpvsTable
    after: IpvsTable | None = None
    stderr: str = ""
    drained: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.applied and not self.plan.empty

    def to_dict(self) -> dict:
        return {"applied": self.applied, "changed": self.changed, "plan": self.plan.to_dict(),
                "stderr": self.stderr, "drained": list(self.drained)}


def service_id(svc: VirtualService) -> str:
    """A stable text id, e.g. ``tcp 192.168.10.249:80`` or ``fwm 3``."""
    return f"{svc.protocol.lower()} {svc.address}"


def load_held(path=DEFAULT_HELD_FILE) -> dict:
    """{(service id, real address): "quiesce"|"remove"} from the checker's state file."""
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        return {}
    return {(item["service"], item["real"]): item["action"] for item in data.get("held", [])}


def save_held(held: dict, path=DEFAULT_HELD_FILE) -> None:
    """Write the held set atomically (the checker calls this after every pass)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    items = [{"service": s, "real": r, "action": a} for (s, r), a in sorted(held.items())]
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(json.dumps({"held": items}, indent=1) + "\n")
    os.replace(tmp, target)


def read_state(runner=None, thresholds: bool = True) -> IpvsTable:
    """The live table: ``ipvsadm -S -n`` with thresholds from ``-L -n --thresholds``
    (``thresholds=False`` skips that second read; thresholds are then ``None``)."""
    saved = ipvsadm.save(runner)
    if not thresholds:
        return saved
    thresholds_table = ipvsadm.list_table(runner, view="thresholds")
    limits = {(s.key, r.key): r for s in thresholds_table.services for r in s.reals}
    services = []
    for svc in saved.services:
        reals = []
        for real in svc.reals:
            limit = limits.get((svc.key, real.key))
            reals.append(RealServer(  # positional: 10,000s of servers, evolve() is slow
                real.host, real.port, real.forward, real.weight, None, None, None,
                limit.upper_threshold if limit else 0, limit.lower_threshold if limit else 0,
                real.tunnel_info, None, None, real.ipv6))
        services.append(attrs.evolve(svc, reals=tuple(reals)))
    return IpvsTable(services=tuple(services), numeric=True, view="save")


def _service_value(svc: VirtualService) -> tuple:
    return (svc.scheduler or "wlc", svc.persistent, None if is_full_mask(svc.netmask)
            else svc.netmask, svc.pe, svc.ops, tuple(svc.sched_flags))


def _real_value(real: RealServer, name: str):
    value = getattr(real, name)
    if name == "forward":
        return "Route" if value in (None, "Local") else value
    if name == "weight":
        return value
    return value or 0


def _real_values(real: RealServer, thresholds: bool = True) -> tuple:
    names = ("forward", "weight", "upper_threshold", "lower_threshold")
    return tuple(_real_value(real, n) for n in (names if thresholds else names[:2]))


def diff(current: IpvsTable, desired: DesiredState, prune: bool = False,
         held: dict | None = None, thresholds: bool = True) -> Plan:
    """The ordered changes that turn ``current`` into ``desired``.

    ``thresholds=False`` ignores upper/lower thresholds (for a table read without them).
    """
    held = held or {}
    live = {s.key: s for s in current.services}
    steps: dict[str, list[Change]] = {action: [] for action in ORDER}
    for want in desired.services:
        sid = service_id(want)
        reals, skipped = [], set()
        for real in want.reals:
            hold = held.get((sid, real.address))
            if hold == "remove":
                skipped.add(real.key)
                continue
            reals.append(attrs.evolve(real, weight=0) if hold == "quiesce" else real)
        have = live.get(want.key)
        if have is None:
            steps["add-service"].append(Change("add-service", want))
            steps["add-real"].extend(Change("add-real", want, r) for r in reals)
            continue
        if _service_value(have) != _service_value(want):
            steps["edit-service"].append(Change("edit-service", want, before=have))
        have_reals = {r.key: r for r in have.reals}
        for real in reals:
            old = have_reals.get(real.key)
            if old is None:
                steps["add-real"].append(Change("add-real", want, real))
            elif _real_values(old, thresholds) != _real_values(real, thresholds):
                steps["edit-real"].append(Change("edit-real", want, real, before=old))
        wanted = {r.key for r in reals} | skipped
        steps["delete-real"].extend(Change("delete-real", want, r, before=r)
                                    for r in have.reals if r.key not in wanted)
    if prune:
        named = {s.key for s in desired.services}
        steps["delete-service"].extend(Change("delete-service", s, before=s)
                                       for s in current.services if s.key not in named)
    return Plan(tuple(c for action in ORDER for c in steps[action]))


def _drain(plan: Plan, runner, timeout: float, poll: float, sleep: Callable,
           clock: Callable) -> tuple[str, ...]:
    leaving = [(c.service, c.before) for c in plan.changes if c.action == "delete-real"]
    if not leaving:
        return ()
    quiesce = "".join(real_rule("-e", svc, attrs.evolve(real, weight=0)) + "\n"
                      for svc, real in leaving)
    ipvsadm.restore(quiesce, runner)
    targets = {(svc.key, real.key) for svc, real in leaving}
    deadline = clock() + timeout
    while True:
        table = ipvsadm.list_table(runner)
        busy = [(s.key, r.key) for s in table.services for r in s.reals
                if (s.key, r.key) in targets and (r.active or 0) > 0]
        if not busy or clock() >= deadline:
            break
        sleep(poll)
    return tuple(real.address for _, real in leaving)


#: views that carry forwarding method and weight, so a plan can be made against them
PLANNABLE_VIEWS = ("save", "default", "proc")


def load_current(path) -> IpvsTable:
    """A saved table to plan a dry run against: ``ipvsadm -S -n`` output or an
    ``ipvsadm -L -n`` listing (copied prompts around it are fine).

    Raises :class:`~zigha.errors.ConfigError` for a view without forwarding method and
    weight (``--stats``, ``--rate``, ...) and ParseError for anything that is not a listing.
    """
    from zigha.lvs.parse import parse_ipvsadm_list, parse_ipvsadm_save, save_output_lines

    text = Path(path).read_text(encoding="utf-8", errors="replace")
    first = next((line.strip() for _, line in save_output_lines(text)
                  if line.strip() and not line.strip().startswith("#")), "")
    table = parse_ipvsadm_save(text) if first.startswith("-") else parse_ipvsadm_list(text)
    if table.view not in PLANNABLE_VIEWS:
        raise ConfigError(f"an 'ipvsadm -L -n --{table.view}' listing has no forwarding "
                          "method or weight to plan against", file=str(path),
                          hint="save the table with 'ipvsadm -S -n' or 'ipvsadm -L -n'")
    return table


def _read_for_dry_run(runner) -> IpvsTable:
    try:
        return read_state(runner)
    except ipvsadm.IpvsadmError as error:
        hint = "plan against a saved table: --current FILE, a copy of 'ipvsadm -S -n'"
        if error.hint:
            hint = f"{error.hint}, or {hint}"
        raise type(error)(f"cannot read the live IPVS table for the dry run: {error.message}",
                          argv=error.argv, rc=error.rc, stdout=error.stdout,
                          stderr=error.stderr, hint=hint) from error


def apply_state(desired: DesiredState, runner=None, dry_run: bool = False, prune: bool = False,
                held: dict | None = None, drain: bool = False, drain_timeout: float = 300.0,
                poll: float = 2.0, sleep: Callable = time.sleep,
                clock: Callable = time.monotonic, current: IpvsTable | None = None) -> ApplyResult:
    """Make the live table match ``desired``; see the module docstring.

    ``current`` (dry run only) is a saved table to plan against instead of the live one;
    a listing without thresholds leaves them out of the comparison.
    """
    if current is not None and not dry_run:
        raise ConfigError("a saved table can only be planned against (dry run): "
                          "the live table is what an apply changes")
    if current is not None:
        before = current
        has_thresholds = any(r.upper_threshold is not None for s in current.services
                             for r in s.reals)
        plan = diff(before, desired, prune, held, thresholds=has_thresholds)
        return ApplyResult(plan=plan, applied=False, before=before, after=before)
    before = _read_for_dry_run(runner) if dry_run else read_state(runner)
    plan = diff(before, desired, prune, held)
    if dry_run or plan.empty:
        return ApplyResult(plan=plan, applied=not dry_run, before=before, after=before)
    drained = _drain(plan, runner, drain_timeout, poll, sleep, clock) if drain else ()
    # the kernel takes ~1 ms per rule under emulation (bench/lvs.py): give big batches time
    result = ipvsadm.restore(plan.batch, runner, timeout=60.0 + 0.01 * len(plan.changes))
    # Thresholds are re-read only when the batch set some or ipvsadm complained: every
    # -a/-e line wrote them, and a line that failed says so on stderr.
    recheck = bool(result.stderr.strip()) or any(
        c.real is not None and c.action in ("add-real", "edit-real")
        and bool(c.real.upper_threshold or c.real.lower_threshold) for c in plan.changes)
    after = read_state(runner, thresholds=recheck)
    remaining = diff(after, desired, prune, held, thresholds=recheck)
    if not remaining.empty:
        raise ApplyError(
            f"ipvsadm -R: {len(remaining.changes)} of {len(plan.changes)} changes did not take "
            f"effect: {(result.stderr.strip().splitlines() or ['no message'])[0]}",
            plan=plan, remaining=remaining, argv=result.argv, rc=result.rc,
            stdout=result.stdout, stderr=result.stderr)
    return ApplyResult(plan=plan, applied=True, before=before, after=after,
                       stderr=result.stderr, drained=drained)


def apply_file(path, runner=None, dry_run: bool = False, prune: bool = False,
               drain: bool = False, held_file=DEFAULT_HELD_FILE, current_file=None,
               **options) -> ApplyResult:
    """Load a desired-state file and :func:`apply_state` it (held set from ``held_file``).

    ``current_file`` (dry run only): plan against that saved table (:func:`load_current`)
    instead of reading the live one, e.g. on a host without the ip_vs module.
    """
    desired = load_desired(path)
    held = load_held(held_file) if held_file else {}
    if current_file is not None:
        options["current"] = load_current(current_file)
    return apply_state(desired, runner=runner, dry_run=dry_run, prune=prune, held=held,
                       drain=drain, **options)
