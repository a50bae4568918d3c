"""Fencing without a fence device, done safely: fence_ack_manual as an object and a watchdog.

* :func:`zigha.fence.ack.fence_ack_manual` acknowledges a pending fence of one node, only
  when fenced is waiting for exactly that node, and confirms fenced took it.
* :func:`zigha.fence.fencetool.parse_fence_tool_ls` reads fenced's state.
* :func:`zigha.fence.watchdog.decide` is the watchdog's pure decision; the daemon loop is
  :mod:`zigha.fence.daemon`.

The real fix is a fence device (for the seed's hardware: ``fence_scsi`` on h0's iSCSI LUN);
see docs/fence.md.  Submodules are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "fence_ack_manual": "zigha.fence.ack",
    "AckOutcome": "zigha.fence.ack",
    "AckResult": "zigha.fence.ack",
    "fence_status": "zigha.fence.ack",
    "parse_fence_tool_ls": "zigha.fence.fencetool",
    "fence_tool_ls": "zigha.fence.fencetool",
    "FenceDomain": "zigha.fence.fencetool",
    "decide": "zigha.fence.watchdog",
    "WatchdogConfig": "zigha.fence.model",
    "WatchdogState": "zigha.fence.model",
    "Policy": "zigha.fence.model",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'zigha.fence' has no attribute {name!r}")
