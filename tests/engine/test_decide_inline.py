"""The classifier's hot path (candidate selection and the Retry-After shortcut inlined in
``decide``) answers exactly as the rules read one by one, top to bottom, without any index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.one_by_one import Answer, corpus_records, read_one_by_one, text_failure
from helpers.unhurried import unhurried

import reliable_rules
from reliable_rules.engine.probe import Probe
from reliable_rules.failure import Failure, to_failure
from reliable_rules.ruleset.resources import rules_dir


def _typed_failures() -> list[Failure]:
    """Every corpus record's body as two exception types (one with a provider and model)."""
    failures = []
    for record in corpus_records():
        body = str(record["body"])
        failures.append(to_failure(TimeoutError(body)))
        failures.append(to_failure(ConnectionError(body), provider="openai", model="gpt-4o"))
    return failures


@pytest.fixture(scope="module")
def typed_read_one_by_one() -> dict[str, list[Answer]]:
    """The typed failures' answers of the rules read one by one, filled by the first test
    that reads them: without an index no accelerator takes part, so both settings compare
    with the same answers."""
    return {}


@pytest.mark.parametrize("accelerated", ["1", "0"])
def test_decide_agrees_with_the_rules_read_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
    accelerated: str,
    corpus_read_one_by_one: list[Answer],
    typed_read_one_by_one: dict[str, list[Answer]],
) -> None:
    """Every corpus record (as text, and as two exception types) gets the same rule, category
    and Retry-After from decide() as from the rules evaluated in order without an index."""
    monkeypatch.setenv("RELIABLE_RULES_ACCELERATOR", accelerated)
    classifier = unhurried(reliable_rules.load_rules(rules_dir() / "default.yaml")).classifier
    assert classifier.indexed
    texts = [text_failure(record) for record in corpus_records()]
    assert len(texts) >= 6000
    typed = _typed_failures()
    if "answers" not in typed_read_one_by_one:
        typed_read_one_by_one["answers"] = [read_one_by_one(classifier, f) for f in typed]
    pairs = [
        *zip(texts, corpus_read_one_by_one, strict=True),
        *zip(typed, typed_read_one_by_one["answers"], strict=True),
    ]
    for failure, expected in pairs:
        decision = classifier.decide(failure)
        got = (decision.rule_id, decision.category, decision.retry_after_ms)
        assert got == expected, failure.text[:200]


def test_the_retry_after_shortcut_keeps_every_source() -> None:
    """With no header and no literal of a source in the text the shortcut answers None; a
    header or a source's literal still reaches the sources."""
    rules = reliable_rules.load_rules("builtin:default")
    assert rules.classify("model overloaded", status=503).retry_after_ms is None
    headers = {"retry-after": "7"}
    assert rules.classify("overloaded", status=503, headers=headers).retry_after_ms == 7000
    assert rules.classify("rate limited, try again in 3s", status=429).retry_after_ms == 3000


def test_the_literal_scan_is_built_by_the_first_classification() -> None:
    """Loading an indexed set builds no literal scan; the first classification does."""
    rules = reliable_rules.load_rules(rules_dir() / "default.yaml")
    classifier = rules.classifier
    assert not classifier._scans_built
    assert classifier._scan is None
    assert classifier._mask_scan is None
    assert rules.classify("rate limit exceeded", status=429).rule_id
    assert classifier._scans_built
    assert (classifier._mask_scan or classifier._scan) is not None


def _two_gate_rules(directory: Path) -> reliable_rules.RuleSet:
    """An indexed set whose first rule needs two literals and, through a regex, a third."""
    filler = [{"id": f"r.filler-{i}", "when": {"contains": f"filler phrase {i}"},
               "then": {"category": "server_error"}} for i in range(120)]
    rule = {"id": "r.both", "then": {"category": "quota_exhausted"},
            "when": {"all": [{"contains": "alpha"}, {"contains": "bravo"},
                             {"regex": "status (?:exhausted|spent)"}]}}
    document = {"format": "reliable-rules/v1", "name": "t", "revision": "1",
                "extends": ["builtin:seed"], "rules": [rule, *filler]}  # fmt: skip
    path = directory / "two-gates.yaml"
    path.write_text(json.dumps(document), encoding="utf-8")
    return reliable_rules.load_rules(path)


@pytest.mark.parametrize(
    ("text", "candidate", "decided"),
    [
        ("alpha bravo status exhausted", True, True),
        ("alpha status exhausted", False, False),  # a gate missing: not even tried
        ("bravo status spent", False, False),
        ("alpha bravo charlie", None, False),  # the regex's literals: tried or not, no match
        ("alpha bravo \u017ftatus exhausted", True, True),  # U+017F is "s": regex gates step aside
    ],
)
def test_a_rule_is_tried_only_when_its_first_and_second_gates_are_present(
    tmp_path: Path, text: str, candidate: bool | None, decided: bool
) -> None:
    """The index keeps a rule with two needed literal sets only when both occur (the second
    from a regex stepping aside where case folding makes its literals inexact)."""
    rules = _two_gate_rules(tmp_path)
    classifier = rules.classifier
    assert classifier.indexed
    position = [rule.id for rule in classifier.rules].index("r.both")
    (entry,) = classifier.entry_positions(position)
    assert not classifier._unsecured >> entry & 1  # the rule has a second gate
    lower = text.lower()
    scan = classifier._built_scan()
    assert scan is not None
    probe = Probe(to_failure(text), text, lower, scan(lower))
    if candidate is not None:
        assert bool(classifier._candidates(probe) >> position & 1) is candidate
    assert (rules.classify(text).rule_id == "r.both") is decided
