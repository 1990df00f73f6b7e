"""policy.max_wait_ms (a wait not worth taking is a quota) and `only: rate_limited` sources."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from helpers.rulefiles import write_rules

from reliable_rules import RuleSetError, load_rules
from reliable_rules.authoring.diff import diff_rulesets
from reliable_rules.authoring.ruletests.runner import run_file
from reliable_rules.engine import classifier as classifier_module
from reliable_rules.engine.classifier import Classifier
from reliable_rules.engine.extractors import HeaderSource
from reliable_rules.engine.nodes import Status
from reliable_rules.failure import Failure
from reliable_rules.ruleset.model import Policy, RuleSet
from reliable_rules.taxonomy import DEFAULT_CATEGORIES

RULES = """
    name: t
    rules:
      - {id: t.limited, when: {status: 429}, then: {category: rate_limited}}
      - {id: t.quota, when: {status: 402}, then: {category: quota_exhausted}}
      - {id: t.server, when: {status: 503}, then: {category: server_error}}
    retry_after:
      - {header: retry-after}
      - {header: x-ratelimit-reset-requests, only: rate_limited}
      - {regex: 'try again in ([0-9hms.]+)'}
    """


def ruleset(tmp_path: Path, policy: str = "", *, indexed: bool = False) -> RuleSet:
    """The three-rule set above, with an optional policy block, ordered or indexed."""
    body = textwrap.dedent(RULES) + textwrap.dedent(policy)
    path = write_rules(tmp_path / "rules.yaml", body)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(classifier_module, "SCAN_THRESHOLD", -1 if indexed else 10**9)
        return load_rules(path)


@pytest.mark.parametrize("indexed", [False, True])
@pytest.mark.parametrize(
    ("policy", "status", "headers", "text", "category", "retry_after_ms"),
    [
        ("", 429, {"retry-after": "432"}, "", "quota_exhausted", 432_000),
        ("", 429, {"retry-after": "120"}, "", "rate_limited", 120_000),
        ("", 429, {"retry-after": "120.001"}, "", "quota_exhausted", 120_001),
        ("", 429, {}, "Please try again in 7m12s", "quota_exhausted", 432_000),
        ("", 429, {}, "Please try again in 1m59s", "rate_limited", 119_000),
        ("", 429, {"x-ratelimit-reset-requests": "6m0s"}, "", "quota_exhausted", 360_000),
        ("", 429, {}, "", "rate_limited", None),
        ("", 402, {"retry-after": "86400"}, "", "quota_exhausted", 86_400_000),
        ("", 503, {"retry-after": "86400"}, "", "server_error", 86_400_000),
        ("policy: {max_wait_ms: null}", 429, {"retry-after": "432"}, "", "rate_limited", 432_000),
        ("policy: {max_wait_ms: 0}", 429, {"retry-after": "432"}, "", "rate_limited", 432_000),
        ("policy: {max_wait_ms: 1000}", 429, {"retry-after": "2"}, "", "quota_exhausted", 2_000),
        ("policy: {max_wait_ms: 1000}", 429, {"retry-after": "1"}, "", "rate_limited", 1_000),
    ],
)
def test_max_wait_turns_long_rate_limits_into_quota(  # noqa: PLR0917 — one per table column
    tmp_path: Path,
    indexed: bool,
    policy: str,
    status: int,
    headers: dict[str, str],
    text: str,
    category: str,
    retry_after_ms: int | None,
) -> None:
    """A retryable rate limit waiting longer than max_wait_ms is quota_exhausted, same rule."""
    rules = ruleset(tmp_path, policy, indexed=indexed)
    assert rules.classifier.indexed is indexed
    decision = rules.classify(text or "failed", status=status, headers=headers)
    assert (decision.category, decision.retry_after_ms) == (category, retry_after_ms)
    expected_rule = {429: "t.limited", 402: "t.quota", 503: "t.server"}[status]
    assert decision.rule_id == expected_rule
    if category == "quota_exhausted":
        assert not decision.retryable
        assert decision.action.value == "next_provider"


def test_max_wait_is_explained(tmp_path: Path) -> None:
    """explain() says which wait exceeded which threshold and what was decided instead."""
    decision = ruleset(tmp_path).classify("x", status=429, headers={"retry-after": "432"})
    trace = decision.explain()
    assert (
        "retry-after 432000 ms exceeds policy.max_wait_ms 120000 ms: not worth waiting on this "
        "provider, decided as quota_exhausted (instead of rate_limited)"
    ) in trace
    assert trace.splitlines()[-1].startswith("decision: quota_exhausted (")
    assert "rule t.limited)" in trace.splitlines()[-1]
    short = ruleset(tmp_path).classify("x", status=429, headers={"retry-after": "3"}).explain()
    assert "max_wait_ms" not in short


def test_policy_default_and_layering(tmp_path: Path) -> None:
    """max_wait_ms defaults to 120000, merges over the base's policy, and may be null."""
    assert Policy().max_wait_ms == 120_000
    assert ruleset(tmp_path).policy.max_wait_ms == 120_000
    base = write_rules(tmp_path / "base.yaml", "name: b\npolicy: {max_wait_ms: 5000}\n")
    child = write_rules(
        tmp_path / "child.yaml", f"name: c\nextends: [{base}]\npolicy: {{retry_after_cap_ms: 1}}\n"
    )
    assert load_rules(child).policy.max_wait_ms == 5000
    assert load_rules(child).classifier.max_wait_ms == 5000


@pytest.mark.parametrize("value", ["-1", "'120s'", "1.5"])
def test_max_wait_must_be_a_non_negative_integer(tmp_path: Path, value: str) -> None:
    """A negative, textual or fractional max_wait_ms is a schema problem on its line."""
    with pytest.raises(RuleSetError) as caught:
        ruleset(tmp_path, f"policy:\n  max_wait_ms: {value}\n")
    assert [p.line for p in caught.value.problems] == [12]  # the line of max_wait_ms


def test_without_quota_category_the_decision_stays() -> None:
    """A classifier whose categories lack quota_exhausted leaves long rate limits alone."""
    categories = {k: v for k, v in DEFAULT_CATEGORIES.items() if k != "quota_exhausted"}
    classifier = Classifier(
        name="t",
        revision="1",
        rules=[("r", Status("in", frozenset({429}), "429"), categories["rate_limited"])],
        categories=categories,
        extractors=[HeaderSource("retry-after", "auto")],
        max_wait_ms=1000,
    )
    decision = classifier.decide(Failure(status=429, headers={"retry-after": "60"}))
    assert (decision.category, decision.retry_after_ms) == ("rate_limited", 60_000)
    assert "max_wait_ms" not in decision.explain()


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (503, {"x-ratelimit-reset-requests": "20s"}, None),
        (503, {"x-ratelimit-reset-requests": "20s", "retry-after": "3"}, 3_000),
        (429, {"x-ratelimit-reset-requests": "20s"}, 20_000),
        (402, {"x-ratelimit-reset-requests": "20s"}, 20_000),
        (429, {"x-ratelimit-reset-requests": "20s", "retry-after": "3"}, 3_000),
    ],
)
def test_rate_limited_only_sources(
    tmp_path: Path, status: int, headers: dict[str, str], expected: int | None
) -> None:
    """A source with `only: rate_limited` is read for rate-limit decisions only."""
    for indexed in (False, True):
        decision = ruleset(tmp_path, indexed=indexed).classify(
            "failed", status=status, headers=headers
        )
        assert decision.retry_after_ms == expected, indexed


def test_rate_limited_only_sources_in_explain_and_diff(tmp_path: Path) -> None:
    """explain() skips a restricted source for a 5xx; describe() and the diff show `only`."""
    rules = ruleset(tmp_path)
    trace = rules.classify(
        "x", status=503, headers={"x-ratelimit-reset-requests": "20s"}
    ).explain()
    assert "retry-after:" not in trace
    trace = rules.classify("x", status=429, headers={"x-ratelimit-reset-requests": "20s"}).explain()
    source = "header x-ratelimit-reset-requests (auto, only rate_limited)"
    assert f"retry-after: 20000 ms from {source}" in trace
    plain = write_rules(
        tmp_path / "plain.yaml",
        textwrap.dedent(RULES).replace(", only: rate_limited", ""),
    )
    changes = diff_rulesets(load_rules(plain), rules).changes
    (change,) = [c for c in changes if c.kind == "retry-after"]
    assert "+ header x-ratelimit-reset-requests (auto, only rate_limited)" in change.details


def test_only_takes_rate_limited_alone(tmp_path: Path) -> None:
    """`only: server_error` is a schema problem."""
    with pytest.raises(RuleSetError):
        load_rules(
            write_rules(
                tmp_path / "bad.yaml",
                "name: t\nretry_after:\n  - {header: x-reset, only: server_error}\n",
            )
        )


def test_seed_keeps_long_rate_limits_and_a_default_with_max_wait_gives_up(
    tmp_path: Path,
) -> None:
    """builtin:seed sets max_wait_ms: null (parity); builtin:default with it set decides quota."""
    seed = load_rules("builtin:seed")
    assert seed.policy.max_wait_ms is None
    assert load_rules("builtin:default").policy.max_wait_ms == 120_000
    decision = seed.classify("429 Too Many Requests; Retry-After: 3600")
    assert (decision.category, decision.retry_after_ms) == ("rate_limited", 3_600_000)
    path = write_rules(
        tmp_path / "default-wait.yaml",
        "name: d\nextends: [builtin:default]\npolicy: {max_wait_ms: 120000}\n",
    )
    default = load_rules(path)
    decision = default.classify(
        "429 Too Many Requests: rate limit", status=429, headers={"retry-after": "3600"}
    )
    assert (decision.category, decision.retry_after_ms) == ("quota_exhausted", 3_600_000)
    assert decision.rule_id == "default.rate.throttled"
    assert not decision.retryable


def test_rule_tests_accept_the_max_wait_quota_from_their_own_rule(tmp_path: Path) -> None:
    """A rule's case passes when max_wait_ms made its rate limit a quota; flags still bite."""
    body = textwrap.dedent(RULES).replace(
        "then: {category: rate_limited}}",
        "then: {category: rate_limited},\n"
        "         tests: [{status: 429, headers: {retry-after: '600'}, retry_after_ms: 600000},\n"
        "                 {status: 429, headers: {retry-after: '600'}, retryable: true}]}",
    ).replace(
        "then: {category: server_error}}",
        "then: {category: server_error},\n"
        "         tests: [{status: 429, headers: {retry-after: '600'}, expect: rate_limited}]}",
    )
    path = write_rules(tmp_path / "cases.yaml", body)
    results = run_file(str(path)).cases
    assert [bool(r.passed) for r in results] == [True, False, False]
    assert [str(d) for d in results[1].differences] == ["retryable: expected true, got false"]
    assert "category: expected rate_limited, got quota_exhausted" in str(
        results[2].differences[0]
    )
