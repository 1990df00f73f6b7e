"""An adapter for OpenAI-compatible ``/chat/completions`` APIs (OpenAI, Groq, OpenRouter,
Together, vLLM, llama.cpp, Ollama, ...), over ``requests``, without the OpenAI SDK."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

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

__all__ = ["OpenAICompatible"]


def default_name(base_url: str) -> str:
    """An adapter's name from its base URL's host (``openai`` only for OpenAI's own API)."""
    host = (urlsplit(base_url).hostname or "").lower()
    if host == "api.openai.com":
        return "openai"
    return host or "openai-compatible"


class OpenAICompatible(HTTPAdapterBase):
    """A :class:`~reliable_rules.chat.StreamingProvider` for an OpenAI-compatible API.

    ``base_url`` includes the version prefix, as with the OpenAI SDK
    (``https://api.openai.com/v1``, ``https://api.groq.com/openai/v1``,
    ``http://127.0.0.1:8080/v1``); requests go to ``{base_url}/chat/completions``.
    ``api_key`` is sent as ``Authorization: Bearer``; a per-call ``api_key`` overrides it, and
    no header is sent when both are None. ``headers`` are added to every request;
    ``extra_body`` is merged into every request body (its keys win). With
    ``include_stream_usage`` a stream asks for token usage
    (``stream_options.include_usage``), which OpenAI only reports when asked; leave it off
    for servers that reject ``stream_options``.

    ``name`` (in errors and logs) defaults to the base URL's host: ``openai`` for
    ``api.openai.com``, ``api.groq.com`` for Groq, ``127.0.0.1`` for a local server.

    Non-2xx answers raise :class:`~reliable_rules.providers.ProviderHTTPError`; connection
    errors and timeouts propagate as ``requests`` raised them.
    """

    api_key: str | None
    supports_streaming: bool
    supports_tool_events: bool
    supports_native_tools: bool
    extra_body: dict[str, Any]
    include_stream_usage: bool

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        session: requests.Session | None = None,
        timeout: TimeoutSpec = 60.0,
        name: str | None = None,
        headers: Mapping[str, str] | None = None,
        supports_streaming: bool = True,
        supports_tool_events: bool = True,
        supports_native_tools: bool = True,
        extra_body: Mapping[str, Any] | None = None,
        include_stream_usage: bool = False,
    ) -> None:
        super().__init__(
            base_url, session=session, timeout=timeout, name=name or default_name(base_url),
            headers=headers,
        )
        self.api_key = api_key
        self.supports_streaming = supports_streaming
        self.supports_tool_events = supports_tool_events
        self.supports_native_tools = supports_native_tools
        self.extra_body = dict(extra_body or {})
        self.include_stream_usage = include_stream_usage

    @property
    def url(self) -> str:
        """Where requests go: ``{base_url}/chat/completions``."""
        return f"{self.base_url}/chat/completions"

    # --- request --------------------------------------------------------------------------

    def build_body(
        self, request: ChatRequest, model: str, *, stream: bool = False
    ) -> dict[str, Any]:
        """The JSON body for ``request`` (exposed for tests and debugging)."""
        body: dict[str, Any] = {
            "model": model,
            "messages": [_message(message) for message in request.messages],
            "temperature": request.temperature,
        }
        if request.max_tokens is not None:
            body["max_tokens"] = request.max_tokens
        if request.tools:
            body["tools"] = [_tool(spec) for spec in request.tools]
        if request.response_format is not None and request.response_format.lower() == "json":
            body["response_format"] = {"type": "json_object"}
        if stream:
            body["stream"] = True
            if self.include_stream_usage:
                body["stream_options"] = {"include_usage": True}
        body.update(self.extra_body)
        return body

    def _auth(self, api_key: str | None) -> dict[str, str]:
        key = api_key if api_key is not None else self.api_key
        return {} if key is None else {"authorization": f"Bearer {key}"}

    # --- chat and stream: the plumbing is HTTPAdapterBase's ---------------------------

    def _parse(self, data: Any, response: requests.Response) -> ChatResponse:
        if not isinstance(data, dict):
            raise self._malformed("body is not a JSON object", response)
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices:
            if "error" in data:
                raise self._malformed("an error object instead of 'choices'", response)
            raise self._malformed("missing 'choices'", response)
        choice = choices[0]
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(message, dict):
            raise self._malformed("missing 'choices[0].message'", response)
        try:
            text = _content_text(message.get("content"))
            tool_calls = tuple(
                _tool_call(item, position)
                for position, item in enumerate(message.get("tool_calls") or ())
            )
        except _ShapeError as error:
            raise self._malformed(f"'choices[0].message' {error}", response) from None
        finish = choice.get("finish_reason")
        return ChatResponse(
            text=text,
            tool_calls=tool_calls,
            usage=_usage(data),
            model=data.get("model") if isinstance(data.get("model"), str) else None,
            finish_reason=finish if isinstance(finish, str) else None,
        )

    def _events(self, response: requests.Response) -> Iterator[StreamEvent]:
        calls: dict[int, dict[str, Any]] = {}
        usage: Usage | None = None
        finish: str | None = None
        done = False
        for message in self._sse(response):
            data = message.data
            if message.event == "error":
                raise ProviderStreamError(self.name, data)
            if data.strip() == "[DONE]":
                done = True
                break
            if not data.strip():
                continue
            chunk = self._event_json(data, response, "stream chunk")
            if chunk.get("error") is not None:
                raise ProviderStreamError(self.name, data)
            usage = _usage(chunk) or usage
            choices = chunk.get("choices")
            if not isinstance(choices, list):
                continue
            for choice in choices[:1]:
                if not isinstance(choice, dict):
                    continue
                delta = choice.get("delta")
                if isinstance(delta, dict):
                    content = delta.get("content")
                    if isinstance(content, str) and content:
                        yield StreamEvent("text", text=content)
                    _accumulate(calls, delta.get("tool_calls"))
                reason = choice.get("finish_reason")
                if isinstance(reason, str) and reason:
                    finish = reason
                    yield from _flush(calls)
        if not done and finish is None:
            raise self._unfinished()
        yield from _flush(calls)
        yield StreamEvent("final", usage=usage, finish_reason=finish)


# --- helpers ----------------------------------------------------------------------------------


class _ShapeError(ValueError):
    """A response field has the wrong type; the message names it."""


def _message(message: Message) -> dict[str, Any]:
    if message.role == "tool":
        return {
            "role": "tool",
            "tool_call_id": message.tool_call_id or "",
            "content": message.content,
        }
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.name is not None:
        out["name"] = message.name
    if message.role == "assistant" and message.tool_calls:
        out["content"] = message.content or None
        out["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call in message.tool_calls
        ]
    return out


def _tool(spec: Mapping[str, Any]) -> dict[str, Any]:
    function = dict(tool_function(spec))
    return {"type": "function", "function": function}


def _content_text(content: object) -> str | None:
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):
        # Some servers answer with content parts: [{"type": "text", "text": "..."}].
        texts = [
            part["text"]
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str)
        ]
        return "".join(texts) if texts else None
    raise _ShapeError("has a 'content' that is neither text nor a list of parts")


def _tool_call(item: object, position: int) -> ToolCall:
    if not isinstance(item, dict):
        raise _ShapeError(f"has a tool call #{position} that is not an object")
    function = item.get("function")
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        raise _ShapeError(f"has a tool call #{position} without 'function.name'")
    arguments = function.get("arguments")
    if arguments is None:
        arguments = "{}"
    elif not isinstance(arguments, str):
        arguments = json_text(arguments)
    call_id = item.get("id")
    return ToolCall(
        id=call_id if isinstance(call_id, str) and call_id else f"call_{position}",
        name=function["name"],
        arguments=arguments,
    )


def _usage(data: Mapping[str, Any]) -> Usage | None:
    raw = data.get("usage")
    if not isinstance(raw, dict):
        # Groq reports streamed usage under x_groq.usage.
        extra = data.get("x_groq")
        raw = extra.get("usage") if isinstance(extra, dict) else None
    if not isinstance(raw, dict):
        return None
    return Usage(as_int(raw.get("prompt_tokens")), as_int(raw.get("completion_tokens")))


def _accumulate(calls: dict[int, dict[str, Any]], deltas: object) -> None:
    """Merge streamed tool-call fragments into ``calls``, keyed by their ``index``: the id and
    name come first, the argument text arrives in pieces to be concatenated."""
    if not isinstance(deltas, list):
        return
    for delta in deltas:
        if not isinstance(delta, dict):
            continue
        index = as_int(delta.get("index"))
        call_id = delta.get("id") if isinstance(delta.get("id"), str) else None
        if index is None:
            # Servers that omit the index: a new id starts a new call, else continue the last.
            known = [k for k, v in calls.items() if call_id is not None and v["id"] == call_id]
            if known:
                index = known[0]
            elif call_id is not None or not calls:
                index = max(calls, default=-1) + 1
            else:
                index = max(calls)
        entry = calls.setdefault(index, {"id": None, "name": "", "arguments": []})
        if call_id:
            entry["id"] = call_id
        function = delta.get("function")
        if isinstance(function, dict):
            name = function.get("name")
            if isinstance(name, str) and name:
                entry["name"] = name
            arguments = function.get("arguments")
            if isinstance(arguments, str):
                entry["arguments"].append(arguments)
            elif arguments is not None:
                entry["arguments"].append(json_text(arguments))


def _flush(calls: dict[int, dict[str, Any]]) -> Iterator[StreamEvent]:
    for index in sorted(calls):
        entry = calls[index]
        arguments = "".join(entry["arguments"]) or "{}"
        call = ToolCall(id=entry["id"] or f"call_{index}", name=entry["name"], arguments=arguments)
        yield StreamEvent("tool_call", tool_call=call)
    calls.clear()
