"""Run clustat through the runner and read its answer (exit codes included).

The functions are re-exported by :mod:`zigha.status`; the parsers live in
:mod:`zigha.status.parse_text` and :mod:`zigha.status.parse_xml`.

clustat's exit status means different things per mode (rhcs-cli.md §1.4): a full report
exits 0 (or **255** on RHEL 6.0 text mode when rgmanager did not answer), ``-s`` exits
with the state number, ``-Q`` 0/1 for quorate/inquorate, and a missing cman is exit 1
with ``Could not connect to CMAN: ...`` on stderr.  zigha asks for ``-x`` wherever it
can: the XML says exactly what was found, and the exit status is then only a hint.

>>> from zigha.status import clustat
>>> status = clustat()                       # doctest: +SKIP
>>> status.service("httpd").state            # doctest: +SKIP
ServiceState.STARTED
"""

from __future__ import annotations

from zigha.errors import CommandError
from zigha.status.cman import CmanNotRunningError
from zigha.status.errors import (
    InquorateError,
    RgmanagerError,
    RgmanagerUnavailableError,
    UnknownMemberError,
    UnknownServiceError,
)
from zigha.status.model import ClusterStatus, Member, ServiceStatus, service_name
from zigha.status.parse_text import parse_clustat_text
from zigha.status.parse_xml import parse_clustat_xml

__all__ = [
    "clustat", "service_status", "member_status", "is_quorate", "parse_clustat",
    "ClustatError",
]

#: clustat itself gives rgmanager 10 s; leave room for cman and the process start
DEFAULT_TIMEOUT = 30.0


class ClustatError(RgmanagerError):
    """clustat failed in a way that is not one of the typed cases."""

    exit_code = 3


def parse_clustat(text: str) -> ClusterStatus:
    """Text or XML, whichever ``text`` is (for saved captures)."""
    if "<clustat" in text and ("<?xml" in text or text.lstrip().startswith("<")
                               or "Member Name" not in text):
        return parse_clustat_xml(text)
    return parse_clustat_text(text)


def _run(args: list, runner, timeout: float | None):
    from zigha.runner import default_runner

    runner = runner or default_runner()
    return runner.run(["clustat", *args], timeout=DEFAULT_TIMEOUT if timeout is None else timeout)


def _failed(result) -> CommandError:
    err = (result.stderr or "").strip()
    if "Could not connect to CMAN" in err:
        return CmanNotRunningError.from_result(f"clustat: {err.splitlines()[-1]}", result)
    if "Timed out waiting for a response from Resource Group Manager" in err:
        return RgmanagerUnavailableError.from_result(
            "clustat: rgmanager did not answer within 10 s", result)
    text = err or (result.stdout or "").strip() or "no output"
    return ClustatError.from_result(f"clustat failed (exit {result.rc}): "
                                    f"{text.splitlines()[-1]}", result)


def clustat(runner=None, service: str | None = None, member: str | None = None,
            timeout: float | None = None, xml: bool = True) -> ClusterStatus:
    """Run ``clustat -x`` (``-s service`` / ``-m member`` to narrow it) and parse it.

    ``xml=False`` runs the text report instead (for old builds); its RHEL 6.0 exit 255
    with a report on stdout is accepted.  The exit status of ``-s`` is the state number
    and is not an error.  Raises :class:`CmanNotRunningError` when cman is down,
    :class:`ClustatError` for anything else without a report, and ParseError for output
    that is not one.
    """
    args = ["-x"] if xml else []
    if service is not None:
        args += ["-s", service_name(service)]
    if member is not None:
        args += ["-m", member]
    result = _run(args, runner, timeout)
    out = result.stdout or ""
    if xml and "<clustat" in out:
        return parse_clustat_xml(out)
    if not xml and out.strip() and result.rc in (0, 1, 255) + tuple(range(110, 121)):
        if "usage: clustat" in out:
            raise ClustatError.from_result("clustat printed its usage (unknown option?)", result)
        return parse_clustat_text(out)
    raise _failed(result)


def service_status(name: str, runner=None, timeout: float | None = None) -> ServiceStatus:
    """One service through ``clustat -x -s``.

    Raises :class:`UnknownServiceError` when rgmanager does not know it,
    :class:`InquorateError` / :class:`RgmanagerUnavailableError` when rgmanager sent no
    service states at all (``<groups>`` missing, exit 255).
    """
    full = service_name(name)
    status = clustat(runner, service=full, timeout=timeout)
    if not status.services_available:
        raise no_states_error(status, full)
    found = status.service(full)
    if found is None:
        raise UnknownServiceError(f"{full}: no such service (clustat -x -s {full})",
                                  argv=("clustat", "-x", "-s", full))
    return found


def no_states_error(status: ClusterStatus, what: str) -> RgmanagerError:
    """The error for a report without service states, from the notice clustat printed."""
    notice = next((n for n in status.notices if "unavailable" in n), "")
    if "requires quorum" in notice:
        return InquorateError(f"{what}: no service states: {notice}", argv=("clustat", "-x"))
    reason = notice or "rgmanager not running or not answering"
    return RgmanagerUnavailableError(f"{what}: no service states ({reason})",
                                     argv=("clustat", "-x"))


def member_status(name: str, runner=None, timeout: float | None = None) -> Member:
    """One member through ``clustat -x -m`` (exact, case-sensitive name)."""
    status = clustat(runner, member=name, timeout=timeout)
    found = status.member(name)
    if found is None:
        raise UnknownMemberError(f"{name}: no cluster member has this name",
                                 argv=("clustat", "-x", "-m", name))
    return found


def is_quorate(runner=None, timeout: float | None = None) -> bool:
    """``clustat -Q``: True when quorate (exit 0), False when not (exit 1).

    Exit 1 with ``Could not connect to CMAN`` on stderr raises CmanNotRunningError.
    """
    result = _run(["-Q"], runner, timeout)
    if result.rc == 0:
        return True
    if result.rc == 1 and "Could not connect to CMAN" not in (result.stderr or ""):
        return False
    raise _failed(result)
