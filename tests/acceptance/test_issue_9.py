"""Issue 9: cluster.conf migrated to Pacemaker, and the Pacemaker tier.

The fixed form is used exactly as worded: ``zigha migrate pacemaker CONF --cib OUT.xml
[--pcs-script OUT.sh] [--json]``, through the installed console script; every CIB is
checked by the real ``crm_verify --xml-file OUT.xml``.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import subprocess
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
SEED_CONF = ROOT / "examples" / "zigsow" / "cluster.conf"
CRM_MON = ROOT / "tests" / "fixtures" / "pcmk"
SEED_NODES = ["h1.zigsow.net", "h2.zigsow.net", "h3.zigsow.net"]
XML_ID = re.compile(r"^[A-Za-z_][\w.-]*$")


def crm_verify(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["crm_verify", "--xml-file", str(path)], capture_output=True,
                          text=True, timeout=120)


def migrate(zigha_cli, conf: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    result = zigha_cli("migrate", "pacemaker", str(conf), "--cib", str(out), *extra)
    assert result.returncode == 0, result.stderr
    return result


def migrate_json(zigha_cli, conf: Path, out: Path, *extra: str) -> dict:
    data = json.loads(migrate(zigha_cli, conf, out, *extra, "--json").stdout)
    assert data["cib"] == str(out)
    assert isinstance(data["report"], list)
    for item in data["report"]:
        assert {"element", "reason", "severity"} <= set(item), item
        assert item["severity"] in ("error", "warning", "info")
        assert item["element"] and item["reason"]
    return data


def nvpairs(tree, section: str) -> dict:
    return {n.get("name"): n.get("value") for n in tree.xpath(f"//{section}//nvpair")}


def corpus_valid(reference) -> list:
    """The files ../shared/reference/cluster-conf/SOURCES.md marks valid (schema 6.x)."""
    text = (reference / "cluster-conf" / "SOURCES.md").read_text()
    names = re.findall(r"^\| ([\w.-]+\.conf) \| valid \|", text, re.M)
    assert len(names) >= 10, names
    return names


# -- the seed ------------------------------------------------------------------------------

def test_seed_cib_is_whole_and_crm_verify_accepts_it(zigha_cli, tmp_path):
    out = tmp_path / "OUT.xml"
    migrate(zigha_cli, SEED_CONF, out)
    verdict = crm_verify(out)
    assert verdict.returncode == 0, verdict.stdout + verdict.stderr
    tree = etree.parse(str(out))
    root = tree.getroot()
    assert root.tag == "cib" and root.get("validate-with")
    for section in ("crm_config", "nodes", "resources", "constraints"):
        assert root.find(f"configuration/{section}") is not None, section
    assert root.find("status") is not None


def test_seed_without_fence_devices_disables_stonith_loudly(zigha_cli, tmp_path):
    out = tmp_path / "OUT.xml"
    data = migrate_json(zigha_cli, SEED_CONF, out)
    assert set(data) == {"cib", "report"}
    tree = etree.parse(str(out))
    assert nvpairs(tree, "crm_config")["stonith-enabled"] == "false"
    assert tree.xpath("//primitive[@class='stonith']") == []
    loud = [i for i in data["report"] if i["severity"] == "error"]
    assert any("stonith-enabled=false" in i["reason"] for i in loud), loud
    # the text form prints the same item, marked as an error
    text = migrate(zigha_cli, SEED_CONF, tmp_path / "text.xml").stdout
    assert re.search(r"^error: .*stonith-enabled=false", text, re.M)


def test_seed_node_names_unchanged_and_services_are_groups_named_after_them(zigha_cli,
                                                                           tmp_path):
    out = tmp_path / "OUT.xml"
    migrate(zigha_cli, SEED_CONF, out)
    tree = etree.parse(str(out))
    assert tree.xpath("/cib/configuration/nodes/node/@uname") == SEED_NODES
    assert tree.xpath("/cib/configuration/resources/group/@id") == ["http", "named", "mail"]
    # the placement of the seed: each group prefers its own node most
    for group, home in (("http", "h1.zigsow.net"), ("named", "h2.zigsow.net"),
                        ("mail", "h3.zigsow.net")):
        rules = tree.xpath(f"//rsc_location[@rsc='{group}']//rule[expression"
                           f"[@attribute='#uname'][@value='{home}']]/@score")
        others = tree.xpath(f"//rsc_location[@rsc='{group}']//rule[expression"
                            f"[@attribute='#uname'][@value!='{home}']]/@score")
        numeric = [int(s) for s in others if s.lstrip("-").isdigit()]
        assert rules and all(int(rules[0]) > s for s in numeric), (group, rules, others)


def test_pcs_script_is_written_with_the_cib(zigha_cli, tmp_path):
    out, script = tmp_path / "OUT.xml", tmp_path / "OUT.sh"
    data = migrate_json(zigha_cli, SEED_CONF, out, "--pcs-script", str(script))
    assert data["cib"] == str(out)
    assert out.exists() and script.exists()
    assert os.access(script, os.X_OK)
    assert subprocess.run(["sh", "-n", str(script)]).returncode == 0
    text = script.read_text()
    assert "stonith-enabled=false" in text
    for group in ("http", "named", "mail"):
        assert f"--group {group}" in text
    assert crm_verify(out).returncode == 0


def test_bad_input_writes_nothing(zigha_cli, tmp_path):
    broken = tmp_path / "broken.conf"
    broken.write_text("<cluster><clusternodes>")
    for conf in (broken, tmp_path / "missing.conf"):
        out = tmp_path / "OUT.xml"
        result = zigha_cli("migrate", "pacemaker", str(conf), "--cib", str(out))
        assert result.returncode == 2
        assert result.stderr.startswith("zigha: error: ") and result.stderr.count("\n") == 1
        assert not out.exists()
        result = zigha_cli("migrate", "pacemaker", str(conf), "--cib", str(out), "--json")
        assert result.returncode == 2 and "error" in json.loads(result.stderr)
        assert not out.exists()
    # --cib is required
    result = zigha_cli("migrate", "pacemaker", str(SEED_CONF))
    assert result.returncode == 2 and result.stderr.count("\n") == 1


def test_unwritable_output_is_exit_1_and_leaves_nothing(zigha_cli, tmp_path):
    out = tmp_path / "no-such-dir" / "OUT.xml"
    result = zigha_cli("migrate", "pacemaker", str(SEED_CONF), "--cib", str(out))
    assert result.returncode == 1
    assert result.stderr.startswith("zigha: error: ") and result.stderr.count("\n") == 1
    assert not out.parent.exists()


# -- fencing present -----------------------------------------------------------------------

def test_fence_devices_become_stonith_and_stay_enabled(zigha_cli, tmp_path):
    conf = tmp_path / "fenced.conf"
    nodes = "".join(
        f'<clusternode name="h{i}" nodeid="{i}"><fence><method name="1">'
        f'<device name="ipmi{i}"/></method></fence></clusternode>' for i in (1, 2, 3))
    devices = "".join(f'<fencedevice name="ipmi{i}" agent="fence_ipmilan" ipaddr="10.0.0.{i}" '
                      f'login="root" passwd="x"/>' for i in (1, 2, 3))
    conf.write_text(f'<?xml version="1.0"?><cluster name="f" config_version="1">'
                    f"<clusternodes>{nodes}</clusternodes><cman/>"
                    f"<fencedevices>{devices}</fencedevices><rm>"
                    f'<service name="web"/></rm></cluster>')
    out = tmp_path / "OUT.xml"
    data = migrate_json(zigha_cli, conf, out)
    assert crm_verify(out).returncode == 0
    tree = etree.parse(str(out))
    assert nvpairs(tree, "crm_config").get("stonith-enabled", "true") == "true"
    assert len(tree.xpath("//primitive[@class='stonith']")) >= 1
    assert not any("stonith-enabled=false" in i["reason"] for i in data["report"])
    assert tree.xpath("//group/@id") == ["web"]


# -- the corpus ------------------------------------------------------------------------------

def test_every_valid_corpus_file_migrates_to_a_cib_crm_verify_accepts(zigha_cli, reference,
                                                                      tmp_path):
    failures = []
    for name in corpus_valid(reference):
        source = reference / "cluster-conf" / name
        out = tmp_path / f"{name}.xml"
        data = migrate_json(zigha_cli, source, out, "--pcs-script", str(tmp_path / f"{name}.sh"))
        verdict = crm_verify(out)
        if verdict.returncode != 0:
            failures.append((name, verdict.stdout + verdict.stderr))
            continue
        conf = etree.parse(str(source))
        cib = etree.parse(str(out))
        # node names unchanged
        assert cib.xpath("/cib/configuration/nodes/node/@uname") == conf.xpath(
            "/cluster/clusternodes/clusternode/@name"), name
        # each service NAME (a valid id, used once) becomes the group with the id NAME
        groups = set(cib.xpath("/cib/configuration/resources/group/@id"))
        names = conf.xpath("/cluster/rm/service/@name")
        for service in names:
            if XML_ID.match(service) and names.count(service) == 1:
                assert service in groups, (name, service, groups)
        # no fence device usable -> stonith off, and said loudly
        if nvpairs(cib, "crm_config").get("stonith-enabled") == "false":
            assert any(i["severity"] == "error" and "stonith" in i["reason"]
                       for i in data["report"]), name
    assert failures == []


# -- zigha status reads crm_mon XML ----------------------------------------------------------

def test_zigha_status_reads_a_crm_mon_xml_capture(zigha_cli):
    result = zigha_cli("status", "--from", str(CRM_MON / "crm_mon-h1-down.xml"), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["quorate"] is True
    members = {m["name"]: m["online"] for m in data["members"]}
    assert members == {"h1.zigsow.net": False, "h2.zigsow.net": True, "h3.zigsow.net": True}
    services = {s["name"]: (s["state"], s["owner"]) for s in data["services"]}
    assert services == {"service:http": ("started", "h2.zigsow.net"),
                        "service:named": ("started", "h2.zigsow.net"),
                        "service:mail": ("started", "h3.zigsow.net")}
    text = zigha_cli("status", "--from", str(CRM_MON / "crm_mon-all-up.xml"))
    assert text.returncode == 0
    assert re.search(r"service:http\s+h1\.zigsow\.net\s+started", text.stdout)


def test_zigha_status_pacemaker_without_a_cluster_is_one_line_exit_3(zigha_cli):
    result = zigha_cli("status", "--pacemaker")
    assert result.returncode == 3
    assert result.stderr.startswith("zigha: error: ") and result.stderr.count("\n") == 1


# -- the Pacemaker tier runs in CI -------------------------------------------------------------

def test_pcmk_tier_is_part_of_the_ci_run_and_installs_what_it_needs():
    run = (ROOT / ".ci" / "run").read_text()
    assert "python3 -m pytest" in run and "-m" not in run.split("pytest", 1)[1].split("\n")[0]
    setup = (ROOT / ".ci" / "setup").read_text()
    for package in ("corosync", "pacemaker", "pacemaker-cli-utils", "resource-agents",
                    "apache2", "bind9", "postfix"):
        assert re.search(rf"\b{re.escape(package)}\b", setup), package
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    options = config["tool:pytest"]
    assert "pcmk:" in options["markers"]
    assert "not pcmk" not in options.get("addopts", "")


def test_pcmk_tier_fails_never_skips_and_uses_the_real_cluster():
    source = "".join(p.read_text() for p in (ROOT / "tests" / "pcmk").glob("*.py"))
    assert "pytest.skip" not in source and "skipif" not in source
    assert "pytest.mark.pcmk" in source
    assert "cibadmin" in source and "migrate" in source
    assert "crm_mon" in source or "zigha.pcmk" in source


def test_every_service_becomes_its_group_even_without_resources(zigha_cli, tmp_path):
    conf = tmp_path / "bare.conf"
    conf.write_text('<?xml version="1.0"?><cluster name="b" config_version="1"><clusternodes>'
                    '<clusternode name="h1" nodeid="1"/><clusternode name="h2" nodeid="2"/>'
                    '</clusternodes><cman/><rm><failoverdomains><failoverdomain name="d" '
                    'ordered="1"><failoverdomainnode name="h2" priority="1"/></failoverdomain>'
                    '</failoverdomains><service name="web" domain="d"/>'
                    '<service name="app" depend="service:web"><ip address="10.1.1.1"/>'
                    '</service></rm></cluster>')
    out = tmp_path / "OUT.xml"
    data = migrate_json(zigha_cli, conf, out)
    assert crm_verify(out).returncode == 0
    tree = etree.parse(str(out))
    assert tree.xpath("//group/@id") == ["web", "app"]
    # web's placement and app's dependency on it are kept, and the stand-in is reported
    assert tree.xpath("//rsc_location[@rsc='web']")
    assert tree.xpath("//rsc_order[@first='web'][@then='app']")
    assert any(i["element"] == "/cluster/rm/service[@name='web']" and "placeholder" in
               i["reason"] for i in data["report"])


def test_exclusive_is_translated_and_its_difference_reported(zigha_cli, tmp_path):
    conf = tmp_path / "exclusive.conf"
    conf.write_text('<?xml version="1.0"?><cluster name="x" config_version="1"><clusternodes>'
                    '<clusternode name="h1" nodeid="1"/><clusternode name="h2" nodeid="2"/>'
                    '</clusternodes><cman two_node="1" expected_votes="1"/><rm>'
                    '<service name="big" exclusive="1"><ip address="10.1.1.1"/></service>'
                    '<service name="named"><ip address="10.1.1.2"/></service></rm></cluster>')
    out = tmp_path / "OUT.xml"
    data = migrate_json(zigha_cli, conf, out)
    assert crm_verify(out).returncode == 0
    tree = etree.parse(str(out))
    assert tree.xpath("//rsc_colocation[@rsc='named'][@with-rsc='big']/@score") == ["-INFINITY"]
    assert any(i["element"] == "/cluster/rm/service[@name='big']" and "exclusive" in i["reason"]
               and i["severity"] == "warning" for i in data["report"])


def test_library_result_prints_readably():
    from zigha.conf import ClusterConf
    from zigha.migrate import migrate

    result = migrate(ClusterConf.load(SEED_CONF))
    assert repr(result) == ("<Migration zigsow-cluster: 3 nodes, 3 groups, 0 stonith, "
                            "9 constraints; report: 1 error, 1 warning, 11 info>")
    assert [g.id for g in result.plan.groups] == ["http", "named", "mail"]
    assert result.cib.startswith("<") and "pcs" in result.pcs_script


def test_relocate_policy_difference_is_reported(zigha_cli, tmp_path):
    data = migrate_json(zigha_cli, SEED_CONF, tmp_path / "OUT.xml")
    for service in ("http", "named", "mail"):
        assert any(i["element"] == f"/cluster/rm/service[@name='{service}']"
                   and "crm_resource --cleanup" in i["reason"] for i in data["report"]), service
