"""Apply through the strict fake runner: exact argv, exact ipvsadm -R batches."""

from __future__ import annotations

import attrs
import pytest

from zigha.lvs import ipvsadm
from zigha.lvs.apply import ApplyError, apply_file, apply_state, diff, load_held, save_held
from zigha.lvs.desired import load_desired, parse_desired
from zigha.lvs.model import IpvsTable
from zigha.lvs.parse import parse_ipvsadm_save
from zigha.lvs.render import render_list

HEADER = "IP Virtual Server version 1.2.1 (size=4096)\n"
SEED_BATCH = (
    "-A -t 192.168.10.249:80 -s rr\n"
    "-a -t 192.168.10.249:80 -r 192.168.10.241:80 -g -w 1 -x 0 -y 0\n"
    "-a -t 192.168.10.249:80 -r 192.168.10.242:80 -g -w 1 -x 0 -y 0\n"
    "-a -t 192.168.10.249:80 -r 192.168.10.243:80 -g -w 1 -x 0 -y 0\n"
)
SEED_SAVE = (
    "-A -t 192.168.10.249:80 -s rr\n"
    "-a -t 192.168.10.249:80 -r 192.168.10.241:80 -g -w 1\n"
    "-a -t 192.168.10.249:80 -r 192.168.10.242:80 -g -w 1\n"
    "-a -t 192.168.10.249:80 -r 192.168.10.243:80 -g -w 1\n"
)
DOCKER_SAVE = "-A -f 296 -s rr\n-a -f 296 -r 172.50.0.21:0 -m -w 1\n"


def thresholds_listing(save_text: str) -> str:
    """What ipvsadm -L -n --thresholds prints for the table a -S text describes."""
    table = attrs.evolve(parse_ipvsadm_save(save_text), version="1.2.1", size=4096)
    return render_list(table, view="thresholds")


def expect_read(fake, save_text: str) -> None:
    fake.expect(["ipvsadm", "-S", "-n"], stdout=save_text)
    fake.expect(["ipvsadm", "-L", "-n", "--thresholds"], stdout=thresholds_listing(save_text))


def expect_check(fake, save_text: str) -> None:
    """The read after a batch that set no thresholds and printed nothing: -S -n only."""
    fake.expect(["ipvsadm", "-S", "-n"], stdout=save_text)


@pytest.fixture
def seed_file(examples):
    return examples / "zigsow" / "lvs" / "director.lvs"


def test_first_apply_is_one_batch_then_reread(fake_runner, seed_file, tmp_path):
    expect_read(fake_runner, "")
    fake_runner.expect(["ipvsadm", "-R"], stdin=SEED_BATCH)
    expect_check(fake_runner, SEED_SAVE)
    result = apply_file(seed_file, runner=fake_runner, held_file=tmp_path / "held.json")
    assert result.changed and result.applied
    assert result.plan.batch == SEED_BATCH
    assert [c.action for c in result.plan.changes] == ["add-service"] + ["add-real"] * 3
    assert sum(1 for call in fake_runner.calls if call.argv[1:] == ("-R",)) == 1


def test_reapply_converges_to_no_change(fake_runner, seed_file, tmp_path):
    expect_read(fake_runner, SEED_SAVE)
    result = apply_file(seed_file, runner=fake_runner, held_file=tmp_path / "held.json")
    assert result.plan.empty and not result.changed


def test_edits_repeat_every_attribute(fake_runner):
    desired = parse_desired(
        "format = zigha-lvs 1\n[service tcp 10.0.0.1:80]\nscheduler = wlc\npersistent = 300\n"
        "netmask = 255.255.255.0\nforward = nat\nreal 10.0.1.1:8080 weight=5 upper=100 lower=10\n")
    live = "-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.1.1:8080 -m -w 1\n"
    expect_read(fake_runner, live)
    batch = ("-E -t 10.0.0.1:80 -s wlc -p 300 -M 255.255.255.0\n"
             "-e -t 10.0.0.1:80 -r 10.0.1.1:8080 -m -w 5 -x 100 -y 10\n")
    fake_runner.expect(["ipvsadm", "-R"], stdin=batch)
    after = ("-A -t 10.0.0.1:80 -s wlc -p 300 -M 255.255.255.0\n"
             "-a -t 10.0.0.1:80 -r 10.0.1.1:8080 -m -w 5\n")
    fake_runner.expect(["ipvsadm", "-S", "-n"], stdout=after)
    fake_runner.expect(["ipvsadm", "-L", "-n", "--thresholds"], stdout=(
        HEADER + "Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn \n"
        "  -> RemoteAddress:Port\nTCP  10.0.0.1:80 wlc persistent 300 mask 255.255.255.0\n"
        "  -> 10.0.1.1:8080                100        10         0          0         \n"))
    result = apply_state(desired, runner=fake_runner)
    assert result.plan.lines == batch.splitlines()
    assert "weight 1 -> 5" in result.plan.changes[1].describe()


def test_other_services_are_left_alone_unless_prune(fake_runner, seed_file):
    desired = load_desired(seed_file)
    expect_read(fake_runner, DOCKER_SAVE + SEED_SAVE)
    assert apply_state(desired, runner=fake_runner).plan.empty
    expect_read(fake_runner, DOCKER_SAVE + SEED_SAVE)
    fake_runner.expect(["ipvsadm", "-R"], stdin="-D -f 296\n")
    expect_check(fake_runner, SEED_SAVE)
    assert apply_state(desired, runner=fake_runner, prune=True).plan.lines == ["-D -f 296"]


def test_real_servers_not_in_file_are_deleted_and_order_is_delete_edit_add(seed_file):
    current = parse_ipvsadm_save(
        "-A -t 192.168.10.249:80 -s wlc\n"
        "-a -t 192.168.10.249:80 -r 192.168.10.240:80 -g -w 1\n"
        "-a -t 192.168.10.249:80 -r 192.168.10.241:80 -g -w 3\n")
    plan = diff(current, load_desired(seed_file))
    assert plan.lines == [
        "-d -t 192.168.10.249:80 -r 192.168.10.240:80",
        "-E -t 192.168.10.249:80 -s rr",
        "-e -t 192.168.10.249:80 -r 192.168.10.241:80 -g -w 1 -x 0 -y 0",
        "-a -t 192.168.10.249:80 -r 192.168.10.242:80 -g -w 1 -x 0 -y 0",
        "-a -t 192.168.10.249:80 -r 192.168.10.243:80 -g -w 1 -x 0 -y 0",
    ]


def test_health_held_servers_stay_held(seed_file, tmp_path):
    held_file = tmp_path / "held.json"
    save_held({("tcp 192.168.10.249:80", "192.168.10.242:80"): "quiesce",
               ("tcp 192.168.10.249:80", "192.168.10.243:80"): "remove"}, held_file)
    held = load_held(held_file)
    current = parse_ipvsadm_save(
        "-A -t 192.168.10.249:80 -s rr\n"
        "-a -t 192.168.10.249:80 -r 192.168.10.241:80 -g -w 1\n"
        "-a -t 192.168.10.249:80 -r 192.168.10.242:80 -g -w 0\n")
    assert diff(current, load_desired(seed_file), held=held).empty
    assert diff(current, load_desired(seed_file)).lines == [
        "-e -t 192.168.10.249:80 -r 192.168.10.242:80 -g -w 1 -x 0 -y 0",
        "-a -t 192.168.10.249:80 -r 192.168.10.243:80 -g -w 1 -x 0 -y 0"]


def test_dry_run_only_reads(fake_runner, seed_file, tmp_path):
    expect_read(fake_runner, "")
    result = apply_file(seed_file, runner=fake_runner, dry_run=True, held_file=tmp_path / "h")
    assert not result.applied and result.plan.batch == SEED_BATCH


def test_rejected_lines_are_reported_after_reread(fake_runner, seed_file, tmp_path):
    expect_read(fake_runner, "")
    fake_runner.expect(["ipvsadm", "-R"], stdin=SEED_BATCH,
                       stderr="Scheduler or persistence engine not found\nService not defined\n"
                       "Service not defined\nService not defined\n", rc=255)
    expect_read(fake_runner, "")
    with pytest.raises(ApplyError) as info:
        apply_file(seed_file, runner=fake_runner, held_file=tmp_path / "h")
    assert "4 of 4 changes" in str(info.value)
    assert "Scheduler or persistence engine not found" in str(info.value)
    assert len(info.value.remaining.changes) == 4


def test_graceful_drain_before_delete(fake_runner, seed_file):
    live = SEED_SAVE + "-a -t 192.168.10.249:80 -r 192.168.10.244:80 -g -w 2\n"
    expect_read(fake_runner, live)
    fake_runner.expect(["ipvsadm", "-R"],
                       stdin="-e -t 192.168.10.249:80 -r 192.168.10.244:80 -g -w 0 -x 0 -y 0\n")
    listing = (HEADER + "Prot LocalAddress:Port Scheduler Flags\n"
               "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
               "TCP  192.168.10.249:80 rr\n"
               "  -> 192.168.10.244:80            Route   0      {}          7\n")
    fake_runner.expect(["ipvsadm", "-L", "-n"], stdout=listing.format(3))
    fake_runner.expect(["ipvsadm", "-L", "-n"], stdout=listing.format(0))
    fake_runner.expect(["ipvsadm", "-R"], stdin="-d -t 192.168.10.249:80 -r 192.168.10.244:80\n")
    expect_check(fake_runner, SEED_SAVE)
    sleeps = []
    result = apply_state(load_desired(seed_file), runner=fake_runner, drain=True,
                         sleep=sleeps.append, poll=0.5)
    assert result.drained == ("192.168.10.244:80",) and sleeps == [0.5]


def test_error_strings_map_to_typed_errors(fake_runner, reference):
    fake_runner.expect(["ipvsadm", "-S", "-n"], rc=2,
                       stderr_file=reference / "lvs-samples" / "ipvsadm-error-01.txt")
    with pytest.raises(ipvsadm.IpvsNotAvailableError) as info:
        ipvsadm.save(fake_runner)
    assert info.value.message == "ipvsadm: Can't initialize ipvs: Protocol not available"
    svc = load_desired_service()
    cases = [
        ("Service already exists\n", ipvsadm.ServiceExistsError, ipvsadm.add_service, ["-A", "-t", "10.0.0.1:80", "-s", "rr"]),
        ("No such service\n", ipvsadm.NoSuchServiceError, ipvsadm.delete_service, ["-D", "-t", "10.0.0.1:80"]),
        ("Scheduler or persistence engine not found\n", ipvsadm.SchedulerNotFoundError, ipvsadm.edit_service, ["-E", "-t", "10.0.0.1:80", "-s", "rr"]),
    ]
    for stderr, cls, call, argv in cases:
        fake_runner.expect(["ipvsadm", *argv], stderr=stderr, rc=255)
        with pytest.raises(cls):
            call(svc, runner=fake_runner)
    real = svc.reals[0]
    for stderr, cls, call, argv in [
        ("Service not defined\n", ipvsadm.ServiceNotDefinedError, ipvsadm.add_real,
         ["-a", "-t", "10.0.0.1:80", "-r", "10.0.0.2:80", "-g", "-w", "1", "-x", "0", "-y", "0"]),
        ("Destination already exists\n", ipvsadm.DestinationExistsError, ipvsadm.add_real,
         ["-a", "-t", "10.0.0.1:80", "-r", "10.0.0.2:80", "-g", "-w", "1", "-x", "0", "-y", "0"]),
        ("No such destination\n", ipvsadm.NoSuchDestinationError, ipvsadm.delete_real,
         ["-d", "-t", "10.0.0.1:80", "-r", "10.0.0.2:80"]),
    ]:
        fake_runner.expect(["ipvsadm", *argv], stderr=stderr, rc=255)
        with pytest.raises(cls):
            call(svc, real, runner=fake_runner)
    fake_runner.expect(["ipvsadm", "-L", "-n"], rc=255,
                       stderr_file=reference / "lvs-samples" / "ipvsadm-error-02.txt")
    with pytest.raises(ipvsadm.IpvsadmUsageError):
        ipvsadm.list_table(fake_runner)
    fake_runner.expect(["ipvsadm", "-L", "-n"], rc=2,
                       stderr="Can't initialize ipvs: Permission denied (you must be root)\n"
                       "Are you sure that IP Virtual Server is built in the kernel or as module?\n")
    with pytest.raises(ipvsadm.IpvsPermissionError):
        ipvsadm.list_table(fake_runner)
    fake_runner.expect(["ipvsadm", "-L", "-n"], rc=2,
                       stderr="Can not initialize ipvs: No space left on device\n"
                       "Are you sure that IP Virtual Server is built in the kernel or as module?\n")
    with pytest.raises(ipvsadm.IpvsNotAvailableError, match="No space left on device"):
        ipvsadm.list_table(fake_runner)


def load_desired_service():
    return parse_desired("format = zigha-lvs 1\n[service tcp 10.0.0.1:80]\nscheduler = rr\n"
                         "real 10.0.0.2\n").services[0]


def test_listings_and_settings_argv(fake_runner, reference):
    samples = reference / "lvs-samples"
    fake_runner.expect(["ipvsadm", "-L", "-n", "--stats", "--exact"], stdout_file=samples / "ipvsadm-stats-02.txt")
    assert ipvsadm.list_table(fake_runner, view="stats", exact=True).services[0].stats.conns == 7
    fake_runner.expect(["ipvsadm", "-L", "-n", "-c"], stdout_file=samples / "ipvsadm-Lnc-01.txt")
    assert len(ipvsadm.connections(fake_runner)) == 3
    fake_runner.expect(["ipvsadm", "-L", "-n", "--timeout"], stdout_file=samples / "ipvsadm-timeout-01.txt")
    assert ipvsadm.timeouts(fake_runner).udp == 300
    fake_runner.expect(["ipvsadm", "-L", "-n", "--daemon"], stdout_file=samples / "ipvsadm-daemon-01.txt")
    assert len(ipvsadm.daemons(fake_runner)) == 2
    fake_runner.expect(["ipvsadm", "--version"], stdout_file=samples / "ipvsadm-version-01.txt")
    assert ipvsadm.version(fake_runner).ipvsadm == "1.26"
    fake_runner.expect(["ipvsadm", "--set", "900", "120", "300"])
    ipvsadm.set_timeouts(900, 120, 300, runner=fake_runner)
    fake_runner.expect(["ipvsadm", "-L", "-n", "-t", "10.0.0.9:80"], stderr="No such service\n", rc=1)
    with pytest.raises(ipvsadm.NoSuchServiceError):
        ipvsadm.list_table(fake_runner, service=load_desired_service().__class__(
            protocol="TCP", host="10.0.0.9", port=80))


def test_empty_current_table_diff_with_empty_desired():
    assert diff(IpvsTable(), parse_desired("format = zigha-lvs 1\n")).empty
