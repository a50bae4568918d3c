"""Typed, read-only views of cluster.conf (frozen attrs values).

Every value is read the way the daemon that uses it reads it (see
:mod:`zigha.conf.parse`); the defaults below are the daemons' defaults, not the
schema's (the schema has none).  ``attrs`` on each object is the raw attribute map,
so nothing the typed fields leave out is lost.
"""

from __future__ import annotations

from typing import Any

import attrs

SEVERITIES = ("error", "warning")


def _plain(value: Any) -> Any:
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class _Dict:
    def to_dict(self) -> dict[str, Any]:
        # a mixin: mypy cannot know that type(self) is always an attrs class
        fields = attrs.fields(type(self))  # type: ignore[arg-type]
        return {a.name: _plain(getattr(self, a.name)) for a in fields}


@attrs.frozen
class Finding(_Dict):
    """One problem found by :meth:`ClusterConf.validate`.

    ``code`` is a stable identifier (``duplicate-nodeid``, ``schema``, ...), ``path``
    the element path (``/cluster/clusternodes/clusternode[@name='h1']``) and ``line``
    the 1-based line in the file (``None`` for a tree built in memory).
    """

    severity: str = attrs.field(validator=attrs.validators.in_(SEVERITIES))
    code: str
    message: str
    path: str | None = None
    line: int | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def format(self, file: str = "", with_path: bool = False) -> str:
        """``FILE:LINE: error|warning: message`` (the ``zigha conf validate`` line).

        ``with_path`` appends the element path as `` [/cluster/...]``.
        """
        where = f"{file}:{self.line if self.line is not None else 0}"
        text = f"{where}: {self.severity}: {self.message}"
        if with_path and self.path:
            text += f" [{self.path}]"
        return text


@attrs.frozen
class CmanOptions(_Dict):
    """``<cman>``.  two_node is read with atoi (default False); absent numbers are None
    (cman then derives them: expected_votes = sum of node votes, port 5405, cluster_id
    from the name)."""

    two_node: bool = False
    expected_votes: int | None = None
    port: int | None = None
    cluster_id: int | None = None
    transport: str | None = None
    broadcast: bool = False
    keyfile: str | None = None
    nodename: str | None = None
    multicast_addr: str | None = None
    attrs: dict = attrs.field(factory=dict)


@attrs.frozen
class Heuristic(_Dict):
    program: str | None
    score: int | None = None
    interval: int | None = None
    tko: int | None = None


@attrs.frozen
class QuorumDisk(_Dict):
    """``<quorumd>`` (qdiskd).  Numbers are None when absent (qdiskd's own defaults apply)."""

    votes: int | None = None
    interval: int | None = None
    tko: int | None = None
    min_score: int | None = None
    device: str | None = None
    label: str | None = None
    master_wins: bool = False
    heuristics: tuple = ()
    attrs: dict = attrs.field(factory=dict)


@attrs.frozen
class RmOptions(_Dict):
    """``<rm>``.  central_processing and disabled through atoi (default False);
    log_level None means rgmanager's default."""

    central_processing: bool = False
    disabled: bool = False
    log_level: int | None = None
    log_facility: str | None = None
    status_poll_interval: int | None = None
    attrs: dict = attrs.field(factory=dict)


@attrs.frozen
class FenceInstance(_Dict):
    """A ``<device name=…>`` inside a method or ``<unfence>``; ``attrs`` without name."""

    device: str | None
    attrs: dict = attrs.field(factory=dict)


@attrs.frozen
class FenceMethod(_Dict):
    name: str | None
    devices: tuple = ()


@attrs.frozen
class Node(_Dict):
    """``<clusternode>``.  nodeid None when absent or not a positive integer; votes
    default 1 (cman)."""

    name: str | None
    nodeid: int | None = None
    votes: int = 1
    weight: int | None = None
    altname: str | None = None
    fence_methods: tuple = ()
    unfence: tuple = ()
    attrs: dict = attrs.field(factory=dict)


@attrs.frozen
class FenceDevice(_Dict):
    name: str | None
    agent: str | None = None
    attrs: dict = attrs.field(factory=dict)


@attrs.frozen
class FailoverDomain(_Dict):
    """``<failoverdomain>``.  Flags through atoi ("yes" is False).  ``members`` are
    ``(node name, priority)`` pairs in file order; priority is None when the domain
    is unordered or the value is absent or outside 1..100 (rgmanager reads it as 0)."""

    name: str | None
    ordered: bool = False
    restricted: bool = False
    nofailback: bool = False
    members: tuple = ()

    def preferred(self) -> tuple:
        """Member names, most preferred first (stable for equal priorities)."""
        if not self.ordered:
            return tuple(m[0] for m in self.members)
        ranked = sorted(
            enumerate(self.members), key=lambda im: (im[1][1] if im[1][1] is not None else 0, im[0])
        )
        return tuple(m[0] for _, m in ranked)


@attrs.frozen
class Resource(_Dict):
    """A global resource under ``<rm><resources>``.  ``name`` is the primary attribute's
    value (``address`` for ip, ``InstanceName``/``SID`` for the SAP agents)."""

    type: str
    name: str | None
    attrs: dict = attrs.field(factory=dict)


@attrs.frozen
class ResourceNode(_Dict):
    """One resource in a service tree.  ``attrs`` are the referenced global resource's
    attributes overlaid with the instance's own (``ref`` excluded); ``ref`` is the
    reference text or None for an inline resource."""

    type: str
    attrs: dict = attrs.field(factory=dict)
    ref: str | None = None
    children: tuple = ()
    path: str | None = None
    line: int | None = None

    @property
    def name(self) -> str | None:
        from zigha.conf.parse import primary_attribute

        return self.attrs.get(primary_attribute(self.type))

    def walk(self):
        """This node and its descendants, depth first, in document order."""
        yield self
        for child in self.children:
            yield from child.walk()


@attrs.frozen
class Service(_Dict):
    """``<service>`` (or ``<vm>``, see :class:`Vm`) with rgmanager's defaults:
    autostart True, exclusive False, recovery "restart", max_restarts 0,
    restart_expire_time 0 s (read with rgmanager's expand_time: "5m" is 300),
    depend_mode None unless set (rgmanager treats absent as "hard")."""

    name: str | None
    domain: str | None = None
    autostart: bool = True
    exclusive: bool = False
    recovery: str = "restart"
    max_restarts: int = 0
    restart_expire_time: int = 0
    depend: str | None = None
    depend_mode: str | None = None
    priority: int = 0
    ref: str | None = None
    resources: tuple = ()
    attrs: dict = attrs.field(factory=dict)
    path: str | None = None

    kind = "service"

    @property
    def key(self) -> str:
        """rgmanager's name for it: ``service:NAME``."""
        return f"{self.kind}:{self.name}"

    def walk(self):
        """Every ResourceNode of the tree, depth first, in document order."""
        for node in self.resources:
            yield from node.walk()


@attrs.frozen
class Vm(Service):
    """``<vm>``: the scheduling fields of a service plus migrate (default "live")."""

    migrate: str = "live"
    vm_path: str | None = None

    kind = "vm"
