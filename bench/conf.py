"""Benchmarks for zigha.conf, printed beside their anchors.

1. ``import zigha`` beside a bare interpreter (``python -c pass``): the package must
   stay cheap to import (lxml and sh load only on first use).
2. Load + validate of the largest file of the real corpus, beside the bare lxml
   parse + RelaxNG check of the same file (what ``xmllint --relaxng`` does), with the
   schema compile shown separately (paid once per process).

Run: python3 bench/conf.py   (reference material in ../shared, or set ZIGHA_SHARED)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = Path(os.environ.get("ZIGHA_SHARED", ROOT.parent / "shared")).resolve() / "reference"


def best_of(argv: list, runs: int = 15) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True)
        times.append(time.perf_counter() - start)
    return min(times)


def timed(fn, runs: int = 200) -> tuple:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return min(samples), statistics.median(samples)


def main() -> None:
    python = sys.executable
    bare = best_of([python, "-c", "pass"])
    imported = best_of([python, "-c", "import zigha"])
    heavy = subprocess.run(
        [python, "-c", "import sys, zigha; print(sorted(m for m in ('lxml', 'sh', 'attrs') if m in sys.modules))"],
        check=True, capture_output=True, text=True).stdout.strip()
    print("import cost (best of 15 runs, wall clock, includes interpreter start)")
    print(f"  {'python -c pass':<34}{bare * 1000:8.1f} ms   (anchor)")
    label = 'python -c "import zigha"'
    print(f"  {label:<34}{imported * 1000:8.1f} ms   (+{(imported - bare) * 1000:.1f} ms)")
    print(f"  heavy modules loaded by 'import zigha': {heavy}")

    from lxml import etree

    from zigha.conf import ClusterConf
    from zigha.conf import validate as checks

    corpus = sorted((REFERENCE / "cluster-conf").glob("*.conf"), key=lambda p: p.stat().st_size)
    largest = corpus[-1]
    schema = str(REFERENCE / "cluster.rng")
    start = time.perf_counter()
    checks.load_schema(schema)
    compile_s = time.perf_counter() - start
    relaxng = etree.RelaxNG(etree.parse(schema))

    def bare_lxml() -> None:
        relaxng.validate(etree.parse(str(largest)))

    def zigha_full() -> None:
        ClusterConf.load(largest).validate(schema)

    def zigha_load() -> None:
        assert ClusterConf.load(largest).services is not None

    print(f"\nload + validate {largest.name} ({largest.stat().st_size} bytes; min / median of 200)")
    print(f"  {'RelaxNG schema compile (once)':<34}{compile_s * 1000:8.2f} ms")
    for label, fn in (("lxml parse + RelaxNG (anchor)", bare_lxml),
                      ("ClusterConf.load + .services", zigha_load),
                      ("ClusterConf.load + .validate()", zigha_full)):
        low, mid = timed(fn)
        print(f"  {label:<34}{low * 1000:8.2f} ms / {mid * 1000:.2f} ms")


if __name__ == "__main__":
    main()
