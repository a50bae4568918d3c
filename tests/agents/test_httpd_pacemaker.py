"""ocf:zigha:httpd in a real 3-node corosync + Pacemaker cluster (../shared/pcmk).

Pacemaker reads the metadata (rgmanager flavour: ``primary``, ``inherit``,
``<special>``, inline DTD), starts httpd, runs the depth-10 monitor every few seconds and
moves the resource when its node is hard-killed.  The cluster lives in namespaces the
test creates (own prefix, state dir and network); the agent is installed into a private
prefix bind-mounted over /usr/lib/ocf/resource.d inside each node only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from ocfhelp import write_httpd_conf

pytestmark = [pytest.mark.pcmk, pytest.mark.root, pytest.mark.daemons]

NET = "10.78.13"


@pytest.fixture
def lab(shared):
    from zigha.ocf import install

    script = shared / "pcmk" / "cluster.sh"
    work = Path(tempfile.mkdtemp(prefix="zigha-pcmk-"))
    os.chmod(work, 0o755)
    env = {**os.environ, "PCMK_LAB_STATE": str(work / "state"), "PCMK_LAB_PREFIX": "zhttpd",
           "PCMK_LAB_NET": NET}

    def sh(*args, timeout=240, check=True):
        result = subprocess.run([str(script), *args], env=env, capture_output=True, text=True,
                                timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"cluster.sh {' '.join(args)}: {result.stdout}{result.stderr}")
        return result

    install.install(prefix=str(work / "pkg"), update_schema=False, agents=["httpd"])
    root = work / "www"
    write_httpd_conf(root, ["8080"])
    try:
        sh("up", "3")
        for node in ("n1", "n2", "n3"):
            sh("exec", node, "mount", "--bind", str(work / "pkg/usr/lib/ocf/resource.d"),
               "/usr/lib/ocf/resource.d")
        yield sh, root
    finally:
        sh("down", check=False)
        shutil.rmtree(work, ignore_errors=True)


def where(sh, node):
    out = sh("exec", node, "crm_resource", "--locate", "-r", "web", check=False).stdout
    for word in out.split():
        if word.startswith("n") and word[1:].isdigit():
            return word
    return None


def curl(sh, node_number):
    return sh("client", "curl", "-s", "-m", "1", f"http://{NET}.{node_number}:8080/index.html", check=False)


def test_pacemaker_runs_monitors_and_fails_over(lab):
    sh, root = lab
    sh("exec", "n1", "crm_attribute", "-t", "rsc_defaults", "-n", "resource-stickiness", "-v", "100")
    sh("exec", "n1", "cibadmin", "-C", "-o", "resources", "-X", f"""
<primitive id="web" class="ocf" provider="zigha" type="httpd">
  <instance_attributes id="web-ia">
    <nvpair id="web-name" name="name" value="web"/>
    <nvpair id="web-root" name="server_root" value="{root}"/>
    <nvpair id="web-cf" name="config_file" value="httpd.conf"/>
  </instance_attributes>
  <operations>
    <op id="web-start" name="start" interval="0s" timeout="40s"/>
    <op id="web-stop" name="stop" interval="0s" timeout="40s"/>
    <op id="web-mon" name="monitor" interval="3s" timeout="20s">
      <instance_attributes id="web-mon-ia"><nvpair id="web-mon-depth" name="OCF_CHECK_LEVEL" value="10"/></instance_attributes>
    </op>
  </operations>
</primitive>""")
    sh("exec", "n1", "crm_resource", "--wait", "--timeout=120s")
    node = where(sh, "n1")
    assert node, sh("status").stdout
    assert curl(sh, node[1:]).stdout == "zigha test page\n"
    time.sleep(8)   # a few depth-10 monitors
    status = sh("exec", node, "crm_mon", "-1", "-X").stdout
    assert "<failure " not in status, status
    pid_file = "/var/run/cluster/zigha-httpd/zigha-httpd:web.pid"
    assert sh("exec", node, "cat", pid_file).stdout.strip().isdigit()

    sh("kill", node)
    other = "n1" if node != "n1" else "n2"
    deadline = time.monotonic() + 120
    moved = None
    while time.monotonic() < deadline:
        moved = where(sh, other)
        if moved and moved != node and curl(sh, moved[1:]).stdout == "zigha test page\n":
            break
        time.sleep(0.5)
    else:
        raise AssertionError(f"no failover: {sh('status').stdout}")
    status = sh("exec", other, "crm_mon", "-1", "-X").stdout
    assert "<failure " not in status, status
