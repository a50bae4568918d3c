"""Benchmark of zigha.simulate, printed beside its anchors.

Cluster: a generated cluster.conf with 16 members (the supported maximum) and 500
services, each in an ordered, unrestricted failover domain of three members, a few
exclusive, a few with dependencies.

1. ``all_single_failures`` (what ``zigha simulate --all-single`` computes), beside the
   target of issue 8 (1 s) and beside the cost of one plain simulation (autostart only).
2. The same through the command line (``zigha simulate CONF --all-single --json``),
   wall clock including interpreter start and cluster.conf load + validation.
3. ``all_pair_failures`` (120 pairs), for scale.
4. Anchor from Pacemaker: ``crm_simulate --run --node-fail`` on the equivalent CIB (16
   nodes, 500 Dummy primitives, one location preference each, all running), one node
   failure, when it is installed.

Run: python3 bench/simulate.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NODES = 16
SERVICES = 500


def cluster_conf(nodes: int = NODES, services: int = SERVICES) -> str:
    lines = ['<?xml version="1.0"?>', '<cluster config_version="1" name="bench">',
             "  <clusternodes>"]
    for i in range(1, nodes + 1):
        lines.append(f'    <clusternode name="n{i:02d}" nodeid="{i}" votes="1"/>')
    lines += ["  </clusternodes>", "  <cman/>", "  <rm>", "    <failoverdomains>"]
    for d in range(nodes):
        lines.append(f'      <failoverdomain name="fd{d:02d}" ordered="1" restricted="0">')
        for rank in range(3):
            lines.append(f'        <failoverdomainnode name="n{(d + rank) % nodes + 1:02d}" '
                         f'priority="{rank + 1}"/>')
        lines.append("      </failoverdomain>")
    lines.append("    </failoverdomains>")
    for s in range(services):
        extra = ""
        if s % 100 == 7:
            extra = ' exclusive="1"'
        elif s % 50 == 3:
            extra = f' depend="service:s{s - 1:03d}"'
        lines.append(f'    <service name="s{s:03d}" domain="fd{s % nodes:02d}" '
                     f'recovery="relocate"{extra}/>')
    lines += ["  </rm>", "</cluster>"]
    return "\n".join(lines) + "\n"


def cib(nodes: int = NODES, services: int = SERVICES) -> str:
    """The Pacemaker equivalent, every node up, each service running on its home node."""
    node_xml = "".join(f'<node id="{i}" uname="n{i:02d}"/>' for i in range(1, nodes + 1))
    prims = "".join(f'<primitive id="s{s:03d}" class="ocf" provider="heartbeat" type="Dummy"/>'
                    for s in range(services))
    locs = "".join(f'<rsc_location id="l{s:03d}" rsc="s{s:03d}" node="n{s % nodes + 1:02d}" '
                   'score="100"/>' for s in range(services))
    props = ('<cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" '
             'value="false"/></cluster_property_set>')
    states = []
    for i in range(1, nodes + 1):
        rscs = []
        for s in range(services):
            start = s % nodes + 1 == i
            op, rc = ("start", 0) if start else ("monitor", 7)
            rscs.append(
                f'<lrm_resource id="s{s:03d}" type="Dummy" class="ocf" provider="heartbeat">'
                f'<lrm_rsc_op id="s{s:03d}_last_0" operation_key="s{s:03d}_{op}_0" '
                f'operation="{op}" crm_feature_set="3.0.14" transition-key="1:1:{rc}:x" '
                f'transition-magic="0:{rc};1:1:{rc}:x" call-id="1" rc-code="{rc}" op-status="0" '
                f'interval="0" on_node="n{i:02d}"/></lrm_resource>')
        states.append(f'<node_state id="{i}" uname="n{i:02d}" in_ccm="true" crmd="online" '
                      f'join="member" expected="member"><lrm id="{i}"><lrm_resources>'
                      f'{"".join(rscs)}</lrm_resources></lrm></node_state>')
    return (f'<cib validate-with="pacemaker-3.0" epoch="1" num_updates="0" admin_epoch="0" '
            f'have-quorum="1" dc-uuid="1"><configuration><crm_config>{props}</crm_config>'
            f'<nodes>{node_xml}</nodes><resources>{prims}</resources>'
            f'<constraints>{locs}</constraints></configuration>'
            f'<status>{"".join(states)}</status></cib>')


def best(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    from zigha.conf import ClusterConf
    from zigha.simulate import all_pair_failures, all_single_failures, from_conf, simulate

    text = cluster_conf()
    conf = ClusterConf.from_string(text)
    cluster = from_conf(conf)
    report = all_single_failures(cluster)
    moved = sum(len(c.moved) for c in report.cases)
    print(f"cluster: {NODES} members, {SERVICES} services "
          f"({sum(1 for s in cluster.services if s.exclusive)} exclusive, "
          f"{sum(1 for s in cluster.services if s.depend)} with a dependency); "
          f"{moved} moves over {len(report.cases)} single failures")
    plain = best(lambda: simulate(cluster), 5)
    single = best(lambda: all_single_failures(cluster), 5)
    print("library (best of 5)")
    print(f"  {'simulate(): autostart only':<40}{plain * 1000:9.1f} ms")
    print(f"  {'all_single_failures() (16 cases)':<40}{single * 1000:9.1f} ms"
          f"   target <= 1000 ms (issue 8)")
    pairs = best(lambda: all_pair_failures(cluster), 1)
    print(f"  {'all_pair_failures() (120 cases)':<40}{pairs * 1000:9.1f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cluster.conf"
        path.write_text(text)
        argv = [sys.executable, "-m", "zigha.cli.main", "simulate", str(path), "--all-single",
                "--json"]
        cli = best(lambda: subprocess.run(argv, check=True, stdout=subprocess.DEVNULL), 3)
        bare = best(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), 3)
        print("command line (best of 3, wall clock)")
        print(f"  {'python -c pass':<40}{bare * 1000:9.1f} ms   (anchor)")
        print(f"  {'zigha simulate CONF --all-single':<40}{cli * 1000:9.1f} ms"
              f"   target <= 1000 ms (issue 8)")

        crm_simulate = shutil.which("crm_simulate")
        if crm_simulate is None:
            print("crm_simulate: not installed, no Pacemaker anchor")
            return
        cib_path = Path(tmp) / "cib.xml"
        cib_path.write_text(cib())
        one = [crm_simulate, "--xml-file", str(cib_path), "--run", "--node-fail", "n01"]
        anchor = best(lambda: subprocess.run(one, check=True, stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL), 3)
        print("Pacemaker anchor (best of 3, wall clock; computes the transition, runs nothing)")
        print(f"  {'crm_simulate --run --node-fail n01':<40}{anchor * 1000:9.1f} ms")
        print(f"  {'  x16 for every single failure':<40}{anchor * 16000:9.1f} ms   (estimate)")

if __name__ == "__main__":
    main()
