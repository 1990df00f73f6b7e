"""Issue 16: the executor as a user runs it (cooldowns, waits, bounded trails, small things)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers.executor_rig import Rig

from reliable_rules import ChatRequest, Message
from reliable_rules.testing import Reply

MODEL = "test-model"


@pytest.fixture
def rig() -> Iterator[Rig]:
    made = Rig(virtual_time=True, api_key="sk-test-issue16-0000", timeout=10.0)
    try:
        yield made
    finally:
        made.close()


def ask() -> ChatRequest:
    """A one-message request."""
    return ChatRequest([Message.user("hello")])


def rate_limited(seconds: int) -> Reply:
    """An OpenAI-style 429 asking to wait ``seconds``."""
    return Reply.openai_error(429, "Rate limit reached", headers={"Retry-After": str(seconds)})


def test_cooldown_is_remembered_when_the_retry_budget_is_spent(rig: Rig) -> None:
    """With cooldown on and max_retries=0, A's 429 (Retry-After 30) moves the call to B and
    the next call skips A too."""
    a = rig.server("a")
    a.script(rate_limited(30), Reply.ok("a answered"))
    b = rig.server("b")
    executor = rig.executor(
        [("a", rig.openai(a)), ("b", rig.openai(b))], cooldown=True, max_retries=0
    )
    assert executor.chat(ask(), MODEL).text == "ok from b"
    assert executor.chat(ask(), MODEL).text == "ok from b"
    assert (len(a.requests), len(b.requests)) == (1, 2)
    assert executor.health.cooling("a") > 25
