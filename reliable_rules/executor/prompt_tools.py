"""Prompt-guided tools: the tools described in the system prompt, the calls read from the text.

The seed's contract: a provider says whether it calls tools natively
(``supports_native_tools``), and a tool-schema rejection (``tool_schema_error``) is worth a
retry because the request can be sent again with the tools described in the prompt instead.
The executor does that (:func:`uses_prompt_tools`, :func:`switch_to_prompt_tools`):

* a provider that declares ``supports_native_tools = False`` gets every request that has tools
  prompt-guided from its first attempt (one that does not declare it gets the tools natively:
  the executor cannot know, and a rejection switches it);
* a failure the rules call ``tool_schema_error`` on a request with tools switches the
  (provider, model) pair to prompt-guided tools and tries again at once, once per pair (the
  record's action is ``prompt_tools``; the pair's budget grows by one, as for a truncation);
  the next provider starts native again.
* ``stream_chat`` with tools also uses providers that stream but declare
  ``supports_native_tools = False``; a prompt-guided stream is read to its end before its
  events are replayed (:func:`guided_stream`): text first, then the tool calls.

:func:`prompt_guided` rewrites the request: no ``tools`` field, a system prompt that lists the
tools (name, description, JSON Schema of the arguments) and the answer format, and the history's
tool calls and results as text (a model without tools cannot read them otherwise). The model
calls a tool by answering with one block per call::

    <tool_call>
    {"name": "get_weather", "arguments": {"city": "Paris"}}
    </tool_call>

:func:`parse_tool_calls` reads those blocks back into the same
:class:`~reliable_rules.chat.ToolCall` objects native calls produce (``arguments`` as JSON
text, ids ``call_`` plus 12 hex digits, stable for the same answer; a block ends at the first
closing tag that leaves it valid JSON, so a string argument may hold the tag). A block that
is not JSON, has no name or names a tool that was not offered raises
:class:`~reliable_rules.errors.InvalidToolCall` (``tool_schema_error`` in the shipped rules: the
pair is retried, then the next provider).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from reliable_rules.chat import ChatRequest, ChatResponse, Message, StreamEvent, ToolCall
from reliable_rules.errors import InvalidToolCall
from reliable_rules.executor.state import Failed, Pair, Step, log_info

__all__ = [
    "TOOL_CALL_CLOSE",
    "TOOL_CALL_OPEN",
    "guided_response",
    "guided_stream",
    "parse_tool_calls",
    "prompt_guided",
    "switch_to_prompt_tools",
    "tools_prompt",
    "uses_prompt_tools",
]

TOOL_CALL_OPEN = "<tool_call>"
TOOL_CALL_CLOSE = "</tool_call>"
_FENCE = re.compile(r"^```[a-zA-Z]*\s*(.*?)\s*```$", re.DOTALL)
# A block's JSON may hold the closing tag inside a string ({"html": "</tool_call>"}): the
# block ends at the first closing tag after which its content reads as JSON, trying at most
# this many (a hostile answer full of closing tags costs a bounded number of parses).
_CLOSE_TRIES = 32


def _function(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``{name, description, parameters}`` of a tool spec, bare or OpenAI-wrapped."""
    inner = spec.get("function")
    return inner if isinstance(inner, Mapping) else spec


def _names(tools: Sequence[Mapping[str, Any]]) -> list[str]:
    return [str(_function(spec).get("name", "")) for spec in tools]


def tools_prompt(tools: Sequence[Mapping[str, Any]]) -> str:
    """The system-prompt section that describes ``tools`` and how to call them."""
    lines = [
        "You can call the tools listed below. To call a tool, answer with one block per call, "
        "exactly in this form, and nothing else:",
        TOOL_CALL_OPEN,
        '{"name": "<tool name>", "arguments": {<arguments as a JSON object>}}',
        TOOL_CALL_CLOSE,
        "The arguments must match the tool's JSON Schema. Tool results come back in "
        "<tool_result> blocks. When you need no tool, answer normally, without any block.",
        "",
        "Tools:",
    ]
    for spec in tools:
        function = _function(spec)
        schema = function.get("parameters", function.get("input_schema"))
        lines.append(f"- {function.get('name', '')}: {function.get('description') or ''}".rstrip())
        if isinstance(schema, Mapping):
            lines.append(f"  arguments schema: {json.dumps(schema, sort_keys=True)}")
    return "\n".join(lines)


def _call_text(call: ToolCall) -> str:
    try:
        arguments: Any = json.loads(call.arguments) if call.arguments.strip() else {}
    except ValueError:
        arguments = call.arguments
    body = json.dumps({"name": call.name, "arguments": arguments}, ensure_ascii=False)
    return f"{TOOL_CALL_OPEN}\n{body}\n{TOOL_CALL_CLOSE}"


def _result_text(message: Message) -> str:
    return f'<tool_result id="{message.tool_call_id or ""}">\n{message.content}\n</tool_result>'


def prompt_guided(request: ChatRequest) -> ChatRequest:
    """``request`` without native tools: the tools described in the (first) system prompt,
    tool calls and results of the history written as text."""
    section = tools_prompt(request.tools or ())
    messages: list[Message] = []
    described = False
    for message in request.messages:
        if message.role == "system" and not described:
            content = f"{message.content}\n\n{section}" if message.content else section
            messages.append(replace(message, content=content))
            described = True
        elif message.role == "assistant" and message.tool_calls:
            parts = [message.content] if message.content else []
            parts += [_call_text(call) for call in message.tool_calls]
            messages.append(Message.assistant("\n".join(parts)))
        elif message.role == "tool":
            previous = messages[-1] if messages else None
            if previous is not None and previous.role == "user" and previous.content.startswith(
                "<tool_result"
            ):
                messages[-1] = Message.user(f"{previous.content}\n{_result_text(message)}")
            else:
                messages.append(Message.user(_result_text(message)))
        else:
            messages.append(message)
    if not described:
        messages.insert(0, Message.system(section))
    return ChatRequest(
        messages,
        tools=None,
        temperature=request.temperature,
        response_format=request.response_format,
        max_tokens=request.max_tokens,
    )


def _arguments(value: object, number: int) -> str:
    if value is None:
        return "{}"
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            raise InvalidToolCall(
                f"Invalid tool call #{number} in the answer: its arguments are not JSON"
            ) from None
    if not isinstance(value, dict):
        raise InvalidToolCall(
            f"Invalid tool call #{number} in the answer: its arguments are not a JSON object"
        )
    return json.dumps(value)


def parse_tool_calls(
    text: str, tools: Sequence[Mapping[str, Any]], *, salt: str = ""
) -> tuple[str | None, tuple[ToolCall, ...]]:
    """The answer's text without its ``<tool_call>`` blocks (None when nothing is left) and
    the calls they make, or :class:`InvalidToolCall` for a block that cannot be a call of one
    of ``tools``. ``salt`` goes into the ids (the executor uses the conversation's length, so
    the same answer in another turn gets other ids)."""
    offered = set(_names(tools))
    calls: list[ToolCall] = []
    blocks = _blocks(text)
    for number, (_, _, data) in enumerate(blocks, start=1):
        if data is _NOT_JSON:
            raise InvalidToolCall(f"Invalid tool call #{number} in the answer: not a JSON object")
        name = data.get("name") if isinstance(data, dict) else None
        if not isinstance(name, str) or not name:
            raise InvalidToolCall(f"Invalid tool call #{number} in the answer: no tool name")
        if name not in offered:
            raise InvalidToolCall(
                f"Invalid tool call #{number} in the answer: {name!r} is not in request "
                f"(offered: {', '.join(sorted(offered))})"
            )
        arguments = _arguments(data.get("arguments", data.get("parameters")), number)
        digest = hashlib.sha256(f"{salt}|{number}|{name}|{arguments}".encode()).hexdigest()
        calls.append(ToolCall(id=f"call_{digest[:12]}", name=name, arguments=arguments))
    kept, position = [], 0
    for start, end, _ in blocks:
        kept.append(text[position:start])
        position = end
    rest = "".join([*kept, text[position:]]).strip()
    return (rest or None), tuple(calls)


_NOT_JSON: Any = object()


def _parsed(content: str) -> Any:
    """A block's content read as JSON (a Markdown code fence around it dropped), or
    :data:`_NOT_JSON`."""
    content = content.strip()
    fenced = _FENCE.match(content)
    try:
        return json.loads(fenced.group(1) if fenced else content)
    except ValueError:
        return _NOT_JSON


def _blocks(text: str) -> list[tuple[int, int, Any]]:
    """Each ``<tool_call>`` block of ``text``: where it starts, where it ends (after its
    closing tag) and its content read as JSON (:data:`_NOT_JSON` when it is not). A block
    without a closing tag is not a block."""
    found: list[tuple[int, int, Any]] = []
    position = 0
    while (start := text.find(TOOL_CALL_OPEN, position)) != -1:
        inner = start + len(TOOL_CALL_OPEN)
        close = chosen = text.find(TOOL_CALL_CLOSE, inner)
        if close == -1:
            break
        # (no closing tag that makes it JSON: it ends at the first, and fails as written)
        data = _NOT_JSON
        for _ in range(_CLOSE_TRIES):
            data = _parsed(text[inner:close])
            if data is not _NOT_JSON:
                chosen = close
                break
            close = text.find(TOOL_CALL_CLOSE, close + len(TOOL_CALL_CLOSE))
            if close == -1:
                break
        end = chosen + len(TOOL_CALL_CLOSE)
        found.append((start, end, data))
        position = end
    return found


def guided_response(response: ChatResponse, request: ChatRequest) -> ChatResponse:
    """The provider's answer to a prompt-guided request, with its tool calls read from the
    text (any native ones it sent anyway are kept first)."""
    if not response.text or TOOL_CALL_OPEN not in response.text:
        return response
    text, calls = parse_tool_calls(
        response.text, request.tools or (), salt=str(len(request.messages))
    )
    return replace(response, text=text, tool_calls=(*response.tool_calls, *calls))


def guided_stream(events: Iterator[StreamEvent], request: ChatRequest) -> Iterator[StreamEvent]:
    """The provider's stream of an answer to a prompt-guided request, read to its end (a block
    can only be parsed whole), then replayed as one text event, the tool calls read from the
    text and the provider's ``final`` event. Closing it closes the provider's stream."""
    texts: list[str] = []
    native: list[StreamEvent] = []
    final = StreamEvent("final")
    try:
        for event in events:
            if event.kind == "text":
                texts.append(event.text)
            elif event.kind == "tool_call":
                native.append(event)
            else:
                final = event
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()
    try:
        text, calls = parse_tool_calls(
            "".join(texts), request.tools or (), salt=str(len(request.messages))
        )
    except InvalidToolCall as invalid:
        invalid.usage = final.usage  # billed even though rejected
        raise
    if text is not None:
        yield StreamEvent("text", text=text)
    yield from native
    for call in calls:
        yield StreamEvent("tool_call", tool_call=call)
    yield final


def uses_prompt_tools(request: ChatRequest | None, pair: Pair) -> bool:
    """Whether this pair's next attempt sends ``request``'s tools in the prompt: it has tools,
    and the pair was switched or its provider declares ``supports_native_tools = False``."""
    if request is None or not request.has_tools:
        return False
    return pair.tools_in_prompt or getattr(pair.provider, "supports_native_tools", None) is False


def switch_to_prompt_tools(failed: Failed) -> Step | None:
    """After a ``tool_schema_error``: switch the pair to prompt-guided tools and go again at
    once (:attr:`Step.AGAIN`), or None when that cannot help (no tools, or already switched)."""
    run, pair = failed.run, failed.pair
    if failed.decision.category != "tool_schema_error" or uses_prompt_tools(run.request, pair):
        return None
    if run.request is None or not run.request.has_tools:
        return None
    failed.note("prompt_tools", extra_budget=1)
    pair.tools_in_prompt = True
    pair.budget += 1
    log_info(
        "Tools rejected; retrying with the tools described in the prompt",
        provider=pair.name, model=pair.model, rule_id=failed.decision.rule_id,
    )
    return Step.AGAIN
