"""zigha-postfix without a daemon: metadata (§6.1), main.cf/master.cf handling, SMTP probe."""

from __future__ import annotations

import socket
import subprocess
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from zigha.agents import postfix_conf as pc
from zigha.agents.postfix import PostfixAgent
from zigha.agents.probes import ProbeError, smtp_banner

AGENT = Path(__file__).resolve().parents[2] / "agents" / "postfix"


@pytest.fixture(scope="module")
def metadata():
    result = subprocess.run(f"env -i {AGENT} meta-data 0<&- 2>&-", shell=True,
                            capture_output=True)
    assert result.returncode == 0
    return result.stdout


def test_metadata_names_parameters_and_defaults(metadata, reference, tmp_path):
    root = etree.fromstring(metadata)
    assert root.get("name") == "zigha-postfix"
    params = [(p.get("name"), p.find("content").get("type"), p.find("content").get("default"))
              for p in root.iter("parameter")]
    assert params == [
        ("name", "string", None),
        ("config_dir", "string", "/etc/postfix"),
        ("binary", "string", "/usr/sbin/postfix"),
        ("parameters", "string", None),
        ("shutdown_wait", "integer", "5"),
        ("service_name", "string", None),
    ]
    first = next(root.iter("parameter"))
    assert first.get("primary") == "1"
    service = [p for p in root.iter("parameter") if p.get("name") == "service_name"][0]
    assert service.get("inherit") == "service%name"
    actions = [(a.get("name"), a.get("depth", "0")) for a in root.iter("action")]
    assert {("status", "0"), ("monitor", "0"), ("status", "10"), ("monitor", "10")} <= set(actions)
    path = tmp_path / "postfix.xml"
    path.write_bytes(metadata)
    dtd = reference / "agents-metadata" / "ra-api-1-modified.dtd"
    assert subprocess.run(["xmllint", "--noout", "--dtdvalid", str(dtd), str(path)]).returncode == 0
    assert subprocess.run(["xmllint", "--noout", "--valid", str(path)]).returncode == 0
    assert PostfixAgent.provider_name == "postfix"


MAIN = """# comment
queue_directory = /srv/mail/spool
myhostname = mx.zigha.test
inet_interfaces = 127.0.0.1,
    192.168.10.248
alternate_config_directories = ${queue_directory}/conf
multi_instance_directories = /etc/postfix-b/
transport_maps = hash:$config_directory/transport
"""
MASTER = """# service type  private unpriv  chroot  wakeup  maxproc command + args
smtp      inet  n       -       y       -       -       smtpd
192.168.10.248:submission inet n - y - - smtpd
  -o syslog_name=postfix/submission
[::1]:2525 inet n - y - - smtpd
628       inet  n       -       y       -       -       qmqpd
pickup    unix  n       -       y       60      1       pickup
"""


def test_main_cf_continuations_and_expansion():
    params = pc.parse_main_cf(MAIN)
    assert params["inet_interfaces"] == "127.0.0.1, 192.168.10.248"
    assert pc.listed_directories(params) == ["/srv/mail/spool/conf", "/etc/postfix-b"]
    assert pc.get(params, "daemon_directory") == "/usr/lib/postfix/sbin"
    assert pc.is_default_dir("/etc/postfix/")


def test_master_cf_inet_services_and_targets():
    services = pc.inet_services(MASTER)
    assert [(s.address, s.command) for s in services] == [
        ("smtp", "smtpd"), ("192.168.10.248:submission", "smtpd"), ("[::1]:2525", "smtpd"),
        ("628", "qmqpd")]
    targets = pc.smtp_targets(pc.parse_main_cf(MAIN), MASTER, ["10.0.0.1", "fd00::1"])
    assert targets == [("10.0.0.1", 25), ("fd00::1", 25), ("192.168.10.248", 587), ("::1", 2525)]
    assert pc.smtp_targets({}, MASTER)[0] == ("127.0.0.1", 25)


def test_set_parameters_and_unbind_hosts():
    text = pc.set_parameters(MAIN, {"inet_interfaces": "10.0.0.1, fd00::1"})
    params = pc.parse_main_cf(text)
    assert params["inet_interfaces"] == "10.0.0.1, fd00::1"
    assert "#zigha# inet_interfaces = 127.0.0.1," in text
    assert "#zigha#     192.168.10.248" in text
    unbound = pc.unbind_inet_hosts(MASTER)
    assert [s.address for s in pc.inet_services(unbound)] == ["smtp", "submission", "2525", "628"]
    assert "  -o syslog_name=postfix/submission" in unbound


def test_protocols_are_extended_only_when_an_address_needs_it():
    assert pc.protocols_for({}, ["fd00::1"]) is None
    assert pc.protocols_for({"inet_protocols": "ipv4"}, ["10.0.0.1"]) is None
    assert pc.protocols_for({"inet_protocols": "ipv4"}, ["10.0.0.1", "fd00::1"]) == "ipv4, ipv6"
    assert pc.protocols_for({"inet_protocols": "ipv6"}, ["10.0.0.1"]) == "ipv6, ipv4"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abc_ =$\n\t{}#:,inet smtpd", max_size=200))
def test_fuzz_config_helpers_never_raise(text):
    params = pc.parse_main_cf(text)
    pc.listed_directories(params)
    pc.smtp_targets(params, text)
    pc.set_parameters(text, {"inet_interfaces": "10.0.0.1"})
    pc.unbind_inet_hosts(text)


class FakeSMTP:
    def __init__(self, greeting: bytes) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.greeting = greeting
        self.received = b""
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            conn.sendall(self.greeting)
            conn.settimeout(2)
            try:
                self.received = conn.recv(100)
            except OSError:
                pass


def test_smtp_banner_multiline_and_quit():
    server = FakeSMTP(b"220-mx.zigha.test first\r\n220 mx.zigha.test ESMTP\r\n")
    assert smtp_banner("127.0.0.1", server.port, timeout=2) == "220 mx.zigha.test ESMTP"


def test_smtp_banner_rejects_a_refusal_and_silence():
    server = FakeSMTP(b"554 go away\r\n")
    with pytest.raises(ProbeError, match="not 220"):
        smtp_banner("127.0.0.1", server.port, timeout=2)
    silent = FakeSMTP(b"")
    with pytest.raises(ProbeError, match="no greeting"):
        smtp_banner("127.0.0.1", silent.port, timeout=0.5)
    with pytest.raises(ProbeError, match="refused"):
        smtp_banner("127.0.0.1", _closed_port(), timeout=1)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
