"""Write a :class:`~zigha.migrate.model.Plan` as the equivalent ``pcs`` commands.

The script works on a file copy of the CIB (``pcs -f``) and pushes it once at the end,
like clufter's ``ccs2pcscmd`` output, so a half-run script changes nothing.  The report
items are repeated as comments at the top.
"""

from __future__ import annotations

import shlex

from zigha.migrate.model import Plan, Primitive, score_text


def _q(*words: str) -> str:
    return " ".join(shlex.quote(str(w)) for w in words)


def _create(prim: Primitive, group: str | None = None) -> str:
    verb = ["stonith", "create"] if prim.standard == "stonith" else ["resource", "create"]
    agent = prim.type if prim.standard == "stonith" else prim.agent
    words = ["pcs", "-f", "$CIB", *verb, prim.id, agent]
    words += [f"{k}={v}" for k, v in prim.params]
    if prim.meta:
        words += ["meta", *(f"{k}={v}" for k, v in prim.meta)]
    for op in prim.ops:
        words += ["op", op.name, f"interval={op.interval}s", f"timeout={op.timeout}s"]
        if op.on_fail:
            words.append(f"on-fail={op.on_fail}")
    if group:
        words += ["--group", group]
    return " ".join(w if w in ("$CIB",) else shlex.quote(w) for w in words)


def render_pcs(plan: Plan) -> str:
    lines = ["#!/bin/sh",
             f"# Pacemaker configuration of cluster {plan.cluster_name or '(unnamed)'},",
             "# translated from cluster.conf by `zigha migrate pacemaker`.",
             "# Run on a node of the new cluster (pcs cluster setup done, nodes: "
             + " ".join(n.uname for n in plan.nodes) + ").",
             "set -e"]
    for item in plan.report:
        lines.append(f"# {item.severity.upper()}: {item.element}: {item.reason}")
    lines += ['CIB=$(mktemp)', 'trap \'rm -f "$CIB"\' EXIT', 'pcs cluster cib "$CIB"']
    for name, value in plan.properties:
        lines.append(f'pcs -f "$CIB" property set {_q(f"{name}={value}")}')
    for name, value in plan.rsc_defaults:
        lines.append(f'pcs -f "$CIB" resource defaults update {_q(f"{name}={value}")}')
    for prim in plan.stonith:
        lines.append(_create(prim).replace("$CIB", '"$CIB"'))
    for clone in plan.clones:
        lines.append(_create(clone.primitive).replace("$CIB", '"$CIB"'))
        meta = " ".join(f"{k}={v}" for k, v in clone.meta)
        lines.append(f'pcs -f "$CIB" resource clone {_q(clone.primitive.id)} {meta}'.rstrip())
    for group in plan.groups:
        for prim in group.primitives:
            lines.append(_create(prim, group.id).replace("$CIB", '"$CIB"'))
        if group.meta:
            lines.append(f'pcs -f "$CIB" resource meta {_q(group.id)} '
                         + _q(*(f"{k}={v}" for k, v in group.meta)))
    for loc in plan.locations:
        for node, score in loc.scores:
            lines.append(f'pcs -f "$CIB" constraint location {_q(loc.rsc)} prefers '
                         + _q(f"{node}={score_text(score)}"))
        if loc.only_on is not None:
            words: list[str] = []
            for node in loc.only_on:
                words += (["and"] if words else []) + ["#uname", "ne", node]
            lines.append(f'pcs -f "$CIB" constraint location {_q(loc.rsc)} rule '
                         f'score=-INFINITY {_q(*words)}')
    for order in plan.orders:
        lines.append(f'pcs -f "$CIB" constraint order start {_q(order.first)} then '
                     f'{_q(order.then)} kind={order.kind}')
    for col in plan.colocations:
        lines.append(f'pcs -f "$CIB" constraint colocation add {_q(col.rsc)} with '
                     f'{_q(col.with_rsc)} score={score_text(col.score)}')
    for level in plan.fencing_levels:
        lines.append(f'pcs -f "$CIB" stonith level add {level.index} {_q(level.target)} '
                     + _q(",".join(level.devices)))
    lines.append('pcs cluster cib-push "$CIB" --config')
    return "\n".join(lines) + "\n"
