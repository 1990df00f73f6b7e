"""Issue 16, item 5: context truncation drops whole user turns, oldest first."""

from __future__ import annotations

import pytest
from helpers.executor_rig import Rig, rig_fixture
from hypothesis import given
from hypothesis import strategies as st

from reliable_rules import ChatRequest, ContextWindowExceeded, Message, ToolCall
from reliable_rules.executor.truncation import truncate_for_context, turns
from reliable_rules.testing import Reply

MODEL = "test-model"


def agent_turn(number: int, calls: int) -> list[Message]:
    """A user question answered by ``calls`` tool round trips and a final assistant text."""
    messages = [Message.user(f"question {number}")]
    for step in range(calls):
        call = ToolCall(f"call_{number}_{step}", "shell", f'{{"step": {step}}}')
        messages.append(Message.assistant(f"thinking {number}.{step}", tool_calls=[call]))
        messages.append(Message.tool(call.id, f"result {number}.{step}"))
    messages.append(Message.assistant(f"answer {number}"))
    return messages


def agent_history(calls_per_turn: list[int]) -> list[Message]:
    """A system prompt, then one tool-using turn per item."""
    history = [Message.system("You are an agent.")]
    for number, calls in enumerate(calls_per_turn, start=1):
        history += agent_turn(number, calls)
    return history


def test_whole_tool_using_turns_are_dropped_oldest_first() -> None:
    """Four turns of 2, 3, 1 and 2 tool calls (24 messages after the system prompt): turns 1
    and 2 go (14 messages, the first whole turns that make at least half),
    the first kept message after the system prompt is question 3."""
    history = agent_history([2, 3, 1, 2])
    kept, dropped = truncate_for_context(history)
    assert dropped == 14
    assert kept[0] == history[0]
    assert kept[1] == Message.user("question 3")
    assert kept[1:] == tuple(history[15:])


def test_a_turn_is_never_cut_to_reach_half() -> None:
    """A first turn longer than half the history goes whole; nothing of it stays."""
    history = agent_history([6, 0, 0])
    kept, dropped = truncate_for_context(history)
    assert dropped == len(agent_turn(1, 6))
    assert [m.content for m in kept] == [
        "You are an agent.", "question 2", "answer 2", "question 3", "answer 3",
    ]  # fmt: skip


def test_a_single_long_turn_cannot_shrink() -> None:
    """One question with ten tool round trips: nothing is dropped (cutting would orphan
    tool results or leave the assistant first)."""
    history = agent_history([10])
    assert truncate_for_context(history) == (tuple(history), 0)


def test_messages_before_the_first_question_are_the_oldest_turn() -> None:
    """An assistant greeting before the first user message is the oldest turn: it goes first,
    then whole turns until half the messages are gone."""
    history = [
        Message.system("s"),
        Message.assistant("Hello! How can I help?"),
        Message.user("q1"),
        Message.assistant("a1"),
        Message.user("q2"),
    ]
    kept, dropped = truncate_for_context(history)
    assert [m.content for m in kept] == ["s", "q2"]
    assert dropped == 3


def test_turns_group_each_question_with_its_answers() -> None:
    """``turns`` returns non-system indices grouped at user messages."""
    history = agent_history([1, 0])
    assert turns(history) == [[1, 2, 3, 4], [5, 6]]


ROLES = st.sampled_from(["user", "assistant", "tool", "system"])


@st.composite
def histories(draw: st.DrawFn) -> list[Message]:
    """Random well-formed histories: tool results always follow their call."""
    messages: list[Message] = []
    for index in range(draw(st.integers(0, 40))):
        role = draw(ROLES)
        if role == "tool":
            call = ToolCall(f"c{index}", "t", "{}")
            messages.append(Message.assistant(tool_calls=[call]))
            messages.append(Message.tool(call.id, "r"))
        else:
            messages.append(Message(role, f"{role} {index}"))
    return messages


@given(histories())
def test_truncation_keeps_turns_whole(history: list[Message]) -> None:
    """Whatever the history: system messages and the last turn stay, the first non-system
    message left is a user message (when anything was dropped), every tool result keeps its
    call, and at least half of the non-system messages go unless nothing can."""
    kept, dropped = truncate_for_context(history)
    non_system = [m for m in history if m.role != "system"]
    assert len(kept) == len(history) - dropped
    assert [m for m in kept if m.role == "system"] == [m for m in history if m.role == "system"]
    groups = turns(history)
    if len(groups) <= 1:
        assert dropped == 0
        return
    assert dropped >= len(non_system) // 2 or dropped == len(non_system) - len(groups[-1])
    assert [history[i] for i in groups[-1]] == [m for m in kept if m.role != "system"][
        -len(groups[-1]) :
    ]
    first = next(m for m in kept if m.role != "system")
    assert first.role == "user"
    ids = {call.id for m in kept for call in m.tool_calls}
    assert all(m.tool_call_id in ids for m in kept if m.role == "tool")


rig = rig_fixture(api_key="sk-test-truncation-0000", timeout=10.0)


OVERFLOW = Reply.openai_error(
    400,
    "This model's maximum context length is 8192 tokens. However, your messages resulted in "
    "9000 tokens.",
    code="context_length_exceeded",
)


@pytest.mark.parametrize("adapter", ["openai", "anthropic"])
def test_an_overflow_over_http_sends_whole_turns(rig: Rig, adapter: str) -> None:
    """A long tool-using history overflows once; the retry sends the last two turns whole,
    starting with a user message, and every tool result still follows its call."""
    server = rig.server("a")
    if adapter == "openai":
        server.script(OVERFLOW, Reply.ok("fits now"))
        provider = rig.openai(server)
    else:
        server.script(
            Reply.anthropic_error(400, "invalid_request_error", "prompt is too long: 9000 tokens"),
            Reply.ok("fits now"),
        )
        provider = rig.anthropic(server)
    history = agent_history([3, 2, 2, 1])
    outcome = rig.executor([("a", provider)]).execute(ChatRequest(history), MODEL)
    assert outcome.response.text == "fits now"
    assert outcome.history_truncated
    first, second = (
        [m for m in request.json["messages"] if m["role"] != "system"]
        for request in server.requests
    )
    assert (len(first), len(second)) == (24, 10)
    assert second[0] == {"role": "user", "content": "question 3"}
    assert outcome.request is not None
    assert outcome.request.messages[1:] == tuple(history[15:])


def test_an_overflowing_single_turn_fails_with_context_window_exceeded(rig: Rig) -> None:
    """One question with many tool calls overflows: one request, then ContextWindowExceeded."""
    server = rig.server("a", default=OVERFLOW)
    executor = rig.executor([("a", rig.openai(server))])
    with pytest.raises(ContextWindowExceeded, match="cannot be reduced further"):
        executor.chat(ChatRequest(agent_history([12])), MODEL)
    assert len(server.requests) == 1
