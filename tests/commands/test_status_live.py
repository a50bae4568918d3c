"""clustat and cman_tool through the strict fake runner, exit codes as rhcs-cli.md §1.4 says."""

from __future__ import annotations

import pytest

from zigha.errors import ParseError
from zigha.status import (
    ClustatError,
    ClusterStatus,
    CmanError,
    CmanNotRunningError,
    InquorateError,
    Member,
    RgmanagerUnavailableError,
    ServiceState,
    ServiceStatus,
    UnknownMemberError,
    UnknownServiceError,
    clustat,
    cman_nodes,
    cman_status,
    is_quorate,
    member_status,
    render_clustat_text,
    render_clustat_xml,
    service_status,
)

NO_CMAN = "Could not connect to CMAN: No such file or directory\n"


def sample(reference, name):
    return reference / "samples" / name


def test_full_report_through_xml(reference, fake_runner):
    fake_runner.expect(["clustat", "-x"], stdout_file=sample(reference, "clustat-xml-01.xml"))
    status = clustat(fake_runner)
    assert status.cluster_name == "cluster1" and status.service("webby").state.code == 119
    assert fake_runner.calls[0].timeout == 30.0


def test_text_mode_accepts_rhel60_exit_255(reference, fake_runner):
    text = render_clustat_text(ClusterStatus(
        cluster_name="c1", quorate=True, members=[Member("n1", 1, True, local=True)],
        services_available=False))
    fake_runner.expect(["clustat"], rc=255, stdout=text)
    status = clustat(fake_runner, xml=False)
    assert status.members[0].name == "n1" and not status.services_available


def test_cman_down(fake_runner):
    fake_runner.expect(["clustat", "-x"], rc=1, stderr=NO_CMAN)
    with pytest.raises(CmanNotRunningError, match="Could not connect to CMAN"):
        clustat(fake_runner)


def test_rgmanager_timeout_without_report(fake_runner):
    fake_runner.expect(["clustat", "-x"], rc=1,
                       stderr="Timed out waiting for a response from Resource Group Manager\n")
    with pytest.raises(RgmanagerUnavailableError):
        clustat(fake_runner)


def test_usage_instead_of_report(fake_runner):
    fake_runner.expect(["clustat"], rc=0, stdout="usage: clustat <options>\n    -i <interval>\n")
    with pytest.raises(ClustatError, match="usage"):
        clustat(fake_runner, xml=False)


def test_garbage_output_is_a_parse_error(fake_runner):
    fake_runner.expect(["clustat", "-x"], stdout="<clustat><nodes><node/></nodes></clustat>")
    with pytest.raises(ParseError):
        clustat(fake_runner)


def svc_doc(*services, available=True):
    return render_clustat_xml(ClusterStatus(services=services, services_available=available))


def test_service_status_uses_state_number_exit(fake_runner):
    disabled = ServiceStatus("service:httpd", ServiceState.DISABLED, last_owner="h2")
    fake_runner.expect(["clustat", "-x", "-s", "service:httpd"], rc=119, stdout=svc_doc(disabled))
    assert service_status("httpd", fake_runner) == ServiceStatus(
        "service:httpd", ServiceState.DISABLED, last_owner="h2", flags_value=0, restarts=0,
        last_transition=0, last_transition_str="Thu Jan  1 00:00:00 1970")


def test_service_status_not_found_and_no_states(fake_runner):
    fake_runner.expect(["clustat", "-x", "-s", "vm:guest"], rc=0, stdout=svc_doc())
    with pytest.raises(UnknownServiceError):
        service_status("vm:guest", fake_runner)
    fake_runner.expect(["clustat", "-x", "-s", "service:a"], rc=255, stdout=svc_doc(available=False))
    with pytest.raises(RgmanagerUnavailableError):
        service_status("a", fake_runner)
    fake_runner.expect(["clustat", "-x", "-s", "service:a"], rc=255,
                       stdout="Service states unavailable: Operation requires quorum\n"
                              + svc_doc(available=False))
    with pytest.raises(InquorateError):
        service_status("a", fake_runner)


def test_member_status(fake_runner):
    doc = render_clustat_xml(ClusterStatus(members=[Member("h2", 2, False)],
                                           services_available=False))
    fake_runner.expect(["clustat", "-x", "-m", "h2"], rc=1, stdout=doc)
    assert member_status("h2", fake_runner).online is False
    fake_runner.expect(["clustat", "-x", "-m", "h9"], rc=0,
                       stdout=render_clustat_xml(ClusterStatus(services_available=False)))
    with pytest.raises(UnknownMemberError):
        member_status("h9", fake_runner)


@pytest.mark.parametrize("rc, stderr, expected", [(0, "", True), (1, "", False)])
def test_quorate_check(fake_runner, rc, stderr, expected):
    fake_runner.expect(["clustat", "-Q"], rc=rc, stderr=stderr)
    assert is_quorate(fake_runner) is expected


def test_quorate_check_without_cman(fake_runner):
    fake_runner.expect(["clustat", "-Q"], rc=1, stderr=NO_CMAN)
    with pytest.raises(CmanNotRunningError):
        is_quorate(fake_runner)


def test_cman_readers(reference, fake_runner):
    fake_runner.expect(["cman_tool", "status"], stdout_file=sample(reference, "cman_tool-status-02.txt"))
    fake_runner.expect(["cman_tool", "nodes", "-a"],
                       stdout_file=sample(reference, "cman_tool-nodes-01.txt"))
    assert cman_status(fake_runner).quorate is False
    assert [n.addresses for n in cman_nodes(fake_runner, addresses=True)][0] == ("10.4.10.60",)


@pytest.mark.parametrize("stderr, cls", [
    ("cman_tool: Cannot open connection to cman, is it running ?\n", CmanNotRunningError),
    ("cman_tool: Node is not yet a cluster member\n", CmanNotRunningError),
    ("cman_tool: Cannot open connection to cman, permission denied.\n", CmanError),
])
def test_cman_errors(fake_runner, stderr, cls):
    fake_runner.expect(["cman_tool", "nodes"], rc=1, stderr=stderr)
    with pytest.raises(cls) as info:
        cman_nodes(fake_runner)
    assert type(info.value) is cls and str(info.value).endswith(stderr.strip())


def test_missing_tool_passes_through(fake_runner):
    from zigha.errors import ToolNotFound

    fake_runner.missing(["cman_tool", "status"])
    with pytest.raises(ToolNotFound):
        cman_status(fake_runner)
