"""Prepare a real server for LVS direct routing (the seed's manual steps, done safely).

Direct routing delivers packets that still carry the VIP, so each real server must
accept the VIP without answering ARP for it (../shared/reference/lvs.md §10.1):

1. ``net.ipv4.conf.{lo,all}.arp_ignore = 1`` and ``.arp_announce = 2`` (the four keys
   the seed puts in sysctl.conf);
2. then the VIP as a host address on lo: ``ip addr add VIP/32 dev lo label lo:0``
   (a /24 on lo would make the whole subnet local and cut the server off).

The sysctls come first and go last, so there is never a moment where the server
answers ARP for the VIP.  Every step first reads the current value (``sysctl -n``,
``ip -4 -o addr show dev lo``) and changes only what differs, so running it twice
changes nothing.  Undo removes the VIP and resets the sysctls to 0 only when no other
address besides 127.0.0.0/8 is left on lo (another VIP may still need them).

Everything goes through the runner, so it runs on the real server itself (or inside
its network namespace with a wrapping runner); :func:`realserver_script` prints the
same steps as a shell script for hosts without zigha.
"""

from __future__ import annotations

import ipaddress
import re

import attrs

from zigha.errors import CommandError
from zigha.runner import default_runner

#: in the seed's order (sysctl.conf of the review)
SYSCTLS = (
    ("net.ipv4.conf.lo.arp_ignore", "1"),
    ("net.ipv4.conf.lo.arp_announce", "2"),
    ("net.ipv4.conf.all.arp_ignore", "1"),
    ("net.ipv4.conf.all.arp_announce", "2"),
)
INET = re.compile(r"\binet (\d+\.\d+\.\d+\.\d+)/(\d+)")


class RealServerError(CommandError):
    """A preparation step failed (``ip`` or ``sysctl`` refused), or lo holds the VIP
    with a prefix other than /32."""

    exit_code = 1


@attrs.frozen
class Step:
    """One change: ``argv`` to run; ``needed`` False when the system already had it."""

    argv: tuple[str, ...]
    needed: bool
    why: str = ""

    def to_dict(self) -> dict:
        return {"argv": list(self.argv), "needed": self.needed, "why": self.why}


def _vip(vip: str) -> str:
    try:
        return str(ipaddress.IPv4Address(vip))
    except ValueError:
        raise ValueError(f"{vip!r} is not an IPv4 address (direct-routing prep is IPv4)") from None


def _run(argv, runner):
    result = runner.run(list(argv))
    if result.rc != 0:
        raise RealServerError.from_result(
            f"{argv[0]}: {(result.stderr.strip() or f'exit status {result.rc}')}", result)
    return result


def lo_addresses(runner=None) -> dict[str, int]:
    """IPv4 addresses on lo with their prefix lengths."""
    out = _run(["ip", "-4", "-o", "addr", "show", "dev", "lo"], runner or default_runner()).stdout
    return {addr: int(prefix) for addr, prefix in INET.findall(out)}


def _sysctl(key: str, runner) -> str:
    return _run(["sysctl", "-n", key], runner).stdout.strip()


def plan_prepare(vip: str, runner=None, undo: bool = False) -> list[Step]:
    """The steps preparing (or undoing) ``vip`` would take on this host, in order."""
    vip = _vip(vip)
    runner = runner or default_runner()
    addresses = lo_addresses(runner)
    if vip in addresses and addresses[vip] != 32:
        raise RealServerError(f"{vip}/{addresses[vip]} is on lo; direct routing needs /32",
                              hint=f"ip addr del {vip}/{addresses[vip]} dev lo")
    address: tuple[str, ...] = ("ip", "addr", "add" if not undo else "del", f"{vip}/32",
                                "dev", "lo")
    if not undo:
        address += ("label", "lo:0")
    sysctl_steps = []
    others = [a for a in addresses if a != vip and not a.startswith("127.")]
    for key, value in SYSCTLS:
        target = "0" if undo else value
        current = _sysctl(key, runner)
        needed = current != target and not (undo and others)
        why = f"{key} is {current}" + (f"; kept for {', '.join(others)}" if undo and others else "")
        sysctl_steps.append(Step(("sysctl", "-w", f"{key}={target}"), needed, why))
    present = vip in addresses
    vip_step = Step(address, present if undo else not present,
                    f"{vip}/32 {'is' if present else 'is not'} on lo")
    return [vip_step, *reversed(sysctl_steps)] if undo else [*sysctl_steps, vip_step]


def prepare_realserver(vip: str, runner=None, undo: bool = False,
                       dry_run: bool = False) -> list[Step]:
    """Prepare (or with ``undo`` unprepare) this host for DR with ``vip``; idempotent.

    Returns every step with ``needed`` telling whether it was (or, in a dry run, would
    be) run.  Raises :class:`RealServerError` when a command fails.
    """
    runner = runner or default_runner()
    steps = plan_prepare(vip, runner, undo=undo)
    if not dry_run:
        for step in steps:
            if step.needed:
                _run(step.argv, runner)
    return steps


def unprepare_realserver(vip: str, runner=None, dry_run: bool = False) -> list[Step]:
    """:func:`prepare_realserver` with ``undo=True``."""
    return prepare_realserver(vip, runner, undo=True, dry_run=dry_run)


def realserver_script(vip: str | None, undo: bool = False) -> str:
    """The same steps as a POSIX shell script (idempotent too)."""
    vip = _vip(vip or "")
    check = f"ip -4 -o addr show dev lo | grep -q ' inet {vip}/32 '"
    lines = ["#!/bin/sh",
             f"# LVS direct routing: {'undo the ' if undo else ''}real-server preparation "
             f"for VIP {vip}",
             "set -e"]
    sysctls = [f"sysctl -q -w {key}={'0' if undo else value}" for key, value in SYSCTLS]
    if undo:
        lines.append(f"if {check}; then ip addr del {vip}/32 dev lo; fi")
        lines.append("# keep the ARP settings while another VIP is still on lo")
        lines.append("if ! ip -4 -o addr show dev lo | grep -v ' inet 127\\.' | grep -q ' inet '; then")
        lines += [f"    {s}" for s in reversed(sysctls)]
        lines.append("fi")
    else:
        lines += sysctls
        lines.append(f"{check} || ip addr add {vip}/32 dev lo label lo:0")
    return "\n".join(lines) + "\n"
