"""A guest in which IPVS cannot be loaded: zigha must say so with its typed error.

Every ipvsadm call first tries ``/sbin/modprobe -- ip_vs`` itself
(../shared/reference/lvs.md §2), so the module is blocked the way an administrator
would: ``install ip_vs /bin/false`` under /etc/modprobe.d (in the guest's throw-away
overlay).  The real ipvsadm's answer is recorded next to zigha's, so the host can
check zigha reports what the tool really said.
"""

from __future__ import annotations

import json
from pathlib import Path

from scenario import HERE, Guest, StepFailed

BLOCK = Path("/etc/modprobe.d/zigha-kernel-tier-block-ip_vs.conf")


def step_block(g: Guest) -> dict:
    BLOCK.write_text("install ip_vs /bin/false\n")
    modprobe = g.run(["modprobe", "ip_vs"])
    if modprobe["rc"] == 0:
        raise StepFailed("modprobe ip_vs still succeeds with the install rule in place")
    raw = g.run(["/usr/sbin/ipvsadm", "-L", "-n"])
    loaded = Path("/proc/modules").read_text()
    return {"modprobe_rc": modprobe["rc"], "ipvsadm": raw,
            "ip_vs_loaded": any(line.split()[0] == "ip_vs" for line in loaded.splitlines())}


def step_cli(g: Guest) -> dict:
    zigha = g.plan["zigha"]
    return {
        "show": g.run([*zigha, "lvs", "show"]),
        "show_json": g.run([*zigha, "lvs", "show", "--json"]),
        "apply": g.run([*zigha, "lvs", "apply", g.plan["desired"]]),
    }


def step_library(g: Guest) -> dict:
    probe = g.run([g.plan["python"], HERE / "zigha_probe.py", json.dumps(g.plan["probe"])], check=True)
    return {"probe": json.loads(probe["stdout"])}


def run_no_ipvs_scenario(g: Guest) -> None:
    g.step("block", lambda: step_block(g))
    g.step("cli", lambda: step_cli(g), "block")
    g.step("library", lambda: step_library(g), "block")
