"""One attempt: what the executor hands to the operation, and the two chat operations."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from reliable_rules.chat import ChatRequest, ChatResponse, StreamEvent, Usage
from reliable_rules.errors import EmptyResponse, InvalidToolCall
from reliable_rules.executor.prompt_tools import guided_response, guided_stream, prompt_guided
from reliable_rules.executor.records import key_hint

__all__ = ["Attempt", "OpenedStream", "chat_op", "open_stream_op"]


class Attempt(NamedTuple):
    """What ``executor.call(fn, ...)`` hands to ``fn`` for one attempt (immutable).

    ``request`` is the possibly truncated or format-switched request (None when the call was
    made without one); ``api_key`` is the rotated key to use, or None for the provider's own;
    ``number`` counts attempts on this (provider, model) pair from 1; ``tools_in_prompt`` says
    the request's tools are to be sent prompt-guided (the provider declares
    ``supports_native_tools = False`` or rejected them: see
    :mod:`~reliable_rules.executor.prompt_tools`, whose helpers a ``call`` function can use).
    """

    provider: Any
    provider_name: str
    model: str
    request: ChatRequest | None
    api_key: str | None
    number: int
    tools_in_prompt: bool = False

    def __repr__(self) -> str:
        # The default NamedTuple repr would print the key; show what records show of it.
        return (
            f"Attempt(provider={self.provider!r}, provider_name={self.provider_name!r}, "
            f"model={self.model!r}, request={self.request!r}, "
            f"api_key={key_hint(self.api_key)!r}, number={self.number!r}, "
            f"tools_in_prompt={self.tools_in_prompt!r})"
        )


def chat_op(attempt: Attempt) -> ChatResponse:
    """Send the attempt's request to its provider (prompt-guided when the attempt says so);
    an answer with nothing in it is a failure."""
    request = attempt.request
    assert request is not None  # every chat entry point passes a request
    sent = prompt_guided(request) if attempt.tools_in_prompt else request
    response: ChatResponse = attempt.provider.chat(sent, attempt.model, api_key=attempt.api_key)
    if attempt.tools_in_prompt:
        try:
            response = guided_response(response, request)
        except InvalidToolCall as invalid:
            invalid.usage = response.usage  # billed even though rejected
            raise
    if not (response.text or "").strip() and not response.tool_calls:
        raise EmptyResponse(
            "Empty response from model: no text and no tool calls "
            f"(provider={attempt.provider_name} model={attempt.model})",
            usage=response.usage,
        )
    return response


class OpenedStream(NamedTuple):
    """A stream that answered: its first event with something in it, and the rest."""

    first: StreamEvent | None
    events: Replay


def open_stream_op(attempt: Attempt) -> OpenedStream:
    """Open the stream and read it up to its first event with something in it (text that is
    not only whitespace, or a tool call), so a failure before it can be retried; a stream that
    ends first is an :class:`EmptyResponse`, retried like an empty answer. The events read
    ahead are replayed, in order, before the rest."""
    request = attempt.request
    assert request is not None
    sent = prompt_guided(request) if attempt.tools_in_prompt else request
    events = iter(attempt.provider.stream(sent, attempt.model, api_key=attempt.api_key))
    raw = events  # whose rate_limit_headers (set when it opens) a wrapper would hide
    if attempt.tools_in_prompt:
        events = guided_stream(events, request)
    ahead: list[StreamEvent] = []
    try:
        for event in events:
            ahead.append(event)
            if event.kind == "tool_call" or (event.kind == "text" and event.text.strip()):
                headers = getattr(raw, "rate_limit_headers", None)
                return OpenedStream(ahead[0], Replay(ahead[1:], events, headers))
            if event.kind == "final":
                break
    except BaseException:
        _close(events)
        raise
    _close(events)
    raise EmptyResponse(
        "Empty response from model: the stream ended with no text and no tool calls "
        f"(provider={attempt.provider_name} model={attempt.model})",
        usage=ahead[-1].usage if ahead else None,
    )


class Replay:
    """The events read ahead, then the rest; closing it closes the provider's stream. The
    stream's ``guard`` (how the executor wakes a stalled read) stays reachable through it,
    and so do its response's ``rate_limit_headers`` (empty when the provider gives none).
    ``on_final`` (set by rate budgets) is called with the usage of the ``final`` event when
    it passes: only a stream read to its end reports what it used."""

    def __init__(
        self,
        ahead: list[StreamEvent],
        events: Iterator[StreamEvent],
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._ahead = iter(ahead)
        self._events = events
        self.guard = getattr(events, "guard", None)
        self.rate_limit_headers: Mapping[str, str] = headers if isinstance(headers, Mapping) else {}
        self.on_final: Callable[[Usage | None], None] | None = None

    def __iter__(self) -> Replay:
        return self

    def __next__(self) -> StreamEvent:
        for event in self._ahead:
            return event
        try:
            event = next(self._events)
        except BaseException:
            _close(self._events)
            raise
        if event.kind == "final" and self.on_final is not None:
            on_final, self.on_final = self.on_final, None
            on_final(event.usage)
        return event

    def close(self) -> None:
        _close(self._events)


def _close(events: Iterator[StreamEvent]) -> None:
    close = getattr(events, "close", None)
    if close is not None:
        close()
