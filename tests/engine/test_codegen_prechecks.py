"""The generated matchers' inline prechecks (a header's presence, a JSON key's name, a
text_status number's digits) never change an answer: they only skip calls that would fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import reliable_rules
from reliable_rules.engine import prefilter
from reliable_rules.engine.codegen import _precheck
from reliable_rules.engine.nodes import Header, JsonKey, Probe, TextStatus, value_test
from reliable_rules.failure import to_failure

CONDITIONS = {
    "header-equals": {"header": {"name": "x-should-retry", "equals": "false"}},
    "header-absent": {"header": {"name": "x-should-retry", "exists": False}},
    "header-pattern": {"header": {"name": "x-ratelimit-remaining*", "lte": 0}},
    "json-key": {"json": {"key": ["finish_reason", "finishReason"], "equals": "SAFETY"}},
    "json-key-absent": {"json": {"key": "refusal", "exists": False}},
    "text-status-one": {"text_status": {"min": 429, "max": 429}},
    "text-status-range": {"text_status": {"min": 400, "max": 499}},
}
FAILURES = [
    ("plain", None, None),
    ("error 0429 from upstream", None, None),
    ("error 4290 from upstream", None, None),
    ("status 418 teapot", None, None),
    ("overloaded", 529, {"x-should-retry": "false"}),
    ("overloaded", 529, {"X-Should-Retry": "true"}),
    ("slow", 429, {"x-ratelimit-remaining-tokens": "0"}),
    ("slow", 429, {"x-ratelimit-remaining-tokens": "12"}),
    ('{"candidates": [{"finishReason": "SAFETY"}]}', 200, None),
    ('{"choices": [{"finish_reason": "stop", "refusal": null}]}', 200, None),
    ('{"refusal": "no"}', 200, None),
]


def _rule_file(directory: Path, *, filler: int) -> Path:
    rules = [
        {"id": f"t.{name}", "when": when, "then": {"category": "server_error"}}
        for name, when in CONDITIONS.items()
    ]
    # filler literals push the set past the index threshold (the other code generator)
    rules.extend(
        {"id": f"t.filler-{i}", "when": {"contains": [f"zq{i}x{j}" for j in range(4)]},
         "then": {"category": "client_error"}}
        for i in range(filler)
    )  # fmt: skip
    document = {"format": "reliable-rules/v1", "name": "t", "revision": "1",
                "extends": ["builtin:seed"], "rules": rules}  # fmt: skip
    path = directory / f"prechecks-{filler}.yaml"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.parametrize("filler", [0, 40])
def test_generated_and_interpreted_matchers_agree(tmp_path: Path, filler: int) -> None:
    """Each rule's generated matcher answers as its interpreted node, in ordered and indexed
    rule sets alike."""
    rules = reliable_rules.load_rules(_rule_file(tmp_path, filler=filler))
    classifier = rules.classifier
    assert classifier.indexed is (filler > 0)
    for text, status, headers in FAILURES:
        failure = to_failure(text, status=status, headers=headers)
        decided = rules.classify(text, status=status, headers=headers).rule_id
        lower = failure.text.lower()
        probe = Probe(failure, failure.text, lower, None)
        interpreted = next(
            (rule.id for rule in classifier.rules if rule.match(probe)), None
        )
        assert decided == interpreted, (text, status, headers)


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (Header("X-Should-Retry", *value_test({"equals": "false"}, None)),
         "('x-should-retry' in P.failure.headers)"),
        (Header("x-should-retry", *value_test({"exists": False}, None)), None),
        (Header("x-ratelimit-*", *value_test({"lte": 0}, None)), "P.failure.headers"),
        (JsonKey(["a", "b"], *value_test({"equals": 1}, None), absent=False),
         "('a' in text or 'b' in text)"),
        (JsonKey(["a"], *value_test({"exists": False}, None), absent=True), None),
        (TextStatus(429, 429, frozenset(), None), "('429' in text)"),
        (TextStatus(429, 429, frozenset({429}), None), None),
        (TextStatus(400, 499, frozenset(), frozenset({401, 403, 500})),
         "('401' in text or '403' in text)"),
        (TextStatus(400, 499, frozenset({408}), None), None),
    ],
)  # fmt: skip
def test_precheck_only_where_no_match_can_fail_it(node: object, expected: str | None) -> None:
    """A precheck exists only where every match satisfies it (absence tests have none)."""
    assert _precheck(node) == expected  # type: ignore[arg-type]


def test_the_any_gate_is_asked_only_when_a_regex_branch_has_its_literals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An any: of regexes asks its one RE2 pass only when some branch's needed literals occur;
    the answers are those of the branches either way."""
    asked: list[str] = []
    original = prefilter.AnyGate.__call__

    def counting(self: prefilter.AnyGate, probe: Probe) -> bool:
        asked.append(probe.text)
        return original(self, probe)

    monkeypatch.setattr(prefilter.AnyGate, "__call__", counting)
    rule = {"id": "t.any", "then": {"category": "server_error"},
            "when": {"any": [{"regex": r"alpha\s+bravo"}, {"regex": r"charlie\W+delta"}]}}
    document = {"format": "reliable-rules/v1", "name": "t", "revision": "1",
                "extends": ["builtin:seed"], "rules": [rule]}  # fmt: skip
    path = tmp_path / "any.yaml"
    path.write_text(json.dumps(document), encoding="utf-8")
    rules = reliable_rules.load_rules(path)
    assert rules.classify("nothing of the sort").rule_id != "t.any"
    assert asked == []
    assert rules.classify("charlie -- delta").rule_id == "t.any"
    assert rules.classify("alpha, then bravo").rule_id != "t.any"
    assert asked == ["charlie -- delta", "alpha, then bravo"]
