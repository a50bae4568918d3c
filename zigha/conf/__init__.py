"""cluster.conf as typed, editable, validated, crash-safe objects.

>>> from zigha.conf import ClusterConf
>>> conf = ClusterConf.load("/etc/cluster/cluster.conf")   # doctest: +SKIP
>>> conf.add_node("h4.zigsow.net", nodeid=4)                # doctest: +SKIP
>>> conf.save()                                             # doctest: +SKIP

See docs/conf.md.
"""

from zigha.conf.facade import DEFAULT_PATH, ClusterConf, UnknownNameError, content_hash
from zigha.conf.model import (
    CmanOptions,
    FailoverDomain,
    FenceDevice,
    FenceInstance,
    FenceMethod,
    Finding,
    Heuristic,
    Node,
    QuorumDisk,
    Resource,
    ResourceNode,
    RmOptions,
    Service,
    Vm,
)
from zigha.xmlutil import ConfigSyntaxError

__all__ = [
    "DEFAULT_PATH", "ClusterConf", "ConfigSyntaxError", "UnknownNameError", "content_hash",
    "CmanOptions",
    "FailoverDomain", "FenceDevice", "FenceInstance", "FenceMethod", "Finding", "Heuristic",
    "Node", "QuorumDisk", "Resource", "ResourceNode", "RmOptions", "Service", "Vm",
]
