"""Write a :class:`~zigha.migrate.model.Plan` as a whole CIB (``crm_verify --xml-file``
accepts it as it is; ``cibadmin --replace --scope configuration`` loads it)."""

from __future__ import annotations

import re

from zigha.migrate.model import Plan, Primitive, score_text

_ID_BAD = re.compile(r"[^A-Za-z0-9_.-]")


def _comment(text: str):
    """An XML comment carrying ``text``; XML forbids ``--`` inside a comment (and a
    trailing ``-``), which cluster.conf names may contain."""
    while "--" in text:
        text = text.replace("--", "- -")
    if text.endswith("-"):
        text += " "
    from lxml import etree

    return etree.Comment(text)


def _id(*parts: str) -> str:
    """An XML id from parts that may hold node names (any character)."""
    return _ID_BAD.sub("_", "-".join(parts))

#: the oldest schema with everything written here; Pacemaker 2.0+ reads it
VALIDATE_WITH = "pacemaker-3.0"


def _nvpairs(etree, parent, tag: str, owner: str, pairs) -> None:
    if not pairs:
        return
    block = etree.SubElement(parent, tag, id=f"{owner}-{tag.replace('_', '-')}")
    for name, value in pairs:
        etree.SubElement(block, "nvpair", id=f"{owner}-{tag.split('_')[0]}-{name}",
                         name=name, value=str(value))


def _primitive(etree, parent, prim: Primitive) -> None:
    attrs = {"id": prim.id, "class": prim.standard, "type": prim.type}
    if prim.provider:
        attrs["provider"] = prim.provider
    element = etree.SubElement(parent, "primitive", **attrs)
    if prim.source:
        element.addprevious(_comment(f" from {prim.source} "))
    _nvpairs(etree, element, "instance_attributes", prim.id, prim.params)
    _nvpairs(etree, element, "meta_attributes", prim.id, prim.meta)
    if prim.ops:
        ops = etree.SubElement(element, "operations")
        for op in prim.ops:
            attrs = {"id": f"{prim.id}-{op.name}-{op.interval}s", "name": op.name,
                     "interval": f"{op.interval}s", "timeout": f"{op.timeout}s"}
            if op.on_fail:
                attrs["on-fail"] = op.on_fail
            etree.SubElement(ops, "op", **attrs)


def render_cib(plan: Plan) -> str:
    from lxml import etree

    cib = etree.Element("cib", {"validate-with": VALIDATE_WITH, "epoch": "1",
                                "num_updates": "0", "admin_epoch": "0"})
    config = etree.SubElement(cib, "configuration")
    crm = etree.SubElement(config, "crm_config")
    props = etree.SubElement(crm, "cluster_property_set", id="cib-bootstrap-options")
    for name, value in plan.properties:
        etree.SubElement(props, "nvpair", id=f"cib-bootstrap-options-{name}", name=name,
                         value=value)
    nodes = etree.SubElement(config, "nodes")
    for node in plan.nodes:
        etree.SubElement(nodes, "node", id=str(node.id), uname=node.uname)
    resources = etree.SubElement(config, "resources")
    for prim in plan.stonith:
        _primitive(etree, resources, prim)
    for clone in plan.clones:
        element = etree.SubElement(resources, "clone", id=clone.id)
        _primitive(etree, element, clone.primitive)
        _nvpairs(etree, element, "meta_attributes", clone.id, clone.meta)
    for group in plan.groups:
        element = etree.SubElement(resources, "group", id=group.id)
        element.addprevious(_comment(f" rgmanager {group.source} "))
        for prim in group.primitives:
            _primitive(etree, element, prim)
        _nvpairs(etree, element, "meta_attributes", group.id, group.meta)
    constraints = etree.SubElement(config, "constraints")
    for loc in plan.locations:
        element = etree.SubElement(constraints, "rsc_location", id=loc.id, rsc=loc.rsc)
        if loc.comment:
            element.append(_comment(f" {loc.comment} "))
        for node, score in loc.scores:
            rule = etree.SubElement(element, "rule", id=_id(loc.id, node), score=score_text(score))
            etree.SubElement(rule, "expression", id=_id(loc.id, node, "expr"), attribute="#uname",
                             operation="eq", value=node)
        if loc.only_on is not None:
            rule = etree.SubElement(element, "rule", {"id": f"{loc.id}-restricted",
                                                      "score": "-INFINITY", "boolean-op": "and"})
            for node in loc.only_on:
                etree.SubElement(rule, "expression", id=_id(loc.id, "restricted", node),
                                 attribute="#uname", operation="ne", value=node)
    for order in plan.orders:
        element = etree.SubElement(constraints, "rsc_order", id=order.id, first=order.first,
                                   then=order.then, kind=order.kind)
        if order.comment:
            element.append(_comment(f" {order.comment} "))
    for col in plan.colocations:
        element = etree.SubElement(constraints, "rsc_colocation", {
            "id": col.id, "rsc": col.rsc, "with-rsc": col.with_rsc, "score": score_text(col.score)})
        if col.comment:
            element.append(_comment(f" {col.comment} "))
    if plan.fencing_levels:
        topology = etree.SubElement(config, "fencing-topology")
        for level in plan.fencing_levels:
            etree.SubElement(topology, "fencing-level", id=level.id, target=level.target,
                             index=str(level.index), devices=",".join(level.devices))
    rsc_defaults = etree.SubElement(config, "rsc_defaults")
    _nvpairs(etree, rsc_defaults, "meta_attributes", "rsc-options", plan.rsc_defaults)
    # Every node known and cleanly down: the state of a cluster about to be started.
    # Without it the scheduler takes a listed node without state for unclean and, with
    # fencing enabled, crm_verify warns that it cannot fence it.
    status = etree.SubElement(cib, "status")
    for node in plan.nodes:
        etree.SubElement(status, "node_state", id=str(node.id), uname=node.uname,
                         in_ccm="false", crmd="offline", join="down", expected="down")
    return etree.tostring(cib, pretty_print=True, encoding="unicode")
