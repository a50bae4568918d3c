"""Generated states survive render -> parse; mutated captures raise only ParseError."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zigha.errors import ParseError
from zigha.status import (
    ClusterStatus,
    Member,
    ServiceState,
    ServiceStatus,
    parse_clustat,
    parse_clustat_text,
    parse_clustat_xml,
    parse_cman_nodes,
    parse_cman_status,
    render_clustat_text,
    render_clustat_xml,
)

NAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789.-_"
# a member called "none" or "unknown" cannot be told from clustat's own fallback words
member_names = st.text(NAME_CHARS, min_size=1, max_size=26).filter(
    lambda name: name not in ("none", "unknown"))
KNOWN = [s for s in ServiceState if s is not ServiceState.UNKNOWN]


@st.composite
def members(draw):
    names = draw(st.lists(member_names, min_size=1, max_size=6, unique=True))
    ids = draw(st.lists(st.integers(0, 20000), min_size=len(names), max_size=len(names),
                        unique=True))
    local = draw(st.sampled_from(range(-1, len(names))))
    result = []
    for index, (name, nodeid) in enumerate(zip(names, ids)):
        rgmanager = draw(st.booleans())
        result.append(Member(
            name=name, nodeid=nodeid, online=draw(st.booleans()), local=index == local,
            estranged=draw(st.booleans()), rgmanager=rgmanager,
            rgmanager_master=rgmanager and draw(st.booleans()), qdisk=draw(st.booleans())))
    return result


@st.composite
def services(draw, owners):
    names = draw(st.lists(
        st.builds(lambda kind, n: f"{kind}:{n}", st.sampled_from(["service", "vm"]),
                  st.text(NAME_CHARS, min_size=1, max_size=20)),
        max_size=8, unique=True))
    result = []
    for name in names:
        unknown = draw(st.booleans()) and draw(st.booleans())
        raw = "x" + draw(st.text("abcdefghij", min_size=2, max_size=8)) if unknown else ""
        state = ServiceState.UNKNOWN if unknown else draw(st.sampled_from(KNOWN))
        flags = draw(st.sampled_from([(), ("frozen",), ("partial",), ("frozen", "partial")]))
        result.append(ServiceStatus(
            name=name, state=state, state_raw=raw,
            owner=draw(st.none() | st.sampled_from(owners)),
            last_owner=draw(st.none() | st.sampled_from(owners)),
            flags=flags, restarts=draw(st.integers(0, 99)),
            last_transition=draw(st.integers(0, 2**31 - 1))))
    return result


@st.composite
def statuses(draw):
    nodes = draw(members())
    available = draw(st.booleans())
    quorate = draw(st.booleans())
    return ClusterStatus(
        cluster_name=draw(st.text(NAME_CHARS, min_size=1, max_size=16)),
        quorate=quorate,
        members=nodes,
        services=draw(services([m.name for m in nodes] + ["unknown"])) if available else (),
        services_available=available,
        cluster_id=draw(st.integers(0, 65535)),
        generation=draw(st.integers(0, 10**6)),
        group_member=quorate and draw(st.booleans()),
        timestamp=draw(st.datetimes(dt.datetime(1971, 1, 1), dt.datetime(2037, 1, 1))).replace(
            microsecond=0),
    )


def shown(service):
    """The fields clustat's text carries for a service."""
    who = ("last", service.last_owner) if service.state.shows_last_owner else ("owner", service.owner)
    raw = service.state_raw if service.state is ServiceState.UNKNOWN else None  # may be cut
    return service.name, service.state, raw, who, service.flags


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(statuses(), st.sampled_from([80, 90, 111, 132, 200]))
def test_text_round_trip(status, width):
    back = parse_clustat_text(render_clustat_text(status, width))
    assert back.cluster_name == status.cluster_name
    assert back.quorate == status.quorate
    assert back.timestamp == status.timestamp
    assert back.members == status.members
    assert back.services_available == status.services_available
    assert [shown(s) for s in back.services] == [shown(s) for s in status.services]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(statuses(), st.booleans())
def test_xml_round_trip(status, flags):
    back = parse_clustat_xml(render_clustat_xml(status, flags=flags))
    for field in ("cluster_name", "cluster_id", "generation", "quorate", "group_member",
                  "members", "services_available"):
        assert getattr(back, field) == getattr(status, field), field
    for got, want in zip(back.services, status.services, strict=True):
        assert (got.name, got.state, got.state_raw, got.owner, got.last_owner) == (
            want.name, want.state, want.state_raw, want.owner, want.last_owner)
        assert (got.restarts, got.last_transition) == (want.restarts, want.last_transition)
        assert got.flags == (want.flags if flags else ())


def test_text_round_trip_of_every_capture(reference):
    for path in sorted((reference / "samples").glob("clustat-text-*.txt")):
        status = parse_clustat_text(path.read_text())
        if status.cluster_name is None:
            continue  # the legacy RHEL 5 layout is read, never written
        again = parse_clustat_text(render_clustat_text(status, 132))
        assert again.members == status.members, path.name
        assert again.services == status.services, path.name


CAPTURES = {
    "clustat-text": (parse_clustat_text, "clustat-text-"),
    "clustat-xml": (parse_clustat_xml, "clustat-xml-"),
    "cman-status": (parse_cman_status, "cman_tool-status-"),
    "cman-nodes": (parse_cman_nodes, "cman_tool-nodes-"),
    "auto": (parse_clustat, "clustat-"),
}


def _captures(reference, prefix):
    return [p.read_text() for p in sorted((reference / "samples").glob(prefix + "*"))]


@st.composite
def mutated(draw, texts):
    text = draw(st.sampled_from(texts))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["cut", "delete", "insert", "replace", "dropline", "dupline",
                                     "swaplines"]))
        pos = draw(st.integers(0, max(len(text) - 1, 0)))
        lines = text.splitlines(keepends=True)
        if kind == "cut":
            text = text[:pos]
        elif kind == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 20)):]
        elif kind == "insert":
            text = text[:pos] + draw(st.text(max_size=10)) + text[pos:]
        elif kind == "replace":
            text = text[:pos] + draw(st.sampled_from(list('<>&"=0x- \n\t:()[],'))) + text[pos + 1:]
        elif lines:
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            if kind == "dropline":
                del lines[i]
            elif kind == "dupline":
                lines.insert(i, lines[j])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "".join(lines)
    return text


@pytest.mark.parametrize("kind", sorted(CAPTURES))
def test_mutated_captures_raise_only_parse_error(reference, kind):
    parse, prefix = CAPTURES[kind]
    texts = _captures(reference, prefix)

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mutated(texts))
    def check(text):
        try:
            parse(text)
        except ParseError:
            pass

    check()


@pytest.mark.parametrize("kind", sorted(CAPTURES))
def test_random_text_raises_only_parse_error(kind):
    parse = CAPTURES[kind][0]

    @settings(max_examples=200, deadline=None)
    @given(st.text() | st.text(alphabet=' \n<>/="clustat:-0123456789abcMXOnlie,'))
    def check(text):
        try:
            parse(text)
        except ParseError:
            pass

    check()


def test_fast_and_careful_xml_paths_agree(reference):
    from zigha.status import parse_xml

    texts = _captures(reference, "clustat-xml-")

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mutated(texts))
    def check(text):
        start = text.find("<?xml") if "<?xml" in text else text.find("<clustat")
        if start < 0:
            return
        fast = parse_xml._parse_fast(text[start:], ())
        if fast is None:
            return
        assert parse_xml._parse_with_tree(text, start, ()) == fast

    check()
