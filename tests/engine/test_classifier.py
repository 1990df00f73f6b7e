"""The compiled classifier: strategies agree, the literal scan is complete, codegen is safe."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.unhurried import unhurried
from hypothesis import given, settings
from hypothesis import strategies as st

import reliable_rules
from reliable_rules.engine import classifier as classifier_module
from reliable_rules.engine import codegen
from reliable_rules.engine.scans import _LiteralScan
from reliable_rules.ruleset.resources import rules_dir

CORPUS = Path(__file__).resolve().parents[1] / "data" / "provider_errors.public.jsonl"


def corpus() -> list[dict[str, object]]:
    """Every record of the public corpus."""
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]


def load_with(
    monkeypatch: pytest.MonkeyPatch, name: str, *, threshold: int, max_source: int
) -> reliable_rules.RuleSet:
    """Load a shipped rule file by path (uncached) with the strategy knobs set."""
    with monkeypatch.context() as patch:
        patch.setattr(classifier_module, "SCAN_THRESHOLD", threshold)
        patch.setattr(codegen, "MAX_SOURCE_CHARS", max_source)
        return unhurried(reliable_rules.load_rules(rules_dir() / f"{name}.yaml"))


@pytest.fixture(scope="module")
def strategies() -> Iterator[dict[str, reliable_rules.RuleSet]]:
    """builtin:default compiled three ways: ordered+generated, indexed+generated, interpreted."""
    patch = pytest.MonkeyPatch()
    sets = {
        "ordered": load_with(patch, "default", threshold=10**9, max_source=10**9),
        "indexed": load_with(patch, "default", threshold=0, max_source=10**9),
        "interpreted": load_with(patch, "default", threshold=10**9, max_source=0),
    }
    yield sets
    patch.undo()


def test_strategy_knobs_take_effect(strategies: dict[str, reliable_rules.RuleSet]) -> None:
    """The three fixtures really use three different evaluation strategies."""
    assert strategies["indexed"].classifier.indexed
    assert not strategies["ordered"].classifier.indexed
    assert strategies["ordered"].classifier._decide_all is not None
    assert strategies["interpreted"].classifier._decide_all is None


def _fingerprint(decision: reliable_rules.Decision) -> tuple[object, ...]:
    return (decision.rule_id, decision.category, decision.retry_after_ms)


@pytest.mark.parametrize("record", corpus(), ids=lambda r: f"{r['provider']}-{r['status']}")
def test_strategies_agree_on_corpus(
    strategies: dict[str, reliable_rules.RuleSet], record: dict[str, object]
) -> None:
    """Ordered, indexed and interpreted evaluation decide every corpus record identically."""
    answers = {
        name: _fingerprint(rs.classify(record["body"], status=record["status"]))
        for name, rs in strategies.items()
    }
    assert len(set(answers.values())) == 1, answers


FRAGMENTS = [
    "429",
    "Too Many",
    "rate",
    "limit",
    "rate limit",
    "limit exceeded",
    "401",
    "404",
    "408",
    "500",
    "model",
    "not found",
    "unauthorized",
    "too many tokens",
    "Retry-After: 3",
    "retry_after 2.5",
    "insufficient quota",
    "1311",
    "01113",
    "tool call validation failed",
    "invalid_tool_call",
    "Internal Server Error",
    "overloaded",
    "upstream",
    "exceeds the context window",
    "İ",
    "K",
]


@settings(max_examples=400, deadline=None)
@given(
    parts=st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=8),
    separators=st.lists(st.sampled_from([" ", "", ": ", "\n", "_", "0"]), min_size=8, max_size=8),
    status=st.one_of(st.none(), st.sampled_from([400, 401, 404, 408, 429, 500, 503, 302])),
)
def test_strategies_agree_on_generated_messages(
    strategies: dict[str, reliable_rules.RuleSet],
    parts: list[str],
    separators: list[str],
    status: int | None,
) -> None:
    """Ordered, indexed and interpreted evaluation agree on generated error messages."""
    text = "".join(part + separators[i] for i, part in enumerate(parts))
    answers = {
        name: _fingerprint(rs.classify(text, status=status)) for name, rs in strategies.items()
    }
    assert len(set(answers.values())) == 1, (text, status, answers)


@settings(max_examples=500, deadline=None)
@given(
    literals=st.lists(st.text(alphabet="abrt ", min_size=1, max_size=5), min_size=1, max_size=12),
    text=st.text(alphabet="abrtx ", max_size=40),
)
def test_literal_scan_finds_exactly_the_literals_present(literals: list[str], text: str) -> None:
    """The scan reports every literal in the text (overlaps, prefixes, nesting) and no other."""
    scan = _LiteralScan(literals)
    assert scan(text) == {literal for literal in literals if literal in text}


@settings(max_examples=500, deadline=None)
@given(
    literals=st.lists(
        st.text(alphabet="ab 限流额度", min_size=1, max_size=4), min_size=1, max_size=12
    ),
    text=st.text(alphabet="abx 限流额度。", max_size=40),
)
def test_literal_scan_is_exact_across_scripts(literals: list[str], text: str) -> None:
    """ASCII-initial and non-ASCII-initial literals (two tries) are found exactly, in ASCII
    texts, in Chinese texts and in texts that mix them."""
    scan = _LiteralScan(literals)
    assert scan(text) == {literal for literal in literals if literal in text}


def test_literal_scan_handles_overlapping_and_nested_literals() -> None:
    """Overlapping ('rate limit' / 'limit exceeded') and nested literals are all found."""
    scan = _LiteralScan(["rate limit", "limit exceeded", "limit", "it e", "exceeded"])
    assert scan("rate limit exceeded") == {
        "rate limit",
        "limit exceeded",
        "limit",
        "it e",
        "exceeded",
    }


def _rule_file(tmp_path: Path, rules: list[dict[str, object]], **extra: object) -> Path:
    document = {
        "format": "reliable-rules/v1",
        "name": "t",
        "revision": "1",
        "rules": rules,
        **extra,
    }
    path = tmp_path / "rules.yaml"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "literal",
    ['"); import os; ("', "back\\slash", "new\nline", "quote ' and \"", "{0} %s \\x00", "λ ü 中文"],
)
def test_generated_code_treats_literals_as_data(tmp_path: Path, literal: str) -> None:
    """Literals that look like Python or escape sequences are matched verbatim, never executed."""
    path = _rule_file(
        tmp_path, [{"id": "r", "when": {"contains": literal}, "then": {"category": "server_error"}}]
    )
    rules = reliable_rules.load_rules(path)
    assert rules.classify(f"prefix {literal} suffix").rule_id == "r"
    assert rules.classify("prefix suffix").rule_id is None


def test_case_sensitive_contains_in_every_strategy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`case: sensitive` distinguishes letter case whether the set is indexed or not."""
    path = _rule_file(
        tmp_path,
        [
            {
                "id": "r",
                "when": {"contains": "Too Many", "case": "sensitive"},
                "then": {"category": "rate_limited"},
            }
        ],
    )
    for threshold in (0, 10**9):
        monkeypatch.setattr(classifier_module, "SCAN_THRESHOLD", threshold)
        rules = reliable_rules.load_rules(path)
        assert rules.classify("429 Too Many").rule_id == "r"
        assert rules.classify("429 too many").rule_id is None


def test_catastrophic_regex_is_cut_off_by_the_time_bound(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A backtracking-prone rule regex is stopped by the time bound and counted as no match."""
    path = _rule_file(
        tmp_path,
        [{"id": "slow", "when": {"regex": "(a|aa)+$"}, "then": {"category": "server_error"}}],
    )
    rules = reliable_rules.load_rules(path)
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="reliable_rules"):
        decision = rules.classify("a" * 60 + "b")
    assert time.perf_counter() - started < 2.0
    assert decision.rule_id is None
    assert "timed out" in caplog.text


def test_decision_is_immutable_and_serialises_with_stable_keys() -> None:
    """A Decision cannot be changed and as_dict() has exactly the CLI's keys."""
    decision = reliable_rules.load_rules("builtin:seed").classify(
        "429 Too Many Requests, Retry-After: 5"
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        decision.retry_after_ms = 1  # type: ignore[misc]
    assert list(decision.as_dict()) == [
        "category",
        "reason",
        "retryable",
        "rate_limited",
        "action",
        "retry_after_ms",
        "rule",
        "ruleset",
        "revision",
    ]
    assert decision.as_dict()["retry_after_ms"] == 5000


def test_explain_names_the_rules_tried_and_hides_secrets() -> None:
    """explain() lists the rules evaluated, the decision, and never prints a key from the text."""
    secret = "sk-proj-abcdefghijklmnopqrstuvwxyz123456"
    decision = reliable_rules.load_rules("builtin:seed").classify(
        f"401 Unauthorized: invalid api key {secret}"
    )
    trace = decision.explain()
    assert "seed.text.auth-status: MATCH" in trace
    assert "decision: auth_failed" in trace
    assert secret not in trace
    assert "[REDACTED]" in trace


def test_unknown_decision_when_nothing_matches() -> None:
    """A failure no rule matches falls through to the `unknown` category, retryable, no rule id."""
    decision = reliable_rules.load_rules("builtin:seed").classify("temporary")
    assert (decision.category, decision.reason, decision.rule_id) == ("unknown", "retryable", None)
    assert decision.action == "retry"
