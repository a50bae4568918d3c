"""What changed between two cluster.conf documents, per object (node, service …)."""

from __future__ import annotations

from typing import Any

import attrs

from zigha.conf.model import _Dict


@attrs.frozen
class Change(_Dict):
    """One difference.  ``action`` is added/removed/changed; ``kind`` the object kind
    (cluster, cman, rm, quorumd, node, fence device, failover domain, resource,
    service, vm); ``fields`` maps a changed field to ``[old, new]``."""

    action: str
    kind: str
    name: str | None
    fields: dict = attrs.field(factory=dict)

    def __str__(self) -> str:
        label = self.kind if self.name is None else f"{self.kind} {self.name}"
        if self.action != "changed":
            return f"{self.action} {label}"
        parts = [f"{k}: {_show(old)} -> {_show(new)}" for k, (old, new) in self.fields.items()]
        return f"changed {label}: " + "; ".join(parts)


def _show(value: Any) -> str:
    return "(none)" if value is None else repr(value) if isinstance(value, str) else str(value)


def _strip(data: Any) -> Any:
    """Drop positions (path, line): they move when anything above them changes."""
    if isinstance(data, dict):
        return {k: _strip(v) for k, v in data.items() if k not in ("path", "line")}
    if isinstance(data, list):
        return [_strip(v) for v in data]
    return data


def _fields(old: dict, new: dict) -> dict:
    keys = list(old) + [k for k in new if k not in old]
    return {k: [old.get(k), new.get(k)] for k in keys if old.get(k) != new.get(k)}


def _compare(kind: str, old: dict, new: dict) -> list:
    changes = []
    for key, value in old.items():
        if key not in new:
            changes.append(Change("removed", kind, key))
        elif value != new[key]:
            changes.append(Change("changed", kind, key, _fields(value, new[key])))
    changes.extend(Change("added", kind, key) for key in new if key not in old)
    return changes


def _keyed(items: Any, key: Any) -> dict:
    return {key(item): _strip(item.to_dict()) for item in items}


def _flat_group(group: Any) -> dict:
    """A service/vm as flat fields: typed values, untyped attributes, and one entry
    per resource of the tree keyed by its position (``ip 10.0.0.1``,
    ``fs fs1 / nfsexport exports``) with its attributes as text."""
    data = _strip(group.to_dict())
    typed = {k: v for k, v in data.items() if k not in ("attrs", "resources", "ref")}
    for key, value in group.attrs.items():
        if key not in typed:
            typed[f"@{key}"] = value

    def walk(nodes: Any, prefix: str) -> None:
        for node in nodes:
            label = f"{prefix}{node.type} {node.name or node.ref or '?'}"
            text = " ".join(f"{k}={v}" for k, v in sorted(node.attrs.items()))
            typed[f"resource {label}"] = text
            walk(node.children, label + " / ")

    walk(group.resources, "")
    return typed


def diff(old: Any, new: Any) -> list:
    """Changes that turn ``old`` into ``new`` (both ClusterConf), in a stable order."""
    changes = []
    top_old = {"name": old.name, "config_version": old.config_version}
    top_new = {"name": new.name, "config_version": new.config_version}
    if top_old != top_new:
        changes.append(Change("changed", "cluster", None, _fields(top_old, top_new)))
    for kind, a, b in (("cman", old.cman, new.cman), ("rm", old.rm, new.rm)):
        if a != b:
            changes.append(Change("changed", kind, None, _fields(a.attrs, b.attrs) or
                                  _fields(_strip(a.to_dict()), _strip(b.to_dict()))))
    if old.quorumd != new.quorumd:
        if old.quorumd is None or new.quorumd is None:
            changes.append(Change("added" if old.quorumd is None else "removed", "quorumd", None))
        else:
            changes.append(Change("changed", "quorumd", None,
                                  _fields(_strip(old.quorumd.to_dict()), _strip(new.quorumd.to_dict()))))
    by_name = lambda item: item.name  # noqa: E731
    changes += _compare("node", _keyed(old.nodes, by_name), _keyed(new.nodes, by_name))
    changes += _compare("fence device", _keyed(old.fence_devices, by_name), _keyed(new.fence_devices, by_name))
    changes += _compare("failover domain", _keyed(old.failover_domains, by_name),
                        _keyed(new.failover_domains, by_name))
    by_type = lambda r: f"{r.type}:{r.name}"  # noqa: E731
    changes += _compare("resource", _keyed(old.resources, by_type), _keyed(new.resources, by_type))
    for kind, a, b in (("service", old.services, new.services), ("vm", old.vms, new.vms)):
        changes += _compare(kind, {g.name: _flat_group(g) for g in a}, {g.name: _flat_group(g) for g in b})
    return changes
