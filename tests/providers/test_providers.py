"""Provider adapters: request bodies, auth, parsing, errors, streaming, sessions, SSE parsing."""

from __future__ import annotations

import json
import pickle
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
import responses
from helpers.ports import closed_port
from hypothesis import given, settings
from hypothesis import strategies as st

import reliable_rules
from reliable_rules.chat import (
    ChatProvider,
    ChatRequest,
    Message,
    StreamEvent,
    StreamingProvider,
    ToolCall,
    Usage,
)
from reliable_rules.errors import ReliableRulesError
from reliable_rules.providers import (
    Anthropic,
    MalformedResponseError,
    OpenAICompatible,
    ProviderHTTPError,
    ProviderStreamError,
    SSEMessage,
    iter_sse,
    iter_text_lines,
)

OPENAI_BASE = "https://llm.example.test/v1"
OPENAI_URL = f"{OPENAI_BASE}/chat/completions"
ANTHROPIC_BASE = "https://claude.example.test"
ANTHROPIC_URL = f"{ANTHROPIC_BASE}/v1/messages"
SECRET = "sk-proj-abcdefghijklmnop1234567890"
OTHER_SECRET = "sk-ant-api03-zyxwvutsrqponmlk987654"

WEATHER_TOOL = {
    "name": "weather",
    "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}
SEARCH_TOOL_FULL = {
    "type": "function",
    "function": {
        "name": "search",
        "description": "Search the web",
        "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
    },
}

CONVERSATION = (
    Message.system("Be brief."),
    Message.system("Answer in English."),
    Message.user("Weather in Oslo and Rome?"),
    Message.assistant(
        "Looking it up.",
        tool_calls=[
            ToolCall("call_1", "weather", '{"city": "Oslo"}'),
            ToolCall("call_2", "weather", "not json"),
        ],
    ),
    Message.tool("call_1", "rain"),
    Message.tool("call_2", "sun"),
    Message.user("Thanks"),
)


def _sent(call_index: int = 0) -> dict[str, Any]:
    body = responses.calls[call_index].request.body
    assert isinstance(body, bytes)
    parsed: dict[str, Any] = json.loads(body)
    return parsed


def _openai_answer(**message: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "model": "gpt-test-2024",
        "choices": [
            {"index": 0, "message": {"role": "assistant", **message}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
    }


def _sse_body(*events: tuple[str | None, object], crlf: bool = False) -> str:
    """An SSE body: each event as optional ``event:`` plus one ``data:`` line (JSON unless str)."""
    newline = "\r\n" if crlf else "\n"
    out = []
    for name, data in events:
        text = data if isinstance(data, str) else json.dumps(data)
        head = f"event: {name}{newline}" if name else ""
        out.append(f"{head}data: {text}{newline}{newline}")
    return "".join(out)


def _openai_chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


# --- OpenAI-compatible: requests --------------------------------------------------------------


@responses.activate
def test_openai_request_body_maps_messages_tools_and_options() -> None:
    """The OpenAI body carries every message, both tool spec shapes, JSON mode and max_tokens."""
    responses.post(OPENAI_URL, json=_openai_answer(content="ok"))
    provider = OpenAICompatible(OPENAI_BASE + "/", "k-123")
    request = ChatRequest(
        CONVERSATION,
        tools=[WEATHER_TOOL, SEARCH_TOOL_FULL],
        temperature=0.3,
        response_format="json",
        max_tokens=256,
    )
    provider.chat(request, "gpt-test")
    assert responses.calls[0].request.url == OPENAI_URL
    assert _sent() == {
        "model": "gpt-test",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "system", "content": "Answer in English."},
            {"role": "user", "content": "Weather in Oslo and Rome?"},
            {
                "role": "assistant",
                "content": "Looking it up.",
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "weather", "arguments": '{"city": "Oslo"}'},
                    },
                    {
                        "id": "call_2",
                        "type": "function",
                        "function": {"name": "weather", "arguments": "not json"},
                    },
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "rain"},
            {"role": "tool", "tool_call_id": "call_2", "content": "sun"},
            {"role": "user", "content": "Thanks"},
        ],
        "temperature": 0.3,
        "max_tokens": 256,
        "tools": [{"type": "function", "function": WEATHER_TOOL}, SEARCH_TOOL_FULL],
        "response_format": {"type": "json_object"},
    }


@responses.activate
def test_openai_body_omits_unset_options() -> None:
    """Without tools, max_tokens or a JSON format, the body has no such keys (YAML is not JSON)."""
    responses.post(OPENAI_URL, json=_openai_answer(content="ok"))
    OpenAICompatible(OPENAI_BASE).chat(
        ChatRequest([Message.user("hi")], response_format="yaml"), "m"
    )
    assert _sent() == {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0.0,
    }


@responses.activate
def test_openai_assistant_tool_turn_without_text_sends_null_content() -> None:
    """An assistant turn that only calls tools is sent with content null, as OpenAI expects."""
    responses.post(OPENAI_URL, json=_openai_answer(content="ok"))
    turn = Message.assistant(tool_calls=[ToolCall("c", "f", "{}")])
    OpenAICompatible(OPENAI_BASE).chat(ChatRequest([Message.user("x"), turn]), "m")
    assert _sent()["messages"][1]["content"] is None


@responses.activate
def test_openai_auth_header_extra_headers_and_extra_body() -> None:
    """Bearer uses the adapter key, a per-call key overrides it, none is sent without a key."""
    responses.post(OPENAI_URL, json=_openai_answer(content="ok"))
    request = ChatRequest([Message.user("hi")])
    provider = OpenAICompatible(
        OPENAI_BASE, "own-key", headers={"X-Title": "tests"}, extra_body={"seed": 7}
    )
    provider.chat(request, "m")
    provider.chat(request, "m", api_key="rotated-key")
    OpenAICompatible(OPENAI_BASE).chat(request, "m")
    first, second, third = (call.request.headers for call in responses.calls)
    assert first["Authorization"] == "Bearer own-key"
    assert first["X-Title"] == "tests"
    assert first["Content-Type"] == "application/json"
    assert second["Authorization"] == "Bearer rotated-key"
    assert "Authorization" not in third
    assert _sent(0)["seed"] == 7


# --- OpenAI-compatible: answers ---------------------------------------------------------------


@responses.activate
def test_openai_parses_text_usage_model_and_finish_reason() -> None:
    """Text, usage, model and finish reason come from choices[0] and usage."""
    responses.post(OPENAI_URL, json=_openai_answer(content="Hello!"))
    answer = OpenAICompatible(OPENAI_BASE).chat(ChatRequest([Message.user("hi")]), "gpt-test")
    assert answer.text == "Hello!"
    assert answer.tool_calls == ()
    assert answer.usage == Usage(11, 7)
    assert answer.model == "gpt-test-2024"
    assert answer.finish_reason == "stop"


@responses.activate
def test_openai_parses_tool_calls() -> None:
    """tool_calls become ToolCalls with the raw argument text; null content is None."""
    payload = _openai_answer(
        content=None,
        tool_calls=[
            {
                "id": "call_a",
                "type": "function",
                "function": {"name": "weather", "arguments": '{"city":"Oslo"}'},
            },
            {"id": "call_b", "type": "function", "function": {"name": "search", "arguments": ""}},
        ],
    )
    payload["choices"][0]["finish_reason"] = "tool_calls"
    del payload["usage"]
    responses.post(OPENAI_URL, json=payload)
    answer = OpenAICompatible(OPENAI_BASE).chat(ChatRequest([Message.user("hi")]), "m")
    assert answer.text is None
    assert answer.tool_calls == (
        ToolCall("call_a", "weather", '{"city":"Oslo"}'),
        ToolCall("call_b", "search", ""),
    )
    assert answer.usage is None
    assert answer.finish_reason == "tool_calls"


@responses.activate
def test_openai_non_2xx_raises_provider_http_error_without_secrets() -> None:
    """A 429 raises ProviderHTTPError with status, headers and body; str/repr hide the key."""
    body = {
        "error": {
            "message": f"Rate limit reached. Incorrect API key provided: {SECRET}.",
            "type": "requests",
        }
    }
    responses.post(
        OPENAI_URL,
        json=body,
        status=429,
        headers={"Retry-After": "7", "WWW-Authenticate": f"Bearer {SECRET}"},
    )
    provider = OpenAICompatible(OPENAI_BASE, SECRET, name="groq")
    with pytest.raises(ProviderHTTPError) as caught:
        provider.chat(ChatRequest([Message.user("hi")]), "m")
    error = caught.value
    assert isinstance(error, ReliableRulesError)
    assert error.provider == "groq"
    assert error.status_code == 429
    assert error.headers["retry-after"] == "7"
    assert json.loads(error.body) == body
    assert error.response is not None
    assert error.response.status_code == 429
    assert error.url == OPENAI_URL
    text = str(error)
    assert text.startswith('groq API error (429 Too Many Requests): {"error":')
    assert "Rate limit reached" in text
    for shown in (text, repr(error), repr(provider)):
        assert SECRET not in shown
        assert "sk-proj" not in shown
    decision = reliable_rules.classify(error)
    assert decision.category == "rate_limited"
    assert decision.retry_after_ms == 7000


@responses.activate
def test_http_error_message_is_bounded_and_url_query_secrets_removed() -> None:
    """The message body part is one line of at most 600 chars; query keys are redacted."""
    url = f"{OPENAI_URL}?key=AIzaSyA-very-secret-google-key-123456&alt=json"
    responses.post(url, body="x\n" * 5000, status=500)
    provider = OpenAICompatible(OPENAI_BASE)
    with pytest.raises(ProviderHTTPError) as caught:
        provider._post(url, {}, {}, stream=False)
    error = caught.value
    assert len(error.body) == 10000
    prefix = "llm.example.test API error (500 Internal Server Error): "
    assert str(error).startswith(prefix)
    assert "\n" not in str(error)
    assert len(str(error)) <= len(prefix) + 600
    assert "very-secret" not in error.url
    assert error.url.endswith("alt=json")
    assert "very-secret" not in str(error) + repr(error)


@responses.activate
def test_redirects_are_not_followed_so_keys_stay_put() -> None:
    """A 307 to another host is reported as ProviderHTTPError; the key is not sent there."""
    responses.post(
        ANTHROPIC_URL, status=307, headers={"Location": "https://elsewhere.test/v1/messages"}
    )
    responses.post("https://elsewhere.test/v1/messages", json=_anthropic_answer())
    with pytest.raises(ProviderHTTPError) as caught:
        Anthropic(ANTHROPIC_BASE, OTHER_SECRET).chat(ChatRequest([Message.user("hi")]), "m")
    assert caught.value.status_code == 307
    assert [call.request.url for call in responses.calls] == [ANTHROPIC_URL]


def test_http_error_caps_body_and_pickles_without_response() -> None:
    """The body is capped at 1,000,000 chars; a pickled error keeps everything but the response."""
    error = ProviderHTTPError("p", 503, body="y" * 1_500_000, headers={"X-A": "1"})
    assert len(error.body) == 1_000_000
    assert str(error).startswith("p API error (503 Service Unavailable): yyy")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.status_code, copy.headers, copy.body, copy.response) == (
        503,
        {"x-a": "1"},
        error.body,
        None,
    )
    assert str(copy) == str(error)


def test_openai_malformed_2xx_raises_malformed_response_error() -> None:
    """A 2xx body that is not JSON, or lacks choices/message, raises MalformedResponseError."""
    cases = [
        ("<html>gateway</html>", "body is not JSON"),
        ("[]", "body is not a JSON object"),
        ("{}", "missing 'choices'"),
        ('{"choices": []}', "missing 'choices'"),
        ('{"choices": [{"finish_reason": "stop"}]}', "missing 'choices[0].message'"),
        ('{"choices": [{"message": {"content": 5}}]}', "'content'"),
        ('{"error": {"message": "upstream failed", "code": 502}}', "an error object"),
    ]
    provider = OpenAICompatible(OPENAI_BASE, name="router")
    for body, what in cases:
        with responses.RequestsMock() as mock:
            mock.post(OPENAI_URL, body=body, status=200)
            with pytest.raises(MalformedResponseError) as caught:
                provider.chat(ChatRequest([Message.user("hi")]), "m")
        assert caught.value.status_code == 200
        assert caught.value.body == body
        assert what in str(caught.value)
        assert str(caught.value).startswith("router returned a malformed response (HTTP 200)")


# --- OpenAI-compatible: streaming -------------------------------------------------------------


@responses.activate
def test_openai_stream_yields_text_tool_calls_and_final_usage() -> None:
    """Text deltas stream; tool-call fragments accumulate by index; usage and [DONE] end it."""
    chunks = [
        _openai_chunk({"role": "assistant", "content": ""}),
        _openai_chunk({"content": "Hel"}),
        _openai_chunk({"content": "lo"}),
        _openai_chunk(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_a",
                        "type": "function",
                        "function": {"name": "weather", "arguments": ""},
                    }
                ]
            }
        ),
        _openai_chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"ci'}}]}),
        _openai_chunk(
            {
                "tool_calls": [
                    {
                        "index": 1,
                        "id": "call_b",
                        "type": "function",
                        "function": {"name": "search", "arguments": '{"q":'},
                    }
                ]
            }
        ),
        _openai_chunk({"tool_calls": [{"index": 0, "function": {"arguments": 'ty":"Oslo"}'}}]}),
        _openai_chunk({"tool_calls": [{"index": 1, "function": {"arguments": '"x"}'}}]}),
        _openai_chunk({}, finish="tool_calls"),
        {"id": "chatcmpl-1", "choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 4}},
    ]
    body = ": keep-alive\n\n" + _sse_body(*((None, c) for c in chunks)) + "data: [DONE]\n\n"
    body += "data: this is after DONE and must not be parsed\n\n"
    responses.post(OPENAI_URL, body=body, content_type="text/event-stream")
    provider = OpenAICompatible(OPENAI_BASE, "k", include_stream_usage=True)
    events = list(provider.stream(ChatRequest([Message.user("hi")], tools=[WEATHER_TOOL]), "m"))
    assert events == [
        StreamEvent("text", text="Hel"),
        StreamEvent("text", text="lo"),
        StreamEvent("tool_call", tool_call=ToolCall("call_a", "weather", '{"city":"Oslo"}')),
        StreamEvent("tool_call", tool_call=ToolCall("call_b", "search", '{"q":"x"}')),
        StreamEvent("final", usage=Usage(9, 4), finish_reason="tool_calls"),
    ]
    sent = _sent()
    assert sent["stream"] is True
    assert sent["stream_options"] == {"include_usage": True}
    assert responses.calls[0].request.headers["Accept"] == "text/event-stream"


@responses.activate
def test_openai_stream_without_usage_option_and_with_crlf() -> None:
    """CRLF line ends parse; without include_stream_usage no stream_options are sent."""
    body = _sse_body(
        (None, _openai_chunk({"content": "a"})),
        (None, _openai_chunk({"content": "b"}, finish="stop")),
        (None, "[DONE]"),
        crlf=True,
    )
    responses.post(OPENAI_URL, body=body, content_type="text/event-stream")
    events = list(OpenAICompatible(OPENAI_BASE).stream(ChatRequest([Message.user("hi")]), "m"))
    assert events == [
        StreamEvent("text", text="a"),
        StreamEvent("text", text="b"),
        StreamEvent("final", usage=None, finish_reason="stop"),
    ]
    assert "stream_options" not in _sent()


@responses.activate
def test_openai_stream_error_object_raises_provider_stream_error() -> None:
    """An {"error": ...} chunk in a 200 stream raises ProviderStreamError with the body."""
    error = {"error": {"message": "Provider returned error", "code": 502}}
    body = _sse_body((None, _openai_chunk({"content": "par"})), (None, error))
    responses.post(OPENAI_URL, body=body, content_type="text/event-stream")
    stream = OpenAICompatible(OPENAI_BASE, name="router").stream(
        ChatRequest([Message.user("hi")]), "m"
    )
    assert next(stream) == StreamEvent("text", text="par")
    with pytest.raises(ProviderStreamError) as caught:
        next(stream)
    assert caught.value.status_code is None
    assert json.loads(caught.value.body) == error
    assert str(caught.value).startswith("router API stream error: ")
    assert "Provider returned error" in str(caught.value)


@responses.activate
def test_openai_stream_that_stops_early_raises() -> None:
    """A stream that ends without [DONE] or a finish reason is an error, not a short answer."""
    body = _sse_body((None, _openai_chunk({"content": "half"})))
    responses.post(OPENAI_URL, body=body, content_type="text/event-stream")
    stream = OpenAICompatible(OPENAI_BASE).stream(ChatRequest([Message.user("hi")]), "m")
    assert next(stream).text == "half"
    with pytest.raises(ProviderStreamError, match="ended before"):
        next(stream)


@responses.activate
def test_openai_stream_with_non_json_chunk_raises_malformed() -> None:
    """A data line that is not JSON raises MalformedResponseError carrying that chunk."""
    responses.post(OPENAI_URL, body="data: {oops\n\n", content_type="text/event-stream")
    stream = OpenAICompatible(OPENAI_BASE).stream(ChatRequest([Message.user("hi")]), "m")
    with pytest.raises(MalformedResponseError) as caught:
        next(stream)
    assert caught.value.body == "{oops"


@responses.activate
def test_stream_opening_with_429_raises_before_any_event(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 429 when opening a stream raises ProviderHTTPError on the first next(), and closes."""
    closed = _spy_on_close(monkeypatch)
    responses.post(OPENAI_URL, json={"error": {"message": "slow down"}}, status=429)
    responses.post(ANTHROPIC_URL, json={"type": "error"}, status=429)
    for provider in (OpenAICompatible(OPENAI_BASE), Anthropic(ANTHROPIC_BASE)):
        stream = provider.stream(ChatRequest([Message.user("hi")]), "m")
        with pytest.raises(ProviderHTTPError) as caught:
            next(stream)
        assert caught.value.status_code == 429
    assert len(closed) == 2


@responses.activate
def test_stream_closed_early_closes_the_response(monkeypatch: pytest.MonkeyPatch) -> None:
    """A consumer that stops after the first event (generator close) closes the response."""
    closed = _spy_on_close(monkeypatch)
    body = _sse_body(
        (None, _openai_chunk({"content": "a"})),
        (None, _openai_chunk({"content": "b"}, finish="stop")),
        (None, "[DONE]"),
    )
    responses.post(OPENAI_URL, body=body, content_type="text/event-stream")
    stream = OpenAICompatible(OPENAI_BASE).stream(ChatRequest([Message.user("hi")]), "m")
    assert next(stream).text == "a"
    assert closed == []
    stream.close()  # type: ignore[attr-defined]  # the adapter returns a generator
    assert len(closed) == 1


def _spy_on_close(monkeypatch: pytest.MonkeyPatch) -> list[requests.Response]:
    closed: list[requests.Response] = []
    original = requests.Response.close

    def close(self: requests.Response) -> None:
        closed.append(self)
        original(self)

    monkeypatch.setattr(requests.Response, "close", close)
    return closed


# --- transport errors and sessions ------------------------------------------------------------


@responses.activate
def test_connection_error_and_timeout_propagate_unwrapped() -> None:
    """ConnectionError and Timeout from requests are raised as they are, not wrapped."""
    request = ChatRequest([Message.user("hi")])
    provider = OpenAICompatible(OPENAI_BASE)
    responses.post(OPENAI_URL, body=requests.exceptions.ConnectionError("refused"))
    with pytest.raises(requests.exceptions.ConnectionError):
        provider.chat(request, "m")
    responses.replace(responses.POST, OPENAI_URL, body=requests.exceptions.ReadTimeout("slow"))
    with pytest.raises(requests.exceptions.ReadTimeout) as caught:
        provider.chat(request, "m")
    assert not isinstance(caught.value, ReliableRulesError)
    assert reliable_rules.classify(caught.value).category == "timeout"
    responses.post(ANTHROPIC_URL, body=requests.exceptions.ConnectionError("reset"))
    with pytest.raises(requests.exceptions.ConnectionError):
        next(Anthropic(ANTHROPIC_BASE).stream(request, "m"))


def test_real_connection_refused_propagates_as_connection_error() -> None:
    """A refused TCP connection surfaces as requests' ConnectionError (classified network)."""
    provider = OpenAICompatible(f"http://127.0.0.1:{closed_port()}/v1", timeout=5)
    with provider, pytest.raises(requests.exceptions.ConnectionError) as caught:
        provider.chat(ChatRequest([Message.user("hi")]), "m")
    assert reliable_rules.classify(caught.value).category == "network_error"


def test_adapter_closes_only_its_own_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """close() closes a session the adapter made, never one passed in; `with` calls close()."""
    mine: list[object] = []

    def record_close(self: requests.Session) -> None:
        mine.append(self)

    monkeypatch.setattr(requests.Session, "close", record_close)
    given_session = requests.Session()
    with OpenAICompatible(OPENAI_BASE, session=given_session) as provider:
        assert provider.session is given_session
    Anthropic(session=given_session).close()
    assert mine == []
    own = OpenAICompatible(OPENAI_BASE)
    assert own.session is not given_session
    assert own.session is own.session
    own.close()
    with Anthropic() as other:
        pass
    assert mine == [own.session, other.session]


def test_capabilities_and_protocols() -> None:
    """Capability flags are plain attributes set from the constructor; both adapters stream."""
    for kind in (OpenAICompatible, Anthropic):
        default = kind("http://x.test")
        assert isinstance(default, ChatProvider)
        assert isinstance(default, StreamingProvider)
        assert (
            default.supports_streaming,
            default.supports_tool_events,
            default.supports_native_tools,
        ) == (True, True, True)
        limited = kind(
            "http://x.test",
            supports_streaming=False,
            supports_tool_events=False,
            supports_native_tools=False,
        )
        assert (
            limited.supports_streaming,
            limited.supports_tool_events,
            limited.supports_native_tools,
        ) == (False, False, False)


def test_adapter_repr_hides_the_key() -> None:
    """repr() names the adapter and URL but never the API key."""
    for provider in (
        OpenAICompatible(OPENAI_BASE, SECRET, name="groq"),
        Anthropic(api_key=OTHER_SECRET),
    ):
        text = repr(provider)
        assert SECRET not in text
        assert OTHER_SECRET not in text
    assert repr(OpenAICompatible(OPENAI_BASE, SECRET, name="groq")) == (
        f"OpenAICompatible(name='groq', base_url='{OPENAI_BASE}')"
    )


# --- Anthropic: requests and answers ----------------------------------------------------------


def _anthropic_answer(*content: dict[str, Any], stop: str = "end_turn") -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-test-1",
        "content": list(content),
        "stop_reason": stop,
        "usage": {"input_tokens": 21, "output_tokens": 5},
    }


@responses.activate
def test_anthropic_request_body_maps_system_tools_and_tool_turns() -> None:
    """System joins to `system`; tool calls/results become blocks; results merge; schemas map."""
    responses.post(ANTHROPIC_URL, json=_anthropic_answer({"type": "text", "text": "ok"}))
    provider = Anthropic(ANTHROPIC_BASE, OTHER_SECRET)
    request = ChatRequest(
        CONVERSATION,
        tools=[WEATHER_TOOL, SEARCH_TOOL_FULL, {"name": "now"}],
        temperature=0.2,
        response_format="json",
    )
    provider.chat(request, "claude-test")
    assert _sent() == {
        "model": "claude-test",
        "max_tokens": 1024,
        "system": "Be brief.\n\nAnswer in English.",
        "temperature": 0.2,
        "messages": [
            {"role": "user", "content": "Weather in Oslo and Rome?"},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Looking it up."},
                    {
                        "type": "tool_use",
                        "id": "call_1",
                        "name": "weather",
                        "input": {"city": "Oslo"},
                    },
                    {
                        "type": "tool_use",
                        "id": "call_2",
                        "name": "weather",
                        "input": {"_raw": "not json"},
                    },
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "call_1", "content": "rain"},
                    {"type": "tool_result", "tool_use_id": "call_2", "content": "sun"},
                ],
            },
            {"role": "user", "content": "Thanks"},
        ],
        "tools": [
            {
                "name": "weather",
                "description": "Weather for a city",
                "input_schema": WEATHER_TOOL["parameters"],
            },
            {
                "name": "search",
                "description": "Search the web",
                "input_schema": SEARCH_TOOL_FULL["function"]["parameters"],  # type: ignore[index]
            },
            {"name": "now", "input_schema": {"type": "object", "properties": {}}},
        ],
    }


@responses.activate
def test_anthropic_headers_max_tokens_and_key_override() -> None:
    """x-api-key, anthropic-version and JSON content type are sent; a request max_tokens wins."""
    responses.post(ANTHROPIC_URL, json=_anthropic_answer({"type": "text", "text": "ok"}))
    provider = Anthropic(ANTHROPIC_BASE, "own", version="2099-01-01", max_tokens=77)
    provider.chat(ChatRequest([Message.user("hi")]), "m")
    provider.chat(ChatRequest([Message.user("hi")], max_tokens=5), "m", api_key="rotated")
    Anthropic(ANTHROPIC_BASE).chat(ChatRequest([Message.user("hi")]), "m")
    first, second, third = (call.request.headers for call in responses.calls)
    assert first["x-api-key"] == "own"
    assert first["anthropic-version"] == "2099-01-01"
    assert first["content-type"] == "application/json"
    assert "Authorization" not in first
    assert second["x-api-key"] == "rotated"
    assert "x-api-key" not in third
    assert third["anthropic-version"] == "2023-06-01"
    assert (_sent(0)["max_tokens"], _sent(1)["max_tokens"], _sent(2)["max_tokens"]) == (77, 5, 1024)
    assert "system" not in _sent(0)


@responses.activate
def test_anthropic_parses_text_tool_use_and_usage() -> None:
    """Text blocks join; tool_use blocks become ToolCalls with JSON arguments; usage maps."""
    responses.post(
        ANTHROPIC_URL,
        json=_anthropic_answer(
            {"type": "text", "text": "Let me "},
            {"type": "thinking", "thinking": "hmm", "signature": "s"},
            {"type": "text", "text": "check."},
            {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Oslo"}},
            stop="tool_use",
        ),
    )
    answer = Anthropic(ANTHROPIC_BASE).chat(ChatRequest([Message.user("hi")]), "m")
    assert answer.text == "Let me check."
    assert answer.tool_calls == (ToolCall("toolu_1", "weather", json.dumps({"city": "Oslo"})),)
    assert answer.usage == Usage(21, 5)
    assert answer.model == "claude-test-1"
    assert answer.finish_reason == "tool_use"


@responses.activate
def test_anthropic_tool_only_answer_has_no_text() -> None:
    """An answer with only tool_use blocks has text None."""
    responses.post(
        ANTHROPIC_URL,
        json=_anthropic_answer({"type": "tool_use", "id": "t", "name": "f", "input": {}}),
    )
    answer = Anthropic(ANTHROPIC_BASE).chat(ChatRequest([Message.user("hi")]), "m")
    assert answer.text is None
    assert answer.tool_calls == (ToolCall("t", "f", "{}"),)


@responses.activate
def test_anthropic_non_2xx_and_malformed() -> None:
    """A 529 raises ProviderHTTPError named 'anthropic'; a 2xx without content is malformed."""
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    responses.post(ANTHROPIC_URL, json=overloaded, status=529)
    provider = Anthropic(ANTHROPIC_BASE, OTHER_SECRET)
    with pytest.raises(ProviderHTTPError) as caught:
        provider.chat(ChatRequest([Message.user("hi")]), "m")
    assert caught.value.status_code == 529
    assert str(caught.value).startswith("anthropic API error (529")
    assert "overloaded_error" in str(caught.value)
    assert OTHER_SECRET not in str(caught.value) + repr(caught.value)
    responses.replace(responses.POST, ANTHROPIC_URL, json={"id": "msg_1"})
    with pytest.raises(MalformedResponseError, match="missing 'content'"):
        provider.chat(ChatRequest([Message.user("hi")]), "m")
    responses.replace(
        responses.POST, ANTHROPIC_URL, json={"content": [{"type": "tool_use", "input": {}}]}
    )
    with pytest.raises(MalformedResponseError, match="lacks 'id' or 'name'"):
        provider.chat(ChatRequest([Message.user("hi")]), "m")


# --- Anthropic: streaming ---------------------------------------------------------------------

ANTHROPIC_STREAM: list[tuple[str | None, object]] = [
    (
        "message_start",
        {
            "type": "message_start",
            "message": {"id": "msg_1", "usage": {"input_tokens": 25, "output_tokens": 1}},
        },
    ),
    (
        "content_block_start",
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    ),
    ("ping", {"type": "ping"}),
    (
        "content_block_delta",
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}},
    ),
    (
        "content_block_delta",
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "!"}},
    ),
    ("content_block_stop", {"type": "content_block_stop", "index": 0}),
    (
        "content_block_start",
        {
            "type": "content_block_start",
            "index": 1,
            "content_block": {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {}},
        },
    ),
    (
        "content_block_delta",
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": ""},
        },
    ),
    (
        "content_block_delta",
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": '{"city": "Os'},
        },
    ),
    (
        "content_block_delta",
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": 'lo"}'},
        },
    ),
    ("content_block_stop", {"type": "content_block_stop", "index": 1}),
    (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"output_tokens": 42},
        },
    ),
    ("message_stop", {"type": "message_stop"}),
]

ANTHROPIC_EVENTS = [
    StreamEvent("text", text="Hi"),
    StreamEvent("text", text="!"),
    StreamEvent("tool_call", tool_call=ToolCall("toolu_1", "weather", '{"city": "Oslo"}')),
    StreamEvent("final", usage=Usage(25, 42), finish_reason="tool_use"),
]


@responses.activate
def test_anthropic_stream_text_tool_use_and_usage() -> None:
    """Messages SSE: text deltas, input_json_delta accumulation, stop reason and usage."""
    body = ": comment\n\n" + _sse_body(*ANTHROPIC_STREAM)
    responses.post(ANTHROPIC_URL, body=body, content_type="text/event-stream")
    request = ChatRequest([Message.user("hi")], tools=[WEATHER_TOOL])
    events = list(Anthropic(ANTHROPIC_BASE, "k").stream(request, "m"))
    assert events == ANTHROPIC_EVENTS
    assert _sent()["stream"] is True


@responses.activate
def test_anthropic_stream_error_event_raises() -> None:
    """An `error` event mid-stream raises ProviderStreamError carrying the error body."""
    error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    body = _sse_body(*ANTHROPIC_STREAM[:4], ("error", error))
    responses.post(ANTHROPIC_URL, body=body, content_type="text/event-stream")
    stream = Anthropic(ANTHROPIC_BASE).stream(ChatRequest([Message.user("hi")]), "m")
    assert next(stream) == StreamEvent("text", text="Hi")
    with pytest.raises(ProviderStreamError) as caught:
        next(stream)
    assert caught.value.status_code is None
    assert json.loads(caught.value.body) == error
    assert "overloaded_error" in str(caught.value)


@responses.activate
def test_anthropic_stream_without_message_stop_raises() -> None:
    """A Messages stream cut before message_stop raises ProviderStreamError."""
    body = _sse_body(*ANTHROPIC_STREAM[:5])
    responses.post(ANTHROPIC_URL, body=body, content_type="text/event-stream")
    stream = Anthropic(ANTHROPIC_BASE).stream(ChatRequest([Message.user("hi")]), "m")
    with pytest.raises(ProviderStreamError, match="ended before"):
        list(stream)


# --- SSE parser -------------------------------------------------------------------------------


def test_iter_sse_follows_the_event_stream_format() -> None:
    """Multi-line data joins with \\n; comments skip; event names reset; bare `data:` is ''."""
    lines = [
        "\ufeff: opening comment",
        "event: first",
        "data: line one",
        "data:line two",
        "id: 5",
        "retry: 1000",
        "",
        "data",
        "",
        "event: ignored-without-data",
        "",
        "data:  two spaces",
        "unknown: field",
        "",
        "data: pending at the end",
    ]
    assert list(iter_sse(lines)) == [
        SSEMessage("first", "line one\nline two"),
        SSEMessage(None, ""),
        SSEMessage(None, " two spaces"),
        SSEMessage(None, "pending at the end"),
    ]


def test_iter_sse_accepts_terminated_items_and_bytes() -> None:
    """Items may keep their CRLF/CR/LF terminators, hold several lines, or be bytes."""
    items: list[str | bytes] = [
        b"event: e\r\n",
        "data: a\rdata: b\n",
        b"\r\n",
        "data: \xff\n\ndata: x\r\n\r\n",
        b"data: \xff\n",
        "",
    ]
    assert list(iter_sse(items)) == [
        SSEMessage("e", "a\nb"),
        SSEMessage(None, "\xff"),
        SSEMessage(None, "x"),
        SSEMessage(None, "\ufffd"),
    ]


def test_iter_text_lines_keeps_crlf_split_across_chunks() -> None:
    """A CRLF split over two chunks is one line break; split UTF-8 characters survive."""
    chunks = [b"data: \xc3", b"\xa9\r", b"\n\r", b"\ndata: x\r", b"\r", b"tail"]
    assert list(iter_text_lines(chunks)) == ["data: \xe9", "", "data: x", "", "tail"]


_field_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n"),
    max_size=12,
)
_events = st.lists(
    st.tuples(
        st.one_of(st.none(), _field_text.filter(lambda name: name != "")),
        st.lists(_field_text, min_size=1, max_size=4),
    ),
    max_size=6,
)


@st.composite
def _serialised(draw: st.DrawFn) -> tuple[list[SSEMessage], list[str]]:
    """Events, and one of many equivalent line-by-line renderings of them."""
    events = draw(_events)
    lines: list[str] = []
    for name, data in events:
        if draw(st.booleans()):
            lines.append(":" + draw(_field_text))
        if name is not None:
            lines.append(f"event: {name}")
        for value in data:
            spaced = value.startswith(" ") or draw(st.booleans())
            lines.append(f"data: {value}" if spaced else f"data:{value}")
        lines.append("")
    expected = [SSEMessage(name, "\n".join(data)) for name, data in events]
    return expected, lines


@settings(max_examples=200, deadline=None)
@given(_serialised(), st.data())
def test_iter_sse_is_independent_of_line_endings_and_splitting(
    case: tuple[list[SSEMessage], list[str]], data: st.DataObject
) -> None:
    """Any terminators (LF/CRLF/CR, kept or stripped) and any chunking give the same events."""
    expected, lines = case
    endings = data.draw(st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=len(lines)))
    for i in range(len(lines) - 1):
        # "\r" then an empty line ended by "\n" is one CRLF in a byte stream, not two breaks.
        if endings[i] == "\r" and lines[i + 1] == "" and endings[i + 1] == "\n":
            endings[i] = "\r\n"
    keep = data.draw(st.booleans())
    items = [line + (endings[i] if keep else "") for i, line in enumerate(lines)]
    assert list(iter_sse(items)) == expected
    # The same stream as bytes, cut at arbitrary points, through the byte-level line splitter.
    raw = "".join(line + endings[i] for i, line in enumerate(lines)).encode("utf-8")
    cuts = sorted(data.draw(st.lists(st.integers(0, len(raw)), max_size=8)))
    chunks = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
    assert list(iter_sse(iter_text_lines(chunks))) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=30), st.binary(max_size=30)), max_size=20))
def test_iter_sse_never_raises(lines: list[str | bytes]) -> None:
    """Arbitrary text or bytes lines parse without raising, into string data."""
    for message in iter_sse(lines):
        assert isinstance(message.data, str)
        assert message.event is None or isinstance(message.event, str)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=20), max_size=10))
def test_iter_text_lines_never_raises_and_keeps_text(chunks: list[bytes]) -> None:
    """Arbitrary byte chunks split into lines without raising; no line holds a CR or LF."""
    for line in iter_text_lines(chunks):
        assert "\r" not in line
        assert "\n" not in line


# --- real HTTP, end to end --------------------------------------------------------------------


class _Recorder(BaseHTTPRequestHandler):
    """Answers /v1/chat/completions and /v1/messages, as JSON or as a slowly written stream."""

    received: list[tuple[str, dict[str, str], dict[str, Any]]]

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length))
        self.received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        if self.path == "/v1/chat/completions":
            if body["model"] == "overloaded":
                self._json(503, {"error": {"message": "server overloaded, try later"}})
            elif body.get("stream"):
                self._stream(
                    _sse_body(
                        (None, _openai_chunk({"content": "Hi "})),
                        (None, _openai_chunk({"content": "there"}, finish="stop")),
                        (None, "[DONE]"),
                        crlf=True,
                    )
                )
            else:
                self._json(200, _openai_answer(content="Hi there"))
        elif self.path == "/v1/messages":
            if body.get("stream"):
                self._stream(_sse_body(*ANTHROPIC_STREAM))
            else:
                self._json(200, _anthropic_answer({"type": "text", "text": "Hi there"}))
        else:
            self._json(404, {"error": "no route"})

    def _json(self, status: int, payload: object) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, text: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        data = text.encode()
        # Odd-sized writes split lines, CRLFs and JSON across TCP segments.
        for start in range(0, len(data), 7):
            self.wfile.write(data[start : start + 7])
            self.wfile.flush()


@pytest.fixture
def local_server() -> Iterator[tuple[str, list[tuple[str, dict[str, str], dict[str, Any]]]]]:
    """A stdlib HTTP server on 127.0.0.1 (ephemeral port) recording what it receives."""
    received: list[tuple[str, dict[str, str], dict[str, Any]]] = []
    handler = type("Handler", (_Recorder,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_openai_over_real_http(
    local_server: tuple[str, list[tuple[str, dict[str, str], dict[str, Any]]]],
) -> None:
    """OpenAICompatible works over a real socket: chat, stream, and a 503 error."""
    base, received = local_server
    request = ChatRequest([Message.user("hello")])
    with OpenAICompatible(f"{base}/v1", "local-key", timeout=10) as provider:
        answer = provider.chat(request, "m")
        events = list(provider.stream(request, "m"))
        with pytest.raises(ProviderHTTPError) as caught:
            provider.chat(request, "overloaded")
    assert answer.text == "Hi there"
    assert answer.usage == Usage(11, 7)
    assert events == [
        StreamEvent("text", text="Hi "),
        StreamEvent("text", text="there"),
        StreamEvent("final", finish_reason="stop"),
    ]
    assert caught.value.status_code == 503
    assert re.match(r"127\.0\.0\.1 API error \(503 Service Unavailable\): ", str(caught.value))
    assert reliable_rules.classify(caught.value).category == "server_error"
    assert [path for path, _, _ in received] == ["/v1/chat/completions"] * 3
    assert received[0][1]["authorization"] == "Bearer local-key"
    assert received[1][2]["stream"] is True


def test_anthropic_over_real_http(
    local_server: tuple[str, list[tuple[str, dict[str, str], dict[str, Any]]]],
) -> None:
    """Anthropic works over a real socket: chat and a stream split into 7-byte writes."""
    base, received = local_server
    request = ChatRequest([Message.system("sys"), Message.user("hello")], tools=[WEATHER_TOOL])
    with Anthropic(base, "local-key", timeout=10) as provider:
        answer = provider.chat(request, "claude")
        events = list(provider.stream(request, "claude"))
    assert answer.text == "Hi there"
    assert events == ANTHROPIC_EVENTS
    assert received[0][0] == "/v1/messages"
    assert received[0][1]["x-api-key"] == "local-key"
    assert received[0][2]["system"] == "sys"
