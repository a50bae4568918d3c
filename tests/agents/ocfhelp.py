"""Helpers for the agent tests: run an agent like rgmanager / Pacemaker would, and
write a self-contained apache2 config bound to 127.0.1.x (this area's addresses and
ports: 127.0.1.0/24, 18000-18999)."""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HTTPD = ROOT / "agents" / "httpd"
MODULES = "/usr/lib/apache2/modules"
_ports = itertools.count(18000 + (os.getpid() % 40) * 20)


def next_port() -> int:
    while True:
        port = next(_ports)
        if port > 18999:
            raise RuntimeError("out of test ports")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.1.1", port)) != 0:
                return port


def rgmanager_env(params: dict, dirs: dict, action_instance: str = "", **extra) -> dict:
    """The exact rgmanager environment (agents.md §1.4) plus the test's base dirs."""
    env = {"OCF_RA_VERSION_MAJOR": "1", "OCF_RA_VERSION_MINOR": "0",
           "OCF_ROOT": "/usr/share/cluster", "OCF_RESOURCE_TYPE": "zigha-httpd",
           "OCF_RESOURCE_INSTANCE": action_instance or f"zigha-httpd:{params.get('name', '')}",
           "OCF_CHECK_LEVEL": "0", "OCF_RESKEY_RGMANAGER_meta_refcnt": "1",
           "OCF_RESKEY_RGMANAGER_meta_timeout": "0"}
    env.update({f"OCF_RESKEY_{k}": str(v) for k, v in params.items()})
    env.update(dirs)
    env.update(extra)
    return env


def pacemaker_env(params: dict, dirs: dict, **extra) -> dict:
    """crm_resource's environment (agents.md §1.4, EXP)."""
    env = {"OCF_RA_VERSION_MAJOR": "1", "OCF_RA_VERSION_MINOR": "1", "OCF_ROOT": "/usr/lib/ocf",
           "OCF_RESOURCE_PROVIDER": "zigha", "OCF_RESOURCE_TYPE": "httpd",
           "OCF_RESOURCE_INSTANCE": "test", "OCF_RESKEY_CRM_meta_timeout": "20000"}
    env.update({f"OCF_RESKEY_{k}": str(v) for k, v in params.items()})
    env.update(dirs)
    env.update(extra)
    return env


def run(agent, action: str, env: dict, timeout: float = 90) -> subprocess.CompletedProcess:
    """``env -i`` + ``env``: nothing else is inherited (no PATH, no HOME)."""
    return subprocess.run([str(agent), action], env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def write_httpd_conf(root: Path, listen: list, extra: str = "", includes: dict = None) -> Path:
    """A self-contained httpd.conf under ``root`` (logs/, htdocs/, conf.d/)."""
    for sub in ("logs", "htdocs", "conf.d"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    (root / "htdocs" / "index.html").write_text("zigha test page\n")
    lines = [f'ServerRoot "{root}"', "ServerName localhost",
             f"LoadModule mpm_event_module {MODULES}/mod_mpm_event.so",
             f"LoadModule authz_core_module {MODULES}/mod_authz_core.so",
             "User www-data", "Group www-data", "PidFile logs/httpd.pid",
             "ErrorLog logs/error.log", "DefaultRuntimeDir logs", "StartServers 1",
             *[f"Listen {item}" for item in listen], "IncludeOptional conf.d/*.conf",
             f'DocumentRoot "{root}/htdocs"', f'<Directory "{root}/htdocs">',
             "  Require all granted", "</Directory>", extra]
    for name, text in (includes or {}).items():
        (root / "conf.d" / name).write_text(text)
    path = root / "httpd.conf"
    path.write_text("\n".join(lines) + "\n")
    return path


def listening(pid_filter=None) -> set:
    """``{(address, port)}`` of every listening TCP socket (from ``ss``)."""
    out = subprocess.run(["ss", "-Hltn"], capture_output=True, text=True, check=True).stdout
    found = set()
    for line in out.splitlines():
        local = line.split()[3]
        address, _, port = local.rpartition(":")
        found.add((address.strip("[]"), int(port)))
    return found


def tree_checksum(path: Path) -> dict:
    import hashlib

    sums = {}
    for item in sorted(path.rglob("*")):
        if item.is_file():
            sums[str(item.relative_to(path))] = hashlib.sha256(item.read_bytes()).hexdigest()
    return sums
