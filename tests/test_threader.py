"""Header threading rules and reply order, without a database."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from listkeeper.threader import FoundBy, ThreadNode, header_links, reply_order

T0 = datetime(2006, 11, 13, 15, 41)


def test_last_reference_is_the_parent() -> None:
    links = header_links("c@x", ["a@x", "b@x"], "b@x")
    assert (links.parent, links.found_by, links.ancestors) == ("b@x", FoundBy.REFERENCES, ["a@x", "b@x"])


def test_in_reply_to_alone() -> None:
    links = header_links("c@x", [], "b@x")
    assert (links.parent, links.found_by) == ("b@x", FoundBy.IN_REPLY_TO)


def test_in_reply_to_outside_truncated_references_wins() -> None:
    links = header_links("d@x", ["a@x"], "c@x")
    assert (links.parent, links.found_by) == ("c@x", FoundBy.IN_REPLY_TO)


def test_self_reference_is_ignored() -> None:
    links = header_links("a@x", ["a@x"], "a@x")
    assert links.parent is None and links.ancestors == []


def test_huge_references_are_bounded() -> None:
    refs = [f"{i}@x" for i in range(100_000)]
    links = header_links("me@x", refs, None)
    assert links.parent == "99999@x" and len(links.ancestors) == 1000


def test_reply_order_depth_first_siblings_by_date() -> None:
    nodes = [
        ThreadNode("root", None, T0),
        ThreadNode("late", "root", T0 + timedelta(hours=2)),
        ThreadNode("early", "root", T0 + timedelta(hours=1)),
        ThreadNode("early-child", "early", T0 + timedelta(hours=3)),
    ]
    placed = [(p.node.message_id, p.depth) for p in reply_order(nodes)]
    assert placed == [("root", 0), ("early", 1), ("early-child", 2), ("late", 1)]


def test_reply_order_survives_a_deep_chain() -> None:
    nodes = [ThreadNode("0", None, T0)] + [
        ThreadNode(str(i), str(i - 1), T0 + timedelta(minutes=i)) for i in range(1, 20_000)
    ]
    placed = reply_order(nodes)
    assert placed[-1].depth == 19_999


@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), max_size=60))
def test_reply_order_places_every_node_exactly_once_even_in_cycles(edges) -> None:
    parents = dict(edges)
    nodes = [ThreadNode(str(n), str(parents[n]) if n in parents else None, T0) for n in set(parents)]
    placed = reply_order(nodes)
    ids = [p.node.message_id for p in placed]
    assert sorted(ids) == sorted(node.message_id for node in nodes)
