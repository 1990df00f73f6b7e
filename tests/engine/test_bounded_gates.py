"""Bounded literal gates (engine/bounds.py): a hit inside a word is dropped, never a match."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.unhurried import unhurried
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reliable_rules
from reliable_rules.engine import classifier as classifier_module
from reliable_rules.engine import scans
from reliable_rules.engine.bounds import bound_pattern
from reliable_rules.engine.nodes import Probe, unwrap
from reliable_rules.engine.regex_literals import LEFT, LEFT_ALNUM, RIGHT, boundaries, gates_of
from reliable_rules.failure import Failure

TARGETS = [
    ("stream-word", {"regex": r"\bstream\b"}),
    ("le-modele", {"regex": r"(?i)\ble\s+mod[èe]le\b"}),
    ("rate-quota", {"regex": r"(?:^|\W)(?:rate|quota) limit\b"}),
    ("models", {"regex": r"\bmodels?\s+(?:is\s+)?unavailable"}),
    ("available", {"all": [{"contains": "model"}, {"regex": r"\bavailable\s+model\b"}]}),
    ("near-upstream", {"near": {"words": [["stream"], ["closed", "reset"]], "within": 3}}),
    ("ends", {"regex": r"[\s:,]timeout$"}),
    ("not-word", {"regex": r"[^\w]limit(?:ed)?\b"}),
    ("up-contains", {"contains": "upstream"}),
]
FRAGMENTS = [
    "upstream", "stream", "Stream", "streams", "_stream", "stream_", "available model",
    "unavailable model", "le modèle", "LE MODELE", "le_modele", "rate limit", "ratelimit",
    "quota limit", "models unavailable", "model is unavailable", "reset", "closed",
    ": timeout", "timeout", "limited", "_limit", "-limit", " ", "\n", "_", "-", ".",
    "9", "é", "İ", "\u212a", "\u017f", "模型", "\t",
]  # fmt: skip


def rule_file(tmp_path: Path) -> Path:
    """An indexed rule set (fillers push it past SCAN_THRESHOLD) with the bounded targets."""
    lines = ["format: reliable-rules/v1", "name: bounded", "rules:"]
    for index in range(60):
        lines.append(
            f"  - {{id: filler-{index}, when: {{contains: [zq{index}filler, xv{index}other]}}, "
            "then: {category: server_error}}"
        )
    for name, when in TARGETS:
        lines.append(f"  - {{id: {name}, when: {when!r}, then: {{category: client_error}}}}")
    path = tmp_path / "bounded.yaml"
    path.write_text("\n".join(lines).replace("'", '"') + "\n", encoding="utf-8")
    return path


def ungated(rules: reliable_rules.RuleSet, text: str) -> str | None:
    """The first rule whose matcher holds, every rule evaluated in order (no gate at all)."""
    failure = Failure(message=text)
    for rule in rules.classifier.rules:
        probe = Probe(failure, failure.text, failure.text.lower(), None)
        if unwrap(rule.node).match(probe):
            return rule.id
    return None


@pytest.fixture(params=["0", "1"], ids=["pure", "accelerated"])
def bounded_everywhere(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> reliable_rules.RuleSet:
    """The target set with its bounded keys checked on every text (not only long ones)."""
    monkeypatch.setenv(scans.ACCELERATOR_ENV, request.param)
    monkeypatch.setattr(classifier_module, "BOUNDED_TEXT", 0)
    rules = unhurried(reliable_rules.load_rules(rule_file(tmp_path)))
    assert rules.classifier.indexed
    assert rules.classifier._bounds is not None
    return rules


@pytest.mark.parametrize(
    ("pattern", "literal", "bits"),
    [
        (r"\bstream\b", "stream", LEFT | RIGHT),
        (r"\ble\s+mod[èe]le", "mod", LEFT),  # \s+ before it; [èe] accepts a letter after
        (r"[\s_-]stream", "stream", 0),  # "_" is a word character
        (r"(?:^|\W)(rate|quota) limit\b", "rate", LEFT | RIGHT),
        (r"(?:^|\W)(rate|quota) limit\b", " limit", RIGHT),
        (r"\bmodels?\b", "model", LEFT),  # "s" may follow
        (r"\b(?:tokens|token) per\b", "token", LEFT),  # "tokens" ends past it
        (r"abc$", "abc", RIGHT),
        (r"^foo|bar\b", "foo", LEFT),
        (r"[^a-z]foo", "foo", 0),  # case-sensitive, [^a-z] accepts "A"
        (r"(?i)[^a-z0-9_]foo\b", "foo", RIGHT),  # the flag is not read: "A" may precede
        (r"[^\w]foo\b", "foo", LEFT | RIGHT),
        (r"\b_foo", "_foo", LEFT),
        (r"é?tat\b", "tat", RIGHT),  # "é" is optional: a letter may precede
        ("[\u017f]foo", "foo", 0),  # U+017F equals "s" ignoring case
        (r"(?:ab\s)+cd", "cd", LEFT),  # each iteration ends with a space
        (r"(?:ab\s?)+cd", "cd", 0),  # or with "b"
        (r"\bfoo(?=bar)", "foo", LEFT),
    ],
)
def test_boundaries_are_what_every_match_proves(pattern: str, literal: str, bits: int) -> None:
    """Only neighbours every match proves are not ASCII word characters are kept."""
    assert boundaries(pattern, frozenset({literal}))[literal] == bits


def test_gates_of_reports_the_boundaries_of_its_literals() -> None:
    """gates_of's third part: (literal, bits) of the needed literals with bits."""
    strong, _weak, bounds = gates_of(r"\bupstream\s+(?:connect|reset)\b")
    assert frozenset({"upstream"}) in strong
    assert ("upstream", LEFT | RIGHT) in bounds


@pytest.mark.parametrize(
    ("literal", "bits", "hits", "misses"),
    [
        ("stream", LEFT | RIGHT, ["a stream.", "stream", "(stream)"], ["upstream", "streams"]),
        ("stream", LEFT, ["streams", "-stream"], ["upstream", "_stream", "9stream"]),
        ("stream", LEFT_ALNUM, ["_stream", "streams"], ["upstream", "9stream"]),
        ("mod", RIGHT, ["le mod", "mod."], ["modele", "mod_"]),
    ],
)
def test_bound_patterns_judge_the_neighbours(
    literal: str, bits: int, hits: list[str], misses: list[str]
) -> None:
    """A bound pattern finds an occurrence with the neighbours asked for, and only that."""
    import re  # noqa: PLC0415 — only here

    search = re.compile(bound_pattern(literal, bits)).search
    assert all(search(text) for text in hits)
    assert not any(search(text) for text in misses)
    assert search(f"{misses[0]} and {hits[0]}") is not None  # a later occurrence counts


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=8))
def test_bounded_gates_decide_like_no_gates(
    bounded_everywhere: reliable_rules.RuleSet, parts: list[str]
) -> None:
    """Texts built around the boundary cases: the same rule as every matcher in order."""
    text = "".join(parts)
    assert bounded_everywhere.classify(text).rule_id == ungated(bounded_everywhere, text)


@pytest.mark.parametrize("word", ["upstream", "stream", "available model", "unavailable model"])
def test_a_long_text_is_judged_by_its_distinct_lines(
    bounded_everywhere: reliable_rules.RuleSet, word: str
) -> None:
    """Past the long-text limit (distinct lines read once), the same decisions."""
    line = f'{{"msg":"{word} replied","detail":"took 812 ms"}}\n'
    body = line * (scans.LONG_TEXT // len(line) + 2)
    assert bounded_everywhere.classify(body).rule_id == ungated(bounded_everywhere, body)


def test_a_hit_inside_a_word_makes_no_candidate(
    bounded_everywhere: reliable_rules.RuleSet,
) -> None:
    """"upstream" no longer selects the rule needing "stream" as a word; "stream" does."""
    classifier = bounded_everywhere.classifier
    position = next(i for i, rule in enumerate(classifier.rules) if rule.id == "stream-word")

    def selected(text: str) -> bool:
        failure = Failure(message=text)
        probe = classifier._probe(failure)
        return bool(classifier._candidates(probe) >> position & 1)

    assert not selected("the upstream closed")
    assert selected("the stream closed")
