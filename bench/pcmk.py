"""Failover and monitor cost of the seed's services on a real 3-node Pacemaker cluster.

Brings up the lab of tests/pcmk (h1-h3.zigsow.net, zigha's agents, the configuration
``zigha migrate pacemaker`` makes of tests/pcmk/lab-cluster.conf, monitors every 5 s),
then:

* hard-kills each service's home node in turn and times, from the kill, until each
  service answers its client again (HTTP page, DNS answer, SMTP banner) from the client
  namespace; the node rejoins between rounds;
* samples Pacemaker's own record of every monitor call (``crm_mon --output-as=xml``,
  node_history exec-time) for a while on the settled cluster.

Anchors: ../shared/pcmk/README.md (hard kill until curl answers, token 1000: 3.7-4.9 s,
4.7-5.1 s when the DC dies) and the seed, where recovery waited for a person or a cron
job to run fence_ack_manual.  Needs root.  Run: ``python3 bench/pcmk.py [--sample S]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "pcmk"))
import labsite  # noqa: E402

ANCHOR = "README of ../shared/pcmk: apache answers again 3.7-4.9 s after a hard kill (DC: 4.7-5.1 s)"


def failover_round(lab, service: str) -> dict:
    victim = labsite.HOME[service]
    dc = next((m.name for m in lab.status().members if m.rgmanager_master), "?")
    checks = {"http": lambda: lab.http() == labsite.PAGE,
              "named": lambda: lab.dns() == "192.168.10.249",
              "mail": lab.smtp_banner}
    back: dict = {}

    def watch(name, check):
        # one poller per service, so a slow client check does not delay the others
        while time.monotonic() - start < 120:
            if check():
                back[name] = time.monotonic() - start
                return
            time.sleep(0.05)

    start = time.monotonic()
    lab.sh("kill", victim)
    threads = [threading.Thread(target=watch, args=item) for item in checks.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lab.settle()
    lab.sh("start", victim)
    lab.settle()
    lab.wait_for(lambda: lab.placement() == labsite.HOME, "services home again", timeout=90)
    return {"victim": victim, "was_dc": victim == dc, "back": back}


def monitor_costs(lab, seconds: float) -> dict:
    """{resource agent: [exec ms]} of the recurring monitors, from crm_mon's node history.

    A recurring monitor keeps its call id, and crm_mon shows the exec-time of its latest
    run: sampling once per monitor interval reads about one run per sample.
    """
    from lxml import etree

    costs: dict = {}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for node in labsite.NODES:
            out = lab.node_exec(node, "crm_mon", "--output-as=xml", timeout=30).stdout
            root = etree.fromstring(out.encode())
            agents = {r.get("id"): r.get("resource_agent") for r in root.iter("resource")}
            for history in root.iter("resource_history"):
                for op in history.iter("operation_history"):
                    if op.get("task") == "monitor" and op.get("interval", "0ms") != "0ms":
                        agent = agents.get(history.get("id"), history.get("id"))
                        costs.setdefault(agent, []).append(int(op.get("exec-time", "0ms")[:-2]))
        time.sleep(labsite.MONITOR_INTERVAL)
    return costs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=float, default=30.0,
                        help="seconds of monitor history to sample (default 30)")
    args = parser.parse_args()
    lab = labsite.Lab(tag="bench")
    try:
        lab.prepare()
        t0 = time.monotonic()
        lab.up()
        lab.settle()
        lab.wait_for(lambda: all(lab.answers().values()), "services", timeout=120)
        print(f"cluster up and the three services answering: {time.monotonic() - t0:.1f} s")
        print()
        print("hard kill of a service's home node -> seconds until each service answers again")
        print(f"{'killed node':<16}{'DC':<5}{'http':>8}{'named':>8}{'mail':>8}")
        for service in ("http", "named", "mail"):
            result = failover_round(lab, service)
            row = "".join(f"{result['back'].get(s, float('nan')):8.2f}" for s in ("http", "named", "mail"))
            print(f"{result['victim']:<16}{'yes' if result['was_dc'] else 'no':<5}{row}")
        print(f"  (a service that stayed put shows when `lab.sh kill` returned; anchor: {ANCHOR};")
        print("   the seed's rgmanager blocked until fence_ack_manual ran)")
        print()
        costs = monitor_costs(lab, args.sample)
        print(f"monitor calls on the running cluster ({args.sample:.0f} s, every 5 s), "
              "Pacemaker's exec-time in ms")
        print(f"{'agent':<28}{'calls':>6}{'median':>8}{'max':>6}")
        for agent, values in sorted(costs.items()):
            print(f"{agent:<28}{len(values):>6}{statistics.median(values):>8.0f}{max(values):>6}")
        print("  (anchor: ocf:heartbeat:IPaddr2, the stock shell agent beside zigha's in each group;")
        print("   ocf:heartbeat:Dummy and the clone appear when present)")
    finally:
        lab.down()
    return 0


if __name__ == "__main__":
    sys.exit(main())
