"""FakeProviderServer: a scripted OpenAI/Anthropic HTTP server, exercised with real `requests`."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from reliable_rules.chat import ToolCall
from reliable_rules.testing.fakeserver import FakeProviderServer, RecordedRequest, Reply

OPENAI_PATH = "/v1/chat/completions"
ANTHROPIC_PATH = "/v1/messages"
CHAT = {"model": "gpt-test", "messages": [{"role": "user", "content": "hi"}]}
TIMEOUT = 5.0


@pytest.fixture
def server() -> Iterator[FakeProviderServer]:
    with FakeProviderServer(name="unit") as fake:
        yield fake


def _openai(server: FakeProviderServer, payload: Any = CHAT, **kwargs: Any) -> requests.Response:
    url = f"{server.openai_base_url}/chat/completions"
    return requests.post(url, json=payload, timeout=TIMEOUT, **kwargs)


def _anthropic(
    server: FakeProviderServer, payload: Any = CHAT, **kwargs: Any
) -> requests.Response:
    url = f"{server.anthropic_base_url}/v1/messages"
    return requests.post(url, json=payload, timeout=TIMEOUT, **kwargs)


def _sse(response: requests.Response) -> list[tuple[str | None, str]]:
    """Parse a text/event-stream body line by line into (event, data) pairs."""
    events: list[tuple[str | None, str]] = []
    name: str | None = None
    data: list[str] = []
    for line in response.iter_lines(decode_unicode=True):
        if line.startswith("event: "):
            name = line[len("event: ") :]
        elif line.startswith("data: "):
            data.append(line[len("data: ") :])
        elif line == "" and (name is not None or data):
            events.append((name, "\n".join(data)))
            name, data = None, []
    return events


def _settle_threads(expected: int, timeout_s: float = 2.0) -> int:
    deadline = time.monotonic() + timeout_s
    while threading.active_count() > expected and time.monotonic() < deadline:
        time.sleep(0.02)
    return threading.active_count()


# -- default answers ---------------------------------------------------------------------------


def test_default_openai_success_shape(server: FakeProviderServer) -> None:
    """An unscripted OpenAI-compatible request gets a chat.completion echoing the model."""
    response = _openai(server)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert int(response.headers["Content-Length"]) == len(response.content)
    body = response.json()
    assert body["id"] == "chatcmpl-fake-1"
    assert body["object"] == "chat.completion"
    assert isinstance(body["created"], int)
    assert body["model"] == "gpt-test"
    assert body["choices"] == [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "ok from unit"},
            "finish_reason": "stop",
        }
    ]
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["prompt_tokens"] > 0
    assert usage["completion_tokens"] > 0


def test_default_openai_success_on_the_unversioned_path(server: FakeProviderServer) -> None:
    """POST /chat/completions (no /v1) is an OpenAI-compatible route too."""
    response = requests.post(f"{server.url}/chat/completions", json=CHAT, timeout=TIMEOUT)
    assert response.json()["object"] == "chat.completion"
    assert server.requests[0].path == "/chat/completions"


def test_default_anthropic_success_shape(server: FakeProviderServer) -> None:
    """An unscripted Anthropic request gets a message with one text block and end_turn."""
    body = _anthropic(server, {"model": "claude-test", "max_tokens": 5}).json()
    assert body["id"] == "msg_fake_1"
    assert (body["type"], body["role"], body["model"]) == ("message", "assistant", "claude-test")
    assert body["content"] == [{"type": "text", "text": "ok from unit"}]
    assert (body["stop_reason"], body["stop_sequence"]) == ("end_turn", None)
    assert set(body["usage"]) == {"input_tokens", "output_tokens"}


def test_default_bodies_carry_text_and_tool_calls(server: FakeProviderServer) -> None:
    """Reply.ok(text, tool_calls) fills both shapes; tools switch the finish/stop reason."""
    call = ToolCall(id="call_1", name="lookup", arguments='{"q": "x"}')
    server.script(Reply.ok("thinking", tool_calls=[call]), path=OPENAI_PATH)
    server.script(Reply.ok("thinking", tool_calls=[call]), path=ANTHROPIC_PATH)
    choice = _openai(server).json()["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] == "thinking"
    assert choice["message"]["tool_calls"] == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "lookup", "arguments": '{"q": "x"}'},
        }
    ]
    message = _anthropic(server).json()
    assert message["stop_reason"] == "tool_use"
    assert message["content"] == [
        {"type": "text", "text": "thinking"},
        {"type": "tool_use", "id": "call_1", "name": "lookup", "input": {"q": "x"}},
    ]


def test_tool_calls_without_text_have_no_text(server: FakeProviderServer) -> None:
    """With tool calls and no text, OpenAI content is null and Anthropic has no text block."""
    call = ToolCall(id="c", name="f")
    server.script(Reply.ok(tool_calls=[call]), Reply.ok(tool_calls=[call]))
    assert _openai(server).json()["choices"][0]["message"]["content"] is None
    assert [block["type"] for block in _anthropic(server).json()["content"]] == ["tool_use"]


def test_server_default_reply_answers_unscripted_requests() -> None:
    """The `default` reply answers every request no scripted reply matches."""
    with FakeProviderServer(default=Reply.openai_error(503, "down")) as fake:
        fake.script(Reply.ok("once"))
        assert _openai(fake).status_code == 200
        assert _openai(fake).status_code == 503
        assert _openai(fake).json()["error"]["message"] == "down"


# -- scripting -----------------------------------------------------------------------------------


def test_scripted_replies_are_consumed_in_order(server: FakeProviderServer) -> None:
    """Scripted replies answer requests first in, first out, then the default takes over."""
    server.script(Reply.openai_error(429, "slow"), Reply.error(500), Reply.ok("third"))
    server.script(Reply.ok("fourth"))
    assert server.pending == 4
    statuses = [_openai(server) for _ in range(5)]
    assert [r.status_code for r in statuses] == [429, 500, 200, 200, 200]
    texts = [r.json()["choices"][0]["message"]["content"] for r in statuses[2:]]
    assert texts == ["third", "fourth", "ok from unit"]
    assert server.pending == 0


def test_path_filter_picks_the_first_matching_reply(server: FakeProviderServer) -> None:
    """A path-filtered reply only answers that path; others skip it and keep their order."""
    server.script(Reply.ok("for anthropic"), path=ANTHROPIC_PATH)
    server.script(Reply.ok("for openai"), path=OPENAI_PATH)
    assert _openai(server).json()["choices"][0]["message"]["content"] == "for openai"
    assert _anthropic(server).json()["content"][0]["text"] == "for anthropic"
    assert server.pending == 0


def test_model_filter_matches_the_json_model_field(server: FakeProviderServer) -> None:
    """A model-filtered reply answers only requests whose JSON body names that model."""
    server.script(Reply.error(529), model="big")
    server.script(Reply.ok("small one"), model="small")
    small = _openai(server, {**CHAT, "model": "small"})
    other = _openai(server, {**CHAT, "model": "other"})
    big = _anthropic(server, {"model": "big"})
    assert small.json()["choices"][0]["message"]["content"] == "small one"
    assert other.json()["choices"][0]["message"]["content"] == "ok from unit"
    assert big.status_code == 529
    assert big.json()["error"]["type"] == "overloaded_error"


def test_clear_forgets_requests_and_pending_replies(server: FakeProviderServer) -> None:
    """clear() empties the recorded requests and drops replies not yet taken."""
    server.script(Reply.error(500))
    _openai(server)
    server.script(Reply.error(500))
    server.clear()
    assert (server.requests, server.pending) == ([], 0)
    assert _openai(server).status_code == 200


def test_script_rejects_non_replies(server: FakeProviderServer) -> None:
    """script() refuses anything that is not a Reply."""
    with pytest.raises(TypeError, match="Reply"):
        server.script({"status": 500})  # type: ignore[arg-type]


def test_reply_sse_must_be_a_sequence_of_events() -> None:
    """A bare string for sse is refused rather than streamed one character per event."""
    with pytest.raises(TypeError, match="sequence of events"):
        Reply(sse="data")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": 99}, "status"),
        ({"status": 600}, "status"),
        ({"delay_s": -1}, "negative"),
        ({"sse_drop_after": -1}, "negative"),
        ({"body": "x", "sse": ["y"]}, "not both"),
    ],
)
def test_reply_validates_its_fields(kwargs: dict[str, Any], message: str) -> None:
    """Reply rejects impossible statuses, negative delays and a body together with sse."""
    with pytest.raises(ValueError, match=message):
        Reply(**kwargs)


# -- status, headers and bodies ------------------------------------------------------------------


def test_status_and_headers_are_sent_verbatim(server: FakeProviderServer) -> None:
    """Reply headers and status reach the client unchanged."""
    headers = {"Retry-After": "120", "retry-after-ms": "1500", "x-should-retry": "false"}
    server.script(Reply.openai_error(429, "rate limited", headers=headers))
    response = _openai(server)
    assert response.status_code == 429
    for name, value in headers.items():
        assert response.headers[name] == value


@pytest.mark.parametrize(
    ("body", "content", "content_type"),
    [
        ({"a": [1, 2]}, b'{"a":[1,2]}', "application/json"),
        ([1, "x"], b'[1,"x"]', "application/json"),
        ("plain words \u00e9", "plain words \u00e9".encode(), "text/plain; charset=utf-8"),
        (b"\x00\xffraw", b"\x00\xffraw", "application/octet-stream"),
    ],
)
def test_bodies_are_encoded_by_type(
    server: FakeProviderServer, body: Any, content: bytes, content_type: str
) -> None:
    """Mappings and lists go out as JSON, str as UTF-8 text, bytes verbatim."""
    server.script(Reply.error(502, body))
    response = _openai(server)
    assert response.status_code == 502
    assert response.content == content
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Length"] == str(len(content))


def test_content_type_header_overrides_the_computed_one(server: FakeProviderServer) -> None:
    """A Content-Type in Reply.headers replaces the one the server would pick."""
    server.script(Reply.error(503, "<html>busy</html>", headers={"Content-Type": "text/html"}))
    response = _openai(server)
    assert response.headers["Content-Type"] == "text/html"
    assert response.text == "<html>busy</html>"


def test_error_helpers_build_provider_shapes(server: FakeProviderServer) -> None:
    """openai_error/anthropic_error build the providers' error JSON."""
    server.script(Reply.openai_error(400, "bad", type="invalid_request_error", code="x"))
    server.script(Reply.anthropic_error(529, "overloaded_error", "Overloaded"))
    assert _openai(server).json() == {
        "error": {"message": "bad", "type": "invalid_request_error", "param": None, "code": "x"}
    }
    assert _anthropic(server).json() == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
    }


def test_error_without_body_uses_the_route_shape(server: FakeProviderServer) -> None:
    """An error status without a body answers with an error in the called route's shape."""
    server.script(Reply.error(429), Reply.error(429))
    openai_error = _openai(server).json()["error"]
    assert openai_error["type"] == "requests"
    assert openai_error["code"] == "rate_limit_exceeded"
    assert _anthropic(server).json()["error"]["type"] == "rate_limit_error"


# -- timing and failures ---------------------------------------------------------------------------


def test_delay_is_honoured(server: FakeProviderServer) -> None:
    """A reply with delay_s answers no sooner than the delay."""
    server.script(Reply.ok("late", delay_s=0.3))
    started = time.monotonic()
    response = _openai(server)
    assert time.monotonic() - started >= 0.3
    assert response.json()["choices"][0]["message"]["content"] == "late"


def test_close_interrupts_a_hanging_request_quickly() -> None:
    """close() wakes a handler in a long hang at once; the client sees a connection error."""
    fake = FakeProviderServer().start()
    fake.script(Reply.hang(30))
    errors: list[BaseException] = []

    def call() -> None:
        try:
            _openai(fake)
        except requests.exceptions.ConnectionError as exc:
            errors.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    fake.wait_for_requests(1)
    started = time.monotonic()
    fake.close()
    assert time.monotonic() - started < 1.0
    caller.join(2.0)
    assert not caller.is_alive()
    assert len(errors) == 1


def test_drop_closes_without_a_response(server: FakeProviderServer) -> None:
    """drop=True makes requests raise ConnectionError (remote end closed without response)."""
    server.script(Reply(drop=True), Reply.disconnect(delay_s=0.05))
    for _ in range(2):
        with pytest.raises(requests.exceptions.ConnectionError):
            _openai(server)
    assert len(server.requests) == 2
    assert _openai(server).status_code == 200


# -- streaming -------------------------------------------------------------------------------------


def test_openai_stream_helper(server: FakeProviderServer) -> None:
    """Reply.stream_openai streams chunk objects with content deltas, then data: [DONE]."""
    server.script(Reply.stream_openai(["Hel", "lo"], include_usage=True))
    response = _openai(server, stream=True)
    assert response.headers["Content-Type"].startswith("text/event-stream")
    assert "Content-Length" not in response.headers
    events = _sse(response)
    assert events[-1] == (None, "[DONE]")
    chunks = [json.loads(data) for _, data in events[:-1]]
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    deltas = [c["choices"][0]["delta"].get("content") for c in chunks if c["choices"]]
    assert "".join(d for d in deltas if d) == "Hello"
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] >= 1


def test_openai_stream_helper_with_tool_calls(server: FakeProviderServer) -> None:
    """Streamed tool calls arrive as id/name then arguments deltas with finish tool_calls."""
    call = ToolCall(id="call_9", name="add", arguments='{"a":1}')
    server.script(Reply.stream_openai(tool_calls=[call]))
    chunks = [json.loads(data) for _, data in _sse(_openai(server, stream=True))[:-1]]
    calls = [c["choices"][0]["delta"]["tool_calls"][0] for c in chunks[1:-1]]
    assert calls[0] == {"index": 0, "id": "call_9", "type": "function", "function": {"name": "add"}}
    assert calls[1] == {"index": 0, "function": {"arguments": '{"a":1}'}}
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_default_answer_streams_when_the_request_asks(server: FakeProviderServer) -> None:
    """A request with "stream": true gets the default answer as an OpenAI chunk stream."""
    server.script(Reply.ok("one two three"))
    events = _sse(_openai(server, {**CHAT, "stream": True}, stream=True))
    assert events[-1] == (None, "[DONE]")
    chunks = [json.loads(data) for _, data in events[:-1]]
    assert {chunk["id"] for chunk in chunks} == {"chatcmpl-fake-1"}
    assert {chunk["model"] for chunk in chunks} == {"gpt-test"}
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == "one two three"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert server.requests[0].stream is True


def test_anthropic_stream_helper(server: FakeProviderServer) -> None:
    """Reply.stream_anthropic streams the Messages event sequence with event: lines."""
    server.script(Reply.stream_anthropic(["Hi", " there"]))
    events = _sse(_anthropic(server, stream=True))
    names = [name for name, _ in events]
    assert names == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    payloads = [json.loads(data) for _, data in events]
    assert [p["type"] for p in payloads] == names
    text = "".join(p["delta"]["text"] for p in payloads if p["type"] == "content_block_delta")
    assert text == "Hi there"
    assert payloads[5]["delta"]["stop_reason"] == "end_turn"


def test_default_anthropic_answer_streams_with_tools(server: FakeProviderServer) -> None:
    """A streaming Anthropic request gets text and tool_use blocks and stop_reason tool_use."""
    call = ToolCall(id="tu_1", name="get", arguments='{"k":2}')
    server.script(Reply.ok("ok", tool_calls=[call]))
    payloads = [json.loads(d) for _, d in _sse(_anthropic(server, {"stream": True}, stream=True))]
    starts = [p["content_block"]["type"] for p in payloads if p["type"] == "content_block_start"]
    assert starts == ["text", "tool_use"]
    deltas = [p["delta"] for p in payloads if p["type"] == "content_block_delta"]
    assert deltas[-1] == {"type": "input_json_delta", "partial_json": '{"k":2}'}
    assert payloads[0]["message"]["id"] == "msg_fake_1"
    assert payloads[-2]["delta"]["stop_reason"] == "tool_use"
    assert payloads[-1] == {"type": "message_stop"}


def test_custom_sse_items_are_encoded_by_type(server: FakeProviderServer) -> None:
    """sse items: str -> data lines, mapping -> JSON, (event, data) -> event line, bytes raw."""
    server.script(
        Reply(sse=["two\nlines", {"k": 1}, ("ping", {"type": "ping"}), b": comment\n\n", "end"])
    )
    response = _openai(server, stream=True)
    lines = list(response.iter_lines(decode_unicode=True))
    assert lines == [
        "data: two",
        "data: lines",
        "",
        'data: {"k":1}',
        "",
        "event: ping",
        'data: {"type":"ping"}',
        "",
        ": comment",
        "",
        "data: end",
        "",
    ]


def test_sse_delay_is_honoured_between_events(server: FakeProviderServer) -> None:
    """sse_delay_s spaces the events out (none before the first)."""
    server.script(Reply(sse=["a", "b", "c"], sse_delay_s=0.1))
    started = time.monotonic()
    assert [data for _, data in _sse(_openai(server, stream=True))] == ["a", "b", "c"]
    assert time.monotonic() - started >= 0.2


def test_sse_drop_after_fails_mid_stream(server: FakeProviderServer) -> None:
    """sse_drop_after sends that many events and then breaks the stream (ChunkedEncodingError)."""
    server.script(Reply.stream_openai(["a", "b", "c"], sse_drop_after=2))
    response = _openai(server, stream=True)
    assert response.status_code == 200
    received: list[str] = []
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        received.extend(line for line in response.iter_lines(decode_unicode=True) if line)
    assert len(received) == 2


def test_sse_drop_after_applies_to_the_default_stream(server: FakeProviderServer) -> None:
    """A Reply with sse_drop_after also cuts the default stream of a streaming request."""
    server.script(Reply(sse_drop_after=1))
    response = _anthropic(server, {"stream": True}, stream=True)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        list(response.iter_lines())


# -- recording -------------------------------------------------------------------------------------


def test_requests_are_recorded_with_api_keys(server: FakeProviderServer) -> None:
    """Recorded requests carry method, path, lower-case headers, JSON, model and api_key."""
    _openai(server, headers={"Authorization": "Bearer sk-one", "X-Trace": "t1"})
    _anthropic(server, {"model": "claude"}, headers={"x-api-key": "ant-two"})
    requests.post(
        f"{server.url}/v1/messages?key=q-three", data=b"{not json", timeout=TIMEOUT
    ).raise_for_status()
    first, second, third = server.requests
    assert isinstance(first, RecordedRequest)
    assert (first.method, first.path, first.model, first.api_key) == (
        "POST",
        OPENAI_PATH,
        "gpt-test",
        "sk-one",
    )
    assert first.headers["x-trace"] == "t1"
    assert first.json == CHAT
    assert json.loads(first.body) == CHAT
    assert first.stream is False
    assert (second.model, second.api_key) == ("claude", "ant-two")
    assert (third.json, third.model, third.body) == (None, None, b"{not json")
    assert (third.query, third.api_key) == ("key=q-three", "q-three")


def test_goog_api_key_header_is_recognised(server: FakeProviderServer) -> None:
    """x-goog-api-key is read as the api_key when there is no Bearer or x-api-key."""
    _openai(server, headers={"x-goog-api-key": "g-key"})
    assert server.requests[0].api_key == "g-key"


def test_bad_json_is_answered_by_the_scripted_reply(server: FakeProviderServer) -> None:
    """A body that is not JSON is still recorded and takes the next scripted reply."""
    server.script(Reply.error(400, {"error": "bad json"}))
    response = requests.post(
        f"{server.openai_base_url}/chat/completions", data="nope", timeout=TIMEOUT
    )
    assert (response.status_code, response.json()) == (400, {"error": "bad json"})
    assert server.requests[0].json is None


def test_unknown_path_is_404_and_recorded(server: FakeProviderServer) -> None:
    """An unknown path gets a 404 OpenAI-style error and is recorded; /health is not."""
    server.script(Reply.ok("kept for the provider route"))
    response = requests.post(f"{server.url}/v2/whatever", json=CHAT, timeout=TIMEOUT)
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "invalid_request_error"
    health = requests.get(f"{server.url}/health", timeout=TIMEOUT)
    assert (health.status_code, health.text) == (200, "ok")
    assert [r.path for r in server.requests] == ["/v2/whatever"]
    assert server.pending == 1


def test_a_reply_scripted_for_an_unknown_path_answers_it(server: FakeProviderServer) -> None:
    """A reply with an explicit path can answer a path the server has no route for."""
    server.script(Reply(body={"candidates": []}), path="/v1beta/models/g:generateContent")
    response = requests.post(
        f"{server.url}/v1beta/models/g:generateContent", json={}, timeout=TIMEOUT
    )
    assert (response.status_code, response.json()) == (200, {"candidates": []})


def test_wrong_method_on_a_route_is_405(server: FakeProviderServer) -> None:
    """GET on a provider route is recorded and answered 405."""
    assert requests.get(f"{server.url}{OPENAI_PATH}", timeout=TIMEOUT).status_code == 405
    assert server.requests[0].method == "GET"


def test_wait_for_requests_returns_or_times_out(server: FakeProviderServer) -> None:
    """wait_for_requests returns once enough requests arrived and raises TimeoutError if not."""
    def late_call() -> None:
        time.sleep(0.05)
        _openai(server)

    caller = threading.Thread(target=late_call)
    caller.start()
    assert len(server.wait_for_requests(1, timeout_s=2.0)) == 1
    caller.join(TIMEOUT)
    with pytest.raises(TimeoutError, match="expected 2 requests"):
        server.wait_for_requests(2, timeout_s=0.05)


def test_concurrent_requests_are_each_answered_and_recorded_once(
    server: FakeProviderServer,
) -> None:
    """16 threads x 10 requests: every one answered, recorded once, each reply used once."""
    server.script(*(Reply.ok(f"reply-{i}") for i in range(160)))
    answers: list[str] = []
    lock = threading.Lock()

    def worker(worker_id: int) -> None:
        with requests.Session() as session:
            for n in range(10):
                payload = {"model": "m", "messages": [], "tag": f"{worker_id}-{n}"}
                url = f"{server.openai_base_url}/chat/completions"
                body = session.post(url, json=payload, timeout=TIMEOUT).json()
                with lock:
                    answers.append(body["choices"][0]["message"]["content"])

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10.0)
    assert sorted(answers) == sorted(f"reply-{i}" for i in range(160))
    tags = [request.json["tag"] for request in server.requests]
    assert sorted(tags) == sorted(f"{w}-{n}" for w in range(16) for n in range(10))
    assert server.pending == 0


# -- lifecycle -------------------------------------------------------------------------------------


def test_no_thread_leak_after_close() -> None:
    """After close(), the thread count returns to its value before start."""
    before = threading.active_count()
    fake = FakeProviderServer().start()
    session = requests.Session()  # keeps an idle keep-alive connection open
    assert session.post(f"{fake.openai_base_url}/chat/completions", json=CHAT).ok
    fake.script(Reply.hang(30))
    errors: list[BaseException] = []

    def hang() -> None:
        try:
            _openai(fake)
        except requests.exceptions.ConnectionError as exc:
            errors.append(exc)

    caller = threading.Thread(target=hang)
    caller.start()
    fake.wait_for_requests(2)
    fake.close()
    caller.join(2.0)
    session.close()
    assert len(errors) == 1
    assert _settle_threads(before) == before


def test_context_manager_closes_the_server() -> None:
    """Leaving the with block stops the server: new connections are refused."""
    with FakeProviderServer() as fake:
        url = f"{fake.openai_base_url}/chat/completions"
        assert fake.openai_base_url == f"{fake.url}/v1"
        assert fake.anthropic_base_url == fake.url
        assert fake.url == f"http://127.0.0.1:{fake.port}"
        assert requests.post(url, json=CHAT, timeout=TIMEOUT).ok
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(url, json=CHAT, timeout=TIMEOUT)


def test_close_is_idempotent_and_final() -> None:
    """close() may be called twice (or before start); a closed server cannot restart."""
    never_started = FakeProviderServer()
    with pytest.raises(RuntimeError, match="not started"):
        _ = never_started.url
    never_started.close()
    fake = FakeProviderServer()
    assert fake.start() is fake.start()
    fake.close()
    fake.close()
    with pytest.raises(RuntimeError, match="closed"):
        fake.start()
