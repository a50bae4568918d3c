"""Errors about rgmanager and its services, shared by :mod:`zigha.status` and
:mod:`zigha.services` (which re-exports the clusvcadm ones).

All are :class:`~zigha.errors.CommandError` subclasses (they carry argv, rc, stdout,
stderr).  ``code`` is rgmanager's result code where one applies (``-4`` for
"Service does not exist"), ``retryable`` says whether trying again later can help, and
``exit_code`` is what ``zigha`` exits with.
"""

from __future__ import annotations

from typing import Any

from zigha.errors import CommandError, CommandTimeout


class RgmanagerError(CommandError):
    """Base of every rgmanager-related failure (clustat or clusvcadm)."""

    code: int | None = None
    retryable: bool = False
    exit_code: int = 1


class RgmanagerUnavailableError(RgmanagerError):
    """rgmanager did not answer: not running, not reachable, or still starting up."""

    exit_code = 3


class InquorateError(RgmanagerError):
    """The cluster has no quorum (``Operation requires quorum``); nothing can start."""

    code = -9
    retryable = True


class UnknownServiceError(RgmanagerError):
    """No such service (``Service does not exist``; not in ``clustat -x -s`` output)."""

    code = -4
    exit_code = 2


class UnknownMemberError(RgmanagerError):
    """No cluster member has exactly this name."""

    exit_code = 2


class MemberOfflineError(RgmanagerError):
    """The member exists but is not online (``Target node dead / nonexistent``)."""

    code = -12


# -- clusvcadm results (zigha.services) ---------------------------------------------------

class ServiceOperationError(RgmanagerError):
    """clusvcadm reported a failure; ``code`` is rgmanager's result code."""


class ServiceFailedError(ServiceOperationError):
    """``Failure`` / ``Aborted; service failed`` / ``S/Lang Script Error``, or the service
    went to ``failed`` while being waited for (``status`` holds what was seen)."""

    status: Any = None  # the ServiceStatus seen, when raised while waiting


class ServiceBusyError(ServiceOperationError):
    """Transient: deadlock, ``Temporary failure; try again``, not mastered locally."""

    retryable = True


class FencePendingError(ServiceBusyError):
    """``Fencing operation pending; try again later``."""

    code = -13


class ServiceFrozenError(ServiceOperationError):
    """``Failure: Service is frozen``: unfreeze it first (``clusvcadm -U``)."""

    code = -11


class ServiceNotRunnableError(ServiceOperationError):
    """``Service not runnable`` (no allowed member), exclusive, or a dependency rule."""


class InvalidOperationError(ServiceOperationError):
    """``Invalid operation for resource`` (e.g. migrate on a plain service)."""

    code = -8


class RelocationFailedError(ServiceOperationError):
    """``Failed; service running on original owner``."""

    code = -17


class PermissionDeniedError(ServiceOperationError):
    """``Permission denied`` (printed ``Permissing denied`` by 3.0.x)."""

    code = -18


class ClusvcadmUsageError(ServiceOperationError):
    """clusvcadm printed its usage: an option this build does not know (``-c`` on 3.0.12)."""

    exit_code = 3


class OutcomeUnknownError(CommandTimeout):
    """clusvcadm gave no answer in time and was killed, or lost rgmanager's reply.

    rgmanager still carries out the request: the outcome is unknown until the state is
    read again.
    """


class WaitTimeoutError(CommandTimeout):
    """The service did not reach the wanted state in time; ``last`` is the last seen."""

    def __init__(self, message: str, *, last: Any = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.last = last
