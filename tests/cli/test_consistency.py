"""The same contract on every subcommand: --help with exit codes, --json on read commands,
bad input (missing file, broken XML or text, unknown service or node) as one line
``zigha: error: ...`` and a non-zero exit, the traceback only with --debug."""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from zigha.cli.main import build_parser, main, walk
from zigha.runner import set_default_runner
from zigha.testing import CannedRunner

SEED = "examples/zigsow"
MISSING = "/nonexistent/zigha-test/missing.conf"

# every command path of the tree
COMMANDS = sorted(" ".join(path) for path, _ in walk(build_parser()))

READ = {  # read commands take --json
    "conf show", "conf validate", "conf diff", "status", "lvs show", "fence status",
    "simulate", "agents list", "agents metadata", "demo", "lvs import-piranha",
    "conf push", "service enable", "service disable", "service relocate", "service restart",
    "service stop", "service freeze", "service unfreeze", "service migrate",
    "service convalesce", "agents install", "agents uninstall", "lvs apply",
    "lvs prepare-realserver", "lvs watch", "fence ack", "fence watchdog",
    "migrate pacemaker",
}
# parents of subcommands, and commands whose output is a script, a document or an answer
NO_JSON = {"conf", "status query", "status query quorate", "status query member",
           "status query service", "service", "agents", "lvs", "fence", "migrate", "help",
           "manpage", "completion"}
CONF_EDITS = {c for c in COMMANDS if c.startswith("conf ") and c.split()[1].startswith(
    ("add-", "remove-", "set-"))}


def leaves():
    return [c for c in COMMANDS if c not in {"conf", "status query", "service", "agents",
                                               "lvs", "fence", "migrate"}]


def test_every_command_without_json_is_a_write_or_a_document():
    parsers = dict((" ".join(path), node) for path, node in walk(build_parser()))
    without = {c for c, node in parsers.items() if "--json" not in node._option_string_actions}
    unexplained = without - NO_JSON - CONF_EDITS
    assert not unexplained, f"read commands take --json: {sorted(unexplained)}"


@pytest.mark.parametrize("command", COMMANDS)
def test_help_documents_exit_codes_and_debug(command, capsys):
    with pytest.raises(SystemExit) as info:
        main(command.split() + ["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: zigha {command}")
    assert "exit codes:" in out and "\n  2  " in out
    assert "--debug" in out


@pytest.mark.parametrize("command", sorted(READ))
def test_read_commands_take_json(command, capsys):
    with pytest.raises(SystemExit):
        main(command.split() + ["--help"])
    assert "--json" in capsys.readouterr().out


@pytest.mark.parametrize("command", leaves())
def test_unknown_option_is_one_line_exit_2(command, capsys):
    with pytest.raises(SystemExit) as info:
        main(command.split() + ["--no-such-option"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("zigha: error: ")
    assert f"see 'zigha {command} --help'" in err  # or the missing argument comes first
    assert "--no-such-option" in err or "arguments are required" in err


# -- bad input ------------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path, examples):
    """A copy of the seed's cluster.conf, and broken files of every kind the CLI reads."""
    seed = tmp_path / "cluster.conf"
    shutil.copy(examples / "zigsow" / "cluster.conf", seed)
    broken_xml = tmp_path / "broken.xml"
    broken_xml.write_text('<?xml version="1.0"?>\n<cluster name="x" config_version="1">\n'
                          "  <clusternodes>\n    <clusternode name=\"h1\"\n</cluster>\n")
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("this is not what any cluster tool prints\n\x00\x01 ### [[[\n")
    demo = tmp_path / "demo"
    shutil.copytree(examples / "zigsow", demo)
    (demo / "cluster.conf").write_text(broken_xml.read_text())
    return {"seed": str(seed), "xml": str(broken_xml), "garbage": str(garbage),
            "out": str(tmp_path / "out.xml"), "demo": str(demo)}


@pytest.fixture
def no_cluster():
    """Any tool that the command would run answers as on a machine without a cluster."""
    runner = CannedRunner()
    set_default_runner(runner)
    yield runner
    set_default_runner(None)


MISSING_FILE = [
    "conf show {missing}", "conf validate {missing}", "conf diff {missing} {seed}",
    "conf diff {seed} {missing}", "conf add-node {missing} h4.zigsow.net",
    "conf remove-node {missing} h1.zigsow.net", "conf set-rm {missing} log_level=7",
    "conf push {missing}", "status --from {missing}",
    "status --from {missing} query quorate", "simulate {missing}",
    "simulate {seed} --status {missing}", "lvs show --from {missing}",
    "lvs apply {missing} --dry-run", "lvs import-piranha {missing}", "lvs watch {missing} --once",
    "fence watchdog --config {missing} --once", "migrate pacemaker {missing} --cib {out}",
    "demo --dir /nonexistent/zigha-test",
]

BROKEN = [
    "conf show {xml}", "conf validate {xml}", "conf diff {xml} {seed}",
    "conf add-node {xml} h4.zigsow.net", "conf push {xml}", "status --from {xml}",
    "status --from {garbage}", "simulate {xml}", "simulate {seed} --status {xml}",
    "simulate {seed} --status {garbage}", "lvs show --from {garbage}",
    "lvs apply {garbage} --dry-run", "lvs import-piranha {garbage}",
    "fence watchdog --config {garbage} --once", "migrate pacemaker {xml} --cib {out}",
    "demo --dir {demo}",
]

UNKNOWN_NAME = [
    "conf remove-node {seed} h9.zigsow.net", "conf add-domain-node {seed} prefer_h1 h9",
    "conf add-domain-node {seed} no_such_domain h1.zigsow.net", "conf remove-service {seed} nope",
    "conf set-service {seed} nope autostart=0", "conf remove-domain {seed} nope",
    "conf add-service {seed} web domain=no_such_domain", "simulate {seed} --fail h9",
    "simulate {seed} --join h9", "simulate {seed} --event 'status-fail nope'",
    "simulate {seed} --event 'relocate http -m h9'", "agents metadata nope",
]


def run_cli(line: str, files: dict, capsys) -> tuple:
    import shlex

    argv = shlex.split(line.format(missing=MISSING, **files))
    rc = main(argv)
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def assert_one_line(rc, out, err, *, code=None):
    assert rc != 0
    if code is not None:
        assert rc == code, (rc, out, err)
    text = err or out
    assert text.count("\n") == 1, (out, err)
    assert "Traceback" not in text
    return text


@pytest.mark.parametrize("line", MISSING_FILE)
def test_missing_file_is_one_line_exit_2(line, files, no_cluster, capsys):
    rc, out, err = run_cli(line, files, capsys)
    text = assert_one_line(rc, out, err, code=2)
    assert "nonexistent/zigha-test" in text
    assert not out or line.startswith("conf validate")  # validate's report line is stdout


@pytest.mark.parametrize("line", BROKEN)
def test_broken_file_is_one_line_exit_2(line, files, no_cluster, capsys):
    rc, out, err = run_cli(line, files, capsys)
    text = assert_one_line(rc, out, err, code=2)
    if line.startswith(("lvs show", "lvs import-piranha", "status ")):
        # these name the tool and the line of the capture, not the file
        assert "line:1:" in text
    else:
        assert "broken.xml:" in text or "garbage.txt:" in text or "/demo/" in text


@pytest.mark.parametrize("line", UNKNOWN_NAME)
def test_unknown_name_is_one_line_and_fails(line, files, capsys):
    before = open(files["seed"]).read()
    rc, out, err = run_cli(line, files, capsys)
    text = assert_one_line(rc, out, err)
    assert text.startswith("zigha: error: ")
    assert open(files["seed"]).read() == before  # nothing half-written


def test_errors_are_json_with_json(files, capsys):
    rc, out, err = run_cli("conf show {xml} --json", files, capsys)
    assert rc == 2 and not out
    error = json.loads(err)
    assert error["file"] == files["xml"] and error["line"] == 5
    assert error["message"].startswith("malformed XML")


def test_debug_anywhere_shows_the_traceback_and_keeps_the_exit_code(files, capsys):
    for argv in (["--debug", "conf", "show", MISSING], ["conf", "show", MISSING, "--debug"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "Traceback (most recent call last)" in err
        assert "ConfigError" in err
        assert err.rstrip().splitlines()[-1].startswith("zigha: error: ")


def test_json_errors_are_one_object_even_for_plain_exceptions(capsys):
    from zigha.cli.common import print_error

    print_error(ValueError("bad value"), as_json=True)
    assert json.loads(capsys.readouterr().err) == {"error": "ValueError", "message": "bad value"}


def test_the_installed_command_prints_no_traceback(tmp_path):
    import subprocess

    result = subprocess.run([sys.executable, "-m", "zigha.cli.main", "simulate", MISSING],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"zigha: error: {MISSING}: cannot read: No such file or directory\n"


# -- unknown names on a (recorded) live cluster ----------------------------------------------


@pytest.fixture
def live(fake_runner):
    set_default_runner(fake_runner)
    yield fake_runner
    set_default_runner(None)


def test_service_unknown_service(live, capsys):
    live.expect(["clusvcadm", "-d", "service:nope"], rc=252,
                stdout="Local machine disabling service:nope...Service does not exist\n")
    rc = main(["service", "disable", "nope"])
    captured = capsys.readouterr()
    assert rc == 2
    assert captured.err.endswith(
        "zigha: error: clusvcadm -d service:nope: Service does not exist (exit 252)\n")
    assert captured.err.count("zigha: error:") == 1 and not captured.out


def test_service_unknown_member(live, examples, capsys):
    from zigha.status import ClusterStatus, render_clustat_xml

    live.expect(["clustat", "-x", "-m", "h9"],
                stdout=render_clustat_xml(ClusterStatus(services_available=False)))
    live.expect(["clustat", "-x"], stdout_file=examples / "zigsow" / "captures" / "clustat-x.xml")
    rc = main(["service", "relocate", "http", "-m", "h9"])
    captured = capsys.readouterr()
    assert rc == 2 and not captured.out
    assert captured.err.endswith(
        "zigha: error: 'h9' is not the exact name of a cluster member (members: h1.zigsow.net, "
        "h2.zigsow.net, h3.zigsow.net); clusvcadm would silently take the closest match\n")


def test_fence_ack_unknown_node(examples, capsys):
    fixtures = examples.parent / "tests" / "fixtures" / "fence"
    runner = CannedRunner()
    runner.add(["cman_tool", "status"], (fixtures / "cman_tool-status-h2.txt").read_text())
    runner.add(["cman_tool", "nodes"], (fixtures / "cman_tool-nodes-h1-dead.txt").read_text())
    set_default_runner(runner)
    try:
        rc = main(["fence", "ack", "h9", "--yes"])
    finally:
        set_default_runner(None)
    captured = capsys.readouterr()
    assert rc != 0 and not captured.out
    progress, error = captured.err.splitlines()
    assert progress == "h9: acknowledging the fence (fence_ack_manual) ..."
    assert error == ("zigha: error: h9: not a node of this cluster (cman knows: h1.zigsow.net, "
                     "h2.zigsow.net, h3.zigsow.net) (use the name cman_tool nodes shows)")
    assert not any(call.argv[0] == "fence_ack_manual" for call in runner.calls)


def test_status_query_unknown_service_and_member(examples, capsys):
    capture = str(examples / "zigsow" / "captures" / "clustat-x.xml")
    assert main(["status", "--from", capture, "query", "service", "nope", "-v"]) == 1
    assert capsys.readouterr().out == "no: service:nope: no such service\n"
    assert main(["status", "--from", capture, "query", "member", "h9", "-v"]) == 1
    assert capsys.readouterr().out == "no: h9: not a member\n"
