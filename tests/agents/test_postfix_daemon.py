"""zigha-postfix against the real Postfix (agents.md §6.1-§6.6 on one machine).

Postfix runs inside private network namespaces (127.0.3.0/24, fd00:3::/64) from a
configuration directory and queue built by the test.  The host's /etc/postfix/main.cf is
never changed: where a test needs ``alternate_config_directories`` in it, a copy with the
line is bind-mounted over it inside the command's own mount namespace.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import nsagent  # noqa: E402

pytestmark = pytest.mark.daemons

TYPE = "zigha-postfix"
PORT = 19025
MASTER = "/usr/lib/postfix/sbin/master"
SERVICE_IPS = ["127.0.3.1", "127.0.3.2", "fd00:3::1"]
CLUSTER_CONF = """<?xml version="1.0"?>
<cluster name="zigsow-test" config_version="1">
  <clusternodes><clusternode name="h1" nodeid="1"/><clusternode name="h2" nodeid="2"/></clusternodes>
  <rm>
    <service name="mail">
      <ip address="127.0.3.1"/>
      <ip address="127.0.3.2/32"/>
      <ip address="fd00:3::1"/>
      <zigha-postfix name="mx" config_dir="{conf}"/>
    </service>
    <service name="noip">
      <zigha-postfix name="lonely" config_dir="{conf}"/>
    </service>
  </rm>
</cluster>
"""
MAIN_CF = """# the original configuration, as the administrator wrote it
compatibility_level = 3.6
myhostname = mail.zigha.test
mydomain = zigha.test
myorigin = $mydomain
mydestination =
queue_directory = {spool}
data_directory = {data}
inet_interfaces = 127.0.3.9
inet_protocols = ipv4
smtpd_banner = $myhostname ESMTP zigha-test
alias_maps =
alias_database =
default_transport = error
relay_transport = error
local_transport = error
header_checks = regexp:$config_directory/header_checks
"""


@pytest.fixture(scope="module")
def nets():
    tag = f"{os.getpid() % 100000}"
    a = nsagent.Netns(f"zigha-pa{tag}", SERVICE_IPS + ["127.0.3.9"])
    b = nsagent.Netns(f"zigha-pb{tag}", SERVICE_IPS + ["127.0.3.9"])
    yield a, b
    a.destroy()
    b.destroy()


@pytest.fixture
def site(nets):
    """Shared tree (config dir + queue, as on GFS2), local data dir, node A's directories."""
    root = nsagent.make_root("zigha-postfix-")
    shared = root / "shared"
    conf = shared / "postfix"
    spool = shared / "spool"
    data = root / "data"
    for directory in (conf, spool, data):
        directory.mkdir(parents=True)
    shutil.chown(data, "postfix", "postfix")
    (conf / "main.cf").write_text(MAIN_CF.format(spool=spool, data=data))
    master = open("/etc/postfix/master.cf").read().splitlines()
    master = [f"{PORT}      inet" + line[len("smtp      inet"):] if line.startswith("smtp      inet")
              else line for line in master]
    (conf / "master.cf").write_text("\n".join(master) + "\n")
    (conf / "header_checks").write_text("/^Subject: hold-me/ HOLD kept for the test\n")
    default_main = root / "default-main.cf"
    default_main.write_text(open("/etc/postfix/main.cf").read()
                            + f"\nalternate_config_directories = {conf}\n")
    cluster_conf = root / "cluster.conf"
    cluster_conf.write_text(CLUSTER_CONF.format(conf=conf))
    binds = [(default_main, "/etc/postfix/main.cf")]
    box = nsagent.Sandbox(root / "node-a", nets[0], cluster_conf, binds=binds)
    box.root.mkdir()
    info = type("Site", (), dict(root=root, shared=shared, conf=conf, spool=spool, box=box,
                                 nets=nets, binds=binds))
    yield info
    for netns in nets:
        for pid in netns.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for pid in nsagent.processes_of(MASTER):
        try:
            with open(f"/proc/{pid}/environ", "rb") as handle:
                if str(conf).encode() in handle.read() or str(root).encode() in handle.read():
                    os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    shutil.rmtree(root, ignore_errors=True)


def rg(site, action, name="mx", service="mail", box=None, extra=None, **params):
    box = box or site.box
    values = {"config_dir": site.conf, "binary": "/usr/sbin/postfix", "shutdown_wait": 5,
              "service_name": service}
    values.update(params)
    values = {k: v for k, v in values.items() if v is not None}
    return box.run("postfix", action, box.env(TYPE, name, values, extra=extra))


def pm(site, action, extra=None, **params):
    values = {"config_dir": site.conf}
    values.update(params)
    return site.box.run("postfix", action, site.box.env(TYPE, "pm", values, mode="pacemaker",
                                                       extra=extra))


def queue_digest(site):
    return nsagent.tree_digest(site.spool, ignore=("pid/", "master.lock", "etc/", "lib/", "usr/"))


def hold_a_message(site):
    """Submit one message that the header check parks in the hold queue."""
    argv = nsagent.command(site.box.netns, [
        "/usr/sbin/sendmail", "-C", str(site.conf), "-f", "a@zigha.test", "b@zigha.test"],
        site.binds)
    subprocess.run(argv, input="Subject: hold-me\n\nkeep me\n", text=True, check=True,
                   timeout=30)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if any((site.spool / "hold").glob("*")):
            return
        time.sleep(0.2)
    raise AssertionError("the message never reached the hold queue")


# -- §6.3 lifecycle -----------------------------------------------------------------------

def test_lifecycle_binds_exactly_the_service_ips(site):
    pid_file = site.box.pid_file(TYPE, "mx")
    assert rg(site, "status").returncode == 7
    assert rg(site, "stop").returncode == 0
    started = rg(site, "start")
    assert started.returncode == 0, started.stderr
    pid = nsagent.read_pid(pid_file)
    assert os.readlink(f"/proc/{pid}/exe") == MASTER
    for level in ("0", "10", "20"):
        result = rg(site, "status", extra={"OCF_CHECK_LEVEL": level})
        assert result.returncode == 0, (level, result.stderr)
    sockets = site.box.netns.listening(pid)
    assert {(a, p) for proto, a, p in sockets if proto == "tcp"} == {(ip, PORT) for ip in SERVICE_IPS}
    generated = site.box.generated_dir(TYPE, "mx")
    main = (generated / "main.cf").read_text()
    assert "inet_interfaces = 127.0.3.1, 127.0.3.2, fd00:3::1" in main
    assert f"header_checks = regexp:{site.conf}/header_checks" in main
    assert "inet_protocols = ipv4, ipv6" in main  # the IPv6 service address needs it
    assert main.splitlines()[-1].startswith("# rgmanager-sha1 ")

    assert rg(site, "start").returncode == 0
    assert nsagent.read_pid(pid_file) == pid
    assert [p for p in nsagent.processes_of(MASTER) if p in site.box.netns.pids()] == [pid]

    assert rg(site, "stop").returncode == 0
    assert nsagent.wait_gone(pid, 1)
    assert not pid_file.exists()
    assert rg(site, "status").returncode == 7
    assert rg(site, "stop").returncode == 0


def test_crash_then_status_1_and_start_cleans_up(site):
    assert rg(site, "start").returncode == 0
    pid = nsagent.read_pid(site.box.pid_file(TYPE, "mx"))
    children = [p for p in site.box.netns.pids() if p != pid]
    os.kill(pid, signal.SIGKILL)
    assert nsagent.wait_gone(pid)
    assert rg(site, "status").returncode == 1
    assert rg(site, "start").returncode == 0
    assert all(not nsagent.alive(child) for child in children)
    new_pid = nsagent.read_pid(site.box.pid_file(TYPE, "mx"))
    assert new_pid != pid
    assert rg(site, "status", extra={"OCF_CHECK_LEVEL": "10"}).returncode == 0
    assert rg(site, "stop").returncode == 0


def test_sigterm_ignoring_master_is_killed_within_the_stop_timeout(site):
    assert rg(site, "start").returncode == 0
    pid = nsagent.read_pid(site.box.pid_file(TYPE, "mx"))
    os.kill(pid, signal.SIGSTOP)
    try:
        begun = time.monotonic()
        result = rg(site, "stop", shutdown_wait=30,
                    extra={"OCF_RESKEY_RGMANAGER_meta_timeout": "6", "HA_debug": "1"})
        took = time.monotonic() - begun
    finally:
        if nsagent.alive(pid):
            os.kill(pid, signal.SIGKILL)
    assert result.returncode == 0, result.stderr
    assert took < 6 and "SIGKILL" in result.stderr
    assert not nsagent.alive(pid)
    assert [p for p in nsagent.processes_of(MASTER) if p in site.box.netns.pids()] == []


def test_stale_pid_of_another_program_is_never_signalled(site):
    pid_file = site.box.pid_file(TYPE, "mx")
    pid_file.parent.mkdir(parents=True)
    other = subprocess.Popen(["sleep", "300"])
    try:
        pid_file.write_text(f"{other.pid}\n")
        assert rg(site, "status").returncode == 1
        assert rg(site, "stop").returncode == 0
        pid_file.write_text(f"{other.pid}\n")
        assert rg(site, "start").returncode == 0
        assert nsagent.read_pid(pid_file) != other.pid
        assert rg(site, "stop").returncode == 0
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_service_without_ip_refuses_to_start(site):
    result = rg(site, "start", name="lonely", service="noip")
    assert result.returncode == 1
    assert "No IP Addresses Found" in result.stderr
    assert not site.box.pid_file(TYPE, "lonely").exists()


# -- §6.4 validate-all, alternate_config_directories, readable errors ----------------------------

def test_config_dir_must_be_listed_in_the_default_main_cf(site):
    unlisted = nsagent.Sandbox(site.box.root, site.box.netns, site.box.cluster_conf)  # no bind
    env = unlisted.env(TYPE, "pm", {"config_dir": site.conf}, mode="pacemaker")
    result = unlisted.run("postfix", "validate-all", env)
    assert result.returncode == 5
    assert "alternate_config_directories" in result.stderr
    assert str(site.conf) in result.stderr and "/etc/postfix/main.cf" in result.stderr
    assert unlisted.run("postfix", "start", env).returncode == 5
    assert pm(site, "validate-all").returncode == 0


def test_validate_all_codes_and_writes_nothing(site):
    before = nsagent.tree_digest(site.root)
    assert rg(site, "validate-all").returncode == 0
    assert pm(site, "validate-all").returncode == 0
    assert pm(site, "validate-all", binary="/nonexistent/postfix").returncode == 5
    assert pm(site, "validate-all", config_dir=site.root / "absent").returncode == 5
    main = site.conf / "main.cf"
    good = main.read_text()
    main.write_text(good + "this line has no equals sign\n")
    broken = pm(site, "validate-all")
    assert broken.returncode == 6
    assert "missing '='" in broken.stderr
    main.write_text(good)
    assert nsagent.tree_digest(site.root) == before
    assert not site.box.run_dir.exists() and not site.box.conf_dir.exists()


def test_postfix_start_errors_reach_stderr_without_syslog(site):
    main = site.conf / "main.cf"
    main.write_text(main.read_text().replace("inet_interfaces = 127.0.3.9",
                                             "inet_interfaces = 127.0.3.77"))
    result = pm(site, "start")
    assert result.returncode == 1
    assert "no local interface found for 127.0.3.77" in result.stderr


def test_stop_and_probe_without_shared_storage(site):
    absent = site.root / "unmounted"
    assert rg(site, "stop", config_dir=absent).returncode == 0
    assert pm(site, "monitor", config_dir=absent).returncode == 7
    assert pm(site, "stop", config_dir=absent).returncode == 0


# -- Pacemaker mode --------------------------------------------------------------------------

def test_pacemaker_mode_runs_the_given_config(site):
    started = pm(site, "start")
    assert started.returncode == 0, started.stderr
    pid = nsagent.read_pid(site.box.pid_file(TYPE, "pm"))
    assert {(a, p) for proto, a, p in site.box.netns.listening(pid) if proto == "tcp"} == {("127.0.3.9", PORT)}
    assert not site.box.conf_dir.exists()
    assert pm(site, "monitor", extra={"OCF_CHECK_LEVEL": "10"}).returncode == 0
    assert pm(site, "stop").returncode == 0
    assert pm(site, "monitor").returncode == 7


# -- §6.5 shared data safety ------------------------------------------------------------------

def test_queue_survives_stop_crash_and_move(site):
    assert rg(site, "start").returncode == 0
    hold_a_message(site)
    assert rg(site, "stop").returncode == 0
    digest = queue_digest(site)
    held = [k for k in digest if k.startswith("hold/")]
    assert len(held) == 1
    shared_listing = set(nsagent.tree_digest(site.shared))

    assert rg(site, "start").returncode == 0
    assert rg(site, "stop").returncode == 0
    assert queue_digest(site) == digest

    assert rg(site, "start").returncode == 0
    os.kill(nsagent.read_pid(site.box.pid_file(TYPE, "mx")), signal.SIGKILL)
    assert rg(site, "start").returncode == 0
    assert rg(site, "stop").returncode == 0
    assert queue_digest(site) == digest

    node_b = nsagent.Sandbox(site.root / "node-b", site.nets[1], site.box.cluster_conf,
                             binds=site.binds)
    node_b.root.mkdir()
    assert rg(site, "start", box=node_b).returncode == 0
    assert rg(site, "status", box=node_b, extra={"OCF_CHECK_LEVEL": "10"}).returncode == 0
    assert rg(site, "stop", box=node_b).returncode == 0
    assert queue_digest(site) == digest
    # the agents wrote nothing into the shared tree (postfix's chroot copies aside)
    new = {n for n in set(nsagent.tree_digest(site.shared)) - shared_listing
           if not n.startswith(("spool/etc/", "spool/lib/", "spool/usr/", "spool/pid/"))}
    assert new == set()


# -- §6.6 tools --------------------------------------------------------------------------------

def test_ocf_tester_passes(site):
    argv = nsagent.command(site.box.netns, [
        "env", f"ZIGHA_OCF_RUN_DIR={site.box.run_dir}", "ocf-tester", "-n", f"{TYPE}:t",
        "-o", f"config_dir={site.conf}", str(nsagent.AGENTS / "postfix")], site.binds)
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed all tests" in result.stdout


def test_crm_resource_codes_once_installed(site):
    from zigha.ocf import install

    prefix = site.root / "pkgroot"
    install.install(prefix=str(prefix), agents=["postfix"], update_schema=False)
    ocf_root = prefix / "usr/lib/ocf/resource.d"

    def crm(*args, config=site.conf):
        argv = nsagent.command(site.box.netns, [
            "env", f"ZIGHA_OCF_RUN_DIR={site.box.run_dir}", "crm_resource", "--class", "ocf",
            "--provider", "zigha", "--agent", "postfix", "--option", f"config_dir={config}",
            *args], binds=site.binds + [(ocf_root, "/usr/lib/ocf/resource.d")])
        return subprocess.run(argv, capture_output=True, text=True, timeout=60).returncode

    assert crm("--validate") == 0
    assert crm("--validate", config=site.root / "absent") == 5
    assert crm("--force-check") == 7
    assert crm("--force-start") == 0
    assert crm("--force-start") == 0
    assert crm("--force-check") == 0
    assert crm("--force-check=10") == 0
    assert crm("--force-stop") == 0
    assert crm("--force-stop") == 0
    assert crm("--force-check") == 7
