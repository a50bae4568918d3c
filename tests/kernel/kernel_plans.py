"""What the guest runs: addresses, desired-state files and how to call zigha.

The seed's desired state is examples/zigsow/lvs/director.lvs (VIP 192.168.10.249, TCP
80, direct routing, round robin over h1-h3).  Inside the guest every 192.168.10.x
address becomes 10.10.10.x, keeping the host part, so the tier never uses an address
that could exist outside it (the guest has no network card anyway).  The edits the
tier applies (a weight, a server removed, a scheduler change) are made here on the
host with zigha's own desired-state reader and writer; the ``ipvsadm -S -n`` lines
each one must produce are written out independently, from the values alone.
"""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parents[2]
SEED_DESIRED = ROOT / "examples" / "zigsow" / "lvs" / "director.lvs"
SEED_NET, GUEST_NET = "192.168.10.", "10.10.10."
#: h0 in the seed (its luci address), the director here; the client is any free address
DIRECTOR = GUEST_NET + "230"
CLIENT = GUEST_NET + "10"
#: the health checker's interval in the guest (the seed's file says 6 s); only the
#: reaction time of the tier depends on it, not the kernel table
GUEST_CHECK_INTERVAL = 1


def zigha_command() -> list:
    """How the guest starts the zigha CLI: the console script installed for this
    interpreter (never a pyenv shim: a shim costs seconds per start under emulation)."""
    for directory in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        script = Path(directory) / "zigha"
        if script.is_file() and "pyenv/shims" not in str(script):
            return [str(script)]
    return [sys.executable, "-c", "import sys; from zigha.cli.main import main; sys.exit(main())"]


def expected_save_lines(svc) -> list:
    """``ipvsadm -S -n`` of one plain TCP direct-routing service, from its values."""
    assert svc.protocol == "TCP" and not svc.persistent and not svc.fwmark, svc
    lines = [f"-A -t {svc.host}:{svc.port} -s {svc.scheduler}"]
    for real in svc.reals:
        assert real.forward == "Route", real
        lines.append(f"-a -t {svc.host}:{svc.port} -r {real.host}:{real.port or svc.port} -g -w {real.weight}")
    return lines


def seed_lvs_plan(workdir: Path) -> dict:
    from zigha.lvs.desired import parse_desired, render_desired

    text = SEED_DESIRED.read_text().replace(SEED_NET, GUEST_NET)
    text = "\n".join(
        f"check_interval = {GUEST_CHECK_INTERVAL}" if line.replace(" ", "").startswith("check_interval=") else line
        for line in text.splitlines()
    ) + "\n"
    initial = parse_desired(text, source=str(SEED_DESIRED))
    (svc,) = initial.services
    reals = list(svc.reals)
    nodes = [{"name": f"h{i}", "address": real.host} for i, real in enumerate(reals, 1)]

    weight = attrs.evolve(svc, reals=[attrs.evolve(reals[0], weight=3), *reals[1:]])
    remove = attrs.evolve(weight, reals=[r for r in weight.reals if r.host != reals[1].host])
    scheduler = attrs.evolve(remove, scheduler="wrr")
    variants = {"initial": svc, "weight": weight, "remove": remove, "scheduler": scheduler}

    desired, expected = {}, {}
    for name, service in variants.items():
        path = workdir / f"director-{name}.lvs"
        path.write_text(text if name == "initial" else render_desired(attrs.evolve(initial, services=(service,))))
        desired[name] = str(path)
        expected[name] = expected_save_lines(service)
    return {
        "scenario": "lvs",
        "vip": svc.host,
        "director": DIRECTOR,
        "client": CLIENT,
        "nodes": nodes,
        "victim": "h2",
        "desired": desired,
        "expected": expected,
        "zigha": zigha_command(),
        "python": sys.executable,
        "repo": str(ROOT),
        "error_probe": error_probe(desired["initial"], svc.host),
    }


def error_probe(desired_path: str, vip: str) -> list:
    """Library calls that ipvsadm must refuse on the live table (after the scenario)."""
    absent = GUEST_NET + "99"
    return [
        {"name": "desired", "expr": f"lvs.load_desired({desired_path!r})", "bind": "desired"},
        {"name": "svc", "expr": "desired.services[0]", "bind": "svc"},
        {"name": "duplicate_service", "expr": "ipvsadm.add_service(svc)"},
        {"name": "duplicate_real", "expr": "ipvsadm.add_real(svc, svc.reals[0])"},
        {"name": "delete_absent_real",
         "expr": f"ipvsadm.delete_real(svc, model.RealServer(host={absent!r}, port=80))"},
        {"name": "edit_absent_real",
         "expr": f"ipvsadm.edit_real(svc, model.RealServer(host={absent!r}, port=80, weight=2))"},
        {"name": "delete_absent_service", "expr": "ipvsadm.delete_service(attrs.evolve(svc, port=8080))"},
        {"name": "real_of_absent_service",
         "expr": "ipvsadm.add_real(attrs.evolve(svc, port=8080), attrs.evolve(svc.reals[0], port=8080))"},
    ]


def no_ipvs_plan(workdir: Path) -> dict:
    desired = workdir / "director.lvs"
    desired.write_text(SEED_DESIRED.read_text().replace(SEED_NET, GUEST_NET))
    return {
        "scenario": "no-ipvs",
        "zigha": zigha_command(),
        "python": sys.executable,
        "repo": str(ROOT),
        "desired": str(desired),
        "probe": [
            {"name": "save", "expr": "ipvsadm.save()"},
            {"name": "list", "expr": "ipvsadm.list_table()"},
            {"name": "apply", "expr": f"lvs.apply_file({str(desired)!r})"},
        ],
    }
