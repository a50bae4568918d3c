"""The real peers: ocf-tester (resource-agents) and crm_resource (pacemaker-cli-utils)
drive zigha-httpd installed under /usr/lib/ocf/resource.d/zigha (agents.md §4, §6.6)."""

from __future__ import annotations

import os
import subprocess

import pytest

from ocfhelp import next_port, write_httpd_conf

pytestmark = [pytest.mark.daemons, pytest.mark.root]

OCF_AGENT = "/usr/lib/ocf/resource.d/zigha/httpd"


@pytest.fixture
def installed(tmp_path):
    """ocf:zigha:httpd installed for real (only this one file; no schema change)."""
    from zigha.ocf import install

    had = os.path.exists(OCF_AGENT)
    install.install(rgmanager_dir=str(tmp_path / "cluster"), update_schema=False, agents=["httpd"])
    yield OCF_AGENT
    if not had:
        os.unlink(OCF_AGENT)


@pytest.fixture
def site(tmp_path):
    port = next_port()
    root = tmp_path / "root"
    write_httpd_conf(root, [f"127.0.1.4:{port}"])
    yield root, port
    subprocess.run(["pkill", "-KILL", "-f", str(root)], check=False)


def test_ocf_tester_passes_all_tests(installed, site, tmp_path):
    root, _ = site
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "ZIGHA_OCF_RUN_DIR": str(tmp_path / "run")}
    result = subprocess.run(
        ["ocf-tester", "-n", "zigha-httpd:tester", "-o", "name=tester",
         "-o", f"server_root={root}", "-o", "config_file=httpd.conf", installed],
        env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed all tests" in result.stdout


def crm(*args, timeout=120):
    return subprocess.run(["crm_resource", *args, "--class", "ocf", "--provider", "zigha",
                           "--agent", "httpd"], capture_output=True, text=True, timeout=timeout)


def test_crm_resource_force_actions(installed, site):
    root, port = site
    options = ["--option", f"server_root={root}", "--option", "config_file=httpd.conf"]
    assert crm("--validate", *options).returncode == 0
    assert crm("--force-check", *options).returncode == 7
    started = crm("--force-start", *options)
    assert started.returncode == 0, started.stdout + started.stderr
    assert crm("--force-start", *options).returncode == 0
    assert crm("--force-check", *options).returncode == 0
    assert crm("--force-check=10", *options).returncode == 0
    assert crm("--force-stop", *options).returncode == 0
    assert crm("--force-stop", *options).returncode == 0
    assert crm("--force-check", *options).returncode == 7
    missing = crm("--validate", "--option", f"server_root={root}", "--option", "config_file=nope.conf")
    assert missing.returncode == 5
