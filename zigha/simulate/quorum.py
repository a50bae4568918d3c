"""cman's quorum arithmetic (cman/daemon/commands.c calculate_quorum).

    quorum = max((expected_votes + 2) // 2, (total_votes + 2) // 2)
    a node failure never lowers quorum (recalculate_quorum(allow_decrease=0))
    two_node and at most two members: quorum = 1
    quorate when total_votes >= quorum

``total_votes`` is the votes of the current members plus the quorum disk's votes while
the disk is available (the simulator counts it while any member is up; qdiskd
heuristics are not modelled).
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs


@attrs.frozen
class Quorum:
    """Votes and quorum after one membership change."""

    expected_votes: int
    total_votes: int
    quorum: int
    quorate: bool
    members: int

    def to_dict(self) -> dict:
        return attrs.asdict(self)


def expected_votes(configured: int | None, node_votes: Iterable[int],
                   qdisk_votes: int | None) -> tuple[int, bool]:
    """The expected votes cman starts with, and whether that value is an inference.

    With ``expected_votes`` absent cman sums the nodes' votes.  Whether it adds the
    quorum disk's votes by itself is unverified (cluster-conf.md §5.1); the simulator
    adds them, which is what the Red Hat docs have administrators configure.
    """
    if configured:
        return int(configured), False
    total = sum(node_votes)
    if qdisk_votes:
        return total + int(qdisk_votes), True
    return total, False


def calculate(expected: int, member_votes: Iterable[int], qdisk_votes: int | None,
              two_node: bool, previous_quorum: int = 0) -> Quorum:
    """One run of calculate_quorum + set_quorate for the current members."""
    votes = list(member_votes)
    total = sum(votes)
    if votes and qdisk_votes:
        total += int(qdisk_votes)
    quorum = max((expected + 2) // 2, (total + 2) // 2, previous_quorum)
    if two_node and len(votes) <= 2:
        quorum = 1
    return Quorum(expected, total, quorum, total >= quorum and bool(votes), len(votes))
