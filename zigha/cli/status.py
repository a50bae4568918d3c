"""``zigha status``: the cluster's members, services and quorum (clustat -x)."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from zigha.cli.common import EXIT_FAILED, EXIT_OK, add_json_flag, print_json, terminal_width

ORDER = 20

STATUS_EXIT = """exit codes:
  0  report shown (query: the predicate holds)
  1  query: the predicate does not hold
  2  bad input: unreadable or malformed capture, bad state name
  3  clustat or cman failed, or is missing (cman not running, rgmanager not answering)
  4  timeout"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "status", help="show cluster members, services and quorum (clustat -x)",
        description="Show the cluster as clustat does: quorum, members, services. Reads "
        "`clustat -x` live, or a saved clustat text or XML capture with --from.",
        epilog=STATUS_EXIT, formatter_class=argparse.RawDescriptionHelpFormatter)
    _source_args(parser)
    add_json_flag(parser)
    parser.add_argument("--watch", type=float, metavar="SECONDS",
                        help="refresh every SECONDS until interrupted")
    parser.add_argument("--count", type=int, metavar="N", help="with --watch: stop after N reports")
    parser.add_argument("--width", type=int, metavar="COLUMNS",
                        help="lay the table out for this many columns (default: the terminal)")
    parser.add_argument("--xml", action="store_true", help="print clustat -x XML instead")
    parser.set_defaults(func=show)

    queries = parser.add_subparsers(dest="query", metavar="QUERY")
    query = queries.add_parser(
        "query", help="answer a question with the exit status (0 yes, 1 no)",
        description="Answer one question about the cluster with the exit status: "
        "0 when it holds, 1 when not. Nothing is printed unless --verbose.",
        epilog=STATUS_EXIT, formatter_class=argparse.RawDescriptionHelpFormatter)
    checks = query.add_subparsers(dest="check", metavar="CHECK")
    checks.required = True
    quorate = checks.add_parser("quorate", help="is the cluster quorate?")
    member = checks.add_parser("member", help="is this member online (exact name)?")
    member.add_argument("name")
    service = checks.add_parser("service", help="is this service running (or in --state)?")
    service.add_argument("name", help="httpd means service:httpd; VMs as vm:NAME")
    service.add_argument("--state", help="wanted state word (default: starting/started/stopping)")
    service.add_argument("--owner", help="and running on this member")
    for sub in (quorate, member, service):
        _source_args(sub, inner=True)
        sub.add_argument("-v", "--verbose", action="store_true", help="say the answer")
        sub.set_defaults(func=query_handler)


def _source_args(parser: argparse.ArgumentParser, inner: bool = False) -> None:
    # the query parsers must not reset what was given before "query" (SUPPRESS)
    default = argparse.SUPPRESS if inner else None
    parser.add_argument("--from", dest="source", metavar="FILE", default=default,
                        help="read a saved clustat text or -x capture ('-' for stdin)")
    parser.add_argument("--timeout", type=float, default=default, metavar="SECONDS",
                        help="give clustat this long (default 30)")
    parser.add_argument("--pacemaker", action="store_true", default=default,
                        help="read a Pacemaker cluster (crm_mon --output-as=xml) instead of "
                        "clustat; groups are shown as services (a --from capture of crm_mon "
                        "XML is recognised without it)")


def _load(args: argparse.Namespace):
    from zigha import status as st

    pacemaker = getattr(args, "pacemaker", False)
    if args.source:
        if args.source == "-":
            text = sys.stdin.read()
        else:
            with open(args.source, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        if pacemaker or "<pacemaker-result" in text or "<crm_mon" in text:
            from zigha.pcmk import parse_crm_mon_xml

            return parse_crm_mon_xml(text)
        return st.parse_clustat(text)
    if pacemaker:
        from zigha.pcmk import crm_mon

        return crm_mon(timeout=args.timeout)
    return st.clustat(timeout=args.timeout)


def show(args: argparse.Namespace) -> int:
    from zigha.status import render_clustat_text, render_clustat_xml

    count = 0
    while True:
        status = _load(args)
        if args.json:
            print_json(status)
        elif args.xml:
            sys.stdout.write(render_clustat_xml(status))
        else:
            if args.watch and sys.stdout.isatty():
                sys.stdout.write("\033[H\033[2J")
            sys.stdout.write(render_clustat_text(status, args.width or terminal_width()))
        sys.stdout.flush()
        count += 1
        if not args.watch or (args.count and count >= args.count) or args.source:
            return EXIT_OK
        try:
            time.sleep(args.watch)
        except KeyboardInterrupt:
            return EXIT_OK


def query_handler(args: argparse.Namespace) -> int:
    from zigha.status import ServiceState, service_name

    status = _load(args)
    if args.check == "quorate":
        answer, text = bool(status.quorate), "quorate" if status.quorate else "not quorate"
    elif args.check == "member":
        found = status.member(args.name)
        answer = bool(found and found.online)
        text = f"{args.name}: " + ("online" if answer else "offline" if found else "not a member")
    else:
        service = status.service(args.name)
        if args.state:
            wanted = {ServiceState.coerce(args.state)}
        else:
            wanted = {s for s in ServiceState if s.running}
        answer = bool(service and service.state in wanted
                      and (args.owner is None or service.owner == args.owner))
        if service is None:
            text = f"{service_name(args.name)}: no such service" + (
                "" if status.services_available else " (no service states)")
        else:
            text = f"{service.name}: {service.state_raw}, owner {service.shown_owner}"
    if args.verbose:
        print(("yes: " if answer else "no: ") + text)
    return EXIT_OK if answer else EXIT_FAILED
