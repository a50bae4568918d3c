"""``zigha migrate pacemaker``: cluster.conf → Pacemaker CIB (+ pcs script) and a report."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from zigha.cli.common import EXIT_OK, add_json_flag, print_json

ORDER = 80

MIGRATE_EXIT = """exit codes:
  0  written (read the report: error items need action before switching)
  1  the output could not be written (nothing is left half-written)
  2  bad input: unreadable or malformed cluster.conf

The report lists every element without a faithful Pacemaker counterpart:
  error    behaviour lost or unsafe (no fencing, unsupported resource type)
  warning  behaviour differs (see the reason)
  info     translated, with a difference worth knowing"""


def _positive_seconds(text: str) -> int:
    if not text.isdigit() or int(text) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return int(text)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "migrate", help="move a cluster.conf to another cluster manager",
        description="Translate a RHEL 6 cluster.conf (cman + rgmanager) for another "
        "cluster manager.", epilog=MIGRATE_EXIT,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    targets = parser.add_subparsers(dest="target", metavar="TARGET")
    targets.required = True
    pcmk = targets.add_parser(
        "pacemaker", help="write a Pacemaker CIB and the equivalent pcs commands",
        description="Write a whole Pacemaker CIB (crm_verify --xml-file accepts it; load it "
        "with cibadmin --replace --scope configuration --xml-file OUT.xml) and, with "
        "--pcs-script, the same configuration as pcs commands. Services become groups "
        "named after them, failover domains location constraints, recovery policies "
        "migration-threshold/failure-timeout, fence devices stonith resources.",
        epilog=MIGRATE_EXIT, formatter_class=argparse.RawDescriptionHelpFormatter)
    pcmk.add_argument("conf", metavar="CONF", help="cluster.conf to translate")
    pcmk.add_argument("--cib", required=True, metavar="OUT.xml", help="CIB file to write")
    pcmk.add_argument("--pcs-script", metavar="OUT.sh", help="also write the pcs commands")
    pcmk.add_argument("--monitor-interval", type=_positive_seconds, metavar="SECONDS",
                      help="monitor every resource this often (default: rgmanager's "
                      "status interval of each type)")
    add_json_flag(pcmk)
    pcmk.set_defaults(func=pacemaker)


def pacemaker(args: argparse.Namespace) -> int:
    from zigha.migrate import migrate_file

    result = migrate_file(args.conf, args.cib, args.pcs_script,
                          monitor_interval=args.monitor_interval)
    if args.json:
        data = {"cib": args.cib, "report": result.plan.report_dicts()}
        if args.pcs_script:
            data["pcs_script"] = args.pcs_script
        print_json(data)
        return EXIT_OK
    plan = result.plan
    out = sys.stdout
    out.write(f"wrote {args.cib}: {len(plan.nodes)} nodes, {len(plan.groups)} groups, "
              f"{len(plan.stonith)} stonith devices, "
              f"{len(plan.locations) + len(plan.orders) + len(plan.colocations)} constraints\n")
    if args.pcs_script:
        out.write(f"wrote {args.pcs_script}\n")
    for item in plan.report:
        out.write(item.format() + "\n")
    return EXIT_OK
