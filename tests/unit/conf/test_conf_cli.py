"""``zigha conf …`` through the real entry point: output formats and exit codes."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from conf_corpus_paths import ALL_FILES, CORPUS, EXAMPLE, SCHEMA, SCHEMA_VALID

from zigha.cli.main import main
from zigha.conf import ClusterConf


@pytest.fixture
def conf_file(tmp_path):
    path = tmp_path / "cluster.conf"
    shutil.copy(EXAMPLE, path)
    return path


def run(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_show_text_and_json(capsys):
    rc, out, _ = run(capsys, "conf", "show", EXAMPLE)
    assert rc == 0
    assert "zigsow-cluster" in out and "prefer_h2" in out and "service:mail" in out
    assert "ip 192.168.10.248 (ref)" in out
    rc, out, _ = run(capsys, "conf", "show", EXAMPLE, "--json")
    data = json.loads(out)
    assert rc == 0 and [n["name"] for n in data["nodes"]] == ["h1.zigsow.net", "h2.zigsow.net", "h3.zigsow.net"]
    assert data["failover_domains"][0]["members"][0] == ["h1.zigsow.net", 1]


#: schema-valid corpus files with errors the schema misses (two_node with expected_votes != 1)
SEMANTIC_ERRORS = {"ccs-unit-misc.conf", "clufter-filled.conf"}

LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<sev>error|warning): .+$")


def test_validate_clean_file_exits_0_with_warnings(capsys):
    rc, out, _ = run(capsys, "conf", "validate", EXAMPLE, "--schema", SCHEMA)
    assert rc == 0
    lines = out.splitlines()
    assert len(lines) == 3 and all(LINE.match(line).group("sev") == "warning" for line in lines)
    assert LINE.match(lines[0]).group("file") == str(EXAMPLE)


def test_validate_errors_exit_1(capsys):
    path = CORPUS / "rgmanager-test016.conf"
    rc, out, _ = run(capsys, "conf", "validate", path, "--schema", SCHEMA)
    assert rc == 1
    matches = [LINE.match(line) for line in out.splitlines()]
    assert all(matches)
    assert any(m.group("line") == "38" and "more than once" in m.group(0) for m in matches)


def test_validate_unreadable_exits_2(capsys, tmp_path):
    broken = tmp_path / "broken.conf"
    broken.write_text("<cluster>\n<rm>\n</cluster>\n")
    rc, out, _ = run(capsys, "conf", "validate", broken)
    assert rc == 2 and out.startswith(f"{broken}:3: error: malformed XML")
    rc, out, _ = run(capsys, "conf", "validate", tmp_path / "missing.conf")
    assert rc == 2 and "error: cannot read" in out


def test_validate_json(capsys):
    rc, out, _ = run(capsys, "conf", "validate", EXAMPLE, "--schema", SCHEMA, "--json")
    data = json.loads(out)
    assert rc == 0 and data["valid"] is True and data["schema"] == str(SCHEMA)
    assert {f["code"] for f in data["findings"]} == {"node-not-fenceable"}


def test_diff(capsys, conf_file):
    rc, out, _ = run(capsys, "conf", "diff", EXAMPLE, conf_file)
    assert (rc, out) == (0, "")
    conf = ClusterConf.load(conf_file)
    conf.add_node("h4.zigsow.net")
    conf.save(schema=SCHEMA)
    rc, out, _ = run(capsys, "conf", "diff", EXAMPLE, conf_file)
    assert rc == 1
    assert "added node h4.zigsow.net" in out and "config_version: 1 -> 2" in out
    rc, out, _ = run(capsys, "conf", "diff", EXAMPLE, conf_file, "--json")
    assert {"action": "added", "kind": "node", "name": "h4.zigsow.net", "fields": {}} in json.loads(out)


def test_edit_commands_save_and_bump(capsys, conf_file):
    steps = [
        ("add-node", "h4.zigsow.net", "--nodeid", "4"),
        ("add-domain", "web", "--ordered", "--restricted"),
        ("add-domain-node", "web", "h4.zigsow.net", "1"),
        ("add-resource", "ip", "address=192.168.10.250", "monitor_link=1"),
        ("add-service", "web", "domain=web", "recovery=relocate"),
        ("add-subservice", "web", "ip", "ref=192.168.10.250"),
        ("set-service", "web", "recovery=restart"),
        ("set-cman", "expected_votes=4"),
        ("set-rm", "log_level=6"),
        ("add-fence-device", "ipmi4", "fence_ipmilan", "ipaddr=10.0.0.4", "login=root", "passwd=x"),
        ("add-fence-method", "h4.zigsow.net", "ipmi"),
        ("add-fence-instance", "ipmi4", "h4.zigsow.net", "ipmi"),
    ]
    for step in steps:
        rc, out, err = run(capsys, "conf", step[0], conf_file, *step[1:], "--schema", SCHEMA)
        assert rc == 0, (step, err)
    conf = ClusterConf.load(conf_file)
    assert conf.config_version == 1 + len(steps)
    assert conf.service("web").recovery == "restart" and conf.service_ips("web") == ["192.168.10.250"]
    assert conf.cman.expected_votes == 4 and conf.rm.log_level == 6
    assert conf.node("h4.zigsow.net").fence_methods[0].devices[0].device == "ipmi4"
    for step in [("remove-fence-instance", "ipmi4", "h4.zigsow.net", "ipmi"),
                 ("remove-fence-method", "h4.zigsow.net", "ipmi"), ("remove-fence-device", "ipmi4"),
                 ("remove-subservice", "web", "ip"), ("remove-service", "web"),
                 ("remove-resource", "ip", "192.168.10.250"), ("remove-domain-node", "web", "h4.zigsow.net"),
                 ("remove-domain", "web"), ("remove-node", "h4.zigsow.net")]:
        rc, out, err = run(capsys, "conf", step[0], conf_file, *step[1:], "--schema", SCHEMA)
        assert rc == 0, (step, err)
    conf = ClusterConf.load(conf_file)
    assert [n.name for n in conf.nodes] == [n.name for n in ClusterConf.load(EXAMPLE).nodes]


def test_refused_edit_exits_2_and_leaves_the_file(capsys, conf_file):
    before = conf_file.read_bytes()
    rc, out, err = run(capsys, "conf", "add-domain-node", conf_file, "prefer_h1", "ghost", "--schema", SCHEMA)
    assert rc == 2 and "'ghost' is not a cluster node" in err and err.startswith("zigha: error:")
    rc, out, err = run(capsys, "conf", "add-resource", conf_file, "ip", "address", "--schema", SCHEMA)
    assert rc == 2 and "attribute=value" in err
    assert conf_file.read_bytes() == before


def test_force_saves_a_file_with_errors(capsys, tmp_path):
    path = tmp_path / "cluster.conf"
    shutil.copy(CORPUS / "clufter-filled.conf", path)  # two_node with expected_votes=3
    rc, out, err = run(capsys, "conf", "add-node", path, "x", "--schema", SCHEMA)
    assert rc != 0
    rc, out, err = run(capsys, "conf", "set-cman", path, "two_node=", "expected_votes=", "--schema", SCHEMA)
    assert rc == 0, err
    assert ClusterConf.load(path).cman.attrs == {}
    shutil.copy(CORPUS / "clufter-filled.conf", path)
    rc, out, err = run(capsys, "conf", "set-rm", path, "log_level=5", "--schema", SCHEMA)
    assert rc == 1 and "two_node requires expected_votes" in err
    rc, out, err = run(capsys, "conf", "set-rm", path, "log_level=5", "--schema", SCHEMA, "--force")
    assert rc == 0 and ClusterConf.load(path).rm.log_level == 5


def test_push_is_wired(capsys, conf_file, monkeypatch):
    from zigha import runner
    from zigha.testing import FakeRunner

    fake = FakeRunner()
    fake.expect(["ccs_config_validate", "-q", "-f", str(conf_file)])
    fake.expect(["cman_tool", "version", "-r"])
    fake.expect(["cman_tool", "version"], stdout="6.2.0 config 1\n")
    monkeypatch.setattr(runner, "_default", fake)
    rc, out, _ = run(capsys, "conf", "push", conf_file, "--json")
    assert rc == 0 and json.loads(out)["version"] == 1
    fake.assert_done()
    fake.expect(["ccs_config_validate", "-q", "-f", str(conf_file)])
    fake.expect(["cman_tool", "version", "-r"], rc=1,
                stderr="cman_tool: Not reloading, config version older or equal the running config\n")
    rc, out, err = run(capsys, "conf", "push", conf_file)
    assert rc == 3 and "older or equal" in err
    fake.assert_done()


@pytest.mark.parametrize("path", ALL_FILES, ids=[p.name for p in ALL_FILES])
def test_show_and_validate_every_corpus_file(capsys, path):
    rc, out, _ = run(capsys, "conf", "show", path)
    assert rc == 0 and out.startswith("Cluster ")
    rc, out, _ = run(capsys, "conf", "validate", path, "--schema", SCHEMA)
    assert rc == (0 if path.name in SCHEMA_VALID and path.name not in SEMANTIC_ERRORS else 1)
    assert all(LINE.match(line) for line in out.splitlines())
