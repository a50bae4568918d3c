"""Precise schema messages: a structural walk driven by the RelaxNG file itself.

libxml2 reports problems inside ``<interleave>`` poorly ("Extra element totem in
interleave", "Element cluster failed to validate content") and often stops at the
first one.  When the RelaxNG check fails, :func:`walk` re-reads the same schema as a
table (element -> allowed attributes with their types, allowed children) and checks
every element, so each problem gets its own finding with element path and line.

The verdict never comes from here: validate() reports schema errors only when libxml2's
RelaxNG says the document is invalid, exactly like ``ccs_config_validate -f``.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from zigha.conf.model import Finding
from zigha.xmlutil import element_path

RNG = "{http://relaxng.org/ns/structure/1.0}"
_NCNAME = re.compile(r"^[A-Za-z_][\w.-]*$")
#: children of <cluster> that may occur more than once (cluster-conf.md §1.3)
REPEATABLE_SECTIONS = frozenset({"uidgid"})


@attrs.define
class AttrRule:
    required: bool = False
    datatype: Any = None
    values: tuple = ()


@attrs.define
class Alternative:
    """One branch of an attribute ``<choice>`` (e.g. ``ref=`` versus ``address=…``)."""

    required: frozenset
    allowed: frozenset


@attrs.define
class ElementRule:
    name: str
    attributes: dict = attrs.field(factory=dict)
    children: set = attrs.field(factory=set)
    #: (choice is optional, its branches) for each attribute choice of the element
    choices: list = attrs.field(factory=list)


def compile_rules(schema_root: Any) -> dict:
    """element name -> ElementRule, from a parsed RelaxNG grammar."""
    defines: dict = {}
    for define in schema_root.iter(f"{RNG}define"):
        defines.setdefault(define.get("name"), []).append(define)
    rules: dict = {}
    done: set = set()

    def branch(pattern: Any, optional: bool, req: set, allowed: set, seen: frozenset) -> None:
        for node in pattern:
            if not isinstance(node.tag, str) or not node.tag.startswith(RNG):
                continue
            tag = node.tag[len(RNG):]
            if tag == "attribute":
                allowed.add(node.get("name"))
                if not optional:
                    req.add(node.get("name"))
            elif tag in ("optional", "zeroOrMore", "choice"):
                branch(node, True, req, allowed, seen)
            elif tag in ("group", "interleave", "oneOrMore"):
                branch(node, optional, req, allowed, seen)
            elif tag == "ref" and node.get("name") not in seen:
                for define in defines.get(node.get("name"), ()):
                    branch(define, optional, req, allowed, seen | {node.get("name")})

    def alternatives(choice: Any) -> list:
        result = []
        for node in choice:
            if not isinstance(node.tag, str):
                continue  # comments
            if node.tag != f"{RNG}group":
                return []  # only choices between groups of attributes are tracked
            req: set = set()
            allowed: set = set()
            branch(node, False, req, allowed, frozenset())
            if any(n.tag == f"{RNG}element" for n in node.iter()):
                return []
            result.append(Alternative(frozenset(req), frozenset(allowed)))
        return result

    def content(pattern: Any, rule: ElementRule, optional: bool, seen: frozenset) -> None:
        for node in pattern:
            if not isinstance(node.tag, str):
                continue
            tag = node.tag[len(RNG):] if node.tag.startswith(RNG) else None
            if tag == "element":
                rule.children.add(node.get("name"))
                element(node)
            elif tag == "attribute":
                name = node.get("name")
                data = node.find(f"{RNG}data")
                values = tuple(v.text or "" for v in node.iter(f"{RNG}value"))
                new = AttrRule(not optional, None if data is None else data.get("type"), values)
                old = rule.attributes.get(name)
                if old is not None:
                    new.required = new.required and old.required
                    new.values = old.values + tuple(v for v in new.values if v not in old.values)
                    if old.datatype != new.datatype:
                        new.datatype = None
                rule.attributes[name] = new
            elif tag in ("optional", "zeroOrMore", "choice"):
                if tag == "choice":
                    branches = alternatives(node)
                    if len(branches) > 1:
                        rule.choices.append((optional, branches))
                content(node, rule, True, seen)
            elif tag in ("group", "interleave", "oneOrMore"):
                content(node, rule, optional, seen)
            elif tag == "ref":
                name = node.get("name")
                if (name, id(rule)) in seen:
                    continue
                for define in defines.get(name, ()):
                    content(define, rule, optional, seen | {(name, id(rule))})

    def element(node: Any) -> None:
        if node in done:  # keeps the proxies alive, so identity stays meaningful
            return
        done.add(node)
        name = node.get("name")
        rule = rules.setdefault(name, ElementRule(name))
        content(node, rule, False, frozenset())

    for start in schema_root.iter(f"{RNG}start"):
        content(start, ElementRule("#start"), False, frozenset())
    return rules


def _value_problem(rule: AttrRule, value: str) -> str:
    text = value.strip()
    if rule.values and value not in rule.values:
        return f"must be one of {', '.join(repr(v) for v in rule.values)}"
    if rule.datatype == "positiveInteger" and not (text.isdigit() and int(text) > 0):
        return "must be a positive integer"
    if rule.datatype == "nonNegativeInteger" and not text.isdigit():
        return "must be a non-negative integer"
    if rule.datatype == "integer" and not re.fullmatch(r"[+-]?\d+", text):
        return "must be an integer"
    if rule.datatype in ("ID", "IDREF") and not _NCNAME.match(text):
        return "must be an XML name (no spaces, colons or leading digit)"
    return ""


def _choice_problem(el: Any, optional: bool, branches: list) -> str:
    present = set(el.attrib)
    used = present & frozenset().union(*(b.allowed for b in branches))
    if optional and not used:
        return ""
    if any(used <= b.allowed and b.required <= present for b in branches):
        return ""
    fitting = [b for b in branches if used <= b.allowed]
    if not fitting:
        return (f"no single alternative of <{el.tag}> accepts all of "
                f"{', '.join(sorted(used))} (for a fence device: the options of one agent)")
    if len(fitting) == 1:
        missing = sorted(fitting[0].required - present)
        others = [" ".join(sorted(b.required)) for b in branches if b is not fitting[0] and b.required]
        alt = f" (or {' | '.join(o + '=' for o in others)})" if others else ""
        return f"<{el.tag}> lacks required attribute {', '.join(missing)}={alt}"
    needs = " | ".join(", ".join(sorted(b.required)) + "=" for b in fitting if b.required)
    return f"<{el.tag}> needs one of: {needs}"


def walk(root: Any, rules: dict) -> list:
    """Every structural problem of the document against ``rules``."""
    findings: list = []

    def add(message: str, el: Any) -> None:
        findings.append(Finding("error", "schema", message, element_path(el), el.sourceline))

    ids: dict = {}
    for el in root.iter():
        if isinstance(el.tag, str):
            for name, value in el.attrib.items():
                rule = rules.get(el.tag)
                if rule and name in rule.attributes and rule.attributes[name].datatype == "ID":
                    if value in ids:
                        add(f"{name}={value!r} is used twice (it must be unique in the document)", el)
                    ids.setdefault(value, el)

    def visit(el: Any, parent_rule: Any) -> None:
        rule = rules.get(el.tag)
        if rule is None:
            where = "" if el.getparent() is None else f" inside <{el.getparent().tag}>"
            add(f"unknown element <{el.tag}>{where}", el)
            return
        if parent_rule is not None and el.tag not in parent_rule.children:
            add(f"element <{el.tag}> is not allowed inside <{parent_rule.name}>", el)
            return
        for name, value in el.attrib.items():
            attr = rule.attributes.get(name)
            if attr is None:
                add(f"attribute {name!r} is not allowed on <{el.tag}>", el)
                continue
            problem = _value_problem(attr, value)
            if problem:
                add(f"{name}={value!r} on <{el.tag}> {problem}", el)
            elif attr.datatype == "IDREF" and value not in ids:
                add(f"{name}={value!r} names no <fencedevice> (unknown ID)", el)
        for name, attr in rule.attributes.items():
            if attr.required and el.get(name) is None:
                add(f"<{el.tag}> lacks required attribute {name!r}", el)
        for optional, branches in rule.choices:
            problem = _choice_problem(el, optional, branches)
            if problem:
                add(problem, el)
        kids = [c for c in el if isinstance(c.tag, str)]
        if parent_rule is None:  # <cluster>: sections at most once, clusternodes required
            seen: set = set()
            for kid in kids:
                if kid.tag in seen and kid.tag not in REPEATABLE_SECTIONS and kid.tag in rule.children:
                    add(f"<{kid.tag}> appears more than once in <cluster>", kid)
                seen.add(kid.tag)
            if "clusternodes" in rule.children and "clusternodes" not in seen:
                add("<cluster> has no <clusternodes> section", el)
        for kid in kids:
            visit(kid, rule)

    visit(root, None)
    return findings
