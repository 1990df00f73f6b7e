"""Executor semantics beyond the seed's tests: every action comes from the decision, the
backoff schedule, key rotation reaching the provider, records, hooks, logging, truncation of
tool turns, and the ``retrying`` decorator. Time is virtual throughout."""

from __future__ import annotations

import logging
import pickle
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers.executor_mocks import FOREVER, MockProvider
from helpers.rulefiles import write_rules

from reliable_rules import (
    AllProvidersFailed,
    Attempt,
    AttemptRecord,
    CallCancelled,
    ChatRequest,
    ContextWindowExceeded,
    FallbackEvent,
    GiveUpEvent,
    Hooks,
    Message,
    ReliableExecutor,
    RetryEvent,
    ToolCall,
    load_rules,
    retrying,
)
from reliable_rules.executor.truncation import truncate_for_context
from reliable_rules.testing import FakeTiming, virtual_time


def executor(providers: list[tuple[str, Any]], **options: Any) -> ReliableExecutor:
    """An executor on virtual time unless the test passes its own timing."""
    options.setdefault("timing", FakeTiming())
    return ReliableExecutor(providers, **options)


def test_backoff_doubles_from_the_policy_base_and_caps_at_ten_seconds() -> None:
    """Waits follow base 500 ms, doubled per retry, capped at 10 s (the seed's numbers)."""
    timing = FakeTiming()
    mock = MockProvider(fail_until_attempt=FOREVER, error="503 Service Unavailable")
    with pytest.raises(AllProvidersFailed):
        executor([("p", mock)], max_retries=7, timing=timing).simple_chat("hi", "m")
    assert timing.slept_ms == [500, 1000, 2000, 4000, 8000, 10000, 10000]
    assert mock.calls.value == 8


def test_backoff_floor_applies_to_a_tiny_base() -> None:
    """base_backoff_ms=1 waits 50 ms, the seed's max(50)."""
    timing = FakeTiming()
    mock = MockProvider(fail_until_attempt=1, error="timeout")
    executor([("p", mock)], base_backoff_ms=1, timing=timing).simple_chat("hi", "m")
    assert timing.slept_ms == [50]


def test_backoff_resets_for_each_provider_and_model() -> None:
    """A new (provider, model) pair starts again from the base backoff."""
    timing = FakeTiming()
    first = MockProvider(fail_until_attempt=FOREVER, error="503 Service Unavailable")
    second = MockProvider(fail_until_attempt=FOREVER, error="503 Service Unavailable")
    with pytest.raises(AllProvidersFailed):
        executor([("a", first), ("b", second)], max_retries=2, timing=timing).simple_chat(
            "hi", "m"
        )
    assert timing.slept_ms == [500, 1000, 500, 1000]


def test_zero_wait_never_calls_sleep(tmp_path: Path) -> None:
    """With a zero backoff policy, retries do not sleep at all (no sleep(0))."""
    rules = write_rules(
        tmp_path / "zero.yaml",
        """
        name: zero
        extends: [builtin:default]
        policy: {backoff: {base_ms: 0, floor_ms: 0}}
        """,
    )
    timing = FakeTiming()
    mock = MockProvider(fail_until_attempt=3, error="503 Service Unavailable")
    executor([("p", mock)], rules=rules, max_retries=3, timing=timing).simple_chat("hi", "m")
    assert mock.calls.value == 4
    assert timing.sleeps == []


@pytest.mark.parametrize(("jitter", "low", "high"), [("full", 0, 500), ("equal", 250, 500)])
def test_jitter_stays_within_its_range(tmp_path: Path, jitter: str, low: int, high: int) -> None:
    """Full jitter waits 0..backoff, equal jitter backoff/2..backoff."""
    rules = write_rules(
        tmp_path / "jitter.yaml",
        f"""
        name: jitter
        extends: [builtin:default]
        policy: {{backoff: {{jitter: {jitter}}}}}
        """,
    )
    timing = FakeTiming(seed=7)
    mock = MockProvider(fail_until_attempt=FOREVER, error="timeout")
    with pytest.raises(AllProvidersFailed):
        executor([("p", mock)], rules=rules, max_retries=20, timing=timing).simple_chat("h", "m")
    assert low <= timing.slept_ms[0] <= high
    assert len(set(timing.slept_ms)) > 5  # really random


def test_retry_after_from_the_error_sets_the_wait() -> None:
    """A Retry-After in the text waits that long instead of the backoff."""
    timing = FakeTiming()
    mock = MockProvider(fail_until_attempt=1, error="429 Too Many Requests, Retry-After: 5")
    executor([("p", mock)], timing=timing).simple_chat("hi", "m")
    assert timing.slept_ms == [5000]


def test_retry_after_over_the_cap_moves_on_under_next_provider_policy(tmp_path: Path) -> None:
    """With over_cap: next_provider, Retry-After 120 s moves to the next provider at once."""
    rules = write_rules(
        tmp_path / "over.yaml",
        """
        name: over
        extends: [builtin:default]
        policy: {over_cap: next_provider}
        """,
    )
    timing = FakeTiming()
    primary = MockProvider(
        fail_until_attempt=FOREVER, error="429 Too Many Requests Retry-After: 120"
    )
    backup = MockProvider(response="backup")
    result = executor([("a", primary), ("b", backup)], rules=rules, timing=timing).simple_chat(
        "hi", "m"
    )
    assert result == "backup"
    assert primary.calls.value == 1
    assert timing.sleeps == []


def test_retry_after_over_the_cap_tries_the_next_key_at_once(tmp_path: Path) -> None:
    """With keys to rotate, an over-cap Retry-After retries at once with the next key."""
    rules = write_rules(
        tmp_path / "over.yaml",
        """
        name: over
        extends: [builtin:default]
        policy: {over_cap: next_provider}
        """,
    )
    timing = FakeTiming()
    mock = MockProvider(fail_until_attempt=1, error="429 Too Many Requests Retry-After: 120")
    run = executor(
        [("a", mock)], rules=rules, timing=timing, api_keys=["key-one-aaaaaaaa", "key-two-bbbb"]
    )
    assert run.simple_chat("hi", "m") == "ok"
    assert mock.keys == ["key-one-aaaaaaaa", "key-two-bbbb"]
    assert timing.sleeps == []


def test_rate_limit_rotates_keys_and_passes_them_to_the_next_attempts() -> None:
    """The first attempt uses keys[0]; each rate limit moves to the next key and the provider
    receives it."""
    mock = MockProvider(fail_until_attempt=3, error="429 Too Many Requests: rate limit")
    run = executor([("p", mock)], max_retries=3, api_keys=["k1", "k2"])
    assert run.simple_chat("hi", "m") == "ok"
    assert mock.keys == ["k1", "k2", "k1", "k2"]


def test_per_provider_keys_rotate_separately() -> None:
    """A mapping of keys rotates each provider's own list."""
    a = MockProvider(fail_until_attempt=FOREVER, error="429 Too Many Requests: rate limit")
    b = MockProvider(fail_until_attempt=1, error="429 Too Many Requests: rate limit")
    run = executor(
        [("a", a), ("b", b)], max_retries=1, api_keys={"a": ["a1", "a2"], "b": ["b1"]}
    )
    assert run.simple_chat("hi", "m") == "ok"
    assert a.keys == ["a1", "a2"]
    assert b.keys == ["b1", "b1"]  # one key: the retry waits and uses it again


def test_quota_exhaustion_does_not_rotate_keys() -> None:
    """A non-retryable rate limit moves on without touching the key counter."""
    mock = MockProvider(
        fail_until_attempt=FOREVER,
        error='429 Too Many Requests {"error":{"code":"1113",'
        '"message":"余额不足或无可用资源包,请充值。"}}',
    )
    run = executor([("p", mock)], max_retries=3, api_keys=["k1", "k2"])
    with pytest.raises(AllProvidersFailed, match="rate_limited_non_retryable"):
        run.simple_chat("hi", "m")
    assert run.rotate_key() == "k1"  # the counter was never advanced


def test_next_model_action_skips_the_remaining_providers(tmp_path: Path) -> None:
    """A category whose action is next_model leaves every provider of that model."""
    rules = write_rules(
        tmp_path / "model.yaml",
        """
        name: model
        extends: [builtin:default]
        categories:
          model_not_found: {retryable: false, action: next_model}
        """,
    )
    first = MockProvider(fail_until_attempt=1, error="model gpt-9 not found")
    second = MockProvider(response="never used")
    run = executor(
        [("a", first), ("b", second)], rules=rules, model_fallbacks={"gpt-9": ["gpt-4o"]}
    )
    assert run.simple_chat("hi", "gpt-9") == "ok"
    assert first.models == ["gpt-9", "gpt-4o"]
    assert second.calls.value == 0


def test_abort_action_stops_every_fallback(tmp_path: Path) -> None:
    """A category whose action is abort raises at once, naming the deciding rule."""
    rules = write_rules(
        tmp_path / "abort.yaml",
        """
        name: abort
        extends: [builtin:default]
        categories:
          auth_failed: {retryable: false, action: abort}
        """,
    )
    backup = MockProvider()
    run = executor(
        [("a", MockProvider(fail_until_attempt=FOREVER, error="401 Unauthorized")), ("b", backup)],
        rules=rules,
    )
    with pytest.raises(AllProvidersFailed) as caught:
        run.simple_chat("hi", "m")
    assert caught.value.aborted_by is not None
    assert caught.value.aborted_by.rule_id == "default.auth.failed"
    assert backup.calls.value == 0


def test_repeated_overflow_truncates_again_and_never_retries_unchanged() -> None:
    """Each overflow halves the history again; no call repeats the same messages."""
    history = [Message.system("s")] + [Message.user(f"m{i}") for i in range(8)]
    sizes: list[int] = []

    def overflow_until_small(attempt: Attempt) -> str:
        assert attempt.request is not None
        sizes.append(len(attempt.request.messages))
        if len(attempt.request.messages) > 3:
            raise RuntimeError("maximum context length exceeded")
        return "fits"

    outcome = executor([("p", None)], max_retries=0).call_with_outcome(
        overflow_until_small, model="m", request=ChatRequest(history)
    )
    assert outcome.response == "fits"
    assert sizes == [9, 5, 3]
    assert outcome.history_truncated
    assert [record.action for record in outcome.attempts] == [
        "truncate_history", "truncate_history", "success",
    ]  # fmt: skip


def test_overflow_that_cannot_shrink_further_aborts_after_truncating() -> None:
    """When the history is down to one turn, the next overflow aborts with the seed text
    (the first turn goes whole: the history never starts with the assistant's answer)."""
    sizes: list[int] = []

    def always_overflow(attempt: Attempt) -> str:
        assert attempt.request is not None
        sizes.append(len(attempt.request.messages))
        raise RuntimeError("maximum context length exceeded")

    history = [Message.user("a"), Message.assistant("b"), Message.user("c")]
    with pytest.raises(ContextWindowExceeded, match="cannot be reduced further") as caught:
        executor([("p", None)]).call(always_overflow, model="m", request=ChatRequest(history))
    assert sizes == [3, 1]
    assert len(caught.value.attempts) == 2


def test_truncation_never_separates_a_tool_call_from_its_results() -> None:
    """The cut moves past tool results whose call would be dropped."""
    call = ToolCall("c1", "shell", "{}")
    messages = [
        Message.system("s"),
        Message.user("u1"),
        Message.assistant(tool_calls=[call]),
        Message.tool("c1", "r1"),
        Message.tool("c1", "r2"),
        Message.user("u2"),
    ]
    kept, dropped = truncate_for_context(messages)
    assert dropped == 4
    assert [m.role for m in kept] == ["system", "user"]
    tail = [Message.user("u1"), Message.assistant(tool_calls=[call]), Message.tool("c1", "r")]
    assert truncate_for_context(tail) == (tuple(tail), 0)  # one turn: never cut apart


def test_truncation_gives_up_when_only_tool_results_could_start_the_history() -> None:
    """[call, result] alone cannot be cut without orphaning the result."""
    call = ToolCall("c1", "shell", "{}")
    messages = [Message.assistant(tool_calls=[call]), Message.tool("c1", "r")]
    assert truncate_for_context(messages) == (tuple(messages), 0)


def test_outcome_records_every_attempt_and_the_fallback() -> None:
    """execute() returns who answered, each attempt's decision and the fallback record."""
    primary = MockProvider(fail_until_attempt=FOREVER, error="401 Unauthorized")
    backup = MockProvider(response="hello")
    outcome = executor([("a", primary), ("b", backup)]).execute(
        ChatRequest([Message.user("hi")]), "m"
    )
    assert (outcome.response.text, outcome.provider, outcome.model) == ("hello", "b", "m")
    first, second = outcome.attempts
    assert first.decision is not None
    assert (first.provider, first.action, first.decision.category) == (
        "a", "next_provider", "auth_failed",
    )  # fmt: skip
    assert second.action == "success"
    assert second.decision is None
    assert outcome.fallback is not None
    assert (outcome.fallback.requested_provider, outcome.fallback.actual_provider) == ("a", "b")
    assert outcome.trail == (first.line,)


def test_hooks_see_attempts_retries_fallbacks_and_give_up() -> None:
    """Every hook receives frozen records in order; a raising hook changes nothing."""
    seen: list[object] = []

    def broken(_event: object) -> None:
        raise ValueError("observer bug")

    hooks = Hooks(
        on_attempt=seen.append, on_retry=seen.append, on_fallback=seen.append, on_give_up=broken
    )
    run = executor(
        [
            ("a", MockProvider(fail_until_attempt=FOREVER, error="503 Service Unavailable")),
            ("b", MockProvider(fail_until_attempt=FOREVER, error="401 Unauthorized")),
        ],
        max_retries=1,
        hooks=hooks,
    )
    with pytest.raises(AllProvidersFailed):
        run.simple_chat("hi", "m")
    kinds = [type(event).__name__ for event in seen]
    assert kinds == [
        "AttemptRecord", "RetryEvent", "AttemptRecord", "FallbackEvent", "AttemptRecord",
    ]  # fmt: skip
    retry = seen[1]
    assert isinstance(retry, RetryEvent)
    assert (retry.wait_ms, retry.next_attempt) == (500, 2)
    fallback = seen[3]
    assert isinstance(fallback, FallbackEvent)
    assert (fallback.from_provider, fallback.to_provider) == ("a", "b")
    with pytest.raises(AttributeError):
        seen[0].provider = "x"  # type: ignore[misc, union-attr]  # frozen: must raise


def test_give_up_hook_gets_the_error_and_attempts() -> None:
    """on_give_up receives the exception about to be raised and its attempts."""
    events: list[GiveUpEvent] = []
    run = executor(
        [("a", MockProvider(fail_until_attempt=FOREVER, error="401"))],
        hooks=Hooks(on_give_up=events.append),
    )
    with pytest.raises(AllProvidersFailed) as caught:
        run.simple_chat("hi", "m")
    assert events[0].error is caught.value
    assert events[0].attempts == caught.value.attempts


def test_logs_use_the_seed_messages_as_structured_records(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Retries and give-ups are logged with the seed's wording and structured fields."""
    caplog.set_level(logging.INFO, logger="reliable_rules")
    run = executor(
        [("a", MockProvider(fail_until_attempt=FOREVER, error="503 Service Unavailable"))],
        max_retries=1,
    )
    with pytest.raises(AllProvidersFailed):
        run.simple_chat("hi", "m")
    retry = next(r for r in caplog.records if r.getMessage().startswith("Provider call failed"))
    assert retry.levelno == logging.INFO
    assert (retry.provider, retry.model, retry.backoff_ms) == ("a", "m", 500)  # type: ignore[attr-defined]
    assert any(r.getMessage().startswith("Exhausted retries") for r in caplog.records)
    give_up = caplog.records[-1]
    assert give_up.levelno == logging.WARNING
    assert give_up.getMessage().startswith("All providers/models failed.")


def test_records_and_messages_are_sanitised_and_bounded() -> None:
    """Secrets never reach a trail line or the message; whitespace folds; length is bounded."""
    secret = "sk-proj-abcdefghijklmnop1234567890"
    noisy = f"401 Unauthorized\n\n   key {secret} rejected  " + "x" * 5000
    run = executor([("a", MockProvider(fail_until_attempt=FOREVER, error=noisy))])
    with pytest.raises(AllProvidersFailed) as caught:
        run.simple_chat("hi", "m")
    record = caught.value.attempts[0]
    assert secret not in str(caught.value)
    assert secret not in record.line
    assert secret not in repr(record)
    assert "\n" not in record.detail
    assert len(record.detail) <= 600
    assert record.error is not None  # the original stays available to programs


def test_generic_call_passes_everything_fn_needs() -> None:
    """call(fn) hands the provider, its name, the model, the request, key, number and whether
    the tools go in the prompt."""
    seen: list[Attempt] = []

    def fn(attempt: Attempt) -> int:
        seen.append(attempt)
        if len(seen) == 1:
            raise RuntimeError("429 Too Many Requests")
        return 42

    provider = object()
    request = ChatRequest([Message.user("hi")])
    run = executor([("only", provider)], api_keys=["key-a"])
    assert run.call(fn, model="m", request=request) == 42
    assert [tuple(attempt) for attempt in seen] == [
        (provider, "only", "m", request, "key-a", 1, False),
        (provider, "only", "m", request, "key-a", 2, False),
    ]


def test_retrying_decorator_retries_by_the_rules_and_reraises_the_original() -> None:
    """@retrying retries retryable errors and gives up with the function's own exception."""
    calls: list[int] = []

    @retrying(max_retries=2)
    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("503 Service Unavailable")
        return "done"

    @retrying
    def forbidden() -> None:
        raise PermissionError("403 Forbidden")

    with virtual_time() as timing:
        assert flaky() == "done"
        assert timing.slept_ms == [500, 1000]
        with pytest.raises(PermissionError) as caught:
            forbidden()
    if sys.version_info >= (3, 11):  # exception notes (add_note) exist since Python 3.11
        assert any("gave up after 1 attempts" in note for note in caught.value.__notes__)


def test_retrying_shares_the_rule_set_policy(tmp_path: Path) -> None:
    """The decorator reads the same policy file: a 0 ms backoff never sleeps."""
    rules = load_rules(
        write_rules(
            tmp_path / "zero.yaml",
            """
            name: zero
            extends: [builtin:default]
            policy: {backoff: {base_ms: 0, floor_ms: 0}}
            """,
        )
    )
    timing = FakeTiming()
    attempts: list[int] = []

    @retrying(rules=rules, max_retries=3, timing=timing)
    def flaky() -> int:
        attempts.append(1)
        if len(attempts) < 4:
            raise TimeoutError("timed out")
        return len(attempts)

    assert flaky() == 4
    assert timing.sleeps == []


def test_attempt_records_are_frozen_dataclasses() -> None:
    """AttemptRecord is immutable."""
    record = AttemptRecord("p", "m", 1, 1, None)
    with pytest.raises(AttributeError):
        record.attempt = 2  # type: ignore[misc]  # frozen: must raise


def test_closed_executor_refuses_new_calls() -> None:
    """After close(), calls raise CallCancelled at once."""
    run = executor([("p", MockProvider())])
    run.close()
    with pytest.raises(CallCancelled, match="closed"):
        run.simple_chat("hi", "m")


def test_invalid_options_are_rejected_with_clear_errors() -> None:
    """Negative retries or non-positive bounds raise ValueError naming the option."""
    with pytest.raises(ValueError, match="max_retries"):
        ReliableExecutor([], max_retries=-1)
    with pytest.raises(ValueError, match="deadline_s"):
        ReliableExecutor([], deadline_s=0)
    with pytest.raises(ValueError, match="attempt_timeout_s"):
        ReliableExecutor([], attempt_timeout_s=float("nan"))


def test_execution_errors_pickle_with_their_message() -> None:
    """An ExecutionError crosses a process boundary with its sanitised message and type."""
    run = executor([("a", MockProvider(fail_until_attempt=FOREVER, error="401 Unauthorized"))])
    with pytest.raises(AllProvidersFailed) as caught:
        run.simple_chat("hi", "m")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is AllProvidersFailed
    assert str(copy) == str(caught.value)
    assert copy.attempts == ()
