"""The OpenAI and Anthropic wire shapes the fake provider server speaks: completion and
message documents, error bodies, and Server-Sent Event streams (internal to
:mod:`reliable_rules.testing`)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from reliable_rules.chat import ToolCall

__all__ = [
    "SSEEvent",
    "anthropic_error_body",
    "anthropic_error_type",
    "anthropic_message",
    "anthropic_stream",
    "dumps",
    "encode_event",
    "openai_completion",
    "openai_error_body",
    "openai_error_type",
    "openai_stream",
    "pieces",
    "tool_input",
    "usage",
]

#: One Server-Sent Event of :attr:`Reply.sse`. A ``str`` is sent as ``data: <str>`` (one
#: ``data:`` line per line of the string); a mapping as ``data: <json>``; an
#: ``(event, data)`` pair as ``event: <event>`` followed by the data lines (the Anthropic
#: shape); ``bytes`` are written verbatim (for comments, keep-alives or malformed events).
SSEEvent: TypeAlias = str | bytes | Mapping[str, Any] | tuple[str, str | Mapping[str, Any]]

_TEXT_PIECE = re.compile(r"(?<=\s)(?=\S)")


def _json_default(value: object) -> object:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), default=_json_default, ensure_ascii=False)


def openai_error_type(status: int) -> tuple[str, str | None]:
    if status == 401:
        return "invalid_request_error", "invalid_api_key"
    if status == 429:
        return "requests", "rate_limit_exceeded"
    if status >= 500:
        return "server_error", None
    return "invalid_request_error", None


_ANTHROPIC_ERROR_TYPES: Mapping[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def anthropic_error_type(status: int) -> str:
    default = "api_error" if status >= 500 else "invalid_request_error"
    return _ANTHROPIC_ERROR_TYPES.get(status, default)


def openai_error_body(
    message: str, error_type: str, code: str | None, param: str | None = None
) -> dict[str, Any]:
    return {"error": {"message": message, "type": error_type, "param": param, "code": code}}


def anthropic_error_body(error_type: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": error_type, "message": message}}


def usage(input_tokens: int, text: str, tool_calls: Sequence[ToolCall]) -> tuple[int, int]:
    return input_tokens, max(1, len(text.split()) + len(tool_calls))


def pieces(text: str) -> list[str]:
    return [piece for piece in _TEXT_PIECE.split(text) if piece]


def tool_input(arguments: str) -> Any:
    try:
        parsed = json.loads(arguments)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def openai_completion(
    response_id: str,
    model: str,
    text: str | None,
    tool_calls: Sequence[ToolCall],
    usage: tuple[int, int],
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            for call in tool_calls
        ]
    return {
        "id": response_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if tool_calls else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "total_tokens": usage[0] + usage[1],
        },
    }


def anthropic_message(
    response_id: str,
    model: str,
    text: str | None,
    tool_calls: Sequence[ToolCall],
    usage: tuple[int, int],
) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if text is not None:
        content.append({"type": "text", "text": text})
    content.extend(
        {"type": "tool_use", "id": call.id, "name": call.name, "input": tool_input(call.arguments)}
        for call in tool_calls
    )
    return {
        "id": response_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": "tool_use" if tool_calls else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": usage[0], "output_tokens": usage[1]},
    }


def openai_stream(
    response_id: str,
    model: str,
    *,
    created: int,
    pieces: Sequence[str],
    tool_calls: Sequence[ToolCall],
    usage: tuple[int, int] | None,
) -> list[SSEEvent]:
    def chunk(delta: Mapping[str, Any], finish_reason: str | None = None) -> SSEEvent:
        return {
            "id": response_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }

    events: list[SSEEvent] = [chunk({"role": "assistant", "content": ""})]
    events.extend(chunk({"content": piece}) for piece in pieces)
    for index, call in enumerate(tool_calls):
        head = {"index": index, "id": call.id, "type": "function"}
        events.append(chunk({"tool_calls": [{**head, "function": {"name": call.name}}]}))
        arguments = {"index": index, "function": {"arguments": call.arguments}}
        events.append(chunk({"tool_calls": [arguments]}))
    events.append(chunk({}, "tool_calls" if tool_calls else "stop"))
    if usage is not None:
        events.append(
            {
                "id": response_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [],
                "usage": {
                    "prompt_tokens": usage[0],
                    "completion_tokens": usage[1],
                    "total_tokens": usage[0] + usage[1],
                },
            }
        )
    events.append("[DONE]")
    return events


def anthropic_stream(
    response_id: str,
    model: str,
    pieces: Sequence[str] | None,
    tool_calls: Sequence[ToolCall],
    usage: tuple[int, int],
) -> list[SSEEvent]:
    """Anthropic stream events; ``pieces`` None means no text block (an empty list: a text
    block without deltas)."""
    start = anthropic_message(response_id, model, None, (), (usage[0], 1))
    start["stop_reason"] = None
    events: list[SSEEvent] = [("message_start", {"type": "message_start", "message": start})]
    index = 0
    block: dict[str, Any]
    if pieces is not None:
        block = {"type": "text", "text": ""}
        events.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": block},
            )
        )
        events.extend(
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": "text_delta", "text": piece},
                },
            )
            for piece in pieces
        )
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    for call in tool_calls:
        block = {"type": "tool_use", "id": call.id, "name": call.name, "input": {}}
        events.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": block},
            )
        )
        delta = {"type": "input_json_delta", "partial_json": call.arguments}
        events.append(
            (
                "content_block_delta",
                {"type": "content_block_delta", "index": index, "delta": delta},
            )
        )
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    stop_reason = "tool_use" if tool_calls else "end_turn"
    message_delta = {
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason, "stop_sequence": None},
        "usage": {"output_tokens": usage[1]},
    }
    events.append(("message_delta", message_delta))
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def encode_event(event: SSEEvent) -> bytes:
    if isinstance(event, bytes):
        return event
    name: str | None = None
    data: str | Mapping[str, Any]
    if isinstance(event, tuple):
        name, data = event
    else:
        data = event
    text = data if isinstance(data, str) else dumps(data)
    lines = [f"event: {name}"] if name is not None else []
    lines.extend(f"data: {line}" for line in text.split("\n"))
    return ("\n".join(lines) + "\n\n").encode("utf-8")
