"""Builds fence_tool ls text with the printf formats of fence/fence_tool/fence_tool.c."""

from __future__ import annotations


def fence_ls(*, victim_now: int = 0, master: int = 2, members=(2, 3), nodes=None,
             wait: str = "none", with_wait: bool = True) -> str:
    """``nodes``: list of (nodeid, member, victim, last_master, how) for ``-n`` output."""
    victims = [n for n in (nodes or []) if n[2]]
    lines = [
        "fence domain",
        f"member count  {len(members)}",
        f"victim count  {len(victims) if nodes is not None else int(bool(victim_now))}",
        f"victim now    {victim_now}",
        f"master nodeid {master}",
    ]
    if with_wait:
        lines.append(f"wait state    {wait}")
    lines.append("members       " + "".join(f"{m} " for m in members))
    text = "\n".join(lines) + "\n"
    if nodes is None:
        return text + "\n"
    text += "all nodes\n"
    for nodeid, member, victim, last, how in nodes:
        text += f"nodeid {nodeid} member {member} victim {victim} last fence master {last} how {how}\n"
    return text + "\n"


def h1_pending() -> str:
    return fence_ls(victim_now=1, wait="fencing",
                    nodes=[(1, 0, 1, 0, "none"), (2, 1, 0, 0, "none"), (3, 1, 0, 0, "none")])


def h1_done() -> str:
    return fence_ls(victim_now=0, wait="none",
                    nodes=[(1, 0, 0, 2, "override"), (2, 1, 0, 0, "none"), (3, 1, 0, 0, "none")])
