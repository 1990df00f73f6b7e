"""A scripted fake LLM provider: a real HTTP server on loopback for tests.

:class:`FakeProviderServer` listens on ``127.0.0.1`` (a random free port) in a background
thread and speaks the OpenAI-compatible (``POST /v1/chat/completions`` and
``POST /chat/completions``) and Anthropic (``POST /v1/messages``) wire shapes. Each request
takes the next :class:`Reply` scripted for it, so a test can say "first a 429 with
``Retry-After: 2``, then a dropped connection, then a success" and watch a real HTTP client
retry through it; every request is recorded as a :class:`RecordedRequest`.

Example::

    with FakeProviderServer() as server:
        server.script(Reply.openai_error(429, "slow down", headers={"Retry-After": "1"}))
        server.script(Reply.ok(text="hello"))
        first = requests.post(f"{server.openai_base_url}/chat/completions", json=payload)
        second = requests.post(f"{server.openai_base_url}/chat/completions", json=payload)
        assert (first.status_code, second.json()["choices"][0]["message"]["content"]) == (
            429,
            "hello",
        )
        assert len(server.requests) == 2

Delays (:attr:`Reply.delay_s`, :attr:`Reply.sse_delay_s`) wait on an event that
:meth:`FakeProviderServer.close` sets, so closing the server ends every hanging handler at
once (their connections are dropped without a response) and no thread outlives the server.
"""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from reliable_rules.chat import ToolCall
from reliable_rules.testing import _wire as wire
from reliable_rules.testing._wire import SSEEvent

__all__ = ["FakeProviderServer", "RecordedRequest", "Reply", "SSEEvent"]

_OPENAI = "openai"
_ANTHROPIC = "anthropic"
_ROUTES: Mapping[str, str] = {
    "/v1/chat/completions": _OPENAI,
    "/chat/completions": _OPENAI,
    "/v1/messages": _ANTHROPIC,
}
_DEFAULT_MODEL = "fake-model"
_JSON_TYPE = "application/json"
_NO_BODY_STATUSES = frozenset({204, 304})
# How long close() waits for handler threads after waking them; they normally end at once.
_CLOSE_JOIN_S = 2.0
# Idle keep-alive connections are closed after this long even if close() is never called.
_IDLE_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Reply:
    """How the server answers one request.

    With neither ``body`` nor ``sse``, a 2xx reply answers with a success body in the shape
    of the route that was called (an OpenAI ``chat.completion`` or an Anthropic ``message``)
    carrying ``text`` and ``tool_calls``; when the request asked for ``"stream": true`` that
    answer is streamed as Server-Sent Events in the route's streaming shape instead. A 4xx/5xx
    reply without a body answers with an error body in the route's shape.

    Attributes:
        status: The HTTP status code (200-599).
        headers: Response headers, sent verbatim (``Retry-After``, ``retry-after-ms``,
            ``x-should-retry``...). A ``Content-Type`` or ``Content-Length`` here replaces
            the one the server would compute.
        body: The response body. A mapping or list is sent as JSON
            (``application/json``), a ``str`` as UTF-8 text (``text/plain``), ``bytes``
            verbatim (``application/octet-stream``); None means the default body described
            above.
        delay_s: Seconds to wait before answering. :meth:`FakeProviderServer.close` cuts the
            wait short and the connection is then dropped without a response.
        drop: Close the connection without sending any HTTP response (after ``delay_s``);
            clients see a "remote end closed connection" error.
        sse: Stream these events as ``text/event-stream`` (chunked, then ``Connection:
            close``) instead of a body; see :data:`SSEEvent` for how each item is written.
        sse_delay_s: Seconds to wait between two events.
        sse_drop_after: Send only this many events, then close the connection without
            ending the chunked response (a mid-stream failure; ``requests`` raises
            ``ChunkedEncodingError`` while iterating). Also applies to the default stream.
        text: The assistant text of the default success body. None means
            ``"ok from <server name>"`` when there are no ``tool_calls``, and no text when
            there are.
        tool_calls: Tool calls of the default success body.
    """

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | bytes | Mapping[str, Any] | list[Any] | None = None
    delay_s: float = 0.0
    drop: bool = False
    sse: Sequence[SSEEvent] | None = None
    sse_delay_s: float = 0.0
    sse_drop_after: int | None = None
    text: str | None = None
    tool_calls: Sequence[ToolCall] = ()

    def __post_init__(self) -> None:
        if not 200 <= self.status <= 599:
            raise ValueError(f"Reply.status must be 200..599, got {self.status}")
        if self.delay_s < 0 or self.sse_delay_s < 0:
            raise ValueError("Reply delays must not be negative")
        if self.sse_drop_after is not None and self.sse_drop_after < 0:
            raise ValueError("Reply.sse_drop_after must not be negative")
        if self.body is not None and self.sse is not None:
            raise ValueError("Reply takes a body or sse events, not both")
        if isinstance(self.sse, (str, bytes)):
            raise TypeError("Reply.sse is a sequence of events, not one str or bytes")
        object.__setattr__(self, "headers", dict(self.headers))
        object.__setattr__(self, "tool_calls", tuple(self.tool_calls))
        if self.sse is not None:
            object.__setattr__(self, "sse", tuple(self.sse))

    @classmethod
    def ok(
        cls,
        text: str | None = None,
        *,
        tool_calls: Sequence[ToolCall] = (),
        headers: Mapping[str, str] | None = None,
        delay_s: float = 0.0,
    ) -> Reply:
        """A 200 with the default success body (streamed if the request asked to stream)."""
        return cls(headers=headers or {}, delay_s=delay_s, text=text, tool_calls=tool_calls)

    @classmethod
    def error(
        cls,
        status: int,
        body: str | bytes | Mapping[str, Any] | list[Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """An error status with ``body`` (None: an error body in the route's shape)."""
        return cls(status=status, headers=headers or {}, body=body)

    @classmethod
    def openai_error(
        cls,
        status: int,
        message: str,
        *,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """An OpenAI-style error: ``{"error": {"message", "type", "param", "code"}}``.

        ``type`` defaults from the status (``requests`` for 429, ``server_error`` for 5xx,
        ``invalid_request_error`` otherwise); ``code`` is kept as given (None → ``null``).
        """
        error_type = type if type is not None else wire.openai_error_type(status)[0]
        body = wire.openai_error_body(message, error_type, code, param)
        return cls(status=status, headers=headers or {}, body=body)

    @classmethod
    def anthropic_error(
        cls,
        status: int,
        type: str,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """An Anthropic-style error: ``{"type": "error", "error": {"type", "message"}}``."""
        body = wire.anthropic_error_body(type, message)
        return cls(status=status, headers=headers or {}, body=body)

    @classmethod
    def hang(cls, seconds: float) -> Reply:
        """Wait ``seconds`` (or until the server closes), then answer the default 200."""
        return cls(delay_s=seconds)

    @classmethod
    def disconnect(cls, *, delay_s: float = 0.0) -> Reply:
        """Close the connection without any HTTP response (after ``delay_s``)."""
        return cls(drop=True, delay_s=delay_s)

    @classmethod
    def stream_openai(
        cls,
        texts: Sequence[str] = (),
        *,
        tool_calls: Sequence[ToolCall] = (),
        model: str = _DEFAULT_MODEL,
        include_usage: bool = False,
        headers: Mapping[str, str] | None = None,
        sse_delay_s: float = 0.0,
        sse_drop_after: int | None = None,
    ) -> Reply:
        """An OpenAI ``chat.completion.chunk`` stream.

        One chunk with the assistant role, one ``delta.content`` chunk per item of ``texts``,
        two chunks per tool call (id and name, then the arguments), a chunk with
        ``finish_reason`` (``tool_calls`` if any, else ``stop``), a usage chunk with empty
        ``choices`` if ``include_usage``, then ``data: [DONE]``.
        """
        usage = wire.usage(0, "".join(texts), tool_calls) if include_usage else None
        events = wire.openai_stream(
            "chatcmpl-fake-stream",
            model,
            created=int(time.time()),
            pieces=list(texts),
            tool_calls=tool_calls,
            usage=usage,
        )
        return cls(
            headers=headers or {},
            sse=events,
            sse_delay_s=sse_delay_s,
            sse_drop_after=sse_drop_after,
        )

    @classmethod
    def stream_anthropic(
        cls,
        texts: Sequence[str] = (),
        *,
        tool_calls: Sequence[ToolCall] = (),
        model: str = _DEFAULT_MODEL,
        headers: Mapping[str, str] | None = None,
        sse_delay_s: float = 0.0,
        sse_drop_after: int | None = None,
    ) -> Reply:
        """An Anthropic Messages stream.

        ``message_start``; a text block (``content_block_start``, one ``text_delta`` per item
        of ``texts``, ``content_block_stop``) when ``texts`` is not empty; a ``tool_use`` block
        with one ``input_json_delta`` per tool call; ``message_delta`` (``stop_reason``
        ``tool_use`` or ``end_turn``, usage); ``message_stop``. Each is ``event: <type>``.
        """
        usage = wire.usage(0, "".join(texts), tool_calls)
        pieces = list(texts) if texts or not tool_calls else None
        events = wire.anthropic_stream("msg_fake_stream", model, pieces, tool_calls, usage)
        return cls(
            headers=headers or {},
            sse=events,
            sse_delay_s=sse_delay_s,
            sse_drop_after=sse_drop_after,
        )


@dataclass(frozen=True)
class RecordedRequest:
    """A request the server received (everything but ``GET /health``).

    Attributes:
        method: The HTTP method (``POST``).
        path: The request path without the query string (``/v1/chat/completions``).
        headers: Request headers with lower-case names (repeated headers joined by ``", "``).
        body: The raw request body.
        json: The body parsed as JSON, or None when it is empty or not valid JSON.
        model: The ``model`` field of a JSON object body, or None.
        api_key: The key from ``Authorization: Bearer <key>``, else ``x-api-key``, else
            ``x-goog-api-key``, else a ``key`` query parameter; None when there is none.
        stream: Whether the JSON body has ``"stream": true``.
        query: The raw query string (``""`` when there is none).
    """

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    json: Any
    model: str | None
    api_key: str | None
    stream: bool
    query: str = ""


def _api_key(headers: Mapping[str, str], query: str) -> str | None:
    authorization = headers.get("authorization", "")
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    for name in ("x-api-key", "x-goog-api-key"):
        if headers.get(name):
            return headers[name]
    keys = parse_qs(query).get("key")
    return keys[0] if keys else None


def _record(method: str, target: str, raw_headers: Any, body: bytes) -> RecordedRequest:
    split = urlsplit(target)
    headers: dict[str, str] = {}
    for name, value in raw_headers.items():
        key = str(name).lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else str(value)
    parsed: Any = None
    if body.strip():
        with contextlib.suppress(ValueError):
            parsed = json.loads(body)
    model = parsed.get("model") if isinstance(parsed, dict) else None
    return RecordedRequest(
        method=method,
        path=split.path,
        headers=headers,
        body=body,
        json=parsed,
        model=model if isinstance(model, str) else None,
        api_key=_api_key(headers, split.query),
        stream=isinstance(parsed, dict) and parsed.get("stream") is True,
        query=split.query,
    )


@dataclass(frozen=True)
class _Scripted:
    reply: Reply
    path: str | None
    model: str | None

    def matches(self, request: RecordedRequest, *, routed: bool) -> bool:
        if self.path is None:
            if not routed:
                return False
        elif self.path != request.path:
            return False
        return self.model is None or self.model == request.model


class _HTTPServer(ThreadingHTTPServer):
    """The stdlib threading server, tracking its connections so close() can end them."""

    daemon_threads = True
    block_on_close = False  # close() wakes and joins the handler threads itself
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops SYNs under a burst of concurrent clients,
    # which then retry after a second.
    request_queue_size = 128

    def __init__(self, owner: FakeProviderServer) -> None:
        self.owner = owner
        self.connections: dict[threading.Thread, socket.socket] = {}
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) that can be slow.
        socketserver.TCPServer.server_bind(self)
        self.server_name = "127.0.0.1"
        self.server_port = int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"FakeProviderServer[{self.owner.name}] connection",
            daemon=True,
        )
        with self.connections_lock:
            self.connections[thread] = request
        thread.start()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.connections_lock:
                self.connections.pop(threading.current_thread(), None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up (resets, broken pipes, timeouts) are normal here; anything
        # else is a bug in the fake and is printed by the default handler.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)

    def wake_connections(self) -> list[threading.Thread]:
        """Shut down every open connection so blocked handlers return; the handler threads."""
        with self.connections_lock:
            items = list(self.connections.items())
        for _, connection in items:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        return [thread for thread, _ in items]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeProviderServer/1"
    timeout = _IDLE_TIMEOUT_S
    disable_nagle_algorithm = True  # headers and body are separate writes
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default per-request logging to stderr."""

    def do_GET(self) -> None:
        """Health check, or a recorded request like any other method."""
        if urlsplit(self.path).path == "/health":
            self._send(200, {}, b"ok", "text/plain; charset=utf-8")
            return
        self._dispatch()

    def do_POST(self) -> None:
        """The provider routes."""
        self._dispatch()

    do_PUT = do_PATCH = do_DELETE = do_POST

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        owner = self.server.owner
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            return
        request = _record(self.command, self.path, self.headers, body)
        shape = _ROUTES.get(request.path) if self.command == "POST" else None
        reply, number = owner._accept(request, routed=shape is not None)
        try:
            if reply is None:
                self._unrouted(request)
            else:
                self._answer(reply, shape or _OPENAI, request, number)
        except OSError:  # the client went away mid-answer
            self.close_connection = True

    def _unrouted(self, request: RecordedRequest) -> None:
        if request.path in _ROUTES:
            status, message = 405, f"method {request.method} is not allowed on {request.path}"
        else:
            status, message = 404, f"unknown path {request.path}"
        body = wire.openai_error_body(message, "invalid_request_error", None)
        self._send(status, {}, wire.dumps(body).encode(), _JSON_TYPE)

    def _answer(self, reply: Reply, shape: str, request: RecordedRequest, number: int) -> None:
        owner = self.server.owner
        if reply.delay_s > 0 and owner._stopping.wait(reply.delay_s):
            self.close_connection = True
            return
        if reply.drop:
            self.close_connection = True
            return
        if reply.sse is not None:
            self._stream(reply, reply.sse)
            return
        if reply.body is not None:
            payload, content_type = _encode_body(reply.body)
            self._send(reply.status, reply.headers, payload, content_type)
            return
        model = request.model or _DEFAULT_MODEL
        if reply.status >= 400:
            message = f"fake error {reply.status} from {owner.name}"
            error: dict[str, Any]
            if shape == _ANTHROPIC:
                error = wire.anthropic_error_body(wire.anthropic_error_type(reply.status), message)
            else:
                error = wire.openai_error_body(message, *wire.openai_error_type(reply.status))
            self._send(reply.status, reply.headers, wire.dumps(error).encode(), _JSON_TYPE)
            return
        text = reply.text
        if text is None and not reply.tool_calls:
            text = f"ok from {owner.name}"
        usage = wire.usage(max(1, len(request.body) // 4), text or "", reply.tool_calls)
        if request.stream:
            events: list[SSEEvent]
            if shape == _ANTHROPIC:
                pieces = wire.pieces(text) if text is not None else None
                events = wire.anthropic_stream(
                    f"msg_fake_{number}", model, pieces, reply.tool_calls, usage
                )
            else:
                body = request.json
                options = body.get("stream_options") if isinstance(body, dict) else None
                wants_usage = isinstance(options, dict) and options.get("include_usage") is True
                events = wire.openai_stream(
                    f"chatcmpl-fake-{number}",
                    model,
                    created=int(time.time()),
                    pieces=wire.pieces(text or ""),
                    tool_calls=reply.tool_calls,
                    usage=usage if wants_usage else None,
                )
            self._stream(reply, events)
            return
        if shape == _ANTHROPIC:
            document = wire.anthropic_message(
                f"msg_fake_{number}", model, text, reply.tool_calls, usage
            )
        else:
            document = wire.openai_completion(
                f"chatcmpl-fake-{number}", model, text, reply.tool_calls, usage
            )
        self._send(reply.status, reply.headers, wire.dumps(document).encode(), _JSON_TYPE)

    def _send(
        self, status: int, headers: Mapping[str, str], payload: bytes, content_type: str
    ) -> None:
        names = {name.lower() for name in headers}
        self.send_response(status)
        if status in _NO_BODY_STATUSES:
            payload = b""
        else:
            if "content-type" not in names:
                self.send_header("Content-Type", content_type)
            if "content-length" not in names:
                self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    def _stream(self, reply: Reply, events: Sequence[SSEEvent]) -> None:
        owner = self.server.owner
        names = {name.lower() for name in reply.headers}
        self.send_response(reply.status)
        if "content-type" not in names:
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        if "cache-control" not in names:
            self.send_header("Cache-Control", "no-cache")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        drop_after = reply.sse_drop_after
        sent = events if drop_after is None else events[:drop_after]
        for index, event in enumerate(sent):
            if index and reply.sse_delay_s > 0 and owner._stopping.wait(reply.sse_delay_s):
                return  # closing: drop mid-stream
            data = wire.encode_event(event)
            if data:  # an empty chunk would end the response
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        if drop_after is None:
            self.wfile.write(b"0\r\n\r\n")


def _encode_body(body: str | bytes | Mapping[str, Any] | list[Any]) -> tuple[bytes, str]:
    if isinstance(body, bytes):
        return body, "application/octet-stream"
    if isinstance(body, str):
        return body.encode("utf-8"), "text/plain; charset=utf-8"
    return wire.dumps(body).encode("utf-8"), _JSON_TYPE


class FakeProviderServer:
    """A scripted OpenAI-compatible and Anthropic HTTP server on ``127.0.0.1`` for tests.

    Use it as a context manager (``with FakeProviderServer() as server:``) or call
    :meth:`start` and :meth:`close`. Point an OpenAI-compatible client at
    :attr:`openai_base_url` and an Anthropic client at :attr:`anthropic_base_url`, queue
    answers with :meth:`script`, and inspect :attr:`requests` afterwards.

    Routes: ``POST /v1/chat/completions`` and ``POST /chat/completions`` (OpenAI shape),
    ``POST /v1/messages`` (Anthropic shape), ``GET /health`` (200 ``ok``, not recorded).
    Any other request is recorded and answered 404 (405 for another method on a provider
    route) with an OpenAI-style error, unless a reply was scripted for its exact path.

    Args:
        name: Shown in default answers (``"ok from <name>"``) and thread names.
        default: The reply for requests no scripted reply matches (None: ``Reply()``, the
            default success answer).
    """

    def __init__(self, *, name: str = "fake", default: Reply | None = None) -> None:
        self.name = name
        self.default = default if default is not None else Reply()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._queue: list[_Scripted] = []
        self._requests: list[RecordedRequest] = []
        self._count = 0
        self._stopping = threading.Event()
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeProviderServer:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread; returns self.

        Calling it again while running does nothing; starting a closed server raises
        RuntimeError.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("FakeProviderServer is closed; create a new one")
            if self._server is not None:
                return self
            self._server = _HTTPServer(self)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"FakeProviderServer[{self.name}]",
                daemon=True,
            )
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and end every connection; safe to call more than once.

        Delayed and hanging handlers wake at once and drop their connections, idle
        keep-alive connections are shut down, and the serving and handler threads are
        joined (handlers for at most about two seconds).
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            server, thread = self._server, self._thread
        self._stopping.set()
        if server is None or thread is None:
            return
        server.shutdown()
        server.server_close()
        thread.join()
        deadline = time.monotonic() + _CLOSE_JOIN_S
        for handler in server.wake_connections():
            handler.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> FakeProviderServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        where = self.url if self._server is not None and not self._closed else "not serving"
        return f"FakeProviderServer(name={self.name!r}, {where})"

    # -- addresses -------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port the server listens on (RuntimeError before :meth:`start`)."""
        if self._server is None:
            raise RuntimeError("FakeProviderServer is not started; call start() or use `with`")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``, without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_base_url(self) -> str:
        """The base URL for OpenAI-compatible clients (``{url}/v1``; they post to
        ``{base}/chat/completions``)."""
        return f"{self.url}/v1"

    @property
    def anthropic_base_url(self) -> str:
        """The base URL for Anthropic clients (``{url}``; they post to ``{base}/v1/messages``)."""
        return self.url

    # -- scripting and recording -----------------------------------------------------------

    def script(self, *replies: Reply, path: str | None = None, model: str | None = None) -> None:
        """Queue ``replies`` (first in, first out), each answering one request.

        A request takes the first queued reply whose filters it matches: ``path`` is the
        exact request path (``"/v1/messages"``), ``model`` the ``model`` field of its JSON
        body. Replies without a ``path`` only answer the provider routes; a reply with a
        ``path`` may also answer a path the server does not otherwise know. Requests no
        reply matches get ``default``.
        """
        for reply in replies:
            if not isinstance(reply, Reply):
                raise TypeError(f"script() takes Reply objects, got {type(reply).__name__}")
        with self._lock:
            self._queue.extend(_Scripted(reply, path, model) for reply in replies)

    @property
    def pending(self) -> int:
        """How many scripted replies no request has taken yet."""
        with self._lock:
            return len(self._queue)

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the recorded requests, in arrival order."""
        with self._lock:
            return list(self._requests)

    def clear(self) -> None:
        """Forget the recorded requests and drop the scripted replies not yet taken."""
        with self._lock:
            self._requests.clear()
            self._queue.clear()

    def wait_for_requests(self, count: int, timeout_s: float = 5.0) -> list[RecordedRequest]:
        """Block until at least ``count`` requests are recorded and return them all.

        Raises TimeoutError when fewer than ``count`` arrived within ``timeout_s`` seconds.
        """
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self._requests) >= count, timeout_s):
                raise TimeoutError(
                    f"expected {count} requests within {timeout_s}s, got {len(self._requests)}"
                )
            return list(self._requests)

    def _accept(self, request: RecordedRequest, *, routed: bool) -> tuple[Reply | None, int]:
        """Record ``request``, take its reply (None: unrouted and unscripted), number it."""
        with self._arrived:
            self._requests.append(request)
            self._count += 1
            number = self._count
            self._arrived.notify_all()
            for index, scripted in enumerate(self._queue):
                if scripted.matches(request, routed=routed):
                    del self._queue[index]
                    return scripted.reply, number
        return (self.default if routed else None), number
