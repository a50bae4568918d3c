"""``zigha fence``: acknowledge a pending fence safely, show fencing state, run the watchdog."""

from __future__ import annotations

import sys
import time
from typing import Any

from zigha.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_TIMEOUT,
    Progress,
    add_json_flag,
    emit,
    table,
)

ORDER = 60
DEFAULT_CONFIG = "/etc/zigha/fence-watchdog.conf"  # where examples/fence/ install it


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "fence", help="fencing without a fence device: acknowledge, status, watchdog",
        description="Acknowledge a pending fence (fence_ack_manual, checked and confirmed), "
        "show what fenced waits for, or run the watchdog. The real fix is a fence device "
        "(e.g. fence_scsi on the shared iSCSI LUN).")
    sub = parser.add_subparsers(dest="fence_command", metavar="ACTION")
    sub.required = True

    ack = sub.add_parser("ack", help="acknowledge the pending fence of NODE (fence_ack_manual)")
    ack.add_argument("node")
    ack.add_argument("--timeout", type=float, default=10.0,
                     help="kill fence_ack_manual after this many seconds (default 10)")
    ack.add_argument("--confirm-timeout", type=float, default=5.0,
                     help="wait this long for fenced to drop the victim (default 5)")
    ack.add_argument("--yes", action="store_true",
                     help="do not ask: I checked that NODE is powered off")
    add_json_flag(ack)
    ack.set_defaults(func=cmd_ack)

    status = sub.add_parser("status", help="pending fence, victims, members")
    add_json_flag(status)
    status.set_defaults(func=cmd_status)

    watchdog = sub.add_parser("watchdog", help="watch nodes; acknowledge only with proof")
    watchdog.add_argument("--config", default=DEFAULT_CONFIG,
                          help=f"watchdog configuration (INI; default {DEFAULT_CONFIG})")
    watchdog.add_argument("--once", action="store_true", help="one poll, then exit (cron)")
    watchdog.add_argument("--dry-run", action="store_true", help="only say what it would do")
    watchdog.add_argument("--syslog", help="syslog address: a socket path or host:port (UDP)")
    add_json_flag(watchdog)
    watchdog.set_defaults(func=cmd_watchdog)


def _confirm(node: str) -> bool:
    if not sys.stdin.isatty():
        return False
    sys.stderr.write(
        f"About to tell fenced that {node} is fenced. If {node} is still running and "
        "writing to the shared storage, the filesystem will be corrupted.\n"
        "Type the node name to confirm: ")
    sys.stderr.flush()
    return sys.stdin.readline().strip().lower() == node.lower()


def cmd_ack(args: Any) -> int:
    from zigha.fence.ack import AckOutcome, fence_ack_manual

    if not args.yes and not _confirm(args.node):
        print("zigha: error: not confirmed (use --yes once you checked the node is off)",
              file=sys.stderr)
        return EXIT_FAILED
    progress = Progress(enabled=not args.json)
    started = time.monotonic()
    progress(f"{args.node}: acknowledging the fence (fence_ack_manual) ...")

    def wait(seconds: float) -> None:
        progress(f"{args.node}: waiting for fenced to drop the victim "
                 f"({time.monotonic() - started:.0f} s of at most {args.confirm_timeout:g} s)")
        time.sleep(seconds)

    try:
        result = fence_ack_manual(args.node, timeout=args.timeout,
                                  confirm_timeout=args.confirm_timeout, sleep=wait)
    finally:
        progress.done()
    emit(args, result, lambda r: f"{r.node}: {r.outcome.value}: {r.message}")
    if result.outcome is AckOutcome.TIMED_OUT:
        return EXIT_TIMEOUT
    return EXIT_OK if result.ok else EXIT_FAILED


def _render_status(s: Any) -> str:
    lines = [
        f"local node:     {s.local_node or 'unknown'} "
        f"({'quorate' if s.quorate else 'NOT quorate'})",
        f"fenced:         {'running' if s.fenced_running else 'not answering'}"
        + (f", master node id {s.master_nodeid}, wait state {s.wait_state}"
           if s.fenced_running else ""),
        f"override FIFO:  {'present' if s.override_pending else 'absent'}",
        f"pending fence:  {s.pending_for or 'none'}",
        "",
        table([(n.nodeid, n.name, "yes" if n.member else "no", "yes" if n.victim else "")
               for n in s.nodes], ["ID", "Node", "Member", "Victim"]),
    ]
    return "\n".join(lines)


def cmd_status(args: Any) -> int:
    from zigha.fence.pending import fence_status

    emit(args, fence_status(), _render_status)
    return EXIT_OK


def cmd_watchdog(args: Any) -> int:
    import attrs

    from zigha.fence.config import load_config
    from zigha.fence.daemon import Watchdog, syslog_logger
    from zigha.fence.model import Policy
    from zigha.fence.watchdog import NETWORK_ONLY_WARNING

    config = load_config(args.config)
    if args.dry_run:
        config = attrs.evolve(config, dry_run=True)
    if args.syslog:
        config = attrs.evolve(config, syslog_address=args.syslog)
    if config.policy is Policy.NETWORK_ONLY:
        print(f"zigha: WARNING: {NETWORK_ONLY_WARNING}", file=sys.stderr)
    log = syslog_logger(config.syslog_address)
    watchdog = Watchdog(config, log=log)
    decision = watchdog.run(once=args.once)
    if args.once:
        emit(args, decision.actions, lambda actions: "\n".join(
            f"{a.node}: {a.kind.value}: {'; '.join(a.reasons)}" for a in actions))
    return EXIT_OK
