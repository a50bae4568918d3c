"""``ClusterConf.validate()``: the RelaxNG schema plus the rules the schema misses.

Schema: the system's /usr/share/cluster/cluster.rng when present (RHEL 6 regenerates
it from the installed agents with ccs_update_schema), else an explicit path, else
the RHEL 6.5 copy bundled as ``zigha/data/cluster.rng``.  The "is it valid" verdict
comes from libxml2's RelaxNG, as with ``ccs_config_validate -f``.

Semantic rules (../shared/reference/cluster-conf.md §5) are classed by who reacts:
what makes cman refuse to start, what rgmanager drops or ignores, and what ccs
refuses are errors; support advisories and values the daemon reads differently from
what was probably meant are warnings.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from zigha.conf import parse
from zigha.conf.model import Finding
from zigha.errors import ConfigError
from zigha.xmlutil import child_elements, element_path, first_child

SYSTEM_SCHEMA = "/usr/share/cluster/cluster.rng"
BUNDLED_SCHEMA = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "cluster.rng")
RECOVERY_POLICIES = ("restart", "relocate", "disable", "restart-disable")
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]*$")

_schemas: dict = {}


def choose_schema(schema: Any = None) -> str:
    """The schema file to use: ``schema`` if given, the system's, else the bundled one."""
    if schema is not None:
        return os.fspath(schema)
    if os.path.exists(SYSTEM_SCHEMA):
        return SYSTEM_SCHEMA
    return BUNDLED_SCHEMA


def load_schema(path: str) -> Any:
    """The compiled RelaxNG for ``path`` (cached while the file is unchanged)."""
    return _load(path)[0]


def _load(path: str) -> tuple:
    """(compiled RelaxNG, function returning the structural rules) for ``path``,
    cached by mtime."""
    from lxml import etree

    from zigha import xmlutil
    from zigha.conf.schema_walk import compile_rules

    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError as exc:
        raise ConfigError(f"cannot read the schema: {exc.strerror or exc}", file=path) from exc
    cached = _schemas.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    with open(path, "rb") as handle:
        tree = xmlutil.parse(handle.read(), file=path)
    try:
        compiled = etree.RelaxNG(tree)
    except etree.RelaxNGParseError as exc:
        raise ConfigError(f"not a usable RelaxNG schema: {exc}", file=path) from exc
    rules: dict = {}  # filled on first need: only an invalid document needs the table

    def table() -> dict:
        if not rules:
            rules.update(compile_rules(tree.getroot()))
        return rules

    _schemas[path] = (stamp, (compiled, table))
    return _schemas[path][1]


#: libxml2 messages that only say "something inside failed" (useless inside <interleave>)
_VAGUE = re.compile(
    r"failed to validate (content|attributes)|Invalid sequence in interleave|"
    r"Extra element \S+ in interleave|Expecting an element \S+, got nothing|"
    r"has extra content|Did not expect element"
)


def schema_findings(root: Any, schema_path: str) -> list:
    """Every schema problem as an error Finding (code ``schema``), or [] when valid.

    The verdict is libxml2's RelaxNG.  When it fails, a structural walk of the same
    schema (:mod:`schema_walk`) names each problem; libxml2's own specific messages are
    kept where the walk said nothing about that element, its vague ones only when
    nothing better was found.
    """
    from zigha.conf.schema_walk import walk

    relaxng, table = _load(schema_path)
    if relaxng.validate(root.getroottree()):
        return []
    native = []
    for entry in relaxng.error_log:
        # libxml2 gives line 0 for some interleave errors; point at the root then
        line = entry.line or root.sourceline or None
        native.append(Finding("error", "schema", entry.message, entry.path or None, line))
    detailed = walk(root, table())
    places = {f.path for f in detailed} | {f.line for f in detailed}
    specific = [f for f in native if not _VAGUE.search(f.message)
                and f.path not in places and f.line not in places
                and not (detailed and f.line == root.sourceline and f.path in (None, "/cluster"))]
    combined = detailed + specific
    if not combined:
        return native
    return sorted(combined, key=lambda f: f.line or 0)


def semantic_findings(conf: Any) -> list:
    """The rules the schema misses, in a stable order (no schema needed)."""
    findings: list = list(conf.value_notes())
    for rule in RULES:
        findings.extend(rule(conf.root))
    return findings


def _f(severity: str, code: str, message: str, element: Any) -> Finding:
    return Finding(severity, code, message, element_path(element), element.sourceline)


# -- cluster / cman -----------------------------------------------------------------------


def check_cluster(root: Any) -> Iterator[Finding]:
    name = root.get("name")
    if not name:
        yield _f("error", "missing-cluster-name", "the cluster has no name", root)
    elif len(name) > 15:
        yield _f("error", "cluster-name-too-long",
                 f"cluster name {name!r} is longer than 15 characters (cman refuses it)", root)
    version = root.get("config_version")
    if version is None:
        yield _f("error", "missing-config-version", "config_version is missing", root)
    elif not re.fullmatch(r"\d+", version.strip()):
        yield _f("error", "config-version-not-integer",
                 f"config_version={version!r} is not a decimal integer", root)


def check_cman(root: Any) -> Iterator[Finding]:
    cman = first_child(root, "cman")
    nodes = parse.node_elements(root)
    totem = first_child(root, "totem")
    if totem is not None and totem.get("transport") is not None:
        yield _f("error", "transport-in-totem",
                 "transport belongs in <cman transport=…>, not in <totem>", totem)
    if cman is None:
        return
    if cman.get("broadcast") == "yes" and cman.get("transport") not in (None, "udpb"):
        yield _f("error", "transport-broadcast-conflict",
                 "transport and broadcast=\"yes\" are mutually exclusive", cman)
    for mc in child_elements(cman, "multicast") + child_elements(cman, "altmulticast"):
        ttl = mc.get("ttl")
        if ttl is not None and not 0 <= parse.c_atoi(ttl) <= 255:
            yield _f("error", "ttl-out-of-range", f"TTL value ({ttl}) out of range (0 - 255)", mc)
    if parse.read_flag(cman, "two_node", False):
        if len(nodes) > 2:
            yield _f("error", "two-node-too-many-nodes",
                     f"two_node set but there are {len(nodes)} nodes (cman refuses to start)", cman)
        votes = [parse.c_atoi(n.get("votes")) if n.get("votes") is not None else 1 for n in nodes]
        if any(v != 1 for v in votes):
            yield _f("error", "two-node-votes", "two_node set but votes not set to 1", cman)
        expected = cman.get("expected_votes")
        if expected is not None and parse.c_atoi(expected) != 1:
            yield _f("error", "two-node-expected-votes",
                     f"two_node requires expected_votes=\"1\" (found {expected!r})", cman)
        qd = first_child(root, "quorumd")
        if qd is not None and parse.c_atoi(qd.get("votes")) > 0:
            yield _f("warning", "two-node-with-qdisk",
                     "two_node together with quorumd votes is unsupported", qd)


# -- nodes and fencing --------------------------------------------------------------------


def check_nodes(root: Any) -> Iterator[Finding]:
    nodes = parse.node_elements(root)
    names = Counter(n.get("name") for n in nodes if n.get("name"))
    ids = Counter(n.get("nodeid", "").strip() for n in nodes if n.get("nodeid"))
    seen_names: set = set()
    seen_ids: set = set()
    for node in nodes:
        name = node.get("name")
        nodeid = (node.get("nodeid") or "").strip()
        if name and names[name] > 1 and name in seen_names:
            yield _f("error", "duplicate-node-name", f"node name {name!r} is used more than once", node)
        if nodeid and ids[nodeid] > 1 and nodeid in seen_ids:
            yield _f("error", "duplicate-nodeid",
                     f"nodeid {nodeid} is used more than once (cman merges the nodes)", node)
        seen_names.add(name)
        seen_ids.add(nodeid)
        votes = node.get("votes")
        if votes is not None and not 0 <= parse.c_atoi(votes) <= 255:
            yield _f("error", "invalid-votes", f"votes={votes!r} is outside 0..255", node)
        if len(child_elements(node, "altname")) > 1:
            yield _f("error", "too-many-rings", "more than 2 rings are not supported", node)
        yield from _check_fencing(root, node)
    if len(nodes) > 16:
        yield _f("warning", "too-many-nodes", f"{len(nodes)} nodes: more than 16 is unsupported", root)


def _check_fencing(root: Any, node: Any) -> Iterator[Finding]:
    devices = {d.get("name"): d for d in _fencedevice_elements(root)}
    fence = first_child(node, "fence")
    methods = [] if fence is None else child_elements(fence, "method")
    if not any(child_elements(m, "device") for m in methods):
        yield _f("warning", "node-not-fenceable",
                 f"node {node.get('name')!r} has no fence device: recovery blocks after its "
                 "failure until fence_ack_manual is run", node)
    method_names = Counter(m.get("name") for m in methods)
    for method in methods:
        if method_names[method.get("name")] > 1:
            yield _f("error", "duplicate-fence-method",
                     f"fence method {method.get('name')!r} appears more than once on this node "
                     "(fenced only finds the first)", method)
            method_names[method.get("name")] = 0
    if len(methods) > 8:
        yield _f("warning", "too-many-fence-methods", "fenced only tries the first 8 methods", fence)
    unfence = first_child(node, "unfence")
    instances = [d for m in methods for d in child_elements(m, "device")]
    for device in instances + ([] if unfence is None else child_elements(unfence, "device")):
        if device.get("name") not in devices:
            yield _f("error", "unknown-fence-device",
                     f"fence device {device.get('name')!r} is not defined in <fencedevices>", device)
    unfenced = set() if unfence is None else {d.get("name") for d in child_elements(unfence, "device")}
    for device in instances:
        definition = devices.get(device.get("name"))
        agent = (definition if definition is not None else device).get("agent")
        if agent in ("fence_scsi", "fence_sanlock") and device.get("name") not in unfenced:
            yield _f("warning", "missing-unfence",
                     f"{agent} device {device.get('name')!r} has no matching <unfence> entry", device)


def _fencedevice_elements(root: Any) -> list:
    section = first_child(root, "fencedevices")
    return [] if section is None else child_elements(section, "fencedevice")


def check_fence_devices(root: Any) -> Iterator[Finding]:
    seen: set = set()
    for device in _fencedevice_elements(root):
        name = device.get("name")
        if name in seen:
            yield _f("error", "duplicate-fence-device", f"fence device {name!r} is defined twice", device)
        seen.add(name)
        if name is not None and not _NCNAME.match(name):
            yield _f("error", "invalid-fence-device-name",
                     f"fence device name {name!r} is not an XML name (no spaces, colons or "
                     "leading digit)", device)
        if device.get("agent") == "fence_manual":
            yield _f("error", "fence-manual",
                     "fence_manual does not exist on RHEL 6: fencing fails and recovery blocks "
                     "until fence_ack_manual is run", device)
        elif device.get("agent") in ("fence_scsi", "fence_sanlock") and not any(
            d.get("name") == name for u in root.iter("unfence") for d in child_elements(u, "device")
        ):
            yield _f("warning", "missing-unfence",
                     f"{device.get('agent')} device {name!r} is not in any node's <unfence> "
                     "section (fabric/SCSI fencing needs unfencing with action=\"on\")", device)
        elif device.get("agent") == "fence_vmware":
            yield _f("warning", "fence-vmware", "fence_vmware is unsupported; use fence_vmware_soap",
                     device)


# -- failover domains ---------------------------------------------------------------------


def check_domains(root: Any) -> Iterator[Finding]:
    node_names = {n.get("name") for n in parse.node_elements(root)}
    seen: set = set()
    for domain in parse.domain_elements(root):
        name = domain.get("name") or ""
        if name.lower() in seen:
            yield _f("error", "duplicate-domain",
                     f"failover domain {name!r} is defined more than once (names are "
                     "case-insensitive; rgmanager stops reading domains there)", domain)
        seen.add(name.lower())
        ordered = parse.read_flag(domain, "ordered", False)
        members: set = set()
        for member in child_elements(domain, "failoverdomainnode"):
            member_name = member.get("name") or ""
            if member_name.lower() in members:
                yield _f("error", "duplicate-domain-member",
                         f"node {member_name!r} is listed twice in domain {name!r}", member)
            members.add(member_name.lower())
            if member_name not in node_names:
                yield _f("error", "domain-member-not-node",
                         f"domain {name!r} lists {member_name!r}, which is not a cluster node", member)
            priority = member.get("priority")
            if priority is None:
                continue
            if not ordered:
                yield _f("warning", "priority-ignored",
                         f"priority of {member_name!r} is ignored: domain {name!r} is not ordered",
                         member)
            elif not 1 <= parse.c_atoi(priority) <= 100:
                yield _f("warning", "priority-out-of-range",
                         f"priority={priority!r} is outside 1..100; rgmanager uses 0", member)


# -- resources and services --------------------------------------------------------------


def _tree_elements(root: Any) -> Iterator[Any]:
    """Every resource element inside top-level services and vms (not the groups)."""
    for group in parse.group_elements(root, "service") + parse.group_elements(root, "vm"):
        for el in group.iterdescendants():
            if isinstance(el.tag, str) and el.tag not in parse.NOT_RESOURCES:
                yield el


def check_resources(root: Any) -> Iterator[Finding]:
    globals_ = parse.resource_elements(root)
    seen_primary: dict = {}
    for el in globals_:
        key = (el.tag, el.get(parse.primary_attribute(el.tag)))
        if key[1] is not None and key in seen_primary:
            yield _f("error", "primary-collision",
                     f"primary attribute collision: type={el.tag} "
                     f"{parse.primary_attribute(el.tag)}={key[1]!r} (rgmanager drops this one)", el)
        seen_primary[key] = el
        for attr in parse.REQUIRED.get(el.tag, ()):
            if el.get(attr) is None:
                yield _f("error", "missing-required-attribute",
                         f"{el.tag} lacks required attribute {attr!r} (it silently does not load)", el)
    unique_seen: dict = {}
    instances: Counter = Counter()
    for el in list(globals_) + list(_tree_elements(root)):
        ref = el.get("ref")
        in_tree = el.getparent().tag != "resources"
        if ref is not None and in_tree:
            target = parse.find_global(root, el.tag, ref)
            if target is None:
                inline = _inline_named(root, el.tag, ref)
                code, text = (("ref-to-inline", "reference to inlined resource")
                              if inline is not None else ("dangling-ref", "reference to nonexistent resource"))
                yield _f("error", code, f"{text} {ref!r} (type {el.tag})", el)
                continue
            instances[id(target)] += 1
            if el.tag in parse.MAX_ONE and instances[id(target)] == 2:
                yield _f("error", "max-instances",
                         f"{el.tag} {ref!r} is used more than once; rgmanager skips the extra "
                         "reference (max instances 1)", el)
            continue
        if el.tag in ("service", "vm") and not in_tree:
            continue
        for attr in parse.UNIQUE.get(el.tag, ()):
            value = el.get(attr)
            if value is None:
                continue
            unique_key = (el.tag, attr, value)
            if unique_key in unique_seen and in_tree:
                yield _f("error", "unique-collision",
                         f"unique attribute collision: type={el.tag} {attr}={value!r} "
                         "(rgmanager drops this resource)", el)
            unique_seen.setdefault(unique_key, el)
        if in_tree:
            for attr in parse.REQUIRED.get(el.tag, ()):
                if el.get(attr) is None:
                    yield _f("error", "missing-required-attribute",
                             f"{el.tag} lacks required attribute {attr!r} (it silently does not load)",
                             el)


def _inline_named(root: Any, tag: str, value: str) -> Any:
    primary = parse.primary_attribute(tag)
    for el in _tree_elements(root):
        if el.tag == tag and el.get(primary) == value and el.get("ref") is None:
            return el
    return None


def check_groups(root: Any) -> Iterator[Finding]:
    domains = {(d.get("name") or "").lower() for d in parse.domain_elements(root)}
    groups = parse.group_elements(root, "service") + parse.group_elements(root, "vm")
    names: Counter = Counter()
    keys: set = set()
    resolved = []
    for el in groups:
        attrs = parse._merged_group_attrs(root, el)
        resolved.append((el, attrs))
        names[(el.tag, attrs.get("name"))] += 1
        keys.add(f"{el.tag}:{attrs.get('name')}")
    reported: set = set()
    for el, attrs in resolved:
        name = attrs.get("name")
        if name is None and el.get("ref") is None:
            yield _f("error", "missing-service-name", f"a <{el.tag}> has no name", el)
        if names[(el.tag, name)] > 1 and (el.tag, name) in reported:
            yield _f("error", "duplicate-service", f"{el.tag} name {name!r} is used more than once", el)
        reported.add((el.tag, name))
        domain = attrs.get("domain")
        if domain and domain.lower() not in domains:
            yield _f("error", "unknown-domain",
                     f"domain {domain!r} specified for {el.tag} {name!r} does not exist "
                     "(rgmanager runs it as if it had no domain)", el)
        recovery = attrs.get("recovery")
        if recovery is not None and recovery not in RECOVERY_POLICIES:
            yield _f("warning", "unknown-recovery",
                     f"recovery={recovery!r} is not one of {', '.join(RECOVERY_POLICIES)}; "
                     "rgmanager treats it as restart", el)
        depend = attrs.get("depend")
        if depend:
            target = depend if ":" in depend else f"service:{depend}"
            if target not in keys:
                yield _f("error", "unknown-dependency",
                         f"depend={depend!r} names no service: {name!r} would never start", el)
        if attrs.get("depend_mode") not in (None, "hard", "soft"):
            yield _f("warning", "unknown-depend-mode",
                     f"depend_mode={attrs.get('depend_mode')!r} is not hard or soft", el)
        if (attrs.get("max_restarts") is None) != (attrs.get("restart_expire_time") is None):
            yield _f("warning", "restart-window-incomplete",
                     "max_restarts and restart_expire_time should be set together", el)


RULES = (check_cluster, check_cman, check_nodes, check_fence_devices, check_domains,
         check_resources, check_groups)
