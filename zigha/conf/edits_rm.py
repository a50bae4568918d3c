"""rgmanager edits (``ccs`` failover domain, resource, service and vm commands)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from zigha.conf import parse
from zigha.conf.edit_base import (
    _NAME,
    EditBase,
    append_child,
    ensure_child,
    remove_child,
    xml_value,
)
from zigha.xmlutil import child_elements


class RmEditsMixin(EditBase):
    """Failover domains, global resources, services, subservices and vms."""

    # -- failover domains -------------------------------------------------------------------

    def add_failover_domain(self, name: str, ordered: bool = False, restricted: bool = False,
                            nofailback: bool = False) -> None:
        """Append a domain, writing all three flags as "0"/"1" like ccs."""
        for el in parse.domain_elements(self.root):
            if (el.get("name") or "").lower() == name.lower():
                self._refuse(f"failover domain {el.get('name')!r} already exists "
                             "(names are case-insensitive for rgmanager)", el)
        values = {"name": name, "nofailback": bool(nofailback), "ordered": bool(ordered),
                  "restricted": bool(restricted)}
        self._guarded(f"add failover domain {name!r}", lambda: append_child(
            ensure_child(self._rm(), "failoverdomains"), "failoverdomain", values))

    def remove_failover_domain(self, name: str) -> None:
        """Remove a domain; refused while a service or vm uses it."""
        el = self._domain_el(name)
        for tag in ("service", "vm"):
            for group in parse.group_elements(self.root, tag):
                if (parse._merged_group_attrs(self.root, group).get("domain") or "").lower() == name.lower():
                    self._refuse(f"failover domain {name!r} is used by {tag} "
                                 f"{group.get('name')!r}", group)
        self._guarded(f"remove failover domain {name!r}", lambda: remove_child(el))

    def add_failover_domain_node(self, domain: str, node: str, priority: int | None = None) -> None:
        """Add ``node`` to ``domain`` (``ccs --addfailoverdomainnode``): priority 1..100;
        an existing entry for the node is replaced (moved to the end), as ccs does."""
        el = self._domain_el(domain)
        if priority is not None and (isinstance(priority, bool) or not 1 <= int(priority) <= 100):
            self._refuse(f"priority must be an integer 1..100, not {priority!r}", el)
        if node not in {n.get("name") for n in parse.node_elements(self.root)}:
            self._refuse(f"{node!r} is not a cluster node", el, hint="add the node first")
        old = [m for m in child_elements(el, "failoverdomainnode") if m.get("name") == node]

        def change() -> None:
            for m in old:
                remove_child(m)
            append_child(el, "failoverdomainnode", {"name": node, "priority": priority})

        self._guarded(f"add {node!r} to domain {domain!r}", change)

    def remove_failover_domain_node(self, domain: str, node: str) -> None:
        el = self._domain_el(domain)
        found = [m for m in child_elements(el, "failoverdomainnode") if m.get("name") == node]
        if not found:
            self._refuse(f"domain {domain!r} has no member {node!r}", el)
        self._guarded(f"remove {node!r} from domain {domain!r}", lambda: remove_child(found[0]))

    # -- resources, services, vms -----------------------------------------------------------

    def add_resource(self, rtype: str, **attrs: Any) -> None:
        """Append a global resource (``ccs --addresource TYPE attr=val…``)."""
        if not _NAME.match(rtype) or rtype in ("action",):
            self._refuse(f"{rtype!r} is not a resource type", "/cluster/rm/resources")
        primary = parse.primary_attribute(rtype)
        for attr in parse.REQUIRED.get(rtype, ()) + (primary,) * (rtype in parse.PRIMARY):
            if attrs.get(attr) is None:
                self._refuse(f"a {rtype} resource needs {attr}=", "/cluster/rm/resources")
        name = attrs.get("name")
        for el in parse.resource_elements(self.root):
            if name is not None and el.get("name") == name:
                self._refuse(f"a global resource named {name!r} already exists", el)
            if el.tag == rtype and attrs.get(primary) is not None and el.get(primary) == xml_value(attrs[primary]):
                self._refuse(f"a global {rtype} with {primary}={attrs[primary]!r} already exists", el)
        self._guarded(f"add resource {rtype}", lambda: append_child(
            ensure_child(self._rm(), "resources"), rtype, attrs))

    def remove_resource(self, rtype: str, key: str) -> None:
        """Remove the global ``rtype`` whose primary attribute is ``key``; refused while
        a service refers to it."""
        el = parse.find_global(self.root, rtype, key)
        if el is None or el.getparent().tag != "resources":
            self._refuse(f"no global {rtype} resource {key!r}", "/cluster/rm/resources")
        for user in self.root.iter(rtype):
            if user.get("ref") is not None and parse.find_global(self.root, rtype, user.get("ref")) is el:
                self._refuse(f"{rtype} {key!r} is still referenced", user)
        self._guarded(f"remove resource {rtype} {key!r}", lambda: remove_child(el))

    def _add_group(self, tag: str, name: str, attrs: Mapping[str, Any]) -> None:
        for el in self.root.iter(tag):
            if el.get("name") == name:
                self._refuse(f"a {tag} named {name!r} already exists", el)
        recovery = attrs.get("recovery")
        if recovery is not None and recovery not in ("restart", "relocate", "disable", "restart-disable"):
            self._refuse(f"recovery must be restart, relocate, disable or restart-disable, "
                         f"not {recovery!r}", "/cluster/rm")
        self._guarded(f"add {tag} {name!r}", lambda: append_child(
            self._rm(), tag, {"name": name, **attrs}))

    def add_service(self, name: str, **attrs: Any) -> None:
        """Append a top-level ``<service>`` (``ccs --addservice``): ``domain=``,
        ``autostart=``, ``exclusive=``, ``recovery=``, ``max_restarts=`` … The domain
        and any ``depend=`` must exist."""
        self._add_group("service", name, attrs)

    def remove_service(self, name: str) -> None:
        el = self._group_el(name, "service")
        self._guarded(f"remove service {name!r}", lambda: remove_child(el))

    def set_service(self, name: str, **attrs: Any) -> None:
        """Change a service's attributes (``None`` removes one)."""
        el = self._group_el(name, "service")

        def change() -> None:
            for key, value in attrs.items():
                if value is None:
                    el.attrib.pop(key, None)
                else:
                    el.set(key, xml_value(value))

        self._guarded(f"change service {name!r}", change)

    def add_vm(self, name: str, **attrs: Any) -> None:
        """Append a top-level ``<vm>`` (``ccs --addvm``)."""
        self._add_group("vm", name, attrs)

    def remove_vm(self, name: str) -> None:
        el = self._group_el(name, "vm")
        self._guarded(f"remove vm {name!r}", lambda: remove_child(el))

    def _resolve_path(self, start: Any, path: str) -> Any:
        """ccs paths: ``type[:type…]`` with ``[n]`` (0-based) among same-type siblings."""
        el = start
        for step in [s for s in path.split(":") if s]:
            match = re.fullmatch(r"([A-Za-z_][\w.-]*)(?:\[(\d+)\])?", step)
            if not match:
                self._refuse(f"bad path component {step!r} (expected type or type[n])", el)
            kids = child_elements(el, match.group(1))
            index = int(match.group(2) or 0)
            if index >= len(kids):
                self._refuse(f"unable to find {step!r}", el)
            el = kids[index]
        return el

    def add_subservice(self, service: str, path: str, **attrs: Any) -> None:
        """Append a resource inside a service (``ccs --addsubservice SERVICE PATH``).
        The last component of ``path`` is the new element's type; the rest selects the
        parent (``fs:nfsexport`` appends an nfsexport under the service's first fs).
        ``ref=`` must name a global resource of that type."""
        steps = [s for s in path.split(":") if s]
        if not steps:
            self._refuse("the path names no resource type", self._group_el(service, "service"))
        rtype = steps[-1]
        if not _NAME.match(rtype) or rtype == "action":
            self._refuse(f"{rtype!r} is not a resource type", self._group_el(service, "service"))
        parent = self._resolve_path(self._group_el(service, "service"), ":".join(steps[:-1]))
        ref = attrs.get("ref")
        if ref is not None and parse.find_global(self.root, rtype, str(ref)) is None:
            self._refuse(f"reference to nonexistent resource {ref!r} (type {rtype})", parent,
                         hint=f"add it with add_resource({rtype!r}, …) first")
        self._guarded(f"add {rtype} to service {service!r}",
                      lambda: append_child(parent, rtype, attrs))

    def remove_subservice(self, service: str, path: str) -> None:
        """Remove the element ``path`` selects inside the service (``--rmsubservice``)."""
        if not [s for s in path.split(":") if s]:
            self._refuse("the path names no resource", self._group_el(service, "service"))
        el = self._resolve_path(self._group_el(service, "service"), path)
        self._guarded(f"remove {path!r} from service {service!r}", lambda: remove_child(el))
