"""Edits with the operations of Red Hat's ``ccs`` tool, as methods of ClusterConf.

Each edit changes the lxml tree in place (keeping comments and layout; new elements
are indented like their siblings) and is *guarded*: when it would add an error that
``validate()``'s semantic rules report (duplicate node or nodeid, a domain member that
is not a node, a ref to a missing resource, a service in a missing domain, …), the
tree is put back as it was and :class:`~zigha.errors.EditError` names the element
path.  Nothing is written to disk until :meth:`ClusterConf.save`.

Differences from ccs, on purpose: ``set_cman``/``set_rm``/… update the given
attributes (``None`` removes one) instead of dropping all others, unless
``replace=True``; config_version is bumped once per save, not once per edit;
``remove_node`` refuses while a failover domain still lists the node
(``prune_domains=True`` removes those entries too).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zigha.conf import parse
from zigha.conf.edit_base import (
    _NAME,
    UNFENCE_AGENTS,
    EditBase,
    append_child,
    ensure_child,
    remove_child,
    xml_value,
)
from zigha.conf.edits_rm import RmEditsMixin
from zigha.errors import EditError
from zigha.xmlutil import child_elements, first_child

__all__ = ["EditsMixin", "append_child", "remove_child", "ensure_child", "xml_value"]


class EditsMixin(RmEditsMixin, EditBase):
    """The editing half of ClusterConf: cluster, node and fencing edits here, rgmanager
    edits (domains, resources, services, vms) in :mod:`zigha.conf.edits_rm`."""

    # -- cluster --------------------------------------------------------------------------

    def set_config_version(self, version: int) -> None:
        """Set config_version (``ccs --setversion``); save() still bumps it by one."""
        if int(version) < 1:
            raise EditError("config_version must be a positive integer", path="/cluster")
        self.root.set("config_version", str(int(version)))
        self.touch()

    def set_cluster_name(self, name: str) -> None:
        self._guarded("set cluster name", lambda: self.root.set("name", name))

    def _set_section(self, tag: str, attrs: Mapping[str, Any], replace: bool) -> None:
        def change() -> None:
            el = ensure_child(self.root if tag != "rm" else self.root, tag)
            if replace:
                el.attrib.clear()
            for key, value in attrs.items():
                if value is None:
                    el.attrib.pop(key, None)
                else:
                    el.set(key, xml_value(value))

        self._guarded(f"set <{tag}>", change)

    def set_cman(self, replace: bool = False, **attrs: Any) -> None:
        """Set ``<cman>`` attributes (``two_node=True, expected_votes=1``)."""
        self._set_section("cman", attrs, replace)

    def set_rm(self, replace: bool = False, **attrs: Any) -> None:
        """Set ``<rm>`` attributes (``central_processing=1``; needs an rgmanager restart)."""
        self._set_section("rm", attrs, replace)

    def set_totem(self, replace: bool = False, **attrs: Any) -> None:
        self._set_section("totem", attrs, replace)

    def set_fence_daemon(self, replace: bool = False, **attrs: Any) -> None:
        self._set_section("fence_daemon", attrs, replace)

    def set_quorumd(self, replace: bool = False, **attrs: Any) -> None:
        self._set_section("quorumd", attrs, replace)

    # -- nodes ------------------------------------------------------------------------------

    def add_node(self, name: str, nodeid: int | None = None, votes: int | None = None,
                 **attrs: Any) -> Any:
        """Append a clusternode (``ccs --addnode``); nodeid defaults to the lowest free id.
        two_node/expected_votes are not touched (as ccs)."""
        existing = parse.node_elements(self.root)
        if any(el.get("name") == name for el in existing):
            self._refuse(f"node {name!r} already exists", next(e for e in existing if e.get("name") == name))
        used = {parse.c_atoi(el.get("nodeid")) for el in existing}
        if nodeid is None:
            nodeid = next(i for i in range(1, len(used) + 2) if i not in used)
        if int(nodeid) < 1:
            self._refuse(f"nodeid must be a positive integer, not {nodeid!r}", "/cluster/clusternodes")
        if int(nodeid) in used:
            self._refuse(f"nodeid {nodeid} is already used",
                         next(e for e in existing if parse.c_atoi(e.get("nodeid")) == int(nodeid)))
        if votes is not None and not 1 <= int(votes) <= 255:
            self._refuse(f"votes must be 1..255, not {votes!r}", "/cluster/clusternodes")
        values = {"name": name, "nodeid": int(nodeid), "votes": votes, **attrs}

        def change() -> None:
            append_child(ensure_child(self.root, "clusternodes"), "clusternode", values)

        self._guarded(f"add node {name!r}", change)
        return self.node(name)

    def remove_node(self, name: str, prune_domains: bool = False) -> None:
        """Remove a clusternode (``ccs --rmnode``).  Refused while a failover domain
        lists it, unless ``prune_domains`` also removes those entries."""
        el = self._node_el(name)
        members = [m for d in parse.domain_elements(self.root)
                   for m in child_elements(d, "failoverdomainnode") if m.get("name") == name]
        if members and not prune_domains:
            self._refuse(f"node {name!r} is still a member of failover domain "
                         f"{members[0].getparent().get('name')!r}", members[0],
                         hint="remove it from the domain first, or use prune_domains")

        def change() -> None:
            for member in members:
                remove_child(member)
            remove_child(el)

        self._guarded(f"remove node {name!r}", change)

    # -- fencing ----------------------------------------------------------------------------

    def add_fence_device(self, name: str, agent: str, **attrs: Any) -> None:
        """Append a ``<fencedevice>`` (``ccs --addfencedev``)."""
        if not _NAME.match(name):
            self._refuse(f"fence device name {name!r} must be an XML name (no spaces, colons "
                         "or leading digit)", "/cluster/fencedevices")
        for el in child_elements(ensure_child(self.root, "fencedevices"), "fencedevice"):
            if el.get("name") == name:
                self._refuse(f"fence device {name!r} already exists", el)
        self._guarded(f"add fence device {name!r}", lambda: append_child(
            ensure_child(self.root, "fencedevices"), "fencedevice",
            {"name": name, "agent": agent, **attrs}))

    def remove_fence_device(self, name: str) -> None:
        """Remove a fence device; refused while a node's method or unfence uses it."""
        section = first_child(self.root, "fencedevices")
        found = [el for el in ([] if section is None else child_elements(section, "fencedevice"))
                 if el.get("name") == name]
        if not found:
            self._refuse(f"no fence device named {name!r}", "/cluster/fencedevices")
        for device in self.root.iter("device"):
            if device.get("name") == name:
                self._refuse(f"fence device {name!r} is still used", device,
                             hint="remove its fence instances first")
        self._guarded(f"remove fence device {name!r}", lambda: remove_child(found[0]))

    def add_fence_method(self, node: str, method: str) -> None:
        """Append ``<method name=…>`` to the node's ``<fence>`` (``ccs --addmethod``)."""
        node_el = self._node_el(node)
        fence = first_child(node_el, "fence")
        if fence is not None and any(m.get("name") == method for m in child_elements(fence, "method")):
            self._refuse(f"node {node!r} already has a fence method {method!r}", fence)
        self._guarded(f"add fence method {method!r}", lambda: append_child(
            ensure_child(node_el, "fence"), "method", {"name": method}))

    def remove_fence_method(self, node: str, method: str) -> None:
        el = self._method_el(node, method)
        self._guarded(f"remove fence method {method!r}", lambda: remove_child(el))

    def add_fence_instance(self, device: str, node: str, method: str,
                           unfence: bool | None = None, **attrs: Any) -> None:
        """Append ``<device name=DEVICE …>`` to a node's method (``ccs --addfenceinst``).
        For fence_scsi/fence_sanlock an ``<unfence>`` entry with action="on" is added
        too, unless ``unfence=False``."""
        method_el = self._method_el(node, method)
        section = first_child(self.root, "fencedevices")
        definition = next((d for d in ([] if section is None else child_elements(section, "fencedevice"))
                           if d.get("name") == device), None)
        if definition is None:
            self._refuse(f"no fence device named {device!r}", method_el)
        if unfence is None:
            unfence = definition.get("agent") in UNFENCE_AGENTS

        def change() -> None:
            append_child(method_el, "device", {"name": device, **attrs})
            if unfence:
                append_child(ensure_child(self._node_el(node), "unfence"), "device",
                             {"name": device, **attrs, "action": "on"})

        self._guarded(f"add fence instance {device!r}", change)

    def remove_fence_instance(self, device: str, node: str, method: str) -> None:
        """Remove every instance of ``device`` in that method (``ccs --rmfenceinst``)."""
        method_el = self._method_el(node, method)
        found = [d for d in child_elements(method_el, "device") if d.get("name") == device]
        if not found:
            self._refuse(f"method {method!r} of node {node!r} has no device {device!r}", method_el)

        def change() -> None:
            for el in found:
                remove_child(el)

        self._guarded(f"remove fence instance {device!r}", change)
