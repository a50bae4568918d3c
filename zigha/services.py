"""Service control with clusvcadm: enable, disable, relocate, restart, stop, freeze,
unfreeze, migrate, and waiting for the outcome.

clusvcadm prints a prompt, then rgmanager's result on the same line, then for enable and
relocate where the service now runs (rgmanager/src/utils/clusvcadm.c)::

    Trying to relocate service:httpd to node3-f30.example.com...Success
    service:httpd is now running on node3-f30.example.com

Its exit status is rgmanager's (negative) result code modulo 256, except ``Service is
already running`` (exit 0).  Here every result string becomes either a
:class:`ServiceResult` (success, already running, running elsewhere, warning) or a typed
error (:class:`UnknownServiceError`, :class:`InquorateError`, :class:`ServiceBusyError`
— retryable — :class:`ServiceFailedError`, ...).

Three traps are closed:

* clusvcadm waits for rgmanager with no timeout, and killing it does not cancel the
  request: every call has a timeout, and reaching it raises :class:`OutcomeUnknownError`
  (look at the state again, e.g. with :meth:`Services.wait_for`);
* ``-m`` takes the "closest match" of a wrong member name and acts on it: zigha checks
  the exact name first (``clustat -x -m``) and refuses, or with ``resolve_members=True``
  resolves a unique prefix itself and says so in the result;
* ``Warning: ... is now running on X`` (the service started, but not where asked) is its
  own outcome, not a success.

>>> from zigha.services import Services
>>> Services().relocate("httpd", member="h2.zigsow.net")        # doctest: +SKIP
ServiceResult(operation='relocate', service='service:httpd', outcome=Outcome.SUCCESS, ...)
"""

from __future__ import annotations

import enum
import time
from collections.abc import Iterable
from typing import Any, Callable

import attrs

from zigha.converters import to_tuple
from zigha.errors import CommandTimeout
from zigha.status import live as _live
from zigha.status.errors import (
    ClusvcadmUsageError,
    FencePendingError,
    InquorateError,
    InvalidOperationError,
    MemberOfflineError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RelocationFailedError,
    RgmanagerError,
    RgmanagerUnavailableError,
    ServiceBusyError,
    ServiceFailedError,
    ServiceFrozenError,
    ServiceNotRunnableError,
    ServiceOperationError,
    UnknownMemberError,
    UnknownServiceError,
    WaitTimeoutError,
)
from zigha.status.model import ServiceState, ServiceStatus, service_name

__all__ = [
    "Services", "ServiceResult", "Outcome", "parse_clusvcadm", "ClusvcadmReply",
    "ServiceOperationError", "ServiceFailedError", "ServiceBusyError", "FencePendingError",
    "ServiceFrozenError", "ServiceNotRunnableError", "InvalidOperationError",
    "RelocationFailedError", "PermissionDeniedError", "ClusvcadmUsageError",
    "OutcomeUnknownError", "WaitTimeoutError", "UnknownServiceError", "UnknownMemberError",
    "MemberOfflineError", "InquorateError", "RgmanagerUnavailableError",
]

DEFAULT_TIMEOUT = 120.0
MAX_NAME = 63  # clusvcadm.c cuts the service name to 63 characters


class Outcome(enum.Enum):
    SUCCESS = "success"
    ALREADY_RUNNING = "already running"  # RG_ERUN, exit 0, no "now running" line
    RUNNING_ELSEWHERE = "running elsewhere"  # "Warning: <svc> is now running on <other>"
    WARNING = "warning"  # RG_EWARNING "Warning; see system logs" (later versions)

    def __repr__(self) -> str:
        return f"Outcome.{self.name}"


#: result string -> (rgmanager code, error class or None for a result)
RESULTS: dict[str, tuple[int, type | None]] = {
    "Success": (0, None),
    "Failure": (-1, ServiceFailedError),
    "Aborted; service failed": (-2, ServiceFailedError),
    "Service not mastered locally": (-3, ServiceBusyError),
    "Service does not exist": (-4, UnknownServiceError),
    "Operation would cause a deadlock": (-5, ServiceBusyError),
    "Temporary failure; try again": (-6, ServiceBusyError),
    "Operation violates dependency rule": (-7, ServiceNotRunnableError),
    "Invalid operation for resource": (-8, InvalidOperationError),
    "Operation requires quorum": (-9, InquorateError),
    "Service is already running": (-10, None),
    "Failure: Service is frozen": (-11, ServiceFrozenError),
    "Target node dead / nonexistent": (-12, MemberOfflineError),
    "Fencing operation pending; try again later": (-13, FencePendingError),
    "S/Lang Script Error": (-14, ServiceFailedError),
    "Service not runnable": (-15, ServiceNotRunnableError),
    "Service not runnable: cannot run exclusive": (-16, ServiceNotRunnableError),
    "Failed; service running on original owner": (-17, RelocationFailedError),
    "Permissing denied": (-18, PermissionDeniedError),  # sic, 3.0.x rg_strings.c
    "Permission denied": (-18, PermissionDeniedError),
    "Warning; see system logs": (-19, None),
}

#: clusvcadm's connection failures (stdout or stderr); the request never reached rgmanager
_NOT_SENT = (
    "Could not connect to cluster service", "Could not connect to resource group manager",
    "Error sending message to resource group manager",
)
_REPLY_LOST = "Error receiving reply"

#: operation -> (clusvcadm option, state to wait for afterwards)
OPERATIONS = {
    "enable": ("-e", ServiceState.STARTED),
    "disable": ("-d", ServiceState.DISABLED),
    "relocate": ("-r", ServiceState.STARTED),
    "restart": ("-R", ServiceState.STARTED),
    "stop": ("-s", ServiceState.STOPPED),
    "freeze": ("-Z", None),
    "unfreeze": ("-U", None),
    "migrate": ("-M", ServiceState.STARTED),
    "convalesce": ("-c", None),  # later versions only; 3.0.12 prints its usage
}


@attrs.frozen
class ClusvcadmReply:
    """clusvcadm's stdout taken apart (pure; see :func:`parse_clusvcadm`)."""

    prompt: str | None = None
    result: str | None = None
    running_on: str | None = None
    warning: bool = False
    closest_match: str | None = None
    member_problem: str | None = None
    other_lines: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)


def parse_clusvcadm(stdout: str) -> ClusvcadmReply:
    """Split clusvcadm's output into prompt, result string, "now running on", notices."""
    prompt = result = running_on = closest = problem = None
    warning = False
    other: list[str] = []
    for raw in stdout.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.endswith(" not in membership list"):
            continue
        if line.startswith("Closest match: "):
            closest = line[len("Closest match: "):].strip("'")
        elif line.startswith(("No matches for ", "More than one possible match for ")):
            problem = line
        elif line.startswith(("Local machine ", "Member ", "Trying to ")) and "..." in line:
            prompt, _, result = line.rpartition("...")
            result = result.strip()
        elif " is now running on " in line:
            text = line
            if text.startswith("Warning: "):
                warning, text = True, text[len("Warning: "):]
            running_on = text.rpartition(" is now running on ")[2].strip()
        else:
            other.append(line)
    return ClusvcadmReply(prompt, result, running_on, warning, closest, problem, other)


@attrs.frozen
class ServiceResult:
    """What a service operation achieved.  ``ok`` is True for success/already running."""

    operation: str
    service: str
    outcome: Outcome
    member: str | None = None
    running_on: str | None = None
    message: str = ""
    resolved_from: str | None = None
    argv: tuple[str, ...] = attrs.field(default=(), converter=to_tuple)

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.SUCCESS, Outcome.ALREADY_RUNNING)

    def to_dict(self) -> dict[str, Any]:
        data = attrs.asdict(self, recurse=False)
        data.update(outcome=self.outcome.value, ok=self.ok, argv=list(self.argv))
        return data


def _error_for(reply: ClusvcadmReply, result: Any, what: str) -> Exception:
    text = reply.result or ""
    out = f"{result.stdout}\n{result.stderr}"
    if reply.member_problem:
        return UnknownMemberError.from_result(f"{what}: {reply.member_problem}", result)
    if "usage: clusvcadm" in out or "Cannot use '-F'" in out:
        return ClusvcadmUsageError.from_result(
            f"{what}: clusvcadm refused the options (usage printed)", result)
    if "is offline" in out or "requires a target cluster member" in out:
        line = next(row for row in out.splitlines()
                    if "offline" in row or "requires a target" in row)
        return MemberOfflineError.from_result(f"{what}: {line.strip()}", result)
    if _REPLY_LOST in out:
        return OutcomeUnknownError.from_result(
            f"{what}: clusvcadm lost rgmanager's reply; the request was sent and may still "
            "complete (outcome unknown: check the service state)", result)
    if any(marker in out for marker in _NOT_SENT):
        line = next(row for row in out.splitlines() if any(m in row for m in _NOT_SENT))
        return RgmanagerUnavailableError.from_result(f"{what}: {line.strip()}", result)
    code, known = RESULTS.get(text, (None, None))
    cls: Any = known or ServiceOperationError
    if code is None:  # "Unknown" or nothing: the exit status is the code modulo 256
        code = result.rc - 256 if result.rc > 128 else -result.rc
    error = cls.from_result(f"{what}: {text or 'no result printed'} (exit {result.rc})", result)
    error.code = code
    return error


class Services:
    """clusvcadm verbs over a runner, plus :meth:`wait_for`.

    ``timeout`` bounds every clusvcadm call (default 120 s).  ``check_members`` (default)
    verifies a ``member=`` name with ``clustat -x -m`` before clusvcadm can replace it by
    a "closest match"; ``resolve_members`` accepts a unique prefix (``h2`` for
    ``h2.zigsow.net``) and reports it in ``ServiceResult.resolved_from``.  ``clock`` and
    ``sleep`` are for tests.
    """

    def __init__(self, runner: Any = None, *, timeout: float = DEFAULT_TIMEOUT,
                 poll_interval: float = 2.0, check_members: bool = True,
                 resolve_members: bool = False, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        from zigha.runner import default_runner

        self.runner = runner or default_runner()
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.check_members = check_members
        self.resolve_members = resolve_members
        self.clock = clock
        self.sleep = sleep

    # -- the verbs ------------------------------------------------------------------------

    def enable(self, name: str, member: str | None = None, follow_domain: bool = False,
               timeout: float | None = None) -> ServiceResult:
        """Start a service (``-e``): here, on ``member``, or by failover-domain rules (``-F``)."""
        if follow_domain and member:
            raise ValueError("follow_domain (-F) cannot be combined with a member (-m)")
        return self._run("enable", name, member, timeout, ["-F"] if follow_domain else [])

    def disable(self, name: str, timeout: float | None = None) -> ServiceResult:
        """Stop a service and mark it disabled (``-d``); it stays down."""
        return self._run("disable", name, None, timeout)

    def relocate(self, name: str, member: str | None = None,
                 timeout: float | None = None) -> ServiceResult:
        """Stop and start elsewhere (``-r``): on ``member``, or where rgmanager picks."""
        return self._run("relocate", name, member, timeout)

    def restart(self, name: str, timeout: float | None = None) -> ServiceResult:
        """Restart in place (``-R``)."""
        return self._run("restart", name, None, timeout)

    def stop(self, name: str, timeout: float | None = None) -> ServiceResult:
        """Stop (``-s``); unlike disable, it is started again at the next transition."""
        return self._run("stop", name, None, timeout)

    def freeze(self, name: str, timeout: float | None = None) -> ServiceResult:
        """Freeze (``-Z``): no status checks, no failover, until unfrozen."""
        return self._run("freeze", name, None, timeout)

    def unfreeze(self, name: str, timeout: float | None = None) -> ServiceResult:
        """Unfreeze (``-U``)."""
        return self._run("unfreeze", name, None, timeout)

    def migrate(self, name: str, member: str, timeout: float | None = None) -> ServiceResult:
        """Live-migrate a VM (``-M``) to ``member`` (required)."""
        if not member:
            raise ValueError("migrate needs a target member")
        return self._run("migrate", name, member, timeout)

    def convalesce(self, name: str, timeout: float | None = None) -> ServiceResult:
        """Restart failed non-critical resources (``-c``; not in rgmanager 3.0.12, where
        clusvcadm prints its usage: :class:`ClusvcadmUsageError`)."""
        return self._run("convalesce", name, None, timeout)

    # -- whole-cluster lock (clusvcadm -l / -u / -S) ----------------------------------------

    def lock(self, timeout: float | None = None) -> None:
        """Lock the local rgmanager (no service starts), before a whole-cluster shutdown."""
        self._lock_call("-l", "Resource groups locked", timeout)

    def unlock(self, timeout: float | None = None) -> None:
        """Undo :meth:`lock`."""
        self._lock_call("-u", "Resource groups unlocked", timeout)

    def is_locked(self, timeout: float | None = None) -> bool:
        """``clusvcadm -S``: True when the resource groups are locked."""
        out = self._lock_call("-S", ("Resource groups locked", "Resource groups unlocked"), timeout)
        return out == "Resource groups locked"

    def _lock_call(self, option: str, wanted: Any, timeout: float | None) -> str:
        argv = ["clusvcadm", option]
        limit = self.timeout if timeout is None else timeout
        try:
            result = self.runner.run(argv, timeout=limit)
        except OutcomeUnknownError:
            raise
        except CommandTimeout as exc:
            raise OutcomeUnknownError(
                f"clusvcadm {option}: no answer within {limit:g} s (outcome unknown)",
                argv=argv, timeout=limit) from exc
        out = (result.stdout or "").strip()
        if result.rc == 0 and out in ((wanted,) if isinstance(wanted, str) else wanted):
            return out
        text = (out or result.stderr.strip() or f"exit {result.rc}").splitlines()[-1]
        # "Lock operation failed" is rgmanager's answer; the others mean it was not reached
        unreachable = ("Could not connect", "Communication failed", "Receive failed")
        cls = RgmanagerUnavailableError if text.startswith(unreachable) else ServiceOperationError
        raise cls.from_result(f"clusvcadm {option}: {text}", result)

    # -- machinery --------------------------------------------------------------------------

    def _member(self, member: str) -> tuple[str, str | None]:
        """The exact member name to pass to ``-m`` and what it was resolved from."""
        if not self.check_members:
            return member, None
        found = _live.clustat(self.runner, member=member).member(member)
        if found is None:
            names = [m.name for m in _live.clustat(self.runner).members if m.qdisk is False]
            matches = [n for n in names if n.startswith(member)]
            if self.resolve_members and len(matches) == 1:
                return self._member(matches[0])[0], member
            hint = (f"did you mean {matches[0]!r}?" if len(matches) == 1
                    else f"members: {', '.join(names) or 'none'}")
            raise UnknownMemberError(
                f"{member!r} is not the exact name of a cluster member ({hint}); "
                "clusvcadm would silently take the closest match",
                argv=("clustat", "-x", "-m", member))
        if not found.online:
            raise MemberOfflineError(f"{member}: member is offline",
                                     argv=("clustat", "-x", "-m", member))
        return member, None

    def _run(self, operation: str, name: str, member: str | None,
             timeout: float | None, extra: Iterable[str] = ()) -> ServiceResult:
        full = service_name(name)
        if len(full) > MAX_NAME:
            raise ValueError(f"{full}: longer than {MAX_NAME} characters; clusvcadm would cut it")
        resolved_from = None
        if member:
            member, resolved_from = self._member(member)
        option = OPERATIONS[operation][0]
        argv = ["clusvcadm", option, full, *extra] + (["-m", member] if member else [])
        limit = self.timeout if timeout is None else timeout
        what = " ".join(argv)
        try:
            result = self.runner.run(argv, timeout=limit)
        except OutcomeUnknownError:
            raise
        except CommandTimeout as exc:
            raise OutcomeUnknownError(
                f"{what}: no answer within {limit:g} s; clusvcadm was killed but rgmanager "
                "may still carry out the request (outcome unknown: check the service state)",
                argv=argv, timeout=limit) from exc
        reply = parse_clusvcadm(result.stdout or "")
        text = reply.result
        message = (result.stdout or "").strip()
        if reply.closest_match and reply.closest_match != member:
            # only reachable with check_members=False: clusvcadm replaced the name itself
            member, resolved_from = reply.closest_match, member
        base: dict[str, Any] = dict(operation=operation, service=full, member=member,
                    running_on=reply.running_on, message=message,
                    resolved_from=resolved_from, argv=argv)
        if text == "Success" and result.rc == 0:
            outcome = Outcome.RUNNING_ELSEWHERE if reply.warning else Outcome.SUCCESS
            return ServiceResult(outcome=outcome, **base)
        if text == "Service is already running" and result.rc == 0:
            return ServiceResult(outcome=Outcome.ALREADY_RUNNING, **base)
        if text == "Warning; see system logs":
            return ServiceResult(outcome=Outcome.WARNING, **base)
        raise _error_for(reply, result, what)

    # -- waiting ----------------------------------------------------------------------------

    def status(self, name: str) -> ServiceStatus:
        """The service's current status (``clustat -x -s``)."""
        return _live.service_status(name, self.runner)

    def wait_for(self, name: str,
                 state: None | ServiceState | str | Iterable[ServiceState | str] = None,
                 owner: str | None = None, timeout: float = 120.0,
                 on_progress: Callable[[ServiceStatus | None, float], None] | None = None,
                 fail_on: Iterable[ServiceState] = (ServiceState.FAILED,)) -> ServiceStatus:
        """Poll ``clustat -x -s`` until the service is in ``state`` (and on ``owner``).

        ``state`` is a state, its word, or several; by default any settled state (not
        starting, stopping, recovering, ...).  ``on_progress(status, elapsed)`` is called
        after every poll (``status`` None while rgmanager gives no states).  Raises
        :class:`WaitTimeoutError` carrying the last status, :class:`ServiceFailedError`
        when a ``fail_on`` state is reached first, :class:`UnknownServiceError` at once.
        """
        full = service_name(name)
        if state is None:
            wanted = None
        elif isinstance(state, (ServiceState, str)):
            wanted = {ServiceState.coerce(state)}
        else:
            wanted = {ServiceState.coerce(s) for s in state}
        failing = set(fail_on) - (wanted or set())
        start = self.clock()
        last: ServiceStatus | None = None
        while True:
            current: ServiceStatus | None
            try:
                left = timeout - (self.clock() - start)
                current = _live.service_status(
                    full, self.runner, timeout=max(1.0, min(_live.DEFAULT_TIMEOUT, left)))
            except (RgmanagerUnavailableError, InquorateError, CommandTimeout):
                current = None
            elapsed = self.clock() - start
            if current is not None:
                last = current
            if on_progress is not None:
                on_progress(current, elapsed)
            if current is not None:
                if _matches(current, wanted, owner):
                    return current
                if current.state in failing:
                    error = ServiceFailedError(
                        f"{full} went to {current.state.value} (last owner "
                        f"{current.last_owner or 'none'}) while waiting",
                        argv=("clustat", "-x", "-s", full))
                    error.status = current
                    raise error
            if elapsed >= timeout:
                seen = (f"{last.state_raw} on {last.owner or last.last_owner or 'none'}"
                        if last else "no service state")
                raise WaitTimeoutError(
                    f"{full}: not {_describe(wanted, owner)} after {timeout:g} s (last seen: {seen})",
                    last=last, timeout=timeout, argv=("clustat", "-x", "-s", full))
            self.sleep(min(self.poll_interval, timeout - elapsed))


_SETTLED = {ServiceState.STARTED, ServiceState.STOPPED, ServiceState.DISABLED,
            ServiceState.FAILED}


def _matches(status: ServiceStatus, wanted: set | None, owner: str | None) -> bool:
    if wanted is None:
        ok = status.state in _SETTLED
    else:
        ok = status.state in wanted
    return ok and (owner is None or status.owner == owner)


def _describe(wanted: set | None, owner: str | None) -> str:
    text = "settled" if wanted is None else " or ".join(sorted(s.value for s in wanted))
    return f"{text} on {owner}" if owner else text


def error_is_retryable(error: BaseException) -> bool:
    """True for the transient clusvcadm failures (busy, deadlock, fencing pending)."""
    return isinstance(error, RgmanagerError) and error.retryable

