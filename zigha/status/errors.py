"""Errors about rgmanager and its services, shared by :mod:`zigha.status` and
:mod:`zigha.services`.

All are :class:`~zigha.errors.CommandError` subclasses (they carry argv, rc, stdout,
stderr).  ``code`` is rgmanager's result code where one applies (``-4`` for
"Service does not exist"), ``retryable`` says whether trying again later can help, and
``exit_code`` is what ``zigha`` exits with.
"""

from __future__ import annotations

from typing import Optional

from zigha.errors import CommandError


class RgmanagerError(CommandError):
    """Base of every rgmanager-related failure (clustat or clusvcadm)."""

    code: Optional[int] = None
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
