"""``zigha conf``: show, validate, diff, edit and push cluster.conf.

The commands only parse arguments and print; the work is done by
:class:`zigha.conf.ClusterConf` and :mod:`zigha.conf.propagate`.
"""

from __future__ import annotations

import argparse
from typing import Any, Callable

from zigha.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    Progress,
    add_json_flag,
    emit,
    print_json,
    table,
)

ORDER = 10


def _conf():
    from zigha.conf import ClusterConf

    return ClusterConf


def pairs(items: list, allow_empty: bool = False) -> dict:
    """``["a=1", "b=x"]`` -> ``{"a": "1", "b": "x"}`` (``b=`` -> None with allow_empty)."""
    result: dict = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"expected attribute=value, got {item!r}")
        result[key] = None if (allow_empty and value == "") else value
    return result


# -- show -----------------------------------------------------------------------------------


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def render_tree(nodes: Any, depth: int = 2) -> list:
    lines = []
    for node in nodes:
        label = node.name or node.attrs.get("name") or ""
        ref = " (ref)" if node.ref is not None else ""
        extra = " ".join(f"{k}={v}" for k, v in node.attrs.items() if k not in ("name",))
        lines.append(f"{'  ' * depth}{node.type} {label}{ref}  {extra}".rstrip())
        lines.extend(render_tree(node.children, depth + 1))
    return lines


def render_show(conf: Any) -> str:
    out = [f"Cluster {conf.name or '(no name)'}  config_version {conf.config_version}"]
    cman = conf.cman
    out.append(f"cman: two_node={_yes(cman.two_node)} expected_votes={cman.expected_votes or '-'}"
               f" transport={cman.transport or 'udp'}")
    if conf.quorumd is not None:
        out.append(f"quorumd: votes={conf.quorumd.votes} label={conf.quorumd.label or '-'}")
    out.append(f"rm: central_processing={_yes(conf.rm.central_processing)}")
    out += ["", "Nodes:"]
    rows: list = [(n.name, n.nodeid or "-", n.votes,
             ", ".join(f"{m.name}({len(m.devices)})" for m in n.fence_methods) or "none")
            for n in conf.nodes]
    out.append(table(rows, ["NAME", "ID", "VOTES", "FENCE METHODS"]))
    if conf.fence_devices:
        out += ["", "Fence devices:"]
        out.append(table([(d.name, d.agent) for d in conf.fence_devices], ["NAME", "AGENT"]))
    out += ["", "Failover domains:"]
    rows = []
    for d in conf.failover_domains:
        flags = ",".join(f for f, on in (("ordered", d.ordered), ("restricted", d.restricted),
                                          ("nofailback", d.nofailback)) if on) or "-"
        members = " ".join(n if p is None else f"{n}:{p}" for n, p in d.members)
        rows.append((d.name, flags, members))
    out.append(table(rows, ["NAME", "FLAGS", "MEMBERS (node:priority)"]))
    out += ["", "Services:"]
    for group in conf.services + conf.vms:
        out.append(f"  {group.key}  domain={group.domain or '-'} autostart={_yes(group.autostart)} "
                   f"exclusive={_yes(group.exclusive)} recovery={group.recovery}")
        out.extend(render_tree(group.resources))
    return "\n".join(out)


def cmd_show(args: argparse.Namespace) -> int:
    conf = _conf().load(args.file)
    emit(args, conf.summary(), lambda _: render_show(conf))
    return EXIT_OK


# -- validate -------------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    from zigha.errors import ConfigError

    try:
        conf = _conf().load(args.file)
        findings = conf.validate(args.schema)
    except ConfigError as exc:
        if args.json:
            print_json({"file": args.file, "valid": False, "error": exc.to_dict(), "findings": []})
        else:
            print(f"{exc.file or args.file}:{exc.line or 0}: error: {exc.message}")
        return EXIT_BAD_INPUT
    has_errors = any(f.is_error for f in findings)
    if args.json:
        print_json({"file": args.file, "schema": conf.last_schema, "valid": not has_errors,
                    "findings": [f.to_dict() for f in findings]})
    else:
        for finding in findings:
            print(finding.format(args.file, with_path=args.paths))
    return EXIT_FAILED if has_errors else EXIT_OK


# -- diff -----------------------------------------------------------------------------------


def cmd_diff(args: argparse.Namespace) -> int:
    cls = _conf()
    changes = cls.load(args.old).diff(cls.load(args.new))
    emit(args, [c.to_dict() for c in changes], lambda _: "\n".join(str(c) for c in changes))
    return EXIT_FAILED if changes else EXIT_OK


# -- edits ----------------------------------------------------------------------------------


def _edit(apply: Callable[[Any, argparse.Namespace], Any], done: str) -> Callable:
    def handler(args: argparse.Namespace) -> int:
        conf = _conf().load(args.file)
        apply(conf, args)
        conf.save(schema=args.schema, backup=not args.no_backup, force=args.force)
        print(f"{args.file}: {done.format(**vars(args))} (config_version {conf.config_version})")
        return EXIT_OK

    return handler


EDITS: tuple[Any, ...] = (
    ("add-node", "append a cluster node (ccs --addnode)",
     [("name",), ("--nodeid", dict(type=int)), ("--votes", dict(type=int))],
     lambda c, a: c.add_node(a.name, nodeid=a.nodeid, votes=a.votes), "added node {name}"),
    ("remove-node", "remove a cluster node (ccs --rmnode)",
     [("name",), ("--prune-domains", dict(action="store_true"))],
     lambda c, a: c.remove_node(a.name, prune_domains=a.prune_domains), "removed node {name}"),
    ("add-fence-device", "add a fence device (ccs --addfencedev)",
     [("name",), ("agent",), ("attrs", dict(nargs="*", metavar="ATTR=VALUE"))],
     lambda c, a: c.add_fence_device(a.name, a.agent, **pairs(a.attrs)), "added fence device {name}"),
    ("remove-fence-device", "remove a fence device (ccs --rmfencedev)", [("name",)],
     lambda c, a: c.remove_fence_device(a.name), "removed fence device {name}"),
    ("add-fence-method", "add a fence method to a node (ccs --addmethod)", [("node",), ("method",)],
     lambda c, a: c.add_fence_method(a.node, a.method), "added method {method} to {node}"),
    ("remove-fence-method", "remove a fence method (ccs --rmmethod)", [("node",), ("method",)],
     lambda c, a: c.remove_fence_method(a.node, a.method), "removed method {method} from {node}"),
    ("add-fence-instance", "add a device to a node's method (ccs --addfenceinst)",
     [("device",), ("node",), ("method",), ("attrs", dict(nargs="*", metavar="ATTR=VALUE")),
      ("--no-unfence", dict(action="store_true"))],
     lambda c, a: c.add_fence_instance(a.device, a.node, a.method,
                                       unfence=False if a.no_unfence else None, **pairs(a.attrs)),
     "added {device} to {node}/{method}"),
    ("remove-fence-instance", "remove a device from a node's method (ccs --rmfenceinst)",
     [("device",), ("node",), ("method",)],
     lambda c, a: c.remove_fence_instance(a.device, a.node, a.method),
     "removed {device} from {node}/{method}"),
    ("add-domain", "add a failover domain (ccs --addfailoverdomain)",
     [("name",), ("--ordered", dict(action="store_true")), ("--restricted", dict(action="store_true")),
      ("--nofailback", dict(action="store_true"))],
     lambda c, a: c.add_failover_domain(a.name, a.ordered, a.restricted, a.nofailback),
     "added failover domain {name}"),
    ("remove-domain", "remove a failover domain (ccs --rmfailoverdomain)", [("name",)],
     lambda c, a: c.remove_failover_domain(a.name), "removed failover domain {name}"),
    ("add-domain-node", "add a node to a failover domain (ccs --addfailoverdomainnode)",
     [("domain",), ("node",), ("priority", dict(nargs="?", type=int))],
     lambda c, a: c.add_failover_domain_node(a.domain, a.node, a.priority), "added {node} to {domain}"),
    ("remove-domain-node", "remove a node from a failover domain", [("domain",), ("node",)],
     lambda c, a: c.remove_failover_domain_node(a.domain, a.node), "removed {node} from {domain}"),
    ("add-resource", "add a global resource (ccs --addresource)",
     [("type",), ("attrs", dict(nargs="+", metavar="ATTR=VALUE"))],
     lambda c, a: c.add_resource(a.type, **pairs(a.attrs)), "added {type} resource"),
    ("remove-resource", "remove a global resource by its primary attribute", [("type",), ("key",)],
     lambda c, a: c.remove_resource(a.type, a.key), "removed {type} {key}"),
    ("add-service", "add a service (ccs --addservice)",
     [("name",), ("attrs", dict(nargs="*", metavar="ATTR=VALUE"))],
     lambda c, a: c.add_service(a.name, **pairs(a.attrs)), "added service {name}"),
    ("remove-service", "remove a service and its resource tree (ccs --rmservice)", [("name",)],
     lambda c, a: c.remove_service(a.name), "removed service {name}"),
    ("set-service", "change service attributes (ATTR= removes one)",
     [("name",), ("attrs", dict(nargs="+", metavar="ATTR=VALUE"))],
     lambda c, a: c.set_service(a.name, **pairs(a.attrs, allow_empty=True)), "changed service {name}"),
    ("add-subservice", "add a resource inside a service (ccs --addsubservice)",
     [("service",), ("path", dict(help="type[:type...], [n] picks a sibling")),
      ("attrs", dict(nargs="*", metavar="ATTR=VALUE"))],
     lambda c, a: c.add_subservice(a.service, a.path, **pairs(a.attrs)), "added {path} to {service}"),
    ("remove-subservice", "remove a resource inside a service (ccs --rmsubservice)",
     [("service",), ("path",)],
     lambda c, a: c.remove_subservice(a.service, a.path), "removed {path} from {service}"),
    ("set-cman", "set <cman> attributes (ATTR= removes one)",
     [("attrs", dict(nargs="+", metavar="ATTR=VALUE"))],
     lambda c, a: c.set_cman(**pairs(a.attrs, allow_empty=True)), "updated <cman>"),
    ("set-rm", "set <rm> attributes (ATTR= removes one)",
     [("attrs", dict(nargs="+", metavar="ATTR=VALUE"))],
     lambda c, a: c.set_rm(**pairs(a.attrs, allow_empty=True)), "updated <rm>"),
)


# -- push -----------------------------------------------------------------------------------


def cmd_push(args: argparse.Namespace) -> int:
    from zigha.conf.propagate import push

    conf = _conf().load(args.file)  # a bad file is one error line, before any progress
    progress = Progress(enabled=not args.json)
    progress(f"{args.file}: ccs_config_validate, then cman_tool version -r"
             + (" -S after copying to the nodes" if args.method == "copy" else "")
             + f" (up to {args.timeout:g} s) ...")
    try:
        result = push(conf, method=args.method, nodes=args.node or None,
                      timeout=args.timeout)
    finally:
        progress.done()
    emit(args, result.to_dict(), lambda r: (
        f"{r['path']}: config_version {r['version']} active"
        + (f" (copied to {', '.join(r['copied_to'])})" if r["copied_to"] else "")))
    return EXIT_OK


def register(subparsers: Any) -> None:
    conf = subparsers.add_parser("conf", help="show, validate, diff, edit and push cluster.conf",
                                 description="cluster.conf as ccs and ccs_config_validate see it.")
    sub = conf.add_subparsers(dest="conf_command", metavar="SUBCOMMAND")
    sub.required = True

    p = sub.add_parser("show", help="summary: nodes, domains, services with their resource trees")
    p.add_argument("file", nargs="?", default="/etc/cluster/cluster.conf")
    add_json_flag(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("validate", help="schema + semantic checks; FILE:LINE: error|warning: message",
                       description="Exit 0 without errors, 1 with errors, 2 when FILE is unreadable.")
    p.add_argument("file", nargs="?", default="/etc/cluster/cluster.conf")
    p.add_argument("--schema", metavar="RNG", help="RelaxNG schema (default: the system's, "
                   "else the bundled RHEL 6 one)")
    p.add_argument("--paths", action="store_true",
                   help="append the element path of each finding as [/cluster/...]")
    add_json_flag(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("diff", help="what changed between two files (exit 1 when they differ)")
    p.add_argument("old")
    p.add_argument("new")
    add_json_flag(p)
    p.set_defaults(func=cmd_diff)

    for name, help_text, arguments, apply, done in EDITS:
        p = sub.add_parser(name, help=help_text, description=help_text + "; validates, bumps "
                           "config_version and saves atomically")
        p.add_argument("file")
        for spec in arguments:
            options: dict = spec[1] if len(spec) > 1 else {}
            p.add_argument(spec[0], **options)
        p.add_argument("--schema", metavar="RNG", help="RelaxNG schema to validate against")
        p.add_argument("--no-backup", action="store_true", help="do not keep FILE.bak")
        p.add_argument("--force", action="store_true",
                       help="save even when validation finds errors (like ccs -i)")
        p.set_defaults(func=_edit(apply, done))

    p = sub.add_parser("push", help="validate and activate the file on the cluster "
                       "(cman_tool version -r)")
    p.add_argument("file", nargs="?", default="/etc/cluster/cluster.conf")
    p.add_argument("--method", choices=("ricci", "copy"), default="ricci",
                   help="ricci: cman_tool version -r (ccs_sync); copy: scp to every node, "
                   "then cman_tool version -r -S")
    p.add_argument("--node", action="append", help="with --method copy: copy to these nodes "
                   "(default: every other clusternode)")
    p.add_argument("--timeout", type=float, default=120.0)
    add_json_flag(p)
    p.set_defaults(func=cmd_push)
