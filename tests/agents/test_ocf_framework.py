"""zigha.ocf without daemons: metadata, environment handling, /proc identity, stop
escalation, generated files, httpd config rewriting, schema extension, install."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from ocfhelp import HTTPD, ROOT

from zigha.agents import httpd_conf
from zigha.agents.httpd import HttpdAgent
from zigha.ocf import codes, generated, install, proc, schema, stop
from zigha.ocf.agent import Context


def metadata_text() -> str:
    out = subprocess.run(["su", "nobody", "-s", "/bin/sh", "-c", f"env -i {HTTPD} meta-data 0<&- 2>&-"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0
    return out.stdout


def test_metadata_works_as_nobody_with_closed_fds_and_validates(reference, tmp_path):
    text = metadata_text()
    path = tmp_path / "md.xml"
    path.write_text(text)
    dtd = reference / "agents-metadata" / "ra-api-1-modified.dtd"
    assert subprocess.run(["xmllint", "--noout", "--valid", str(path)]).returncode == 0
    assert subprocess.run(["xmllint", "--noout", "--dtdvalid", str(dtd), str(path)]).returncode == 0


def test_metadata_content_follows_the_checklist():
    root = etree.fromstring(metadata_text().encode())
    assert root.get("name") == "zigha-httpd" and root.get("version") == "rgmanager 2.0"
    assert root.findtext("version") == "1.0"
    params = root.findall("parameters/parameter")
    assert [p.get("name") for p in params] == ["name", "httpd", "server_root", "config_file",
                                               "httpd_options", "shutdown_wait", "service_name"]
    assert params[0].get("primary") == "1"
    assert [p.get("name") for p in params if p.get("primary") == "1"] == ["name"]
    service = params[-1]
    assert service.get("inherit") == "service%name"
    assert all(service.get(flag) in (None, "0") for flag in ("required", "unique", "primary"))
    defaults = {p.get("name"): p.find("content").get("default") for p in params}
    assert defaults["server_root"] == "/etc/httpd" and defaults["config_file"] == "conf/httpd.conf"
    actions = {(a.get("name"), a.get("depth") or "0"): a for a in root.findall("actions/action")}
    for name in ("status", "monitor"):
        assert actions[(name, "0")].get("interval") == "1m"
        assert actions[(name, "10")].get("interval") == "5m"
    import re

    time_value = re.compile(r"^(\d+[smhdwy]?)+$")   # rgmanager expand_time
    assert all(time_value.match(a.get("timeout")) for a in actions.values())
    assert all(time_value.match(a.get("interval")) for a in actions.values() if a.get("interval"))
    assert {"start", "stop", "meta-data", "validate-all"} <= {n for n, _ in actions}
    assert root.find("special").get("tag") == "rgmanager"


def ctx_for(environ, action="status"):
    return Context(HttpdAgent(), action, environ, use_syslog=False, stderr=io.StringIO())


def test_parameters_defaults_levels_and_timeouts():
    ctx = ctx_for({"OCF_RESOURCE_INSTANCE": "zigha-httpd:web", "OCF_RESKEY_httpd_options": ""})
    assert ctx["server_root"] == "/etc/httpd" and ctx["httpd_options"] is None
    assert ctx.name == "web" and ctx.pid_file == "/var/run/cluster/zigha-httpd/zigha-httpd:web.pid"
    assert ctx.generated_dir == "/etc/cluster/zigha-httpd/zigha-httpd:web"
    for level, depth in (("0", 0), ("10", 10), ("20", 10), ("x", 0)):
        assert ctx_for({"OCF_CHECK_LEVEL": level}).depth == depth
    assert ctx_for({"OCF_RESKEY_CRM_meta_timeout": "20000"}).timeout == 20.0
    assert ctx_for({"OCF_RESKEY_RGMANAGER_meta_timeout": "30"}).timeout == 30.0
    assert ctx_for({"OCF_RESKEY_RGMANAGER_meta_timeout": "0"}).timeout is None
    term, kill = ctx_for({"OCF_RESKEY_CRM_meta_timeout": "20000"}).stop_budget(20)
    assert term + kill <= 19.0 and term > 0
    assert ctx_for({}).stop_budget(5) == (5.0, 5.0)
    with pytest.raises(Exception) as err:
        ctx_for({"OCF_RESKEY_shutdown_wait": "x"})["shutdown_wait"]
    assert err.value.ocf_code == codes.ERR_CONFIGURED
    assert ctx_for({"OCF_RESKEY_CRM_meta_interval": "0"}, "monitor").is_probe


def test_dispatch_rules():
    agent = HttpdAgent()
    quiet = dict(stderr=io.StringIO(), use_syslog=False)
    assert agent.run(["x", "reload"], {}, **quiet) == 3
    assert agent.run(["x"], {}, **quiet) == 3
    assert agent.run(["x", "status"], {"OCF_RA_VERSION_MAJOR": "2", "OCF_RESOURCE_INSTANCE": "a"}, **quiet) == 3
    assert agent.run(["x", "status"], {"OCF_RA_VERSION_MAJOR": "1"}, **quiet) == 2
    out = io.StringIO()
    assert agent.run(["x", "meta-data"], {}, stdout=out, **quiet) == 0
    assert out.getvalue().startswith("<?xml")
    assert codes.OCFCode(7).name == "NOT_RUNNING" and codes.name(6) == "OCF_ERR_CONFIGURED"


def test_status_hot_path_imports_nothing_heavy(tmp_path):
    result = subprocess.run(["/usr/bin/python3", "-IS", "-X", "importtime", str(HTTPD), "status"],
                            env={"ZIGHA_OCF_RUN_DIR": str(tmp_path)}, capture_output=True, text=True)
    assert result.returncode == 7
    loaded = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert "zigha.agents.httpd" in loaded
    assert not loaded & {"lxml", "sh", "attrs", "attr", "typing", "enum", "zigha.runner",
                         "zigha.conf", "zigha.errors", "zigha.ocf.metadata", "subprocess"}


def test_pid_identity_checks_exe_and_start_time(tmp_path):
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        pid_file = tmp_path / "x.pid"
        assert proc.pid_state(str(pid_file), ["/usr/bin/sleep"]) == (proc.NO_PID_FILE, None)
        pid_file.write_text(f"{sleeper.pid}\n")
        assert proc.pid_state(str(pid_file), ["/usr/bin/sleep"]) == (proc.RUNNING, sleeper.pid)
        assert proc.pid_state(str(pid_file), ["/usr/sbin/apache2"])[0] == proc.STALE
        old = time.time() - 3600   # the pid file predates the process: a reused pid
        os.utime(pid_file, (old, old))
        assert proc.pid_state(str(pid_file), ["/usr/bin/sleep"])[0] == proc.STALE
        pid_file.write_text("garbage\n")
        assert proc.pid_state(str(pid_file), ["/usr/bin/sleep"])[0] == proc.STALE
    finally:
        sleeper.kill()
        sleeper.wait()


IGNORES_TERM = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready', flush=True)\ntime.sleep(120)\n"


def test_stop_escalates_to_sigkill_and_never_signals_others():
    log = type("L", (), {"info": print, "warning": print, "error": print})()
    child = subprocess.Popen([sys.executable, "-c", IGNORES_TERM], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        exe = os.path.realpath(sys.executable)
        assert not stop.send(child.pid, signal.SIGTERM, ["/usr/sbin/apache2"])  # wrong identity
        began = time.monotonic()
        assert stop.terminate(child.pid, [exe], 0.5, 5.0, log)
        assert time.monotonic() - began < 5
        assert child.wait(5) == -signal.SIGKILL
    finally:
        child.kill()
        child.wait()


def test_generated_file_kept_when_edited(tmp_path):
    path = tmp_path / "g" / "httpd.conf"
    assert generated.write(str(path), "one\n")
    assert generated.is_unedited(path.read_text())
    assert generated.write(str(path), "two\n") and path.read_text().startswith("two")
    path.write_text(path.read_text().replace("two", "mine"))
    assert not generated.write(str(path), "three\n")
    assert path.read_text().startswith("mine")


def test_httpd_conf_includes_listen_and_ipv6(tmp_path):
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "ssl.conf").write_text("<IfModule ssl_module>\n  Listen 443 https\n</IfModule>\n")
    (tmp_path / "main.conf").write_text("Listen 80\nListen 0.0.0.0:80\nPidFile x.pid\nInclude conf.d/*.conf\n")
    lines = httpd_conf.flatten(str(tmp_path / "main.conf"), str(tmp_path))
    text, endpoints = httpd_conf.rewrite(lines, ["192.168.10.246", "fe80::1"], "/run/p.pid")
    listens = [x.strip() for x in text.splitlines() if x.strip().startswith("Listen")]
    assert listens == ["Listen 192.168.10.246:80", "Listen [fe80::1]:80",
                       "Listen 192.168.10.246:443 https", "Listen [fe80::1]:443 https"]
    assert text.startswith('PidFile "/run/p.pid"') and "### PidFile x.pid" in text
    assert ("192.168.10.246", "443", "https") in endpoints
    assert httpd_conf.protocols(lines) == {"443": "https"}
    assert httpd_conf.connect_address("0.0.0.0") == "127.0.0.1" and httpd_conf.connect_address("::") == "::1"
    (tmp_path / "bad.conf").write_text("Include nothing-here.conf\n")
    with pytest.raises(httpd_conf.HttpdConfError):
        httpd_conf.flatten(str(tmp_path / "bad.conf"), str(tmp_path))


def test_schema_extension_accepts_the_example_and_is_reversible(reference, examples, tmp_path):
    from zigha.conf import ClusterConf

    base = (reference / "cluster.rng").read_text()
    extended = schema.extend(base, [HttpdAgent()])
    assert schema.extend(extended, [HttpdAgent()]) == extended
    assert schema.strip(extended) == base
    rng = etree.RelaxNG(etree.fromstring(extended.encode()))
    good = etree.fromstring(b'<cluster name="c" config_version="1"><clusternodes/><rm>'
                            b'<service name="s"><zigha-httpd name="w" server_root="/x"/></service></rm></cluster>')
    assert rng.validate(good)
    no_name = etree.fromstring(b'<cluster name="c" config_version="1"><clusternodes/><rm>'
                               b'<service name="s"><zigha-httpd server_root="/x"/></service></rm></cluster>')
    assert not rng.validate(no_name)   # primary -> mandatory, as ra2rng.xsl
    result = install.install(prefix=str(tmp_path), rgmanager_dir="/usr/share/cluster")
    conf = ClusterConf.load(examples / "zigsow" / "cluster-zigha-agents.conf")
    findings = conf.validate(schema=install.schema_path(str(tmp_path)))
    assert not [f for f in findings if f.severity == "error"], findings
    assert conf.last_schema == result["schema"]
    stock = ClusterConf.load(examples / "zigsow" / "cluster-zigha-agents.conf")
    refused = stock.validate(schema=reference / "cluster.rng")   # the stock schema refuses it
    assert any(f.code == "schema" and "zigha-httpd" in f.message for f in refused)


def test_install_records_interpreter_and_path_and_uninstalls(tmp_path):
    result = install.install(prefix=str(tmp_path), agents=["httpd"])
    rgm = tmp_path / "usr/share/cluster/zigha-httpd"
    ocf = tmp_path / "usr/lib/ocf/resource.d/zigha/httpd"
    assert rgm.read_text() == ocf.read_text()
    assert rgm.read_text().startswith(f"#!{result['interpreter']} -IS\n")
    assert str(ROOT) in rgm.read_text()
    out = subprocess.run([str(ocf), "meta-data"], env={}, capture_output=True, text=True)
    assert out.returncode == 0 and "zigha-httpd" in out.stdout
    env = {"ZIGHA_OCF_RUN_DIR": str(tmp_path / "run"), "OCF_RESKEY_server_root": "/nonexistent",
           "OCF_RESOURCE_INSTANCE": "web"}
    assert subprocess.run([str(ocf), "validate-all"], env=env).returncode == 5
    removed = install.uninstall(prefix=str(tmp_path))
    assert set(removed["files"]) == {str(rgm), str(ocf)}
    assert removed["schema_action"] == "removed" and not rgm.exists()




@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=60), max_size=20), st.lists(st.sampled_from(
    ["10.0.0.1", "fe80::1", "192.168.10.246"]), max_size=3))
def test_httpd_conf_rewrite_never_raises(lines, ips):
    text, endpoints = httpd_conf.rewrite(lines, ips, "/run/x.pid")
    assert text.startswith('PidFile "/run/x.pid"')
    assert all(isinstance(port, str) and protocol
               for port, protocol in httpd_conf.protocols(text.splitlines()).items())
    assert all(ip in ips for ip, _, _ in endpoints)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_generated_trailer_detects_any_edit(body):
    text = generated.with_trailer(body)
    assert generated.is_unedited(text)
    assert not generated.is_unedited(text.replace(generated.TRAILER, "# edited ", 1))


def test_log_writes_exit_reason_and_echoes_by_hand():
    from zigha.ocf.log import AgentLog

    err = io.StringIO()
    log = AgentLog("zigha-httpd", "zigha-httpd:web", "rgmanager", {}, stderr=err, use_syslog=False)
    log.info("quiet under rgmanager")
    log.error("broken")
    assert err.getvalue() == "ocf-exit-reason:broken\n"
    err = io.StringIO()
    log = AgentLog("zigha-httpd", "zigha-httpd:web", "manual", {}, stderr=err, use_syslog=False)
    log.info("hello")
    log.debug("hidden")
    assert err.getvalue() == "zigha-httpd(zigha-httpd:web): INFO: hello\n"
    assert log.records == [("info", "hello")]


def test_cli_install_list_metadata_uninstall(tmp_path, capsys):
    import json

    from zigha.cli.main import main

    assert main(["agents", "install", "--prefix", str(tmp_path), "--agent", "httpd", "--json"]) == 0
    installed = json.loads(capsys.readouterr().out)
    assert installed["schema"] == str(tmp_path / "usr/share/cluster/cluster.rng")
    assert main(["agents", "list", "--prefix", str(tmp_path), "--json"]) == 0
    rows = {r["agent"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["httpd"]["ocf_installed"] and rows["httpd"]["pacemaker"] == "ocf:zigha:httpd"
    assert main(["agents", "metadata", "zigha-httpd"]) == 0
    assert '<resource-agent name="zigha-httpd"' in capsys.readouterr().out
    assert main(["agents", "metadata", "nope"]) == 2
    capsys.readouterr()
    assert main(["agents", "uninstall", "--prefix", str(tmp_path)]) == 0
    assert "removed" in capsys.readouterr().out
    assert not (tmp_path / "usr/lib/ocf/resource.d/zigha/httpd").exists()


def test_install_follows_the_rhel61_schema_symlink_and_restores_it(reference, tmp_path):
    # RHEL 6.1+: /usr/share/cluster/cluster.rng -> /var/lib/cluster/cluster.rng
    (tmp_path / "var/lib/cluster").mkdir(parents=True)
    (tmp_path / "usr/share/cluster").mkdir(parents=True)
    original = (reference / "cluster.rng").read_text()
    (tmp_path / "var/lib/cluster/cluster.rng").write_text(original)
    os.symlink("/var/lib/cluster/cluster.rng", tmp_path / "usr/share/cluster/cluster.rng")
    first = install.install(prefix=str(tmp_path))
    assert first["schema"] == str(tmp_path / "var/lib/cluster/cluster.rng")
    once = (tmp_path / "var/lib/cluster/cluster.rng").read_text()
    install.install(prefix=str(tmp_path))
    assert (tmp_path / "var/lib/cluster/cluster.rng").read_text() == once   # idempotent
    assert '<define name="ZIGHA-HTTPD">' in once and '<ref name="ZIGHA-HTTPD"/>' in once
    assert os.path.islink(tmp_path / "usr/share/cluster/cluster.rng")
    assert install.uninstall(prefix=str(tmp_path))["schema_action"] == "restored"
    assert (tmp_path / "var/lib/cluster/cluster.rng").read_text() == original


def test_checkout_launcher_finds_an_interpreter_for_its_dependencies(tmp_path):
    from zigha.ocf import launch

    site_dir = tmp_path / "venv/lib/python3.99/site-packages"
    for name in ("attrs", "sh"):
        (site_dir / name).mkdir(parents=True)
    (tmp_path / "venv/bin").mkdir()
    python = tmp_path / "venv/bin/python3.99"
    python.write_text("#!/bin/sh\n")
    python.chmod(0o755)
    assert launch._interpreter_of(str(site_dir)) == str(python)
    assert launch._interpreter_of(str(tmp_path / "none/lib/python3.1/site-packages")) is None
    found = launch._site_dirs_with_dependencies("3.*")
    assert all(os.path.isdir(os.path.join(d, "attrs")) for d in found)


def test_install_import_path_is_the_same_after_sh_was_imported():
    """sh replaces itself in sys.modules with an object without __spec__ once imported."""
    code = ("from zigha.ocf import install; before = install.import_path(); "
            "import sh; sh.Command; print(before == install.import_path(), len(before) >= 2)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.split() == ["True", "True"]
