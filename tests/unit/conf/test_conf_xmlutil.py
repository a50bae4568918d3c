"""The hardened parser: entity attacks refused, syntax errors located, nothing else escapes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zigha import xmlutil
from zigha.conf import ClusterConf
from zigha.errors import ConfigError

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE cluster [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<cluster name="&lol3;" config_version="1"><clusternodes/></cluster>
"""


def test_billion_laughs_is_refused(tmp_path):
    path = tmp_path / "cluster.conf"
    path.write_text(BILLION_LAUGHS)
    with pytest.raises(ConfigError) as info:
        ClusterConf.load(path)
    assert "DOCTYPE" in info.value.message
    assert info.value.file == str(path)


def test_external_entity_is_not_read(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("TOP-SECRET")
    text = (f'<?xml version="1.0"?><!DOCTYPE cluster [<!ENTITY x SYSTEM "file://{secret}">]>'
            '<cluster name="a" config_version="1"><clusternodes/>&x;</cluster>')
    with pytest.raises(ConfigError) as info:
        ClusterConf.from_string(text)
    assert "TOP-SECRET" not in str(info.value)


def test_external_dtd_is_refused_without_network():
    text = ('<?xml version="1.0"?><!DOCTYPE cluster SYSTEM "http://192.0.2.1/evil.dtd">'
            '<cluster name="a" config_version="1"/>')
    with pytest.raises(ConfigError, match="DOCTYPE"):
        ClusterConf.from_string(text)


def test_undefined_entity_is_a_located_syntax_error():
    with pytest.raises(ConfigError) as info:
        xmlutil.parse('<cluster>\n  <rm>&nope;</rm>\n</cluster>', file="c.conf")
    assert (info.value.file, info.value.line) == ("c.conf", 2)
    assert info.value.column is not None


@pytest.mark.parametrize(
    "text, line",
    [
        ('<cluster name="a">\n<clusternodes>\n</cluster>\n', 3),
        ('<cluster name="a" config_version="1"\n', 2),
        ('<cluster name="a" name="b"/>', 1),
        ('<?xml version="1.0"?>\n<cluster>\n  <rm>\n    <service name="x>\n  </rm>\n</cluster>', 5),
        ("", 1),
        ("   \n", 1),
    ],
)
def test_malformed_xml_names_file_line_and_column(tmp_path, text, line):
    path = tmp_path / "broken.conf"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        ClusterConf.load(path)
    err = info.value
    assert err.file == str(path) and err.line == line and err.column is not None
    assert str(err).startswith(f"{path}:{line}:")


def test_wrong_root_element_is_refused():
    with pytest.raises(ConfigError) as info:
        ClusterConf.from_string("<clusters/>")
    assert info.value.path == "/clusters"


def test_unreadable_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as info:
        ClusterConf.load(tmp_path / "missing.conf")
    assert info.value.file.endswith("missing.conf")


def test_declared_encoding_is_honoured():
    text = '<?xml version="1.0" encoding="ISO-8859-1"?>\n<cluster name="caf\u00e9" config_version="1"/>\n'
    conf = ClusterConf.from_string(text)
    assert conf.name == "caf\u00e9"
    assert conf.to_string() == text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_fuzz_only_config_error_escapes(text):
    try:
        conf = ClusterConf.from_string(text)
    except ConfigError:
        return
    conf.nodes, conf.services, conf.failover_domains, conf.to_string()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(
    ['<cluster name="a" config_version="1">', "</cluster>", "<clusternodes>", "</clusternodes>",
     '<clusternode name="n" nodeid="x"/>', "<rm>", "</rm>", '<service name="s" domain="d">',
     "</service>", '<ip ref="1.2.3.4"/>', "<!-- c -->", "&amp;", "&bogus;", "<![CDATA[x]]>",
     '<failoverdomain name="d" ordered="yes">', "</failoverdomain>", "<?pi x?>", "<", ">"]),
    max_size=20))
def test_fuzz_structured_only_config_error_escapes(parts):
    try:
        conf = ClusterConf.from_string("".join(parts))
    except ConfigError:
        return
    conf.summary()
    conf.validate()
