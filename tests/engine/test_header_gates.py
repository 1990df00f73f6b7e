"""A rule that needs a response header is gated on it: the index tries it only for a failure
that carries that header, and decides exactly as the rules read one by one."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest

import reliable_rules
from reliable_rules.engine.nodes import Header, value_test
from reliable_rules.engine.probe import Probe
from reliable_rules.failure import Failure, to_failure


class CaseInsensitive(Mapping[str, str]):
    """A header mapping that answers any spelling of a name (as requests' does)."""

    def __init__(self, items: dict[str, str]) -> None:
        self._items = {name.lower(): (name, value) for name, value in items.items()}

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)


@pytest.mark.parametrize(
    ("spec", "gated"),
    [
        ({"equals": "false"}, True),
        ({"exists": True}, True),
        ({"gte": 1}, True),
        ({"exists": False}, False),  # matches when the header is absent: no gate
    ],
)
def test_a_header_test_that_fails_without_the_header_is_a_gate(
    spec: dict[str, object], gated: bool
) -> None:
    """Only a test that no absent header passes gates the rule on the header's name."""
    node = Header("X-Should-Retry", *value_test(spec, None))
    assert (node.gate == frozenset({("header", "x-should-retry")})) is gated
    assert Header("x-ratelimit-*", *value_test({"exists": True}, None)).gate is None


def _first_rule(rules: reliable_rules.RuleSet, failure: Failure) -> str | None:
    """The first rule whose interpreted matcher matches: no index, no generated code."""
    probe = Probe(failure, failure.text, failure.text.lower(), None)
    return next((rule.id for rule in rules.classifier.rules if rule.match(probe)), None)


def test_builtin_default_tries_the_should_retry_rules_only_with_the_header(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The x-should-retry rules are gated on the header (not on `status: any`)."""
    rules = reliable_rules.load_rules("builtin:default")
    classifier = rules.classifier
    assert classifier.indexed
    positions = {
        position
        for position, rule in enumerate(classifier.rules)
        if rule.id.startswith("default.should-retry.")
    }
    assert len(positions) == 2
    tried: list[int] = []
    original = classifier._matchers
    counting = tuple(
        (lambda *args, _p=p, _m=m: tried.append(_p) or _m(*args)) for p, m in enumerate(original)
    )
    monkeypatch.setattr(classifier, "_matchers", counting)
    body = "upstream connect error or disconnect/reset before headers"
    plain = rules.classify(body, status=500)
    assert not positions & set(tried)
    tried.clear()
    refused = rules.classify(body, status=500, headers={"X-Should-Retry": "false"})
    assert positions & set(tried)
    assert refused.rule_id == "default.should-retry.false"
    assert plain.rule_id != refused.rule_id


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-should-retry": "false"},
        {"x-should-retry": "true"},
        {"retry-after": "3"},
        CaseInsensitive({"X-Should-Retry": "false"}),  # a Failure built by hand
    ],
    ids=["none", "false", "true", "other", "case-insensitive-mapping"],
)
@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("Internal server error", 500),
        ('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', 529),
        ("Rate limit reached for requests", 429),
        ("conflict: another request holds the lock", 409),
    ],
)
def test_header_gated_decisions_equal_the_rules_read_one_by_one(
    headers: Mapping[str, str], body: str, status: int
) -> None:
    """With or without the header, in any mapping, the index decides as the plain rules do."""
    rules = reliable_rules.load_rules("builtin:default")
    built = to_failure(body, status=status)
    failure = Failure(built.message, status, headers=headers, body=built.body)
    assert rules.classifier.decide(failure).rule_id == _first_rule(rules, failure)
