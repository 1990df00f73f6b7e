"""``nodes.walk``: every node of a rule tree once, shared named conditions included."""

from __future__ import annotations

from reliable_rules.engine.nodes import All, Any_, ConditionRef, Contains, Not, walk


def test_walk_visits_a_shared_named_condition_once_and_in_order() -> None:
    """A named condition used twice is yielded once; children come in their written order."""
    quota, rate = Contains(["quota"], sensitive=False), Contains(["rate"], sensitive=False)
    named = ConditionRef("money", quota)
    tree = All([named, Any_([rate, Not(named)])])
    nodes = list(walk([tree]))
    assert nodes[:3] == [tree, named, quota]
    assert [id(node) for node in nodes].count(id(quota)) == 1
    assert len(nodes) == 6  # tree, named, quota, any, rate, not


def test_walk_keeps_what_earlier_roots_reached_when_given_their_seen_set() -> None:
    """With one ``seen`` across calls, a later root skips the nodes an earlier one reached."""
    shared = Contains(["limit"], sensitive=False)
    first, second = Not(shared), Not(shared)
    seen: set[int] = set()
    assert list(walk([first], seen)) == [first, shared]
    assert list(walk([second], seen)) == [second]
