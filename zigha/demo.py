"""The whole system on the seed's cluster, with no cluster at hand: ``zigha demo``.

Everything shown is computed by the library from the files in ``examples/zigsow``:
the cluster.conf, recorded ``clustat -x`` / ``cman_tool`` captures of h1-h3 (answered by
a :class:`~zigha.testing.CannedRunner`, so the same code path as on a live node runs),
and the LVS desired state.  Nothing needs root and nothing on the machine is changed:
the agents are installed into a temporary directory to show where they would go.

>>> from zigha.demo import run_demo
>>> sections = run_demo("examples/zigsow")            # doctest: +SKIP
>>> [s.title for s in sections]                        # doctest: +SKIP
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import attrs

from zigha.errors import ConfigError

SEED_NODE = "h1.zigsow.net"


@attrs.frozen
class Section:
    """One part of the demo: a title, the text shown, and the same facts as data."""

    title: str
    text: str
    data: Any = None

    def to_dict(self) -> dict:
        from zigha.cli.common import to_jsonable

        return {"title": self.title, "text": self.text, "data": to_jsonable(self.data)}


def find_examples(directory: str | os.PathLike | None = None) -> Path:
    """``directory``, else ``./examples/zigsow``, else the one beside the zigha package."""
    candidates = [Path(directory)] if directory else [
        Path.cwd() / "examples" / "zigsow",
        Path(__file__).resolve().parents[1] / "examples" / "zigsow",
    ]
    for candidate in candidates:
        if (candidate / "cluster.conf").is_file():
            return candidate
    raise ConfigError(
        f"the seed example is not at {', '.join(str(c) for c in candidates)}",
        hint="run from a zigha checkout or pass --dir DIR (a folder with cluster.conf, "
             "captures/ and lvs/)",
    )


def recorded_runner(examples: Path) -> Any:
    """A runner that answers clustat/cman_tool from the recorded captures of the seed."""
    from zigha.testing import CannedRunner

    captures = examples / "captures"
    canned = CannedRunner()
    canned.add(["clustat", "-x"], (captures / "clustat-x.xml").read_text())
    canned.add(["cman_tool", "status"], (captures / "cman_tool-status.txt").read_text())
    canned.add(["cman_tool", "nodes"], (captures / "cman_tool-nodes.txt").read_text())
    # The director starts empty: the plan below is what a first apply would do.
    canned.add(["ipvsadm", "-S", "-n"], "")
    canned.add(["ipvsadm", "-L", "-n", "--thresholds"],
               "IP Virtual Server version 1.2.1 (size=4096)\n"
               "Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn\n"
               "  -> RemoteAddress:Port\n")
    return canned


def _cluster(conf: Any) -> Section:
    from zigha.cli.conf import render_show

    return Section("The seed's cluster (examples/zigsow/cluster.conf)", render_show(conf),
                   conf.summary())


def _validation(conf: Any, path: Path) -> Section:
    findings = conf.validate()
    errors = [f for f in findings if f.severity == "error"]
    shown = os.path.relpath(path) if not os.path.relpath(path).startswith("..") else str(path)
    lines = [f.format(shown) for f in findings]
    lines.append(f"{len(errors)} error(s), {len(findings) - len(errors)} warning(s); "
                 f"schema: {conf.last_schema}")
    return Section("Validation (cluster.rng + rgmanager's rules)", "\n".join(lines), findings)


def _status(runner: Any) -> tuple[Section, Any]:
    from zigha.status import clustat, cman_status, render_clustat_text

    status = clustat(runner=runner)
    cman = cman_status(runner=runner)
    text = render_clustat_text(status, width=80)
    text += (f"\ncman: quorum {cman.quorum} of {cman.total_votes} votes "
             f"(expected {cman.expected_votes}), quorate: {'yes' if cman.quorate else 'no'}")
    return Section("Status (clustat -x and cman_tool, recorded on h3)", text,
                   {"clustat": status, "cman": cman}), status


def _simulation(conf: Any, status: Any) -> Section:
    from zigha.simulate import all_single_failures, simulate
    from zigha.simulate.render import final_table, render_report, render_timeline

    fenced = simulate(conf, status, events=[f"fail {SEED_NODE}"])
    unfenced = simulate(conf, status, events=[f"fail-unfenced {SEED_NODE}"])
    report = all_single_failures(conf, status)
    text = "\n".join([
        f"If {SEED_NODE} dies and is fenced:",
        render_timeline(fenced),
        "",
        f"If {SEED_NODE} dies and fencing never completes (no fence device, nobody runs "
        "fence_ack_manual):",
        final_table(unfenced),
        "",
        render_report(report),  # its heading says "Every single-member failure"
    ])
    return Section(f"What if {SEED_NODE} fails? (zigha simulate)", text,
                   {"fenced": fenced, "unfenced": unfenced, "all_single": report})


def _lvs(examples: Path, runner: Any) -> Section:
    from zigha.cli.lvs import _render_apply
    from zigha.lvs.apply import apply_state
    from zigha.lvs.desired import load_desired
    from zigha.lvs.realserver import realserver_script

    desired = load_desired(examples / "lvs" / "director.lvs")
    result = apply_state(desired, runner=runner, dry_run=True)
    vip = desired.services[0].host
    text = "\n".join([
        "On h0, against an empty IPVS table (zigha lvs apply --dry-run):",
        _render_apply(result),
        "",
        f"On h1-h3 (zigha lvs prepare-realserver {vip} --print):",
        realserver_script(vip).rstrip(),
    ])
    return Section("The LVS director (examples/zigsow/lvs/director.lvs)", text, result)


def _agents(examples: Path) -> Section:
    from zigha.conf import ClusterConf
    from zigha.ocf import install

    with tempfile.TemporaryDirectory(prefix="zigha-demo-") as root:
        done = install.install(prefix=root)
        files = ["/" + os.path.relpath(f, root) for f in done["files"]]
        schema = done["schema"]
        wired = ClusterConf.load(examples / "cluster-zigha-agents.conf")
        findings = wired.validate(schema=schema)
        errors = [f for f in findings if f.severity == "error"]
    lines = ["zigha agents install would write:"]
    lines += [f"  {f}" for f in files]
    lines.append(f"  {install.SCHEMA} (cluster.rng extended with "
                 + ", ".join(f"zigha-{a}" for a in done["agents"]) + ")")
    lines.append(f"launchers run {done['interpreter']} -I -S: no PATH, no venv needed")
    lines.append(f"examples/zigsow/cluster-zigha-agents.conf against the extended schema: "
                 f"{len(errors)} error(s)")
    return Section("Resource agents for rgmanager and Pacemaker", "\n".join(lines),
                   {"files": files, "schema": install.SCHEMA,
                    "interpreter": done["interpreter"], "wired_conf_errors": len(errors)})


def run_demo(directory: str | os.PathLike | None = None) -> list[Section]:
    """Every section of the demo, computed from the seed example folder."""
    from zigha.conf import ClusterConf

    examples = find_examples(directory)
    conf_path = examples / "cluster.conf"
    conf = ClusterConf.load(conf_path)
    runner = recorded_runner(examples)
    status_section, status = _status(runner)
    return [
        _cluster(conf),
        _validation(conf, conf_path),
        status_section,
        _simulation(conf, status),
        _lvs(examples, runner),
        _agents(examples),
    ]
