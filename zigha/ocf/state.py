"""What ``start`` records beside the pid file, for the cheap ``status`` to read.

``/var/run/cluster/<type>/<type>:<name>.state`` holds ``key=value`` lines; a key may
repeat (``listen=`` once per endpoint).  It records the daemon executable (the identity
check must not depend on the config or shared storage being readable) and what the deep
check talks to.  Node-local, like the pid file; lost at reboot with /var/run.
"""

from __future__ import annotations

import os


def read(path: str) -> dict:
    """``{key: [values...]}``; empty when the file is missing or unreadable."""
    data: dict = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                key, sep, value = line.rstrip("\n").partition("=")
                if sep:
                    data.setdefault(key.strip(), []).append(value)
    except OSError:
        pass
    return data


def write(path: str, items) -> None:
    """Write ``(key, value)`` pairs atomically (temporary file + rename)."""
    os.makedirs(os.path.dirname(path), mode=0o711, exist_ok=True)
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        for key, value in items:
            handle.write(f"{key}={value}\n")
    os.replace(tmp, path)
