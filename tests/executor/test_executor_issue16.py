"""Issue 16: the executor as a user runs it (cooldowns, waits, bounded trails, small things)."""

from __future__ import annotations

import pytest
from helpers.executor_rig import Rig, rig_fixture

from reliable_rules import (
    AllProvidersFailed,
    Attempt,
    ChatRequest,
    ChatResponse,
    DeadlineExceeded,
    Message,
    ReliableExecutor,
    ToolCall,
    classify,
)
from reliable_rules.errors import EmptyResponse
from reliable_rules.providers import OpenAICompatible
from reliable_rules.testing import FakeTiming, Reply

MODEL = "test-model"


rig = rig_fixture(api_key="sk-test-issue16-0000", timeout=10.0)


def ask() -> ChatRequest:
    """A one-message request."""
    return ChatRequest([Message.user("hello")])


def rate_limited(seconds: int) -> Reply:
    """An OpenAI-style 429 asking to wait ``seconds``."""
    return Reply.openai_error(429, "Rate limit reached", headers={"Retry-After": str(seconds)})


def test_cooldown_is_remembered_when_the_retry_budget_is_spent(rig: Rig) -> None:
    """With cooldown on and max_retries=0, A's 429 (Retry-After 30) moves the call to B and
    the next call skips A too."""
    a = rig.server("a")
    a.script(rate_limited(30), Reply.ok("a answered"))
    b = rig.server("b")
    executor = rig.executor(
        [("a", rig.openai(a)), ("b", rig.openai(b))], cooldown=True, max_retries=0
    )
    assert executor.chat(ask(), MODEL).text == "ok from b"
    assert executor.chat(ask(), MODEL).text == "ok from b"
    assert (len(a.requests), len(b.requests)) == (1, 2)
    assert executor.health.cooling("a") > 25


def test_a_rate_limited_provider_is_not_slept_on_while_another_can_answer(rig: Rig) -> None:
    """A's 429 with Retry-After 20 moves the call to B at once: no sleep, one request to A."""
    a = rig.server("a", default=rate_limited(20))
    b = rig.server("b")
    timing = FakeTiming()
    executor = rig.executor([("a", rig.openai(a)), ("b", rig.openai(b))], timing=timing)
    outcome = executor.execute(ask(), MODEL)
    assert outcome.response.text == "ok from b"
    assert timing.sleeps == []
    assert (len(a.requests), len(b.requests)) == (1, 1)
    assert (outcome.attempts[0].action, outcome.attempts[0].wait_ms) == ("cool_down", 20_000)


def test_a_rate_limited_model_moves_to_the_fallback_model_at_once(rig: Rig) -> None:
    """With one provider, a 429 on the requested model goes to its fallback model unslept."""
    a = rig.server("a")
    a.script(rate_limited(20), model="big")
    executor = rig.executor([("a", rig.openai(a))], model_fallbacks={"big": ["small"]})
    outcome = executor.execute(ask(), "big")
    assert (outcome.model, outcome.response.text) == ("small", "ok from a")


def test_when_every_candidate_cools_the_shortest_wait_is_slept(rig: Rig) -> None:
    """A asks 20 s and B 5 s: the call sleeps about 5 s once, then B answers."""
    a = rig.server("a", default=rate_limited(20))
    b = rig.server("b")
    b.script(rate_limited(5), Reply.ok("b after its wait"))
    timing = FakeTiming()
    executor = rig.executor([("a", rig.openai(a)), ("b", rig.openai(b))], timing=timing)
    outcome = executor.execute(ask(), MODEL)
    assert outcome.response.text == "b after its wait"
    assert len(timing.sleeps) == 1
    assert 4.0 < timing.sleeps[0] <= 5.0
    assert (len(a.requests), len(b.requests)) == (1, 2)
    assert [record.action for record in outcome.attempts] == ["cool_down", "retry", "success"]


def test_a_single_wait_is_capped_by_max_wait_s(rig: Rig) -> None:
    """Alone, a provider asking 20 s is slept on for max_wait_s: 10 s by default, 3 s if set."""
    for max_wait_s, slept in ((None, 10.0), (3.0, 3.0)):
        server = rig.server("a")
        server.script(rate_limited(20), Reply.ok("after the wait"))
        timing = FakeTiming()
        options = {} if max_wait_s is None else {"max_wait_s": max_wait_s}
        executor = rig.executor([("a", rig.openai(server))], timing=timing, **options)
        assert executor.chat(ask(), MODEL).text == "after the wait"
        assert timing.sleeps == [slept]


def test_max_wait_s_is_at_most_60_seconds() -> None:
    """max_wait_s outside (0, 60] is refused at construction."""
    for bad in (0, -1, 61):
        with pytest.raises(ValueError, match="max_wait_s"):
            ReliableExecutor([], max_wait_s=bad)


def test_waiting_for_a_cooling_provider_is_bounded_by_the_deadline(rig: Rig) -> None:
    """Both providers ask 20 s with 3 s left: the call fails on the deadline without sleeping."""
    a = rig.server("a", default=rate_limited(20))
    b = rig.server("b", default=rate_limited(20))
    timing = FakeTiming()
    executor = rig.executor(
        [("a", rig.openai(a)), ("b", rig.openai(b))], timing=timing, deadline_s=3
    )
    with pytest.raises(DeadlineExceeded):
        executor.chat(ask(), MODEL)
    assert timing.sleeps == []
    assert (len(a.requests), len(b.requests)) == (1, 1)


def failing_everywhere(count: int, detail: str) -> AllProvidersFailed:
    """The AllProvidersFailed of a call over ``count`` providers that all raise ``detail``."""

    def fail(attempt: Attempt) -> str:
        raise ConnectionError(f"{attempt.provider_name}: {detail}")

    providers = [(f"p{index:02d}", object()) for index in range(count)]
    executor = ReliableExecutor(providers, max_retries=0, timing=FakeTiming())
    with pytest.raises(AllProvidersFailed) as caught:
        executor.call(fail, model=MODEL)
    return caught.value


def test_the_aggregate_message_keeps_the_last_8_attempts() -> None:
    """Twelve failed providers: the message lists p04..p11 after "… and 4 earlier attempts";
    ``.attempts`` keeps all twelve."""
    error = failing_everywhere(12, "connection refused")
    lines = str(error).splitlines()
    assert lines[0] == "All providers/models failed. Attempts:"
    assert lines[1] == "… and 4 earlier attempts"
    assert [line.split()[0] for line in lines[2:]] == [f"provider=p{i:02d}" for i in range(4, 12)]
    assert len(error.attempts) == len(error.trail) == 12


def test_the_aggregate_message_is_at_most_2048_bytes() -> None:
    """Long errors: fewer than 8 lines fit, the message stays within 2,048 bytes of trail."""
    error = failing_everywhere(10, "é" * 580)
    lines = str(error).splitlines()
    trail_bytes = len("\n".join(lines[1:]).encode())
    assert trail_bytes <= 2048
    assert lines[1].startswith("… and ")
    assert lines[1].endswith(" earlier attempts")
    assert lines[-1].startswith("provider=p09 ")
    assert len(error.attempts) == 10


def test_a_short_trail_is_not_bounded() -> None:
    """Three failures are all listed, with no "earlier attempts" line."""
    error = failing_everywhere(3, "connection refused")
    assert len(str(error).splitlines()) == 4
    assert "earlier" not in str(error)


def test_openai_compatible_is_named_after_its_host() -> None:
    """The default name is "openai" only for api.openai.com; otherwise the base URL's host."""
    cases = {
        "https://api.openai.com/v1": "openai",
        "https://api.groq.com/openai/v1": "api.groq.com",
        "http://127.0.0.1:8080/v1": "127.0.0.1",
    }
    for base_url, name in cases.items():
        with OpenAICompatible(base_url) as adapter:
            assert adapter.name == name
    with OpenAICompatible("http://127.0.0.1:8080/v1", name="local") as adapter:
        assert adapter.name == "local"


def test_decision_repr_shows_retryable() -> None:
    """``repr(decision)`` says whether it is retryable."""
    assert "retryable=True" in repr(classify("500 Internal Server Error"))


def test_a_successful_record_line_has_no_error_field(rig: Rig) -> None:
    """A success's trail line ends at "success", with no dangling ``error=``."""
    server = rig.server("a")
    executor = rig.executor([("a", rig.openai(server))])
    record = executor.execute(ask(), MODEL).attempts[-1]
    assert record.line == f"provider=a model={MODEL} attempt 1/3: success"


def test_an_anthropic_429_is_not_decided_by_an_openai_rule(rig: Rig) -> None:
    """builtin:default decides Anthropic's 429 rate_limit_error with a generic rate rule."""
    server = rig.server("anthropic")
    limit = "Number of request tokens has exceeded your per-minute rate limit"
    server.script(Reply.anthropic_error(429, "rate_limit_error", limit))
    executor = rig.executor([("anthropic", rig.anthropic(server))])
    first = executor.execute(ask(), MODEL).attempts[0]
    assert first.decision is not None
    assert first.decision.category == "rate_limited"
    assert first.decision.rule_id is not None
    assert "openai" not in first.decision.rule_id


OPENAI_REASONING_ONLY = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "model": MODEL,
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "", "reasoning_content": "Let me think"},
            "finish_reason": "stop",
        }
    ],
}
ANTHROPIC_THINKING_ONLY = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": MODEL,
    "content": [{"type": "thinking", "thinking": "Let me think", "signature": "x"}],
    "stop_reason": "end_turn",
    "usage": {"input_tokens": 5, "output_tokens": 7},
}


@pytest.mark.parametrize("adapter", ["openai", "anthropic"])
def test_an_empty_answer_is_retried_then_the_next_provider(rig: Rig, adapter: str) -> None:
    """A 200 with only reasoning content is an empty_response failure: retried on A, then B
    answers; the trail says "Empty response"."""
    a = rig.server("a")
    body = OPENAI_REASONING_ONLY if adapter == "openai" else ANTHROPIC_THINKING_ONLY
    a.script(*[Reply.error(200, body)] * 2)
    b = rig.server("b")
    first = rig.openai(a) if adapter == "openai" else rig.anthropic(a)
    executor = rig.executor([("a", first), ("b", rig.openai(b))], max_retries=1)
    outcome = executor.execute(ask(), MODEL)
    assert outcome.response.text == "ok from b"
    assert len(a.requests) == 2
    categories = [record.decision.category for record in outcome.attempts if record.decision]
    assert categories == ["empty_response", "empty_response"]
    assert [record.action for record in outcome.attempts] == ["retry", "give_up", "success"]
    assert all("Empty response from model" in line for line in outcome.trail)


def test_an_answer_with_only_tool_calls_is_not_empty(rig: Rig) -> None:
    """No text but a tool call is an answer."""
    a = rig.server("a")
    a.script(Reply.ok(tool_calls=[ToolCall(id="call_1", name="lookup", arguments={"q": "x"})]))
    executor = rig.executor([("a", rig.openai(a))])
    response = executor.chat(ask(), MODEL)
    assert [call.name for call in response.tool_calls] == ["lookup"]


def test_every_provider_empty_fails_with_the_trail() -> None:
    """Empty answers everywhere end in AllProvidersFailed naming the empty response."""

    class Silent:
        def chat(self, request: ChatRequest, model: str, *, api_key: str | None = None) -> object:
            return ChatResponse(text="  ")

    executor = ReliableExecutor([("a", Silent())], max_retries=0, timing=FakeTiming())
    with pytest.raises(AllProvidersFailed, match="Empty response from model") as caught:
        executor.chat(ask(), MODEL)
    assert isinstance(caught.value.last_error, EmptyResponse)
