"""Every real cluster.conf of the corpus loads, round-trips and gets the right verdict."""

from __future__ import annotations

import pytest
from conf_corpus_paths import ALL_FILES, SCHEMA_VALID

from zigha import xmlutil
from zigha.conf import ClusterConf

corpus = pytest.mark.parametrize("corpus_file", ALL_FILES, ids=[f.name for f in ALL_FILES])


def test_the_corpus_is_complete(reference):
    names = {f.name for f in (reference / "cluster-conf").glob("*.conf")}
    assert len(names) == 26
    assert SCHEMA_VALID <= names


@corpus
def test_loads_and_round_trips_c14n_equal(corpus_file):
    text = corpus_file.read_bytes()
    conf = ClusterConf.load(corpus_file)
    again = ClusterConf.from_string(text).to_string()
    assert xmlutil.c14n(again) == xmlutil.c14n(text)
    assert xmlutil.c14n(conf.to_string(), with_comments=True) == xmlutil.c14n(text, with_comments=True)
    # the views never fail, valid file or not
    conf.summary()


def test_comments_survive(reference):
    path = reference / "cluster-conf" / "rgmanager-test016.conf"
    out = ClusterConf.load(path).to_string()
    assert "Negative test: Attempting to assign an IP address" in out


@corpus
def test_schema_verdict_matches_the_reference(corpus_file, reference):
    conf = ClusterConf.load(corpus_file)
    findings = conf.validate(reference / "cluster.rng")
    schema_errors = [f for f in findings if f.code == "schema"]
    assert conf.last_schema == str(reference / "cluster.rng")
    if corpus_file.name in SCHEMA_VALID:
        assert schema_errors == []
    else:
        assert schema_errors, "the reference says this file fails the schema"
        for finding in schema_errors:
            assert finding.severity == "error" and finding.line and finding.line > 0


def test_invalid_files_name_the_place(reference):
    conf = ClusterConf.load(reference / "cluster-conf" / "rgmanager-test016.conf")
    by_code = {f.code: f for f in conf.validate(reference / "cluster.rng")}
    assert by_code["missing-cluster-name"].path == "/cluster"
    assert by_code["missing-cluster-name"].line == 8
    extra = by_code["max-instances"]
    assert extra.path == "/cluster/rm/service[@ref='test2']/ip[@ref='192.168.1.3']"
    assert extra.line == 38

    conf = ClusterConf.load(reference / "cluster-conf" / "clufter-try_edit.conf")
    schema = [(f.line, f.path, f.message) for f in conf.validate(reference / "cluster.rng")
              if f.code == "schema"]
    # the three reasons SOURCES.md gives, each at its own place
    assert schema == [
        (12, "/cluster/totem/interface", "attribute 'ttl' is not allowed on <interface>"),
        (20, "/cluster/fencedevices/fencedevice[@name='foo']",
         "attribute 'testarg' is not allowed on <fencedevice>"),
        (20, "/cluster/fencedevices/fencedevice[@name='foo']", "<fencedevice> lacks required attribute 'agent'"),
    ]


def test_semantic_findings_of_the_reference_table(reference):
    """cluster-conf/SOURCES.md 'main semantic findings' column."""
    def codes(name):
        return {f.code for f in ClusterConf.load(reference / "cluster-conf" / name).validate()}

    assert "two-node-expected-votes" in codes("clufter-filled.conf")
    assert "missing-unfence" in codes("clufter-filled.conf")
    assert "priority-ignored" in codes("clufter-test3.conf")
    assert "priority-ignored" not in codes("clufter-test2.conf")
    assert "max-instances" in codes("rgmanager-test016.conf")
    assert "max-instances" not in codes("rgmanager-test018.conf")  # clusterfs: many instances
    for name in ("clufter-test1.conf", "clufter-test5.conf", "proxmox-cluster.conf",
                 "qpid-cpp-fedora-example.conf", "pcs-cluster.conf"):
        assert not [f for f in ClusterConf.load(reference / "cluster-conf" / name).validate()
                    if f.is_error], name


CCS_WRITTEN = sorted(n for n in SCHEMA_VALID if n.startswith(("ccs-", "pcs-", "proxmox-")))


@pytest.mark.parametrize("name", CCS_WRITTEN)
def test_tool_written_files_round_trip_byte_for_byte(reference, name):
    """Files written by ccs/luci-style tools (no blanks inside tags) come back unchanged,
    so a save changes only the edited lines and config_version."""
    raw = (reference / "cluster-conf" / name).read_bytes()
    assert ClusterConf.from_string(raw).to_bytes() == raw


def test_prolog_blank_lines_and_comments_are_kept(reference):
    raw = (reference / "cluster-conf" / "qpid-cpp-fedora-example.conf").read_text()
    out = ClusterConf.from_string(raw).to_string()
    assert out[: raw.index("<cluster ")] == raw[: raw.index("<cluster ")]
