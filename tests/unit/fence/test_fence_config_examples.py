"""Examples validate; the watchdog config is checked; state is saved atomically."""

from __future__ import annotations

import json
import os

import pytest
from lxml import etree

from zigha.errors import ConfigError
from zigha.fence.config import STATE_FILE, load_config, load_state, parse_config, save_state
from zigha.fence.model import Outage, Policy, WatchdogState


def test_fence_scsi_cluster_conf_validates_against_the_real_schema(reference, examples):
    schema = etree.RelaxNG(etree.parse(str(reference / "cluster.rng")))
    doc = etree.parse(str(examples / "fence" / "cluster.conf"))
    assert schema.validate(doc), schema.error_log
    assert doc.xpath("//fencedevice/@agent") == ["fence_scsi"]
    assert len(doc.xpath("//clusternode/unfence/device[@action='on']")) == 3


def test_example_watchdog_config_loads(examples):
    cfg = load_config(str(examples / "fence" / "watchdog.conf"))
    assert [n.name for n in cfg.nodes] == ["h1.zigsow.net", "h2.zigsow.net", "h3.zigsow.net"]
    assert cfg.policy is Policy.SAFE and cfg.storage.format == "tgtadm"
    assert cfg.storage.command[:2] == ("/usr/bin/ssh", "-o")
    assert cfg.nodes[0].tcp_ports == (22, 80)
    assert cfg.state_dir == "/var/lib/zigha/fence" and not cfg.state_dir.startswith("/tmp")
    assert cfg.hook == ("/usr/local/sbin/zigha-fence-notify",)


@pytest.mark.parametrize("text, message", [
    ("[node a]\naddress=1.2.3.4\n", "no [watchdog] section"),
    ("[watchdog]\n", "no [node NAME] section"),
    ("[watchdog]\ngrace = soon\n[node a]\naddress=x\n", "not a number"),
    ("[watchdog]\npolicy = yolo\n[node a]\naddress=x\n", "safe or network-only"),
    ("[watchdog]\n[node a]\n", "address is required"),
    ("[watchdog]\ntcp_ports = 99999\n[node a]\naddress=x\n", "out of range"),
    ("[watchdog]\nmin_failures = 0\n[node a]\naddress=x\n", "at least 1"),
    ("[watchdog\n", "watchdog.conf"),
])
def test_bad_config_is_a_config_error(text, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        parse_config(text, "watchdog.conf")


def test_state_round_trip_and_atomic_replace(tmp_path):
    state = WatchdogState((Outage("h1.zigsow.net", 1.0, 5.0, 1.0, 3, acked_at=5.0),))
    save_state(str(tmp_path), state)
    assert load_state(str(tmp_path)) == state
    assert oct(os.stat(tmp_path).st_mode & 0o777) in ("0o700", "0o755")
    assert [p.name for p in tmp_path.iterdir()] == [STATE_FILE]  # no temp file left
    assert json.loads((tmp_path / STATE_FILE).read_text())["version"] == 1


def test_missing_state_is_empty_and_broken_state_is_an_error(tmp_path):
    assert load_state(str(tmp_path / "none")) == WatchdogState()
    (tmp_path / STATE_FILE).write_text("{half")
    with pytest.raises(ConfigError, match="unreadable watchdog state"):
        load_state(str(tmp_path))
