"""Run the named and postfix agents against real daemons, isolated from the host.

* Each test module gets private network namespaces (``ip netns``) whose loopback carries
  the service addresses: 127.0.2.0/24 + fd00:2::/64 (named), 127.0.3.0/24 + fd00:3::/64
  (postfix).  The daemons listen there only; nothing reaches the host's network.
* The cluster directories are per test: ``ZIGHA_OCF_RUN_DIR`` (instead of
  /var/run/cluster), ``ZIGHA_OCF_CONF_DIR`` (/etc/cluster) and ``ZIGHA_CLUSTER_CONF``.
* Files the agent or postfix read at fixed paths (the default /etc/postfix/main.cf, the
  OCF agent directory for crm_resource) are replaced by bind mounts inside a private
  mount namespace (``unshare -m``) of the one command; the host's files are untouched.
* The agent runs as rgmanager runs it (``env -i`` + the OCF variables, §1.4) or as
  Pacemaker/ocf-tester do (no OCF_RA_VERSION_*, CRM_meta_timeout in ms).
"""

from __future__ import annotations

import hashlib
import os
import shlex
import socket
import struct
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AGENTS = ROOT / "agents"

_BIND_SCRIPT = 'mount --make-rprivate / && {mounts} && exec "$@"'


class Netns:
    """A network namespace with loopback up and the given addresses on it."""

    def __init__(self, name: str, addresses) -> None:
        self.name = name
        subprocess.run(["ip", "netns", "add", name], check=True)
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
        for address in addresses:
            if ":" in address:
                argv = ["ip", "-n", name, "addr", "add", f"{address}/128", "dev", "lo", "nodad"]
            else:
                argv = ["ip", "-n", name, "addr", "add", f"{address}/32", "dev", "lo"]
            subprocess.run(argv, check=True)

    def pids(self) -> list:
        out = subprocess.run(["ip", "netns", "pids", self.name], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def destroy(self) -> None:
        for pid in self.pids():
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        subprocess.run(["ip", "netns", "del", self.name], check=False)

    def listening(self, pid: int) -> set:
        """``{(proto, address, port)}`` of the sockets process ``pid`` listens on."""
        out = subprocess.run(["ip", "netns", "exec", self.name, "ss", "-Hlnptu"],
                             capture_output=True, text=True, check=True).stdout
        found = set()
        for line in out.splitlines():
            if f"pid={pid}," not in line:
                continue
            fields = line.split()
            host, _, port = fields[4].rpartition(":")
            found.add((fields[0], host.strip("[]"), int(port)))
        return found


def command(netns: Netns | None, argv, binds=()) -> list:
    """argv run inside ``netns`` with ``binds`` ((source, target) pairs) mounted."""
    full = list(argv)
    if netns is not None:
        full = ["ip", "netns", "exec", netns.name, *full]
    if binds:
        mounts = " && ".join(f"mount --bind {shlex.quote(str(s))} {shlex.quote(str(t))}"
                             for s, t in binds)
        full = ["unshare", "-m", "sh", "-c", _BIND_SCRIPT.format(mounts=mounts), "-", *full]
    return full


class Sandbox:
    """Per-test cluster directories and how to call an agent with them."""

    def __init__(self, root: Path, netns: Netns, cluster_conf: Path, binds=()) -> None:
        self.root = root
        self.netns = netns
        self.run_dir = root / "run-cluster"
        self.conf_dir = root / "etc-cluster"
        self.cluster_conf = cluster_conf
        self.binds = list(binds)

    def pid_file(self, type_name: str, name: str) -> Path:
        return self.run_dir / type_name / f"{type_name}:{name}.pid"

    def generated_dir(self, type_name: str, name: str) -> Path:
        return self.conf_dir / type_name / f"{type_name}:{name}"

    def env(self, type_name: str, name: str, params: dict, mode: str = "rgmanager",
            extra=None) -> dict:
        env = {"ZIGHA_OCF_RUN_DIR": str(self.run_dir), "ZIGHA_OCF_CONF_DIR": str(self.conf_dir),
               "ZIGHA_CLUSTER_CONF": str(self.cluster_conf)}
        if mode == "rgmanager":  # res_exec's environment (agents.md §1.4)
            env.update(OCF_RA_VERSION_MAJOR="1", OCF_RA_VERSION_MINOR="0",
                       OCF_ROOT="/usr/share/cluster", OCF_RESOURCE_TYPE=type_name,
                       OCF_RESOURCE_INSTANCE=f"{type_name}:{name}", OCF_CHECK_LEVEL="0",
                       OCF_RESKEY_name=name)
        else:  # ocf-tester / crm_resource
            env.update(OCF_ROOT="/usr/lib/ocf", OCF_RESOURCE_INSTANCE=name,
                       OCF_RESKEY_CRM_meta_timeout="20000")
        env.update({f"OCF_RESKEY_{k}": str(v) for k, v in params.items()})
        env.update(extra or {})
        return env

    def run(self, agent: str, action: str, env: dict, timeout: float = 60.0):
        argv = command(self.netns, ["env", "-i", *(f"{k}={v}" for k, v in env.items()),
                                    str(AGENTS / agent), action], self.binds)
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def make_root(prefix: str) -> Path:
    """A world-traversable scratch directory (daemons drop to their own users)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


def tree_digest(root: Path, ignore=()) -> dict:
    """``{relative path: sha256}`` of the regular files under ``root``."""
    digest = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_file() and not path.is_symlink() and not any(part in rel for part in ignore):
            digest[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rpartition(")")[2].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


def wait_gone(pid: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return not alive(pid)


def read_pid(path: Path) -> int:
    return int(path.read_text().split()[0])


def processes_of(exe: str) -> list:
    """Live pids whose /proc/<pid>/exe is ``exe``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink(f"/proc/{entry}/exe") == exe and alive(int(entry)):
                    found.append(int(entry))
            except OSError:
                continue
    return found


# -- a tiny DNS client for the tests (UPDATE and A queries, RFC 1035 / RFC 2136) ---------

def _name(text: str) -> bytes:
    out = b""
    for label in text.strip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns_script(netns: Netns, code: str) -> str:
    """Run python ``code`` inside the namespace (where the service addresses live)."""
    out = subprocess.run(["ip", "netns", "exec", netns.name, "python3", "-I", "-S", "-c", code],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def dns_update_code(server: str, port: int, zone: str, name: str, address: str) -> str:
    packet = (struct.pack(">HHHHHH", 4242, 0x2800, 1, 0, 1, 0) + _name(zone)
              + struct.pack(">HH", 6, 1) + _name(name)
              + struct.pack(">HHIH", 1, 1, 300, 4) + socket.inet_aton(address))
    return _send_code(server, port, packet)


def dns_query_code(server: str, port: int, name: str) -> str:
    packet = struct.pack(">HHHHHH", 4343, 0, 1, 0, 0, 0) + _name(name) + struct.pack(">HH", 1, 1)
    return _send_code(server, port, packet)


def _send_code(server: str, port: int, packet: bytes) -> str:
    family = "AF_INET6" if ":" in server else "AF_INET"
    return ("import socket\n"
            f"s = socket.socket(socket.{family}, socket.SOCK_DGRAM); s.settimeout(3)\n"
            f"s.sendto({packet!r}, ({server!r}, {port}))\n"
            "d = s.recv(4096)\n"
            "print(d[3] & 15, int.from_bytes(d[6:8], 'big'))\n")
