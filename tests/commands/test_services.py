"""clusvcadm through the strict fake runner: real messages and exit codes
(../shared/reference/samples/clusvcadm-*.txt and rhcs-cli.md §2), success and each failure."""

from __future__ import annotations

import pytest

from zigha.errors import CommandTimeout
from zigha.services import (
    RESULTS,
    ClusvcadmUsageError,
    FencePendingError,
    InquorateError,
    InvalidOperationError,
    MemberOfflineError,
    Outcome,
    OutcomeUnknownError,
    PermissionDeniedError,
    RelocationFailedError,
    RgmanagerUnavailableError,
    ServiceBusyError,
    ServiceFailedError,
    ServiceFrozenError,
    ServiceNotRunnableError,
    ServiceOperationError,
    Services,
    UnknownMemberError,
    UnknownServiceError,
    WaitTimeoutError,
    parse_clusvcadm,
)
from zigha.status import ClusterStatus, Member, ServiceState, ServiceStatus, render_clustat_xml


def sample(reference, name):
    return reference / "samples" / name


def members_xml(*members, full=False):
    """What clustat -x (-m NAME) prints for these members."""
    return render_clustat_xml(ClusterStatus(
        cluster_name="c1" if full else None, quorate=True if full else None,
        members=members, services_available=False))


def service_xml(*services, available=True):
    """What clustat -x -s NAME prints."""
    return render_clustat_xml(ClusterStatus(services=services, services_available=available))


def online(name, nodeid=1, up=True):
    return Member(name=name, nodeid=nodeid, online=up, rgmanager=up)


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_disable_success(reference, fake_runner):
    fake_runner.expect(["clusvcadm", "-d", "service:srv_www"],
                       stdout_file=sample(reference, "clusvcadm-02.txt"))
    result = Services(fake_runner).disable("srv_www")
    assert (result.outcome, result.ok, result.service) == (Outcome.SUCCESS, True, "service:srv_www")
    assert result.message == "Local machine disabling service:srv_www...Success"
    assert fake_runner.calls[0].timeout == 120.0


def test_relocate_to_exact_member(reference, fake_runner):
    node = "node3-f30.example.com"
    fake_runner.expect(["clustat", "-x", "-m", node], stdout=members_xml(online(node, 3)))
    fake_runner.expect(["clusvcadm", "-r", "service:httpd", "-m", node],
                       stdout_file=sample(reference, "clusvcadm-04.txt"))
    result = Services(fake_runner).relocate("httpd", member=node, timeout=30)
    assert result.outcome is Outcome.SUCCESS and result.running_on == node
    assert result.member == node and result.resolved_from is None
    assert fake_runner.calls[1].timeout == 30


def test_inexact_member_is_refused_before_clusvcadm_runs(fake_runner):
    fake_runner.expect(["clustat", "-x", "-m", "hbbilbo"], stdout=members_xml())
    fake_runner.expect(["clustat", "-x"], stdout=members_xml(
        online("hbbilbo.maison.ca", 1), online("hbgandalf.maison.ca", 2), full=True))
    with pytest.raises(UnknownMemberError) as info:
        Services(fake_runner).relocate("srv_ftp", member="hbbilbo")
    assert "did you mean 'hbbilbo.maison.ca'" in str(info.value)
    assert "closest match" in str(info.value)
    assert info.value.exit_code == 2


def test_inexact_member_resolved_when_asked(fake_runner):
    full = "hbbilbo.maison.ca"
    fake_runner.expect(["clustat", "-x", "-m", "hbbilbo"], stdout=members_xml())
    fake_runner.expect(["clustat", "-x"], stdout=members_xml(online(full, 1), full=True))
    fake_runner.expect(["clustat", "-x", "-m", full], stdout=members_xml(online(full, 1)))
    fake_runner.expect(["clusvcadm", "-r", "service:srv_ftp", "-m", full],
                       stdout=f"Trying to relocate service:srv_ftp to {full}...Success\n"
                              f"service:srv_ftp is now running on {full}\n")
    result = Services(fake_runner, resolve_members=True).relocate("srv_ftp", member="hbbilbo")
    assert (result.member, result.resolved_from, result.running_on) == (full, "hbbilbo", full)


def test_closest_match_reported_when_member_check_is_off(reference, fake_runner):
    fake_runner.expect(["clusvcadm", "-r", "service:srv_ftp", "-m", "hbbilbo"],
                       stdout_file=sample(reference, "clusvcadm-01.txt"))
    result = Services(fake_runner, check_members=False).relocate("srv_ftp", member="hbbilbo")
    assert result.outcome is Outcome.SUCCESS
    assert (result.member, result.resolved_from) == ("hbbilbo.maison.ca", "hbbilbo")
    assert result.running_on == "hbbilbo.maison.ca"


def test_enable_on_member_from_capture(reference, fake_runner):
    fake_runner.expect(["clusvcadm", "-e", "service:srv_www", "-m", "hbbilbo"],
                       stdout_file=sample(reference, "clusvcadm-03.txt"))
    result = Services(fake_runner, check_members=False).enable("srv_www", member="hbbilbo")
    assert result.ok and result.running_on == "hbbilbo.maison.ca"


def test_enable_that_lands_elsewhere_is_not_success(fake_runner):
    fake_runner.expect(["clustat", "-x", "-m", "h2.zigsow.net"],
                       stdout=members_xml(online("h2.zigsow.net", 2)))
    fake_runner.expect(["clusvcadm", "-e", "service:httpd", "-m", "h2.zigsow.net"], stdout=(
        "Member h2.zigsow.net trying to enable service:httpd...Success\n"
        "Warning: service:httpd is now running on h1.zigsow.net\n"))
    result = Services(fake_runner).enable("httpd", member="h2.zigsow.net")
    assert result.outcome is Outcome.RUNNING_ELSEWHERE and not result.ok
    assert result.running_on == "h1.zigsow.net"


def test_enable_already_running_exits_zero(fake_runner):
    fake_runner.expect(["clusvcadm", "-e", "service:httpd"],
                       stdout="Local machine trying to enable service:httpd...Service is already running\n")
    result = Services(fake_runner).enable("httpd")
    assert result.outcome is Outcome.ALREADY_RUNNING and result.ok and result.running_on is None


def test_enable_following_domain_rules(fake_runner):
    fake_runner.expect(["clusvcadm", "-e", "service:httpd", "-F"], stdout=(
        "Local machine trying to enable service:httpd...Success\n"
        "service:httpd is now running on h2.zigsow.net\n"))
    result = Services(fake_runner).enable("httpd", follow_domain=True)
    assert result.running_on == "h2.zigsow.net"
    with pytest.raises(ValueError):
        Services(fake_runner).enable("httpd", member="h1", follow_domain=True)


def test_warning_see_system_logs_is_its_own_outcome(fake_runner):
    fake_runner.expect(["clusvcadm", "-d", "service:httpd"], rc=237,
                       stdout="Local machine disabling service:httpd...Warning; see system logs\n")
    result = Services(fake_runner).disable("httpd")
    assert result.outcome is Outcome.WARNING and not result.ok


FAILURES = {
    "Failure": ServiceFailedError,
    "Aborted; service failed": ServiceFailedError,
    "Service not mastered locally": ServiceBusyError,
    "Service does not exist": UnknownServiceError,
    "Operation would cause a deadlock": ServiceBusyError,
    "Temporary failure; try again": ServiceBusyError,
    "Operation violates dependency rule": ServiceNotRunnableError,
    "Invalid operation for resource": InvalidOperationError,
    "Operation requires quorum": InquorateError,
    "Failure: Service is frozen": ServiceFrozenError,
    "Target node dead / nonexistent": MemberOfflineError,
    "Fencing operation pending; try again later": FencePendingError,
    "S/Lang Script Error": ServiceFailedError,
    "Service not runnable": ServiceNotRunnableError,
    "Service not runnable: cannot run exclusive": ServiceNotRunnableError,
    "Failed; service running on original owner": RelocationFailedError,
    "Permissing denied": PermissionDeniedError,
    "Permission denied": PermissionDeniedError,
}
RETRYABLE = {"Service not mastered locally", "Operation would cause a deadlock",
             "Temporary failure; try again", "Operation requires quorum",
             "Fencing operation pending; try again later"}


@pytest.mark.parametrize("text", sorted(FAILURES))
def test_each_failure_is_a_typed_error(fake_runner, text):
    code = RESULTS[text][0]
    fake_runner.expect(["clusvcadm", "-R", "service:httpd"], rc=code % 256,
                       stdout=f"Local machine trying to restart service:httpd...{text}\n")
    with pytest.raises(FAILURES[text]) as info:
        Services(fake_runner).restart("httpd")
    error = info.value
    assert error.code == code and error.rc == code % 256
    assert error.retryable == (text in RETRYABLE)
    assert text in str(error) and "clusvcadm -R service:httpd" in str(error)
    assert isinstance(error, ServiceOperationError) or text in (
        "Service does not exist", "Operation requires quorum", "Target node dead / nonexistent")


def test_reference_exit_statuses():
    assert {text: code % 256 for text, (code, _) in RESULTS.items() if code} == {
        "Failure": 255, "Aborted; service failed": 254, "Service not mastered locally": 253,
        "Service does not exist": 252, "Operation would cause a deadlock": 251,
        "Temporary failure; try again": 250, "Operation violates dependency rule": 249,
        "Invalid operation for resource": 248, "Operation requires quorum": 247,
        "Service is already running": 246, "Failure: Service is frozen": 245,
        "Target node dead / nonexistent": 244, "Fencing operation pending; try again later": 243,
        "S/Lang Script Error": 242, "Service not runnable": 241,
        "Service not runnable: cannot run exclusive": 240,
        "Failed; service running on original owner": 239, "Permissing denied": 238,
        "Permission denied": 238, "Warning; see system logs": 237}


def test_unknown_result_string_keeps_the_code(fake_runner):
    fake_runner.expect(["clusvcadm", "-s", "service:httpd"], rc=200,
                       stdout="Local machine stopping service:httpd...Unknown\n")
    with pytest.raises(ServiceOperationError) as info:
        Services(fake_runner).stop("httpd")
    assert info.value.code == -56 and type(info.value) is ServiceOperationError


def test_timeout_means_outcome_unknown(fake_runner):
    fake_runner.timeout(["clusvcadm", "-r", "service:httpd"], seconds=5)
    with pytest.raises(OutcomeUnknownError) as info:
        Services(fake_runner, timeout=5).relocate("httpd")
    assert isinstance(info.value, CommandTimeout) and info.value.timeout == 5
    assert "outcome unknown" in str(info.value) and "may still" in str(info.value)


def test_lost_reply_means_outcome_unknown(fake_runner):
    fake_runner.expect(["clusvcadm", "-d", "service:httpd"], rc=1,
                       stdout="Local machine disabling service:httpd...",
                       stderr="msg_receive: Connection reset by peer\nError receiving reply!\n")
    with pytest.raises(OutcomeUnknownError):
        Services(fake_runner).disable("httpd")


@pytest.mark.parametrize("stdout, stderr", [
    ("Could not connect to resource group manager\n", ""),
    ("Local machine freezing service:httpd...Could not connect to cluster service\n", ""),
    ("", "Could not connect to resource group manager!\n"),
    ("", "msg_send: Broken pipe\nError sending message to resource group manager.\n"),
])
def test_rgmanager_unreachable(fake_runner, stdout, stderr):
    fake_runner.expect(["clusvcadm", "-Z", "service:httpd"], rc=1, stdout=stdout, stderr=stderr)
    with pytest.raises(RgmanagerUnavailableError) as info:
        Services(fake_runner).freeze("httpd")
    assert info.value.exit_code == 3


def test_usage_printed_is_a_usage_error(fake_runner):
    fake_runner.expect(["clusvcadm", "-U", "service:httpd"], rc=1,
                       stdout="usage: clusvcadm [command]\n\nResource Group Control Commands:\n")
    with pytest.raises(ClusvcadmUsageError):
        Services(fake_runner).unfreeze("httpd")


def test_migrate_needs_an_online_target(fake_runner):
    with pytest.raises(ValueError):
        Services(fake_runner).migrate("vm:guest1", member="")
    fake_runner.expect(["clustat", "-x", "-m", "h2"], stdout=members_xml(online("h2", 2, up=False)))
    with pytest.raises(MemberOfflineError):
        Services(fake_runner).migrate("vm:guest1", member="h2")
    fake_runner.expect(["clusvcadm", "-M", "vm:guest1", "-m", "h2"], rc=1, stdout="'h2' is offline\n")
    with pytest.raises(MemberOfflineError, match="'h2' is offline"):
        Services(fake_runner, check_members=False).migrate("vm:guest1", member="h2")
    fake_runner.expect(["clusvcadm", "-M", "vm:guest1", "-m", "h3"],
                       stdout="Trying to migrate vm:guest1 to h3...Success\n")
    result = Services(fake_runner, check_members=False).migrate("vm:guest1", member="h3")
    assert result.ok and result.running_on is None


def test_no_matches_for_member(fake_runner):
    fake_runner.expect(["clusvcadm", "-r", "service:httpd", "-m", "zz"], rc=1,
                       stdout="'zz' not in membership list\nNo matches for 'zz' found\n")
    with pytest.raises(UnknownMemberError):
        Services(fake_runner, check_members=False).relocate("httpd", member="zz")


def test_names_are_checked_before_running(fake_runner):
    with pytest.raises(ValueError, match="63"):
        Services(fake_runner).restart("x" * 60)
    with pytest.raises(ValueError):
        Services(fake_runner).restart("")


def test_parse_clusvcadm_pieces(reference):
    reply = parse_clusvcadm(sample(reference, "clusvcadm-01.txt").read_text())
    assert reply.prompt == "Trying to relocate service:srv_ftp to hbbilbo.maison.ca"
    assert reply.result == "Success" and reply.closest_match == "hbbilbo.maison.ca"
    assert reply.running_on == "hbbilbo.maison.ca" and not reply.warning


# -- wait_for ---------------------------------------------------------------------------------

def httpd(state, owner=None, last=None):
    return ServiceStatus(name="service:httpd", state=state, owner=owner, last_owner=last)


def test_wait_for_reports_progress_until_started(fake_runner):
    argv = ["clustat", "-x", "-s", "service:httpd"]
    fake_runner.expect(argv, rc=117, stdout=service_xml(httpd(ServiceState.RECOVERABLE, "h1", "h2")))
    fake_runner.expect(argv, rc=255, stdout=service_xml(available=False))
    fake_runner.expect(argv, stdout=service_xml(httpd(ServiceState.STARTING, "h1", "h2")))
    fake_runner.expect(argv, stdout=service_xml(httpd(ServiceState.STARTED, "h1", "h2")))
    clock = Clock()
    seen = []
    final = Services(fake_runner, clock=clock, sleep=clock.sleep, poll_interval=2).wait_for(
        "httpd", state="started", owner="h1", timeout=60,
        on_progress=lambda status, elapsed: seen.append(
            (status.state.value if status else None, elapsed)))
    assert final.state is ServiceState.STARTED and final.owner == "h1"
    assert seen == [("recoverable", 0.0), (None, 2.0), ("starting", 4.0), ("started", 6.0)]


def test_wait_for_timeout_carries_the_last_state(fake_runner):
    argv = ["clustat", "-x", "-s", "service:httpd"]
    fake_runner.expect(argv, stdout=service_xml(httpd(ServiceState.STARTING, "h1")), times=3)
    clock = Clock()
    with pytest.raises(WaitTimeoutError) as info:
        Services(fake_runner, clock=clock, sleep=clock.sleep, poll_interval=2).wait_for(
            "httpd", state=ServiceState.STARTED, timeout=4)
    assert info.value.last.state is ServiceState.STARTING
    assert "last seen: starting on h1" in str(info.value)
    assert isinstance(info.value, CommandTimeout)


def test_wait_for_stops_at_failed(fake_runner):
    argv = ["clustat", "-x", "-s", "service:httpd"]
    fake_runner.expect(argv, rc=114, stdout=service_xml(httpd(ServiceState.FAILED, None, "h1")))
    with pytest.raises(ServiceFailedError) as info:
        Services(fake_runner).wait_for("httpd", state="started")
    assert info.value.status.state is ServiceState.FAILED


def test_wait_for_settled_state_and_unknown_service(fake_runner):
    argv = ["clustat", "-x", "-s", "service:httpd"]
    fake_runner.expect(argv, rc=119, stdout=service_xml(httpd(ServiceState.DISABLED, None, "h1")))
    assert Services(fake_runner).wait_for("httpd").state is ServiceState.DISABLED
    fake_runner.expect(argv, stdout=service_xml())
    with pytest.raises(UnknownServiceError):
        Services(fake_runner).wait_for("httpd")


def test_convalesce_and_its_absence_in_3012(fake_runner):
    fake_runner.expect(["clusvcadm", "-c", "service:httpd"],
                       stdout="Local machine convalescing service:httpd...Success\n")
    assert Services(fake_runner).convalesce("httpd").ok
    fake_runner.expect(["clusvcadm", "-c", "service:httpd"], rc=1,
                       stdout="usage: clusvcadm [command]\n")
    with pytest.raises(ClusvcadmUsageError):
        Services(fake_runner).convalesce("httpd")


def test_lock_unlock_and_query(fake_runner):
    fake_runner.expect(["clusvcadm", "-l"], stdout="Resource groups locked\n")
    fake_runner.expect(["clusvcadm", "-S"], stdout="Resource groups locked\n")
    fake_runner.expect(["clusvcadm", "-u"], stdout="Resource groups unlocked\n")
    fake_runner.expect(["clusvcadm", "-S"], stdout="Resource groups unlocked\n")
    services = Services(fake_runner)
    services.lock()
    assert services.is_locked() is True
    services.unlock()
    assert services.is_locked() is False


@pytest.mark.parametrize("option, stdout, cls", [
    ("-l", "Lock operation failed\n", ServiceOperationError),
    ("-u", "Could not connect to resource group manager\n", RgmanagerUnavailableError),
    ("-S", "Query operation failed\n", ServiceOperationError),
])
def test_lock_failures(fake_runner, option, stdout, cls):
    fake_runner.expect(["clusvcadm", option], rc=1, stdout=stdout)
    call = {"-l": "lock", "-u": "unlock", "-S": "is_locked"}[option]
    with pytest.raises(cls) as info:
        getattr(Services(fake_runner), call)()
    assert stdout.strip() in str(info.value)
