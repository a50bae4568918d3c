"""Names that XML comments cannot hold verbatim still migrate."""

from __future__ import annotations

from lxml import etree

from zigha.conf import ClusterConf
from zigha.migrate import migrate

CONF = """<cluster name="x" config_version="1">
<clusternodes><clusternode name="a" nodeid="1"/></clusternodes>
<rm><service name="0--" autostart="1"><ip address="10.0.0.1"/></service><service name="b-"/></rm>
</cluster>"""


def test_double_hyphen_and_trailing_hyphen_names_give_a_well_formed_cib():
    result = migrate(ClusterConf.from_string(CONF))
    tree = etree.fromstring(result.cib.encode())
    groups = tree.xpath("//resources/group/@id")
    assert "b-" in groups
    assert "r-0--" in groups  # a CIB id cannot start with a digit; the report says so
    comments = [c.text for c in tree.iter(etree.Comment)]
    assert comments and all("--" not in c and not c.endswith("-") for c in comments)
