"""The chat data model the executor and the provider adapters share, and the provider protocol.

Deliberately small and provider-neutral: a request is a list of messages plus optional tools
and a response format; a response is text plus tool calls plus usage. Adapters translate to
and from each wire format (OpenAI-compatible ``/chat/completions``, Anthropic ``/v1/messages``).
Everything is a frozen dataclass so a request can be shared between threads and retried or
truncated without copying by hand.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal, Protocol, runtime_checkable

__all__ = [
    "FORMAT_FALLBACKS",
    "ChatProvider",
    "ChatRequest",
    "ChatResponse",
    "Message",
    "StreamEvent",
    "StreamingProvider",
    "ToolCall",
    "Usage",
    "fallback_format",
    "rate_limit_headers",
]

#: The response format to retry with after a format mismatch (the converge seed's rule:
#: structured text formats fall back to JSON, which providers can enforce natively).
FORMAT_FALLBACKS: Mapping[str, str] = {"yaml": "json", "toml": "json", "markdown": "json"}


#: Header name prefixes of rate-limit headers, which an answer keeps
#: (:attr:`ChatResponse.rate_limit_headers`).
RATE_LIMIT_PREFIXES = ("x-ratelimit", "anthropic-ratelimit", "ratelimit")
#: Longer header values are cut (a rate-limit header is short; a huge one is hostile).
MAX_HEADER_CHARS = 256
_NO_HEADERS: Mapping[str, str] = MappingProxyType({})


def rate_limit_headers(headers: Mapping[str, object] | None) -> Mapping[str, str]:
    """The rate-limit headers of ``headers``, with lower-case names; never raises."""
    kept: dict[str, str] = {}
    try:
        for name, value in (headers or {}).items():
            lower = str(name).lower()
            if lower.startswith(RATE_LIMIT_PREFIXES):
                kept[lower] = str(value)[:MAX_HEADER_CHARS]
    except Exception:  # noqa: BLE001 — odd header objects must never fail an answer
        return kept
    return kept or _NO_HEADERS


def fallback_format(response_format: str | None) -> str | None:
    """The format to switch to after a mismatch, or None when there is nothing to switch to."""
    if response_format is None:
        return None
    return FORMAT_FALLBACKS.get(response_format.lower())


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A function call the model asked for; ``arguments`` is the raw JSON text it produced."""

    id: str
    name: str
    arguments: str = "{}"


@dataclass(frozen=True, slots=True)
class Message:
    """One conversation turn.

    ``role`` is ``system``, ``user``, ``assistant`` or ``tool``. An assistant turn may carry
    ``tool_calls``; a ``tool`` turn answers one of them and names it in ``tool_call_id``.
    Truncation never separates the two.
    """

    role: str
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None

    @classmethod
    def system(cls, content: str) -> Message:
        """A system prompt."""
        return cls("system", content)

    @classmethod
    def user(cls, content: str) -> Message:
        """A user turn."""
        return cls("user", content)

    @classmethod
    def assistant(cls, content: str = "", *, tool_calls: Sequence[ToolCall] = ()) -> Message:
        """An assistant turn, optionally asking for tool calls."""
        return cls("assistant", content, tool_calls=tuple(tool_calls))

    @classmethod
    def tool(cls, tool_call_id: str, content: str) -> Message:
        """The result of the tool call ``tool_call_id``."""
        return cls("tool", content, tool_call_id=tool_call_id)


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """What to send: the conversation, optional tool specs (JSON-Schema function definitions
    in the OpenAI shape: ``{"name", "description", "parameters"}``), sampling temperature,
    an optional response format (``json``, ``yaml``, ``toml``, ``markdown``, ``text``) and an
    optional ``max_tokens``.
    """

    messages: tuple[Message, ...]
    tools: tuple[Mapping[str, Any], ...] | None = None
    temperature: float = 0.0
    response_format: str | None = None
    max_tokens: int | None = None

    def __init__(
        self,
        messages: Sequence[Message],
        tools: Sequence[Mapping[str, Any]] | None = None,
        temperature: float = 0.0,
        response_format: str | None = None,
        max_tokens: int | None = None,
    ) -> None:
        object.__setattr__(self, "messages", tuple(messages))
        object.__setattr__(self, "tools", None if tools is None else tuple(tools))
        object.__setattr__(self, "temperature", temperature)
        object.__setattr__(self, "response_format", response_format)
        object.__setattr__(self, "max_tokens", max_tokens)

    @property
    def has_tools(self) -> bool:
        """Whether the request offers at least one tool."""
        return bool(self.tools)

    def with_messages(self, messages: Sequence[Message]) -> ChatRequest:
        """A copy with another conversation (used by truncation)."""
        return replace(self, messages=tuple(messages))

    def with_format(self, response_format: str | None) -> ChatRequest:
        """A copy asking for another response format (used by format fallback)."""
        return replace(self, response_format=response_format)


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts as the provider reported them (None when it did not)."""

    input_tokens: int | None = None
    output_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class ChatResponse:
    """The model's answer: text (None when it only called tools), tool calls, usage, and the
    model and finish reason the provider reported."""

    text: str | None
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage | None = None
    model: str | None = None
    finish_reason: str | None = None
    #: The answer's rate-limit headers (``x-ratelimit-*``, ``anthropic-ratelimit-*``,
    #: ``ratelimit*``; lower-case names), which rate budgets learn from.
    rate_limit_headers: Mapping[str, str] = field(
        default_factory=lambda: _NO_HEADERS, repr=False, compare=False
    )


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One event of a streamed answer.

    ``kind`` is ``text`` (``text`` holds a delta), ``tool_call`` (``tool_call`` is complete)
    or ``final`` (the stream ended normally; ``usage`` and ``finish_reason`` when known).
    """

    kind: Literal["text", "tool_call", "final"]
    text: str = ""
    tool_call: ToolCall | None = None
    usage: Usage | None = None
    finish_reason: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)


@runtime_checkable
class ChatProvider(Protocol):
    """What the executor calls. ``api_key`` overrides the provider's own key for one call
    (the executor passes a rotated key after a rate limit); None means "use your own".

    Optional capabilities are read with ``getattr`` and default to False:
    ``supports_native_tools``, ``supports_streaming``, ``supports_tool_events``.
    """

    def chat(
        self, request: ChatRequest, model: str, *, api_key: str | None = None
    ) -> ChatResponse:
        """Send ``request`` to ``model`` and return the answer, or raise."""
        ...


@runtime_checkable
class StreamingProvider(ChatProvider, Protocol):
    """A provider that can also stream; the executor uses ``stream`` only when
    ``supports_streaming`` is true (and ``supports_tool_events`` when tools are given)."""

    def stream(
        self, request: ChatRequest, model: str, *, api_key: str | None = None
    ) -> Iterator[StreamEvent]:
        """Yield the answer as events; raise before the first event to let the executor retry."""
        ...
