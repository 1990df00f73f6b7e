"""The executor's memo of repeated provider errors' decisions (issue 14, item 5): exact, bounded,
keeping no body or secret, renewed with the rule set; and carrier_parts builds the Failure
that to_failure builds."""

from __future__ import annotations

import gc
import json
import weakref
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from helpers.rulefiles import write_rules
from hypothesis import given, settings
from hypothesis import strategies as st

from reliable_rules import ReliableExecutor, load_rules
from reliable_rules.executor.memo import MAX_MEMO_CHARS, MEMO_SIZE, DecisionMemo
from reliable_rules.failure import Failure, carrier_parts, to_failure
from reliable_rules.providers import ProviderHTTPError
from reliable_rules.testing import FakeTiming

CORPUS = Path(__file__).resolve().parent.parent / "data" / "provider_errors.jsonl"
SECRET = "sk-proj-memo0123456789abcdefSECRET"


class SdkError(Exception):
    """An SDK-style error that carries its status, headers and body as attributes."""

    def __init__(self, message: str, *, status: object, headers: object, body: object) -> None:
        super().__init__(message)
        self.status_code = status
        self.headers = headers
        self.body = body


class Shouting(ProviderHTTPError):
    """A provider error whose text is not ProviderHTTPError's."""

    def __str__(self) -> str:
        return f"LOUD {self.status_code}"


def http_error(
    status: int = 503, body: str = "The server is overloaded", headers: dict[str, str] | None = None
) -> Any:
    """A provider's error built anew, as an adapter or a user would."""
    return ProviderHTTPError("openai", status, headers=headers, body=body)


def agrees(memo: DecisionMemo, rules: Any, error: Any) -> bool:
    """The memo's decision for ``error`` is the rules' own."""
    decision = memo.classify(rules, error, "p", "m")
    return same(decision, rules.classify(error, provider="p", model="m"))


def same(left: Any, right: Any) -> bool:
    """Two decisions alike in everything an executor, a hook or a trail reads."""
    return bool(
        left.verdict == right.verdict
        and left.retry_after_ms == right.retry_after_ms
        and left.failure == right.failure
    )


def corpus_errors() -> list[ProviderHTTPError]:
    """Every record of the corpus with a status, as a ProviderHTTPError."""
    errors = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.get("status") is not None:
            errors.append(
                ProviderHTTPError(
                    record.get("provider") or "p", record["status"],
                    headers=record.get("headers"), body=record["body"],
                )
            )
    return errors


def test_memoised_decisions_equal_the_rules_over_the_corpus() -> None:
    """Every corpus error classified a second time, from the memo, decides exactly as the rules."""
    rules = load_rules("builtin:default")
    memo = DecisionMemo()
    errors = corpus_errors()
    assert len(errors) > 100
    for error in errors:
        memo.classify(rules, error, "p", "m")
    for error in errors:
        again = ProviderHTTPError(
            error.provider, error.status_code, headers=error.headers, body=error.body
        )
        assert agrees(memo, rules, again)


def test_a_repeated_error_is_classified_by_the_rules_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three identical 503s cost one classification; a different body costs another."""
    rules = load_rules("builtin:default")
    calls: list[Failure] = []
    decide = rules.classifier.decide

    def counting(failure: Failure) -> Any:
        calls.append(failure)
        return decide(failure)

    monkeypatch.setattr(rules.classifier, "decide", counting)
    memo = DecisionMemo()
    decisions = [memo.classify(rules, http_error(), "p", "m") for _ in range(3)]
    assert len(calls) == 1
    assert {decision.category for decision in decisions} == {"server_error"}
    memo.classify(rules, http_error(body="Bad gateway upstream"), "p", "m")
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (http_error(503, "Rate limit reached"), http_error(503, "context length exceeded")),
        (http_error(429, "slow down"), http_error(400, "slow down")),
        (
            http_error(400, "x", {"x-ratelimit-remaining-tokens": "0"}),
            http_error(400, "x", {"x-ratelimit-remaining-tokens": "2"}),
        ),
        (
            http_error(400, "x", {"x-ratelimit-remaining": "0", "x-ratelimit-remaining-a": "1"}),
            http_error(400, "x", {"x-ratelimit-remaining-a": "1", "x-ratelimit-remaining": "0"}),
        ),
        (
            http_error(503, "ab", {"x-should-retry": "c"}),
            http_error(503, "a", {"x-should-retry": "bc"}),
        ),
        (http_error(401, "invalid api key"), Shouting("openai", 401, body="invalid api key")),
        (
            SdkError("m", status=503, headers=None, body=None),
            SdkError("m", status=503, headers=None, body=""),
        ),
    ],
)
def test_failures_differing_in_anything_read_get_their_own_decision(
    first: Any, second: Any
) -> None:
    """Status, body, the value of a header the rules read, the order of the headers a pattern
    reads, where texts split, the class, a missing vs an empty body: each is a different key,
    and each decision is the rules' own."""
    rules = load_rules("builtin:default")
    memo = DecisionMemo()
    for error in (first, second, first, second):
        assert agrees(memo, rules, error)
    assert len(memo._state[1]) == 2


def test_provider_and_model_are_part_of_the_key(tmp_path: Path) -> None:
    """A rule scoped to one provider does not answer for the same error from another."""
    rules = load_rules(write_rules(
        tmp_path / "scoped.yaml",
        "name: scoped\nrules:\n"
        "  - id: scoped.acme\n    when: {all: [{provider: acme}, {contains: boom}]}\n"
        "    then: {category: auth_failed}\n",
    ))
    memo = DecisionMemo()
    error = http_error(500, "boom")
    assert memo.classify(rules, error, "acme", "m").category == "auth_failed"
    other = memo.classify(rules, http_error(500, "boom"), "other", "m")
    assert other.category != "auth_failed"
    assert same(other, rules.classify(http_error(500, "boom"), provider="other", model="m"))
    assert memo.classify(rules, http_error(500, "boom"), "acme", "m").category == "auth_failed"


def test_no_body_header_or_secret_is_kept() -> None:
    """The memo holds a digest, the class, status and names: not the body or a header value."""
    rules = load_rules("builtin:default")
    memo = DecisionMemo()
    memo.classify(
        rules, http_error(503, f"overloaded (key {SECRET})", {"x-echo": SECRET}), "p", "m"
    )
    assert len(memo._state[1]) == 1
    for key in memo._state[1]:
        flat = repr(key)
        assert SECRET not in flat
        assert "overloaded" not in flat
        assert all(len(part) < 64 for part in key if isinstance(part, str | bytes))


def test_the_memo_is_bounded_and_skips_large_failures() -> None:
    """Never more than MEMO_SIZE entries; a failure longer than MAX_MEMO_CHARS is not kept."""
    rules = load_rules("builtin:default")
    memo = DecisionMemo()
    for index in range(MEMO_SIZE * 2 + 3):
        memo.classify(rules, http_error(503, f"overloaded {index}"), "p", "m")
        assert len(memo._state[1]) <= MEMO_SIZE
    memo = DecisionMemo()
    big = http_error(503, "overloaded " + "x" * MAX_MEMO_CHARS)
    assert agrees(memo, rules, big)
    assert not memo._state[1]


def test_retry_after_decisions_are_not_kept() -> None:
    """A 429 with Retry-After is classified anew each time (an HTTP-date's wait moves)."""
    rules = load_rules("builtin:default")
    memo = DecisionMemo()
    error = http_error(429, "Rate limit reached for requests", {"retry-after": "7"})
    decision = memo.classify(rules, error, "p", "m")
    assert decision.retry_after_ms == 7000
    assert not memo._state[1]


def test_a_new_rule_set_starts_a_new_memo(tmp_path: Path) -> None:
    """After executor.rules changes (a hot reload), the new rules decide."""
    path = tmp_path / "mine.yaml"
    text = (
        "name: mine\nrules:\n  - id: mine.acme\n    when: {contains: acme trouble}\n"
        "    then: {category: CATEGORY}\n"
    )
    first = load_rules(write_rules(path, text.replace("CATEGORY", "server_error")))
    second = load_rules(write_rules(path, text.replace("CATEGORY", "auth_failed")))
    memo = DecisionMemo()
    error = http_error(500, "acme trouble")
    assert memo.classify(first, error, "p", "m").category == "server_error"
    assert memo.classify(second, error, "p", "m").category == "auth_failed"


def test_errors_that_carry_no_parts_of_their_own_decide_as_the_rules() -> None:
    """A chained error, one holding a response object and a lone exception are no carriers
    (they take to_failure's general walk, or the rule set's own memo) and, asked twice, still
    decide as the rules do."""
    rules = load_rules("builtin:default")
    memo = DecisionMemo()
    chained = http_error(503, "overloaded")
    chained.__cause__ = TimeoutError("read timed out")
    with_response = SdkError("m", status=503, headers=None, body=None)
    with_response.response = object()  # type: ignore[attr-defined]
    for error in (chained, with_response, ValueError("Rate limit exceeded")):
        assert carrier_parts(error) is None
        assert agrees(memo, rules, error)
        assert agrees(memo, rules, error)


def test_the_executor_classifies_a_repeated_error_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """executor.call through two identical 503s: one classification, and the attempts'
    decisions are the rules' own."""
    rules = load_rules("builtin:default")
    seen: list[Failure] = []
    decide = rules.classifier.decide
    monkeypatch.setattr(rules.classifier, "decide", lambda f: seen.append(f) or decide(f))
    count = iter(range(10))

    def flaky(_attempt: object) -> str:
        if next(count) < 2:
            raise http_error()
        return "ok"

    with ReliableExecutor([("p", None)], rules=rules, timing=FakeTiming()) as executor:
        outcome = executor.call_with_outcome(flaky, model="m")
    assert outcome.response == "ok"
    assert len(seen) == 1
    failed = outcome.attempts[:2]
    assert [record.decision.category for record in failed] == ["server_error"] * 2  # type: ignore[union-attr]
    assert same(failed[1].decision, rules.classify(failed[1].error, provider="p", model="m"))


def test_a_successful_call_frees_its_failed_attempts_errors_at_once() -> None:
    """After a call that retried, its errors are freed by reference counting (no cycle left
    for the garbage collector through their tracebacks)."""
    errors: list[weakref.ref[BaseException]] = []

    def watched() -> BaseException:
        error = http_error()
        errors.append(weakref.ref(error))
        return error

    def flaky(_attempt: object) -> str:
        if len(errors) < 2:
            raise watched()  # no local holds it: its own frame is no cycle
        return "ok"

    with ReliableExecutor([("p", None)], timing=FakeTiming()) as executor:
        gc.disable()
        try:
            assert executor.call(flaky, model="m") == "ok"
            assert [ref() for ref in errors] == [None, None]
        finally:
            gc.enable()


texts = st.text(max_size=40)
header_maps = st.one_of(
    st.none(),
    st.dictionaries(st.text(min_size=1, max_size=8), texts, max_size=4),
    st.lists(st.tuples(st.text(max_size=6), texts), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(
    message=texts,
    status=st.one_of(st.none(), st.integers(-5, 10_050), st.text(max_size=5), st.booleans()),
    headers=header_maps,
    body=st.one_of(st.none(), texts, st.binary(max_size=20), st.integers()),
    provider=st.sampled_from(["p", "openai"]),
)
def test_carrier_parts_build_the_failure_to_failure_builds(
    message: str, status: object, headers: object, body: object, provider: str
) -> None:
    """Whatever an SDK-style error carries, a Failure from carrier_parts equals to_failure's."""
    error = SdkError(message, status=status, headers=headers, body=body)
    parts = carrier_parts(error)
    assert parts is not None
    built = Failure(
        parts[0], parts[1], MappingProxyType(parts[2]), parts[3], parts[4], provider, "m"
    )
    assert built == to_failure(error, provider=provider, model="m")
