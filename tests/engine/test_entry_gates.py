"""Candidate selection per entry: each branch of a rule's ``any:`` (also under ``all:``) is
gated on its own first and second literal sets, and a ``near:`` on every one of its terms; a
rule is tried when one entry's gates are present, and never missed when it matches."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import reliable_rules
from reliable_rules.engine.entries import MAX_ENTRIES
from reliable_rules.engine.probe import Probe
from reliable_rules.failure import to_failure

FILLER = [
    {"id": f"r.filler-{i}", "when": {"contains": f"filler phrase {i}"},
     "then": {"category": "server_error"}}
    for i in range(120)
]  # fmt: skip
#: Two wordings, each a literal and a regex: the rule's gate was the union of both literals.
WORDINGS: dict[str, Any] = {
    "any": [
        {"all": [{"contains": "alpha"}, {"regex": r"alpha\s+bravo"}]},
        {"all": [{"contains": "charlie"}, {"contains": "delta"}]},
    ]
}


def _rules(directory: Path, rule: dict[str, Any]) -> reliable_rules.RuleSet:
    """An indexed set (the filler's literals) whose first rule is ``rule`` (id ``r.it``)."""
    document = {"format": "reliable-rules/v1", "name": "t", "revision": "1",
                "extends": ["builtin:seed"],
                "rules": [{"id": "r.it", **rule}, *FILLER]}  # fmt: skip
    path = directory / "entries.yaml"
    path.write_text(json.dumps(document), encoding="utf-8")
    rules = reliable_rules.load_rules(path)
    assert rules.classifier.indexed
    return rules


def _candidate(rules: reliable_rules.RuleSet, text: str, status: int | None = None) -> bool:
    """Whether the index selects rule ``r.it`` for ``text``."""
    classifier = rules.classifier
    position = [rule.id for rule in classifier.rules].index("r.it")
    lower = text.lower()
    scan = classifier._built_scan()
    assert scan is not None
    probe = Probe(to_failure(text, status=status), text, lower, scan(lower))
    return bool(classifier._candidates(probe) >> position & 1)


@pytest.mark.parametrize(
    ("text", "candidate", "decided"),
    [
        ("alpha bravo", True, True),  # the first wording
        ("charlie and delta", True, True),  # the second
        ("alpha and charlie", False, False),  # one literal of each: neither wording can match
        ("alpha, then bravo", None, False),  # the regex's literals without its shape
    ],
)
def test_each_branch_of_an_any_is_gated_on_its_own_literals(
    tmp_path: Path, text: str, candidate: bool | None, decided: bool
) -> None:
    """An ``any:`` of wordings is tried only when every literal set of one wording occurs, and
    each wording still decides the texts it matches."""
    rules = _rules(tmp_path, {"when": WORDINGS, "then": {"category": "quota_exhausted"}})
    assert len(rules.classifier.entry_positions(0)) == 2
    if candidate is not None:
        assert _candidate(rules, text) is candidate
    assert (rules.classify(text).rule_id == "r.it") is decided


@pytest.mark.parametrize(
    ("text", "status", "decided"),
    [
        ("alpha bravo", 400, True),
        ("charlie delta", None, True),
        ("charlie delta", 429, False),  # the shared `not:` part still holds for every branch
        ("alpha charlie", 400, False),
    ],
)
def test_an_any_under_all_splits_with_the_other_parts(
    tmp_path: Path, text: str, status: int | None, decided: bool
) -> None:
    """An ``any:`` inside an ``all:`` beside a status condition splits into one entry per
    branch, each needing its own literals; the other parts still decide."""
    when = {"all": [{"not": {"status": 429}}, WORDINGS, {"not": {"contains": "zulu"}}]}
    rules = _rules(tmp_path, {"when": when, "then": {"category": "quota_exhausted"}})
    assert len(rules.classifier.entry_positions(0)) == 2
    assert (rules.classify(text, status=status).rule_id == "r.it") is decided
    if decided:
        assert _candidate(rules, text, status)
        assert rules.classify(text + " zulu", status=status).rule_id != "r.it"


def test_a_near_is_gated_on_every_term(tmp_path: Path) -> None:
    """A ``near:`` rule is tried only when every term occurs, and decides when they are near."""
    when = {"near": {"words": [["kilo", "lima"], "mike"], "within": 2}}
    rules = _rules(tmp_path, {"when": when, "then": {"category": "quota_exhausted"}})
    assert not _candidate(rules, "kilo alone")
    assert not _candidate(rules, "mike alone")
    assert _candidate(rules, "lima far far far far mike")
    assert rules.classify("lima far far far far mike").rule_id != "r.it"
    assert rules.classify("the lima mike").rule_id == "r.it"
    assert rules.classify("mike, kilo").rule_id == "r.it"


def test_a_rule_with_too_many_branches_is_gated_whole(tmp_path: Path) -> None:
    """Past MAX_ENTRIES branches a rule keeps one entry, and every branch still decides."""
    branches = [
        {"all": [{"contains": f"word{i}x"}, {"contains": f"other{i}y"}]}
        for i in range(MAX_ENTRIES + 1)
    ]
    rules = _rules(tmp_path, {"when": {"any": branches}, "then": {"category": "server_error"}})
    assert len(rules.classifier.entry_positions(0)) == 1
    for i in (0, MAX_ENTRIES):
        assert rules.classify(f"word{i}x and other{i}y").rule_id == "r.it"
    assert rules.classify("word0x and other1y").rule_id != "r.it"


def test_a_case_folded_letter_keeps_a_regex_gated_entry(tmp_path: Path) -> None:
    """U+017F ("s" ignoring case) in the text: the branch gated on a regex's literal is still
    tried, and decides (regex gates step aside where case folding makes them inexact)."""
    when = {"any": [{"regex": "(?i)status spent"}, {"all": [{"contains": "x1y"},
                                                           {"contains": "y2z"}]}]}  # fmt: skip
    rules = _rules(tmp_path, {"when": when, "then": {"category": "quota_exhausted"}})
    text = "\u017ftatus spent"
    assert _candidate(rules, text)
    assert rules.classify(text).rule_id == "r.it"


def test_status_alternatives_do_not_split(tmp_path: Path) -> None:
    """An ``any:`` of statuses beside an ``any:`` of wordings: one entry per wording (the
    statuses add no literal), and each wording decides under either status."""
    when = {"all": [{"any": [{"status": "none"}, {"status": {"min": 400, "max": 499}}]},
                    WORDINGS]}  # fmt: skip
    rules = _rules(tmp_path, {"when": when, "then": {"category": "quota_exhausted"}})
    assert len(rules.classifier.entry_positions(0)) == 2
    assert rules.classify("alpha bravo").rule_id == "r.it"
    assert rules.classify("charlie delta", status=404).rule_id == "r.it"
    assert rules.classify("charlie delta", status=500).rule_id != "r.it"


@pytest.mark.parametrize(
    ("text", "candidate", "decided"),
    [
        ("upstream said 429", True, True),
        ("code 0429 from the proxy", True, True),  # leading zeros: the run still holds 429
        ("request 4290 failed", True, False),  # the digits, in a larger number
        ("no status here", False, False),
    ],
)
def test_a_text_status_of_few_values_is_gated_on_their_digits(
    tmp_path: Path, text: str, candidate: bool, decided: bool
) -> None:
    """``text_status`` of one value is tried only when its digits occur, and decides every
    text whose first number in range is that value."""
    when = {"all": [{"status": "none"}, {"text_status": {"min": 429, "max": 429}}]}
    rules = _rules(tmp_path, {"when": when, "then": {"category": "rate_limited"}})
    assert _candidate(rules, text) is candidate
    assert (rules.classify(text).rule_id == "r.it") is decided
