"""Invariants with ``enforce: true`` are kept while classifying: a rule whose category the
invariant refuses for a failure is passed over, and the next matching rule decides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.rulefiles import write_rules

import reliable_rules
from reliable_rules import RuleSetError
from reliable_rules.failure import to_failure

CORPUS = Path(__file__).resolve().parents[1] / "data" / "provider_errors.jsonl"

_SET = """\
name: guarded
revision: "1"
extends: [builtin:seed]
invariants:
  - id: forbidden-never-retried
    when: {status: 403}
    expect: {retryable: false}
    enforce: ENFORCE
rules:
  - id: t.busy
    when: {contains: "busy"}
    then: {category: server_error}
  - id: t.busy-key
    when: {all: [{contains: "busy"}, {contains: "key"}]}
    then: {category: auth_failed}
"""


def _guarded(tmp_path: Path, *, enforce: bool) -> reliable_rules.RuleSet:
    body = _SET.replace("ENFORCE", "true" if enforce else "false")
    return reliable_rules.load_rules(write_rules(tmp_path / "guarded.yaml", body))


def test_a_refused_category_passes_the_failure_to_the_next_matching_rule(
    tmp_path: Path,
) -> None:
    """Under the invariant's status the first rule (server_error, retried) is passed over and
    the next rule that matches decides; elsewhere the first rule still decides."""
    rules = _guarded(tmp_path, enforce=True)
    decided = rules.classify("server busy, key checked", status=403)
    assert (decided.rule_id, decided.retryable) == ("t.busy-key", False)
    assert rules.classify("server busy, key checked", status=503).rule_id == "t.busy"
    assert rules.classify("server busy", status=503).retryable


def test_with_no_later_rule_the_fallbacks_of_the_base_decide(tmp_path: Path) -> None:
    """When no later rule of the file matches, the base's 403 fallback (auth_failed) does."""
    decided = _guarded(tmp_path, enforce=True).classify("server busy", status=403)
    assert (decided.category, decided.rule_id) == ("auth_failed", "seed.status.auth")


def test_without_enforce_the_invariant_is_only_checked(tmp_path: Path) -> None:
    """``enforce: false`` (the default) leaves classification as the rules say."""
    decided = _guarded(tmp_path, enforce=False).classify("server busy", status=403)
    assert (decided.rule_id, decided.retryable) == ("t.busy", True)


def test_explain_says_which_invariant_passed_a_rule_over(tmp_path: Path) -> None:
    """The trace names the invariant that refused the matching rule's category."""
    rules = _guarded(tmp_path, enforce=True)
    trace = rules.classifier.explain(to_failure("server busy", status=403))
    assert "passed over: invariant forbidden-never-retried refuses server_error" in trace
    assert trace.rstrip().endswith("rule seed.status.auth)")


def test_enforce_with_a_structural_kind_is_a_located_problem(tmp_path: Path) -> None:
    """Only a when/expect invariant can be enforced: a ``kind`` one is refused with its place."""
    path = write_rules(
        tmp_path / "kind.yaml",
        """
        name: k
        revision: '1'
        extends: [builtin:seed]
        invariants:
          - id: k
            kind: rate_limited_categories_have_retry_after
            enforce: true
        """,
    )
    with pytest.raises(RuleSetError) as raised:
        reliable_rules.load_rules(path)
    (problem,) = raised.value.problems
    assert (problem.code, problem.line) == ("invariant-shape", 8)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Overloaded", 401),
        ('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', 403),
        ("Server is busy; please try again later.", 401),
        ("Request timed out", 403),
        ("tools.0.input_schema: JSON schema is invalid", 403),
        ("Resource exhausted. Please try again later.", 402),
        ("The model returned an empty response", 401),
    ],
)
def test_builtin_default_never_retries_a_401_403_or_402_as_transient(
    text: str, status: int
) -> None:
    """builtin:default's enforced auth and payment invariants: words of an overload, a
    timeout, a tool refusal or an empty answer under 401/403/402 give up, not retry."""
    rules = reliable_rules.load_rules("builtin:default")
    assert not rules.classify(text, status=status).retryable
    assert rules.classify(text, status=503).retryable  # the words alone still retry


def test_a_rate_limit_under_403_is_still_waited_for() -> None:
    """The conventions file a rate limit stated under a 403 as rate_limited (corpus line
    1,611, DashScope): the auth invariant allows it."""
    decided = reliable_rules.load_rules("builtin:default").classify(
        '{"code":"AccessDenied","message":"Rate limit exceeded. Please wait and try again."}',
        status=403,
    )
    assert (decided.category, decided.retryable) == ("rate_limited", True)


@pytest.mark.slow
def test_no_corpus_body_under_401_403_or_402_is_retried_as_transient() -> None:
    """Every corpus body served again under 401, 403 and 402: none is retried except as a
    rate limit under 401/403 (before enforce: 1,737 of 15,732 and 417 of 7,866 were)."""
    rules = reliable_rules.load_rules("builtin:default")
    records = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    for record in records[::2]:  # every other record: the sweep is three classifications each
        for status in (401, 402, 403):
            decided = rules.classify(record["body"], status=status, headers=record.get("headers"))
            if decided.retryable:
                assert status != 402, record["body"][:200]
                assert decided.category == "rate_limited", record["body"][:200]
