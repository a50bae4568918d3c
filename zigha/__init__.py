"""zigha: a Red Hat Cluster Suite (cman + rgmanager) HA cluster and an LVS director, from Python.

Start exploring in a REPL::

    >>> import zigha
    >>> conf = zigha.ClusterConf.load("examples/zigsow/cluster.conf")
    >>> conf.services
    >>> zigha.parse_clustat_xml(open("status.xml").read()).services

Importing the package is cheap: lxml, sh and the bigger modules load only when one of
the names below is first used.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> module that defines it (loaded on first use)
_LAZY = {
    # errors
    "ZighaError": "zigha.errors",
    "ConfigError": "zigha.errors",
    "EditError": "zigha.errors",
    "ParseError": "zigha.errors",
    "ValidationError": "zigha.errors",
    "CommandError": "zigha.errors",
    "CommandTimeout": "zigha.errors",
    "ToolNotFound": "zigha.errors",
    # running commands
    "LocalRunner": "zigha.runner",
    "Result": "zigha.runner",
    "FakeRunner": "zigha.testing",
    "CannedRunner": "zigha.testing",
    # cluster.conf
    "ClusterConf": "zigha.conf",
    # cluster state and service control
    "ClusterStatus": "zigha.status",
    "parse_clustat_xml": "zigha.status",
    "parse_clustat_text": "zigha.status",
    "parse_cman_status": "zigha.status",
    "parse_cman_nodes": "zigha.status",
    "Services": "zigha.services",
    "render_clustat_text": "zigha.status",
    "render_clustat_xml": "zigha.status",
    "parse_crm_mon_xml": "zigha.pcmk",
    # fencing
    "fence_ack_manual": "zigha.fence",
    # LVS
    "parse_ipvsadm_list": "zigha.lvs",
    "parse_ipvsadm_connections": "zigha.lvs",
    "parse_lvs_cf": "zigha.lvs",
    "apply_file": "zigha.lvs",
    "load_desired": "zigha.lvs",
    "prepare_realserver": "zigha.lvs",
    # moving to Pacemaker
    "migrate_file": "zigha.migrate",
    # simulator
    "simulate": "zigha.simulate",
}

_SUBMODULES = {
    "conf", "status", "services", "lvs", "fence", "simulate", "ocf", "agents",
    "migrate", "pcmk", "demo", "runner", "testing", "tools", "errors", "xmlutil",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        value = getattr(module, name) if name != "simulate" else module
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(f"zigha.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'zigha' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES)
