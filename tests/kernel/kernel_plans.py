"""What the guest runs: addresses, desired-state files and how to call zigha.

The seed's network is 192.168.10.0/24 (VIP 192.168.10.249).  Inside the guest every
address is moved to 10.10.10.0/24, keeping the host part, so the tier never uses an
address that could exist outside it (the guest has no network card anyway).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED_NET, GUEST_NET = "192.168.10.", "10.10.10."

VIP = GUEST_NET + "249"
DIRECTOR = GUEST_NET + "230"
CLIENT = GUEST_NET + "10"
NODES = [("h1", GUEST_NET + "231"), ("h2", GUEST_NET + "232"), ("h3", GUEST_NET + "233")]


def guest_address(seed_address: str) -> str:
    if not seed_address.startswith(SEED_NET):
        raise ValueError(f"{seed_address} is not on the seed's network {SEED_NET}0/24")
    return GUEST_NET + seed_address[len(SEED_NET):]


def zigha_command() -> list:
    """How the guest starts the zigha CLI: this interpreter's console script."""
    script = Path(sys.executable).with_name("zigha")
    return [str(script)] if script.exists() else [sys.executable, "-m", "zigha.cli.main"]


def _plain_desired(workdir: Path) -> dict:
    def save(scheduler: str, servers: list) -> str:
        lines = [f"-A -t {VIP}:80 -s {scheduler}"]
        lines += [f"-a -t {VIP}:80 -r {addr}:80 -g -w {w}" for addr, w in servers]
        return "\n".join(lines) + "\n"

    rs = [addr for _, addr in NODES]
    variants = {
        "initial": save("rr", [(a, 1) for a in rs]),
        "weight": save("rr", [(rs[0], 3), (rs[1], 1), (rs[2], 1)]),
        "remove": save("rr", [(rs[0], 3), (rs[2], 1)]),
        "scheduler": save("wrr", [(rs[0], 3), (rs[2], 1)]),
    }
    paths = {}
    for name, text in variants.items():
        path = workdir / f"desired-{name}.rules"
        path.write_text(text)
        paths[name] = str(path)
    return paths


def seed_lvs_plan(workdir: Path) -> dict:
    backend = os.environ.get("ZIGHA_KERNEL_BACKEND", "zigha")
    return {
        "scenario": "lvs",
        "backend": backend,
        "vip": VIP,
        "director": DIRECTOR,
        "client": CLIENT,
        "nodes": [{"name": n, "address": a} for n, a in NODES],
        "victim": "h2",
        "desired": _plain_desired(workdir),
        "expected": {k: Path(v).read_text().splitlines() for k, v in _plain_desired(workdir).items()},
        "zigha": zigha_command(),
        "repo": str(ROOT),
    }


def no_ipvs_plan(workdir: Path) -> dict:
    return {"scenario": "no-ipvs", "zigha": zigha_command(), "repo": str(ROOT), "vip": VIP}
