"""``zigha service VERB NAME``: clusvcadm with typed outcomes, exact member names, timeouts."""

from __future__ import annotations

import argparse
from typing import Any

from zigha.cli.common import EXIT_FAILED, EXIT_OK, Progress, emit

ORDER = 30

SERVICE_EXIT = """exit codes:
  0  done (or the service was already running)
  1  the operation failed (failure, frozen, busy/deadlock: retry, inquorate, not runnable),
     or the service started on another member than asked, or rgmanager warned
  2  bad input: unknown service, member not an exact member name, bad option
  3  clusvcadm/clustat missing, cman or rgmanager not reachable
  4  timeout: clusvcadm was killed or --wait ran out; rgmanager may still carry out the
     request, so the outcome is unknown: check with `zigha status`"""

VERBS = {
    "enable": "start a service (here, on --member, or by failover-domain rules)",
    "disable": "stop a service and keep it down",
    "relocate": "move a service to --member (or where rgmanager picks)",
    "restart": "restart a service where it runs",
    "stop": "stop a service (started again at the next cluster transition)",
    "freeze": "freeze a service: no status checks, no failover",
    "unfreeze": "unfreeze a service",
    "migrate": "live-migrate a VM to --member",
    "convalesce": "restart failed non-critical resources (not in rgmanager 3.0.12)",
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "service", help="enable, disable, relocate, restart, stop, freeze or migrate a service",
        description="Act on an rgmanager service through clusvcadm. NAME is a service name "
        "(httpd means service:httpd) or vm:NAME. Every call has a timeout; member names "
        "must be exact (clusvcadm would silently pick the closest match).",
        epilog=SERVICE_EXIT, formatter_class=argparse.RawDescriptionHelpFormatter)
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True
    for verb, text in VERBS.items():
        sub = verbs.add_parser(verb, help=text, description=text[0].upper() + text[1:] + ".",
                               epilog=SERVICE_EXIT,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
        sub.add_argument("name", metavar="NAME", help="service (httpd = service:httpd) or vm:NAME")
        if verb in ("enable", "relocate", "migrate"):
            sub.add_argument("-m", "--member", required=verb == "migrate",
                             help="target member (exact name)")
            sub.add_argument("--resolve", action="store_true",
                             help="accept a unique prefix of a member name (and say so)")
        if verb == "enable":
            sub.add_argument("-F", "--follow-domain", action="store_true",
                             help="start where the failover-domain rules say")
        if verb not in ("freeze", "unfreeze", "convalesce"):
            sub.add_argument("--wait", action="store_true",
                             help="then wait until the service settles in the expected state")
        sub.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                         help="limit for clusvcadm and for --wait (default 120)")
        sub.add_argument("--json", action="store_true", help="print JSON instead of text")
        sub.set_defaults(func=run)


def _describe(result: Any) -> str:
    text = f"{result.service}: {result.operation} {result.outcome.value}"
    if result.running_on:
        text += f", now running on {result.running_on}"
    if result.member and result.running_on and result.running_on != result.member:
        text += f" (asked for {result.member})"
    if result.resolved_from:
        text += f" (member {result.resolved_from!r} taken as {result.member!r})"
    return text


def run(args: argparse.Namespace) -> int:
    from zigha.services import OPERATIONS, Outcome, Services

    services = Services(resolve_members=getattr(args, "resolve", False), timeout=args.timeout)
    progress = Progress(enabled=not args.json)
    member = getattr(args, "member", None)
    kwargs: dict[str, Any] = {}
    if member:
        kwargs["member"] = member
    if getattr(args, "follow_domain", False):
        kwargs["follow_domain"] = True
    progress(f"{args.verb} {args.name}" + (f" on {member}" if member else "") + " ...")
    result = getattr(services, args.verb)(args.name, **kwargs)
    progress.done()
    data: dict[str, Any] = {"result": result}
    expected = OPERATIONS[args.verb][1]
    if getattr(args, "wait", False) and expected is not None and result.ok:
        owner = result.running_on or result.member if expected.running else None

        def report(status: Any, elapsed: float) -> None:
            if status is None:
                progress(f"{result.service}: no service states yet ({elapsed:.0f} s)")
            else:
                where = status.owner or status.last_owner or "none"
                progress(f"{status.name}: {status.state_raw} on {where} ({elapsed:.0f} s)")

        data["final"] = services.wait_for(result.service, state=expected, owner=owner,
                                          timeout=args.timeout, on_progress=report)
        progress.done()

    def render(values: dict) -> str:
        lines = [_describe(values["result"])]
        if "final" in values:
            final = values["final"]
            lines.append(f"{final.name}: {final.state.value} on {final.owner or 'none'}")
        return "\n".join(lines)

    emit(args, data, render)
    if result.outcome in (Outcome.RUNNING_ELSEWHERE, Outcome.WARNING):
        return EXIT_FAILED
    return EXIT_OK
