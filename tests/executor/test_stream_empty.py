"""Issue 16, item 3 for streams: a stream with no text and no tool calls is an empty answer,
retried before anything reaches the caller."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers.executor_rig import Rig, rig_fixture

from reliable_rules import AllProvidersFailed, ChatRequest, Message, StreamEvent, ToolCall
from reliable_rules.errors import EmptyResponse
from reliable_rules.testing import Reply

MODEL = "test-model"


def ask() -> ChatRequest:
    """A one-message request."""
    return ChatRequest([Message.user("hello")])


rig = rig_fixture(api_key="sk-test-stream-empty-00", timeout=10.0)


def empty_stream(kind: str, texts: list[str]) -> Reply:
    """A stream in ``kind``'s shape whose text is ``texts`` (no tool calls)."""
    return Reply.stream_openai(texts) if kind == "openai" else Reply.stream_anthropic(texts)


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
@pytest.mark.parametrize("texts", [[], [" ", "\n"]], ids=["no-text", "whitespace"])
def test_an_empty_stream_is_retried_before_any_event(
    rig: Rig, kind: str, texts: list[str]
) -> None:
    """The first stream ends with nothing (or only whitespace): the caller sees only the
    second stream's events, and the server got two requests."""
    server = rig.server("a")
    server.script(empty_stream(kind, texts), empty_stream(kind, ["Hel", "lo"]))
    provider = rig.openai(server) if kind == "openai" else rig.anthropic(server)
    events = list(rig.executor([("a", provider)]).stream_chat(ask(), MODEL))
    assert "".join(event.text for event in events if event.kind == "text") == "Hello"
    assert events[-1].kind == "final"
    assert len(server.requests) == 2


def test_an_empty_stream_moves_to_the_next_provider(rig: Rig) -> None:
    """Empty streams on A until its budget is spent: B streams the answer."""
    a = rig.server("a", default=Reply.stream_openai([]))
    b = rig.server("b")
    b.script(Reply.stream_openai(["from b"]))
    executor = rig.executor([("a", rig.openai(a)), ("b", rig.openai(b))], max_retries=1)
    events = list(executor.stream_chat(ask(), MODEL))
    assert [event.text for event in events if event.kind == "text"] == ["from b"]
    assert len(a.requests) == 2


def test_every_stream_empty_fails_with_empty_response(rig: Rig) -> None:
    """Nothing but empty streams: AllProvidersFailed, its last error an EmptyResponse."""
    a = rig.server("a", default=Reply.stream_anthropic([]))
    executor = rig.executor([("a", rig.anthropic(a))], max_retries=0)
    with pytest.raises(AllProvidersFailed, match="the stream ended with no text") as caught:
        list(executor.stream_chat(ask(), MODEL))
    assert isinstance(caught.value.last_error, EmptyResponse)
    assert caught.value.attempts[0].decision is not None
    assert caught.value.attempts[0].decision.category == "empty_response"


def test_leading_whitespace_is_replayed_in_order(rig: Rig) -> None:
    """Whitespace read ahead before the first real text is not lost."""
    server = rig.server("a")
    server.script(Reply.stream_openai(["\n", "Hi", " there"]))
    events = list(rig.executor([("a", rig.openai(server))]).stream_chat(ask(), MODEL))
    assert [event.text for event in events if event.kind == "text"] == ["\n", "Hi", " there"]


def test_a_stream_with_only_a_tool_call_is_an_answer(rig: Rig) -> None:
    """A tool call is content: one request, the tool call reaches the caller."""
    server = rig.server("a")
    server.script(Reply.stream_openai(tool_calls=[ToolCall("c1", "lookup", "{}")]))
    request = ChatRequest([Message.user("hi")], tools=[{"name": "lookup"}])
    events = list(rig.executor([("a", rig.openai(server))]).stream_chat(request, MODEL))
    assert [event.tool_call.name for event in events if event.tool_call is not None] == [
        "lookup"
    ]
    assert len(server.requests) == 1


class Closing:
    """A streaming provider whose streams end empty and record being closed."""

    supports_streaming = True
    closed = 0

    def chat(self, request: ChatRequest, model: str, *, api_key: str | None = None) -> object:
        raise NotImplementedError

    def stream(
        self, request: ChatRequest, model: str, *, api_key: str | None = None
    ) -> Iterator[StreamEvent]:
        try:
            yield StreamEvent("text", text="  ")
            yield StreamEvent("final")
        finally:
            Closing.closed += 1


def test_an_empty_stream_is_closed(rig: Rig) -> None:
    """The provider's stream is closed when it turns out empty (no leaked connection)."""
    with pytest.raises(AllProvidersFailed):
        list(rig.executor([("p", Closing())], max_retries=1).stream_chat(ask(), MODEL))
    assert Closing.closed == 2
