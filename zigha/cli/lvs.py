"""``zigha lvs``: show the IPVS table, apply a desired state, import piranha's lvs.cf,
prepare real servers for direct routing, and watch real-server health."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from zigha.cli.common import EXIT_FAILED, EXIT_OK, add_json_flag, emit, print_json, table
from zigha.errors import ConfigError

ORDER = 50
HELD_HELP = "health-checker state file (default /run/zigha/lvs-held.json)"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "lvs", help="LVS director: show, apply, import-piranha, prepare-realserver, watch",
        description="The IPVS table through ipvsadm (always -n), a desired state applied "
        "in one 'ipvsadm -R' batch, piranha lvs.cf import, DR real-server preparation and "
        "health checks.")
    sub = parser.add_subparsers(dest="lvs_command", metavar="ACTION")
    sub.required = True

    show = sub.add_parser("show", help="the live table (ipvsadm -L -n) or one read from a file")
    show.add_argument("--from", dest="source", metavar="FILE",
                      help="an ipvsadm listing, an 'ipvsadm -S -n' file or a desired-state file")
    show.add_argument("--view", choices=("default", "stats", "rate", "thresholds",
                                         "persistent-conn"), default="default",
                      help="which ipvsadm view to read live (default: default)")
    add_json_flag(show)
    show.set_defaults(func=cmd_show)

    apply = sub.add_parser("apply", help="make the live table match a desired-state FILE")
    apply.add_argument("file")
    apply.add_argument("--dry-run", action="store_true", help="show the plan, change nothing")
    apply.add_argument("--current", metavar="TABLE_FILE",
                       help="with --dry-run: plan against this saved table ('ipvsadm -S -n' "
                       "output or an 'ipvsadm -L -n' listing) instead of the live one, e.g. "
                       "on a host without the ip_vs module")
    apply.add_argument("--prune", action="store_true",
                       help="also delete services the file does not name (other tools' too!)")
    apply.add_argument("--drain", type=float, metavar="SECONDS", nargs="?", const=300.0,
                       help="set real servers to weight 0 and wait (up to SECONDS, default "
                       "300) for their connections to end before deleting them")
    apply.add_argument("--held-file", default="/run/zigha/lvs-held.json", help=HELD_HELP)
    add_json_flag(apply)
    apply.set_defaults(func=cmd_apply)

    imp = sub.add_parser("import-piranha", help="print a desired-state file for a piranha lvs.cf")
    imp.add_argument("lvs_cf", metavar="LVS_CF")
    imp.add_argument("--rules", action="store_true",
                     help="print the ipvsadm -R rules instead (ipvsadm -S -n grammar)")
    add_json_flag(imp)
    imp.set_defaults(func=cmd_import)

    prep = sub.add_parser("prepare-realserver",
                          help="DR real server: arp_ignore/arp_announce, then VIP/32 on lo")
    prep.add_argument("vip", help="the director's VIP (e.g. 192.168.10.249)")
    prep.add_argument("--undo", action="store_true", help="remove the VIP, then reset ARP settings")
    prep.add_argument("--print", dest="script", action="store_true",
                      help="print the steps as a shell script instead of running them")
    prep.add_argument("--dry-run", action="store_true", help="say what would change")
    add_json_flag(prep)
    prep.set_defaults(func=cmd_prepare)

    watch = sub.add_parser("watch", help="health-check the real servers of a desired-state FILE")
    watch.add_argument("file")
    watch.add_argument("--once", action="store_true", help="one pass, then exit (cron)")
    watch.add_argument("--held-file", default="/run/zigha/lvs-held.json", help=HELD_HELP)
    add_json_flag(watch)
    watch.set_defaults(func=cmd_watch)


def _table_from_file(path: str):
    from zigha.lvs import desired, parse_ipvsadm_list, parse_ipvsadm_save
    from zigha.lvs.model import IpvsTable
    from zigha.lvs.parse import save_output_lines

    text = Path(path).read_text(encoding="utf-8", errors="replace")
    first = next((line.strip() for _, line in save_output_lines(text)
                  if line.strip() and not line.strip().startswith("#")), "")
    if first.startswith("format"):
        return IpvsTable(services=desired.parse_desired(text, source=path).services, view="desired")
    if first.startswith("-") or first.startswith("ipvsadm "):
        return parse_ipvsadm_save(text)
    return parse_ipvsadm_list(text)


def _counter_cells(counters: Any, names: tuple) -> list:
    if counters is None:
        return [""] * len(names)
    # ipvsadm abbreviates (K/M/G) only values of 10^8 and more: those are lower bounds
    return [f"{'' if counters.exact or (getattr(counters, n) or 0) < 10**8 else '>='}"
            f"{getattr(counters, n)}" for n in names]


def _whole_table(rows: list, headers: list) -> str:
    """A table never cut to the terminal: addresses are the content (an IPv6 real server
    cut to ``[2001:db8:af:15…`` names nothing), so long lines wrap instead."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    natural = sum(max(len(row[i]) for row in cells) for i in range(len(headers)))
    return table(rows, headers, width=natural + 2 * len(headers))


def _render_table(t: Any) -> str:
    head = ""
    if t.version:
        head = f"IPVS {t.version}, connection table size {t.size}\n"
    if not t.numeric:
        head += "names shown (not -n): for display only\n"
    if t.view in ("stats", "rate"):
        from zigha.lvs.model import Counters

        names = Counters.STATS if t.view == "stats" else Counters.RATE
        rows = []
        for svc in t.services:
            rows.append([svc.protocol, svc.address, "(service)",
                         *_counter_cells(getattr(svc, t.view), names)])
            rows.extend([svc.protocol, svc.address, real.address,
                         *_counter_cells(getattr(real, t.view), names)] for real in svc.reals)
        return head + _whole_table(rows, ["PROT", "SERVICE", "REAL", *(n.upper() for n in names)])
    rows = []
    for svc in t.services:
        sched = svc.scheduler or ""
        if svc.persistent is not None:
            sched += f" persistent {svc.persistent}"
        if not svc.reals:
            rows.append([svc.protocol, svc.address, sched, "-", "", "", ""])
        for real in svc.reals:
            conns = "" if real.active is None else f"{real.active}/{real.inactive}"
            rows.append([svc.protocol, svc.address, sched, real.address, real.forward or "",
                         "" if real.weight is None else real.weight, conns])
    return head + _whole_table(rows, ["PROT", "SERVICE", "SCHEDULER", "REAL", "FORWARD",
                                      "WEIGHT", "ACT/INACT"])


def cmd_show(args: Any) -> int:
    from zigha.lvs import ipvsadm

    data = _table_from_file(args.source) if args.source else ipvsadm.list_table(view=args.view)
    emit(args, data, _render_table)
    return EXIT_OK


def _render_apply(result: Any, against: str | None = None) -> str:
    where = f" in {against}" if against else ""
    if result.plan.empty:
        return f"nothing to do: the table{where} matches the desired state"
    verb = "would run" if not result.applied else "ran"
    lines = [f"planned against {against}, not the live table"] if against else []
    lines += [f"{verb} {len(result.plan.changes)} change(s) in one ipvsadm -R batch:"]
    lines += [f"  {change.describe()}" for change in result.plan.changes]
    lines += ["batch:"] + [f"  {line}" for line in result.plan.lines]
    if result.drained:
        lines.append("drained first: " + ", ".join(result.drained))
    if result.stderr.strip():
        lines.append("ipvsadm said (the table was re-read and matches): " + result.stderr.strip())
    return "\n".join(lines)


def cmd_apply(args: Any) -> int:
    from zigha.lvs.apply import apply_file

    options = {}
    if args.drain is not None:
        options["drain_timeout"] = args.drain
    if args.current and not args.dry_run:
        raise ConfigError("--current plans against a saved table: use it with --dry-run")
    result = apply_file(args.file, dry_run=args.dry_run, prune=args.prune,
                        drain=args.drain is not None, held_file=args.held_file,
                        current_file=args.current, **options)
    emit(args, result, lambda r: _render_apply(r, args.current))
    return EXIT_OK


def cmd_import(args: Any) -> int:
    from zigha.lvs import parse_lvs_cf
    from zigha.lvs.desired import render_desired

    conf = parse_lvs_cf(Path(args.lvs_cf).read_text(encoding="utf-8", errors="replace"))
    if args.json:
        print_json(conf)
    elif args.rules:
        sys.stdout.write("".join(line + "\n" for line in conf.to_ipvsadm_rules()))
    else:
        sys.stdout.write(render_desired(conf.to_desired()))
    return EXIT_OK


def cmd_prepare(args: Any) -> int:
    from zigha.lvs.realserver import prepare_realserver, realserver_script

    if args.script:
        sys.stdout.write(realserver_script(args.vip, undo=args.undo))
        return EXIT_OK
    steps = prepare_realserver(args.vip, undo=args.undo, dry_run=args.dry_run)

    def render(items: Any) -> str:
        verb = "would run" if args.dry_run else "ran"
        return "\n".join(f"{verb if s.needed else 'already done'}: {' '.join(s.argv)}"
                         + ("" if s.needed else f" ({s.why})") for s in items)

    emit(args, steps, render)
    return EXIT_OK


def cmd_watch(args: Any) -> int:
    from zigha.lvs.health import check_once, watch

    def report(result: Any) -> None:
        if args.json:
            print_json(result)
        else:
            for r in result.results:
                state = "up" if r.up else "DOWN"
                action = f" -> {r.action}" if r.action else ""
                print(f"{r.service} {r.real}: {state} ({r.detail}){action}")
            if result.stderr.strip():
                print(f"ipvsadm: {result.stderr.strip()}", file=sys.stderr)
        sys.stdout.flush()

    if args.once:
        result = check_once(args.file, held_file=args.held_file)
        report(result)
        return EXIT_OK if all(r.up for r in result.results) else EXIT_FAILED
    watch(args.file, held_file=args.held_file, on_pass=report)
    return EXIT_OK
