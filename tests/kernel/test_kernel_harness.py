"""The tier's own plumbing: a guest that cannot boot or a step that breaks must fail
loudly, with what the guest printed, never skip.  No kernel is booted here: a stand-in
for run-in-kernel.sh plays the failures."""

import json
import textwrap

import pytest
from kernel_boot import boot, run_in_kernel_script

pytestmark = pytest.mark.kernel


def stand_in(tmp_path, body: str):
    script = tmp_path / "run-in-kernel.sh"
    script.write_text("#!/bin/bash\n" + textwrap.dedent(body))
    return script


def test_a_guest_that_never_reports_fails_with_the_console_tail(tmp_path):
    script = stand_in(tmp_path, """
        echo "run-in-kernel: guest did not report an exit status (vm exit 1); console tail:" >&2
        echo "[    2.100000] Kernel panic - not syncing: VFS: Unable to mount root fs" >&2
        exit 125
    """)
    result = boot(tmp_path, tmp_path / "work", {"scenario": "lvs"}, script=script)
    with pytest.raises(pytest.fail.Exception) as failed:
        result.step("apply")
    message = str(failed.value)
    assert "exited 125" in message
    assert "Kernel panic - not syncing" in message


def test_a_missing_vm_runner_is_a_failure_naming_the_path(tmp_path):
    with pytest.raises(pytest.fail.Exception) as failed:
        run_in_kernel_script(tmp_path / "nowhere")
    assert "run-in-kernel.sh" in str(failed.value)
    assert "ZIGHA_SHARED" in str(failed.value)


def test_a_failed_step_fails_its_test_with_the_commands_it_ran(tmp_path):
    work = tmp_path / "work"
    results = {
        "finished": True,
        "steps": {"apply": {"ok": False, "error": "ipvsadm -R exited 2", "commands": [
            {"argv": ["zigha", "lvs", "apply", "x.lvs"], "rc": 3, "stdout": "",
             "stderr": "zigha: error: Memory allocation problem"}]}},
    }
    script = stand_in(tmp_path, f"""
        cat > {work}/results.json <<'EOF'
        {json.dumps(results)}
        EOF
        echo "run-in-kernel: backend=qemu accel=tcg kernel=6.1.0 boot_to_cmd=3.9s total=12.5s" >&2
    """)
    result = boot(tmp_path, work, {"scenario": "lvs"}, script=script)
    assert (result.boot_seconds, result.total_seconds) == (3.9, 12.5)
    with pytest.raises(pytest.fail.Exception) as failed:
        result.step("apply")
    assert "ipvsadm -R exited 2" in str(failed.value)
    assert "zigha lvs apply x.lvs" in str(failed.value)
    assert "Memory allocation problem" in str(failed.value)
    with pytest.raises(pytest.fail.Exception, match="was not run"):
        result.step("round_robin")


def test_the_plan_reaches_the_guest_and_the_guest_command_is_the_scenario_driver(tmp_path):
    work = tmp_path / "work"
    script = stand_in(tmp_path, """
        while [ $# -gt 1 ]; do shift; done
        echo "$1" > "$(dirname "$0")/command"
    """)
    boot(tmp_path, work, {"scenario": "no-ipvs", "vip": "10.10.10.249"}, script=script)
    command = (tmp_path / "command").read_text().split()
    assert command[1].endswith("tests/kernel/guest/scenario.py")
    assert json.loads((work / "plan.json").read_text())["vip"] == "10.10.10.249"
