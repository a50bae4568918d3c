"""Where the real tools live: one table, absolute paths, no PATH lookup.

rgmanager runs agents with an empty environment and cron runs admin scripts with a
minimal one, so zigha never depends on ``PATH``.  Each tool has an ordered list of
candidate paths (RHEL 6 puts the cluster tools in /usr/sbin; Debian puts apache as
``apache2``).  An administrator or a test can override one with :func:`set_path` or with
the environment variable ``ZIGHA_TOOL_<NAME>`` (upper case, ``-`` as ``_``), e.g.
``ZIGHA_TOOL_CLUSTAT=/opt/rhcs/sbin/clustat``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

SEARCH_DIRS = ("/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/local/bin")

#: tool name -> file names to look for, in order (first found wins)
CANDIDATES: dict[str, tuple[str, ...]] = {
    "clustat": ("clustat",),
    "clusvcadm": ("clusvcadm",),
    "cman_tool": ("cman_tool",),
    "ccs_config_validate": ("ccs_config_validate",),
    "fence_ack_manual": ("fence_ack_manual",),
    "fence_tool": ("fence_tool",),
    "ipvsadm": ("ipvsadm",),
    "ip": ("ip",),
    "sysctl": ("sysctl",),
    "modprobe": ("modprobe",),
    "ping": ("ping",),
    "httpd": ("httpd", "apache2"),
    "apache2": ("apache2", "httpd"),
    "apachectl": ("apachectl", "apache2ctl"),
    "named": ("named",),
    "named-checkconf": ("named-checkconf",),
    "named-checkzone": ("named-checkzone",),
    "rndc": ("rndc",),
    "postfix": ("postfix",),
    "postconf": ("postconf",),
    "postqueue": ("postqueue",),
    "crm_mon": ("crm_mon",),
    "cibadmin": ("cibadmin",),
    "crm_verify": ("crm_verify",),
    "crm_resource": ("crm_resource",),
    "iscsiadm": ("iscsiadm",),
    "targetcli": ("targetcli",),
    "tgtadm": ("tgtadm",),
}

_overrides: dict[str, str] = {}


def set_path(tool: str, path: str | None) -> None:
    """Use ``path`` for ``tool`` from now on (``None`` forgets the override)."""
    if path is None:
        _overrides.pop(tool, None)
    else:
        _overrides[tool] = path


def env_name(tool: str) -> str:
    return "ZIGHA_TOOL_" + tool.upper().replace("-", "_")


def find(tool: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The absolute path of ``tool``, or ``None`` when it is not installed.

    An absolute ``tool`` is returned as it is when it exists.
    """
    if os.path.isabs(tool):
        return tool if os.access(tool, os.X_OK) else None
    environ = os.environ if environ is None else environ
    override = _overrides.get(tool) or environ.get(env_name(tool))
    if override:
        return override
    for name in CANDIDATES.get(tool, (tool,)):
        for directory in SEARCH_DIRS:
            candidate = os.path.join(directory, name)
            if os.access(candidate, os.X_OK) and not os.path.isdir(candidate):
                return candidate
    return None
