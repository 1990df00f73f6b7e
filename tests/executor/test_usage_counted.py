"""Issue 16, item 8: tokens billed for rejected answers are counted in the result and records."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.executor_rig import Rig, rig_fixture

from reliable_rules import (
    AllProvidersFailed,
    Attempt,
    AttemptRecord,
    ChatRequest,
    ChatResponse,
    Hooks,
    Message,
    ReliableExecutor,
    ToolCall,
    Usage,
)
from reliable_rules.errors import ResponseFormatMismatch
from reliable_rules.executor.usage import add_usage, total_usage
from reliable_rules.providers import OpenAICompatible
from reliable_rules.testing import FakeTiming, Reply

MODEL = "test-model"


def ask() -> ChatRequest:
    """A one-message request."""
    return ChatRequest([Message.user("hello")])


rig = rig_fixture(api_key="sk-test-usage-0000000", timeout=10.0)


def reasoning_only(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    """An OpenAI completion with only reasoning content, billed as given."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "", "reasoning_content": "hmm"},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens},
    }


THINKING_ONLY = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": MODEL,
    "content": [{"type": "thinking", "thinking": "hmm", "signature": "x"}],
    "stop_reason": "end_turn",
    "usage": {"input_tokens": 40, "output_tokens": 900},
}


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_empty_answers_are_counted_in_the_result(rig: Rig, kind: str) -> None:
    """Two billed empty answers, then an answer: the response's usage and Outcome.usage are
    the sum of all three; each record keeps its own."""
    a = rig.server("a")
    if kind == "openai":
        a.script(*[Reply.error(200, reasoning_only(40, 900))] * 2)
        provider: Any = rig.openai(a)
    else:
        a.script(Reply.error(200, THINKING_ONLY), Reply.error(200, THINKING_ONLY))
        provider = rig.anthropic(a)
    b = rig.server("b")
    executor = rig.executor([("a", provider), ("b", rig.openai(b))], max_retries=1)
    outcome = executor.execute(ask(), MODEL)
    answer = outcome.attempts[-1].usage
    assert answer is not None
    assert answer.output_tokens is not None
    assert [record.usage for record in outcome.attempts[:2]] == [Usage(40, 900)] * 2
    expected = Usage(80 + (answer.input_tokens or 0), 1800 + answer.output_tokens)
    assert outcome.response.usage == expected
    assert outcome.usage == expected


def test_a_format_mismatch_with_usage_is_counted() -> None:
    """A call() function that rejects a billed answer with ResponseFormatMismatch(usage=...)
    has those tokens added to the answer it finally returns."""

    def fn(attempt: Attempt) -> ChatResponse:
        assert attempt.request is not None
        if attempt.request.response_format == "yaml":
            raise ResponseFormatMismatch("not YAML", expected="yaml", usage=Usage(10, 20))
        return ChatResponse(text="{}", usage=Usage(3, 4))

    executor = ReliableExecutor([("p", object())], timing=FakeTiming())
    request = ChatRequest([Message.user("data please")], response_format="yaml")
    outcome = executor.call_with_outcome(fn, model=MODEL, request=request)
    assert outcome.response.usage == Usage(13, 24)
    assert [(r.action, r.usage) for r in outcome.attempts] == [
        ("switch_format", Usage(10, 20)),
        ("success", Usage(3, 4)),
    ]
    assert executor.call(fn, model=MODEL, request=request).usage == Usage(13, 24)


def test_an_invalid_tool_call_answer_is_counted(rig: Rig) -> None:
    """A prompt-guided answer rejected for a bad tool call still counts its tokens."""
    server = rig.server("a")
    server.script(
        Reply.ok('<tool_call>{"name": "nope"}</tool_call>'),
        Reply.ok(tool_calls=[ToolCall("c1", "lookup", "{}")]),
    )
    adapter = OpenAICompatible(server.openai_base_url, supports_native_tools=False)
    rig.adapters.append(adapter)
    request = ChatRequest([Message.user("look it up")], tools=[{"name": "lookup"}])
    outcome = rig.executor([("a", adapter)]).execute(request, MODEL)
    first, last = outcome.attempts
    assert first.usage is not None
    assert last.usage is not None
    assert outcome.response.usage == add_usage(first.usage, last.usage)


def test_records_seen_by_hooks_carry_usage(rig: Rig) -> None:
    """on_attempt sees the rejected attempt's usage, and the failure's records keep it."""
    server = rig.server("a", default=Reply.error(200, reasoning_only(7, 11)))
    seen: list[AttemptRecord] = []
    executor = rig.executor(
        [("a", rig.openai(server))], max_retries=1, hooks=Hooks(on_attempt=seen.append)
    )
    with pytest.raises(AllProvidersFailed) as caught:
        executor.chat(ask(), MODEL)
    assert [r.usage for r in seen] == [Usage(7, 11)] * 2
    assert [r.usage for r in caught.value.attempts] == [Usage(7, 11)] * 2


def test_a_first_time_answer_keeps_its_own_usage(rig: Rig) -> None:
    """Nothing rejected: the answer's usage is the provider's, unchanged."""
    server = rig.server("a")
    outcome = rig.executor([("a", rig.openai(server))]).execute(ask(), MODEL)
    assert outcome.response.usage is not None
    assert outcome.response.usage == outcome.attempts[0].usage == outcome.usage


@pytest.mark.parametrize(
    ("usages", "total"),
    [
        ([], None),
        ([None, None], None),
        ([Usage(1, 2), None, Usage(3, 4)], Usage(4, 6)),
        ([Usage(None, 5), Usage(2, None)], Usage(2, 5)),
        ([Usage(None, None), Usage(1, 1)], Usage(1, 1)),
    ],
)
def test_total_usage_adds_known_counts(usages: list[Usage | None], total: Usage | None) -> None:
    """Unknown counts do not hide known ones."""
    assert total_usage(usages) == total
