"""OCF exit codes (OCF RA API 1.0/1.1; rgmanager's ``res-ocf.h`` defines 0-7).

The agents' hot path (``status`` at depth 0) must not pay for :mod:`enum` (about 3 ms,
a third of the interpreter's start-up), so the codes exist twice: plain ``int``
constants used inside the framework, and the :class:`OCFCode` ``IntEnum`` built on first
use for everything else::

    >>> from zigha.ocf.codes import OCFCode, NOT_RUNNING
    >>> OCFCode(NOT_RUNNING)
    <OCFCode.NOT_RUNNING: 7>
"""

from __future__ import annotations

SUCCESS = 0
ERR_GENERIC = 1
ERR_ARGS = 2
ERR_UNIMPLEMENTED = 3
ERR_PERM = 4
ERR_INSTALLED = 5
ERR_CONFIGURED = 6
NOT_RUNNING = 7
RUNNING_MASTER = 8
FAILED_MASTER = 9

#: code -> the OCF name, for log lines
NAMES = {
    SUCCESS: "OCF_SUCCESS",
    ERR_GENERIC: "OCF_ERR_GENERIC",
    ERR_ARGS: "OCF_ERR_ARGS",
    ERR_UNIMPLEMENTED: "OCF_ERR_UNIMPLEMENTED",
    ERR_PERM: "OCF_ERR_PERM",
    ERR_INSTALLED: "OCF_ERR_INSTALLED",
    ERR_CONFIGURED: "OCF_ERR_CONFIGURED",
    NOT_RUNNING: "OCF_NOT_RUNNING",
    RUNNING_MASTER: "OCF_RUNNING_MASTER",
    FAILED_MASTER: "OCF_FAILED_MASTER",
}


def name(code: int) -> str:
    """``OCF_NOT_RUNNING`` for 7; ``rc=N`` for a code OCF does not name."""
    return NAMES.get(code, f"rc={code}")


_enum = None


def _build():
    import enum

    members = {label[len("OCF_"):]: code for code, label in NAMES.items()}
    # members come from NAMES, the one table; mypy only reads literal member lists
    OCFCode = enum.IntEnum("OCFCode", members, module=__name__)  # type: ignore[misc]  # noqa: N806
    OCFCode.__doc__ = "The OCF exit codes; ``int(code)`` is the process exit status."
    return OCFCode


def __getattr__(attr: str):
    global _enum
    if attr == "OCFCode":
        if _enum is None:
            _enum = _build()
        return _enum
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")
