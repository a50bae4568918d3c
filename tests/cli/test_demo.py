"""``zigha demo`` on the bundled seed cluster, and the README's first command from a clean clone."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from zigha.cli.main import main
from zigha.demo import find_examples, run_demo
from zigha.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def first_readme_command() -> str:
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", text, re.S)
    return blocks[0].strip()


def test_demo_sections_come_from_the_seed_files():
    sections = run_demo(ROOT / "examples" / "zigsow")
    titles = [s.title for s in sections]
    assert len(titles) == 6
    cluster, validation, status, simulation, lvs, agents = sections
    assert "zigsow-cluster" in cluster.text
    assert [n["name"] for n in cluster.data["nodes"]] == [
        "h1.zigsow.net", "h2.zigsow.net", "h3.zigsow.net"]
    assert not [f for f in validation.data if f.severity == "error"]
    assert status.data["clustat"].quorate is True
    owners = {s.name: s.owner for s in status.data["clustat"].services}
    assert owners == {"service:http": "h1.zigsow.net", "service:named": "h2.zigsow.net",
                      "service:mail": "h3.zigsow.net"}
    fenced = simulation.data["fenced"]
    assert fenced.final["service:http"].owner == "h2.zigsow.net"
    assert fenced.final["service:http"].state == "started"
    unfenced = simulation.data["unfenced"]
    assert unfenced.final["service:http"].owner == "h1.zigsow.net"  # nothing moves until fenced
    batch = lvs.data.plan.lines
    assert batch[0] == "-A -t 192.168.10.249:80 -s rr"
    assert len(batch) == 4 and all(" -g " in line for line in batch[1:])
    assert lvs.data.applied is False
    assert "/usr/share/cluster/zigha-httpd" in agents.data["files"]
    assert "/usr/lib/ocf/resource.d/zigha/postfix" in agents.data["files"]
    assert agents.data["wired_conf_errors"] == 0


def test_demo_cli_text_and_json(capsys):
    assert main(["demo", "--dir", str(ROOT / "examples" / "zigsow")]) == 0
    out = capsys.readouterr().out
    for heading in ("1. The seed's cluster", "3. Status", "4. What if h1.zigsow.net fails?",
                    "5. The LVS director", "6. Resource agents"):
        assert heading in out
    assert "service:http   h2.zigsow.net  started" in out
    assert main(["demo", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["title"][:3] for d in data] == [
        "The", "Val", "Sta", "Wha", "The", "Res"]


def test_demo_without_the_example_folder_is_one_clear_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--dir", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("zigha: error: the seed example is not at")
    assert len(err.strip().splitlines()) == 1
    with pytest.raises(ConfigError, match="the seed example is not at"):
        find_examples(tmp_path / "nowhere")


def test_readme_first_command_in_a_fresh_virtualenv_from_a_clean_clone(tmp_path):
    """The README's first command, run as written in a clean clone, offline.

    The virtualenv sees this interpreter's site-packages (lxml, attrs, sh are already
    installed here) and pip runs without an index, so no network is used; everything
    else is the README's command as it stands.
    """
    command = first_readme_command()
    assert "zigha demo" in command and "pip install" in command
    clone = tmp_path / "zigha"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    # the clone has what is committed; the working tree's uncommitted edits are not tested here
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    shell = command.replace("python3 -m venv .venv",
                            f"{sys.executable} -m venv --system-site-packages .venv")
    # the apt step prepares the machine (python3-venv is installed by .ci/setup)
    shell = shell.replace("apt-get install -y python3-venv &&", "")
    shell = shell.replace("pip install", "pip install --no-index --no-build-isolation")
    result = subprocess.run(["bash", "-c", shell], cwd=clone, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "1. The seed's cluster (examples/zigsow/cluster.conf)" in result.stdout
    assert "would run 4 change(s) in one ipvsadm -R batch" in result.stdout
    assert (clone / ".venv" / "bin" / "zigha").exists()
