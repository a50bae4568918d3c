"""examples/status_report.py and examples/safe_relocate.py against the fake runners."""

from __future__ import annotations

import importlib.util

import pytest

from zigha.status import ClusterStatus, Member, ServiceState, ServiceStatus, render_clustat_xml
from zigha.testing import CannedRunner


def load(examples, name):
    spec = importlib.util.spec_from_file_location(name, examples / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_status_report_all_well_from_demo_captures(examples, capsys):
    xml = (examples / "zigsow" / "captures" / "clustat-x.xml").read_text()
    runner = CannedRunner({("clustat", "-x"): (0, xml, "")})
    assert load(examples, "status_report").main([], runner=runner) == 0
    out = capsys.readouterr().out
    assert "cluster zigsow-cluster: quorate" in out
    assert "ok  service:named: started (h2.zigsow.net)" in out


def test_status_report_flags_the_seed_recovery(examples, reference, capsys):
    capture = reference / "samples" / "clustat-text-02.txt"
    assert load(examples, "status_report").main(["--from", str(capture)]) == 1
    assert "!!  service:httpd: recoverable (last on h2.zigsow.net)" in capsys.readouterr().out


def svc(state, owner=None, flags=()):
    return render_clustat_xml(ClusterStatus(services=[
        ServiceStatus("service:http", state, owner=owner, last_owner="h1.zigsow.net",
                      flags=flags)]))


def member(name):
    return render_clustat_xml(ClusterStatus(members=[Member(name, 2, True, rgmanager=True)],
                                            services_available=False))


def test_safe_relocate_retries_busy_then_waits(examples, fake_runner):
    target = "h2.zigsow.net"
    show = ["clustat", "-x", "-s", "service:http"]
    fake_runner.expect(show, stdout=svc(ServiceState.STARTED, "h1.zigsow.net"))
    fake_runner.expect(["clustat", "-x", "-m", target], stdout=member(target))
    fake_runner.expect(["clusvcadm", "-r", "service:http", "-m", target], rc=251,
                       stdout=f"Trying to relocate service:http to {target}...Operation would cause a deadlock\n")
    fake_runner.expect(["clustat", "-x", "-m", target], stdout=member(target))
    fake_runner.timeout(["clusvcadm", "-r", "service:http", "-m", target], seconds=120)
    fake_runner.expect(show, stdout=svc(ServiceState.STARTING, target))
    fake_runner.expect(show, stdout=svc(ServiceState.STARTED, target))
    said = []
    module = load(examples, "safe_relocate")
    final = module.safe_relocate("http", target, runner=fake_runner, say=said.append,
                                 pause=lambda s: None, timeout=120)
    assert final.state is ServiceState.STARTED and final.owner == target
    assert said[0].startswith("attempt 1: ") and "deadlock" in said[0]
    assert "outcome unknown" in said[1]
    assert said[-1].endswith("started on h2.zigsow.net")


def test_safe_relocate_refuses_frozen(examples, fake_runner):
    fake_runner.expect(["clustat", "-x", "-s", "service:http"],
                       stdout=svc(ServiceState.STARTED, "h1.zigsow.net", flags=("frozen",)))
    with pytest.raises(SystemExit, match="frozen"):
        load(examples, "safe_relocate").safe_relocate("http", "h2", runner=fake_runner)
