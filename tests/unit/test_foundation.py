"""The runner seam, the fake runners, the tool table and the error hierarchy."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from zigha import errors, tools
from zigha.runner import LocalRunner, Result, mask
from zigha.testing import CannedRunner, FakeRunner, UnexpectedCall


def test_local_runner_returns_outputs_and_status_without_judging():
    result = LocalRunner().run(["sh", "-c", "echo out; echo err >&2; exit 3"])
    assert result.rc == 3
    assert result.stdout == "out\n"
    assert result.stderr == "err\n"
    assert result.argv[0] == "/usr/bin/sh" or result.argv[0].endswith("/sh")
    assert not result.ok


def test_local_runner_gives_fixed_environment_and_closed_stdin():
    script = 'echo "$LC_ALL|$PATH|${HOME-unset}"; if read line; then echo got; else echo eof; fi'
    result = LocalRunner().run(["sh", "-c", script])
    lc_all, path, home = result.stdout.splitlines()[0].split("|")
    assert lc_all == "C"
    assert path == "/usr/sbin:/usr/bin:/sbin:/bin"
    assert home == "unset"
    assert result.stdout.splitlines()[1] == "eof"


def test_local_runner_feeds_stdin():
    assert LocalRunner().run(["cat"], stdin="absolutely\n").stdout == "absolutely\n"


def test_local_runner_timeout_raises_typed_error():
    with pytest.raises(errors.CommandTimeout) as info:
        LocalRunner().run(["sleep", "5"], timeout=0.3)
    assert info.value.timeout == 0.3
    assert info.value.argv[1] == "5"


def test_local_runner_signal_is_negative_rc():
    assert LocalRunner().run(["sh", "-c", "kill -9 $$"]).rc == -9


def test_missing_tool_is_typed_and_says_where_it_looked():
    with pytest.raises(errors.ToolNotFound) as info:
        LocalRunner().run(["no-such-tool-zigha"])
    assert "/usr/sbin" in str(info.value)
    assert "ZIGHA_TOOL_NO_SUCH_TOOL_ZIGHA" in str(info.value)


def test_tool_override_from_environment(tmp_path):
    fake = tmp_path / "clustat"
    fake.write_text("#!/bin/sh\necho fake clustat\n")
    fake.chmod(0o755)
    runner = LocalRunner(environ={"ZIGHA_TOOL_CLUSTAT": str(fake)})
    assert runner.run(["clustat"]).stdout == "fake clustat\n"
    tools.set_path("clustat", str(fake))
    try:
        assert tools.find("clustat", {}) == str(fake)
    finally:
        tools.set_path("clustat", None)


def test_tool_lookup_ignores_path():
    assert tools.find("sh", {"PATH": ""}) in ("/usr/bin/sh", "/bin/sh")


def test_mask_hides_secrets():
    assert mask(["fence_ipmilan", "--password", "s3cret", "passwd=x", "-n", "h1"]) == [
        "fence_ipmilan", "--password", "[set]", "passwd=[set]", "-n", "h1",
    ]


def test_fake_runner_checks_argv_stdin_and_leftovers(tmp_path):
    capture = tmp_path / "out.txt"
    capture.write_text("captured\n")
    fake = FakeRunner()
    fake.expect(["clustat", "-x"], stdout_file=capture)
    fake.expect(["fence_ack_manual", "-n", "h1"], stdin="absolutely\n", rc=0)
    assert fake.run(["/usr/sbin/clustat", "-x"]).stdout == "captured\n"
    with pytest.raises(UnexpectedCall, match="stdin differs"):
        fake.run(["fence_ack_manual", "-n", "h1"], stdin="yes\n")
    with pytest.raises(UnexpectedCall, match="no more calls"):
        fake.run(["clustat"])
    fake.expect(["clusvcadm", "-e", "http"])
    with pytest.raises(AssertionError, match="not made"):
        fake.assert_done()
    with pytest.raises(UnexpectedCall, match="argv differs"):
        fake.run(["clusvcadm", "-d", "http"])


def test_fake_runner_can_time_out_and_be_missing():
    fake = FakeRunner().timeout(["clusvcadm", "-r", "http"], 5).missing(["ipvsadm", "-Ln"])
    with pytest.raises(errors.CommandTimeout):
        fake.run(["clusvcadm", "-r", "http"])
    with pytest.raises(errors.ToolNotFound):
        fake.run(["ipvsadm", "-Ln"])
    fake.assert_done()


def test_canned_runner_answers_in_any_order():
    canned = CannedRunner()
    canned.add(["cman_tool", "status"], "Quorum: 2\n")
    canned.answers[("clustat", "-x")] = lambda call: (0, "<clustat/>", "")
    assert canned.run(["clustat", "-x"]).stdout == "<clustat/>"
    assert canned.run(["/usr/sbin/cman_tool", "status"]).stdout == "Quorum: 2\n"
    assert len(canned.calls) == 2
    with pytest.raises(UnexpectedCall):
        canned.run(["clusvcadm", "-e", "x"])


def test_errors_render_what_and_where():
    err = errors.ConfigError("duplicate nodeid 2", file="cluster.conf", line=7, column=5,
                             path="/cluster/clusternodes/clusternode[2]")
    assert str(err) == "cluster.conf:7:5: /cluster/clusternodes/clusternode[2]: duplicate nodeid 2"
    assert err.to_dict()["line"] == 7
    perr = errors.ParseError("unknown state", tool="clustat", line=9, excerpt=" service:x  foo")
    assert str(perr) == "clustat: line:9: unknown state: ' service:x  foo'"
    assert issubclass(errors.ParseError, errors.ZighaError)
    cerr = errors.CommandError.from_result("failed", Result(("clusvcadm", "-e", "x"), 1, "", "boom"))
    assert cerr.rc == 1 and cerr.stderr == "boom" and cerr.to_dict()["argv"] == ["clusvcadm", "-e", "x"]


def test_import_zigha_loads_neither_lxml_nor_sh():
    code = "import sys, zigha; zigha.ZighaError; print('lxml' in sys.modules, 'sh' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert out.stdout.split() == ["False", "False"]
