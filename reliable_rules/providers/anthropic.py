"""An adapter for the Anthropic Messages API (``/v1/messages``), over ``requests``, without
the Anthropic SDK."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import requests

from reliable_rules.chat import ChatRequest, ChatResponse, Message, StreamEvent, ToolCall, Usage
from reliable_rules.providers.base import (
    HTTPAdapterBase,
    ProviderStreamError,
    TimeoutSpec,
    as_int,
    json_text,
    tool_function,
)

__all__ = ["Anthropic"]

_EMPTY_SCHEMA: Mapping[str, Any] = {"type": "object", "properties": {}}


class Anthropic(HTTPAdapterBase):
    """A :class:`~reliable_rules.chat.StreamingProvider` for the Anthropic Messages API.

    Requests go to ``{base_url}/v1/messages`` with ``x-api-key`` (the per-call ``api_key``
    overrides the adapter's; no header when both are None) and ``anthropic-version``.
    System messages become the top-level ``system`` text; tool calls and tool results become
    ``tool_use`` and ``tool_result`` content blocks; ``max_tokens`` is the request's or, as the
    API requires one, the adapter's default. The API has no JSON mode, so
    ``request.response_format`` is not sent (the caller validates the format).

    Non-2xx answers raise :class:`~reliable_rules.providers.ProviderHTTPError`; connection
    errors and timeouts propagate as ``requests`` raised them.
    """

    api_key: str | None
    version: str
    max_tokens: int
    supports_streaming: bool
    supports_tool_events: bool
    supports_native_tools: bool

    def __init__(
        self,
        base_url: str = "https://api.anthropic.com",
        api_key: str | None = None,
        *,
        session: requests.Session | None = None,
        timeout: TimeoutSpec = 60.0,
        name: str = "anthropic",
        version: str = "2023-06-01",
        max_tokens: int = 1024,
        headers: Mapping[str, str] | None = None,
        supports_streaming: bool = True,
        supports_tool_events: bool = True,
        supports_native_tools: bool = True,
    ) -> None:
        super().__init__(base_url, session=session, timeout=timeout, name=name, headers=headers)
        self.api_key = api_key
        self.version = version
        self.max_tokens = max_tokens
        self.supports_streaming = supports_streaming
        self.supports_tool_events = supports_tool_events
        self.supports_native_tools = supports_native_tools

    @property
    def url(self) -> str:
        """Where requests go: ``{base_url}/v1/messages``."""
        return f"{self.base_url}/v1/messages"

    # --- request --------------------------------------------------------------------------

    def build_body(
        self, request: ChatRequest, model: str, *, stream: bool = False
    ) -> dict[str, Any]:
        """The JSON body for ``request`` (exposed for tests and debugging)."""
        system = [m.content for m in request.messages if m.role == "system"]
        body: dict[str, Any] = {
            "model": model,
            "max_tokens": request.max_tokens if request.max_tokens is not None else self.max_tokens,
            "messages": _messages(request.messages),
            "temperature": request.temperature,
        }
        if system:
            body["system"] = "\n\n".join(system)
        if request.tools:
            body["tools"] = [_tool(spec) for spec in request.tools]
        if stream:
            body["stream"] = True
        return body

    def _auth(self, api_key: str | None) -> dict[str, str]:
        headers = {"anthropic-version": self.version}
        key = api_key if api_key is not None else self.api_key
        if key is not None:
            headers["x-api-key"] = key
        return headers

    # --- chat and stream: the plumbing is HTTPAdapterBase's ---------------------------

    def _parse(self, data: Any, response: requests.Response) -> ChatResponse:
        if not isinstance(data, dict):
            raise self._malformed("body is not a JSON object", response)
        content = data.get("content")
        if not isinstance(content, list):
            if data.get("type") == "error" or "error" in data:
                raise self._malformed("an error object instead of 'content'", response)
            raise self._malformed("missing 'content'", response)
        texts: list[str] = []
        calls: list[ToolCall] = []
        for position, block in enumerate(content):
            if not isinstance(block, dict):
                raise self._malformed(f"content block #{position} is not an object", response)
            kind = block.get("type")
            if kind == "text":
                text = block.get("text")
                if not isinstance(text, str):
                    raise self._malformed(f"text block #{position} has no 'text'", response)
                texts.append(text)
            elif kind == "tool_use":
                call_id, name = block.get("id"), block.get("name")
                if not isinstance(call_id, str) or not isinstance(name, str):
                    raise self._malformed(
                        f"tool_use block #{position} lacks 'id' or 'name'", response
                    )
                calls.append(ToolCall(call_id, name, json_text(block.get("input", {}))))
            # Other blocks (thinking, redacted_thinking, server tools) carry no answer text.
        finish = data.get("stop_reason")
        return ChatResponse(
            text="".join(texts) if texts else None,
            tool_calls=tuple(calls),
            usage=_usage(data.get("usage")),
            model=data.get("model") if isinstance(data.get("model"), str) else None,
            finish_reason=finish if isinstance(finish, str) else None,
        )

    def _events(self, response: requests.Response) -> Iterator[StreamEvent]:
        state = _StreamState()
        for message in self._sse(response):
            if not message.data.strip():
                continue
            if message.event == "error":
                raise ProviderStreamError(self.name, message.data)
            data = self._event_json(message.data, response, "stream event data")
            if data.get("type") == "error":
                raise ProviderStreamError(self.name, message.data)
            yield from state.handle(message.event or data.get("type"), data)
            if state.done:
                break
        if not state.done:
            raise self._unfinished()
        yield from state.finish()


class _StreamState:
    """What a Messages stream has said so far: open content blocks, usage, stop reason."""

    def __init__(self) -> None:
        self.blocks: dict[int, dict[str, Any]] = {}
        self.input_tokens: int | None = None
        self.output_tokens: int | None = None
        self.stop_reason: str | None = None
        self.done = False

    def handle(self, kind: object, data: dict[str, Any]) -> Iterator[StreamEvent]:
        """The events one stream event produces ("ping" and unknown events produce none, as
        the API documentation asks)."""
        index = as_int(data.get("index"))
        if kind == "message_start":
            start = data.get("message")
            self._usage(start.get("usage") if isinstance(start, dict) else None)
        elif kind == "content_block_start" and index is not None:
            block = data.get("content_block")
            yield from self._start(index, block if isinstance(block, dict) else {})
        elif kind == "content_block_delta" and index is not None:
            delta = data.get("delta")
            yield from self._delta(index, delta if isinstance(delta, dict) else {})
        elif kind == "content_block_stop" and index is not None:
            entry = self.blocks.pop(index, {})
            if entry.get("type") == "tool_use":
                yield StreamEvent("tool_call", tool_call=_streamed_call(entry, index))
        elif kind == "message_delta":
            delta = data.get("delta")
            if isinstance(delta, dict) and isinstance(delta.get("stop_reason"), str):
                self.stop_reason = delta["stop_reason"]
            self._usage(data.get("usage"))
        elif kind == "message_stop":
            self.done = True

    def _usage(self, usage: object) -> None:
        if isinstance(usage, dict):
            self.input_tokens = as_int(usage.get("input_tokens")) or self.input_tokens
            self.output_tokens = as_int(usage.get("output_tokens")) or self.output_tokens

    def _start(self, index: int, block: dict[str, Any]) -> Iterator[StreamEvent]:
        self.blocks[index] = {
            "type": block.get("type"),
            "id": block.get("id"),
            "name": block.get("name"),
            "input": block.get("input"),
            "json": [],
        }
        initial = block.get("text")
        if block.get("type") == "text" and isinstance(initial, str) and initial:
            yield StreamEvent("text", text=initial)

    def _delta(self, index: int, delta: dict[str, Any]) -> Iterator[StreamEvent]:
        kind = delta.get("type")
        if kind == "text_delta":
            text = delta.get("text")
            if isinstance(text, str) and text:
                yield StreamEvent("text", text=text)
        elif kind == "input_json_delta" and index in self.blocks:
            partial = delta.get("partial_json")
            if isinstance(partial, str):
                self.blocks[index]["json"].append(partial)

    def finish(self) -> Iterator[StreamEvent]:
        """Tool calls of blocks left open, then the ``final`` event."""
        for index in sorted(self.blocks):
            if self.blocks[index].get("type") == "tool_use":
                yield StreamEvent("tool_call", tool_call=_streamed_call(self.blocks[index], index))
        self.blocks.clear()
        usage = (
            None
            if self.input_tokens is None and self.output_tokens is None
            else Usage(self.input_tokens, self.output_tokens)
        )
        yield StreamEvent("final", usage=usage, finish_reason=self.stop_reason)


# --- helpers ----------------------------------------------------------------------------------


def _arguments(text: str) -> Any:
    """Tool-call arguments as the object Anthropic wants; text that is not a JSON object is
    passed through as ``{"_raw": text}`` rather than dropped."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"_raw": text}
    return value if isinstance(value, dict) else {"_raw": text}


def _messages(messages: tuple[Message, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system":
            continue
        if message.role == "tool":
            result = {
                "type": "tool_result",
                "tool_use_id": message.tool_call_id or "",
                "content": message.content,
            }
            previous = out[-1] if out else None
            if (
                previous is not None
                and previous["role"] == "user"
                and isinstance(previous["content"], list)
                and all(block.get("type") == "tool_result" for block in previous["content"])
            ):
                previous["content"].append(result)
            else:
                out.append({"role": "user", "content": [result]})
            continue
        if message.role == "assistant" and message.tool_calls:
            blocks: list[dict[str, Any]] = []
            if message.content:
                blocks.append({"type": "text", "text": message.content})
            blocks.extend(
                {
                    "type": "tool_use",
                    "id": call.id,
                    "name": call.name,
                    "input": _arguments(call.arguments),
                }
                for call in message.tool_calls
            )
            out.append({"role": "assistant", "content": blocks})
            continue
        out.append({"role": message.role, "content": message.content})
    return out


def _tool(spec: Mapping[str, Any]) -> dict[str, Any]:
    function = tool_function(spec)
    tool: dict[str, Any] = {"name": function.get("name", "")}
    if function.get("description") is not None:
        tool["description"] = function["description"]
    schema = function.get("parameters", function.get("input_schema"))
    tool["input_schema"] = dict(schema) if isinstance(schema, Mapping) else dict(_EMPTY_SCHEMA)
    return tool


def _usage(raw: object) -> Usage | None:
    if not isinstance(raw, dict):
        return None
    return Usage(as_int(raw.get("input_tokens")), as_int(raw.get("output_tokens")))


def _streamed_call(entry: Mapping[str, Any], index: int) -> ToolCall:
    text = "".join(entry.get("json", ()))
    if not text:
        initial = entry.get("input")
        text = json_text(initial) if isinstance(initial, dict) else "{}"
    call_id = entry.get("id")
    name = entry.get("name")
    return ToolCall(
        id=call_id if isinstance(call_id, str) and call_id else f"toolu_{index}",
        name=name if isinstance(name, str) else "",
        arguments=text,
    )
