"""Pure functions from a cluster.conf element tree to the typed views in :mod:`model`.

Values are read the way the daemons read them (sources: rgmanager STABLE3
``reslist.c``/``fo_domain.c``/``groups.c``, cman ``cman-preconfig.c``):

* flags (ordered, restricted, nofailback, autostart, exclusive, two_node,
  central_processing …) go through C ``atoi() != 0``, so "yes" and "true" are
  False.  A value that is not a plain integer yields a ``flag-not-integer`` warning
  (collected in a :class:`Notes` list and reported by ``validate()``);
* times (restart_expire_time) go through rgmanager's ``expand_time``: digit runs
  followed by s/m/h/d/w/y, summed ("1h30m" is 5400); other letters count 0;
* absent attributes take the daemon defaults documented on each model class.
"""

from __future__ import annotations

import re
from typing import Any

from zigha.conf import model
from zigha.xmlutil import child_elements, element_path, first_child

_ATOI = re.compile(r"\s*([+-]?\d+)")
_PLAIN_INT = re.compile(r"\s*[+-]?\d+\s*\Z")

#: resource type -> its primary attribute (agent metadata, cluster-conf.md §2.12)
PRIMARY = {"ip": "address", "SAPInstance": "InstanceName", "SAPDatabase": "SID"}
#: resource type -> unique attributes besides the primary one
UNIQUE = {
    "ip": ("address",),
    "fs": ("mountpoint", "device"),
    "clusterfs": ("mountpoint", "device"),
    "netfs": ("mountpoint",),
    "nfsclient": ("name",),
    "script": ("name", "file"),
    "samba": ("name",),
    "oracledb": ("listener_name", "vhost", "tns_admin"),
    "orainstance": ("tns_admin",),
    "oralistener": ("tns_admin",),
    "ASEHAagent": ("name",),
}
#: types rgmanager instantiates at most once in the whole forest (maxinstances=1)
MAX_ONE = frozenset({"service", "vm", "ip", "fs", "lvm", "nfsserver", "oracledb", "drbd"})
#: required attributes (a resource without them silently does not load)
REQUIRED = {
    "ip": ("address",),
    "fs": ("mountpoint", "device"),
    "clusterfs": ("mountpoint", "device"),
    "netfs": ("mountpoint", "host", "export"),
    "lvm": ("vg_name",),
    "nfsclient": ("target",),
    "script": ("file",),
}
NOT_RESOURCES = frozenset({"action"})


def primary_attribute(rtype: str) -> str:
    return PRIMARY.get(rtype, "name")


class Notes(list):
    """Warnings noticed while reading values (list of :class:`model.Finding`)."""

    def warn(self, code: str, message: str, element: Any) -> None:
        finding = model.Finding("warning", code, message, element_path(element), element.sourceline)
        if finding not in self:
            self.append(finding)


def c_atoi(text: str | None) -> int:
    """C ``atoi``: leading blanks, optional sign, digits up to the first non-digit."""
    if text is None:
        return 0
    match = _ATOI.match(text)
    return int(match.group(1)) if match else 0


def expand_time(text: str | None) -> int:
    """rgmanager's ``expand_time`` (reslist.c): "90", "5m", "1h30m" -> seconds."""
    if not text:
        return 0
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    total = 0
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and text[j].isdigit() and text[j].isascii():
            j += 1
        value = int(text[i:j]) if j > i else 0
        length = j - i if j > i else 1
        suffix = text[i + length] if i + length < len(text) else ""
        if suffix == "":
            factor = 1
        else:
            factor = units.get(suffix.lower(), 0)
        total += value * factor
        i += length
    return total


def read_int(element: Any, attr: str, notes: Notes | None = None) -> int | None:
    """An integer attribute, None when absent; atoi semantics with a warning on junk."""
    text = element.get(attr)
    if text is None:
        return None
    if notes is not None and not _PLAIN_INT.match(text):
        notes.warn(
            "value-not-integer",
            f"{attr}={text!r} is not an integer; the daemon reads it as {c_atoi(text)}",
            element,
        )
    return c_atoi(text)


def read_flag(element: Any, attr: str, default: bool, notes: Notes | None = None) -> bool:
    """A 0/1 flag read with ``atoi() != 0``; "yes" reads as False (with a warning)."""
    text = element.get(attr)
    if text is None:
        return default
    if notes is not None and not _PLAIN_INT.match(text):
        notes.warn(
            "flag-not-integer",
            f"{attr}={text!r} is not an integer; rgmanager/cman read it with atoi() as "
            f"{c_atoi(text)} ({'true' if c_atoi(text) else 'false'})",
            element,
        )
    return c_atoi(text) != 0


def _positive(element: Any, attr: str, notes: Notes | None) -> int | None:
    value = read_int(element, attr, notes)
    return value if value is not None and value > 0 else None


def read_cman(root: Any, notes: Notes | None = None) -> model.CmanOptions:
    cman = first_child(root, "cman")
    if cman is None:
        return model.CmanOptions()
    multicast = first_child(cman, "multicast")
    return model.CmanOptions(
        two_node=read_flag(cman, "two_node", False, notes),
        expected_votes=read_int(cman, "expected_votes", notes),
        port=read_int(cman, "port", notes),
        cluster_id=read_int(cman, "cluster_id", notes),
        transport=cman.get("transport"),
        broadcast=cman.get("broadcast") == "yes",
        keyfile=cman.get("keyfile"),
        nodename=cman.get("nodename"),
        multicast_addr=None if multicast is None else multicast.get("addr"),
        attrs=dict(cman.attrib),
    )


def read_quorumd(root: Any, notes: Notes | None = None) -> model.QuorumDisk | None:
    qd = first_child(root, "quorumd")
    if qd is None:
        return None
    heuristics = tuple(
        model.Heuristic(
            program=h.get("program"),
            score=read_int(h, "score", notes),
            interval=read_int(h, "interval", notes),
            tko=read_int(h, "tko", notes),
        )
        for h in child_elements(qd, "heuristic")
    )
    return model.QuorumDisk(
        votes=read_int(qd, "votes", notes),
        interval=read_int(qd, "interval", notes),
        tko=read_int(qd, "tko", notes),
        min_score=read_int(qd, "min_score", notes),
        device=qd.get("device"),
        label=qd.get("label"),
        master_wins=read_flag(qd, "master_wins", False, notes),
        heuristics=heuristics,
        attrs=dict(qd.attrib),
    )


def read_rm_options(root: Any, notes: Notes | None = None) -> model.RmOptions:
    rm = first_child(root, "rm")
    if rm is None:
        return model.RmOptions()
    return model.RmOptions(
        central_processing=read_flag(rm, "central_processing", False, notes),
        disabled=read_flag(rm, "disabled", False, notes),
        log_level=read_int(rm, "log_level", notes),
        log_facility=rm.get("log_facility"),
        status_poll_interval=read_int(rm, "status_poll_interval", notes),
        attrs=dict(rm.attrib),
    )


def _instance(device: Any) -> model.FenceInstance:
    extra = {k: v for k, v in device.attrib.items() if k != "name"}
    return model.FenceInstance(device=device.get("name"), attrs=extra)


def node_elements(root: Any) -> list:
    nodes = first_child(root, "clusternodes")
    return [] if nodes is None else child_elements(nodes, "clusternode")


def read_nodes(root: Any, notes: Notes | None = None) -> tuple:
    result = []
    for el in node_elements(root):
        fence = first_child(el, "fence")
        methods = () if fence is None else tuple(
            model.FenceMethod(m.get("name"), tuple(_instance(d) for d in child_elements(m, "device")))
            for m in child_elements(fence, "method")
        )
        unfence = first_child(el, "unfence")
        votes = read_int(el, "votes", notes)
        altname = first_child(el, "altname")
        result.append(
            model.Node(
                name=el.get("name"),
                nodeid=_positive(el, "nodeid", notes),
                votes=1 if votes is None else votes,
                weight=read_int(el, "weight", notes),
                altname=None if altname is None else altname.get("name"),
                fence_methods=methods,
                unfence=() if unfence is None else tuple(
                    _instance(d) for d in child_elements(unfence, "device")
                ),
                attrs=dict(el.attrib),
            )
        )
    return tuple(result)


def read_fence_devices(root: Any) -> tuple:
    devices = first_child(root, "fencedevices")
    if devices is None:
        return ()
    return tuple(
        model.FenceDevice(
            name=d.get("name"),
            agent=d.get("agent"),
            attrs={k: v for k, v in d.attrib.items() if k not in ("name", "agent")},
        )
        for d in child_elements(devices, "fencedevice")
    )


def rm_section(root: Any, tag: str) -> Any:
    rm = first_child(root, "rm")
    return None if rm is None else first_child(rm, tag)


def domain_elements(root: Any) -> list:
    domains = rm_section(root, "failoverdomains")
    return [] if domains is None else child_elements(domains, "failoverdomain")


def read_failover_domains(root: Any, notes: Notes | None = None) -> tuple:
    result = []
    for el in domain_elements(root):
        ordered = read_flag(el, "ordered", False, notes)
        members = []
        for member in child_elements(el, "failoverdomainnode"):
            priority = None
            if ordered and member.get("priority") is not None:
                value = read_int(member, "priority", notes)
                # fo_domain.c: out of 1..100 becomes 0, i.e. "no priority"
                priority = value if value is not None and 1 <= value <= 100 else None
            members.append((member.get("name"), priority))
        result.append(
            model.FailoverDomain(
                name=el.get("name"),
                ordered=ordered,
                restricted=read_flag(el, "restricted", False, notes),
                nofailback=read_flag(el, "nofailback", False, notes),
                members=tuple(members),
            )
        )
    return tuple(result)


def resource_elements(root: Any) -> list:
    section = rm_section(root, "resources")
    if section is None:
        return []
    return [c for c in child_elements(section) if c.tag not in NOT_RESOURCES]


def read_resources(root: Any) -> tuple:
    return tuple(
        model.Resource(type=el.tag, name=el.get(primary_attribute(el.tag)), attrs=dict(el.attrib))
        for el in resource_elements(root)
    )


def find_global(root: Any, rtype: str, ref: str) -> Any:
    """The global resource ``<rtype ref=…>`` names (reslist.c find_resource_by_ref):
    first by primary attribute, then by a unique-and-required attribute."""
    candidates = [el for el in resource_elements(root) if el.tag == rtype]
    primary = primary_attribute(rtype)
    for el in candidates:
        if el.get(primary) == ref:
            return el
    fallback = set(UNIQUE.get(rtype, ())) & set(REQUIRED.get(rtype, ()))
    for el in candidates:
        if any(el.get(attr) == ref for attr in fallback):
            return el
    return None


def read_resource_node(root: Any, el: Any) -> model.ResourceNode:
    ref = el.get("ref")
    merged: dict = {}
    if ref is not None:
        target = find_global(root, el.tag, ref)
        if target is not None:
            merged.update(target.attrib)
    merged.update({k: v for k, v in el.attrib.items() if k != "ref"})
    children = tuple(
        read_resource_node(root, c) for c in child_elements(el) if c.tag not in NOT_RESOURCES
    )
    return model.ResourceNode(
        type=el.tag, attrs=merged, ref=ref, children=children,
        path=element_path(el), line=el.sourceline,
    )


def group_elements(root: Any, tag: str = "service") -> list:
    rm = first_child(root, "rm")
    return [] if rm is None else child_elements(rm, tag)


def _merged_group_attrs(root: Any, el: Any) -> dict:
    attrs: dict = {}
    ref = el.get("ref")
    if ref is not None:
        target = find_global(root, el.tag, ref)
        if target is not None:
            attrs.update(target.attrib)
    attrs.update({k: v for k, v in el.attrib.items() if k != "ref"})
    return attrs


def read_group(root: Any, el: Any, notes: Notes | None = None) -> model.Service:
    """A top-level ``<service>`` or ``<vm>`` with defaults from service.sh/vm.sh."""
    attrs = _merged_group_attrs(root, el)
    max_restarts = c_atoi(attrs.get("max_restarts"))
    fields = dict(
        name=attrs.get("name"),
        domain=attrs.get("domain"),
        autostart=_flag(attrs, "autostart", True, notes, el),
        exclusive=_flag(attrs, "exclusive", False, notes, el),
        recovery=attrs.get("recovery") or "restart",
        max_restarts=max(max_restarts, 0),
        restart_expire_time=expand_time(attrs.get("restart_expire_time")),
        depend=attrs.get("depend"),
        depend_mode=attrs.get("depend_mode"),
        priority=c_atoi(attrs.get("priority")),
        ref=el.get("ref"),
        resources=tuple(
            read_resource_node(root, c) for c in child_elements(el) if c.tag not in NOT_RESOURCES
        ),
        attrs=attrs,
        path=element_path(el),
    )
    if el.tag == "vm":
        return model.Vm(migrate=attrs.get("migrate") or "live", vm_path=attrs.get("path"), **fields)
    return model.Service(**fields)


def _flag(attrs: dict, key: str, default: bool, notes: Notes | None, el: Any) -> bool:
    text = attrs.get(key)
    if text is None:
        return default
    if notes is not None and not _PLAIN_INT.match(text):
        notes.warn(
            "flag-not-integer",
            f"{key}={text!r} is not an integer; rgmanager reads it with atoi() as "
            f"{c_atoi(text)} ({'true' if c_atoi(text) else 'false'})",
            el,
        )
    return c_atoi(text) != 0


def read_services(root: Any, notes: Notes | None = None) -> tuple:
    return tuple(read_group(root, el, notes) for el in group_elements(root, "service"))


def read_vms(root: Any, notes: Notes | None = None) -> tuple:
    return tuple(read_group(root, el, notes) for el in group_elements(root, "vm"))


def strip_prefix(address: str) -> str:
    """``192.168.10.246/24`` -> ``192.168.10.246`` (ip.sh accepts the suffix)."""
    return address.split("/", 1)[0].strip()


def collect_notes(root: Any) -> Notes:
    """Run every reader once and return the value warnings they noticed."""
    notes = Notes()
    read_cman(root, notes)
    read_quorumd(root, notes)
    read_rm_options(root, notes)
    read_nodes(root, notes)
    read_failover_domains(root, notes)
    read_services(root, notes)
    read_vms(root, notes)
    return notes

