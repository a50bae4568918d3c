"""The real runner seam with stand-in clustat/clusvcadm executables (shell scripts that
print real captures and exit like the tools), and the `zigha` command as a process."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from zigha.runner import LocalRunner
from zigha.services import OutcomeUnknownError, Services, UnknownServiceError
from zigha.status import ServiceState, clustat, service_status


def tool(tmp_path, name, body):
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def runner_for(tmp_path):
    def make(**scripts):
        environ = {f"ZIGHA_TOOL_{name.upper()}": tool(tmp_path, name, body)
                   for name, body in scripts.items()}
        return LocalRunner(environ=environ)
    return make


def test_state_number_exit_is_data(reference, runner_for, tmp_path):
    doc = tmp_path / "s.xml"
    doc.write_text('<?xml version="1.0"?>\n<clustat version="4.1.1">\n  <groups>\n'
                   '    <group name="service:httpd" state="119" state_str="disabled"  '
                   'owner="none" last_owner="h2" restarts="0" last_transition="0" '
                   'last_transition_str="Thu Jan  1 01:00:00 1970"/>\n  </groups>\n</clustat>\n')
    runner = runner_for(clustat=f'[ "$*" = "-x -s service:httpd" ] || exit 9\ncat {doc}\nexit 119\n')
    svc = service_status("httpd", runner)
    assert (svc.state, svc.last_owner) == (ServiceState.DISABLED, "h2")


def test_rhel60_text_exit_255(reference, runner_for):
    capture = reference / "samples" / "clustat-text-01.txt"
    runner = runner_for(clustat=f"head -8 {capture}\nexit 255\n")
    status = clustat(runner, xml=False)
    assert [m.name for m in status.members][0] == "h1.zigsow.net"
    assert not status.services_available


def test_clusvcadm_results_through_processes(reference, runner_for):
    capture = reference / "samples" / "clusvcadm-02.txt"
    runner = runner_for(clusvcadm=(
        f'case "$1" in -d) cat {capture}; exit 0;; '
        '-e) printf "Local machine trying to enable %s...Service does not exist\\n" "$2"; exit 252;; '
        'esac\nexit 1\n'))
    assert Services(runner).disable("srv_www").ok
    with pytest.raises(UnknownServiceError) as info:
        Services(runner).enable("nothere")
    assert info.value.rc == 252


def test_hanging_clusvcadm_is_killed_and_outcome_unknown(runner_for):
    runner = runner_for(clusvcadm='printf "Local machine disabling %s..." "$2"\nexec sleep 30\n')
    start = time.monotonic()
    with pytest.raises(OutcomeUnknownError, match="outcome unknown"):
        Services(runner, timeout=0.5).disable("httpd")
    assert time.monotonic() - start < 10


def test_zigha_command_reads_a_capture(reference):
    capture = reference / "samples" / "clustat-text-04.txt"
    done = subprocess.run([sys.executable, "-m", "zigha.cli.main", "status", "--json",
                           "--from", str(capture)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert '"owner": "h2.zigsow.net"' in done.stdout
    done = subprocess.run([sys.executable, "-m", "zigha.cli.main", "status", "query", "service",
                           "mail", "--owner", "h3.zigsow.net", "--from", str(capture)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == ""
