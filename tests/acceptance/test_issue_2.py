"""Issue 2: cluster.conf as typed, editable, validated, crash-safe objects.

Every name below is used exactly as the issue's "Fixed names" spell it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from zigha.conf import ClusterConf
from zigha.errors import ParseError, ZighaError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "zigsow" / "cluster.conf"
LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<severity>error|warning): (?P<message>.+)$")


def corpus(reference: Path) -> list[Path]:
    files = sorted((reference / "cluster-conf").glob("*.conf"))
    assert len(files) == 26, "the reference corpus holds 26 files"
    return files


def c14n(text: str) -> bytes:
    from lxml import etree

    root = etree.fromstring(text.encode(), etree.XMLParser(remove_comments=False))
    return etree.tostring(root, method="c14n", with_comments=True)


# ---------------------------------------------------------------- fixed names


def test_parse_error_subclasses_zigha_error():
    assert issubclass(ParseError, ZighaError)


def test_the_seed_example_reads_as_the_seed_describes():
    conf = ClusterConf.load(EXAMPLE)
    assert conf.name == "zigsow-cluster"
    assert conf.config_version == 1 and type(conf.config_version) is int
    assert [(n.name, n.nodeid, n.votes) for n in conf.nodes] == [
        ("h1.zigsow.net", 1, 1), ("h2.zigsow.net", 2, 1), ("h3.zigsow.net", 3, 1)]
    assert all(type(n.nodeid) is int for n in conf.nodes)

    domains = {d.name: d for d in conf.failover_domains}
    assert set(domains) == {"prefer_h1", "prefer_h2", "prefer_h3"}
    h1 = domains["prefer_h1"]
    assert (h1.ordered, h1.restricted, h1.nofailback) == (True, True, False)
    for flag in (h1.ordered, h1.restricted, h1.nofailback):
        assert type(flag) is bool
    assert list(h1.members) == [("h1.zigsow.net", 1), ("h2.zigsow.net", 2), ("h3.zigsow.net", 3)]
    assert list(domains["prefer_h2"].members)[0] == ("h2.zigsow.net", 1)
    assert list(domains["prefer_h3"].members)[0] == ("h3.zigsow.net", 1)

    services = {s.name: s for s in conf.services}
    assert set(services) == {"http", "named", "mail"}
    assert services["http"].domain == "prefer_h1"
    assert services["named"].domain == "prefer_h2"
    assert services["mail"].domain == "prefer_h3"
    for service in services.values():
        assert service.autostart is True
        assert service.exclusive is False
        assert service.recovery == "relocate"


def test_from_string_and_to_string(reference):
    text = EXAMPLE.read_text()
    conf = ClusterConf.from_string(text)
    assert isinstance(conf.to_string(), str)
    assert c14n(conf.to_string()) == c14n(text)


def test_member_priorities_are_ints_or_none_and_flags_bools(reference):
    conf = ClusterConf.load(reference / "cluster-conf" / "ccs-unit-failover.conf")
    domains = {d.name: d for d in conf.failover_domains}
    # fd3 is unordered: its priority="51" means nothing to rgmanager
    assert list(domains["fd3"].members) == [("node2", None)]
    assert domains["fd3"].ordered is False
    # fd4 is ordered with explicit priorities
    assert list(domains["fd4"].members) == [("node2", 50), ("node1", 1)]
    assert (domains["fd4"].ordered, domains["fd4"].restricted, domains["fd4"].nofailback) == (
        True, False, True)
    # fd1: ordered, but no priority given
    assert list(domains["fd1"].members) == [("node1", None)]
    for domain in conf.failover_domains:
        assert all(type(flag) is bool for flag in (domain.ordered, domain.restricted, domain.nofailback))
        for name, priority in domain.members:
            assert isinstance(name, str)
            assert priority is None or type(priority) is int

    unordered = ClusterConf.load(reference / "cluster-conf" / "clufter-test3.conf")
    assert all(p is None for d in unordered.failover_domains for _n, p in d.members)


def test_flags_go_through_atoi_yes_is_false_with_a_warning():
    text = EXAMPLE.read_text().replace(
        'name="prefer_h1" nofailback="0" ordered="1" restricted="1"',
        'name="prefer_h1" nofailback="0" ordered="yes" restricted="1"')
    conf = ClusterConf.from_string(text)
    domain = next(d for d in conf.failover_domains if d.name == "prefer_h1")
    assert domain.ordered is False
    # an unordered domain carries no priorities
    assert all(priority is None for _name, priority in domain.members)
    warnings = [f for f in conf.validate() if f.severity == "warning" and "ordered" in f.message]
    assert warnings, "a non-digit flag is reported"
    assert warnings[0].line == 27 and "prefer_h1" in warnings[0].path


def test_validate_findings_carry_severity_code_message_path_line():
    text = EXAMPLE.read_text().replace('name="h3.zigsow.net" nodeid="3"', 'name="h3.zigsow.net" nodeid="2"')
    findings = ClusterConf.from_string(text).validate()
    assert isinstance(findings, list)
    for finding in findings:
        assert finding.severity in ("error", "warning")
        assert isinstance(finding.code, str) and finding.code
        assert isinstance(finding.message, str) and finding.message
        assert finding.line is None or type(finding.line) is int
    duplicate = [f for f in findings if f.code == "duplicate-nodeid"]
    assert len(duplicate) == 1
    assert duplicate[0].severity == "error"
    assert duplicate[0].line == 19
    assert duplicate[0].path == "/cluster/clusternodes/clusternode[@name='h3.zigsow.net']"


def test_validate_reports_every_problem_not_just_the_first():
    text = (EXAMPLE.read_text()
            .replace('name="h3.zigsow.net" nodeid="3"', 'name="h3.zigsow.net" nodeid="2"')
            .replace('<failoverdomainnode name="h3.zigsow.net" priority="3"/>',
                     '<failoverdomainnode name="h9.zigsow.net" priority="3"/>', 1)
            .replace('<ip ref="192.168.10.246"/>', '<ip ref="192.168.10.99"/>'))
    findings = ClusterConf.from_string(text).validate()
    errors = {f.code for f in findings if f.severity == "error"}
    assert "duplicate-nodeid" in errors
    assert len([f for f in findings if f.severity == "error"]) >= 3, findings


def test_the_example_is_valid_against_the_real_schema(reference):
    findings = ClusterConf.load(EXAMPLE).validate(reference / "cluster.rng")
    assert [f for f in findings if f.severity == "error"] == []


def test_save_without_a_path_writes_back_bumps_the_version(tmp_path):
    path = tmp_path / "cluster.conf"
    path.write_text(EXAMPLE.read_text())
    conf = ClusterConf.load(path)
    conf.save()
    again = ClusterConf.load(path)
    assert again.config_version == 2
    assert c14n(path.read_text().replace('config_version="2"', 'config_version="1"')) == c14n(
        EXAMPLE.read_text())


def test_malformed_text_is_a_parse_error_naming_line_and_column():
    with pytest.raises(ParseError) as caught:
        ClusterConf.from_string('<cluster name="x" config_version="1">\n  <clusternodes>\n')
    assert isinstance(caught.value, ZighaError)
    assert caught.value.line == 3
    assert caught.value.column is not None


@pytest.mark.parametrize("text", [
    '<?xml version="1.0"?>\n<!DOCTYPE c [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n'
    '<cluster name="&b;" config_version="1"/>',
    '<?xml version="1.0"?>\n<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    '<cluster name="&x;" config_version="1"/>',
])
def test_entity_expansion_and_xxe_are_refused(text):
    with pytest.raises(ZighaError) as caught:
        ClusterConf.from_string(text)
    assert "root:" not in str(caught.value)
    assert caught.value.line is not None


# ---------------------------------------------------------------- done when


def test_every_corpus_file_loads_and_round_trips_c14n_equal(reference):
    for path in corpus(reference):
        text = path.read_text()
        conf = ClusterConf.from_string(text)
        assert c14n(conf.to_string()) == c14n(text), path.name
        assert isinstance(conf.validate(), list)


def test_invalid_corpus_files_give_errors_naming_the_place(reference):
    for name in ("rgmanager-test016.conf", "rgmanager-deptest1.conf", "clufter-try_edit.conf"):
        findings = ClusterConf.load(reference / "cluster-conf" / name).validate(reference / "cluster.rng")
        errors = [f for f in findings if f.severity == "error"]
        assert errors, name
        assert all(f.path and f.path.startswith("/cluster") and type(f.line) is int for f in errors), name
    shared_ip = ClusterConf.load(reference / "cluster-conf" / "rgmanager-test016.conf").validate()
    assert any("192.168.1.3" in f.message and f.severity == "error" for f in shared_ip)


# ---------------------------------------------------------------- command line


def test_cli_validate_clean_file_exits_0(zigha_cli):
    done = zigha_cli("conf", "validate", str(EXAMPLE))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines, "the example's no-fence warnings are listed"
    for line in lines:
        match = LINE.match(line)
        assert match, line
        assert match["file"] == str(EXAMPLE)
        assert match["severity"] == "warning"
    assert [int(LINE.match(line)["line"]) for line in lines] == [13, 16, 19]


def test_cli_validate_file_with_errors_exits_1(zigha_cli, tmp_path):
    bad = tmp_path / "cluster.conf"
    bad.write_text(EXAMPLE.read_text().replace('name="h3.zigsow.net" nodeid="3"',
                                               'name="h3.zigsow.net" nodeid="2"'))
    done = zigha_cli("conf", "validate", str(bad))
    assert done.returncode == 1, done.stdout + done.stderr
    findings = ClusterConf.load(bad).validate()
    lines = done.stdout.splitlines()
    assert len(lines) == len(findings)
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), lines
    for match, finding in zip(parsed, findings):
        assert match["file"] == str(bad)
        assert int(match["line"]) == finding.line
        assert match["severity"] == finding.severity
        assert match["message"].startswith(finding.message)
    assert any(m["severity"] == "error" and int(m["line"]) == 19 for m in parsed)


@pytest.mark.parametrize("content", [None, '<cluster name="x" config_version="1">\n<clusternodes>\n'])
def test_cli_validate_unreadable_input_exits_2(zigha_cli, tmp_path, content):
    path = tmp_path / "cluster.conf"
    if content is not None:
        path.write_text(content)
    done = zigha_cli("conf", "validate", str(path))
    assert done.returncode == 2, done.stdout + done.stderr
    assert str(path) in done.stdout + done.stderr


def test_cli_validate_json(zigha_cli):
    import json

    done = zigha_cli("conf", "validate", "--json", str(EXAMPLE))
    assert done.returncode == 0
    data = json.loads(done.stdout)
    codes = {f["code"] for f in data["findings"]}
    assert codes == {"node-not-fenceable"}


def test_cli_show_and_diff(zigha_cli, tmp_path):
    shown = zigha_cli("conf", "show", str(EXAMPLE))
    assert shown.returncode == 0, shown.stderr
    for word in ("zigsow-cluster", "h1.zigsow.net", "prefer_h2", "service:mail", "192.168.10.248"):
        assert word in shown.stdout

    other = tmp_path / "cluster.conf"
    other.write_text(EXAMPLE.read_text().replace('recovery="relocate">\n      <clusterfs ref="gfs2data"/>\n'
                                                 '      <ip ref="192.168.10.247"/>',
                                                 'recovery="restart">\n      <clusterfs ref="gfs2data"/>\n'
                                                 '      <ip ref="192.168.10.247"/>'))
    assert other.read_text() != EXAMPLE.read_text()
    diff = zigha_cli("conf", "diff", str(EXAMPLE), str(other))
    assert "named" in diff.stdout and "recovery" in diff.stdout, diff.stdout
    same = zigha_cli("conf", "diff", str(EXAMPLE), str(EXAMPLE))
    assert same.returncode == 0 and diff.returncode != 0
