"""Any cluster.conf zigha.conf reads gives a CIB the real crm_verify accepts."""

from __future__ import annotations

import subprocess
from xml.sax.saxutils import quoteattr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zigha.conf import ClusterConf
from zigha.migrate import migrate

NAMES = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,8}", fullmatch=True)  # "9x" is no CIB id
RESOURCES = st.sampled_from([
    '<ip address="10.1.{i}.1/24"/>', '<fs name="fs{i}" device="/dev/sd{i}" mountpoint="/m{i}" fstype="ext4"/>',
    '<script name="s{i}" file="/etc/init.d/s{i}"/>', '<apache name="web{i}" server_root="/etc/httpd"/>',
    '<clusterfs name="g{i}" device="/dev/vg/g{i}" mountpoint="/g{i}" fstype="gfs2"/>',
    '<zigha-postfix name="pf{i}" config_dir="/etc/postfix"/>', '<drbd name="r{i}"/>',
    '<fs name="n{i}" device="/dev/n{i}" mountpoint="/n{i}"><nfsexport name="e{i}">'
    '<nfsclient name="c{i}" target="*" options="rw"/></nfsexport></fs>',
])


@st.composite
def cluster_confs(draw):
    nodes = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    domains = []
    for d in range(draw(st.integers(0, 2))):
        members = draw(st.lists(st.sampled_from(nodes), min_size=1, unique=True))
        flags = {k: draw(st.sampled_from("01")) for k in ("ordered", "restricted", "nofailback")}
        body = "".join(f'<failoverdomainnode name="{m}" priority="{draw(st.integers(1, 100))}"/>'
                       for m in members)
        domains.append((f"d{d}", f'<failoverdomain name="d{d}" ordered="{flags["ordered"]}" '
                        f'restricted="{flags["restricted"]}" nofailback="{flags["nofailback"]}">'
                        f"{body}</failoverdomain>"))
    services, names = [], draw(st.lists(NAMES, max_size=4, unique=True))
    for n, name in enumerate(names):
        attrs = {"name": name,
                 "recovery": draw(st.sampled_from(["restart", "relocate", "disable", "restart-disable"])),
                 "max_restarts": str(draw(st.integers(0, 3))),
                 "restart_expire_time": str(draw(st.integers(0, 600))),
                 "exclusive": draw(st.sampled_from("01")),
                 "autostart": draw(st.sampled_from("01"))}
        if domains and draw(st.booleans()):
            attrs["domain"] = draw(st.sampled_from([d for d, _ in domains]))
        if n and draw(st.booleans()):
            attrs["depend"] = f"service:{names[0]}"
        body = "".join(r.format(i=f"{n}{k}") for k, r in
                       enumerate(draw(st.lists(RESOURCES, max_size=3))))
        services.append("<service " + " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items())
                        + f">{body}</service>")
    fence = draw(st.sampled_from(["", '<fencedevice name="pdu" agent="fence_apc" ipaddr="10.9.9.9"/>']))
    methods = '<fence><method name="1"><device name="pdu" port="{i}"/></method></fence>' if fence else ""
    clusternodes = "".join(f'<clusternode name="{n}" nodeid="{i}">{methods.format(i=i)}</clusternode>'
                           for i, n in enumerate(nodes, 1))
    return (f'<cluster name="p" config_version="1"><clusternodes>{clusternodes}</clusternodes>'
            f"<fencedevices>{fence}</fencedevices><rm><failoverdomains>"
            + "".join(x for _, x in domains) + "</failoverdomains>" + "".join(services)
            + "</rm></cluster>")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cluster_confs())
def test_generated_configurations_verify(tmp_path_factory, text):
    conf = ClusterConf.from_string(text)
    result = migrate(conf)
    out = tmp_path_factory.mktemp("cib") / "cib.xml"
    out.write_text(result.cib)
    verdict = subprocess.run(["crm_verify", "--xml-file", str(out)], capture_output=True,
                             text=True, timeout=60)
    assert verdict.returncode == 0, (text, verdict.stderr)
    # every service is a group (one without translatable resources holds a placeholder),
    # with its own name as the id where that is a valid CIB id
    names = [s.name for s in conf.services]
    ids = [g.id for g in result.plan.groups]
    assert len(ids) == len(names)
    assert [i for i, name in zip(ids, names) if name[0].isalpha()] == [
        name for name in names if name[0].isalpha()]
    assert all(i.severity in ("error", "warning", "info") for i in result.report)
