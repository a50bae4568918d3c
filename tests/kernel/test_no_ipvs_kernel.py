"""A kernel whose ip_vs module cannot be loaded: zigha says so with its typed error.

A second guest boot (``no_ipvs_boot``) blocks the module the way an administrator
would (``install ip_vs /bin/false`` under /etc/modprobe.d) and records what the real
ipvsadm prints next to what zigha's CLI and library report.
"""

import json

import pytest

pytestmark = pytest.mark.kernel

NOT_AVAILABLE = "Can't initialize ipvs: Protocol not available"


def test_the_block_works_and_ipvsadm_itself_fails(no_ipvs_boot):
    rec = no_ipvs_boot.step("block")
    assert rec["modprobe_rc"] != 0
    assert not rec["ip_vs_loaded"]
    assert rec["ipvsadm"]["rc"] == 2  # lvs.md §6: initialisation failure
    assert NOT_AVAILABLE in rec["ipvsadm"]["stderr"]


@pytest.mark.parametrize("command", ["show", "apply"])
def test_the_cli_exits_3_with_one_error_line(no_ipvs_boot, command):
    rec = no_ipvs_boot.step("cli")[command]
    assert rec["rc"] == 3, rec
    lines = rec["stderr"].strip().splitlines()
    assert lines[-1].startswith("zigha: error: ipvsadm: " + NOT_AVAILABLE), lines
    assert "Traceback" not in rec["stderr"]


def test_the_json_cli_exits_3_too(no_ipvs_boot):
    rec = no_ipvs_boot.step("cli")["show_json"]
    assert rec["rc"] == 3
    assert NOT_AVAILABLE in rec["stderr"] + rec["stdout"]


@pytest.mark.parametrize("call", ["save", "list", "apply"])
def test_the_library_raises_ipvs_not_available(no_ipvs_boot, call):
    report = {r["name"]: r for r in no_ipvs_boot.step("library")["probe"]}[call]
    assert not report["ok"]
    error = report["error"]
    assert error["type"] == "zigha.lvs.ipvsadm.IpvsNotAvailableError", json.dumps(error)
    assert "zigha.errors.CommandError" in error["mro"]
    assert error["message"] == "ipvsadm: " + NOT_AVAILABLE
    assert error["data"]["hint"] == "load it with: modprobe ip_vs"
