"""``zigha agents``: install, uninstall and inspect zigha's resource agents.

    zigha agents install [--prefix P] [--rgmanager-dir D] [--ocf-dir D] [--schema PATH | --no-schema]
    zigha agents uninstall [--prefix P] ...
    zigha agents list [--json]
    zigha agents metadata NAME [--json]

The work is done by :mod:`zigha.ocf.install`.
"""

from __future__ import annotations

from zigha.cli.common import EXIT_OK, add_json_flag, emit, print_json, table

ORDER = 40


def _locations(parser) -> None:
    from zigha.ocf import install

    parser.add_argument("--prefix", default="/", help="install below this root (packaging)")
    parser.add_argument("--rgmanager-dir", default=install.RGMANAGER_DIR,
                        help=f"where rgmanager looks for agents (default {install.RGMANAGER_DIR})")
    parser.add_argument("--ocf-dir", default=install.OCF_DIR,
                        help=f"Pacemaker provider directory (default {install.OCF_DIR})")
    parser.add_argument("--schema", default=None,
                        help="write the extended cluster.rng here instead of "
                        "<prefix>/usr/share/cluster/cluster.rng")


def register(subparsers) -> None:
    parser = subparsers.add_parser("agents", help="install and inspect the resource agents")
    sub = parser.add_subparsers(dest="agents_command", metavar="ACTION")
    sub.required = True

    p = sub.add_parser("install", help="install the agents for rgmanager and Pacemaker")
    _locations(p)
    p.add_argument("--no-schema", action="store_true", help="do not extend cluster.rng")
    p.add_argument("--python", default=None, help="interpreter the launchers use")
    p.add_argument("--agent", action="append", dest="agents", metavar="NAME",
                   help="only this agent (httpd, named, postfix); repeatable")
    add_json_flag(p)
    p.set_defaults(func=cmd_install)

    p = sub.add_parser("uninstall", help="remove installed agents and the schema additions")
    _locations(p)
    add_json_flag(p)
    p.set_defaults(func=cmd_uninstall)

    p = sub.add_parser("list", help="the agents and where they are installed")
    p.add_argument("--prefix", default="/")
    add_json_flag(p)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("metadata", help="print an agent's metadata XML")
    p.add_argument("name", help="httpd, named, postfix (or zigha-httpd, ...)")
    p.add_argument("--json", action="store_true",
                   help="print the parameters and actions as JSON instead of the XML")
    p.set_defaults(func=cmd_metadata)


def cmd_install(args) -> int:
    from zigha.ocf import install

    result = install.install(prefix=args.prefix, rgmanager_dir=args.rgmanager_dir,
                             ocf_dir=args.ocf_dir, schema=args.schema,
                             update_schema=not args.no_schema, interpreter=args.python,
                             agents=args.agents)

    def text(data) -> str:
        lines = [f"installed {path}" for path in data["files"]]
        lines.append(f"interpreter {data['interpreter']} -IS")
        if data["schema"]:
            lines.append(f"extended schema {data['schema']}")
        return "\n".join(lines)

    emit(args, result, text)
    return EXIT_OK


def cmd_uninstall(args) -> int:
    from zigha.ocf import install

    result = install.uninstall(prefix=args.prefix, rgmanager_dir=args.rgmanager_dir,
                               ocf_dir=args.ocf_dir, schema=args.schema)

    def text(data) -> str:
        lines = [f"removed {path}" for path in data["files"]]
        if data["schema"]:
            lines.append(f"schema {data['schema_action']}: {data['schema']}")
        return "\n".join(lines) or "nothing installed"

    emit(args, result, text)
    return EXIT_OK


def cmd_list(args) -> int:
    from zigha.ocf import install

    rows = install.listing(prefix=args.prefix)

    def text(data) -> str:
        return table([(r["type"], r["pacemaker"], "yes" if r["rgmanager_installed"] else "no",
                       "yes" if r["ocf_installed"] else "no", r["module"]) for r in data],
                     ["TYPE", "PACEMAKER", "RGMANAGER", "OCF", "MODULE"])

    emit(args, rows, text)
    return EXIT_OK


def cmd_metadata(args) -> int:
    from zigha.agents import AGENTS, load

    short = args.name[len("zigha-"):] if args.name.startswith("zigha-") else args.name
    if short not in AGENTS:
        raise ValueError(f"unknown agent {args.name!r} (known: {', '.join(AGENTS)})")
    agent = load(short)()
    if args.json:
        print_json({
            "type": agent.type_name, "pacemaker": f"ocf:zigha:{agent.provider_name}",
            "shortdesc": agent.shortdesc,
            "parameters": [{slot: getattr(p, slot) for slot in type(p).__slots__}
                           for p in agent.parameters],
            "actions": [{slot: getattr(a, slot) for slot in type(a).__slots__}
                        for a in agent.actions],
            "metadata": agent.metadata()})
        return EXIT_OK
    print(agent.metadata(), end="")
    return EXIT_OK
