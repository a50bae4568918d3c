"""Watchdog configuration file (INI) and the persisted state file.

Example: examples/fence/watchdog.conf.  Sections ``[watchdog]``, optional ``[storage]`` and
``[heartbeat]``, and one ``[node NAME]`` per watched node (``address``, ``tcp_ports``,
``initiator``, ``heartbeat_slot``).

State is a JSON file written atomically (temp file, fsync, rename, fsync of the directory)
under ``state_dir`` (default /var/lib/zigha/fence; never /tmp, which is cleaned at boot and
world-writable).
"""

from __future__ import annotations

import configparser
import json
import os
import shlex
import tempfile
from typing import Any

from zigha.errors import ConfigError
from zigha.fence.model import (
    HeartbeatConfig,
    NodeConfig,
    Policy,
    StorageConfig,
    WatchdogConfig,
    WatchdogState,
)

STATE_FILE = "watchdog-state.json"


def _number(section: Any, key: str, default: float, path: str, minimum: float = 0.0) -> float:
    raw = section.get(key)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"[{section.name}] {key} = {raw!r}: not a number", file=path) from None
    if value < minimum:
        raise ConfigError(f"[{section.name}] {key} must be at least {minimum:g}", file=path)
    return value


def _ports(raw: str, where: str, path: str) -> tuple[int, ...]:
    try:
        ports = tuple(int(p) for p in raw.replace(",", " ").split())
    except ValueError:
        raise ConfigError(f"{where}: tcp_ports {raw!r}: not port numbers", file=path) from None
    if any(not 0 < p < 65536 for p in ports):
        raise ConfigError(f"{where}: tcp_ports out of range", file=path)
    return ports


def parse_config(text: str, path: str = "<config>") -> WatchdogConfig:
    parser = configparser.ConfigParser(inline_comment_prefixes=(";", "#"))
    try:
        parser.read_string(text, source=path)
    except configparser.Error as exc:
        raise ConfigError(f"{path}: {exc}", file=path) from None
    if not parser.has_section("watchdog"):
        raise ConfigError(f"{path}: no [watchdog] section", file=path)
    main = parser["watchdog"]
    default_ports = _ports(main.get("tcp_ports", "22"), "[watchdog]", path)
    nodes = []
    for name in parser.sections():
        if not name.startswith("node "):
            continue
        section = parser[name]
        node_name = name[5:].strip()
        if "address" not in section:
            raise ConfigError(f"[{name}]: address is required", file=path)
        slot = section.get("heartbeat_slot")
        nodes.append(NodeConfig(
            name=node_name, address=section["address"],
            tcp_ports=_ports(section["tcp_ports"], f"[{name}]", path)
            if "tcp_ports" in section else default_ports,
            initiator=section.get("initiator"),
            heartbeat_slot=int(slot) if slot else None,
        ))
    if not nodes:
        raise ConfigError(f"{path}: no [node NAME] section", file=path)
    policy_word = main.get("policy", "safe")
    try:
        policy = Policy(policy_word)
    except ValueError:
        raise ConfigError(f"[watchdog] policy = {policy_word!r}: use safe or network-only",
                          file=path) from None
    storage = None
    if parser.has_section("storage"):
        section = parser["storage"]
        fmt = section.get("format", "tgtadm")
        if fmt not in ("tgtadm", "lines"):
            raise ConfigError(f"[storage] format = {fmt!r}: use tgtadm or lines", file=path)
        if not section.get("command"):
            raise ConfigError("[storage] command is required", file=path)
        storage = StorageConfig(tuple(shlex.split(section["command"])), fmt,
                                _number(section, "timeout", 5.0, path, 0.1))
    heartbeat = None
    if parser.has_section("heartbeat"):
        section = parser["heartbeat"]
        if not section.get("device"):
            raise ConfigError("[heartbeat] device is required", file=path)
        heartbeat = HeartbeatConfig(section["device"], int(_number(section, "offset", 0, path)),
                                    _number(section, "stale_after", 10.0, path, 1.0),
                                    section.getboolean("write", True))
    return WatchdogConfig(
        nodes=tuple(nodes),
        interval=_number(main, "interval", 2.0, path, 0.2),
        grace=_number(main, "grace", 10.0, path),
        min_failures=int(_number(main, "min_failures", 3, path, 1)),
        notify_after=_number(main, "notify_after", 30.0, path),
        probe_timeout=_number(main, "probe_timeout", 1.0, path, 0.1),
        policy=policy, storage=storage, heartbeat=heartbeat,
        state_dir=main.get("state_dir", "/var/lib/zigha/fence"),
        hook=tuple(shlex.split(main.get("hook", ""))),
        syslog_address=main.get("syslog", "/dev/log"),
        dry_run=main.getboolean("dry_run", False),
        ack_timeout=_number(main, "ack_timeout", 10.0, path, 1.0),
        confirm_timeout=_number(main, "confirm_timeout", 5.0, path, 0.5),
        override_path=main.get("override_path", "/var/run/cluster/fenced_override"),
    )


def load_config(path: str) -> WatchdogConfig:
    with open(path, encoding="utf-8") as handle:
        return parse_config(handle.read(), path)


def load_state(state_dir: str) -> WatchdogState:
    path = os.path.join(state_dir, STATE_FILE)
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return WatchdogState()
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: unreadable watchdog state: {exc}", file=path,
                          hint="move it aside only after checking no acknowledgement is due") from None
    return WatchdogState.from_dict(data)


def save_state(state_dir: str, state: WatchdogState) -> None:
    """Atomic replace: a crash leaves the old or the new file, never half of one."""
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    path = os.path.join(state_dir, STATE_FILE)
    fd, tmp = tempfile.mkstemp(prefix=".state-", dir=state_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state.to_dict(), handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    dir_fd = os.open(state_dir, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
