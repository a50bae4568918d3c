#!/usr/bin/env python3
"""One-screen health report of an rgmanager cluster, for cron or a terminal.

What the seed's author checked by eye after each `clustat`: is the cluster quorate, is
every member online with rgmanager, is every service started (and where).  Exit 0 when
all is well, 1 when something needs a look.

    python3 examples/status_report.py                  # live: clustat -x on this node
    python3 examples/status_report.py --from examples/zigsow/captures/clustat-x.xml
"""

from __future__ import annotations

import argparse
import sys

from zigha import status as st


def report(status: st.ClusterStatus) -> tuple[list[str], int]:
    """Report lines and the number of problems found."""
    lines = [f"cluster {status.cluster_name or '?'}: "
             + ("quorate" if status.quorate else "NOT QUORATE")]
    problems = 0 if status.quorate else 1
    for member in status.members:
        if member.qdisk:
            continue
        ok = member.online and (member.rgmanager or not status.services_available)
        problems += not ok
        state = "online" if member.online else "OFFLINE"
        lines.append(f"  {'ok ' if ok else '!! '} {member.name}: {state}"
                     + ("" if member.rgmanager or not member.online else ", no rgmanager"))
    if not status.services_available:
        lines.append("  !!  no service states (rgmanager down or inquorate)")
        problems += 1
    for service in status.services:
        ok = service.state is st.ServiceState.STARTED and not service.frozen
        problems += not ok
        where = service.owner or f"last on {service.last_owner or 'none'}"
        flags = f" [{', '.join(service.flags)}]" if service.flags else ""
        lines.append(f"  {'ok ' if ok else '!! '} {service.name}: {service.state_raw} ({where}){flags}")
    return lines, problems


def main(argv=None, runner=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", help="a saved clustat text or -x capture")
    args = parser.parse_args(argv)
    if args.source:
        with open(args.source, encoding="utf-8") as handle:
            status = st.parse_clustat(handle.read())
    else:
        status = st.clustat(runner)
    lines, problems = report(status)
    print("\n".join(lines))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
