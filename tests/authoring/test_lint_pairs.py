"""``never-wins`` compares only the pairs of rules that can subsume (``Candidates``): its
findings are those of comparing every pair, on the shipped files and on a directory seeded
with rules that never win."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.rulefiles import write_rules

from reliable_rules import RuleSet, load_rules
from reliable_rules.authoring.lint import (
    Finding,
    LintOptions,
    _Linter,
    lint_paths,
)
from reliable_rules.authoring.subsumption import Candidates
from reliable_rules.ruleset.memo import LoadMemo

SEEDED = {
    # a user's file on top of a shipped set: its rules come before the shipped ones
    "on-seed.yaml": """
        name: on-seed
        extends: builtin:seed
        rules:
          - id: user.bare-429
            when: {status: 429}
            then: {category: rate_limited}
          - id: user.quota-words
            when: {all: [{status: 429}, {contains: [quota exceeded, quota exhausted]}]}
            then: {category: quota_exhausted}
            tests: [{text: "quota exceeded", status: 429}]
    """,
    "own.yaml": """
        name: own
        conditions:
          throttled: {any: [{status: 429}, {contains: Too Many Requests}]}
        rules:
          - {id: a, when: {condition: throttled}, then: {category: rate_limited}}
          - id: b
            when: {all: [{condition: throttled}, {contains: tokens per minute}]}
            then: {category: rate_limited}
          - id: c
            when: {not: {not: {status: [429, 503]}}}
            then: {category: server_error}
          - {id: d, when: {not: {status: 429}}, then: {category: client_error}}
          - {id: e, when: {not: {status: [429, 500, 503]}}, then: {category: client_error}}
          - id: f
            when: {all: [{regex: "quota"}, {status: 403}]}
            then: {category: quota_exhausted}
          - id: g
            when: {all: [{status: 403}, {regex: "quota"}, {contains: monthly}]}
            then: {category: quota_exhausted}
          - id: h
            when: {contains: QUOTA, case: sensitive}
            then: {category: quota_exhausted}
            tests: [{text: "QUOTA used up", status: 403}]
    """,
}


def _every_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make never-wins compare every earlier rule, as it did before Candidates."""
    monkeypatch.setattr(Candidates, "may_subsume", lambda self, other: True)


def _never_wins(ruleset: RuleSet) -> list[Finding]:
    linter = _Linter(ruleset, Path(ruleset.file), LintOptions(), LoadMemo())
    linter.never_wins()
    return linter.found


def test_shipped_never_wins_findings_match_every_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    """On the shipped set with most rules (rules/converge.yaml: builtin:default with one rule
    disabled and its own added, about 385,000 earlier pairs), never-wins finds what comparing
    every pair finds (builtin:default alone repeated all but a few hundred of those pairs at
    20 s a comparison)."""
    converge = load_rules("builtin:converge")
    assert len(converge.classifier.rules) > 800
    found = _never_wins(converge)
    _every_pair(monkeypatch)
    assert _never_wins(converge) == found


def test_seeded_directory_findings_match_every_pair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a directory seeded with rules that never win, the whole lint's findings (messages,
    places, order) are those of comparing every pair."""
    files = [str(write_rules(tmp_path / name, body)) for name, body in SEEDED.items()]
    found, errors = lint_paths(files, LintOptions())
    never = {(Path(f.file).name, f.rules, f.cause) for f in found if f.code == "never-wins"}
    assert errors == []
    # a user's rule shadowed by another (and, below, a shipped one shadowed by it), a rule
    # shadowed through a condition, below `not`s (subsumed the other way round), beside a
    # regex, and one whose test case an earlier rule decides
    assert {
        ("on-seed.yaml", ("user.quota-words",), "user.bare-429"),
        ("own.yaml", ("b",), "a"),
        ("own.yaml", ("e",), "d"),
        ("own.yaml", ("g",), "f"),
        ("own.yaml", ("h",), "d"),
    } <= never
    assert any("rule 'seed.rate-limit.typed' never decides" in f.message for f in found)
    _every_pair(monkeypatch)
    assert lint_paths(files, LintOptions()) == (found, errors)
