"""``zigha demo``: the whole system on the bundled seed cluster, no cluster or root needed."""

from __future__ import annotations

import argparse
from typing import Any

from zigha.cli.common import EXIT_OK, add_json_flag, print_json

ORDER = 5


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="show the whole system on the seed's cluster (no cluster needed)",
        description="Load examples/zigsow (cluster.conf, recorded clustat/cman_tool captures, "
        "the LVS desired state) and show: the cluster summary, validation, the status, a "
        "simulated failure of h1, the LVS batch a first apply would run, and where the "
        "resource agents would be installed.  Changes nothing on this machine.",
    )
    parser.add_argument("--dir", help="the seed example folder (default: ./examples/zigsow)")
    add_json_flag(parser)
    parser.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from zigha.demo import run_demo

    sections = run_demo(args.dir)
    if args.json:
        print_json([s.to_dict() for s in sections])
        return EXIT_OK
    for number, section in enumerate(sections, 1):
        rule = "=" * min(78, len(section.title) + 4)
        print(f"{rule}\n{number}. {section.title}\n{rule}")
        print(section.text)
        print()
    return EXIT_OK
