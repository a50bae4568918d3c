"""Parse time of a 16-member, 1,000-service ``clustat -x`` beside a bare lxml parse.

The document is generated with zigha's own renderer (clustat's exact layout, later format
with flags).  Goal: parse_clustat_xml in 10 ms or less.  Run: ``python3 bench/status.py``.
"""

from __future__ import annotations

import gc
import statistics
import time

from lxml import etree

from zigha.status import (
    ClusterStatus,
    Member,
    ServiceState,
    ServiceStatus,
    parse_clustat_text,
    parse_clustat_xml,
    render_clustat_text,
    render_clustat_xml,
)

GOAL_MS = 10.0


def generated() -> ClusterStatus:
    members = [Member(f"node{i:02d}.example.com", i, online=i != 7, local=i == 1,
                      rgmanager=i != 7) for i in range(1, 17)]
    states = [ServiceState.STARTED] * 8 + [ServiceState.STOPPED, ServiceState.DISABLED]
    services = [
        ServiceStatus(f"service:svc{i:04d}", states[i % len(states)],
                      owner=members[i % 16].name, last_owner=members[(i + 1) % 16].name,
                      restarts=i % 3, last_transition=1313554514 + i)
        for i in range(1000)
    ]
    return ClusterStatus(cluster_name="bench", quorate=True, members=members,
                         services=services, cluster_id=4242, generation=77)


def best_ms(func, text: str, rounds: int = 50) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        gc.collect()  # the same clean heap for every round, anchor and zigha alike
        start = time.perf_counter()
        func(text)
        times.append((time.perf_counter() - start) * 1000)
    return min(times), statistics.median(times)


def main() -> None:
    status = generated()
    xml = render_clustat_xml(status)
    text = render_clustat_text(status, 80)
    assert len(parse_clustat_xml(xml).services) == 1000
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    rows = [
        ("bare lxml fromstring (anchor)", best_ms(lambda t: etree.fromstring(t.encode(), parser), xml)),
        ("zigha parse_clustat_xml", best_ms(parse_clustat_xml, xml)),
        ("zigha parse_clustat_text (same state)", best_ms(parse_clustat_text, text)),
    ]
    print(f"clustat -x: 16 members, 1000 services, {len(xml):,} bytes; text {len(text):,} bytes")
    print(f"{'':40} {'best ms':>9} {'median ms':>10}")
    for name, (best, median) in rows:
        print(f"{name:40} {best:9.2f} {median:10.2f}")
    verdict = "meets" if rows[1][1][1] <= GOAL_MS else "MISSES"
    print(f"goal: parse_clustat_xml <= {GOAL_MS:g} ms (median): {verdict}")


if __name__ == "__main__":
    main()
