"""Postfix main.cf and master.cf: the few reads and edits the agent needs.

main.cf (postconf(5)) is ``name = value`` lines; a line starting with white space
continues the previous one; ``#`` starts a comment line; ``$name`` / ``${name}`` expand
other parameters.  master.cf (master(5)) has one service per line — ``service type
private unpriv chroot wakeup maxproc command`` — with the same continuation rule;
an ``inet`` service is ``[host:]port``.

>>> params = parse_main_cf("queue_directory = /srv/q\\nalternate_config_directories =\\n"
...                        "    /etc/postfix-a, ${queue_directory}/x\\n")
>>> listed_directories(params)
['/etc/postfix-a', '/srv/q/x']
>>> [s.address for s in inet_services("127.0.0.1:2525 inet n - y - - smtpd\\n")]
['127.0.0.1:2525']

Postfix's rule (postconf(5), ``alternate_config_directories``): a configuration
directory other than the default must be listed in the *default* main.cf's
``alternate_config_directories`` (or ``multi_instance_directories``) before the set-gid
commands (postdrop, postqueue — local submission and ``mailq``) accept it.  The root-run
``postfix -c`` does not check, so a daemon would start and then silently refuse local
mail; the agent checks it up front, like ``heartbeat/postfix``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

DEFAULT_CONFIG_DIR = "/etc/postfix"
#: defaults of the parameters the agent reads (``postconf -d`` on Debian 12, Postfix 3.7)
DEFAULTS = {
    "queue_directory": "/var/spool/postfix",
    "data_directory": "/var/lib/postfix",
    "daemon_directory": "/usr/lib/postfix/sbin",
    "inet_interfaces": "all",
    "alternate_config_directories": "",
    "multi_instance_directories": "",
    "mail_owner": "postfix",
    "inet_protocols": "all",
}
_LIST_SPLIT = re.compile(r"[\s,]+")
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z0-9_]+)\}|\(([A-Za-z0-9_]+)\)|([A-Za-z0-9_]+))")


class Service(NamedTuple):
    """One master.cf ``inet`` entry."""

    address: str  # "[host:]port" as written
    command: str  # e.g. "smtpd"
    line: int


def _logical_lines(text: str):
    """(first line number, joined text) of each non-comment logical line."""
    current: list[str] | None = None
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if raw[0].isspace() and current is not None:
            current.append(raw.strip())
            continue
        if current is not None:
            yield start, " ".join(current)
        current, start = [raw.strip()], number
    if current is not None:
        yield start, " ".join(current)


def parse_main_cf(text: str) -> dict[str, str]:
    """``name -> raw value`` (last assignment wins, as in Postfix)."""
    params: dict[str, str] = {}
    for _number, line in _logical_lines(text):
        name, sep, value = line.partition("=")
        if sep:
            params[name.strip()] = value.strip()
    return params


def expand(value: str, params: dict[str, str], _depth: int = 0) -> str:
    """``$name`` / ``${name}`` replaced from ``params`` (then built-in defaults)."""
    if _depth > 10:
        return value

    def one(match: re.Match[str]) -> str:
        name = next(group for group in match.groups() if group)
        return expand(params.get(name, DEFAULTS.get(name, "")), params, _depth + 1)

    return _VARIABLE.sub(one, value)


def get(params: dict[str, str], name: str) -> str:
    return expand(params.get(name, DEFAULTS.get(name, "")), params)


def split_list(value: str) -> list[str]:
    return [item for item in _LIST_SPLIT.split(value) if item]


def normalise_dir(path: str) -> str:
    return path.rstrip("/") or "/"


def listed_directories(default_params: dict[str, str]) -> list[str]:
    """What the default main.cf allows as non-default configuration directories."""
    listed = []
    for name in ("alternate_config_directories", "multi_instance_directories"):
        listed += [normalise_dir(d) for d in split_list(get(default_params, name))]
    return listed


def is_default_dir(config_dir: str) -> bool:
    return normalise_dir(config_dir) == DEFAULT_CONFIG_DIR


def inet_services(text: str) -> list[Service]:
    services = []
    for number, line in _logical_lines(text):
        fields = line.split()
        if len(fields) >= 8 and fields[1] == "inet":
            services.append(Service(fields[0], fields[7], number))
    return services


def set_parameters(text: str, values: dict[str, str]) -> str:
    """main.cf with each parameter of ``values`` set (other lines, comments included,
    kept).  Earlier assignments are commented out with ``#zigha# ``."""
    out: list[str] = []
    skipping = False
    for raw in text.splitlines():
        if skipping and raw[:1].isspace() and raw.strip():
            out.append("#zigha# " + raw)
            continue
        skipping = False
        name = raw.partition("=")[0].strip() if "=" in raw and not raw[:1].isspace() else ""
        if name in values and not raw.lstrip().startswith("#"):
            out.append("#zigha# " + raw)
            skipping = True
            continue
        out.append(raw)
    out += [f"{name} = {value}" for name, value in values.items()]
    return "\n".join(out) + "\n"


def unbind_inet_hosts(text: str) -> str:
    """master.cf with ``host:port`` inet services turned into ``port`` so that
    ``inet_interfaces`` alone decides the addresses (a service bound to 127.0.0.1 in
    the original would otherwise stay bound there)."""
    out = []
    for raw in text.splitlines():
        fields = raw.split()
        if (not raw[:1].isspace() and len(fields) >= 2 and fields[1] == "inet"
                and not raw.startswith("#") and ":" in fields[0]):
            port = fields[0].rsplit(":", 1)[1]
            raw = port + raw[len(fields[0]):]
        out.append(raw)
    return "\n".join(out) + "\n"


def protocols_for(params: dict[str, str], addresses: Sequence[str]) -> str | None:
    """A new ``inet_protocols`` value when the current one lacks the family of one of
    ``addresses`` (postfix refuses an IPv6 ``inet_interfaces`` under ``ipv4`` only), else
    ``None``.  Families are only added: inet_protocols also governs outgoing mail."""
    current = [p.lower() for p in split_list(get(params, "inet_protocols") or "all")]
    if "all" in current:
        return None
    needed = {"ipv6" if ":" in a else "ipv4" for a in addresses}
    missing = sorted(needed - set(current))
    return ", ".join(current + missing) if missing else None


def smtp_targets(main_params: dict[str, str], master_text: str,
                 service_ips: Sequence[str] = ()) -> list[tuple]:
    """(host, port) pairs where an smtpd of this instance should greet, best first."""
    import socket

    targets = []
    interfaces = split_list(get(main_params, "inet_interfaces"))
    for service in inet_services(master_text):
        if service.command != "smtpd":
            continue
        host, _, port_text = service.address.rpartition(":")
        host = host.strip("[]")
        try:
            port = int(port_text) if port_text.isdigit() else socket.getservbyname(port_text, "tcp")
        except OSError:
            continue
        hosts = [host] if host else (list(service_ips) or _interface_hosts(interfaces))
        targets += [(h, port) for h in hosts]
    return targets


def _interface_hosts(interfaces: list[str]) -> list[str]:
    hosts = []
    for item in interfaces:
        if item in ("all", "loopback-only", "localhost"):
            hosts.append("127.0.0.1")
        elif item and item[0].isdigit() or ":" in item:
            hosts.append(item.strip("[]"))
    return hosts or ["127.0.0.1"]
