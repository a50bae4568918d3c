"""The real peers: ocf-tester (resource-agents) and crm_resource (pacemaker-cli-utils)
drive zigha-httpd installed as /usr/lib/ocf/resource.d/zigha/httpd (agents.md §4, §6.6).

The install goes to a private prefix; crm_resource, which has that directory compiled
in, runs in a private mount namespace (``unshare -m``) where the prefix's resource.d is
bind-mounted over the real one, so the host's agent directories are never touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import pytest
from ocfhelp import next_port, write_httpd_conf

pytestmark = [pytest.mark.daemons, pytest.mark.root]

@pytest.fixture
def installed():
    """ocf:zigha:httpd installed below a world-readable prefix (ocf-tester runs meta-data
    as nobody); yields (agent path, the prefix's resource.d)."""
    from zigha.ocf import install

    prefix = tempfile.mkdtemp(prefix="zigha-httpd-install-")
    os.chmod(prefix, 0o755)
    install.install(prefix=prefix, update_schema=False, agents=["httpd"])
    resource_d = os.path.join(prefix, "usr/lib/ocf/resource.d")
    yield os.path.join(resource_d, "zigha", "httpd"), resource_d
    shutil.rmtree(prefix)


@pytest.fixture
def site(tmp_path):
    port = next_port()
    root = tmp_path / "root"
    write_httpd_conf(root, [f"127.0.1.4:{port}"])
    yield root, port
    subprocess.run(["pkill", "-KILL", "-f", str(root)], check=False)


def test_ocf_tester_passes_all_tests(installed, site, tmp_path):
    root, _ = site
    agent, _ = installed
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "ZIGHA_OCF_RUN_DIR": str(tmp_path / "run")}
    result = subprocess.run(
        ["ocf-tester", "-n", "zigha-httpd:tester", "-o", "name=tester",
         "-o", f"server_root={root}", "-o", "config_file=httpd.conf", agent],
        env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed all tests" in result.stdout


def crm(resource_d, *args, run_dir, timeout=120):
    script = 'mount --bind "$0" /usr/lib/ocf/resource.d && exec crm_resource "$@"'
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "ZIGHA_OCF_RUN_DIR": str(run_dir)}
    return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script,
                           resource_d, *args, "--class", "ocf", "--provider", "zigha",
                           "--agent", "httpd"], capture_output=True, text=True, timeout=timeout,
                          env=env)


def test_crm_resource_force_actions(installed, site, tmp_path):
    root, port = site
    _, resource_d = installed
    options = ["--option", f"server_root={root}", "--option", "config_file=httpd.conf"]
    run_dir = tmp_path / "run"
    assert crm(resource_d, "--validate", *options, run_dir=run_dir).returncode == 0
    assert crm(resource_d, "--force-check", *options, run_dir=run_dir).returncode == 7
    started = crm(resource_d, "--force-start", *options, run_dir=run_dir)
    assert started.returncode == 0, started.stdout + started.stderr
    assert (run_dir / "zigha-httpd" / "zigha-httpd:test.pid").exists()
    assert crm(resource_d, "--force-start", *options, run_dir=run_dir).returncode == 0
    assert crm(resource_d, "--force-check", *options, run_dir=run_dir).returncode == 0
    assert crm(resource_d, "--force-check=10", *options, run_dir=run_dir).returncode == 0
    assert crm(resource_d, "--force-stop", *options, run_dir=run_dir).returncode == 0
    assert crm(resource_d, "--force-stop", *options, run_dir=run_dir).returncode == 0
    assert crm(resource_d, "--force-check", *options, run_dir=run_dir).returncode == 7
    missing = crm(resource_d, "--validate", "--option", f"server_root={root}",
                  "--option", "config_file=nope.conf", run_dir=run_dir)
    assert missing.returncode == 5
