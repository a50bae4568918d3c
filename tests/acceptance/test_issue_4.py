"""Issue 4: resource agents httpd, named, postfix (fixed names, install, pid files).

The daemon tests here use the agents' default locations (no ZIGHA_OCF_* overrides):
pid files must land at /var/run/cluster/<type>/<type>:<name>.pid exactly.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from lxml import etree

from zigha.conf import ClusterConf

ROOT = Path(__file__).resolve().parents[2]
AGENTS = ROOT / "agents"

TYPES = {"httpd": "zigha-httpd", "named": "zigha-named", "postfix": "zigha-postfix"}
PARAMETERS = {
    "httpd": ["name", "httpd", "server_root", "config_file", "httpd_options", "shutdown_wait",
              "service_name"],
    "named": ["name", "config_file", "named_sdb", "named_working_dir", "named_options",
              "update_source", "shutdown_wait", "service_name"],
    "postfix": ["name", "config_dir", "binary", "parameters", "shutdown_wait", "service_name"],
}


def metadata(agent: Path, user: str | None = None) -> etree._Element:
    """``agent meta-data`` the way rgmanager runs it: empty environment, stdin and stderr closed."""
    preexec = None
    if user:
        entry = pwd.getpwnam(user)

        def preexec():
            os.setgid(entry.pw_gid)
            os.setuid(entry.pw_uid)
    out = subprocess.run([str(agent), "meta-data"], env={}, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30,
                         preexec_fn=preexec, cwd="/")
    assert out.returncode == 0, f"{agent} meta-data exited {out.returncode}"
    return etree.fromstring(out.stdout)


# ---------------------------------------------------------------- fixed names


@pytest.mark.parametrize("short", sorted(TYPES))
def test_executable_metadata_name_and_parameters(short):
    agent = AGENTS / short
    assert agent.is_file() and os.access(agent, os.X_OK)
    root = metadata(agent)
    assert root.tag == "resource-agent"
    assert root.get("name") == TYPES[short]
    names = [p.get("name") for p in root.iter("parameter")]
    assert names == PARAMETERS[short]
    primary = [p.get("name") for p in root.iter("parameter") if p.get("primary") == "1"]
    assert primary == ["name"]
    service_name = next(p for p in root.iter("parameter") if p.get("name") == "service_name")
    assert service_name.get("inherit") == "service%name"
    actions = {a.get("name") for a in root.iter("action")}
    assert {"start", "stop", "status", "monitor", "meta-data", "validate-all"} <= actions
    assert all(a.get("timeout") for a in root.iter("action"))


def test_defaults_follow_the_stock_agents():
    def defaults(short):
        root = metadata(AGENTS / short)
        return {p.get("name"): p.find("content").get("default") for p in root.iter("parameter")}

    httpd = defaults("httpd")
    assert httpd["server_root"] == "/etc/httpd" and httpd["config_file"] == "conf/httpd.conf"
    named = defaults("named")
    assert named["config_file"] == "/etc/named.conf" and named["named_working_dir"] == "/var/named"
    assert named["named_sdb"] == "0" and named["shutdown_wait"] == "5"
    postfix = defaults("postfix")
    assert postfix["config_dir"] == "/etc/postfix"


@pytest.mark.root
@pytest.mark.parametrize("short", sorted(TYPES))
def test_metadata_as_nobody_without_path(short, zigha_cli):
    """ocf-tester runs meta-data as nobody: the installed launcher must work so."""
    prefix = Path(tempfile.mkdtemp(prefix="zigha-acc-pkg-", dir="/tmp"))
    try:
        prefix.chmod(0o755)
        done = zigha_cli("agents", "install", "--prefix", str(prefix), "--agent", short)
        assert done.returncode == 0, done.stderr
        for installed in (prefix / "usr/lib/ocf/resource.d/zigha" / short,
                          prefix / "usr/share/cluster" / TYPES[short]):
            assert metadata(installed, user="nobody").get("name") == TYPES[short]
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


def test_install_prefix_puts_agents_where_rgmanager_and_pacemaker_look(tmp_path, reference, zigha_cli):
    prefix = tmp_path / "root"
    done = zigha_cli("agents", "install", "--prefix", str(prefix))
    assert done.returncode == 0, done.stderr
    for short, type_name in TYPES.items():
        rgmanager = prefix / "usr/share/cluster" / type_name
        pacemaker = prefix / "usr/lib/ocf/resource.d/zigha" / short
        for path in (rgmanager, pacemaker):
            assert os.access(path, os.X_OK), path
            assert metadata(path).get("name") == type_name
    schema = prefix / "usr/share/cluster/cluster.rng"
    assert schema.is_file()

    variant = ROOT / "examples/zigsow/cluster-zigha-agents.conf"
    conf = ClusterConf.load(variant)
    assert [f for f in conf.validate(schema) if f.severity == "error"] == []
    stock = [f for f in conf.validate(reference / "cluster.rng") if f.severity == "error"]
    assert stock, "the stock schema lists resource types as a closed set"
    types = {child.type for s in conf.services for child in s.resources}
    assert {"zigha-httpd", "zigha-named", "zigha-postfix", "clusterfs", "ip"} <= types

    removed = zigha_cli("agents", "uninstall", "--prefix", str(prefix))
    assert removed.returncode == 0, removed.stderr
    for short, type_name in TYPES.items():
        assert not (prefix / "usr/share/cluster" / type_name).exists()
        assert not (prefix / "usr/lib/ocf/resource.d/zigha" / short).exists()


def test_pid_file_paths_by_default():
    from zigha.agents.httpd import HttpdAgent
    from zigha.agents.named import NamedAgent
    from zigha.agents.postfix import PostfixAgent
    from zigha.ocf.agent import Context

    for cls, type_name in ((HttpdAgent, "zigha-httpd"), (NamedAgent, "zigha-named"),
                           (PostfixAgent, "zigha-postfix")):
        env = {"OCF_RA_VERSION_MAJOR": "1", "OCF_RA_VERSION_MINOR": "0",
               "OCF_RESOURCE_INSTANCE": f"{type_name}:web", "OCF_RESKEY_name": "web",
               "OCF_RESKEY_service_name": "http"}
        ctx = Context(cls(), "status", env, use_syslog=False)
        assert ctx.pid_file == f"/var/run/cluster/{type_name}/{type_name}:web.pid"


# ---------------------------------------------------------------- real daemons, real paths

ADDRESS = "127.0.7.1"


def free_port(address: str, start: int) -> int:
    for port in range(start, start + 100):
        with socket.socket() as probe:
            try:
                probe.bind((address, port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def run_agent(short, action, env, timeout=90):
    return subprocess.run([str(AGENTS / short), action], env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def read_pid(path: Path) -> int:
    return int(path.read_text().split()[0])


def gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def httpd_root(port: int) -> Path:
    root = Path(tempfile.mkdtemp(prefix="zigha-acc-httpd-", dir="/tmp"))
    root.chmod(0o755)
    for sub in ("logs", "htdocs"):
        (root / sub).mkdir()
    (root / "htdocs" / "index.html").write_text("acceptance\n")
    modules = "/usr/lib/apache2/modules"
    (root / "httpd.conf").write_text("\n".join([
        f'ServerRoot "{root}"', "ServerName localhost",
        f"LoadModule mpm_event_module {modules}/mod_mpm_event.so",
        f"LoadModule authz_core_module {modules}/mod_authz_core.so",
        "User www-data", "Group www-data", "PidFile logs/httpd.pid", "ErrorLog logs/error.log",
        "DefaultRuntimeDir logs", "StartServers 1", f"Listen {ADDRESS}:{port}",
        f'DocumentRoot "{root}/htdocs"', f'<Directory "{root}/htdocs">', "  Require all granted",
        "</Directory>", ""]))
    return root


@pytest.mark.daemons
@pytest.mark.root
def test_httpd_pacemaker_mode_pid_file_at_the_cluster_path():
    port = free_port(ADDRESS, 19700)
    root = httpd_root(port)
    name = f"acc{os.getpid()}"
    pid_file = Path(f"/var/run/cluster/zigha-httpd/zigha-httpd:{name}.pid")
    # an absolute config_file is used as it is; server_root not given (/etc/httpd is
    # absent on Debian)
    env = {"OCF_RA_VERSION_MAJOR": "1", "OCF_RA_VERSION_MINOR": "1", "OCF_ROOT": "/usr/lib/ocf",
           "OCF_RESOURCE_INSTANCE": name, "OCF_RESKEY_CRM_meta_timeout": "20000",
           "OCF_RESKEY_name": name, "OCF_RESKEY_config_file": str(root / "httpd.conf")}
    try:
        assert run_agent("httpd", "monitor", env).returncode == 7
        started = run_agent("httpd", "start", env)
        assert started.returncode == 0, started.stderr
        assert pid_file.is_file()
        pid = read_pid(pid_file)
        assert os.readlink(f"/proc/{pid}/exe").endswith(("apache2", "httpd"))
        assert run_agent("httpd", "monitor", env).returncode == 0
        deep = dict(env, OCF_CHECK_LEVEL="10")
        assert run_agent("httpd", "monitor", deep).returncode == 0
        assert run_agent("httpd", "start", env).returncode == 0
        assert read_pid(pid_file) == pid
        assert run_agent("httpd", "stop", env).returncode == 0
        assert gone(pid)
        assert not pid_file.exists()
        assert run_agent("httpd", "monitor", env).returncode == 7
        assert run_agent("httpd", "stop", env).returncode == 0
    finally:
        run_agent("httpd", "stop", env)
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.daemons
@pytest.mark.root
def test_httpd_rgmanager_mode_binds_only_the_service_ip(tmp_path):
    port = free_port(ADDRESS, 19750)
    root = httpd_root(port)
    name = f"accrg{os.getpid()}"
    service_ip = "127.0.7.2"
    conf = tmp_path / "cluster.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<cluster name="acc" config_version="1">\n'
        '  <clusternodes><clusternode name="n1" nodeid="1"/></clusternodes>\n'
        f'  <rm><service name="web"><ip address="{service_ip}"/>'
        f'<zigha-httpd name="{name}"/></service></rm>\n</cluster>\n')
    env = {"OCF_RA_VERSION_MAJOR": "1", "OCF_RA_VERSION_MINOR": "0", "OCF_ROOT": "/usr/share/cluster",
           "OCF_RESOURCE_TYPE": "zigha-httpd", "OCF_RESOURCE_INSTANCE": f"zigha-httpd:{name}",
           "OCF_CHECK_LEVEL": "0", "OCF_RESKEY_RGMANAGER_meta_refcnt": "1",
           "OCF_RESKEY_RGMANAGER_meta_timeout": "0", "OCF_RESKEY_name": name,
           "OCF_RESKEY_server_root": str(root), "OCF_RESKEY_config_file": "httpd.conf",
           "OCF_RESKEY_service_name": "web", "ZIGHA_CLUSTER_CONF": str(conf)}
    pid_file = Path(f"/var/run/cluster/zigha-httpd/zigha-httpd:{name}.pid")
    generated = Path(f"/etc/cluster/zigha-httpd/zigha-httpd:{name}")
    try:
        started = run_agent("httpd", "start", env)
        assert started.returncode == 0, started.stderr
        pid = read_pid(pid_file)
        assert generated.is_dir() and any(generated.rglob("*"))
        listening = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True).stdout
        ours = [line.split()[3] for line in listening.splitlines() if f"pid={pid}," in line]
        assert ours == [f"{service_ip}:{port}"], listening
        assert run_agent("httpd", "status", dict(env, OCF_CHECK_LEVEL="10")).returncode == 0
        assert run_agent("httpd", "stop", env).returncode == 0
        assert gone(pid)
    finally:
        run_agent("httpd", "stop", env)
        shutil.rmtree(generated, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)
        try:
            generated.parent.rmdir()  # only when no other instance left files there
        except OSError:
            pass


@pytest.mark.daemons
@pytest.mark.root
def test_named_pacemaker_mode_pid_file_at_the_cluster_path():
    address = "127.0.0.1"  # named listens only on interface addresses
    port = free_port(address, 19800)
    root = Path(tempfile.mkdtemp(prefix="zigha-acc-named-", dir="/tmp"))
    root.chmod(0o755)
    (root / "db.acc").write_text(
        "$TTL 300\n@ IN SOA ns.acc.test. admin.acc.test. ( 1 3600 600 86400 300 )\n"
        "@ IN NS ns.acc.test.\nns IN A 127.0.0.1\n")
    config = root / "named.conf"
    config.write_text(
        f'options {{\n    directory "{root}";\n    listen-on port {port} {{ {address}; }};\n'
        f'    listen-on-v6 {{ none; }};\n    pid-file "{root}/named.pid";\n'
        "    recursion no;\n    dnssec-validation no;\n};\ncontrols { };\n"
        'zone "acc.test" { type master; file "db.acc"; };\n')
    name = f"acc{os.getpid()}"
    pid_file = Path(f"/var/run/cluster/zigha-named/zigha-named:{name}.pid")
    env = {"OCF_RA_VERSION_MAJOR": "1", "OCF_RA_VERSION_MINOR": "1", "OCF_ROOT": "/usr/lib/ocf",
           "OCF_RESOURCE_INSTANCE": name, "OCF_RESKEY_CRM_meta_timeout": "30000",
           "OCF_RESKEY_name": name, "OCF_RESKEY_config_file": str(config),
           "OCF_RESKEY_named_working_dir": str(root)}
    try:
        assert run_agent("named", "monitor", env).returncode == 7
        started = run_agent("named", "start", env)
        assert started.returncode == 0, started.stderr
        pid = read_pid(pid_file)
        assert run_agent("named", "monitor", dict(env, OCF_CHECK_LEVEL="10")).returncode == 0
        assert run_agent("named", "stop", env).returncode == 0
        assert gone(pid)
        assert run_agent("named", "monitor", env).returncode == 7
    finally:
        if run_agent("named", "stop", env).returncode != 0 and pid_file.exists():
            os.kill(read_pid(pid_file), signal.SIGKILL)
        shutil.rmtree(root, ignore_errors=True)
