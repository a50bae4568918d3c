"""``zigha simulate``: what rgmanager would do if members failed, joined, or services broke."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from zigha.cli.common import EXIT_OK, add_json_flag

ORDER = 70

SIMULATE_EXIT = """exit codes:
  0  simulated (whatever the outcome)
  2  bad input: unreadable or malformed cluster.conf or status, unknown node or
     service, malformed --event
  3  --live: clustat failed or is missing
  4  --live: clustat timed out

events (--event TEXT, applied in the order given together with --fail/--join):
  fail NODE[,NODE]       member(s) lost, fencing succeeds
  fail-unfenced NODE     member lost, fencing never completes (nothing of it moves)
  fence-ack NODE         fence_ack_manual -n NODE
  join NODE              member boots, rgmanager starts
  rgmanager-stop NODE    clean `service rgmanager stop` (cman stays up)
  status-fail SVC [times=N] [at=SECONDS]   the status check of SVC fails
  enable SVC [on=NODE] [-m NODE] [-F]      clusvcadm -e, run on NODE
  disable SVC | relocate SVC [-m NODE] | freeze SVC | unfreeze SVC
  start-fails SVC NODE | start-works SVC NODE | stop-fails SVC NODE
  clusvcadm syntax works too: --event "clusvcadm -r http -m h3"
Node names may be given short (h1 for h1.zigsow.net); SVC is NAME or service:NAME."""


class _Ordered(argparse.Action):
    """Collect --fail/--fail-unfenced/--join/--event into one list, in command-line order."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Any = None) -> None:
        events = list(getattr(namespace, "events", None) or [])
        events.append(self.const.format(values))
        namespace.events = events


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "simulate", help="what-if: where services go when members fail or join",
        description="Simulate rgmanager placement from cluster.conf: start from every member "
        "up with each service placed by autostart (or from a clustat status), apply the "
        "events in the order given, and show the timeline and the final placement.",
        epilog=SIMULATE_EXIT, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("conf", metavar="CONF", help="cluster.conf to simulate")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--status", metavar="FILE",
                        help="start from a saved clustat text or -x capture ('-' for stdin)")
    source.add_argument("--live", action="store_true",
                        help="start from the running cluster (clustat -x)")
    parser.add_argument("--fail", metavar="NODE", action=_Ordered, const="fail {}",
                        dest="events", help="member fails and is fenced")
    parser.add_argument("--fail-unfenced", metavar="NODE", action=_Ordered,
                        const="fail-unfenced {}", dest="events",
                        help="member fails and fencing never completes")
    parser.add_argument("--join", metavar="NODE", action=_Ordered, const="join {}",
                        dest="events", help="member joins")
    parser.add_argument("--event", metavar="TEXT", action=_Ordered, const="{}", dest="events",
                        help="any event (see below)")
    parser.add_argument("--all-single", action="store_true",
                        help="report every single-member failure from the resulting state")
    parser.add_argument("--all-pairs", action="store_true",
                        help="report every pair of members failing together")
    parser.add_argument("--unfenced", action="store_true",
                        help="in those reports, fencing never completes (no fence device)")
    add_json_flag(parser)
    parser.set_defaults(func=run, events=None)


def _status(args: argparse.Namespace) -> Any:
    if not args.status and not args.live:
        return None
    from zigha import status as st
    from zigha.errors import ConfigError, ZighaError

    if args.live:
        return st.clustat()
    if args.status == "-":
        return st.parse_clustat(sys.stdin.read())
    try:
        with open(args.status, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError as exc:  # a typed error, so --json reports it as JSON too
        raise ConfigError(f"cannot read: {exc.strerror or exc}", file=args.status) from exc
    try:
        return st.parse_clustat(text)
    except ZighaError as exc:
        if exc.file is None:
            exc.file = args.status  # say which capture it was
        raise


def run(args: argparse.Namespace) -> int:
    from zigha.conf import ClusterConf
    from zigha.simulate import (
        all_pair_failures,
        all_single_failures,
        from_conf,
        parse_event,
        simulate,
    )
    from zigha.simulate.render import render_report, render_timeline

    conf = from_conf(ClusterConf.load(args.conf))
    status = _status(args)
    events = [parse_event(text) for text in (args.events or [])]
    sim = simulate(conf, status, events)
    reports = {}
    if args.all_single:
        reports["all_single"] = all_single_failures(conf, status, events,
                                                    fenced=not args.unfenced)
    if args.all_pairs:
        reports["all_pairs"] = all_pair_failures(conf, status, events, fenced=not args.unfenced)
    if args.json:
        data = sim.to_dict()
        data.update({key: report.to_dict() for key, report in reports.items()})
        # to_dict() is already plain JSON data; indented for a terminal, compact for a
        # pipe (the indenting encoder is pure Python: 0.5 s on a 500-service report)
        print(json.dumps(data, indent=2 if sys.stdout.isatty() else None))
        return EXIT_OK
    parts = [render_timeline(sim)]
    parts += [render_report(report) for report in reports.values()]
    print("\n\n".join(parts))
    return EXIT_OK
