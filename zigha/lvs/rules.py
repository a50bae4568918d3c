"""ipvsadm command lines: the grammar of ``ipvsadm -S -n`` and of ``ipvsadm -R`` input.

One line per change, the command first (ipvsadm hands the first option to its command
switch, ../shared/reference/lvs.md §2)::

    -A -t 192.168.10.249:80 -s rr
    -a -t 192.168.10.249:80 -r 192.168.10.241:80 -g -w 1

``-E`` and ``-e`` send the *whole* record to the kernel: an omitted ``-s`` becomes
``wlc`` again, an omitted ``-p`` turns persistence off, an omitted ``-m`` turns a NAT
server into DR.  The renderers here therefore always write every attribute.

:func:`parse_rules` reads such lines back (``-S`` output, a saved rules file, or a
batch zigha wrote), accepting long option names, a leading ``ipvsadm`` word, and the
1.26 ``pe NAME``/``ops`` words that 1.26 writes without dashes.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from zigha.errors import ParseError
from zigha.lvs.model import (
    DEFAULT_PERSISTENCE,
    FORWARD_OPTIONS,
    OPTION_FORWARDS,
    SERVICE_OPTIONS,
    RealServer,
    VirtualService,
    format_hostport,
)

COMMANDS = {
    "-A": "-A", "--add-service": "-A", "-E": "-E", "--edit-service": "-E",
    "-D": "-D", "--delete-service": "-D", "-a": "-a", "--add-server": "-a",
    "-e": "-e", "--edit-server": "-e", "-d": "-d", "--delete-server": "-d",
    "-C": "-C", "--clear": "-C",
}
SERVICE_FLAGS = {
    "-t": "TCP", "--tcp-service": "TCP", "-u": "UDP", "--udp-service": "UDP",
    "--sctp-service": "SCTP", "-f": "FWM", "--fwmark-service": "FWM",
}
FORWARD_FLAGS = {"-g": "-g", "--gatewaying": "-g", "-m": "-m", "--masquerading": "-m",
                 "-i": "-i", "--ipip": "-i"}
VALUE_OPTIONS = {
    "-s": "scheduler", "--scheduler": "scheduler", "-M": "netmask", "--netmask": "netmask",
    "--pe": "pe", "pe": "pe", "-b": "sched_flags", "--sched-flags": "sched_flags",
    "-r": "real", "--real-server": "real", "-w": "weight", "--weight": "weight",
    "-x": "upper", "--u-threshold": "upper", "-y": "lower", "--l-threshold": "lower",
    "--tun-type": "tun_type", "--tun-port": "tun_port",
}
FULL_MASKS = ("255.255.255.255", "128")


@attrs.frozen
class Rule:
    """One parsed command line: ``command`` (``-A -E -D -a -e -d -C``), the service and
    for server commands the real server, with ipvsadm's defaults filled in."""

    command: str
    service: VirtualService | None = None
    real: RealServer | None = None
    line: int | None = None
    text: str = ""


def is_full_mask(netmask: str | None) -> bool:
    return netmask is None or netmask in FULL_MASKS


def service_args(svc: VirtualService) -> list[str]:
    """``["-t", "10.0.0.1:80"]``, ``["-f", "3", "-6"]``, ..."""
    if svc.protocol == "FWM":
        return ["-f", str(svc.fwmark)] + (["-6"] if svc.ipv6 else [])
    return [SERVICE_OPTIONS[svc.protocol], format_hostport(svc.host, svc.port, svc.ipv6)]


def service_rule(command: str, svc: VirtualService) -> str:
    """An ``-A``/``-E`` line repeating every attribute, or a ``-D`` line."""
    args = [command, *service_args(svc)]
    if command == "-D":
        return " ".join(args)
    args += ["-s", svc.scheduler or "wlc"]
    if svc.persistent is not None:
        args += ["-p", str(svc.persistent)]
    if not is_full_mask(svc.netmask):
        args += ["-M", str(svc.netmask)]
    if svc.pe:
        args += ["--pe", svc.pe]
    if svc.ops:
        args.append("-o")
    if svc.sched_flags:
        args += ["-b", ",".join(svc.sched_flags)]
    return " ".join(args)


def real_rule(command: str, svc: VirtualService, real: RealServer,
              thresholds: bool = True) -> str:
    """An ``-a``/``-e`` line repeating every attribute, or a ``-d`` line.

    ``thresholds=False`` leaves ``-x``/``-y`` out, as ``ipvsadm -S`` does.
    """
    args = [command, *service_args(svc), "-r", real.address]
    if command == "-d":
        return " ".join(args)
    args += [FORWARD_OPTIONS.get(real.forward or "Route", "-g"), "-w", str(real.weight)]
    if thresholds:
        args += ["-x", str(real.upper_threshold or 0), "-y", str(real.lower_threshold or 0)]
    return " ".join(args)


def render_save(services: Iterable[VirtualService]) -> str:
    """The text ``ipvsadm -S -n`` prints for these services (1.31 grammar)."""
    out = []
    for svc in services:
        out.append(service_rule("-A", svc))
        out.extend(real_rule("-a", svc, real, thresholds=False) for real in svc.reals)
    return "".join(line + "\n" for line in out)


def _int(value: str, low: int, high: int) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        raise ValueError(value)
    return int(value)


def parse_rule(text: str, line: int | None = None, tool: str = "ipvsadm -R") -> Rule:
    """Parse one command line; raises ParseError naming the line."""
    from zigha.lvs.parse import parse_hostport

    def fail(message: str) -> ParseError:
        return ParseError(message, tool=tool, line=line, excerpt=text)

    words = [w for w in text.split() if w != "ipvsadm"]
    if not words or words[0] not in COMMANDS:
        raise fail("a rule must start with a command (-A -E -D -a -e -d -C)")
    command = COMMANDS[words[0]]
    svc: dict = {}
    real: dict = {}
    values: dict = {}
    i = 1
    try:
        while i < len(words):
            word = words[i]
            nxt = words[i + 1] if i + 1 < len(words) else None
            if word in SERVICE_FLAGS:
                if svc or nxt is None:
                    raise fail("one service per rule")
                svc["protocol"] = SERVICE_FLAGS[word]
                if svc["protocol"] == "FWM":
                    svc["fwmark"] = _int(nxt, 1, 2**32 - 1)
                else:
                    svc["host"], svc["port"], svc["ipv6"] = parse_hostport(nxt)
                i += 2
            elif word in ("-6", "--ipv6"):
                if svc.get("protocol") != "FWM":
                    raise fail("-6 used before -f")
                svc["ipv6"] = True
                i += 1
            elif word in ("-p", "--persistent"):
                if nxt is not None and nxt.isdigit():
                    values["persistent"] = _int(nxt, 1, 2678400)
                    i += 2
                else:
                    values["persistent"] = DEFAULT_PERSISTENCE
                    i += 1
            elif word in ("-o", "--ops", "ops"):
                values["ops"] = True
                i += 1
            elif word in FORWARD_FLAGS:
                real["forward"] = OPTION_FORWARDS[FORWARD_FLAGS[word]]
                i += 1
            elif word in ("--tun-nocsum", "--tun-csum", "--tun-remcsum"):
                values["tun_csum"] = word[2:]
                i += 1
            elif word in VALUE_OPTIONS and nxt is not None:
                values[VALUE_OPTIONS[word]] = nxt
                i += 2
            else:
                raise fail(f"unknown or incomplete option {word!r}")
    except ValueError:
        raise fail("bad address or number") from None
    if command == "-C":
        if svc or values or real:
            raise fail("-C takes no options")
        return Rule("-C", line=line, text=text)
    if not svc:
        raise fail("no virtual service given")
    sched_flags = tuple(values.get("sched_flags", "").split(",")) if "sched_flags" in values else ()
    service = VirtualService(
        scheduler=values.get("scheduler", "wlc"), persistent=values.get("persistent"),
        netmask=values.get("netmask"), pe=values.get("pe"), ops=values.get("ops", False),
        sched_flags=tuple(f for f in sched_flags if f), **svc)
    if command in ("-A", "-E", "-D"):
        if "real" in values or real:
            raise fail("real-server options on a service command")
        return Rule(command, service=service, line=line, text=text)
    if "real" not in values:
        raise fail("server command without -r")
    try:
        host, port, ipv6 = parse_hostport(values["real"])
        if port is None:
            port = 0 if service.protocol == "FWM" else service.port
        server = RealServer(
            host=host, port=port, ipv6=ipv6, forward=real.get("forward", "Route"),
            weight=_int(values.get("weight", "1"), 0, 65535),
            upper_threshold=_int(values.get("upper", "0"), 0, 2**31 - 1),
            lower_threshold=_int(values.get("lower", "0"), 0, 2**31 - 1),
            tunnel_info=values.get("tun_type"))
    except ValueError:
        raise fail("bad real server, weight or threshold") from None
    return Rule(command, service=service, real=server, line=line, text=text)


def parse_rules(text: str, tool: str = "ipvsadm -R") -> list[Rule]:
    """Every non-blank line of ``text`` as a :class:`Rule` (``#`` lines are skipped,
    as ``ipvsadm-restore`` does)."""
    rules = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            rules.append(parse_rule(stripped, number, tool))
    return rules
