"""The admin scripts of examples/ run against temp files and fake runners, output checked."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys

import pytest

from zigha.conf import ClusterConf
from zigha.errors import SaveConflictError
from zigha.status import ClusterStatus, Member, ServiceState, ServiceStatus, render_clustat_xml


def load(examples, name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", examples / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def seed(tmp_path, examples):
    path = tmp_path / "cluster.conf"
    shutil.copy(examples / "zigsow" / "cluster.conf", path)
    return path


@pytest.fixture
def add_node(examples):
    return load(examples, "add_node")


# -- add_node.py ----------------------------------------------------------------------------


def test_add_node_dry_run_shows_the_diff_and_writes_nothing(add_node, seed, capsys):
    before = seed.read_bytes()
    assert add_node.main(["--conf", str(seed), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert seed.read_bytes() == before and not seed.with_name("cluster.conf.bak").exists()
    assert f"would change {seed} (nothing written, --dry-run):\n" in out
    assert "  changed cluster: config_version: 1 -> 2\n  added node h4.zigsow.net\n" in out
    assert out.count("  changed failover domain prefer_h") == 3
    assert "4 nodes, 4 votes: quorum needs 3\n" in out
    assert '-<cluster config_version="1" name="zigsow-cluster">\n' in out
    assert '+<cluster config_version="2" name="zigsow-cluster">\n' in out
    assert '+    <clusternode name="h4.zigsow.net" nodeid="4"/>\n' in out
    assert out.count('+        <failoverdomainnode name="h4.zigsow.net" priority="4"/>') == 3
    assert out.startswith(f"{seed}: warning: node 'h4.zigsow.net' has no fence device: ")
    assert out.splitlines()[0].endswith(" [/cluster/clusternodes/clusternode[@name='h4.zigsow.net']]")


def test_add_node_saves_with_backup_and_is_idempotent(add_node, seed, capsys):
    original = seed.read_text()
    assert add_node.main(["--conf", str(seed)]) == 0
    out = capsys.readouterr().out
    assert f"{seed}: added h4.zigsow.net (config_version 2; previous file kept as {seed}.bak)" in out
    assert "not activated: copy the file to every member" in out
    assert seed.with_name("cluster.conf.bak").read_text() == original
    conf = ClusterConf.load(seed)
    assert conf.config_version == 2
    assert [(n.name, n.nodeid) for n in conf.nodes][-1] == ("h4.zigsow.net", 4)
    assert [d.members[-1] for d in conf.failover_domains] == [("h4.zigsow.net", 4)] * 3
    assert not [f for f in conf.validate() if f.is_error]
    saved = seed.read_text()
    assert add_node.main(["--conf", str(seed)]) == 0
    assert capsys.readouterr().out == (
        f"h4.zigsow.net is already a node of zigsow-cluster in {seed}: nothing to change\n")
    assert seed.read_text() == saved


def test_add_node_chosen_domains_and_nodeid(add_node, seed, capsys):
    assert add_node.main(["h7.zigsow.net", "--conf", str(seed), "--nodeid", "7",
                          "--domain", "prefer_h1:1", "--domain", "prefer_h3"]) == 0
    conf = ClusterConf.load(seed)
    assert conf.nodes[-1].nodeid == 7
    domains = {d.name: d.members for d in conf.failover_domains}
    assert domains["prefer_h1"][-1] == ("h7.zigsow.net", 1)
    assert "h7.zigsow.net" not in dict(domains["prefer_h2"])
    assert domains["prefer_h3"][-1][0] == "h7.zigsow.net"


def test_add_node_push_activates_through_cman_tool(add_node, seed, fake_runner, capsys):
    fake_runner.expect(["ccs_config_validate", "-q", "-f", str(seed)])
    fake_runner.expect(["cman_tool", "version", "-r"])
    fake_runner.expect(["cman_tool", "version"], stdout="6.2.0 config 2\n")
    assert add_node.main(["--conf", str(seed), "--push"], runner=fake_runner) == 0
    out = capsys.readouterr().out
    assert out.endswith("cluster runs config_version 2\n")
    assert "not activated" not in out
    assert all(call.timeout and call.stdin is None for call in fake_runner.calls)


def test_add_node_reload_refused_is_exit_3_after_a_good_save(add_node, seed, fake_runner,
                                                             capsys):
    fake_runner.expect(["ccs_config_validate", "-q", "-f", str(seed)])
    fake_runner.expect(["cman_tool", "version", "-r"], rc=1,
                       stderr="cman_tool: Not reloading, config version older or equal the "
                              "running config\n")
    assert add_node.main(["--conf", str(seed), "--push"], runner=fake_runner) == 3
    err = capsys.readouterr().err
    assert err.startswith("add_node: ") and "config version older or equal" in err
    assert ClusterConf.load(seed).config_version == 2  # the file is saved, not active


def test_add_node_refuses_a_change_made_meanwhile(add_node, seed):
    """Someone saves the file between our read and our write: nothing of ours is written."""
    args = add_node.parser().parse_args(["--conf", str(seed)])
    theirs = seed.read_text().replace('config_version="1"', 'config_version="5"')

    def out(line):
        if "warning:" in line:  # printed after validation, before the save
            seed.write_text(theirs)

    with pytest.raises(SaveConflictError):
        add_node.run(args, out=out)
    assert seed.read_text() == theirs


def test_add_node_refuses_a_third_node_in_a_two_node_cluster(add_node, tmp_path, capsys):
    path = tmp_path / "pair.conf"
    path.write_text('<?xml version="1.0"?>\n<cluster config_version="3" name="pair">\n'
                    '  <clusternodes>\n    <clusternode name="a" nodeid="1"><fence/></clusternode>\n'
                    '    <clusternode name="b" nodeid="2"><fence/></clusternode>\n'
                    '  </clusternodes>\n  <cman two_node="1" expected_votes="1"/>\n  <rm/>\n'
                    '</cluster>\n')
    before = path.read_text()
    assert add_node.main(["c", "--conf", str(path)]) == 2
    err = capsys.readouterr().err
    assert "two_node set but there are 3 nodes" in err and err.count("\n") == 1
    assert path.read_text() == before


def test_add_node_missing_file(add_node, tmp_path, capsys):
    assert add_node.main(["--conf", str(tmp_path / "none.conf")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"add_node: {tmp_path / 'none.conf'}") and err.count("\n") == 1


# -- status_report.py and safe_relocate.py, run as scripts and through main() ---------------


def test_status_report_script_on_a_recorded_cluster(examples, reference):
    script = examples / "status_report.py"
    ok = subprocess.run([sys.executable, str(script), "--from",
                         str(reference / "samples" / "clustat-text-04.txt")],
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0
    assert ok.stdout == ("cluster zigsow-cluster: quorate\n"
                         "  ok  h1.zigsow.net: online\n"
                         "  ok  h2.zigsow.net: online\n"
                         "  ok  h3.zigsow.net: online\n"
                         "  ok  service:http: started (h1.zigsow.net)\n"
                         "  ok  service:mail: started (h3.zigsow.net)\n"
                         "  ok  service:named: started (h2.zigsow.net)\n")
    bad = subprocess.run([sys.executable, str(script), "--from",
                          str(reference / "samples" / "clustat-text-07.txt")],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert "  !!  DB2_Heart: OFFLINE\n" in bad.stdout
    assert "  !!  service:Service: disabled (last on none)\n" in bad.stdout


def test_status_report_inquorate_live(examples, fake_runner, capsys):
    doc = render_clustat_xml(ClusterStatus(
        cluster_name="zigsow-cluster", quorate=False, services_available=False,
        members=[Member("h1.zigsow.net", 1, True, local=True),
                 Member("h2.zigsow.net", 2, False), Member("h3.zigsow.net", 3, False)]))
    fake_runner.expect(["clustat", "-x"], stdout=doc)
    assert load(examples, "status_report").main([], runner=fake_runner) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "cluster zigsow-cluster: NOT QUORATE"
    assert "  !!  h2.zigsow.net: OFFLINE" in out
    assert out[-1] == "  !!  no service states (rgmanager down or inquorate)"


def service_doc(state, owner):
    return render_clustat_xml(ClusterStatus(services=[
        ServiceStatus("service:http", state, owner=owner, last_owner=owner)]))


def test_safe_relocate_main_moves_and_reports(examples, fake_runner, capsys):
    target = "h2.zigsow.net"
    member = render_clustat_xml(ClusterStatus(
        members=[Member(target, 2, True, rgmanager=True)], services_available=False))
    fake_runner.expect(["clustat", "-x", "-s", "service:http"],
                       stdout=service_doc(ServiceState.STARTED, "h1.zigsow.net"))
    fake_runner.expect(["clustat", "-x", "-m", target], stdout=member)
    fake_runner.expect(["clusvcadm", "-r", "service:http", "-m", target], stdout=(
        f"Trying to relocate service:http to {target}...Success\n"
        f"service:http is now running on {target}\n"))
    fake_runner.expect(["clustat", "-x", "-s", "service:http"],
                       stdout=service_doc(ServiceState.STARTED, target))
    assert load(examples, "safe_relocate").main(["http", target], runner=fake_runner) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"service:http: success, running on {target}",
        f"  {0:4.0f} s  started on {target}",
        f"service:http is started on {target}",
    ]


def test_safe_relocate_already_there_and_usage(examples, fake_runner, capsys):
    fake_runner.expect(["clustat", "-x", "-s", "service:http"],
                       stdout=service_doc(ServiceState.STARTED, "h2.zigsow.net"))
    module = load(examples, "safe_relocate")
    assert module.main(["http", "h2.zigsow.net"], runner=fake_runner) == 0
    assert capsys.readouterr().out == ("service:http already runs on h2.zigsow.net\n"
                                       "service:http is started on h2.zigsow.net\n")
    assert module.main(["http"]) == 2
    assert capsys.readouterr().err == "usage: safe_relocate.py SERVICE MEMBER\n"
