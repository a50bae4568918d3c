"""zigha-named against the real BIND named (agents.md §6.1-§6.6 on one machine).

Each test runs named inside private network namespaces whose loopback carries
127.0.2.0/24 and fd00:2::/64, with per-test /var/run/cluster and /etc/cluster stand-ins.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import nsagent  # noqa: E402

pytestmark = pytest.mark.daemons

TYPE = "zigha-named"
PORT = 19053
NAMED = "/usr/sbin/named"
SERVICE_IPS = ["127.0.2.1", "127.0.2.2", "fd00:2::1"]
CLUSTER_CONF = """<?xml version="1.0"?>
<cluster name="zigsow-test" config_version="1">
  <clusternodes><clusternode name="h1" nodeid="1"/><clusternode name="h2" nodeid="2"/></clusternodes>
  <rm>
    <resources><ip address="fd00:2::1"/></resources>
    <service name="dns">
      <ip address="127.0.2.1/32"/>
      <ip address="127.0.2.2"/>
      <ip ref="fd00:2::1"/>
      <zigha-named name="ns" config_file="{config}" named_working_dir="{zones}"/>
    </service>
    <service name="noip">
      <zigha-named name="lonely" config_file="{config}"/>
    </service>
  </rm>
</cluster>
"""
ZONE = """$TTL 300
@ IN SOA ns.zigha.test. admin.zigha.test. ( 1 3600 600 86400 300 )
@ IN NS ns.zigha.test.
ns IN A 127.0.2.1
www IN A 192.0.2.80
"""


@pytest.fixture(scope="module")
def nets():
    tag = f"{os.getpid() % 100000}"
    a = nsagent.Netns(f"zigha-na{tag}", SERVICE_IPS + ["127.0.2.9"])
    b = nsagent.Netns(f"zigha-nb{tag}", SERVICE_IPS + ["127.0.2.9"])
    yield a, b
    a.destroy()
    b.destroy()


@pytest.fixture
def site(nets):
    """A shared tree (zones + named.conf, as on GFS2) and node A's cluster directories."""
    root = nsagent.make_root("zigha-named-")
    shared = root / "shared"
    zones = shared / "zones"
    zones.mkdir(parents=True)
    (zones / "db.zigha").write_text(ZONE)
    (zones / "db.dyn").write_text(ZONE.replace("zigha.test", "dyn.zigha.test"))
    config = shared / "named.conf"
    config.write_text(
        "// the original configuration, as the administrator wrote it\n"
        "options {\n"
        f'    directory "{zones}";\n'
        f"    listen-on port {PORT} {{ any; }};\n"
        "    listen-on-v6 port 19053 { any; };\n"
        f'    pid-file "{root}/original-named.pid";\n'
        "    recursion no;\n"
        "    dnssec-validation no;\n"
        "};\n"
        'zone "zigha.test" { type master; file "db.zigha"; };\n'
        'zone "dyn.zigha.test" { type master; file "db.dyn"; allow-update { any; }; };\n')
    pm_config = shared / "pm-named.conf"
    pm_config.write_text(config.read_text()
                         .replace(f"listen-on port {PORT} {{ any; }}", f"listen-on port {PORT} {{ 127.0.2.9; }}")
                         .replace("listen-on-v6 port 19053 { any; }", "listen-on-v6 { none; }")
                         + "controls { };\n")
    cluster_conf = root / "cluster.conf"
    cluster_conf.write_text(CLUSTER_CONF.format(config=config, zones=zones))
    box = nsagent.Sandbox(root / "node-a", nets[0], cluster_conf)
    box.root.mkdir()
    info = type("Site", (), dict(root=root, shared=shared, zones=zones, config=config,
                                 pm_config=pm_config, box=box, nets=nets))
    yield info
    for sandbox_root in (root / "node-a", root / "node-b"):
        for pid_file in sandbox_root.glob("run-cluster/*/*.pid"):
            try:
                os.kill(nsagent.read_pid(pid_file), signal.SIGKILL)
            except (ValueError, ProcessLookupError):
                pass
    for netns in nets:
        for pid in netns.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    shutil.rmtree(root, ignore_errors=True)


def rg(site, action, name="ns", service="dns", box=None, extra=None, **params):
    """Run the agent as rgmanager would for <zigha-named name=… > in <service>."""
    box = box or site.box
    values = {"config_file": site.config, "named_working_dir": site.zones,
              "shutdown_wait": 5, "service_name": service}
    values.update(params)
    values = {k: v for k, v in values.items() if v is not None}
    return box.run("named", action, box.env(TYPE, name, values, extra=extra))


def pm(site, action, extra=None, **params):
    """Run the agent as Pacemaker/ocf-tester would (no service_name)."""
    values = {"config_file": site.pm_config}
    values.update(params)
    return site.box.run("named", action, site.box.env(TYPE, "pm", values, mode="pacemaker",
                                                     extra=extra))


def zone_digest(site):
    return nsagent.tree_digest(site.zones, ignore=(".jnl", "managed-keys"))


# -- §6.3 lifecycle -----------------------------------------------------------------------

def test_lifecycle_binds_exactly_the_service_ips(site):
    pid_file = site.box.pid_file(TYPE, "ns")
    assert rg(site, "status").returncode == 7
    assert rg(site, "monitor").returncode == 7
    assert rg(site, "stop").returncode == 0
    started = rg(site, "start")
    assert started.returncode == 0, started.stderr
    assert pid_file.parent == site.box.run_dir / "zigha-named"
    pid = nsagent.read_pid(pid_file)
    assert os.readlink(f"/proc/{pid}/exe") == NAMED
    for level in ("0", "10", "20"):
        result = rg(site, "status", extra={"OCF_CHECK_LEVEL": level})
        assert result.returncode == 0, (level, result.stderr)
    sockets = site.box.netns.listening(pid)
    assert {(addr, port) for _, addr, port in sockets} == {(ip, PORT) for ip in SERVICE_IPS}
    assert {proto for proto, _, _ in sockets} == {"udp", "tcp"}

    again = rg(site, "start")
    assert again.returncode == 0, again.stderr
    assert nsagent.read_pid(pid_file) == pid
    assert [p for p in nsagent.processes_of(NAMED) if p in site.box.netns.pids()] == [pid]

    assert rg(site, "stop").returncode == 0
    assert nsagent.wait_gone(pid, 1)
    assert not pid_file.exists()
    assert site.box.netns.listening(pid) == set()
    assert rg(site, "status").returncode == 7
    assert rg(site, "stop").returncode == 0


def test_generated_config_three_ips_and_sha1_rules(site):
    assert rg(site, "start").returncode == 0
    generated = site.box.generated_dir(TYPE, "ns") / "named.conf"
    text = generated.read_text()
    assert f'directory "{site.zones}";' in text
    assert f'pid-file "{site.box.pid_file(TYPE, "ns")}";' in text
    assert f"listen-on port {PORT} {{ 127.0.2.1; 127.0.2.2; }};" in text
    assert f"listen-on-v6 port {PORT} {{ fd00:2::1; }};" in text
    assert text.splitlines()[-1].startswith("# rgmanager-sha1 ")
    assert "controls { };" in text
    assert subprocess.run(["named-checkconf", str(generated)]).returncode == 0
    assert rg(site, "stop").returncode == 0

    # an unedited copy follows the original …
    site.config.write_text(site.config.read_text().replace("recursion no;", "recursion no;\n    notify no;"))
    assert rg(site, "start").returncode == 0
    assert "notify no;" in generated.read_text()
    assert rg(site, "stop").returncode == 0
    # … a hand-edited one is kept as it is
    edited = generated.read_text().replace("notify no;", "notify yes;")
    generated.write_text(edited)
    site.config.write_text(site.config.read_text().replace("notify no;", "notify explicit;"))
    assert rg(site, "start").returncode == 0
    assert generated.read_text() == edited
    assert rg(site, "stop").returncode == 0


def test_update_source_names_the_service_address(site):
    assert rg(site, "start", update_source="1").returncode == 0
    text = (site.box.generated_dir(TYPE, "ns") / "named.conf").read_text()
    assert "notify-source 127.0.2.1;" in text and "query-source-v6 address fd00:2::1;" in text
    assert rg(site, "stop").returncode == 0


def test_named_runs_as_the_user_of_named_options(site):
    for path in [site.zones, *site.zones.iterdir()]:
        shutil.chown(path, "bind", "bind")
    assert rg(site, "start", named_options="-u bind").returncode == 0
    pid_file = site.box.pid_file(TYPE, "ns")
    pid = nsagent.read_pid(pid_file)
    assert Path(f"/proc/{pid}").stat().st_uid == pwd_uid("bind")
    assert pid_file.parent.stat().st_uid == pwd_uid("bind")
    assert rg(site, "status", extra={"OCF_CHECK_LEVEL": "10"}).returncode == 0
    assert rg(site, "stop").returncode == 0
    assert nsagent.wait_gone(pid, 1)


def pwd_uid(user: str) -> int:
    import pwd

    return pwd.getpwnam(user).pw_uid


def test_crash_then_status_1_and_start_cleans_up(site):
    assert rg(site, "start").returncode == 0
    pid_file = site.box.pid_file(TYPE, "ns")
    pid = nsagent.read_pid(pid_file)
    os.kill(pid, signal.SIGKILL)
    assert nsagent.wait_gone(pid)
    crashed = rg(site, "status")
    assert crashed.returncode == 1
    assert "ocf-exit-reason:" in crashed.stderr
    assert rg(site, "start").returncode == 0
    new_pid = nsagent.read_pid(pid_file)
    assert new_pid != pid and nsagent.alive(new_pid)
    assert rg(site, "stop").returncode == 0
    assert rg(site, "stop").returncode == 0


def test_sigterm_ignoring_daemon_is_killed_within_the_stop_timeout(site):
    assert rg(site, "start").returncode == 0
    pid = nsagent.read_pid(site.box.pid_file(TYPE, "ns"))
    os.kill(pid, signal.SIGSTOP)  # a stopped process acts on no signal but SIGKILL
    try:
        begun = time.monotonic()
        result = rg(site, "stop", shutdown_wait=30,
                    extra={"OCF_RESKEY_RGMANAGER_meta_timeout": "6", "HA_debug": "1"})
        took = time.monotonic() - begun
    finally:
        if nsagent.alive(pid):
            os.kill(pid, signal.SIGKILL)
    assert result.returncode == 0, result.stderr
    assert took < 6
    assert "SIGKILL" in result.stderr
    assert not nsagent.alive(pid)


def test_stale_pid_of_another_program_is_never_signalled(site):
    pid_file = site.box.pid_file(TYPE, "ns")
    pid_file.parent.mkdir(parents=True)
    other = subprocess.Popen(["sleep", "300"])
    try:
        pid_file.write_text(f"{other.pid}\n")
        assert rg(site, "status").returncode == 1
        assert rg(site, "stop").returncode == 0
        assert other.poll() is None
        pid_file.write_text(f"{other.pid}\n")
        assert rg(site, "start").returncode == 0
        assert other.poll() is None
        named_pid = nsagent.read_pid(pid_file)
        assert named_pid != other.pid and os.readlink(f"/proc/{named_pid}/exe") == NAMED
        assert rg(site, "stop").returncode == 0
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_service_without_ip_refuses_to_start(site):
    result = rg(site, "start", name="lonely", service="noip")
    assert result.returncode != 0
    assert "No IP Addresses Found" in result.stderr
    assert not site.box.pid_file(TYPE, "lonely").exists()


# -- §6.2 environment ---------------------------------------------------------------------

def test_unknown_action_version_and_instance_rules(site):
    assert rg(site, "reload").returncode == 3
    assert rg(site, "frobnicate").returncode == 3
    assert rg(site, "status", extra={"OCF_RA_VERSION_MAJOR": "2"}).returncode == 3
    env = site.box.env(TYPE, "ns", {"config_file": site.config, "service_name": "dns"})
    del env["OCF_RESOURCE_INSTANCE"]
    assert site.box.run("named", "status", env).returncode == 2


# -- §6.4 validate-all ----------------------------------------------------------------------

def test_validate_all_codes_and_writes_nothing(site):
    before = nsagent.tree_digest(site.root)
    assert rg(site, "validate-all").returncode == 0
    assert pm(site, "validate-all").returncode == 0
    missing_binary = rg(site, "validate-all", extra={"ZIGHA_TOOL_NAMED": "/nonexistent/named"})
    assert missing_binary.returncode == 5
    missing_config = rg(site, "validate-all", config_file=site.root / "absent.conf")
    assert missing_config.returncode == 5
    assert "absent.conf" in missing_config.stderr
    broken = site.shared / "broken.conf"
    broken.write_text("options { listen-on { 127.0.2.1 }; };\n")
    syntax = pm(site, "validate-all", config_file=broken)
    assert syntax.returncode == 6
    assert "broken.conf" in syntax.stderr
    assert rg(site, "validate-all", name="lonely", service="noip").returncode != 0
    # the zone directory on an unmounted shared disk: not here (5), not wrong everywhere (6)
    assert rg(site, "validate-all", named_working_dir=site.root / "unmounted").returncode == 5
    broken.unlink()
    assert nsagent.tree_digest(site.root) == before
    assert not site.box.run_dir.exists() and not site.box.conf_dir.exists()


def test_stop_and_probe_without_shared_storage(site):
    absent = site.root / "unmounted" / "named.conf"
    assert rg(site, "stop", config_file=absent).returncode == 0
    assert pm(site, "monitor", config_file=absent).returncode == 7
    assert pm(site, "stop", config_file=absent).returncode == 0
    assert rg(site, "start", config_file=absent).returncode == 5


# -- Pacemaker mode: the configuration runs as it is ------------------------------------------

def test_pacemaker_mode_runs_the_given_config(site):
    started = pm(site, "start")
    assert started.returncode == 0, started.stderr
    pid = nsagent.read_pid(site.box.pid_file(TYPE, "pm"))
    assert nsagent.read_pid(site.root / "original-named.pid") == pid
    assert {(a, p) for _, a, p in site.box.netns.listening(pid) if p == PORT} == {("127.0.2.9", PORT)}
    assert not site.box.conf_dir.exists()
    assert pm(site, "monitor", extra={"OCF_CHECK_LEVEL": "10"}).returncode == 0
    assert pm(site, "start").returncode == 0
    assert pm(site, "stop").returncode == 0
    assert nsagent.wait_gone(pid, 1)
    assert pm(site, "monitor").returncode == 7


def test_start_fails_and_cleans_up_when_named_does_not_answer(site):
    deaf = site.shared / "deaf.conf"
    deaf.write_text(site.pm_config.read_text().replace("127.0.2.9", "127.0.2.200"))
    result = pm(site, "start", config_file=deaf)
    assert result.returncode == 1
    assert "not answering" in result.stderr
    assert not site.box.pid_file(TYPE, "pm").exists()
    assert [p for p in nsagent.processes_of(NAMED) if p in site.box.netns.pids()] == []
    assert pm(site, "monitor", config_file=deaf).returncode == 7


# -- §6.5 shared data safety ------------------------------------------------------------------

def test_zones_survive_cycles_crash_and_move_and_nothing_is_written_there(site):
    digest = zone_digest(site)
    listing = set(nsagent.tree_digest(site.shared))
    assert rg(site, "start").returncode == 0
    assert rg(site, "stop").returncode == 0
    assert zone_digest(site) == digest

    assert rg(site, "start").returncode == 0
    os.kill(nsagent.read_pid(site.box.pid_file(TYPE, "ns")), signal.SIGKILL)
    assert rg(site, "start").returncode == 0
    assert zone_digest(site) == digest

    # stop on node A, start on node B (its own namespace and cluster directories)
    assert rg(site, "stop").returncode == 0
    node_b = nsagent.Sandbox(site.root / "node-b", site.nets[1], site.box.cluster_conf)
    node_b.root.mkdir()
    assert rg(site, "start", box=node_b).returncode == 0
    assert rg(site, "status", box=node_b, extra={"OCF_CHECK_LEVEL": "10"}).returncode == 0
    assert rg(site, "stop", box=node_b).returncode == 0
    assert zone_digest(site) == digest
    # only named's own files (journals, managed keys) appeared in the shared tree
    new = set(nsagent.tree_digest(site.shared)) - listing
    assert all(".jnl" in n or "managed-keys" in n for n in new), new


def test_stop_keeps_dynamic_updates(site):
    assert rg(site, "start").returncode == 0
    code = nsagent.dns_update_code("127.0.2.1", PORT, "dyn.zigha.test", "new.dyn.zigha.test",
                                   "192.0.2.55")
    assert nsagent.dns_script(site.box.netns, code) == "0 0"
    result = rg(site, "stop", extra={"HA_debug": "1"})
    assert result.returncode == 0
    assert "SIGTERM" in result.stderr and "SIGKILL" not in result.stderr
    assert (site.zones / "db.dyn.jnl").exists()
    assert rg(site, "start").returncode == 0
    query = nsagent.dns_query_code("127.0.2.2", PORT, "new.dyn.zigha.test")
    assert nsagent.dns_script(site.box.netns, query) == "0 1"
    assert rg(site, "stop").returncode == 0


# -- §6.6 tools --------------------------------------------------------------------------------

def test_ocf_tester_passes(site):
    argv = nsagent.command(site.box.netns, [
        "env", f"ZIGHA_OCF_RUN_DIR={site.box.run_dir}", f"ZIGHA_OCF_CONF_DIR={site.box.conf_dir}",
        "ocf-tester", "-n", f"{TYPE}:t", "-o", f"config_file={site.pm_config}",
        str(nsagent.AGENTS / "named")])
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed all tests" in result.stdout


def test_crm_resource_codes_once_installed(site):
    from zigha.ocf import install

    prefix = site.root / "pkgroot"
    install.install(prefix=str(prefix), agents=["named"], update_schema=False)
    ocf_root = prefix / "usr/lib/ocf/resource.d"
    assert (ocf_root / "zigha" / "named").exists()

    def crm(*args, config=site.pm_config):
        argv = nsagent.command(site.box.netns, [
            "env", f"ZIGHA_OCF_RUN_DIR={site.box.run_dir}", "crm_resource", "--class", "ocf",
            "--provider", "zigha", "--agent", "named", "--option", f"config_file={config}",
            *args], binds=[(ocf_root, "/usr/lib/ocf/resource.d")])
        return subprocess.run(argv, capture_output=True, text=True, timeout=60).returncode

    assert crm("--validate") == 0
    assert crm("--validate", config=site.root / "absent.conf") == 5
    assert crm("--force-check") == 7
    assert crm("--force-start") == 0
    assert site.box.pid_file(TYPE, "test").exists()
    assert crm("--force-start") == 0
    assert crm("--force-check") == 0
    assert crm("--force-check=10") == 0
    assert crm("--force-stop") == 0
    assert crm("--force-stop") == 0
    assert crm("--force-check") == 7
