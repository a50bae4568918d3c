"""The seed's cluster on a real 3-node corosync + Pacemaker lab (tests/pcmk/lab.sh).

One :class:`Lab` per test session: nodes h1/h2/h3.zigsow.net on 192.168.10.1-3 (the
seed's LAN, inside network namespaces only), the client on 192.168.10.254, the
services' shared data under one world-traversable directory (the GFS2 stand-in), the
configuration made by ``zigha migrate pacemaker`` from tests/pcmk/lab-cluster.conf and
loaded with cibadmin.  Also used by bench/pcmk.py.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
LAB = HERE / "lab.sh"
NODE_SETUP = HERE / "node-setup.sh"
NODES = ("h1.zigsow.net", "h2.zigsow.net", "h3.zigsow.net")
NET = "192.168.10"
SERVICE_IPS = {"http": f"{NET}.246", "named": f"{NET}.247", "mail": f"{NET}.248"}
HOME = {"http": NODES[0], "named": NODES[1], "mail": NODES[2]}
MONITOR_INTERVAL = 5
PAGE = "zigsow http: served from the shared tree\n"
ZONE = """$TTL 300
@   IN SOA ns.zigsow.net. root.zigsow.net. ( 2011071001 3600 600 86400 300 )
@   IN NS  ns.zigsow.net.
ns  IN A   192.168.10.247
www IN A   192.168.10.249
mail IN A  192.168.10.248
@   IN MX  10 mail.zigsow.net.
"""
HTTPD_CONF = """# zigsow http on the Pacemaker lab: config and DocumentRoot on the shared tree
ServerRoot "{apache}"
ServerName www.zigsow.net
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
Listen 80
User www-data
Group www-data
Mutex file:/run/zigha-lab
ErrorLog /var/log/apache2/zigsow-error.log
LogLevel warn
TypesConfig /etc/mime.types
DocumentRoot "{www}"
DirectoryIndex index.html
<Directory />
    Require all denied
</Directory>
<Directory "{www}">
    Require all granted
</Directory>
"""
NAMED_CONF = """options {{
    directory "{named}";
    listen-on port 53 {{ any; }};
    listen-on-v6 {{ none; }};
    pid-file "/run/zigha-lab/named.pid";
    recursion no;
    dnssec-validation no;
}};
controls {{ }};
zone "zigsow.net" {{ type master; file "db.zigsow.net"; }};
"""
MAIN_CF = """# zigsow mail on the Pacemaker lab: config and queue on the shared tree
compatibility_level = 3.6
myhostname = mail.zigsow.net
mydomain = zigsow.net
myorigin = $mydomain
mydestination =
queue_directory = {spool}
data_directory = /run/zigha-lab/postfix-data
inet_interfaces = all
inet_protocols = ipv4
mynetworks = 127.0.0.0/8 {net}.0/24
smtpd_banner = $myhostname ESMTP zigsow
alias_maps =
alias_database =
# nothing leaves the lab: every message is held (header_checks) in the shared queue
header_checks = regexp:$config_directory/header_checks
"""
CLIENT_DNS = """
import socket, struct, sys
name = sys.argv[2]
query = struct.pack(">HHHHHH", 0x5a17, 0, 1, 0, 0, 0) + b"".join(
    bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\\0" + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.5)
s.sendto(query, (sys.argv[1], 53))
data = s.recv(512)
ident, flags, qd, an = struct.unpack(">HHHH", data[:8])
assert ident == 0x5a17 and flags & 0xF == 0 and an >= 1, (ident, flags, an)
i = len(query)
for _ in range(an):
    i += 2 if data[i] & 0xC0 == 0xC0 else data.index(b"\\0", i) + 1 - i
    rtype, _cls, _ttl, size = struct.unpack(">HHIH", data[i:i + 10])
    if rtype == 1:
        print(".".join(str(b) for b in data[i + 10:i + 14]))
    i += 10 + size
"""
CLIENT_SMTP = """
import smtplib, sys
with smtplib.SMTP(sys.argv[1], 25, timeout=10) as s:
    s.sendmail("admin@zigsow.net", ["user@example.org"],
               "From: admin@zigsow.net\\r\\nTo: user@example.org\\r\\n"
               "Subject: hold-me " + sys.argv[2] + "\\r\\n\\r\\nkept in the queue\\r\\n")
print("accepted")
"""


class LabError(AssertionError):
    """The lab did not do what was asked; the message carries the logs."""


class Lab:
    def __init__(self, tag: str = "") -> None:
        self.root = Path(tempfile.mkdtemp(prefix="zigha-pcmk-", dir="/tmp"))
        self.root.chmod(0o755)
        self.shared = self.root / "shared"
        self.state = self.root / "lab-state"
        self.prefix = f"zpk{tag or os.getpid() % 100000}"
        self.env = dict(os.environ, PCMK_LAB_NAMES=" ".join(NODES), PCMK_LAB_NET=NET,
                        PCMK_LAB_PREFIX=self.prefix, PCMK_LAB_STATE=str(self.state),
                        PCMK_LAB_NODE_SETUP=str(NODE_SETUP), ZIGHA_LAB_ROOT=str(self.root))
        self.cluster_conf = self.root / "cluster.conf"
        self.cib = self.root / "cib.xml"
        self.migration = None

    # -- lab.sh ------------------------------------------------------------------------
    def sh(self, *args: str, timeout: float = 180, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([str(LAB), *args], env=self.env, capture_output=True, text=True,
                                timeout=timeout)
        if check and result.returncode != 0:
            raise LabError(f"lab.sh {' '.join(args)} exited {result.returncode}:\n"
                           f"{result.stdout}\n{result.stderr}\n{self.logs()}")
        return result

    def node_exec(self, node: str, *argv: str, timeout: float = 60, check: bool = False):
        return self.sh("exec", node, *argv, timeout=timeout, check=check)

    def client(self, *argv: str, timeout: float = 30) -> subprocess.CompletedProcess:
        return subprocess.run(["ip", "netns", "exec", f"{self.prefix}-br", *argv],
                              capture_output=True, text=True, timeout=timeout)

    def logs(self, lines: int = 40) -> str:
        out = []
        for path in sorted(self.state.glob("n*/var-log/pacemaker/pacemaker.log")) + sorted(
                self.state.glob("n*/var-log/cluster/corosync.log")) + sorted(
                self.state.glob("n*/init.stderr")):
            try:
                tail = path.read_text(errors="replace").splitlines()[-lines:]
            except OSError:
                continue
            out.append(f"--- {path.relative_to(self.state)}\n" + "\n".join(tail))
        return "\n".join(out)

    # -- bring-up ----------------------------------------------------------------------
    def prepare(self) -> None:
        """Shared tree, daemon configs, agents, the migrated CIB."""
        from zigha.conf import ClusterConf
        from zigha.migrate import migrate
        from zigha.ocf import install

        apache, www = self.shared / "apache", self.shared / "www"
        named, postfix, spool = self.shared / "named", self.shared / "postfix", self.shared / "spool"
        for directory in (apache, www, named, postfix, spool):
            directory.mkdir(parents=True)
        (apache / "httpd.conf").write_text(HTTPD_CONF.format(apache=apache, www=www))
        (www / "index.html").write_text(PAGE)
        (named / "named.conf").write_text(NAMED_CONF.format(named=named))
        (named / "db.zigsow.net").write_text(ZONE)
        (postfix / "main.cf").write_text(MAIN_CF.format(spool=spool, net=NET))
        master = open("/etc/postfix/master.cf").read()
        (postfix / "master.cf").write_text(master)
        (postfix / "header_checks").write_text("/^Subject: hold-me/ HOLD kept for the lab\n")
        (self.root / "postfix-default-main.cf").write_text(
            open("/etc/postfix/main.cf").read() + f"\nalternate_config_directories = {postfix}\n")
        ocf = self.root / "ocf" / "usr/lib/ocf/resource.d"
        for sub in ("heartbeat", "pacemaker"):
            (ocf / sub).mkdir(parents=True)
        install.install(prefix=str(self.root / "ocf"), agents=["httpd", "named", "postfix"],
                        update_schema=False)
        text = (HERE / "lab-cluster.conf").read_text().replace("{shared}", str(self.shared))
        self.cluster_conf.write_text(text)
        self.migration = migrate(ClusterConf.from_string(text), monitor_interval=MONITOR_INTERVAL)
        self.migration.write(str(self.cib))

    def up(self) -> None:
        self.sh("purge", check=False)
        self.sh("up", "3", timeout=240)
        self.load(self.cib)

    def load(self, cib: Path) -> None:
        """Replace the configuration section (cibadmin), keep the lab's fast DC election."""
        self.node_exec(NODES[0], "cibadmin", "--replace", "--scope", "configuration",
                       "--xml-file", str(cib), check=True)
        self.node_exec(NODES[0], "crm_attribute", "-t", "crm_config", "-n", "dc-deadtime",
                       "-v", "2s", check=True)

    def down(self) -> None:
        try:
            self.sh("down", check=False, timeout=120)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    # -- state -------------------------------------------------------------------------
    def running_nodes(self) -> list:
        return [n for i, n in enumerate(NODES, 1)
                if (self.state / f"n{i}" / "init.pid").exists()]

    def status(self, via: str | None = None):
        """crm_mon XML from a live node, parsed by zigha."""
        from zigha.pcmk import parse_crm_mon_xml

        for node in ([via] if via else self.running_nodes()):
            result = self.node_exec(node, "crm_mon", "--output-as=xml", timeout=30)
            if result.returncode == 0:
                return parse_crm_mon_xml(result.stdout, cluster_name="zigsow-cluster")
        raise LabError(f"crm_mon answered nowhere\n{self.logs()}")

    def placement(self, via: str | None = None) -> dict:
        return {s.short_name: (s.owner if s.state.value == "started" else s.state.value)
                for s in self.status(via).services}

    def settle(self, timeout: float = 120) -> None:
        node = self.running_nodes()[0]
        result = self.node_exec(node, "crm_resource", "--wait", f"--timeout={int(timeout)}s",
                                timeout=timeout + 30)
        if result.returncode != 0:
            raise LabError(f"cluster did not settle: {result.stderr}\n{self.logs()}")

    def wait_for(self, predicate, what: str, timeout: float = 120, step: float = 0.3):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = predicate()
            except (LabError, subprocess.TimeoutExpired, OSError) as exc:
                last = exc
            else:
                if last:
                    return last
            time.sleep(step)
        raise LabError(f"timed out after {timeout}s waiting for {what} (last: {last!r})\n{self.logs()}")

    # -- clients -----------------------------------------------------------------------
    def http(self) -> str:
        result = self.client("curl", "-s", "-m", "2", f"http://{SERVICE_IPS['http']}/", timeout=10)
        return result.stdout if result.returncode == 0 else ""

    def dns(self) -> str:
        """The A record of www.zigsow.net as the service IP answers it (UDP, one try)."""
        result = self.client("/usr/bin/python3", "-I", "-c", CLIENT_DNS, SERVICE_IPS["named"],
                             "www.zigsow.net", timeout=10)
        return result.stdout.strip() if result.returncode == 0 else ""

    def smtp(self, tag: str) -> bool:
        result = self.client("/usr/bin/python3", "-I", "-c", CLIENT_SMTP, SERVICE_IPS["mail"], tag,
                             timeout=30)
        return result.returncode == 0 and "accepted" in result.stdout

    def held(self) -> dict:
        """``{subject tag: queue id}`` of the messages in the shared hold queue (postcat)."""
        tags = {}
        for path in sorted((self.shared / "spool" / "hold").rglob("*")):
            if not path.is_file():
                continue
            out = subprocess.run(["postcat", "-h", str(path)], capture_output=True, text=True,
                                 timeout=30).stdout
            for line in out.splitlines():
                if line.startswith("Subject: hold-me "):
                    tags[line[len("Subject: hold-me "):].strip()] = path.name
        return tags

    def answers(self) -> dict:
        return {"http": self.http() == PAGE, "named": self.dns() == "192.168.10.249",
                "mail": self.smtp_banner()}

    def smtp_banner(self) -> bool:
        result = self.client("/usr/bin/python3", "-I", "-c",
                             "import socket,sys; s=socket.create_connection((sys.argv[1],25),2);"
                             "print(s.recv(200).decode())", SERVICE_IPS["mail"], timeout=10)
        return "ESMTP zigsow" in result.stdout

    def data_digest(self) -> dict:
        """sha256 of the shared data the services serve (not the queue, which they write)."""
        digest = {}
        for sub in ("www", "named/db.zigsow.net", "apache", "postfix"):
            base = self.shared / sub
            files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
            for path in files:
                digest[str(path.relative_to(self.shared))] = hashlib.sha256(path.read_bytes()).hexdigest()
        return digest
