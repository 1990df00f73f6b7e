"""Issue 16, item 4: prompt-guided tools when a provider cannot (or will not) call them natively."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers.executor_rig import Rig, rig_fixture
from hypothesis import example, given
from hypothesis import strategies as st

from reliable_rules import (
    AllProvidersFailed,
    Attempt,
    ChatRequest,
    Message,
    ToolCall,
)
from reliable_rules.errors import InvalidToolCall
from reliable_rules.executor.prompt_tools import (
    parse_tool_calls,
    prompt_guided,
    tools_prompt,
)
from reliable_rules.providers import Anthropic, OpenAICompatible
from reliable_rules.testing import FakeProviderServer, Reply

MODEL = "test-model"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
TIME = {"name": "get_time", "description": "The time now.", "parameters": {"type": "object"}}
TOOLS = [WEATHER, TIME]
CALL_TEXT = (
    "Let me check.\n<tool_call>\n"
    '{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'
)


def ask() -> ChatRequest:
    """A question with two tools offered, under a system prompt."""
    return ChatRequest(
        [Message.system("You are helpful."), Message.user("Weather in Paris?")], tools=TOOLS
    )


rig = rig_fixture(api_key="sk-test-prompt-tools-0000", timeout=10.0)


def adapter(rig: Rig, kind: str, server: FakeProviderServer, *, native: bool = True) -> Any:
    """An adapter of ``kind`` for ``server`` (declaring native tools or not)."""
    made: OpenAICompatible | Anthropic
    if kind == "openai":
        made = OpenAICompatible(
            server.openai_base_url, "sk-test-0000000000000", supports_native_tools=native
        )
    else:
        made = Anthropic(
            server.anthropic_base_url, "sk-ant-test-00000000", supports_native_tools=native
        )
    rig.adapters.append(made)
    return made


def rejected(kind: str) -> Reply:
    """How each API rejects tools: Groq's validation failure, Anthropic's schema error."""
    if kind == "openai":
        return Reply.openai_error(
            400,
            "tool call validation failed: attempted to call tool 'get_weather' which was not "
            "in request",
            code="tool_use_failed",
        )
    return Reply.anthropic_error(
        400, "invalid_request_error", "tools.0.custom.input_schema: JSON schema is invalid"
    )


def system_text(kind: str, body: dict[str, Any]) -> str:
    """The system prompt a request body carries, in either API's shape."""
    if kind == "anthropic":
        return str(body.get("system", ""))
    return "\n".join(m["content"] for m in body["messages"] if m["role"] == "system")


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_rejected_tools_are_retried_in_the_prompt(rig: Rig, kind: str) -> None:
    """A tool_schema_error switches the pair to prompt-guided tools at once: the second request
    has no tools field, the tools in its system prompt, and the answer's tool_call block comes
    back as a ToolCall."""
    server = rig.server("a")
    server.script(rejected(kind), Reply.ok(CALL_TEXT))
    executor = rig.executor([("a", adapter(rig, kind, server))])
    outcome = executor.execute(ask(), MODEL)
    response = outcome.response
    assert response.text == "Let me check."
    assert [(c.name, json.loads(c.arguments)) for c in response.tool_calls] == [
        ("get_weather", {"city": "Paris"})
    ]
    assert response.tool_calls[0].id.startswith("call_")
    first, second = (request.json for request in server.requests)
    assert "tools" in first
    assert "tools" not in second
    system = system_text(kind, second)
    assert system.startswith("You are helpful.")
    assert "get_weather: The weather in a city." in system
    assert "<tool_call>" in system
    assert [r.action for r in outcome.attempts] == ["prompt_tools", "success"]
    assert outcome.attempts[0].decision is not None
    assert outcome.attempts[0].decision.category == "tool_schema_error"
    assert outcome.attempts[1].max_attempts == 4  # one more for the switch, as a truncation


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_a_provider_without_native_tools_gets_them_in_the_prompt(rig: Rig, kind: str) -> None:
    """supports_native_tools=False: the first request is already prompt-guided; one request."""
    server = rig.server("a")
    server.script(Reply.ok(CALL_TEXT))
    executor = rig.executor([("a", adapter(rig, kind, server, native=False))])
    response = executor.chat(ask(), MODEL)
    assert [c.name for c in response.tool_calls] == ["get_weather"]
    (only,) = server.requests
    assert "tools" not in only.json
    assert "get_time: The time now." in system_text(kind, only.json)


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_prompt_guided_and_native_calls_are_the_same_tool_call(rig: Rig, kind: str) -> None:
    """The same call made natively by one server and prompt-guided by another parses to the
    same name and arguments."""
    native = rig.server("native")
    native.script(
        Reply.ok(tool_calls=[ToolCall("call_n", "get_weather", '{"city": "Paris"}')])
    )
    guided = rig.server("guided")
    guided.script(Reply.ok(CALL_TEXT))
    made = rig.executor([("n", adapter(rig, kind, native))]).chat(ask(), MODEL)
    read = rig.executor([("g", adapter(rig, kind, guided, native=False))]).chat(ask(), MODEL)
    assert [(c.name, json.loads(c.arguments)) for c in made.tool_calls] == [
        (c.name, json.loads(c.arguments)) for c in read.tool_calls
    ]
    assert all(isinstance(call, ToolCall) for call in read.tool_calls)


def test_an_answer_without_blocks_is_plain_text(rig: Rig) -> None:
    """A prompt-guided answer that calls no tool is returned as text, with no tool calls."""
    server = rig.server("a")
    server.script(Reply.ok("It is sunny in Paris."))
    executor = rig.executor([("a", adapter(rig, "openai", server, native=False))])
    response = executor.chat(ask(), MODEL)
    assert (response.text, response.tool_calls) == ("It is sunny in Paris.", ())


def test_an_invalid_tool_call_is_retried_then_the_next_provider(rig: Rig) -> None:
    """A block naming a tool that was not offered is an InvalidToolCall (tool_schema_error):
    retried on the pair, then the next provider answers natively."""
    a = rig.server("a")
    bad = '<tool_call>{"name": "rm_rf", "arguments": {}}</tool_call>'
    a.script(Reply.ok(bad), Reply.ok(bad))
    b = rig.server("b")
    b.script(Reply.ok(tool_calls=[ToolCall("call_b", "get_time", "{}")]))
    executor = rig.executor(
        [("a", adapter(rig, "openai", a, native=False)), ("b", adapter(rig, "openai", b))],
        max_retries=1,
    )
    outcome = executor.execute(ask(), MODEL)
    assert outcome.provider == "b"
    assert [c.name for c in outcome.response.tool_calls] == ["get_time"]
    assert [r.action for r in outcome.attempts] == ["retry", "give_up", "success"]
    assert "'rm_rf' is not in request" in outcome.trail[0]
    assert "tools" in b.requests[0].json


def test_the_switch_happens_once_per_pair(rig: Rig) -> None:
    """If the prompt-guided request is rejected too, the pair is retried as usual (no second
    switch), and the next provider starts with native tools again."""
    a = rig.server("a", default=rejected("openai"))
    b = rig.server("b")
    b.script(Reply.ok("native answer"))
    executor = rig.executor(
        [("a", adapter(rig, "openai", a)), ("b", adapter(rig, "openai", b))], max_retries=1
    )
    outcome = executor.execute(ask(), MODEL)
    assert outcome.response.text == "native answer"
    assert [r.action for r in outcome.attempts] == ["prompt_tools", "retry", "give_up", "success"]
    assert ["tools" in r.json for r in a.requests] == [True, False, False]
    assert "tools" in b.requests[0].json


def test_a_request_without_tools_is_not_switched(rig: Rig) -> None:
    """A tool_schema_error on a request without tools is an ordinary retry."""
    server = rig.server("a")
    server.script(rejected("openai"), Reply.ok("fine"))
    executor = rig.executor([("a", adapter(rig, "openai", server))])
    outcome = executor.execute(ChatRequest([Message.user("hi")]), MODEL)
    assert [r.action for r in outcome.attempts] == ["retry", "success"]


def test_call_functions_are_told_to_use_the_prompt(rig: Rig) -> None:
    """executor.call hands fn an Attempt whose tools_in_prompt follows the switch."""
    seen: list[bool] = []

    def fn(attempt: Attempt) -> str:
        seen.append(attempt.tools_in_prompt)
        if not attempt.tools_in_prompt:
            raise RuntimeError("tool call validation failed: tool not found in tool list")
        return "ok"

    executor = rig.executor([("a", object())])
    assert executor.call(fn, model=MODEL, request=ask()) == "ok"
    assert seen == [False, True]


def test_prompt_guided_history_writes_tool_turns_as_text() -> None:
    """Tool calls become <tool_call> blocks in the assistant text and consecutive results one
    user message of <tool_result> blocks; a system prompt is added when there is none."""
    call1 = ToolCall("c1", "get_weather", '{"city": "Paris"}')
    call2 = ToolCall("c2", "get_time", "{}")
    request = ChatRequest(
        [
            Message.user("Weather and time?"),
            Message.assistant("Checking.", tool_calls=[call1, call2]),
            Message.tool("c1", "sunny"),
            Message.tool("c2", "noon"),
        ],
        tools=TOOLS,
    )
    guided = prompt_guided(request)
    assert guided.tools is None
    assert [m.role for m in guided.messages] == ["system", "user", "assistant", "user"]
    assert guided.messages[0].content == tools_prompt(TOOLS)
    assistant = guided.messages[2]
    assert assistant.tool_calls == ()
    assert assistant.content.startswith("Checking.\n<tool_call>")
    assert parse_tool_calls(assistant.content, TOOLS)[1][0].name == "get_weather"
    results = guided.messages[3].content
    assert results == (
        '<tool_result id="c1">\nsunny\n</tool_result>\n<tool_result id="c2">\nnoon\n</tool_result>'
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no tools here", ("no tools here", [])),
        (CALL_TEXT, ("Let me check.", [("get_weather", {"city": "Paris"})])),
        (
            '<tool_call>\n```json\n{"name": "get_time"}\n```\n</tool_call>',
            (None, [("get_time", {})]),
        ),
        (
            '<tool_call>{"name": "get_time", "arguments": "{}"}</tool_call>'
            '<tool_call>{"name": "get_weather", "arguments": {"city": "Rome"}}</tool_call>',
            (None, [("get_time", {}), ("get_weather", {"city": "Rome"})]),
        ),
    ],
)
def test_parse_tool_calls_reads_blocks(text: str, expected: tuple[Any, Any]) -> None:
    """Blocks become calls (a fenced JSON body and string arguments too); the rest is text."""
    rest, calls = parse_tool_calls(text, TOOLS)
    assert (rest, [(c.name, json.loads(c.arguments)) for c in calls]) == expected
    assert len({c.id for c in calls}) == len(calls)


@pytest.mark.parametrize(
    ("block", "why"),
    [
        ("not json", "not a JSON object"),
        ('{"arguments": {}}', "no tool name"),
        ('{"name": "nope"}', "'nope' is not in request"),
        ('{"name": "get_time", "arguments": [1]}', "not a JSON object"),
        ('{"name": "get_time", "arguments": "{oops"}', "not JSON"),
    ],
)
def test_parse_tool_calls_refuses_bad_blocks(block: str, why: str) -> None:
    """A block that is not a call of an offered tool raises InvalidToolCall saying why."""
    with pytest.raises(InvalidToolCall, match=why):
        parse_tool_calls(f"<tool_call>{block}</tool_call>", TOOLS)


def test_a_closing_tag_inside_an_argument_does_not_end_the_block() -> None:
    """A string argument holding "</tool_call>" stays in the call; the prose around is kept."""
    block = json.dumps({"name": "get_weather", "arguments": {"html": "a </tool_call> b"}})
    text = f"Checking.\n<tool_call>\n{block}\n</tool_call>\nDone."
    rest, calls = parse_tool_calls(text, TOOLS)
    assert [(c.name, json.loads(c.arguments)) for c in calls] == [
        ("get_weather", {"html": "a </tool_call> b"})
    ]
    assert rest == "Checking.\n\nDone."


def test_a_block_no_closing_tag_makes_json_ends_at_the_first() -> None:
    """Invalid JSON is refused as written, the later closing tags notwithstanding, and a block
    whose JSON would close only after more closing tags than are tried is cut at the first."""
    with pytest.raises(InvalidToolCall, match="#1 in the answer: not a JSON object"):
        parse_tool_calls("<tool_call>{oops</tool_call> text </tool_call>", TOOLS)
    inside = "</tool_call>" * 40
    block = json.dumps({"name": "get_time", "arguments": {"x": inside}})
    with pytest.raises(InvalidToolCall, match="not a JSON object"):
        parse_tool_calls(f"<tool_call>{block}</tool_call>", TOOLS)
    block = json.dumps({"name": "get_time", "arguments": {"x": "</tool_call>" * 3}})
    _, calls = parse_tool_calls(f"<tool_call>{block}</tool_call>", TOOLS)
    assert json.loads(calls[0].arguments) == {"x": "</tool_call>" * 3}


NAMES = st.sampled_from(["get_weather", "get_time"])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


@given(
    prose=st.text(max_size=40).filter(lambda t: "<tool_call>" not in t and "</" not in t),
    calls=st.lists(st.tuples(NAMES, st.dictionaries(st.text(max_size=8), JSON_VALUES)), max_size=4),
)
# found by Hypothesis in CI: a string argument holding the closing tag
@example(prose="", calls=[("get_weather", {"": "</tool_call>"})])
def test_written_calls_parse_back(prose: str, calls: list[tuple[str, dict[str, Any]]]) -> None:
    """Whatever the arguments, calls written as the prompt asks parse back to the same calls,
    and the prose is what is left."""
    blocks = [
        f"<tool_call>\n{json.dumps({'name': name, 'arguments': args})}\n</tool_call>"
        for name, args in calls
    ]
    rest, parsed = parse_tool_calls("\n".join([prose, *blocks]), TOOLS)
    assert [(c.name, json.loads(c.arguments)) for c in parsed] == calls
    assert rest == (prose.strip() or None)


def test_every_provider_rejecting_tools_fails_with_the_trail(rig: Rig) -> None:
    """Tools rejected natively and prompt-guided everywhere: AllProvidersFailed lists them."""
    a = rig.server("a", default=rejected("openai"))
    executor = rig.executor([("a", adapter(rig, "openai", a))], max_retries=0)
    with pytest.raises(AllProvidersFailed, match="tool call validation failed") as caught:
        executor.chat(ask(), MODEL)
    assert [r.action for r in caught.value.attempts] == ["prompt_tools", "give_up"]
