"""save(): atomic (never torn, even under SIGKILL), locked, conflict-checked, validated."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from conf_corpus_paths import EXAMPLE, SCHEMA

from zigha.conf import ClusterConf, store
from zigha.errors import ConfigError, SaveConflictError, ValidationError


@pytest.fixture
def conf_file(tmp_path):
    path = tmp_path / "cluster.conf"
    path.write_bytes(EXAMPLE.read_bytes())
    return path


def test_save_bumps_version_keeps_backup_and_layout(conf_file):
    conf = ClusterConf.load(conf_file)
    conf.add_node("h4.zigsow.net", nodeid=4)
    assert conf.save(schema=SCHEMA) == str(conf_file)
    assert conf.last_schema == str(SCHEMA)
    again = ClusterConf.load(conf_file)
    assert again.config_version == 2 and again.node("h4.zigsow.net").nodeid == 4
    assert (conf_file.parent / "cluster.conf.bak").read_bytes() == EXAMPLE.read_bytes()
    expected = EXAMPLE.read_text().replace('config_version="1"', 'config_version="2"')
    assert conf_file.read_text() == expected.replace(
        '    </clusternode>\n  </clusternodes>',
        '    </clusternode>\n    <clusternode name="h4.zigsow.net" nodeid="4"/>\n  </clusternodes>')
    # the object follows the file: a second save works without reloading
    conf.add_node("h5.zigsow.net")
    conf.save(schema=SCHEMA)
    assert ClusterConf.load(conf_file).config_version == 3


def test_mode_is_preserved(conf_file):
    os.chmod(conf_file, 0o640)
    ClusterConf.load(conf_file).save(schema=SCHEMA)
    assert conf_file.stat().st_mode & 0o777 == 0o640


def test_invalid_config_is_refused_and_nothing_written(conf_file):
    before = conf_file.read_bytes()
    conf = ClusterConf.load(conf_file)
    conf.root.find("clusternodes")[0].set("nodeid", "2")  # bypass the guarded edits
    conf.touch()
    with pytest.raises(ValidationError) as info:
        conf.save(schema=SCHEMA)
    assert any(f.code == "duplicate-nodeid" for f in info.value.findings)
    assert conf_file.read_bytes() == before
    assert conf.config_version == 1  # the bump was rolled back
    assert not (conf_file.parent / "cluster.conf.bak").exists()


def test_schema_invalid_is_refused(conf_file):
    conf = ClusterConf.load(conf_file)
    conf.root.set("alias", "rhel5-leftover")
    with pytest.raises(ValidationError) as info:
        conf.save(schema=SCHEMA)
    assert info.value.findings[0].code == "schema"


def test_conflict_is_detected_by_content_not_version(conf_file):
    first = ClusterConf.load(conf_file)
    second = ClusterConf.load(conf_file)
    first.add_node("h4.zigsow.net")
    first.save(schema=SCHEMA)
    second.add_node("h5.zigsow.net")
    with pytest.raises(SaveConflictError) as info:
        second.save(schema=SCHEMA)
    assert info.value.file == str(conf_file)
    on_disk = ClusterConf.load(conf_file)
    assert [n.name for n in on_disk.nodes][-1] == "h4.zigsow.net"
    # same config_version, different content: still a conflict
    third = ClusterConf.load(conf_file)
    conf_file.write_text(conf_file.read_text().replace('votes="1"', 'votes="2"', 1))
    with pytest.raises(SaveConflictError):
        third.save(schema=SCHEMA)


def test_save_from_string_needs_a_path_and_can_create(tmp_path):
    conf = ClusterConf.from_string(EXAMPLE.read_text())
    with pytest.raises(ConfigError):
        conf.save()
    target = tmp_path / "new.conf"
    conf.save(target, schema=SCHEMA)
    assert ClusterConf.load(target).config_version == 2
    assert not (tmp_path / "new.conf.bak").exists()


def test_failure_during_write_leaves_the_old_file(conf_file, monkeypatch):
    before = conf_file.read_bytes()
    conf = ClusterConf.load(conf_file)
    conf.add_node("h4.zigsow.net")

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        conf.save(schema=SCHEMA)
    monkeypatch.undo()
    assert conf_file.read_bytes() == before
    assert [p.name for p in conf_file.parent.iterdir() if ".tmp" in p.name] == []


def test_lock_timeout_is_a_clear_error(conf_file):
    conf = ClusterConf.load(conf_file)
    with store.FileLock(str(conf_file)):
        with pytest.raises(ConfigError, match="another editor holds the lock"):
            store.save(conf, schema=SCHEMA, lock_timeout=0.2)
    conf.save(schema=SCHEMA)


SAVER = textwrap.dedent("""
    import sys
    from zigha.conf import ClusterConf
    path, schema = sys.argv[1], sys.argv[2]
    ClusterConf.load(path).save(schema=schema)  # one complete save before the kill window
    print("ready", flush=True)
    while True:
        ClusterConf.load(path).save(schema=schema)
""")


def expected_text(initial: str, version: int) -> str:
    return initial.replace('config_version="1"', f'config_version="{version}"', 1)


def test_killed_saver_never_leaves_a_torn_file(conf_file):
    """SIGKILL a process that saves in a loop, at random moments, many times: the file
    is always a complete config (exactly the text of some version), never torn."""
    initial = EXAMPLE.read_text()
    rng = random.Random(20110817)
    seen_versions = set()
    for _ in range(30):
        child = subprocess.Popen([sys.executable, "-c", SAVER, str(conf_file), str(SCHEMA)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert child.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.0, 0.15))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
        assert child.returncode == -signal.SIGKILL, child.stderr.read()
        text = conf_file.read_text()
        conf = ClusterConf.from_string(text)
        assert text == expected_text(initial, conf.config_version)
        assert [f for f in conf.validate(SCHEMA) if f.is_error] == []
        backup = conf_file.parent / "cluster.conf.bak"
        if backup.exists():
            back = ClusterConf.from_string(backup.read_text())
            assert backup.read_text() == expected_text(initial, back.config_version)
        seen_versions.add(conf.config_version)
    assert max(seen_versions) > 30, "every saver completed at least one save before its kill"
    ClusterConf.load(conf_file).save(schema=SCHEMA)  # the next save sweeps what killed savers left
    leftovers = [p.name for p in conf_file.parent.iterdir()
                 if p.name.startswith((".cluster.conf.tmp", ".cluster.conf.bak"))]
    assert leftovers == []


EDITOR = textwrap.dedent("""
    import sys
    from zigha.conf import ClusterConf
    from zigha.errors import SaveConflictError
    path, schema, worker, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    conflicts = 0
    for i in range(count):
        while True:
            conf = ClusterConf.load(path)
            conf.add_node(f"w{worker}-{i}.zigsow.net")
            try:
                conf.save(schema=schema)
                break
            except SaveConflictError:
                conflicts += 1
    print(conflicts)
""")


def test_concurrent_editors_never_lose_an_update(conf_file):
    workers, each = 4, 6
    procs = [subprocess.Popen([sys.executable, "-c", EDITOR, str(conf_file), str(SCHEMA), str(w), str(each)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for w in range(workers)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    conf = ClusterConf.load(conf_file)
    names = {n.name for n in conf.nodes}
    assert {f"w{w}-{i}.zigsow.net" for w in range(workers) for i in range(each)} <= names
    assert conf.config_version == 1 + workers * each
    assert len({n.nodeid for n in conf.nodes}) == len(conf.nodes)
