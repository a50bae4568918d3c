"""Propagation through the fake runner, with the messages and exit codes of
../shared/reference/rhcs-cli.md §4.3 (cman_tool version -r) and §5 (ccs_config_validate)."""

from __future__ import annotations

import shutil

import pytest

from zigha.conf import ClusterConf, propagate
from zigha.conf.propagate import (
    CmanNotRunning,
    ConfigInvalid,
    ConfigVersionNotNewer,
    CopyFailed,
    PropagationError,
    RicciAuthRequired,
    SyncFailed,
)
from zigha.errors import CommandTimeout, ParseError


@pytest.fixture
def conf_path(tmp_path, examples):
    path = tmp_path / "cluster.conf"
    shutil.copy(examples / "zigsow" / "cluster.conf", path)
    return str(path)


def check_calls(fake):
    """Every command ran with stdin closed and a timeout."""
    assert fake.calls, "nothing ran"
    for call in fake.calls:
        assert call.stdin is None, call
        assert call.timeout is not None and call.timeout > 0, call


def test_push_through_ricci(fake_runner, conf_path):
    fake_runner.expect(["ccs_config_validate", "-q", "-f", conf_path])
    fake_runner.expect(["cman_tool", "version", "-r"])
    fake_runner.expect(["cman_tool", "version"], stdout="6.2.0 config 1\n")
    result = propagate.push(conf_path, runner=fake_runner)
    assert (result.method, result.version, result.copied_to) == ("ricci", 1, ())
    check_calls(fake_runner)


def test_push_a_saved_conf_object(fake_runner, conf_path, reference):
    conf = ClusterConf.load(conf_path)
    conf.add_node("h4.zigsow.net")
    conf.save(schema=reference / "cluster.rng")
    fake_runner.expect(["ccs_config_validate", "-q", "-f", conf_path])
    fake_runner.expect(["cman_tool", "version", "-r"])
    fake_runner.expect(["cman_tool", "version"], stdout="6.2.0 config 2\n")
    assert propagate.push(conf, runner=fake_runner).version == 2


def test_copy_then_reload_without_ccs_sync(fake_runner, conf_path):
    fake_runner.expect(["ccs_config_validate", "-q", "-f", conf_path])
    for node in ("h2.zigsow.net", "h3.zigsow.net"):
        fake_runner.expect(["scp", "-q", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", conf_path,
                            f"{node}:/etc/cluster/.cluster.conf.zigha-new"])
        fake_runner.expect(["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", node, "mv", "-f",
                            "/etc/cluster/.cluster.conf.zigha-new", "/etc/cluster/cluster.conf"])
    fake_runner.expect(["cman_tool", "version", "-r", "-S"])
    fake_runner.expect(["cman_tool", "version"], stdout="6.2.0 config 1\n")
    result = propagate.push(conf_path, method="copy", local_node="h1.zigsow.net", runner=fake_runner)
    assert result.copied_to == ("h2.zigsow.net", "h3.zigsow.net")
    check_calls(fake_runner)


def test_copy_failure_reloads_nothing(fake_runner, conf_path):
    fake_runner.expect(["ccs_config_validate", "-q", "-f", conf_path])
    fake_runner.expect(["scp", "-q", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", conf_path,
                        "h2.zigsow.net:/etc/cluster/.cluster.conf.zigha-new"],
                       rc=1, stderr="ssh: connect to host h2.zigsow.net port 22: Connection refused\n")
    with pytest.raises(CopyFailed) as info:
        propagate.push(conf_path, method="copy", nodes=["h2.zigsow.net"], runner=fake_runner)
    assert "h2.zigsow.net" in str(info.value) and "Connection refused" in str(info.value)
    check_calls(fake_runner)


@pytest.mark.parametrize("rc, stdout, error", [
    (3, "tempfile:14: element clusternode: Relax-NG validity error : Invalid attribute nodeid for element clusternode\n"
        "Configuration fails to validate\n", ConfigInvalid),
    (1, "tempfile:3: parser error : Opening and ending tag mismatch: clusternodes line 2 and cluster\n"
        "Configuration fails to validate\n", ConfigInvalid),
    (255, "\nUnable to get the configuration\n", PropagationError),
])
def test_validation_failures(fake_runner, conf_path, rc, stdout, error):
    fake_runner.expect(["ccs_config_validate", "-q", "-f", conf_path], rc=rc, stdout=stdout)
    with pytest.raises(error) as info:
        propagate.push(conf_path, runner=fake_runner)
    assert info.value.rc == rc
    first = next(line for line in stdout.splitlines() if line.strip())
    assert first in str(info.value)
    check_calls(fake_runner)


@pytest.mark.parametrize("stderr, error", [
    ("cman_tool: Not reloading, config version older or equal the running config\n", ConfigVersionNotNewer),
    ("cman_tool: Unable to retrive the new config version\n", PropagationError),
    ("cman_tool: Not reloading, generic error running ccs_config_validate\n"
     "Try re-running with -d options\n", PropagationError),
    ("cman_tool: Not reloading, configuration is not valid\n", ConfigInvalid),
    ("You have not authenticated to the ricci daemon on h2.zigsow.net\nPassword: "
     "cman_tool: ccs_sync failed.\n", RicciAuthRequired),
    ("cman_tool: ccs_sync failed.\nIf you have distributed the config file yourself, try re-running with -S\n",
     SyncFailed),
    ("cman_tool: Error loading configuration in corosync/cman\n", PropagationError),
    ("cman_tool: Cannot open connection to cman, is it running ?\n", CmanNotRunning),
])
def test_reload_failures_map_to_errors(fake_runner, conf_path, stderr, error):
    fake_runner.expect(["ccs_config_validate", "-q", "-f", conf_path])
    fake_runner.expect(["cman_tool", "version", "-r"], rc=1, stderr=stderr)
    with pytest.raises(error) as info:
        propagate.push(conf_path, runner=fake_runner)
    assert type(info.value) is error
    assert info.value.rc == 1 and info.value.stderr == stderr
    assert info.value.message.strip() in stderr
    check_calls(fake_runner)


def test_password_prompt_timeout_is_reported_as_unknown_outcome(fake_runner, conf_path):
    fake_runner.expect(["ccs_config_validate", "-q", "-f", conf_path])
    fake_runner.timeout(["cman_tool", "version", "-r"], seconds=5)
    with pytest.raises(CommandTimeout) as info:
        propagate.push(conf_path, runner=fake_runner, timeout=5)
    assert "ricci password" in str(info.value) and "unknown" in str(info.value)
    assert fake_runner.calls[-1].timeout == 5
    check_calls(fake_runner)


def test_version_mismatch_after_reload(fake_runner, conf_path):
    fake_runner.expect(["ccs_config_validate", "-q", "-f", conf_path])
    fake_runner.expect(["cman_tool", "version", "-r"])
    fake_runner.expect(["cman_tool", "version"], stdout="6.2.0 config 14\n")
    with pytest.raises(PropagationError, match="runs config version 14"):
        propagate.push(conf_path, runner=fake_runner)


def test_running_version_parsing(fake_runner):
    fake_runner.expect(["cman_tool", "version"], stdout="6.2.0 config 14\n")
    assert propagate.running_version(fake_runner) == 14
    assert propagate.parse_version("  6.2.0 config 3  \n") == ("6.2.0", 3)
    with pytest.raises(ParseError):
        propagate.parse_version("garbage\n")


def test_missing_tool_is_not_swallowed(fake_runner, conf_path):
    from zigha.errors import ToolNotFound

    fake_runner.missing(["ccs_config_validate", "-q", "-f", conf_path])
    with pytest.raises(ToolNotFound):
        propagate.push(conf_path, runner=fake_runner)


def test_in_memory_conf_must_be_saved_first(fake_runner, examples, conf_path):
    conf = ClusterConf.from_string((examples / "zigsow" / "cluster.conf").read_text())
    with pytest.raises(PropagationError, match="save"):
        propagate.push(conf, runner=fake_runner)
    loaded = ClusterConf.load(conf_path)
    loaded.add_node("h4.zigsow.net")
    with pytest.raises(PropagationError, match="unsaved changes"):
        propagate.push(loaded, runner=fake_runner)
