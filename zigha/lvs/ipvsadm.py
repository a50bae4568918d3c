"""ipvsadm through the runner: listings as typed tables, changes, and typed errors.

Every call passes ``-n`` (no DNS, names are never identity, lvs.md §12.1) and puts the
command first (``ipvsadm -nl`` is a usage error, §2).  A failing call raises the
:class:`IpvsadmError` subclass that matches ipvsadm's message (§6; the texts are
byte-identical in libipvs 1.26 and 1.31)::

    >>> from zigha.lvs import ipvsadm
    >>> ipvsadm.list_table()                                  # doctest: +SKIP
    >>> ipvsadm.add_service(svc)                              # doctest: +SKIP
    ServiceExistsError: ipvsadm: Service already exists

``restore(text)`` pipes a whole batch into one ``ipvsadm -R``.  It does not raise for
rejected lines: ipvsadm keeps going after a kernel refusal and its exit status is that
of the last line only, so the caller gets every stderr line back and must re-read the
table (that is what :mod:`zigha.lvs.apply` does).
"""

from __future__ import annotations

from collections.abc import Sequence

from zigha.errors import CommandError
from zigha.lvs.model import (
    IpvsadmVersion,
    IpvsTable,
    RealServer,
    SyncDaemon,
    Timeouts,
    VirtualService,
)
from zigha.lvs.parse import (
    parse_ipvsadm_connections,
    parse_ipvsadm_daemon,
    parse_ipvsadm_list,
    parse_ipvsadm_save,
    parse_ipvsadm_timeout,
    parse_ipvsadm_version,
)
from zigha.lvs.rules import real_rule, service_args, service_rule
from zigha.runner import Result, default_runner

TOOL = "ipvsadm"


class IpvsadmError(CommandError):
    """ipvsadm failed; ``stderr`` holds its message."""

    exit_code = 3


class IpvsNotAvailableError(IpvsadmError):
    """``Can't initialize ipvs``: the ip_vs module is missing or cannot be loaded."""


class IpvsPermissionError(IpvsadmError):
    """``Permission denied (you must be root)``: no CAP_NET_ADMIN."""


class ServiceExistsError(IpvsadmError):
    """``Service already exists`` (``-A`` of an existing service)."""

    exit_code = 1


class NoSuchServiceError(IpvsadmError):
    """``No such service`` (``-E``/``-D``/``-Z`` or a listing of a missing service)."""

    exit_code = 1


class ServiceNotDefinedError(IpvsadmError):
    """``Service not defined`` (``-a``/``-e``/``-d`` against a missing service)."""

    exit_code = 1


class DestinationExistsError(IpvsadmError):
    """``Destination already exists`` (``-a`` of an existing real server)."""

    exit_code = 1


class NoSuchDestinationError(IpvsadmError):
    """``No such destination`` (``-e``/``-d`` of a missing real server)."""

    exit_code = 1


class SchedulerNotFoundError(IpvsadmError):
    """``Scheduler or persistence engine not found`` (ip_vs_<name> missing)."""


class InvalidOperationError(IpvsadmError):
    """``Invalid operation.  Possibly wrong module version, address not unicast, ...``"""


class DaemonError(IpvsadmError):
    """``Daemon has already run`` / ``No daemon is running``."""


class IpvsadmUsageError(IpvsadmError):
    """ipvsadm refused the command line (``Try `ipvsadm -h'``, ``illegal ...``): a bug
    in the caller, since zigha builds every line itself."""


#: message fragment -> error class; first match wins (lvs.md §6)
MESSAGES: Sequence[tuple[str, type[IpvsadmError]]] = (
    # "Can't initialize ipvs" in 1.2x-1.31; a "Can not initialize ipvs: ..." spelling is
    # also seen in captures, so match the common tail
    ("initialize ipvs: Permission denied", IpvsPermissionError),
    ("initialize ipvs", IpvsNotAvailableError),
    ("Permission denied (you must be root)", IpvsPermissionError),
    ("Protocol not available", IpvsNotAvailableError),
    ("Service already exists", ServiceExistsError),
    ("Scheduler or persistence engine not found", SchedulerNotFoundError),
    ("No such service", NoSuchServiceError),
    ("Service not defined", ServiceNotDefinedError),
    ("Destination already exists", DestinationExistsError),
    ("No such destination", NoSuchDestinationError),
    ("Daemon has already run", DaemonError),
    ("No daemon is running", DaemonError),
    ("Invalid operation.  Possibly wrong module version", InvalidOperationError),
    ("Try `ipvsadm -h'", IpvsadmUsageError),
    ("illegal ", IpvsadmUsageError),
    ("Illegal '", IpvsadmUsageError),
    ("You need to supply the '", IpvsadmUsageError),
    ("options conflicts in the list command", IpvsadmUsageError),
    ("multiple commands specified", IpvsadmUsageError),
    ("Zero port specified for non-persistent service", IpvsadmUsageError),
)


def error_class(stderr: str) -> type[IpvsadmError]:
    """The :class:`IpvsadmError` subclass for a message (``IpvsadmError`` if unknown)."""
    for fragment, cls in MESSAGES:
        if fragment in stderr:
            return cls
    return IpvsadmError


def error_for(result: Result) -> IpvsadmError:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    # modprobe's own complaint comes first (lvs-samples/ipvsadm-error-01.txt); name ipvsadm's
    known = [line for line in lines if error_class(line) is not IpvsadmError]
    message = (known or lines or [f"exit status {result.rc}"])[0].strip()
    cls = error_class(result.stderr)
    hint = "load it with: modprobe ip_vs" if cls is IpvsNotAvailableError else None
    error = cls.from_result(f"{TOOL}: {message}", result, hint=hint)
    assert isinstance(error, IpvsadmError)
    return error


def run(args: Sequence[str], runner=None, stdin: str | None = None,
        timeout: float | None = None, check: bool = True) -> Result:
    """Run ``ipvsadm ARGS``; with ``check`` a non-zero exit raises the typed error."""
    result = (runner or default_runner()).run([TOOL, *args], stdin=stdin, timeout=timeout)
    if check and result.rc != 0:
        raise error_for(result)
    return result


VIEW_FLAGS = {"default": [], "stats": ["--stats"], "rate": ["--rate"],
              "thresholds": ["--thresholds"], "persistent-conn": ["--persistent-conn"]}


def list_table(runner=None, view: str = "default", service: VirtualService | None = None,
               exact: bool = False) -> IpvsTable:
    """``ipvsadm -L -n [--stats|--rate|...] [--exact] [service]`` as a table."""
    args = ["-L", "-n", *VIEW_FLAGS[view]]
    if exact:
        args.append("--exact")
    if service is not None:
        args += service_args(service)
    return parse_ipvsadm_list(run(args, runner).stdout, numeric=True)


def save(runner=None) -> IpvsTable:
    """``ipvsadm -S -n``: the table as rules (no thresholds, no counters)."""
    return parse_ipvsadm_save(run(["-S", "-n"], runner).stdout)


def connections(runner=None):
    return parse_ipvsadm_connections(run(["-L", "-n", "-c"], runner).stdout)


def timeouts(runner=None) -> Timeouts:
    return parse_ipvsadm_timeout(run(["-L", "-n", "--timeout"], runner).stdout)


def daemons(runner=None) -> list[SyncDaemon]:
    return parse_ipvsadm_daemon(run(["-L", "-n", "--daemon"], runner).stdout)


def version(runner=None) -> IpvsadmVersion:
    return parse_ipvsadm_version(run(["--version"], runner).stdout)


def _line(rule: str, runner) -> Result:
    return run(rule.split(), runner)


def add_service(svc: VirtualService, runner=None) -> Result:
    return _line(service_rule("-A", svc), runner)


def edit_service(svc: VirtualService, runner=None) -> Result:
    """``-E`` with every attribute (an omitted one would fall back to its default)."""
    return _line(service_rule("-E", svc), runner)


def delete_service(svc: VirtualService, runner=None) -> Result:
    return _line(service_rule("-D", svc), runner)


def add_real(svc: VirtualService, real: RealServer, runner=None) -> Result:
    return _line(real_rule("-a", svc, real), runner)


def edit_real(svc: VirtualService, real: RealServer, runner=None) -> Result:
    """``-e`` with every attribute (an omitted ``-m`` would turn NAT into DR)."""
    return _line(real_rule("-e", svc, real), runner)


def delete_real(svc: VirtualService, real: RealServer, runner=None) -> Result:
    return _line(real_rule("-d", svc, real), runner)


def set_timeouts(tcp: int, tcpfin: int, udp: int, runner=None) -> Result:
    """``ipvsadm --set``; 0 keeps the current value."""
    return run(["--set", str(tcp), str(tcpfin), str(udp)], runner)


def zero(runner=None, service: VirtualService | None = None) -> Result:
    return run(["-Z", *(service_args(service) if service else [])], runner)


def clear(runner=None) -> Result:
    """``ipvsadm -C``: flush the WHOLE table, other users' services included."""
    return run(["-C"], runner)


def restore(text: str, runner=None, timeout: float | None = None) -> Result:
    """One ``ipvsadm -R`` reading ``text``; never raises on the exit status (see module doc).

    Only an initialisation failure (no IPVS at all) raises, since then nothing ran.
    """
    result = run(["-R"], runner, stdin=text, timeout=timeout, check=False)
    if result.rc != 0 and error_class(result.stderr) in (IpvsNotAvailableError, IpvsPermissionError):
        raise error_for(result)
    return result
