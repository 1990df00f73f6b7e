"""A shared store's fallbacks to local state reach the executor's ``on_store_fallback`` hook."""

from __future__ import annotations

import pytest
from helpers.ports import closed_port

from reliable_rules import ChatRequest, Hooks, Message, RedisState, ReliableExecutor
from reliable_rules.executor.records import StoreFallbackEvent
from reliable_rules.testing import FakeProviderServer, Reply

pytest.importorskip("redis")


def test_an_unreachable_redis_is_reported_to_the_hooks() -> None:
    """A RedisState on a port nothing answers falls back, the call still answers, and every
    fallback is shown to on_store_fallback as ("redis", the operation)."""
    from reliable_rules.providers import OpenAICompatible  # noqa: PLC0415 — the adapter under test

    events: list[StoreFallbackEvent] = []
    state = RedisState.from_url(f"redis://127.0.0.1:{closed_port()}/0", namespace="t")
    with FakeProviderServer() as server:
        server.script(Reply.ok("fine"))
        executor = ReliableExecutor(
            [("p", OpenAICompatible(server.openai_base_url, "sk-test-0000", timeout=5.0))],
            state=state,
            cooldown=True,
            hooks=Hooks(on_store_fallback=events.append),
        )
        assert executor.chat(ChatRequest([Message.user("hi")]), "m").text == "fine"
        executor.close()
    state.close()
    assert events
    assert {event.store for event in events} == {"redis"}
    assert len(events) == state.fallbacks


def test_a_store_with_its_own_observer_keeps_it() -> None:
    """RedisState(on_fallback=...) given by the user is not replaced by the executor's."""
    seen: list[str] = []
    state = RedisState.from_url(
        f"redis://127.0.0.1:{closed_port()}/0", namespace="t", on_fallback=seen.append
    )
    ReliableExecutor([("p", object())], state=state, cooldown=True).close()
    assert state.on_fallback == seen.append
    state.close()
