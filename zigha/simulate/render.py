"""Plain-text views of a simulation and of the failure reports (no printing here)."""

from __future__ import annotations

from typing import Any

from zigha.simulate.result import owner_column


def _columns(rows: list, indent: str = "  ") -> list:
    if not rows:
        return []
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]) - 1)]
    out = []
    for row in rows:
        cells = [str(c).ljust(w) for c, w in zip(row[:-1], widths)] + [str(row[-1])]
        out.append((indent + "  ".join(cells)).rstrip())
    return out


def final_table(sim: Any) -> str:
    """The end state as clustat's service table: name, owner (last), state."""
    rows = [("Service Name", "Owner (Last)", "State"), ("------- ----", "----- ------", "-----")]
    for name, o in sim.final.items():
        state = o.state + (" [Z]" if o.frozen else "")
        rows.append((name, owner_column(o.state, o.owner, o.last_owner), state))
    return "\n".join(_columns(rows, " "))


def render_timeline(sim: Any) -> str:
    """Every event with what it caused, then the members, quorum and final table."""
    width = max((len(n) for n in sim.final), default=0)
    lines = []
    for step in sim.timeline:
        mark = " (unverified)" if step.unverified and "unverified" not in step.message else ""
        if step.kind == "event":
            lines.append(f"[{step.event}] {step.message}")
        elif step.kind == "service":
            flag = " [Z]" if step.frozen else ""
            text = (f"    {step.service.ljust(width)}  "
                    f"{owner_column(step.state, step.owner, step.last_owner)} {step.state}{flag}")
            if step.message:
                text += f"  - {step.message}"
            lines.append(text + mark)
        elif step.kind == "quorum":
            lines.append(f"    quorum: {step.message}")
        elif step.kind == "member":
            lines.append(f"    member: {step.message}{mark}")
        else:
            lines.append(f"    note: {step.message}{mark}")
    members = ", ".join(
        f"{name} {'Online' if m.online else 'Offline'}"
        + (", rgmanager" if m.rgmanager else "") + (", fence pending" if m.fence_pending else "")
        for name, m in sim.members.items())
    q = sim.quorum
    lines += ["", f"Mode: {sim.mode} processing",
              f"Members: {members}",
              f"Quorum: {q.total_votes}/{q.expected_votes} votes, quorum {q.quorum}: "
              f"{'quorate' if q.quorate else 'inquorate'}",
              "", final_table(sim)]
    if sim.notes:
        lines += ["", "Unverified or inferred points this run relied on:"]
        lines += [f"  - {n}" for n in sim.notes]
    return "\n".join(lines)


def render_report(report: Any) -> str:
    """One paragraph per failure case: moves, stops, stuck records, overload, blocks."""
    title = {"single": "Every single-member failure", "pairs": "Every pair of members failing"}
    running = [(name, o) for name, o in report.baseline.items() if o.running]
    if len(running) > 8:
        where = (f"{len(running)} services running on {len(report.baseline_load)} members, "
                 f"at most {max(report.baseline_load.values(), default=0)} per member")
    else:
        where = ", ".join(f"{name.split(':', 1)[-1]}@{o.owner}" for name, o in running) \
            or "nothing running"
    fencing = "fencing works" if report.fenced else "fencing never completes"
    lines = [f"{title.get(report.kind, report.kind)} ({fencing}); before: {where}"]
    most = max(report.baseline_load.values(), default=0)
    for case in report.cases:
        lines.append("")
        lines.append(f"{case.title} {'fails' if len(case.failed) == 1 else 'fail'}:")
        if not case.quorate:
            lines.append("  quorum lost: every service is stopped, nothing is fenced or started")
            continue
        rows = [(m.service, m.before or "none", "->", m.after) for m in case.moved]
        lines += _columns(rows, "  ")
        for name in case.stopped:
            o = case.final[name]
            lines.append(f"  {name} stops: {owner_column(o.state, o.owner, o.last_owner)} "
                         f"{o.state}")
        for name in case.stuck:
            why = "until fence_ack_manual" if not report.fenced else "not placed"
            lines.append(f"  {name} stays recorded 'started' on {case.final[name].owner} "
                         f"(offline): {why}")
        if not (case.moved or case.stopped or case.stuck):
            lines.append("  nothing moves")
        for node in case.overloaded:
            lines.append(f"  overloaded: {node} runs {case.load[node]} services "
                         f"(at most {max(most, 1)} per member before)")
        for block in case.blocked:
            lines.append(f"  blocked: {block.service} not on {block.node}: {block.reason}")
    return "\n".join(lines)
