"""Executors sharing one store behave as one: what one learns (a cooldown, an open circuit,
the key ring's position, a rate-limited key, a spent budget) the others obey. Run against
MemoryState and RedisState alike; real HTTP to FakeProviderServer; backoff sleeps are
virtual (FakeTiming) except where a budget's real wait is the point."""

from __future__ import annotations

import re
import time

import pytest
from helpers.executor_rig import Rig, rig_fixture
from helpers.state_stores import StoreFactory

from reliable_rules import (
    ChatRequest,
    CircuitBreakerPolicy,
    DeadlineExceeded,
    Message,
    RateBudget,
    ReliableExecutor,
)
from reliable_rules.testing import FakeTiming, Reply

MODEL = "test-model"
KEYS = ["sk-ring-key-0000", "sk-ring-key-1111", "sk-ring-key-2222"]


def ask() -> ChatRequest:
    """A one-message request."""
    return ChatRequest([Message.user("hi")])


def rate_limited(retry_after: str | None = None) -> Reply:
    """An OpenAI 429, with Retry-After when given."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Reply.openai_error(429, "Rate limit reached for requests", headers=headers)


rig = rig_fixture(api_key="sk-own-key-9999", timeout=5.0)


def test_a_cooldown_learned_by_one_executor_is_honoured_by_another(
    rig: Rig, stores: StoreFactory
) -> None:
    """A 429 with Retry-After: 30 on the primary sends the first executor to the backup; a
    second executor on the same store goes straight to the backup."""
    primary, backup = rig.server("primary"), rig.server("backup")
    primary.script(rate_limited("30"))
    providers = [("primary", rig.openai(primary)), ("backup", rig.openai(backup))]
    first = rig.executor(providers, cooldown=True, state=stores())
    second = rig.executor(providers, cooldown=True, state=stores())
    assert first.execute(ask(), MODEL).provider == "backup"
    for _ in range(3):
        assert second.execute(ask(), MODEL).provider == "backup"
    assert (len(primary.requests), len(backup.requests)) == (1, 4)


def test_a_circuit_opened_by_one_executor_is_open_for_another(
    rig: Rig, stores: StoreFactory
) -> None:
    """Two 500s open the primary's circuit in the first executor; the second skips it."""
    primary, backup = rig.server("primary"), rig.server("backup")
    primary.script(Reply.openai_error(500, "boom"), Reply.openai_error(500, "boom"))
    providers = [("primary", rig.openai(primary)), ("backup", rig.openai(backup))]
    policy = CircuitBreakerPolicy(failure_threshold=2, reset_after_s=30.0)
    first = rig.executor(providers, circuit_breaker=policy, max_retries=1, state=stores())
    second = rig.executor(providers, circuit_breaker=policy, max_retries=1, state=stores())
    assert first.execute(ask(), MODEL).provider == "backup"
    assert [second.execute(ask(), MODEL).provider for _ in range(2)] == ["backup", "backup"]
    assert len(primary.requests) == 2


def test_executors_rotate_through_one_key_ring(rig: Rig, stores: StoreFactory) -> None:
    """Rate limits in two executors alternately move one shared ring: each call starts on the
    ring's current key (k0, k1, k2, k0, ...) and its retry uses the next one."""
    server = rig.server("primary")
    executors = [
        rig.executor([("primary", rig.openai(server))], api_keys=KEYS, state=stores())
        for _ in range(2)
    ]
    for turn in range(6):
        server.script(rate_limited(), Reply.ok())
        executors[turn % 2].chat(ask(), MODEL)
    sent = [request.api_key for request in server.requests]
    assert sent[0::2] == KEYS + KEYS
    assert sent[1::2] == (KEYS[1:] + KEYS[:1]) * 2


def test_a_rate_limited_key_is_skipped_by_every_executor(rig: Rig, stores: StoreFactory) -> None:
    """With cooldowns on, a key answered 429 Retry-After: 30 is not handed out by another
    executor's rotation until its wait ends."""
    server = rig.server("primary")
    keys = KEYS[:2]
    first, second = (
        rig.executor(
            [("primary", rig.openai(server))], api_keys=keys, cooldown=True, state=stores()
        )
        for _ in range(2)
    )
    # k0: 429 Retry-After 30 (k0 cools down) -> k1: ok
    server.script(rate_limited("30"), Reply.ok())
    first.chat(ask(), MODEL)
    # the second executor starts where the ring is (k1); its 429 turns the ring to k0, which
    # is cooling: k1 again
    server.script(rate_limited(), Reply.ok())
    second.chat(ask(), MODEL)
    assert [request.api_key for request in server.requests] == [
        keys[0], keys[1], keys[1], keys[1],
    ]


def test_a_rate_budget_is_shared_and_makes_calls_wait(rig: Rig, stores: StoreFactory) -> None:
    """``RateBudget(2, per_s=1.0)`` across two executors: a call whose deadline ends before a
    slot frees up sends nothing, and the next call waits (real time) until the first slot
    frees up."""
    server = rig.server("primary")
    budgets = {"primary": RateBudget(2, per_s=1.0)}
    first, second = (
        rig.executor(
            [("primary", rig.openai(server))], rate_budgets=budgets, state=stores(),
            timing=None if index == 0 else FakeTiming(),
        )
        for index in range(2)
    )
    started = time.monotonic()
    first.chat(ask(), MODEL)
    second.chat(ask(), MODEL)
    with pytest.raises(DeadlineExceeded):
        first.chat(ask(), MODEL, deadline_s=0.05)
    assert len(server.requests) == 2
    first.chat(ask(), MODEL)
    assert 1.0 <= time.monotonic() - started < 3.0
    assert len(server.requests) == 3


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"state": object()}, "state must be a StateStore"),
        ({"state": {"cool": 1}}, "state must be a StateStore"),
        ({"rate_budgets": {"primary": 60}}, "rate_budgets['primary'] must be a RateBudget"),
    ],
)
def test_a_bad_state_or_budget_is_refused(options: dict[str, object], message: str) -> None:
    """The executor checks ``state=`` and ``rate_budgets=`` when it is built."""
    with pytest.raises(TypeError, match=re.escape(message)):
        ReliableExecutor([], **options)  # type: ignore[arg-type]


def test_a_budget_wait_longer_than_the_deadline_ends_the_call_at_once(
    rig: Rig, stores: StoreFactory
) -> None:
    """No slot for 30 s and a 5 s deadline: DeadlineExceeded at once, no sleep, no request."""
    server = rig.server("primary")
    executor = rig.executor(
        [("primary", rig.openai(server))], state=stores(), timing=None,
        rate_budgets={"primary": RateBudget(1, per_s=30.0)},
    )
    executor.chat(ask(), MODEL)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        executor.chat(ask(), MODEL, deadline_s=5.0)
    assert time.monotonic() - started < 1.0
    assert len(server.requests) == 1
