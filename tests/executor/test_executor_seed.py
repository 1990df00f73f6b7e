"""The seed's ReliableProvider executor tests, ported one by one (names kept), against
in-process mock providers and builtin:default. Time is virtual: nothing really sleeps."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.executor_mocks import (
    FOREVER,
    ContextOverflowMock,
    MockProvider,
    ModelAwareMock,
    StreamingMock,
)

from reliable_rules import (
    AllProvidersFailed,
    ContextWindowExceeded,
    NoStreamingProvider,
    ReliableExecutor,
)
from reliable_rules.chat import ChatRequest, Message, ToolCall
from reliable_rules.executor.backoff import Backoff
from reliable_rules.executor.fallback import scope_provider_fallback, take_last_provider_fallback
from reliable_rules.executor.truncation import truncate_for_context
from reliable_rules.testing import FakeTiming

SHELL_TOOL = {"name": "shell", "description": "run shell", "parameters": {"type": "object"}}


def make(
    providers: list[tuple[str, Any]], max_retries: int, base_backoff_ms: int = 1, **options: Any
) -> ReliableExecutor:
    """The seed's ``ReliableProvider::new(providers, max_retries, base_backoff_ms)``."""
    options.setdefault("timing", FakeTiming())
    return ReliableExecutor(
        providers, max_retries=max_retries, base_backoff_ms=base_backoff_ms, **options
    )


def test_succeeds_without_retry() -> None:
    """A healthy provider answers with one call."""
    mock = MockProvider(response="ok")
    assert make([("primary", mock)], 2).simple_chat("hello", "test") == "ok"
    assert mock.calls.value == 1


def test_retries_then_recovers() -> None:
    """One transient failure, then the retry answers: two calls."""
    mock = MockProvider(fail_until_attempt=1, response="recovered", error="temporary")
    assert make([("primary", mock)], 2).simple_chat("hello", "test") == "recovered"
    assert mock.calls.value == 2


def test_falls_back_after_retries_exhausted() -> None:
    """The primary gets max_retries+1 calls, then the fallback answers."""
    primary = MockProvider(fail_until_attempt=FOREVER, error="primary down")
    fallback = MockProvider(response="from fallback")
    executor = make([("primary", primary), ("fallback", fallback)], 1)
    assert executor.simple_chat("hello", "test") == "from fallback"
    assert (primary.calls.value, fallback.calls.value) == (2, 1)


def test_returns_aggregated_error_when_all_providers_fail() -> None:
    """Every attempt is listed in the final error, seed format."""
    executor = make(
        [
            ("p1", MockProvider(fail_until_attempt=FOREVER, error="p1 error")),
            ("p2", MockProvider(fail_until_attempt=FOREVER, error="p2 error")),
        ],
        0,
    )
    with pytest.raises(AllProvidersFailed) as caught:
        executor.simple_chat("hello", "test")
    message = str(caught.value)
    assert message.startswith("All providers/models failed. Attempts:\n")
    assert "provider=p1 model=test attempt 1/1: retryable; error=p1 error" in message
    assert "provider=p2 model=test attempt 1/1: retryable; error=p2 error" in message


def test_context_window_error_aborts_retries_and_model_fallbacks() -> None:
    """A single-turn overflow fails at once: no retries, no fallback model."""
    mock = MockProvider(
        fail_until_attempt=FOREVER,
        error="OpenAI Codex stream error: Your input exceeds the context window of this model. "
        "Please adjust your input and try again.",
    )
    executor = make(
        [("openai-codex", mock)], 4, model_fallbacks={"gpt-5.3-codex": ["gpt-5.2-codex"]}
    )
    with pytest.raises(ContextWindowExceeded) as caught:
        executor.simple_chat("hello", "gpt-5.3-codex")
    assert str(caught.value).startswith("Request exceeds model context window. Attempts:\n")
    assert mock.calls.value == 1


def test_aggregated_error_marks_non_retryable_model_mismatch_with_details() -> None:
    """A model mismatch is non_retryable, listed with its detail, and not retried."""
    mock = MockProvider(fail_until_attempt=FOREVER, error="unsupported model: glm-4.7")
    with pytest.raises(AllProvidersFailed) as caught:
        make([("custom", mock)], 3).simple_chat("hello", "glm-4.7")
    assert "attempt 1/4: non_retryable; error=unsupported model: glm-4.7" in str(caught.value)
    assert mock.calls.value == 1


def test_skips_retries_on_non_retryable_error() -> None:
    """A 401 moves to the next provider after exactly one call."""
    primary = MockProvider(fail_until_attempt=FOREVER, error="401 Unauthorized")
    fallback = MockProvider(response="from fallback")
    executor = make([("primary", primary), ("fallback", fallback)], 3)
    assert executor.simple_chat("hello", "test") == "from fallback"
    assert (primary.calls.value, fallback.calls.value) == (1, 1)


def test_chat_with_history_retries_then_recovers() -> None:
    """History requests retry like single-turn ones."""
    mock = MockProvider(fail_until_attempt=1, response="history ok", error="temporary")
    history = [Message.system("system"), Message.user("hello")]
    assert make([("primary", mock)], 2).chat_with_history(history, "test") == "history ok"
    assert mock.calls.value == 2


def test_chat_with_history_falls_back() -> None:
    """History requests fall back like single-turn ones."""
    primary = MockProvider(fail_until_attempt=FOREVER, error="primary down")
    fallback = MockProvider(response="fallback ok")
    executor = make([("primary", primary), ("fallback", fallback)], 1)
    assert executor.chat_with_history([Message.user("hello")], "test") == "fallback ok"
    assert (primary.calls.value, fallback.calls.value) == (2, 1)


def test_model_failover_tries_fallback_model() -> None:
    """With no retries, a failing model hands over to its fallback model at once."""
    mock = ModelAwareMock(fail_models=["claude-opus"], response="ok from sonnet")
    executor = make([("anthropic", mock)], 0, model_fallbacks={"claude-opus": ["claude-sonnet"]})
    assert executor.simple_chat("hello", "claude-opus") == "ok from sonnet"
    assert mock.models_seen == ["claude-opus", "claude-sonnet"]


def test_model_failover_all_models_fail() -> None:
    """Every model of the chain is tried once, then the aggregated error."""
    mock = ModelAwareMock(fail_models=["model-a", "model-b", "model-c"])
    executor = make([("p1", mock)], 0, model_fallbacks={"model-a": ["model-b", "model-c"]})
    with pytest.raises(AllProvidersFailed, match="All providers/models failed"):
        executor.simple_chat("hello", "model-a")
    assert mock.models_seen == ["model-a", "model-b", "model-c"]


def test_no_model_fallbacks_behaves_like_before() -> None:
    """Without fallbacks configured, a healthy call is one call."""
    mock = MockProvider(response="ok")
    assert make([("primary", mock)], 2).simple_chat("hello", "test") == "ok"
    assert mock.calls.value == 1


def test_auth_rotation_cycles_keys() -> None:
    """Keys rotate round-robin, keys[0] first."""
    executor = make([("p", MockProvider())], 0, api_keys=["key-a", "key-b", "key-c"])
    keys = [executor.rotate_key() for _ in range(5)]
    assert keys == ["key-a", "key-b", "key-c", "key-a", "key-b"]


def test_auth_rotation_returns_none_when_empty() -> None:
    """No keys configured: rotation gives None."""
    assert make([], 0).rotate_key() is None


def _wait_ms(text: str, base_ms: int = 500) -> int:
    executor = make([], 0, base_backoff_ms=base_ms)
    decision = executor.rules.classify(text)
    return executor.backoff.wait(base_ms, decision.retry_after_ms)[0]


def test_compute_backoff_uses_retry_after() -> None:
    """Retry-After: 3 waits 3 s instead of the 500 ms backoff."""
    assert _wait_ms("429 Retry-After: 3") == 3_000


def test_compute_backoff_caps_at_30s() -> None:
    """Retry-After: 120 is capped at 30 s."""
    assert _wait_ms("429 Retry-After: 120") == 30_000


def test_compute_backoff_falls_back_to_base() -> None:
    """Without Retry-After the wait is the current backoff."""
    assert _wait_ms("500 Internal Server Error") == 500


def test_compute_backoff_never_below_the_current_backoff() -> None:
    """A Retry-After shorter than the backoff waits the backoff (the seed's max(base))."""
    backoff = Backoff.from_policy(make([], 0).rules.policy)
    assert backoff.wait(2_000, 100) == (2_000, False)


def test_non_retryable_skips_retries_for_401() -> None:
    """A 401 inside an API error message is not retried."""
    mock = MockProvider(
        fail_until_attempt=FOREVER, error="API error (401 Unauthorized): invalid key"
    )
    with pytest.raises(AllProvidersFailed):
        make([("primary", mock)], 5).simple_chat("hello", "test")
    assert mock.calls.value == 1


def test_non_retryable_rate_limit_skips_retries_for_plan_errors() -> None:
    """A 429 business error (code 1311, plan) is not retried."""
    mock = MockProvider(
        fail_until_attempt=FOREVER,
        error='API error (429 Too Many Requests): {"code":1311,"message":"plan does not include '
        'glm-5"}',
    )
    with pytest.raises(AllProvidersFailed, match="rate_limited_non_retryable"):
        make([("primary", mock)], 5).simple_chat("hello", "test")
    assert mock.calls.value == 1


def test_chat_delegates_to_inner_provider() -> None:
    """chat() returns the provider's text and tool calls untouched."""
    call = ToolCall("call_1", "shell", '{"command":"date"}')
    mock = MockProvider(tool_calls=[call], supports_native_tools=True)
    result = make([("primary", mock)], 2).chat(
        ChatRequest([Message.user("what time is it?")]), "test-model"
    )
    assert result.text == "ok"
    assert [c.name for c in result.tool_calls] == ["shell"]
    assert mock.calls.value == 1


def test_chat_retries_and_recovers() -> None:
    """chat() retries transient failures until the provider answers."""
    call = ToolCall("call_1", "shell", '{"command":"date"}')
    mock = MockProvider(
        fail_until_attempt=2, response="recovered", error="temporary failure", tool_calls=[call]
    )
    result = make([("primary", mock)], 3).chat(ChatRequest([Message.user("test")]), "test-model")
    assert result.text == "recovered"
    assert mock.calls.value == 3


def test_chat_preserves_native_tools_support() -> None:
    """The executor reports the first provider's native tool support."""
    executor = make([("primary", MockProvider(supports_native_tools=True))], 2)
    assert executor.supports_native_tools
    assert not make([("primary", MockProvider())], 2).supports_native_tools


def test_chat_returns_aggregated_error_when_all_providers_fail() -> None:
    """chat() fails with the same aggregated trail as simple_chat."""
    executor = make(
        [
            ("p1", MockProvider(fail_until_attempt=FOREVER, error="p1 chat error")),
            ("p2", MockProvider(fail_until_attempt=FOREVER, error="p2 chat error")),
        ],
        0,
    )
    with pytest.raises(AllProvidersFailed) as caught:
        executor.chat(ChatRequest([Message.user("hello")]), "test")
    message = str(caught.value)
    assert "provider=p1 model=test" in message
    assert "provider=p2 model=test" in message
    assert "error=p1 chat error" in message
    assert "error=p2 chat error" in message
    assert "retryable" in message


def test_chat_tries_model_failover_on_failure() -> None:
    """chat() walks the model chain too."""
    mock = ModelAwareMock(fail_models=["claude-opus"], response="ok from sonnet")
    executor = make([("anthropic", mock)], 0, model_fallbacks={"claude-opus": ["claude-sonnet"]})
    result = executor.chat(ChatRequest([Message.user("hello")]), "claude-opus")
    assert result.text == "ok from sonnet"
    assert mock.models_seen == ["claude-opus", "claude-sonnet"]


def test_chat_skips_non_retryable_errors() -> None:
    """chat() moves on after one 401."""
    primary = MockProvider(fail_until_attempt=FOREVER, error="401 Unauthorized")
    fallback = MockProvider(response="from fallback")
    result = make([("primary", primary), ("fallback", fallback)], 3).chat(
        ChatRequest([Message.user("hello")]), "test"
    )
    assert result.text == "from fallback"
    assert (primary.calls.value, fallback.calls.value) == (1, 1)


def test_truncate_for_context_drops_oldest_non_system() -> None:
    """Five non-system messages: the oldest two go, the system prompt and msg3 stay."""
    messages = [
        Message.system("sys"),
        Message.user("msg1"),
        Message.assistant("resp1"),
        Message.user("msg2"),
        Message.assistant("resp2"),
        Message.user("msg3"),
    ]
    kept, dropped = truncate_for_context(messages)
    assert dropped == 2
    assert kept[0].role == "system"
    assert len(kept) == 4
    assert kept[-1].content == "msg3"


def test_truncate_for_context_preserves_system_and_last_message() -> None:
    """One non-system message (with or without a system prompt): nothing is dropped."""
    for messages in ([Message.system("sys"), Message.user("only")], [Message.user("only")]):
        kept, dropped = truncate_for_context(messages)
        assert dropped == 0
        assert kept == tuple(messages)


def test_chat_with_history_truncates_on_context_overflow() -> None:
    """An overflow truncates the history and the next call answers: two calls."""
    mock = ContextOverflowMock(fail_until_attempt=1)
    history = [
        Message.system("system prompt"),
        Message.user("old message 1"),
        Message.assistant("old response 1"),
        Message.user("old message 2"),
        Message.assistant("old response 2"),
        Message.user("current question"),
    ]
    executor = make([("local", mock)], 3)
    assert executor.chat_with_history(history, "local-model") == "recovered after truncation"
    assert mock.calls.value == 2
    assert mock.message_counts == [6, 4]


def test_context_overflow_with_no_history_to_truncate_bails_immediately() -> None:
    """System + one user message cannot shrink: one call and the actionable message."""
    mock = ContextOverflowMock(fail_until_attempt=FOREVER)
    history = [
        Message.system("huge system prompt that exceeds context window"),
        Message.user("hello"),
    ]
    with pytest.raises(ContextWindowExceeded, match="cannot be reduced further"):
        make([("local", mock)], 3).chat_with_history(history, "local-model")
    assert mock.calls.value == 1


def test_stream_chat_prefers_provider_with_tool_event_support() -> None:
    """With tools, the first provider that streams tool events is used; the other is not."""
    primary = StreamingMock(supports_tool_events=False)
    fallback = StreamingMock(supports_tool_events=True)
    executor = make([("primary", primary), ("fallback", fallback)], 0)
    events = list(executor.stream_chat(ChatRequest([Message.user("hello")], [SHELL_TOOL]), "m"))
    assert [event.kind for event in events] == ["tool_call", "final"]
    assert events[0].tool_call is not None
    assert events[0].tool_call.name == "shell"
    assert (primary.stream_calls.value, fallback.stream_calls.value) == (0, 1)


def test_stream_chat_errors_when_no_provider_supports_tool_events() -> None:
    """With tools and no tool-event streaming provider, the stream fails at its first item."""
    primary = StreamingMock(supports_tool_events=False)
    stream = make([("primary", primary)], 0).stream_chat(
        ChatRequest([Message.user("hello")], [SHELL_TOOL]), "model"
    )
    with pytest.raises(NoStreamingProvider, match="No provider supports streaming tool events"):
        next(stream)
    assert next(stream, None) is None
    assert primary.stream_calls.value == 0


def test_stream_chat_with_history_delegates_to_streaming_provider() -> None:
    """The whole history reaches the streaming provider."""
    mock = StreamingMock(echo_count=True)
    history = [
        Message.system("system"),
        Message.user("msg1"),
        Message.assistant("resp1"),
        Message.user("msg2"),
    ]
    events = list(make([("primary", mock)], 0).stream_chat(ChatRequest(history), "model"))
    assert events[0].text == "4"
    assert events[1].kind == "final"
    assert len(events) == 2
    assert mock.stream_calls.value == 1


def test_stream_chat_with_history_skips_non_streaming_providers() -> None:
    """A provider that cannot stream is skipped without a call."""
    silent = StreamingMock(supports_streaming=False, echo_count=True)
    streaming = StreamingMock(echo_count=True)
    executor = make([("non-streaming", silent), ("streaming", streaming)], 0)
    first = next(executor.stream_chat(ChatRequest([Message.user("hello")]), "model"))
    assert first.text == "1"
    assert (silent.stream_calls.value, streaming.stream_calls.value) == (0, 1)


def test_stream_chat_with_history_errors_when_no_provider_supports_streaming() -> None:
    """No streaming provider at all: 'No provider supports streaming', then the end."""
    executor = make([("non-streaming", StreamingMock(supports_streaming=False))], 0)
    stream = executor.stream_chat(ChatRequest([Message.user("hello")]), "model")
    with pytest.raises(NoStreamingProvider, match=r"No provider supports streaming$"):
        next(stream)
    assert next(stream, None) is None


def test_fallback_records_provider_fallback_info() -> None:
    """Inside a scope, a fallback is recorded once and consumed by the first take."""
    with scope_provider_fallback():
        executor = make(
            [
                ("broken", MockProvider(fail_until_attempt=99, error="401 Unauthorized")),
                ("working", MockProvider(response="hello from working")),
            ],
            2,
        )
        assert executor.simple_chat("hi", "test-model") == "hello from working"
        info = take_last_provider_fallback()
        assert info is not None
        assert info.requested_provider == "broken"
        assert info.actual_provider == "working"
        assert info.actual_model == "test-model"
        assert take_last_provider_fallback() is None


def test_fallback_is_not_recorded_outside_a_scope() -> None:
    """Without a scope, take gives None even after a fallback (the seed's try_with)."""
    executor = make(
        [("broken", MockProvider(fail_until_attempt=99, error="401")), ("ok", MockProvider())], 0
    )
    executor.simple_chat("hi", "m")
    assert take_last_provider_fallback() is None
