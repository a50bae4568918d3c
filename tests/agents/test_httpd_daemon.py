"""zigha-httpd against a real apache2 bound to 127.0.1.x (agents.md §6.2-§6.5).

Every agent run goes through the launcher ``agents/httpd`` with an environment built
from nothing (``env -i``): rgmanager's (§1.4) or crm_resource's.  Pid and generated
files go below the test's own directories (ZIGHA_OCF_RUN_DIR / ZIGHA_OCF_CONF_DIR).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from ocfhelp import (
    HTTPD,
    listening,
    next_port,
    pacemaker_env,
    rgmanager_env,
    run,
    tree_checksum,
    write_httpd_conf,
)

pytestmark = pytest.mark.daemons

CLUSTER_CONF = """<?xml version="1.0"?>
<cluster config_version="1" name="t">
  <clusternodes><clusternode name="n1" nodeid="1"/></clusternodes>
  <rm>
    <resources>{resources}</resources>
    <service name="web">{children}</service>
    <service name="noip"><zigha-httpd name="lonely"/></service>
  </rm>
</cluster>
"""


@pytest.fixture
def lab(tmp_path):
    """Base dirs, a config listening on 127.0.1.x, and a finalizer that stops httpd."""
    port = next_port()
    dirs = {"ZIGHA_OCF_RUN_DIR": str(tmp_path / "run"), "ZIGHA_OCF_CONF_DIR": str(tmp_path / "etc"),
            "ZIGHA_CLUSTER_CONF": str(tmp_path / "cluster.conf")}
    root = tmp_path / "root"
    config = write_httpd_conf(root, [f"127.0.1.1:{port}"])
    lab = type("Lab", (), {})()
    lab.tmp, lab.dirs, lab.root, lab.config, lab.port = tmp_path, dirs, root, config, port
    lab.envs = []
    yield lab
    for env in lab.envs:
        run(HTTPD, "stop", env)
    subprocess.run(["pkill", "-KILL", "-f", str(root)], check=False)


def pcmk(lab, **params):
    base = {"name": "web", "server_root": str(lab.root), "config_file": "httpd.conf"}
    base.update(params)
    env = pacemaker_env(base, lab.dirs)
    lab.envs.append(env)
    return env


def rgm(lab, ips, resources="", **params):
    children = "".join(f'<ip address="{ip}"/>' for ip in ips)
    (lab.tmp / "cluster.conf").write_text(CLUSTER_CONF.format(resources=resources, children=children))
    base = {"name": "web", "server_root": str(lab.root), "config_file": "httpd.conf",
            "service_name": "web"}
    base.update(params)
    env = rgmanager_env(base, lab.dirs)
    lab.envs.append(env)
    return env


def pid_file(lab, name="web"):
    return lab.tmp / "run" / "zigha-httpd" / f"zigha-httpd:{name}.pid"


def masters(lab):
    out = subprocess.run(["pgrep", "-f", "-P", "1", str(lab.root)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def wait_dead(pid):
    for _ in range(100):
        try:
            with open(f"/proc/{pid}/stat") as handle:
                if handle.read().rpartition(")")[2].split()[0] == "Z":
                    return
        except FileNotFoundError:
            return
        time.sleep(0.05)
    raise AssertionError(f"pid {pid} survived SIGKILL")


def test_lifecycle_pacemaker(lab):
    env = pcmk(lab)
    assert run(HTTPD, "monitor", env).returncode == 7          # item 15
    assert run(HTTPD, "status", env).returncode == 7
    assert run(HTTPD, "stop", env).returncode == 0             # item 16
    assert run(HTTPD, "validate-all", env).returncode == 0     # item 26
    started = run(HTTPD, "start", env)
    assert started.returncode == 0, started.stderr             # item 17
    pid = int(pid_file(lab).read_text().split()[0])
    for level in ("0", "10", "20"):                            # item 14
        assert run(HTTPD, "monitor", {**env, "OCF_CHECK_LEVEL": level}).returncode == 0
    assert ("127.0.1.1", lab.port) in listening()
    assert run(HTTPD, "start", env).returncode == 0            # item 18
    assert int(pid_file(lab).read_text().split()[0]) == pid
    assert masters(lab) == [pid]
    assert run(HTTPD, "stop", env).returncode == 0             # item 19
    assert ("127.0.1.1", lab.port) not in listening()
    assert not masters(lab)
    assert not pid_file(lab).exists()
    assert run(HTTPD, "monitor", env).returncode == 7
    assert run(HTTPD, "stop", env).returncode == 0


def test_crash_then_start_cleans_up(lab):
    env = pcmk(lab)
    assert run(HTTPD, "start", env).returncode == 0
    pid = int(pid_file(lab).read_text())
    os.kill(pid, signal.SIGKILL)                               # item 20
    wait_dead(pid)
    assert run(HTTPD, "status", env).returncode == 1
    again = run(HTTPD, "start", env)
    assert again.returncode == 0, again.stderr
    assert int(pid_file(lab).read_text()) != pid
    assert run(HTTPD, "monitor", {**env, "OCF_CHECK_LEVEL": "10"}).returncode == 0
    assert run(HTTPD, "stop", env).returncode == 0


def test_stale_pid_of_unrelated_process_is_never_signalled(lab):
    env = pcmk(lab)
    bystander = subprocess.Popen(["sleep", "300"])
    try:
        pid_file(lab).parent.mkdir(parents=True)
        pid_file(lab).write_text(f"{bystander.pid}\n")
        assert run(HTTPD, "status", env).returncode == 1       # item 20: stale
        assert run(HTTPD, "stop", env).returncode == 0
        assert bystander.poll() is None
        pid_file(lab).write_text(f"{bystander.pid}\n")
        assert run(HTTPD, "start", env).returncode == 0
        assert int(pid_file(lab).read_text()) != bystander.pid
        assert run(HTTPD, "stop", env).returncode == 0
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


def test_sigterm_ignoring_daemon_is_killed_within_the_timeout(lab):
    # a stopped (SIGSTOP) master never handles SIGTERM: only SIGKILL ends it
    env = pcmk(lab, shutdown_wait="3")
    env["OCF_RESKEY_CRM_meta_timeout"] = "10000"
    assert run(HTTPD, "start", env).returncode == 0
    pid = int(pid_file(lab).read_text())
    os.kill(pid, signal.SIGSTOP)
    began = time.monotonic()
    stopped = run(HTTPD, "stop", env)
    took = time.monotonic() - began
    assert stopped.returncode == 0, stopped.stderr             # item 21
    assert took < 10
    assert not masters(lab)
    assert ("127.0.1.1", lab.port) not in listening()


def test_rgmanager_timeout_bounds_the_stop_without_shutdown_wait(lab):
    # shutdown_wait unset means 20 s; RGMANAGER_meta_timeout (s) must still bound stop
    env = rgm(lab, ["127.0.1.5"])
    env["OCF_RESKEY_RGMANAGER_meta_timeout"] = "6"
    assert run(HTTPD, "start", env).returncode == 0
    os.kill(int(pid_file(lab).read_text()), signal.SIGSTOP)
    began = time.monotonic()
    assert run(HTTPD, "stop", env).returncode == 0
    assert time.monotonic() - began < 6
    assert not masters(lab)


def test_validate_all_codes_and_writes_nothing(lab, tmp_path):
    env = pcmk(lab)
    before = sorted(p for p in tmp_path.rglob("*"))
    assert run(HTTPD, "validate-all", {**env, "OCF_RESKEY_httpd": "/nonexistent/httpd"}).returncode == 5
    assert run(HTTPD, "validate-all", {**env, "OCF_RESKEY_config_file": "missing.conf"}).returncode == 5
    assert run(HTTPD, "validate-all", {**env, "OCF_RESKEY_server_root": "/nonexistent"}).returncode == 5
    (lab.root / "broken.conf").write_text("ThisIsNotADirective on\n")
    broken = run(HTTPD, "validate-all", {**env, "OCF_RESKEY_config_file": "broken.conf"})
    assert broken.returncode == 6                               # item 30
    assert "ocf-exit-reason:" in broken.stderr
    assert run(HTTPD, "validate-all", {**env, "OCF_RESKEY_shutdown_wait": "soon"}).returncode == 6
    assert sorted(p for p in tmp_path.rglob("*")) == sorted(before + [lab.root / "broken.conf"])  # 31


def test_missing_config_stop_is_0_and_probe_is_7(lab):
    env = pcmk(lab, config_file="not-mounted/httpd.conf")
    assert run(HTTPD, "stop", env).returncode == 0              # item 22
    assert run(HTTPD, "monitor", {**env, "OCF_RESKEY_CRM_meta_interval": "0"}).returncode == 7  # 23
    assert run(HTTPD, "start", env).returncode == 5


def test_rgmanager_generated_config_binds_only_the_service_ips(lab):
    (lab.root / "conf.d" / "extra.conf").write_text(f"Listen {lab.port + 1}\n")  # Include'd Listen
    env = rgm(lab, ["127.0.1.2", "127.0.1.3/24"])
    started = run(HTTPD, "start", env)
    assert started.returncode == 0, started.stderr
    generated = lab.tmp / "etc" / "zigha-httpd" / "zigha-httpd:web" / "httpd.conf"
    text = generated.read_text()
    listens = sorted(line for line in text.splitlines() if line.startswith("Listen "))
    assert listens == sorted([f"Listen 127.0.1.2:{lab.port}", f"Listen 127.0.1.3:{lab.port}",
                              f"Listen 127.0.1.2:{lab.port + 1}", f"Listen 127.0.1.3:{lab.port + 1}"])
    assert text.splitlines()[-1].startswith("# rgmanager-sha1 ")
    assert f'PidFile "{pid_file(lab)}"' in text
    sockets = listening()
    assert ("127.0.1.2", lab.port) in sockets and ("127.0.1.3", lab.port + 1) in sockets
    assert ("127.0.1.1", lab.port) not in sockets
    assert not any(port in (lab.port, lab.port + 1) and addr in ("0.0.0.0", "*", "::")
                   for addr, port in sockets)
    assert run(HTTPD, "status", {**env, "OCF_CHECK_LEVEL": "10"}).returncode == 0
    assert run(HTTPD, "stop", env).returncode == 0
    # a hand-edited generated file is kept; an unedited one follows the original
    generated.write_text(text.replace("StartServers 1", "StartServers 2"))
    assert run(HTTPD, "start", env).returncode == 0
    assert "StartServers 2" in generated.read_text()
    assert run(HTTPD, "stop", env).returncode == 0
    generated.unlink()
    assert run(HTTPD, "start", env).returncode == 0
    assert run(HTTPD, "stop", env).returncode == 0
    lab.config.write_text(lab.config.read_text().replace("StartServers 1", "StartServers 3"))
    assert run(HTTPD, "start", env).returncode == 0
    assert "StartServers 3" in generated.read_text()


def test_rgmanager_ipv6_listen_is_bracketed(lab):
    env = rgm(lab, ["::1"])
    started = run(HTTPD, "start", env)
    assert started.returncode == 0, started.stderr
    generated = lab.tmp / "etc" / "zigha-httpd" / "zigha-httpd:web" / "httpd.conf"
    assert f"Listen [::1]:{lab.port}" in generated.read_text()
    assert ("::1", lab.port) in listening()
    assert run(HTTPD, "status", {**env, "OCF_CHECK_LEVEL": "10"}).returncode == 0


def test_rgmanager_service_without_ip_fails_to_start(lab):
    env = rgm(lab, [])
    failed = run(HTTPD, "start", {**env, "OCF_RESKEY_service_name": "noip"})
    assert failed.returncode == 1                               # item 25
    assert "No IP Addresses Found" in failed.stderr


def test_version_and_instance_checks(lab):
    env = rgm(lab, ["127.0.1.2"])
    assert run(HTTPD, "status", {**env, "OCF_RA_VERSION_MAJOR": "2"}).returncode == 3
    no_instance = dict(env)
    del no_instance["OCF_RESOURCE_INSTANCE"]
    assert run(HTTPD, "status", no_instance).returncode == 2
    assert run(HTTPD, "reload", env).returncode == 3
    assert run(HTTPD, "made-up", env).returncode == 3


def test_shared_docroot_unchanged_across_start_stop_crash_and_move(lab, tmp_path):
    env_a = pcmk(lab)
    env_b = pcmk(lab, name="other")   # "node B": another instance, same data
    docroot = lab.root / "htdocs"
    before = tree_checksum(docroot)
    assert run(HTTPD, "start", env_a).returncode == 0
    assert run(HTTPD, "stop", env_a).returncode == 0
    assert run(HTTPD, "start", env_a).returncode == 0
    crashed = int(pid_file(lab).read_text())
    os.kill(crashed, signal.SIGKILL)
    wait_dead(crashed)
    restarted = run(HTTPD, "start", env_a)
    assert restarted.returncode == 0, restarted.stderr
    assert run(HTTPD, "stop", env_a).returncode == 0
    assert run(HTTPD, "start", env_b).returncode == 0
    assert run(HTTPD, "stop", env_b).returncode == 0
    assert tree_checksum(docroot) == before                     # items 32, 33


def test_start_that_never_answers_fails_and_leaves_nothing_running(lab):
    # declared https, but no TLS module: httpd runs, yet never answers as declared
    (lab.root / "conf.d" / "tls.conf").write_text(f"Listen 127.0.1.1:{lab.port + 1} https\n")
    env = pcmk(lab)
    env["OCF_RESKEY_CRM_meta_timeout"] = "5000"
    failed = run(HTTPD, "start", env)
    assert failed.returncode == 1
    assert "not running and answering" in failed.stderr
    assert not masters(lab)
    assert run(HTTPD, "status", env).returncode == 7


def test_inactive_listen_lines_are_not_checked(lab):
    # Debian's ports.conf style: Listen 443 inside an <IfModule> that is not loaded
    (lab.root / "conf.d" / "ports.conf").write_text(
        f"<IfModule ssl_module>\n  Listen 127.0.1.1:{lab.port + 1}\n</IfModule>\n")
    env = pcmk(lab)
    assert run(HTTPD, "start", env).returncode == 0
    assert run(HTTPD, "status", {**env, "OCF_CHECK_LEVEL": "10"}).returncode == 0
    recorded = (lab.tmp / "run" / "zigha-httpd" / "zigha-httpd:web.state").read_text()
    assert f"listen=127.0.1.1 {lab.port}\n" in recorded and str(lab.port + 1) not in recorded
