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

import copy
import re
from collections.abc import Mapping
from typing import Any, Callable, NoReturn

from zigha.conf import parse
from zigha.errors import EditError
from zigha.xmlutil import child_elements, element_path, first_child

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]*$")
#: agents whose instances ccs mirrors into <unfence> (ccs --addfenceinst)
UNFENCE_AGENTS = ("fence_scsi", "fence_sanlock")


def xml_value(value: Any) -> str | None:
    """Python value -> attribute text: bools as "1"/"0", None stays None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _indent_before(el: Any) -> str:
    prev = el.getprevious()
    text = prev.tail if prev is not None else el.getparent().text
    text = text or ""
    return text.rsplit("\n", 1)[1] if "\n" in text else ""


def _unit(root: Any) -> str:
    for child in root:
        indent = _indent_before(child)
        if indent:
            return indent
    return "  "


def append_child(parent: Any, tag: str, attrs: Mapping[str, Any] | None = None) -> Any:
    """Append ``<tag attrs/>`` to ``parent`` with the indentation of its siblings."""
    clean = {k: xml_value(v) for k, v in dict(attrs or {}).items() if v is not None}
    child = parent.makeelement(tag, clean)
    kids = list(parent)
    if kids:
        last = kids[-1]
        step = kids[-2].tail if len(kids) > 1 else parent.text
        closing = last.tail
        last.tail = step if step is not None else closing
        child.tail = closing
    else:
        root = parent.getroottree().getroot()
        own = "" if parent is root else _indent_before(parent)
        parent.text = "\n" + own + _unit(root)
        child.tail = "\n" + own
    parent.append(child)
    return child


def remove_child(el: Any) -> None:
    """Remove ``el`` keeping the layout of the siblings around it."""
    parent = el.getparent()
    prev = el.getprevious()
    if el.getnext() is None:
        if prev is not None:
            prev.tail = el.tail
        else:
            parent.text = None
    parent.remove(el)


def ensure_child(parent: Any, tag: str) -> Any:
    found = first_child(parent, tag)
    return found if found is not None else append_child(parent, tag)


class EditsMixin:
    """The editing half of ClusterConf (needs ``root``, ``_tree``, ``touch``, ``validate``)."""

    root: Any
    _tree: Any

    # -- machinery --------------------------------------------------------------------

    def _semantic_errors(self) -> set:
        from zigha.conf.validate import semantic_findings

        return {(f.code, f.path, f.message) for f in semantic_findings(self) if f.is_error}

    def _guarded(self, what: str, change: Callable[[], Any]) -> Any:
        before = {(c, p) for c, p, _ in self._semantic_errors()}
        snapshot = copy.deepcopy(self._tree)
        try:
            result = change()
        except BaseException:
            self._tree = snapshot
            self.touch()  # type: ignore[attr-defined]
            raise
        self.touch()  # type: ignore[attr-defined]
        new = sorted(e for e in self._semantic_errors() if (e[0], e[1]) not in before)
        if new:
            self._tree = snapshot
            self.touch()  # type: ignore[attr-defined]
            code, path, message = new[0]
            raise EditError(f"{what} refused: {message} [{code}]", path=path)
        return result

    def _refuse(self, message: str, element: Any = None, hint: str | None = None) -> NoReturn:
        raise EditError(message, path=None if element is None else element_path(element), hint=hint)

    def _rm(self) -> Any:
        return ensure_child(self.root, "rm")

    def _node_el(self, name: str) -> Any:
        for el in parse.node_elements(self.root):
            if el.get("name") == name:
                return el
        self._refuse(f"no cluster node named {name!r}", first_child(self.root, "clusternodes"))

    def _domain_el(self, name: str) -> Any:
        for el in parse.domain_elements(self.root):
            if (el.get("name") or "").lower() == name.lower():
                return el
        self._refuse(f"no failover domain named {name!r}")

    def _group_el(self, name: str, tag: str = "service") -> Any:
        bare = name.split(":", 1)[1] if name.startswith(f"{tag}:") else name
        for el in parse.group_elements(self.root, tag):
            if parse._merged_group_attrs(self.root, el).get("name") == bare:
                return el
        self._refuse(f"no {tag} named {bare!r}")

    def _method_el(self, node: str, method: str) -> Any:
        fence = first_child(self._node_el(node), "fence")
        for el in [] if fence is None else child_elements(fence, "method"):
            if el.get("name") == method:
                return el
        self._refuse(f"node {node!r} has no fence method {method!r}", self._node_el(node))

    # -- cluster --------------------------------------------------------------------------

    def set_config_version(self, version: int) -> None:
        """Set config_version (``ccs --setversion``); save() still bumps it by one."""
        if int(version) < 1:
            raise EditError("config_version must be a positive integer", path="/cluster")
        self.root.set("config_version", str(int(version)))
        self.touch()  # type: ignore[attr-defined]

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
            self._refuse(f"nodeid must be a positive integer, not {nodeid!r}")
        if int(nodeid) in used:
            self._refuse(f"nodeid {nodeid} is already used")
        if votes is not None and not 1 <= int(votes) <= 255:
            self._refuse(f"votes must be 1..255, not {votes!r}")
        values = {"name": name, "nodeid": int(nodeid), "votes": votes, **attrs}

        def change() -> None:
            append_child(ensure_child(self.root, "clusternodes"), "clusternode", values)

        self._guarded(f"add node {name!r}", change)
        return self.node(name)  # type: ignore[attr-defined]

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
                         "or leading digit)")
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
            self._refuse(f"no fence device named {name!r}")
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
            self._refuse(f"{rtype!r} is not a resource type")
        primary = parse.primary_attribute(rtype)
        for attr in parse.REQUIRED.get(rtype, ()) + (primary,) * (rtype in parse.PRIMARY):
            if attrs.get(attr) is None:
                self._refuse(f"a {rtype} resource needs {attr}=")
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
            self._refuse(f"no global {rtype} resource {key!r}")
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
            self._refuse(f"recovery must be restart, relocate, disable or restart-disable, not {recovery!r}")
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
            self._refuse("the path names no resource type")
        rtype = steps[-1]
        if not _NAME.match(rtype) or rtype == "action":
            self._refuse(f"{rtype!r} is not a resource type")
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
            self._refuse("the path names no resource")
        el = self._resolve_path(self._group_el(service, "service"), path)
        self._guarded(f"remove {path!r} from service {service!r}", lambda: remove_child(el))
