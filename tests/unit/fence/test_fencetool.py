"""fence_tool ls parsing (format from fence/fence_tool/fence_tool.c, STABLE3)."""

from __future__ import annotations

import pytest
from fence_tool_text import fence_ls, h1_done, h1_pending
from hypothesis import given, settings
from hypothesis import strategies as st

from zigha.errors import ParseError
from zigha.fence.fencetool import parse_fence_tool_ls


def test_plain_ls_quiet_domain():
    domain = parse_fence_tool_ls(fence_ls(members=(1, 2, 3)))
    assert (domain.member_count, domain.victim_count, domain.victim_now) == (3, 0, 0)
    assert domain.master_nodeid == 2
    assert domain.wait_state == "none"
    assert domain.members == (1, 2, 3)
    assert domain.nodes == () and domain.victims == ()


def test_ls_n_with_a_victim():
    domain = parse_fence_tool_ls(h1_pending())
    assert domain.victim_now == 1
    assert domain.victims == (1,)
    assert domain.node(1).member is False and domain.node(1).victim is True
    assert domain.node(2).how == "none"
    assert domain.to_dict()["victims"] == [1]


def test_ls_n_after_override():
    domain = parse_fence_tool_ls(h1_done())
    assert domain.victims == ()
    assert domain.node(1).how == "override"
    assert domain.node(1).last_fence_master == 2


def test_old_fence_tool_without_wait_state_line():
    domain = parse_fence_tool_ls(fence_ls(with_wait=False, victim_now=3))
    assert domain.wait_state is None and domain.victim_now == 3
    assert domain.victims == (3,)


def test_tolerates_trimmed_blanks_and_wider_spacing():
    text = h1_pending().replace("members       2 3 ", "members  2   3").replace(
        "victim now    1", "victim now        1")
    assert parse_fence_tool_ls(text).victim_now == 1


@pytest.mark.parametrize("text, where", [
    ("", "empty output"),
    ("fence domain\nmember count  x\n", "line 2"),
    ("hello\n", "line 1"),
    ("fence domain\nmember count  2\nvictim count  0\nvictim now    0\n", "master nodeid"),
    (fence_ls().replace("wait state    none", "wait state    ???"), "bad wait state"),
    (h1_pending().replace("how none", "how"), "not a node line"),
    ("fence domain\nmember count  1\nvictim count  0\nvictim now    0\nmaster nodeid 1\n"
     "members       error\n", "could not list"),
    (fence_ls() + "surprise 3\n", "unknown line"),
])
def test_garbage_is_a_parse_error_naming_the_place(text, where):
    with pytest.raises(ParseError) as err:
        parse_fence_tool_ls(text)
    assert where in str(err.value)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_fuzz_only_parse_error_escapes(text):
    try:
        parse_fence_tool_ls(text)
    except ParseError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(h1_pending().splitlines()), max_size=15))
def test_fuzz_shuffled_real_lines(lines):
    try:
        parse_fence_tool_ls("\n".join(lines))
    except ParseError:
        pass
