"""Issue 16, item 4 for streams: stream_chat with tools on providers that take them
prompt-guided."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers.executor_rig import Rig, rig_fixture

from reliable_rules import ChatRequest, Message, StreamEvent, Usage
from reliable_rules.errors import InvalidToolCall
from reliable_rules.executor.prompt_tools import guided_stream
from reliable_rules.providers import Anthropic, OpenAICompatible
from reliable_rules.testing import FakeProviderServer, Reply

MODEL = "test-model"
TOOLS = [{"name": "get_weather", "description": "The weather in a city.", "parameters": {}}]
PIECES = [
    "Let me check.\n<tool",
    '_call>\n{"name": "get_weather", ',
    '"arguments": {"city": "Paris"}}\n</tool_call>',
]


def ask() -> ChatRequest:
    """A question with one tool."""
    return ChatRequest([Message.user("Weather in Paris?")], tools=TOOLS)


rig = rig_fixture(api_key="sk-test-guided-stream-0", timeout=10.0)


def adapter(rig: Rig, kind: str, server: FakeProviderServer, *, native: bool) -> Any:
    """A streaming adapter of ``kind`` that declares native tools or not."""
    made: OpenAICompatible | Anthropic
    if kind == "openai":
        made = OpenAICompatible(server.openai_base_url, supports_native_tools=native)
    else:
        made = Anthropic(server.anthropic_base_url, supports_native_tools=native)
    rig.adapters.append(made)
    return made


def stream(kind: str, pieces: list[str]) -> Reply:
    """A text stream in ``kind``'s shape."""
    return Reply.stream_openai(pieces) if kind == "openai" else Reply.stream_anthropic(pieces)


def calls(events: list[StreamEvent]) -> list[tuple[str, Any]]:
    """The (name, arguments) of the tool-call events."""
    return [
        (event.tool_call.name, json.loads(event.tool_call.arguments))
        for event in events
        if event.tool_call is not None
    ]


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_a_provider_without_native_tools_streams_prompt_guided(rig: Rig, kind: str) -> None:
    """supports_native_tools=False: the streamed request has no tools field, and the block
    split over three deltas comes back as one tool-call event after the text."""
    server = rig.server("a")
    server.script(stream(kind, PIECES))
    executor = rig.executor([("a", adapter(rig, kind, server, native=False))])
    events = list(executor.stream_chat(ask(), MODEL))
    assert [event.kind for event in events] == ["text", "tool_call", "final"]
    assert events[0].text == "Let me check."
    assert calls(events) == [("get_weather", {"city": "Paris"})]
    (only,) = server.requests
    assert only.json.get("stream") is True
    assert "tools" not in only.json


def test_rejected_tools_switch_a_stream_to_the_prompt(rig: Rig) -> None:
    """A streaming provider that rejects the tools (400 tool_schema_error) is asked again at
    once with the tools in the prompt; the caller sees only the second stream's events."""
    server = rig.server("a")
    server.script(
        Reply.openai_error(400, "tool call validation failed: tool not found in tool list"),
        Reply.stream_openai(PIECES),
    )
    executor = rig.executor([("a", adapter(rig, "openai", server, native=True))])
    events = list(executor.stream_chat(ask(), MODEL))
    assert calls(events) == [("get_weather", {"city": "Paris"})]
    assert ["tools" in request.json for request in server.requests] == [True, False]


def test_an_invalid_streamed_block_is_retried(rig: Rig) -> None:
    """A streamed block naming an unknown tool is an InvalidToolCall: retried on the pair."""
    server = rig.server("a")
    server.script(
        Reply.stream_openai(['<tool_call>{"name": "nope"}</tool_call>']),
        Reply.stream_openai(PIECES),
    )
    executor = rig.executor([("a", adapter(rig, "openai", server, native=False))])
    events = list(executor.stream_chat(ask(), MODEL))
    assert calls(events) == [("get_weather", {"city": "Paris"})]
    assert len(server.requests) == 2


def test_guided_stream_keeps_usage_on_an_invalid_block() -> None:
    """The final event's usage rides on the InvalidToolCall (billed, then rejected)."""
    events = iter(
        [
            StreamEvent("text", text='<tool_call>{"name": "nope"}</tool_call>'),
            StreamEvent("final", usage=Usage(5, 9)),
        ]
    )
    with pytest.raises(InvalidToolCall) as caught:
        list(guided_stream(events, ask()))
    assert caught.value.usage == Usage(5, 9)


def test_plain_text_streams_unchanged_in_one_event(rig: Rig) -> None:
    """A prompt-guided stream with no block is its text (one event) and the final event."""
    server = rig.server("a")
    server.script(Reply.stream_openai(["It is ", "sunny."]))
    executor = rig.executor([("a", adapter(rig, "openai", server, native=False))])
    events = list(executor.stream_chat(ask(), MODEL))
    assert [(event.kind, event.text) for event in events] == [
        ("text", "It is sunny."), ("final", ""),
    ]  # fmt: skip
