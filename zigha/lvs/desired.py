"""The desired-state file: what the director should look like, human-edited, versioned.

Format ``zigha-lvs 1`` (read with the standard library only)::

    # the seed's director (h0)
    format = zigha-lvs 1

    [service tcp 192.168.10.249:80]
    scheduler = rr
    forward = route
    check = http
    check_path = /
    check_expect = "zigsow"
    on_failure = quiesce
    real 192.168.10.241 weight=1
    real 192.168.10.242 weight=1

* ``#`` starts a comment line; blank lines are ignored; ``key = value`` pairs.
* The first setting must be ``format = zigha-lvs 1``; other versions are refused.
* ``[service PROTO HOST:PORT]`` with PROTO ``tcp``, ``udp`` or ``sctp`` (IPv6 hosts in
  brackets: ``[service tcp [2001:db8::1]:80]``), or ``[service fwm MARK]`` /
  ``[service fwm MARK ipv6]``.
* Service keys: ``scheduler`` (default ``wlc``), ``persistent`` (seconds), ``netmask``,
  ``pe``, ``ops`` (yes/no), ``sched_flags`` (comma list), ``forward`` (default for the
  real servers: ``route``/``dr``, ``nat``/``masq``, ``tunnel``/``ipip``; default route).
* ``real HOST[:PORT] [weight=N] [forward=...] [upper=N] [lower=N]``; the port defaults
  to the service port (0 for fwmark services).  With direct routing and tunnelling the
  port must equal the service port (ipvsadm would silently force it, and the table
  would never match the file).
* Health check keys (see :mod:`zigha.lvs.health`): ``check`` = ``none`` | ``tcp`` |
  ``http`` | ``send-expect`` | ``program``; ``check_port``, ``check_path``,
  ``check_host``, ``check_send``, ``check_expect``, ``check_program`` (``%h`` = real
  server address), ``check_interval`` and ``check_timeout`` (seconds), ``rise``,
  ``fall``, ``on_failure`` = ``quiesce`` (weight 0) | ``remove``.
* Values may be double-quoted with ``\\n \\r \\t \\\\ \\"`` escapes.

Errors are :class:`~zigha.errors.ConfigError` with the file and line.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import attrs

from zigha.errors import ConfigError
from zigha.lvs.model import RealServer, VirtualService, format_hostport
from zigha.lvs.parse import parse_hostport

FORMAT = "zigha-lvs 1"
FORWARDS = {"route": "Route", "dr": "Route", "gatewaying": "Route", "nat": "Masq",
            "masq": "Masq", "tunnel": "Tunnel", "tun": "Tunnel", "ipip": "Tunnel"}
FORWARD_WORDS = {"Route": "route", "Masq": "nat", "Tunnel": "tunnel", "Local": "route"}
CHECK_KINDS = ("none", "tcp", "http", "send-expect", "program")
SECTION = re.compile(r"\[service\s+(tcp|udp|sctp|fwm)\s+(\S+)(\s+ipv6)?\s*\]", re.I)
PAIR = re.compile(r"([a-z_]+)\s*=\s*(.*)")


@attrs.frozen
class HealthCheck:
    """How to check a service's real servers and what to do when one fails."""

    kind: str = "tcp"
    port: int | None = None
    path: str = "/"
    host: str | None = None
    send: str | None = None
    expect: str | None = None
    program: str | None = None
    interval: float = 6.0
    timeout: float = 3.0
    rise: int = 1
    fall: int = 1
    on_failure: str = "quiesce"

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen
class DesiredState:
    """Services the director should have (``reals`` with their desired attributes),
    the health check of each (by service key), and notes rendered as comments."""

    services: tuple[VirtualService, ...] = ()
    checks: dict = attrs.field(factory=dict, hash=False)
    notes: tuple[str, ...] = attrs.field(default=(), eq=False)
    source: str | None = attrs.field(default=None, eq=False)

    def check_for(self, svc: VirtualService) -> HealthCheck | None:
        return self.checks.get(svc.key)

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT,
                "services": [dict(s.to_dict(), check=self.checks[s.key].to_dict()
                                  if s.key in self.checks else None) for s in self.services]}


def quote(text: str) -> str:
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    return f'"{escaped}"'


def unquote(raw: str) -> str:
    raw = raw.strip()
    if not raw.startswith('"'):
        return raw
    if len(raw) < 2 or not raw.endswith('"'):
        raise ValueError("unterminated quoted value")
    out, i, body = [], 0, raw[1:-1]
    escapes = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", '"': '"'}
    while i < len(body):
        if body[i] == "\\":
            if i + 1 >= len(body) or body[i + 1] not in escapes:
                raise ValueError(f"unknown escape in {raw}")
            out.append(escapes[body[i + 1]])
            i += 2
        elif body[i] == '"':
            raise ValueError(f"unescaped quote in {raw}")
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def _yes(value: str) -> bool:
    if value.lower() in ("yes", "true", "1", "on"):
        return True
    if value.lower() in ("no", "false", "0", "off"):
        return False
    raise ValueError(f"expected yes or no, not {value!r}")


def _number(value: str, low: int, high: int) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        raise ValueError(f"expected a number {low}..{high}, not {value!r}")
    return int(value)


class _Section:
    def __init__(self, svc: dict, line: int) -> None:
        self.svc = svc
        self.line = line
        self.settings: dict = {}
        self.reals: list[tuple[int, str]] = []


SERVICE_KEYS = {"scheduler", "persistent", "netmask", "pe", "ops", "sched_flags", "forward"}
CHECK_KEYS = {"check", "check_port", "check_path", "check_host", "check_send", "check_expect",
              "check_program", "check_interval", "check_timeout", "rise", "fall", "on_failure"}


def _service(section: _Section) -> VirtualService:
    s = section.settings
    fields = dict(section.svc)
    fields["scheduler"] = s.get("scheduler", "wlc")
    if "persistent" in s:
        fields["persistent"] = _number(s["persistent"], 1, 2678400)
    if s.get("netmask"):
        fields["netmask"] = s["netmask"]
    fields["pe"] = s.get("pe") or None
    fields["ops"] = _yes(s["ops"]) if "ops" in s else False
    fields["sched_flags"] = tuple(f for f in s.get("sched_flags", "").split(",") if f)
    return VirtualService(**fields)


def _forward(word: str) -> str:
    if word.lower() not in FORWARDS:
        raise ValueError(f"unknown forwarding method {word!r} (route, nat or tunnel)")
    return FORWARDS[word.lower()]


def _real(svc: VirtualService, default_forward: str, text: str) -> RealServer:
    words = text.split()
    host, port, ipv6 = parse_hostport(words[0])
    if port is None:
        port = 0 if svc.protocol == "FWM" else svc.port
    if not isinstance(port, int):
        raise ValueError(f"real server port must be a number: {words[0]}")
    opts = {}
    for word in words[1:]:
        key, sep, value = word.partition("=")
        if not sep or key not in ("weight", "forward", "upper", "lower") or key in opts:
            raise ValueError(f"unexpected {word!r} (weight=, forward=, upper=, lower=)")
        opts[key] = value
    forward = _forward(opts.get("forward", default_forward))
    if forward in ("Route", "Tunnel") and svc.protocol != "FWM" and port != svc.port:
        raise ValueError(f"{forward} real servers must use the service port {svc.port}")
    return RealServer(host=host, port=port, ipv6=ipv6, forward=forward,
                      weight=_number(opts.get("weight", "1"), 0, 65535),
                      upper_threshold=_number(opts.get("upper", "0"), 0, 2**31 - 1),
                      lower_threshold=_number(opts.get("lower", "0"), 0, 2**31 - 1))


def _check(s: dict) -> HealthCheck | None:
    kind = s.get("check", "none")
    if kind not in CHECK_KINDS:
        raise ValueError(f"check must be one of {', '.join(CHECK_KINDS)}")
    if kind == "none":
        return None
    if kind == "program" and not s.get("check_program"):
        raise ValueError("check = program needs check_program")
    if s.get("on_failure", "quiesce") not in ("quiesce", "remove"):
        raise ValueError("on_failure must be quiesce or remove")
    return HealthCheck(
        kind=kind, port=_number(s["check_port"], 1, 65535) if "check_port" in s else None,
        path=s.get("check_path", "/"), host=s.get("check_host"), send=s.get("check_send"),
        expect=s.get("check_expect"), program=s.get("check_program"),
        interval=float(s.get("check_interval", 6)), timeout=float(s.get("check_timeout", 3)),
        rise=_number(s.get("rise", "1"), 1, 1000), fall=_number(s.get("fall", "1"), 1, 1000),
        on_failure=s.get("on_failure", "quiesce"))


def parse_desired(text: str, source: str | None = None) -> DesiredState:
    """Parse desired-state text; raises ConfigError naming the file and line."""
    sections: list[_Section] = []
    seen_format = False
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue

        def fail(message: str) -> ConfigError:
            return ConfigError(message, file=source, line=number)  # noqa: B023

        try:
            header = SECTION.fullmatch(stripped)
            if not seen_format:
                pair = PAIR.fullmatch(stripped)
                if not pair or pair.group(1) != "format":
                    raise fail(f"the file must start with 'format = {FORMAT}'")
                if unquote(pair.group(2)) != FORMAT:
                    raise fail(f"unsupported format {pair.group(2)!r} (this zigha reads {FORMAT})")
                seen_format = True
            elif header:
                proto, address, v6 = header.group(1).upper(), header.group(2), bool(header.group(3))
                identity: dict
                if proto == "FWM":
                    identity = {"protocol": "FWM", "fwmark": _number(address, 1, 2**32 - 1),
                                "ipv6": v6}
                else:
                    host, port, ipv6 = parse_hostport(address)
                    if not isinstance(port, int) or v6:
                        raise ValueError("a service needs HOST:PORT with a numeric port")
                    identity = {"protocol": proto, "host": host, "port": port, "ipv6": ipv6}
                sections.append(_Section(identity, number))
            elif not sections:
                raise fail("settings before the first [service ...] section")
            elif stripped.startswith("real ") or stripped.startswith("real\t"):
                sections[-1].reals.append((number, stripped[5:].strip()))
            else:
                pair = PAIR.fullmatch(stripped)
                if not pair or pair.group(1) not in SERVICE_KEYS | CHECK_KEYS:
                    raise fail(f"unknown setting {stripped.split('=')[0].strip()!r}")
                if pair.group(1) in sections[-1].settings:
                    raise fail(f"{pair.group(1)} given twice")
                sections[-1].settings[pair.group(1)] = unquote(pair.group(2))
        except ValueError as exc:
            raise ConfigError(str(exc), file=source, line=number) from None
    if not seen_format:
        raise ConfigError(f"empty desired state (expected 'format = {FORMAT}')", file=source)
    services, checks, keys = [], {}, set()
    for section in sections:
        try:
            svc = _service(section)
            check = _check(section.settings)
        except ValueError as exc:
            raise ConfigError(str(exc), file=source, line=section.line) from None
        if svc.key in keys:
            raise ConfigError(f"service {svc.name} given twice", file=source, line=section.line)
        keys.add(svc.key)
        reals, real_keys = [], set()
        for number, text_ in section.reals:
            try:
                real = _real(svc, section.settings.get("forward", "route"), text_)
            except (ValueError, IndexError) as exc:
                raise ConfigError(f"real {text_}: {exc}", file=source, line=number) from None
            if real.key in real_keys:
                raise ConfigError(f"real server {real.address} given twice", file=source, line=number)
            real_keys.add(real.key)
            reals.append(real)
        services.append(attrs.evolve(svc, reals=tuple(reals)))
        if check:
            checks[svc.key] = check
    return DesiredState(services=tuple(services), checks=checks, source=source)


def load_desired(path) -> DesiredState:
    """Read and parse a desired-state file."""
    return parse_desired(Path(path).read_text(encoding="utf-8"), source=str(path))


def _section_header(svc: VirtualService) -> str:
    if svc.protocol == "FWM":
        return f"[service fwm {svc.fwmark}{' ipv6' if svc.ipv6 else ''}]"
    return f"[service {svc.protocol.lower()} {format_hostport(svc.host, svc.port, svc.ipv6)}]"


def render_desired(state: DesiredState) -> str:
    """The file text for ``state`` (``parse_desired`` reads it back equal)."""
    out = [f"# {note}" for note in state.notes] + [f"format = {FORMAT}"]
    for svc in state.services:
        out += ["", _section_header(svc), f"scheduler = {svc.scheduler or 'wlc'}"]
        if svc.persistent is not None:
            out.append(f"persistent = {svc.persistent}")
        if svc.netmask and svc.netmask not in ("255.255.255.255", "128"):
            out.append(f"netmask = {svc.netmask}")
        if svc.pe:
            out.append(f"pe = {svc.pe}")
        if svc.ops:
            out.append("ops = yes")
        if svc.sched_flags:
            out.append(f"sched_flags = {','.join(svc.sched_flags)}")
        forwards = {r.forward or "Route" for r in svc.reals}
        default = forwards.pop() if len(forwards) == 1 else "Route"
        out.append(f"forward = {FORWARD_WORDS.get(default, 'route')}")
        check = state.checks.get(svc.key)
        if check:
            out.append(f"check = {check.kind}")
            for key, value in (("check_port", check.port), ("check_path", check.path),
                               ("check_host", check.host), ("check_send", check.send),
                               ("check_expect", check.expect), ("check_program", check.program)):
                if value is not None and not (key == "check_path" and value == "/"):
                    out.append(f"{key} = {quote(value) if isinstance(value, str) else value}")
            out += [f"check_interval = {check.interval:g}", f"check_timeout = {check.timeout:g}",
                    f"rise = {check.rise}", f"fall = {check.fall}",
                    f"on_failure = {check.on_failure}"]
        for real in svc.reals:
            words = [f"real {real.address}", f"weight={real.weight}"]
            if real.forward != default:
                words.append(f"forward={FORWARD_WORDS.get(real.forward or 'Route', 'route')}")
            if real.upper_threshold:
                words.append(f"upper={real.upper_threshold}")
            if real.lower_threshold:
                words.append(f"lower={real.lower_threshold}")
            out.append(" ".join(words))
    return "\n".join(out) + "\n"


def from_lvs_cf(cf) -> DesiredState:
    """A piranha configuration as a desired state (what ``import-piranha`` prints).

    Checks: ``send_program`` -> ``program`` (stdout compared with ``expect``);
    ``send``/``expect`` -> ``send-expect``; neither on port 80 -> ``http`` (nanny's
    built-in check); otherwise ``tcp``.  ``timeout`` becomes the interval, ``reentry``
    the rise count (reentry / interval, rounded up); ``quiesce_server = 1`` ->
    ``on_failure = quiesce``, else ``remove`` as nanny does.
    """
    services, checks, notes = [], {}, ["imported from piranha lvs.cf"]
    kernel = cf.kernel_services()
    active = [v for v in cf.virtuals if v.active]
    for virtual in cf.virtuals:
        if not virtual.active:
            notes.append(f"virtual {virtual.name} is inactive in lvs.cf and was left out")
        for server in virtual.servers:
            if virtual.active and not server.active:
                notes.append(f"server {server.name} ({server.address}) of {virtual.name} is "
                             "inactive in lvs.cf and was left out")
    for virtual, (svc, reals) in zip(active, kernel):
        reals = [attrs.evolve(r, upper_threshold=0, lower_threshold=0) for r in reals]
        services.append(attrs.evolve(svc, reals=tuple(reals)))
        interval = float(virtual.timeout or 10)
        if virtual.send_program:
            kind = "program"
        elif virtual.send or virtual.expect:
            kind = "send-expect"
        else:
            kind = "http" if svc.port == 80 else "tcp"
        checks[svc.key] = HealthCheck(
            kind=kind, send=virtual.send, expect=virtual.expect, program=virtual.send_program,
            interval=interval, timeout=min(interval, 3.0),
            rise=max(1, math.ceil((virtual.reentry or 0) / interval)), fall=1,
            on_failure="quiesce" if virtual.quiesce_server else "remove")
        if virtual.fwmark:
            notes.append(f"virtual {virtual.name}: fwmark {virtual.fwmark} needs its iptables "
                         f"mangle MARK rule for {virtual.address}")
    for key in ("primary", "backup", "network"):
        if key in cf.globals:
            notes.append(f"lvs.cf {key} = {cf.globals[key]}")
    return DesiredState(services=tuple(services), checks=checks, notes=tuple(notes))
