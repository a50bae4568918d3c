#!/usr/bin/env python3
"""Cost of a status check: zigha's agents beside the stock heartbeat agents and the floor.

For every daemon it can run (httpd here; named and postfix from ``bench/agents_<name>.py``
when present), it starts the daemon once through zigha's agent on loopback and prints,
side by side, from one run:

* zigha ``status`` at depth 10 (talks to the service) vs. the heartbeat agent's
  ``monitor`` (which does the same kind of check) — goal ≤ 0.5×;
* zigha ``status`` at depth 0 (pid file + /proc) vs. the floor, ``<interpreter> -I -S -c
  pass`` with the interpreter named in the launcher's ``#!`` line — goal ≤ 1.5×.

Every command runs with an empty environment plus its OCF variables (as rgmanager does),
``--runs`` times; the figures are medians of wall-clock time including fork and exec.

    python3 bench/agents.py [--runs 40] [--json]

Adding a daemon: a module ``bench/agents_<name>.py`` with a function ``case(workdir)``
that is a context manager (``contextlib.contextmanager``) yielding a :class:`Case` with
the daemon running; this script imports it and adds its rows.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import pkgutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
MODULES = "/usr/lib/apache2/modules"
HEARTBEAT = "/usr/lib/ocf/resource.d/heartbeat"


@dataclass
class Case:
    """One running daemon and the commands that check it."""

    name: str
    agent: str                     # zigha launcher path
    zigha_env: dict                # OCF environment for the zigha agent
    heartbeat: list                # heartbeat agent argv (monitor)
    heartbeat_env: dict
    notes: list = field(default_factory=list)


def interpreter_of(launcher: str) -> list:
    """``["/usr/bin/python3", "-IS"]`` from the launcher's ``#!`` line."""
    with open(launcher) as handle:
        first = handle.readline()
    return first[2:].split()


def timed(argv, env, runs: int, expect=0) -> dict:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        result = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples.append((time.perf_counter() - began) * 1000)
        if expect is not None and result.returncode != expect:
            raise RuntimeError(f"{argv} returned {result.returncode}: {result.stderr.decode()[-300:]}")
    return {"median_ms": round(statistics.median(samples), 2), "min_ms": round(min(samples), 2),
            "runs": runs}


@contextlib.contextmanager
def httpd_case(workdir: Path):
    """apache2 on 127.0.1.250 (this area's range), started by zigha-httpd."""
    import socket

    port = next(p for p in range(18900, 19000) if socket.socket().connect_ex(("127.0.1.250", p)) != 0)
    root = workdir / "httpd"
    for sub in ("logs", "htdocs"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "htdocs" / "index.html").write_text("bench\n")
    run_dir = workdir / "run"
    pid_file = run_dir / "zigha-httpd" / "zigha-httpd:bench.pid"
    # the config names zigha's pid file, so the heartbeat agent finds the same daemon
    (root / "httpd.conf").write_text("\n".join([
        f'ServerRoot "{root}"', "ServerName localhost",
        f"LoadModule mpm_event_module {MODULES}/mod_mpm_event.so",
        f"LoadModule authz_core_module {MODULES}/mod_authz_core.so",
        "User www-data", "Group www-data", f"PidFile {pid_file}", "ErrorLog logs/error.log",
        "DefaultRuntimeDir logs", f"Listen 127.0.1.250:{port}", f'DocumentRoot "{root}/htdocs"',
        f'<Directory "{root}/htdocs">', "  Require all granted", "</Directory>", ""]))
    zenv = {"OCF_ROOT": "/usr/lib/ocf", "OCF_RA_VERSION_MAJOR": "1", "OCF_RA_VERSION_MINOR": "1",
            "OCF_RESOURCE_INSTANCE": "bench", "OCF_RESKEY_name": "bench",
            "OCF_RESKEY_server_root": str(root), "OCF_RESKEY_config_file": "httpd.conf",
            "OCF_RESKEY_CRM_meta_timeout": "20000", "ZIGHA_OCF_RUN_DIR": str(run_dir)}
    agent = str(ROOT / "agents" / "httpd")
    started = subprocess.run([agent, "start"], env=zenv, capture_output=True, text=True)
    if started.returncode != 0:
        raise RuntimeError(f"zigha-httpd start failed: {started.stderr}")
    henv = {"OCF_ROOT": "/usr/lib/ocf", "OCF_RA_VERSION_MAJOR": "1", "OCF_RA_VERSION_MINOR": "1",
            "OCF_RESOURCE_INSTANCE": "bench", "OCF_RESKEY_configfile": str(root / "httpd.conf"),
            "OCF_RESKEY_httpd": "/usr/sbin/apache2", "OCF_RESKEY_CRM_meta_timeout": "20000",
            "OCF_RESKEY_CRM_meta_interval": "10000"}
    try:
        yield Case("httpd", agent, zenv, [f"{HEARTBEAT}/apache", "monitor"], henv,
                   ["heartbeat apache monitor: pid check + HTTP request with curl/wget"])
    finally:
        subprocess.run([agent, "stop"], env=zenv, capture_output=True)


def cases() -> list:
    """httpd, then every ``bench/agents_<name>.py`` module's ``case``."""
    found = [("httpd", httpd_case)]
    for info in sorted(pkgutil.iter_modules([str(BENCH)]), key=lambda i: i.name):
        if info.name.startswith("agents_"):
            module = importlib.import_module(info.name)
            found.append((info.name[len("agents_"):], module.case))
    return found


def measure(case: Case, runs: int) -> dict:
    floor_argv = [*interpreter_of(case.agent), "-c", "pass"]
    floor_argv = [floor_argv[0], "-I", "-S", "-c", "pass"]
    deep = timed([case.agent, "status"], {**case.zigha_env, "OCF_CHECK_LEVEL": "10"}, runs)
    heartbeat = timed(case.heartbeat, case.heartbeat_env, runs)
    shallow = timed([case.agent, "status"], {**case.zigha_env, "OCF_CHECK_LEVEL": "0"}, runs)
    floor = timed(floor_argv, {}, runs)
    return {
        "daemon": case.name,
        "deep": {"zigha_status_depth10": deep, "heartbeat_monitor": heartbeat,
                 "ratio": round(deep["median_ms"] / heartbeat["median_ms"], 2), "goal": 0.5},
        "shallow": {"zigha_status_depth0": shallow, "floor": floor, "floor_argv": floor_argv,
                    "ratio": round(shallow["median_ms"] / floor["median_ms"], 2), "goal": 1.5},
        "notes": case.notes,
    }


def render(rows: list) -> str:
    out = [f"{'daemon':8} {'check':34} {'median ms':>10} {'anchor':34} {'median ms':>10} {'ratio':>6} {'goal':>6}"]
    for row in rows:
        d, s = row["deep"], row["shallow"]
        out.append(f"{row['daemon']:8} {'zigha status depth 10':34} {d['zigha_status_depth10']['median_ms']:>10} "
                   f"{'heartbeat monitor':34} {d['heartbeat_monitor']['median_ms']:>10} "
                   f"{d['ratio']:>6} {'<=0.5':>6}")
        floor = " ".join(s["floor_argv"])
        out.append(f"{'':8} {'zigha status depth 0':34} {s['zigha_status_depth0']['median_ms']:>10} "
                   f"{floor:34} {s['floor']['median_ms']:>10} {s['ratio']:>6} {'<=1.5':>6}")
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(BENCH))
    rows = []
    with tempfile.TemporaryDirectory(prefix="zigha-bench-") as tmp:
        for name, factory in cases():
            workdir = Path(tmp) / name
            workdir.mkdir()
            with factory(workdir) as case:
                rows.append(measure(case, args.runs))
    print(json.dumps(rows, indent=2) if args.json else render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
