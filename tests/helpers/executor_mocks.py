"""In-process mock providers shaped like the seed's test mocks (MockProvider, ModelAwareMock,
NativeToolMock, ContextOverflowMock, the streaming mocks), thread-safe so the same mocks
serve the concurrency tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from reliable_rules.chat import ChatRequest, ChatResponse, StreamEvent, ToolCall


class Counter:
    """A thread-safe call counter."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def bump(self) -> int:
        """Count one call and return the new total."""
        with self._lock:
            self.value += 1
            return self.value


FOREVER = 10**9


@dataclass
class MockProvider:
    """Fails with ``error`` for the first ``fail_until_attempt`` calls, then answers."""

    fail_until_attempt: int = 0
    response: str = "ok"
    error: str | BaseException = "boom"
    tool_calls: Sequence[ToolCall] = ()
    supports_native_tools: bool = False
    calls: Counter = field(default_factory=Counter)
    requests: list[ChatRequest] = field(default_factory=list)
    keys: list[str | None] = field(default_factory=list)
    models: list[str] = field(default_factory=list)

    def chat(self, request: ChatRequest, model: str, *, api_key: str | None = None) -> ChatResponse:
        """Count the call, remember what it saw, fail or answer."""
        attempt = self.calls.bump()
        self.requests.append(request)
        self.keys.append(api_key)
        self.models.append(model)
        if attempt <= self.fail_until_attempt:
            if isinstance(self.error, BaseException):
                raise self.error
            raise RuntimeError(self.error)
        return ChatResponse(self.response, tuple(self.tool_calls))


@dataclass
class ModelAwareMock:
    """Fails for the models in ``fail_models`` with ``500 model X unavailable``."""

    fail_models: Sequence[str]
    response: str = "ok"
    models_seen: list[str] = field(default_factory=list)
    supports_native_tools: bool = True

    def chat(self, request: ChatRequest, model: str, *, api_key: str | None = None) -> ChatResponse:
        """Record the model; fail it or answer."""
        self.models_seen.append(model)
        if model in self.fail_models:
            raise RuntimeError(f"500 model {model} unavailable")
        return ChatResponse(self.response)


LLAMACPP_OVERFLOW = (
    "request (8968 tokens) exceeds the available context size (8448 tokens), try increasing it"
)


@dataclass
class ContextOverflowMock:
    """Overflows the context for the first ``fail_until_attempt`` calls; records sizes."""

    fail_until_attempt: int
    calls: Counter = field(default_factory=Counter)
    message_counts: list[int] = field(default_factory=list)

    def chat(self, request: ChatRequest, model: str, *, api_key: str | None = None) -> ChatResponse:
        """Fail with llama.cpp's overflow text until the budget is spent."""
        attempt = self.calls.bump()
        self.message_counts.append(len(request.messages))
        if attempt <= self.fail_until_attempt:
            raise RuntimeError(LLAMACPP_OVERFLOW)
        return ChatResponse("recovered after truncation")


@dataclass
class StreamingMock:
    """Streams a tool call then a final event, or echoes the message count as text."""

    supports_streaming: bool = True
    supports_tool_events: bool = False
    echo_count: bool = False
    fail_first: int = 0
    error: str = "503 Service Unavailable"
    stream_calls: Counter = field(default_factory=Counter)

    def chat(self, request: ChatRequest, model: str, *, api_key: str | None = None) -> ChatResponse:
        """Non-streaming answer."""
        return ChatResponse("ok")

    def stream(
        self, request: ChatRequest, model: str, *, api_key: str | None = None
    ) -> Iterator[StreamEvent]:
        """Yield the scripted events (raising before the first for the first calls)."""
        attempt = self.stream_calls.bump()
        if attempt <= self.fail_first:
            raise RuntimeError(self.error)
        if self.echo_count:
            yield StreamEvent("text", text=str(len(request.messages)))
        else:
            yield StreamEvent(
                "tool_call", tool_call=ToolCall("call_1", "shell", '{"command":"date"}')
            )
        yield StreamEvent("final")
