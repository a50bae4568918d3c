"""Pure parsers for everything ipvsadm prints (1.24 to 1.31), text in, frozen values out.

The layouts come from ipvsadm's printf formats (../shared/reference/lvs.md §3)::

    IP Virtual Server version 1.2.1 (size=4096)               <- header, optional
    Prot LocalAddress:Port Scheduler Flags                      <- title 1: names the view
      -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
    TCP  192.168.10.249:80 rr                                   <- service line
      -> 192.168.10.241:80            Route   1      0          0

Rules followed (§3.10, §12): lines are right-stripped (captures lose the padding
blanks that ipvsadm prints, blogs add some); lines are classified by their prefix;
fields are split on whitespace and counted from the right, never cut by column (long
IPv6 names and ``--exact`` numbers push columns right); the header is optional (a
single-service listing starts at ``Prot``); order carries no meaning.  ``K M G T``
suffixes give a lower bound and mark the counters inexact.  Unknown words on a service
line are kept in ``flags``.  Anything else raises :class:`~zigha.errors.ParseError`
with the tool, the 1-based line number and the line.

Covered: ``-L -n`` (and ``-L`` with names), ``--stats``, ``--rate``, ``--exact``,
``--thresholds``, ``--persistent-conn``, ``--tun-info``, ``/proc/net/ip_vs`` (hex
addresses), ``-c``, ``-S``, ``--timeout``, ``--daemon`` and ``--version``.
"""

from __future__ import annotations

import contextlib
import gc
import ipaddress
import re

from zigha.errors import ParseError
from zigha.lvs.model import (
    Counters,
    IpvsTable,
    Port,
    RealServer,
    VirtualService,
)
from zigha.lvs.parse_extra import (  # noqa: F401 - re-exported: every ipvsadm parser is here
    output_lines,
    parse_ipvsadm_connections,
    parse_ipvsadm_daemon,
    parse_ipvsadm_timeout,
    parse_ipvsadm_version,
)
from zigha.lvs.rules import parse_rule

HEADER = re.compile(r"IP Virtual Server version (\d+\.\d+\.\d+)\s*\(size=(\d+)\)")
NUMBER = re.compile(r"(\d+)([KMGT]?)")
HOSTNAME = re.compile(r"[A-Za-z0-9_.\-]+")
HEX_ADDRESS = re.compile(r"([0-9A-Fa-f]{8}):([0-9A-Fa-f]{4})")
SUFFIX = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}

#: title-1 column word -> view; the default and tun-info views both say "Scheduler"
TITLE_VIEWS = (
    ("Conns", "stats"),
    ("CPS", "rate"),
    ("Uthreshold", "thresholds"),
    ("PersistConn", "persistent-conn"),
    ("Scheduler", "default"),
)
#: fields after "->" in each view (address first)
REAL_FIELDS = {
    "default": 5, "proc": 5, "thresholds": 5, "persistent-conn": 5,
    "tun-info": 6, "stats": 6, "rate": 6,
}


class _Lines:
    """Numbered, right-stripped lines and a ParseError factory naming the tool."""

    def __init__(self, text: str, tool: str) -> None:
        if not isinstance(text, str):
            raise ParseError("expected text", tool=tool, excerpt=repr(type(text)))
        self.tool = tool
        self.items = output_lines(text)  # lines keep their blanks; split() drops them

    def error(self, message: str, number: int, line: str) -> ParseError:
        return ParseError(message, tool=self.tool, line=number, excerpt=line.rstrip())


def parse_number(token: str) -> tuple[int, bool]:
    """``"830843K"`` -> ``(830843000, False)``; ``"42"`` -> ``(42, True)``."""
    match = NUMBER.fullmatch(token)
    if not match:
        raise ValueError(token)
    return int(match.group(1)) * SUFFIX[match.group(2)], match.group(2) == ""


def _port(text: str) -> int | str:
    if not text:
        raise ValueError("empty port")
    if text.isdigit():
        return int(text)
    if not HOSTNAME.fullmatch(text):
        raise ValueError(text)
    return text


def parse_hostport(text: str, hex_ok: bool = False) -> tuple[str, Port, bool]:
    """``"[2001:db8::1]:80"`` -> ``("2001:db8::1", 80, True)``.

    ``port`` is an int, a service name as printed, or ``None`` when ipvsadm's name
    truncation removed it.  Raises ValueError on anything that is not an address.
    """
    if hex_ok:
        match = HEX_ADDRESS.fullmatch(text)
        if match:
            host = str(ipaddress.IPv4Address(int(match.group(1), 16)))
            return host, int(match.group(2), 16), False
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise ValueError(text)
        host, rest = text[1:end], text[end + 1:]
        if not host or not re.fullmatch(r"[0-9A-Za-z:._%\-]+", host):
            raise ValueError(text)
        if rest == "":
            return host, None, True
        if not rest.startswith(":"):
            raise ValueError(text)
        return host, _port(rest[1:]), True
    if text.count(":") > 1:  # bare IPv6 literal: only valid without a port
        ipaddress.IPv6Address(text)
        return text, None, True
    host, sep, port = text.partition(":")
    if not HOSTNAME.fullmatch(host):
        raise ValueError(text)
    # a name cut to 33/28 characters right after its colon leaves "host:" (lvs.md §3.3)
    return host, (_port(port) if sep and port else None), False


def _counters(tokens: list[str], names: tuple[str, ...]) -> Counters:
    values, exact = {}, True
    for name, token in zip(names, tokens):
        values[name], token_exact = parse_number(token)
        exact = exact and token_exact
    return Counters(exact=exact, **values)


def _service_identity(tokens: list[str], proc: bool) -> tuple[dict, list[str]]:
    protocol = tokens[0]
    if protocol == "FWM":
        mark = tokens[1]
        # /proc/net/ip_vs prints marks as %08X; ipvsadm never pads, so a whitespace-collapsed
        # ipvsadm listing (one-space titles, like /proc's) still reads "FWM 10" as ten
        hex_mark = proc and len(mark) == 8
        if not re.fullmatch(r"[0-9A-Fa-f]{8}" if hex_mark else r"\d+", mark):
            raise ValueError(mark)
        fields = {"protocol": "FWM", "fwmark": int(mark, 16) if hex_mark else int(mark)}
        if len(tokens) > 2 and tokens[2] == "IPv6":
            fields["ipv6"] = True
            return fields, tokens[3:]
        return fields, tokens[2:]
    if protocol not in ("TCP", "UDP", "SCTP"):
        raise ValueError(protocol)
    host, port, ipv6 = parse_hostport(tokens[1], hex_ok=proc)
    return {"protocol": protocol, "host": host, "port": port, "ipv6": ipv6}, tokens[2:]


def _scheduler_words(words: list[str]) -> dict:
    """scheduler [(flags)] [persistent N] [mask M] [pe NAME] [ops] [unknown...]"""
    fields: dict = {"scheduler": words[0] if words else None}
    if words and not re.fullmatch(r"[A-Za-z0-9_\-]+", words[0]):
        raise ValueError(words[0])
    unknown: list[str] = []
    i = 1
    while i < len(words):
        word = words[i]
        has_value = i + 1 < len(words)
        if word.startswith("(") and word.endswith(")") and i == 1:
            fields["sched_flags"] = tuple(f for f in word[1:-1].split(",") if f)
        elif word == "persistent" and has_value and words[i + 1].isdigit():
            fields["persistent"] = int(words[i + 1])
            i += 1
        elif word == "mask" and has_value:
            fields["netmask"] = words[i + 1]
            i += 1
        elif word == "pe" and has_value:
            fields["pe"] = words[i + 1]
            i += 1
        elif word == "ops":
            fields["ops"] = True
        else:
            unknown.append(word)
        i += 1
    fields["flags"] = tuple(unknown)
    return fields


def _real_fields(view: str, rest: list[str]) -> dict:
    if view in ("default", "proc", "tun-info"):
        forward, tunnel = rest[0], (rest[1] if view == "tun-info" else None)
        weight, active, inactive = rest[-3:]
        if not forward.isalpha():
            raise ValueError(forward)
        return {"forward": forward, "tunnel_info": tunnel, "weight": int(weight),
                "active": int(active), "inactive": int(inactive)}
    numbers = [int(t) for t in rest] if view in ("thresholds", "persistent-conn") else []
    if view == "thresholds":
        return {"upper_threshold": numbers[0], "lower_threshold": numbers[1],
                "active": numbers[2], "inactive": numbers[3], "forward": None, "weight": None}
    if view == "persistent-conn":
        return {"weight": numbers[0], "persistent_conns": numbers[1], "active": numbers[2],
                "inactive": numbers[3], "forward": None}
    return {"forward": None, "weight": None, view: _counters(rest, _names(view))}


def _names(view: str) -> tuple[str, ...]:
    return Counters.STATS if view == "stats" else Counters.RATE


def _guess_view(tokens: list[str], is_real: bool) -> str:
    """The view of a listing whose title lines were lost (captures without headers)."""
    if is_real:
        return "default" if len(tokens) == 5 and tokens[1].isalpha() else "stats"
    tail = tokens[-5:]
    if len(tokens) >= 7 and all(NUMBER.fullmatch(t) for t in tail):
        return "stats"
    return "default"


@contextlib.contextmanager
def _collector_paused():
    """Pause the cyclic garbage collector while building many small acyclic objects.

    A 10,000-service listing makes 110,000 objects; the collector's generation-0 runs
    would otherwise cost about 40 % of the parse time (bench/lvs.py)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse_ipvsadm_list(text: str, numeric: bool | None = None) -> IpvsTable:
    """Parse any ``ipvsadm -L`` listing (or ``/proc/net/ip_vs``) into an :class:`IpvsTable`.

    ``numeric`` says whether ``-n`` was given; by default it is inferred: a listing
    whose hosts are all IP literals and whose ports are all numbers is numeric.
    """
    with _collector_paused():
        return _parse_list(text, numeric)


def _parse_list(text: str, numeric: bool | None) -> IpvsTable:
    lines = _Lines(text, "ipvsadm -L")
    slow_reals = hex_seen = False
    version = size = None
    view: str | None = None
    services: list[dict] = []
    reals: list = []
    digit_marks: list[tuple[dict, int]] = []
    for number, line in lines.items:
        tokens = line.split()
        if not tokens:
            continue
        first = tokens[0]
        if first == "->" and len(tokens) > 1 and tokens[1] != "RemoteAddress:Port":
            if not services:
                raise lines.error("real server before any virtual service", number, line)
            try:
                if view == "default" and len(tokens) == 6:  # the hot path: one line per server
                    forward = tokens[2]
                    if not forward.isalpha():
                        raise ValueError(forward)
                    port: Port
                    host, sep, port_text = tokens[1].rpartition(":")
                    if sep and port_text.isdigit() and host.replace(".", "").isdigit():
                        port, ipv6 = int(port_text), False
                    else:
                        host, port, ipv6 = parse_hostport(tokens[1])
                        slow_reals = True
                    reals.append(RealServer(host, port, forward, int(tokens[3]), int(tokens[4]),
                                            int(tokens[5]), ipv6=ipv6))
                    continue
                if view == "thresholds" and len(tokens) == 6:  # read by every apply
                    host, port, ipv6 = parse_hostport(tokens[1])
                    slow_reals = True
                    reals.append(RealServer(host, port, None, None, int(tokens[4]), int(tokens[5]),
                                            None, int(tokens[2]), int(tokens[3]), ipv6=ipv6))
                    continue
                slow_reals = True
                if view is None:
                    view = _guess_view(tokens[1:], True)
                if len(tokens) - 1 != REAL_FIELDS[view]:
                    raise ValueError("field count")
                if view == "proc" and HEX_ADDRESS.fullmatch(tokens[1]):
                    hex_seen = True
                host, port, ipv6 = parse_hostport(tokens[1], hex_ok=view == "proc")
                reals.append(RealServer(host=host, port=port, ipv6=ipv6,
                                        **_real_fields(view, tokens[2:])))
            except (ValueError, IndexError, KeyError):
                raise lines.error("unexpected line in ipvsadm listing", number, line) from None
            continue
        if first == "IP":
            header = HEADER.fullmatch(line.strip())
            if not header:
                raise lines.error("unexpected line in ipvsadm listing", number, line)
            version, size = header.group(1), int(header.group(2))
            continue
        if first == "Prot" and len(tokens) > 1 and tokens[1] == "LocalAddress:Port":
            view = next((v for word, v in TITLE_VIEWS if word in tokens), None)
            if view is None:
                raise lines.error("unknown listing columns", number, line)
            continue
        if first == "->":
            if len(tokens) == 1:
                raise lines.error("empty real-server line", number, line)
            if "TunnelInfo" in tokens:
                view = "tun-info"
            elif view == "default" and re.fullmatch(r"\s*-> RemoteAddress:Port Forward\b.*", line):
                view = "proc"  # the kernel's own listing has a one-space title
            continue
        if view is None:
            view = _guess_view(tokens, False)
        try:
            fields, words = _service_identity(tokens, view == "proc")
            if view == "proc" and first == "FWM" and len(tokens[1]) == 8 and tokens[1].isdigit():
                digit_marks.append((fields, int(tokens[1])))
            if view in ("stats", "rate"):
                if len(words) != 5:
                    raise ValueError("field count")
                fields.update(scheduler=None, **{view: _counters(words, _names(view))})
            else:
                if not words:
                    raise ValueError("no scheduler")
                fields.update(_scheduler_words(words))
        except (ValueError, IndexError, KeyError):
            raise lines.error("unexpected line in ipvsadm listing", number, line) from None
        reals = fields["reals"] = []
        services.append(fields)
    if view == "proc" and not hex_seen:
        view = "default"  # a whitespace-collapsed ipvsadm listing, not /proc/net/ip_vs
        for fields, decimal in digit_marks:  # so an 8-digit mark was decimal, not /proc's %08X
            fields["fwmark"] = decimal
    built = tuple(VirtualService(**f) for f in services)
    if numeric is None:  # the fast path took only dotted-quad real servers
        numeric = _looks_numeric(built, reals_too=slow_reals)
    return IpvsTable(services=built, version=version, size=size, numeric=numeric,
                     view=view or "default")


def _is_ip(host: str | None) -> bool:
    if host and host.count(".") == 3 and host.replace(".", "").isdigit():
        return True
    try:
        ipaddress.ip_address(host or "")
        return True
    except ValueError:
        return False


def _looks_numeric(services: tuple[VirtualService, ...], reals_too: bool = True) -> bool:
    for svc in services:
        if svc.protocol != "FWM" and (not _is_ip(svc.host) or not isinstance(svc.port, int)):
            return False
        for real in svc.reals if reals_too else ():
            if not _is_ip(real.host) or not isinstance(real.port, int):
                return False
    return True


def parse_ipvsadm_save(text: str) -> IpvsTable:
    """Parse ``ipvsadm -S -n`` output (``-A``/``-a`` lines) into a table (view ``save``).

    Thresholds are not saved by ipvsadm, so they are ``None`` here.
    """
    with _collector_paused():
        return _parse_save(text)


SAVE_FORWARDS = {"-g": "Route", "-m": "Masq", "-i": "Tunnel"}


def _parse_save(text: str) -> IpvsTable:
    order: list[VirtualService] = []
    reals: dict[tuple, list] = {}
    by_text: dict[tuple, VirtualService] = {}  # ("-t", "10.0.0.1:80") -> service
    for number, line in save_output_lines(text):
        tokens = line.split()
        if not tokens or tokens[0].startswith("#"):
            continue
        # hot path, the line ipvsadm -S prints for each server: -a -t H:P -r H:P -g -w N
        if (len(tokens) == 8 and tokens[0] == "-a" and tokens[3] == "-r" and tokens[6] == "-w"
                and tokens[5] in SAVE_FORWARDS and tokens[7].isdigit()
                and (tokens[1], tokens[2]) in by_text):
            host, sep, port = tokens[4].rpartition(":")
            if sep and port.isdigit() and host.replace(".", "").isdigit() and int(tokens[7]) < 65536:
                svc = by_text[(tokens[1], tokens[2])]
                reals[svc.key].append(RealServer(host, int(port), SAVE_FORWARDS[tokens[5]],
                                                 int(tokens[7]), None, None, None, None, None))
                continue
        rule = parse_rule(line.strip(), number, tool="ipvsadm -S")
        service, real = rule.service, rule.real
        if rule.command == "-A" and service is not None:
            if service.key not in reals:
                order.append(service)
            reals[service.key] = []
            if len(tokens) > 2:
                by_text[(tokens[1], tokens[2])] = service
        elif rule.command == "-a" and service is not None and real is not None:
            if service.key not in reals:
                raise ParseError("real server of an unknown service", tool="ipvsadm -S",
                                 line=number, excerpt=line)
            reals[service.key].append(RealServer(
                real.host, real.port, real.forward, real.weight, None, None, None, None, None,
                real.tunnel_info, None, None, real.ipv6))
        else:
            raise ParseError("not a save line", tool="ipvsadm -S", line=number, excerpt=line)
    services = tuple(VirtualService(**{**_fields(svc), "reals": reals[svc.key]}) for svc in order)
    return IpvsTable(services=services, numeric=_looks_numeric(services), view="save")


SAVE_COMMAND = re.compile(r"(?:.*[#$%>]\s*)?(?:sudo\s+)?(?:\S*/)?(?:ipvsadm\s+(?:.*\s)?(?:-S|--save)\b.*"
                          r"|ipvsadm-save\b.*)")


def save_output_lines(text: str) -> list[tuple[int, str]]:
    """Like :func:`output_lines` for ``-S`` captures, whose own lines are commands too:
    only a copied ``ipvsadm -S``/``ipvsadm-save`` command line or a bare prompt is dropped."""
    from zigha.lvs.parse_extra import SHELL_PROMPT

    lines = text.splitlines()
    start, end = 0, len(lines)

    def around(line: str) -> bool:
        stripped = line.strip()
        return not stripped or bool(SAVE_COMMAND.fullmatch(stripped) or SHELL_PROMPT.fullmatch(stripped))

    while start < end and around(lines[start]):
        start += 1
    while end > start and around(lines[end - 1]):
        end -= 1
    return list(enumerate(lines[start:end], start + 1))


def _fields(obj) -> dict:
    import attrs

    return attrs.asdict(obj, recurse=False)
