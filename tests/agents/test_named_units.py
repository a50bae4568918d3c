"""zigha-named without a daemon: metadata (§6.1), named.conf rewriting, the DNS probe."""

from __future__ import annotations

import socket
import subprocess
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from zigha.agents import named_conf
from zigha.agents.named import NamedAgent
from zigha.agents.probes import ProbeError, dns_query, split_host_port

AGENT = Path(__file__).resolve().parents[2] / "agents" / "named"


# -- §6.1 metadata ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def metadata():
    result = subprocess.run(["env", "-i", str(AGENT), "meta-data"], capture_output=True,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0
    return result.stdout


def test_meta_data_with_closed_stdin_and_stderr_and_empty_env():
    result = subprocess.run(f"env -i {AGENT} meta-data 0<&- 2>&-", shell=True,
                            capture_output=True)
    assert result.returncode == 0
    assert etree.fromstring(result.stdout).get("name") == "zigha-named"


def test_metadata_validates_against_both_dtds(metadata, reference, tmp_path):
    path = tmp_path / "named.xml"
    path.write_bytes(metadata)
    dtd = reference / "agents-metadata" / "ra-api-1-modified.dtd"
    assert subprocess.run(["xmllint", "--noout", "--dtdvalid", str(dtd), str(path)]).returncode == 0
    assert subprocess.run(["xmllint", "--noout", "--valid", str(path)]).returncode == 0


def test_metadata_parameters_match_the_stock_named_agent(metadata, reference):
    root = etree.fromstring(metadata)
    assert root.get("version") == "rgmanager 2.0" and root.findtext("version") == "1.0"
    ours = [(p.get("name"), p.find("content").get("type"), p.find("content").get("default"))
            for p in root.iter("parameter")]
    stock = etree.parse(str(reference / "agents-metadata" / "rgmanager-named.xml")).getroot()
    theirs = [(p.get("name"), p.find("content").get("type"), p.find("content").get("default"))
              for p in stock.iter("parameter")]
    assert ours == theirs
    params = {p.get("name"): p for p in root.iter("parameter")}
    assert list(params)[0] == "name" and params["name"].get("primary") == "1"
    assert [n for n, p in params.items() if p.get("primary") == "1"] == ["name"]
    service = params["service_name"]
    assert service.get("inherit") == "service%name"
    assert all(service.get(flag, "0") == "0" for flag in ("required", "unique", "primary"))


def test_metadata_actions(metadata):
    root = etree.fromstring(metadata)
    actions = [(a.get("name"), a.get("depth", "0"), a.get("interval")) for a in root.iter("action")]
    for name in ("status", "monitor"):
        assert (name, "0", "1m") in actions and (name, "10", "5m") in actions
    assert {"start", "stop", "meta-data", "validate-all"} <= {a[0] for a in actions}
    assert all(a.get("timeout") for a in root.iter("action"))
    assert root.find("special").get("tag") == "rgmanager"


def test_agent_declares_the_fixed_names():
    assert NamedAgent.type_name == "zigha-named" and NamedAgent.provider_name == "named"


@pytest.fixture
def scratch():
    """A scratch directory named-checkconf can enter (pytest's tmp_path parent is 0700)."""
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="zigha-namedconf-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


# -- named.conf ----------------------------------------------------------------------------

DEBIAN_STYLE = """// comments { with braces }; listen-on { 1.2.3.4; };
# another comment "with a quote
/* block
   comment listen-on { 9.9.9.9; }; */
include "{dir}/named.conf.options";
zone "example.test" {{ type master; file "db.example"; }};
"""
OPTIONS = """options {
\tdirectory "/var/cache/bind";
\tlisten-on port 5353
\t\t{ 10.9.9.9;
\t\t  10.9.9.8; };
\tlisten-on-v6 { any; };
\tpid-file "/run/named/named.pid";
\tallow-query { "any"; };
};
"""


def test_rewrite_three_addresses_ipv6_and_included_options(scratch):
    tmp_path = scratch
    (tmp_path / "named.conf.options").write_text(OPTIONS)
    main = DEBIAN_STYLE.replace("{dir}", str(tmp_path)).replace("{{", "{").replace("}}", "}")
    expanded = named_conf.expand_includes(main, str(tmp_path))
    assert "# included from" in expanded and "10.9.9.9" in expanded
    text = named_conf.rewrite_for_service(
        expanded, ["192.168.10.247", "192.168.10.248", "192.168.10.249", "2001:db8::53"],
        working_dir=str(tmp_path), pid_file="/var/run/cluster/zigha-named/zigha-named:ns.pid")
    assert ("listen-on port 5353 { 192.168.10.247; 192.168.10.248; 192.168.10.249; };"
            in text)
    assert "listen-on-v6 port 5353 { 2001:db8::53; };" in text
    assert "10.9.9.9" not in text and "/var/cache/bind" not in text
    assert 'allow-query { "any"; };' in text
    assert text.count("listen-on port") == 1
    # the comment mentioning listen-on is not a statement and stays untouched
    assert "comment listen-on { 9.9.9.9; }; */" in text
    conf = tmp_path / "generated.conf"
    conf.write_text(text)
    assert subprocess.run(["named-checkconf", str(conf)], capture_output=True).returncode == 0


def test_rewrite_adds_an_options_block_and_quiets_the_control_channel():
    text = named_conf.rewrite_for_service('zone "a" { type hint; file "x"; };\n',
                                          ["2001:db8::1"], working_dir="/w", pid_file="/p")
    assert text.startswith("options {")
    assert "listen-on { none; };" in text and "listen-on-v6 { 2001:db8::1; };" in text
    assert text.rstrip().endswith("controls { };")
    kept = named_conf.rewrite_for_service('controls { inet 127.0.0.1 allow { any; }; };',
                                          ["10.0.0.1"], working_dir="/w", pid_file="/p")
    assert "controls { };" not in kept


def test_read_options_defaults_and_values():
    defaults = named_conf.read_options("")
    assert defaults.listen_port == 53 and defaults.pid_file is None
    assert defaults.probe_addresses() == [("127.0.0.1", 53)]
    v6_only = named_conf.read_options("options { listen-on { none; }; };")
    assert v6_only.probe_addresses() == [("::1", 53)]
    values = named_conf.read_options(OPTIONS)
    assert values.listen_port == 5353 and values.pid_file == "/run/named/named.pid"
    assert values.probe_addresses() == [("10.9.9.9", 5353), ("10.9.9.8", 5353)]


@pytest.mark.parametrize("text, line", [
    ("options {\n  directory \"/x\";\n", 1),
    ("options { a; };\n};\n", 2),
    ('options { directory "/x; };\n', 1),
    ("options { /* never closed\n", 1),
])
def test_broken_config_says_where(text, line):
    with pytest.raises(named_conf.NamedConfError) as caught:
        named_conf.read_options(text, file="/etc/named.conf")
    assert caught.value.file == "/etc/named.conf" and caught.value.line == line


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='options{}; "/*#\n\tlisten-on port 53 1.2.3.4 any', max_size=200))
def test_fuzz_only_named_conf_errors_escape(text):
    try:
        named_conf.read_options(text)
        rewritten = named_conf.rewrite_for_service(text, ["10.0.0.1"], working_dir="/w",
                                                   pid_file="/p")
    except named_conf.NamedConfError:
        return
    # whatever the original said, the rewrite listens on exactly the service address
    options = named_conf.read_options(rewritten)
    assert options.listen_on == ("10.0.0.1",) and options.listen_on_v6 == ("none",)
    assert options.pid_file == "/p" and options.directory == "/w"


# -- the DNS probe ---------------------------------------------------------------------------

class FakeDNS:
    """A UDP server on 127.0.0.1 that answers each query with ``rcode`` (or not at all)."""

    def __init__(self, rcode=0, answer=True, wrong_id=False) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.rcode, self.answer, self.wrong_id = rcode, answer, wrong_id
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                data, peer = self.sock.recvfrom(512)
            except OSError:
                return
            if self.answer:
                qid = data[:2] if not self.wrong_id else bytes([data[0] ^ 1, data[1]])
                self.sock.sendto(qid + bytes([0x80 | data[2], self.rcode]) + data[4:], peer)


def test_dns_query_returns_the_rcode():
    server = FakeDNS(rcode=5)
    assert dns_query("127.0.0.1", server.port, timeout=2) == 5
    server.sock.close()


def test_dns_query_without_answer_or_with_a_foreign_id_fails():
    for server in (FakeDNS(answer=False), FakeDNS(wrong_id=True)):
        with pytest.raises(ProbeError) as caught:
            dns_query("127.0.0.1", server.port, timeout=0.6)
        assert "no answer" in str(caught.value) and caught.value.ocf_code == 1
        server.sock.close()


def test_split_host_port():
    assert split_host_port("[fd00::1]:53", 25) == ("fd00::1", 53)
    assert split_host_port("127.0.0.1:19053", 53) == ("127.0.0.1", 19053)
    assert split_host_port("25", 53) == ("", 25)
