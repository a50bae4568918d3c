"""Piranha's ``/etc/sysconfig/ha/lvs.cf`` (RHEL 4-6 pulse/lvsd/nanny), read and converted.

The file is line oriented (../shared/reference/lvs.md §8)::

    network = direct
    virtual web01 {
         active = 1
         address = 172.16.11.210 eth0:1
         port = 80
         send = "GET / HTTP/1.0\\r\\n\\r\\n"
         server server-01 {
             address = 172.16.11.76
             weight = 1
         }
    }

``key = value`` pairs; ``virtual NAME { }`` blocks holding ``server NAME { }`` blocks;
``failover NAME { }`` blocks (``service = fos``); ``#`` comment lines, blank lines, tabs
and trailing blanks as hand-edited files have them.  Quoted values are decoded the
way nanny decodes them (``\\n \\r \\t \\\\``).  ``address`` is "VIP device:alias".

:meth:`LvsCf.to_ipvsadm_rules` gives the ``ipvsadm -R`` lines the file implies, in the
grammar ``ipvsadm -S -n`` prints; inactive virtuals and servers are left out.
:meth:`LvsCf.to_desired` gives zigha's desired state (``zigha lvs import-piranha``).
"""

from __future__ import annotations

import re
import socket
from typing import Any

import attrs

from zigha.errors import ParseError

BLOCK = re.compile(r"(virtual|server|failover)\s+(\S+)\s*\{")
PAIR = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)")
#: ``network`` -> ipvsadm forwarding option
NETWORKS = {"direct": "-g", "nat": "-m", "tunnel": "-i"}
#: ports written as names in old files (``port = http``), when /etc/services lacks them
WELL_KNOWN = {"http": 80, "https": 443, "ftp": 21, "smtp": 25, "domain": 53, "pop3": 110,
              "imap": 143, "sip": 5060, "squid": 3128}
ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", "'": "'", '"': '"'}


def _decode(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in ESCAPES:
            out.append(ESCAPES[text[i + 1]])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _flag(value: str | None, default: bool = False) -> bool:
    return default if value is None else value.strip() not in ("0", "")


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def _port(value: str | None) -> int | str | None:
    if value is None:
        return None
    return int(value) if value.isdigit() else value


def port_number(port: int | str, protocol: str = "tcp") -> int:
    """A port written as a name (``http``) as a number (``80``)."""
    if isinstance(port, int):
        return port
    try:
        return socket.getservbyname(port, protocol)
    except OSError:
        if port in WELL_KNOWN:
            return WELL_KNOWN[port]
        raise ValueError(f"unknown port name {port!r}") from None


@attrs.frozen
class PiranhaServer:
    """A ``server NAME { }`` block; ``port`` is ``None`` when the file gives none."""

    name: str
    address: str | None
    port: int | str | None = None
    weight: int = 1
    active: bool = True
    options: dict = attrs.field(factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen
class PiranhaVirtual:
    """A ``virtual NAME { }`` block.  ``address`` is the VIP, ``device`` its alias."""

    name: str
    active: bool
    address: str | None
    device: str | None = None
    port: int | str = 80
    protocol: str = "tcp"
    scheduler: str = "wlc"
    persistent: int | None = None
    pmask: str | None = None
    fwmark: int | None = None
    send: str | None = None
    expect: str | None = None
    send_program: str | None = None
    use_regex: bool = False
    timeout: int | None = None
    reentry: int | None = None
    quiesce_server: bool = False
    load_monitor: str | None = None
    vip_nmask: str | None = None
    servers: tuple[PiranhaServer, ...] = ()
    options: dict = attrs.field(factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        data = attrs.asdict(self, recurse=False)
        data["servers"] = [s.to_dict() for s in self.servers]
        return data


@attrs.frozen
class PiranhaFailover:
    """A ``failover NAME { }`` block (``service = fos``); kept, not converted."""

    name: str
    options: dict = attrs.field(factory=dict, hash=False)


@attrs.frozen
class LvsCf:
    """A parsed lvs.cf: ``globals`` (every global key, values as written, quotes removed),
    ``virtuals`` and ``failovers`` in file order."""

    globals: dict = attrs.field(factory=dict, hash=False)
    virtuals: tuple[PiranhaVirtual, ...] = ()
    failovers: tuple[PiranhaFailover, ...] = ()

    @property
    def network(self) -> str:
        # piranha's sample file presents NAT as the default; the daemon's own default
        # when the key is missing is unverified (no 0.8 source), so say it explicitly.
        return self.globals.get("network", "nat")

    def forward_option(self) -> str:
        if self.network not in NETWORKS:
            raise ValueError(f"lvs.cf: unknown network {self.network!r}")
        return NETWORKS[self.network]

    def to_ipvsadm_rules(self) -> list[str]:
        """The ``-A``/``-a`` lines pulse's lvsd would create, in ``ipvsadm -S -n`` grammar."""
        from zigha.lvs.rules import real_rule, service_rule

        lines = []
        for svc, reals in self.kernel_services():
            lines.append(service_rule("-A", svc))
            lines.extend(real_rule("-a", svc, real, thresholds=False) for real in reals)
        return lines

    def kernel_services(self) -> list:
        """(VirtualService, [RealServer]) for every active virtual and active server."""
        from zigha.lvs.model import OPTION_FORWARDS, RealServer, VirtualService

        forward = OPTION_FORWARDS[self.forward_option()]
        result = []
        for virtual in self.virtuals:
            if not virtual.active:
                continue
            port = port_number(virtual.port, virtual.protocol)
            persistent = virtual.persistent or None
            # pmask is meaningless without persistence (lvs.cf-04 has one); /32 is the default
            netmask = virtual.pmask if persistent and virtual.pmask != "255.255.255.255" else None
            if virtual.fwmark:
                svc = VirtualService(protocol="FWM", fwmark=virtual.fwmark,
                                     scheduler=virtual.scheduler, persistent=persistent,
                                     netmask=netmask)
            else:
                svc = VirtualService(protocol=virtual.protocol.upper(), host=virtual.address,
                                     port=port, ipv6=":" in (virtual.address or ""),
                                     scheduler=virtual.scheduler, persistent=persistent,
                                     netmask=netmask)
            reals = []
            for server in virtual.servers:
                if not server.active:
                    continue
                # For fwmark virtuals the servers carry the virtual's port: the RHEL 6
                # director of ../shared/reference/lvs-samples/ipvsadm-Ln-02.txt lists
                # 172.16.11.76:5060 for its lvs.cf-01 fwmark service.
                rport = port_number(server.port, virtual.protocol) if server.port else port
                reals.append(RealServer(host=server.address or "", port=rport,
                                        forward=forward, weight=server.weight,
                                        ipv6=":" in (server.address or "")))
            result.append((svc, reals))
        return result

    def to_desired(self):
        """The desired state (zigha's file format) this configuration describes."""
        from zigha.lvs.desired import from_lvs_cf

        return from_lvs_cf(self)

    def to_dict(self) -> dict[str, Any]:
        return {"globals": dict(self.globals),
                "virtuals": [v.to_dict() for v in self.virtuals],
                "failovers": [attrs.asdict(f) for f in self.failovers]}


TRAILING_COMMENT = re.compile(r"\s+#.*$")


def _value(raw: str) -> str:
    """A value as nanny reads it: quoted (escapes decoded) or bare; a ``# comment``
    after it (seen in hand-edited files) is dropped, a ``#`` inside quotes is kept."""
    raw = raw.strip()
    if raw.startswith('"'):
        end = 1
        while end < len(raw) and raw[end] != '"':
            end += 2 if raw[end] == "\\" else 1
        rest = raw[end + 1:].strip()
        if end >= len(raw) or (rest and not rest.startswith("#")):
            raise ValueError("unterminated quoted value")
        return _decode(raw[1:end])
    return TRAILING_COMMENT.sub("", raw)


def _virtual(name: str, opts: dict, servers: list) -> PiranhaVirtual:
    address, _, device = (opts.get("address") or "").partition(" ")
    persistent = _int(opts.get("persistent"))
    return PiranhaVirtual(
        name=name, active=_flag(opts.get("active")), address=address or None,
        device=device.strip() or None, port=_port(opts.get("port")) or 80,
        protocol=opts.get("protocol", "tcp").lower(), scheduler=opts.get("scheduler", "wlc"),
        persistent=persistent or None, pmask=opts.get("pmask"), fwmark=_int(opts.get("fwmark")),
        send=opts.get("send"), expect=opts.get("expect"), send_program=opts.get("send_program"),
        use_regex=_flag(opts.get("use_regex")), timeout=_int(opts.get("timeout")),
        reentry=_int(opts.get("reentry")), quiesce_server=_flag(opts.get("quiesce_server")),
        load_monitor=opts.get("load_monitor"), vip_nmask=opts.get("vip_nmask"),
        servers=tuple(servers), options=dict(opts))


def _server(name: str, opts: dict) -> PiranhaServer:
    weight = opts.get("weight", "1")
    if not weight.isdigit():
        raise ValueError(f"weight {weight!r}")
    # A server without "active" is taken as active (the daemon's default is unverified).
    return PiranhaServer(name=name, address=opts.get("address"), port=_port(opts.get("port")),
                         weight=int(weight), active=_flag(opts.get("active"), True),
                         options=dict(opts))


#: a copied "[root@lvs ~]# cat /etc/sysconfig/ha/lvs.cf" line before the file's text
SHOW_COMMAND = re.compile(r"(?:\[[^\]]*\]\s?[#$]|[^\s\[=]*[#$])\s*(?:sudo\s+)?"
                          r"(?:cat|more|less|head|tail)\s+(?:-\S+\s+)*\S*lvs\.cf\S*")


def _file_lines(text: str) -> list[tuple[int, str]]:
    """Numbered lines without a copied ``cat .../lvs.cf`` line before them and bare
    prompts after them (a key = value line never looks like either)."""
    from zigha.lvs.parse_extra import SHELL_PROMPT

    lines = text.splitlines()
    start, end = 0, len(lines)
    while start < end and (not lines[start].strip() or SHOW_COMMAND.fullmatch(lines[start].strip())):
        start += 1
    while end > start and (not lines[end - 1].strip()
                           or (lines[end - 1].strip() != "}" and SHELL_PROMPT.fullmatch(lines[end - 1].strip()))):
        end -= 1
    return list(enumerate(lines[start:end], start + 1))


def parse_lvs_cf(text: str) -> LvsCf:
    """Parse lvs.cf text; raises ParseError (tool ``lvs.cf``) with the line number."""
    if not isinstance(text, str):
        raise ParseError("expected text", tool="lvs.cf")
    globals_: dict = {}
    virtuals, failovers = [], []
    stack: list[tuple[str, str, dict, list, int]] = []  # kind, name, options, servers, line
    for number, line in _file_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue

        def fail(message: str) -> ParseError:
            return ParseError(message, tool="lvs.cf", line=number, excerpt=line)  # noqa: B023

        block = BLOCK.fullmatch(stripped)
        if block:
            kind, name = block.groups()
            parent = stack[-1][0] if stack else None
            if (kind == "server") != (parent == "virtual") or (parent and kind != "server"):
                raise fail(f"'{kind}' block not allowed here")
            stack.append((kind, name, {}, [], number))
            continue
        if stripped == "}":
            if not stack:
                raise fail("'}' without an open block")
            kind, name, opts, servers, _ = stack.pop()
            try:
                if kind == "server":
                    stack[-1][3].append(_server(name, opts))
                elif kind == "virtual":
                    virtuals.append(_virtual(name, opts, servers))
                else:
                    failovers.append(PiranhaFailover(name=name, options=dict(opts)))
            except ValueError as exc:
                raise fail(f"{kind} {name}: {exc}") from None
            continue
        pair = PAIR.fullmatch(stripped)
        if not pair:
            raise fail("expected 'key = value', a block or '}'")
        try:
            value = _value(pair.group(2))
        except ValueError as exc:
            raise fail(str(exc)) from None
        (stack[-1][2] if stack else globals_)[pair.group(1)] = value
    if stack:
        kind, name, _, _, opened = stack[-1]
        raise ParseError(f"{kind} {name}: block not closed", tool="lvs.cf", line=opened)
    return LvsCf(globals=globals_, virtuals=tuple(virtuals), failovers=tuple(failovers))
