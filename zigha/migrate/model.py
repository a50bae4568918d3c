"""The Pacemaker configuration a cluster.conf becomes, before it is written out.

A :class:`Plan` holds plain frozen values (primitives, groups, clones, constraints,
properties) and the :class:`ReportItem` list of everything that has no faithful
counterpart.  :mod:`zigha.migrate.cib` writes a plan as CIB XML and
:mod:`zigha.migrate.pcs` as ``pcs`` commands, so both outputs say the same thing.
"""

from __future__ import annotations

from typing import Any

import attrs

SEVERITIES = ("error", "warning", "info")

#: Pacemaker's score arithmetic saturates here (pcmk "INFINITY")
INFINITY = 1000000


def score_text(score: int) -> str:
    if score >= INFINITY:
        return "INFINITY"
    if score <= -INFINITY:
        return "-INFINITY"
    return str(score)


@attrs.frozen
class ReportItem:
    """Something the translation could not carry over as it was.

    ``element`` is the cluster.conf element path (``/cluster/rm/service[@name='http']``),
    ``reason`` says what happens instead, ``severity`` is ``error`` (behaviour lost or
    unsafe: act before switching), ``warning`` (behaviour differs) or ``info``.
    """

    element: str
    reason: str
    severity: str = attrs.field(validator=attrs.validators.in_(SEVERITIES))

    def to_dict(self) -> dict[str, Any]:
        return {"element": self.element, "reason": self.reason, "severity": self.severity}

    def format(self) -> str:
        return f"{self.severity}: {self.element}: {self.reason}"


@attrs.frozen
class Op:
    name: str
    interval: int = 0
    timeout: int = 20
    on_fail: str | None = None


@attrs.frozen
class Primitive:
    """``<primitive>``; ``standard`` is ``ocf``, ``lsb`` or ``stonith``."""

    id: str
    standard: str
    type: str
    provider: str | None = None
    params: tuple = ()  # (name, value) pairs, in order
    meta: tuple = ()
    ops: tuple = ()
    source: str = ""  # the cluster.conf element it comes from

    @property
    def agent(self) -> str:
        """``ocf:heartbeat:IPaddr2``, ``lsb:postfix``, ``stonith:fence_ipmilan``."""
        if self.provider:
            return f"{self.standard}:{self.provider}:{self.type}"
        return f"{self.standard}:{self.type}"


@attrs.frozen
class Group:
    """An rgmanager service (or vm): its resources in start order."""

    id: str
    primitives: tuple
    meta: tuple = ()
    source: str = ""


@attrs.frozen
class Clone:
    """A resource every node may run at once (a cluster file system)."""

    id: str
    primitive: Primitive
    meta: tuple = (("interleave", "true"),)


@attrs.frozen
class Location:
    """Preferences of one resource: ``scores`` = (node, score) pairs; ``only_on`` (not
    None) = the nodes allowed, everything else is -INFINITY (a restricted domain)."""

    id: str
    rsc: str
    scores: tuple = ()
    only_on: tuple | None = None
    comment: str = ""


@attrs.frozen
class Order:
    id: str
    first: str
    then: str
    kind: str = "Mandatory"  # or Optional
    comment: str = ""


@attrs.frozen
class Colocation:
    id: str
    rsc: str
    with_rsc: str
    score: int = INFINITY
    comment: str = ""


@attrs.frozen
class FencingLevel:
    id: str
    target: str
    index: int
    devices: tuple


@attrs.frozen
class NodeEntry:
    id: int
    uname: str


@attrs.frozen
class Plan:
    """A whole Pacemaker configuration plus the report of what did not carry over."""

    cluster_name: str | None
    nodes: tuple = ()
    properties: tuple = ()  # crm_config (name, value)
    rsc_defaults: tuple = ()
    stonith: tuple = ()  # Primitive
    clones: tuple = ()
    groups: tuple = ()
    locations: tuple = ()
    orders: tuple = ()
    colocations: tuple = ()
    fencing_levels: tuple = ()
    report: tuple = ()

    def group(self, name: str) -> Group | None:
        return next((g for g in self.groups if g.id == name), None)

    def report_dicts(self) -> list:
        return [item.to_dict() for item in self.report]
