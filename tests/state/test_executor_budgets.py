"""Token budgets, limits learned from rate-limit headers, and provider+model cooldowns,
through executors sharing one store (MemoryState and RedisState alike): real HTTP to
FakeProviderServer; backoff sleeps are virtual (FakeTiming) except where a real wait is the
point."""

from __future__ import annotations

import time

import pytest
from helpers.executor_rig import Rig, rig_fixture
from helpers.state_stores import StoreFactory

from reliable_rules import (
    AllProvidersFailed,
    Attempt,
    ChatRequest,
    ChatResponse,
    DeadlineExceeded,
    Message,
    RateBudget,
    Usage,
    load_rules,
)
from reliable_rules.errors import EmptyResponse
from reliable_rules.executor.budgets import estimate_tokens
from reliable_rules.executor.health import model_scoped
from reliable_rules.testing import Reply

MODEL, OTHER = "test-model", "other-model"

rig = rig_fixture(api_key="sk-own-key-9999", timeout=5.0)


def ask(max_tokens: int | None = None) -> ChatRequest:
    """A one-message request."""
    return ChatRequest([Message.user("hi")], max_tokens=max_tokens)


def spent(reset: str, kind: str = "requests") -> dict[str, str]:
    """OpenAI-style headers saying ``kind`` is spent until ``reset``."""
    return {
        f"x-ratelimit-limit-{kind}": "100",
        f"x-ratelimit-remaining-{kind}": "0",
        f"x-ratelimit-reset-{kind}": reset,
    }


def test_the_answer_s_usage_replaces_the_estimate_in_the_shared_window(
    rig: Rig, stores: StoreFactory
) -> None:
    """A call estimated at more than 500 tokens (its ``max_tokens``) that used far fewer
    leaves exactly what it used in the token window, as another store sees it."""
    server = rig.server("primary")
    budget = RateBudget(tokens=1000, per_s=60.0)
    executor = rig.executor(
        [("primary", rig.openai(server))], rate_budgets={"primary": budget}, state=stores()
    )
    request = ask(max_tokens=500)
    usage = executor.execute(request, MODEL).usage
    assert usage is not None
    assert usage.input_tokens
    assert usage.output_tokens
    used = usage.input_tokens + usage.output_tokens
    assert used < 500 < estimate_tokens(request)
    other = stores()
    assert other.take("rate:primary", budget, 1000 - used)[0] == 0.0
    assert other.take("rate:primary", budget, 1)[0] > 0


def test_usage_past_the_estimate_makes_the_next_calls_wait(
    rig: Rig, stores: StoreFactory
) -> None:
    """An answer reporting 900 tokens (estimated at a few) fills ``RateBudget(tokens=1000)``:
    another executor's call estimated at 200 cannot start within its deadline and sends
    nothing; a billed failure is charged its usage the same way."""
    server = rig.server("primary")
    budgets = {"primary": RateBudget(tokens=1000, per_s=60.0)}
    first, second = (
        rig.executor([("primary", rig.openai(server))], rate_budgets=budgets, state=stores())
        for _ in range(2)
    )

    def heavy(attempt: Attempt) -> ChatResponse:
        return ChatResponse("done", usage=Usage(700, 200))

    assert first.call(heavy, model=MODEL, request=ask()).text == "done"
    with pytest.raises(DeadlineExceeded):
        second.chat(ask(max_tokens=200), MODEL, deadline_s=0.05)
    assert second.chat(ask(max_tokens=50), MODEL).text  # 900 + ~55 fits
    assert len(server.requests) == 1


def test_a_billed_failure_is_charged_its_usage(rig: Rig, stores: StoreFactory) -> None:
    """An empty answer the provider billed 900 tokens for leaves 900 in the window (its
    estimate was 0: ``call`` without a request)."""
    server = rig.server("primary")
    budget = RateBudget(tokens=1000, per_s=60.0)
    executor = rig.executor(
        [("primary", rig.openai(server))], state=stores(), max_retries=0,
        rate_budgets={"primary": budget},
    )

    def billed_empty(attempt: Attempt) -> ChatResponse:
        raise EmptyResponse("Empty response from model", usage=Usage(900, 0))

    with pytest.raises(AllProvidersFailed):
        executor.call(billed_empty, model=MODEL)
    other = stores()
    assert other.take("rate:primary", budget, 100)[0] == 0.0
    assert other.take("rate:primary", budget, 1)[0] > 0


def test_a_spent_limit_learned_from_an_answer_skips_only_that_model(
    rig: Rig, stores: StoreFactory
) -> None:
    """The primary answers with ``x-ratelimit-remaining-requests: 0`` (reset 30 s): another
    executor on the store skips the primary for that model (cooldown on) and still uses it
    for another model."""
    primary, backup = rig.server("primary"), rig.server("backup")
    primary.script(Reply.ok(headers=spent("30s")))
    providers = [("primary", rig.openai(primary)), ("backup", rig.openai(backup))]
    first, second = (
        rig.executor(
            providers, cooldown=True, rate_budgets={"primary": RateBudget()}, state=stores()
        )
        for _ in range(2)
    )
    assert first.execute(ask(), MODEL).provider == "primary"
    assert second.execute(ask(), MODEL).provider == "backup"
    assert second.execute(ask(), OTHER).provider == "primary"
    assert [request.model for request in primary.requests] == [MODEL, OTHER]


def test_a_spent_limit_learned_from_a_429_is_honoured_by_another_executor(
    rig: Rig, stores: StoreFactory
) -> None:
    """A 429 saying tokens are spent until a reset in 300 ms (no cooldowns, no retries): the
    first call fails; another executor's call waits for the reset (real time) before it
    sends anything."""
    primary = rig.server("primary")
    primary.script(Reply.openai_error(429, "Rate limit reached", headers=spent("300ms", "tokens")))
    first, second = (
        rig.executor(
            [("primary", rig.openai(primary))], rate_budgets={"primary": RateBudget()},
            state=stores(), timing=None, max_retries=0,
        )
        for _ in range(2)
    )
    with pytest.raises(AllProvidersFailed):
        first.chat(ask(), MODEL)
    started = time.monotonic()
    assert second.chat(ask(), MODEL).text
    assert 0.2 <= time.monotonic() - started < 3.0
    assert len(primary.requests) == 2


@pytest.mark.parametrize(
    ("reset", "max_wait_s", "waits"),
    [("300ms", 10.0, True), ("30s", 1.0, False)],
)
def test_a_spent_learned_limit_is_waited_for_when_nothing_else_can_answer(
    rig: Rig, stores: StoreFactory, reset: str, max_wait_s: float, waits: bool
) -> None:
    """Only the primary: after an answer saying requests are spent until ``reset``, another
    executor's call waits for the reset (real time); a reset past ``max_wait_s`` is not
    waited for (the provider's own answer decides)."""
    primary = rig.server("primary")
    primary.script(Reply.ok(headers=spent(reset)))
    first, second = (
        rig.executor(
            [("primary", rig.openai(primary))], rate_budgets={"primary": RateBudget()},
            state=stores(), timing=None, max_wait_s=max_wait_s,
        )
        for _ in range(2)
    )
    first.chat(ask(), MODEL)
    started = time.monotonic()
    assert second.chat(ask(), MODEL).text
    elapsed = time.monotonic() - started
    assert (elapsed >= 0.2) is waits, elapsed
    assert elapsed < 3.0
    assert len(primary.requests) == 2


@pytest.mark.parametrize(
    ("status", "message", "skips"),
    [
        (429, "Rate limit reached for test-model in organization org-abc on requests per min",
         "pair"),
        (429, "Rate limit reached for requests", "provider"),
        (503, "The model is overloaded. Please try again later.", "pair"),
        (503, "Service unavailable", "none"),
    ],
)
def test_a_model_scoped_failure_cools_only_the_pair(
    rig: Rig, stores: StoreFactory, status: int, message: str, skips: str
) -> None:
    """With cooldowns on, a failure with Retry-After: 30 naming the model (or saying the
    model is overloaded) cools the provider+model pair: another executor skips the primary
    for that model and uses it for another; a provider-wide 429 cools the provider for
    every model; a 503 that is not about the model cools nothing."""
    primary, backup = rig.server("primary"), rig.server("backup")
    primary.script(Reply.openai_error(status, message, headers={"Retry-After": "30"}))
    providers = [("primary", rig.openai(primary)), ("backup", rig.openai(backup))]
    first, second = (
        rig.executor(providers, cooldown=True, max_retries=0, state=stores())
        for _ in range(2)
    )
    assert first.execute(ask(), MODEL).provider == "backup"
    answered = (second.execute(ask(), MODEL).provider, second.execute(ask(), OTHER).provider)
    assert answered == {
        "pair": ("backup", "primary"),
        "provider": ("backup", "backup"),
        "none": ("primary", "primary"),
    }[skips]


class _Overloaded(Exception):
    """An error carrying only a message."""


@pytest.mark.parametrize(
    ("message", "scoped"),
    [
        ("Rate limit reached for gpt-4o in organization org-x on tokens per min (TPM)", True),
        ("The model is overloaded. Please try again later.", True),
        ("The model `gpt-4o` does not exist or you do not have access to it.", True),
        ("This model is currently unavailable", True),
        ("per-model rate limit exceeded", True),
        ("Rate limit reached for requests", False),
        ("Rate limit reached for gpt-4o-mini in organization org-x on requests", False),
        ("Rate limit reached for models/gpt-4o on requests per minute", True),
        ("Rate limit reached for ft:gpt-4o:acme on requests per minute", False),
        ("Overloaded", False),
        ("Internal server error", False),
        ("", False),
    ],
)
def test_which_failures_are_model_scoped(message: str, scoped: bool) -> None:
    """``model_scoped``: the failure names the model, says the model is overloaded or
    unavailable, or its category is about the model; otherwise it is provider-wide."""
    decision = load_rules("builtin:default").classify(
        _Overloaded(message), provider="openai", model="gpt-4o"
    )
    assert model_scoped(decision, "gpt-4o") is scoped


@pytest.mark.parametrize(
    ("limit", "stored"), [("100", True), ("3", False), (None, True)],
)
def test_only_a_scarce_count_is_learned(
    rig: Rig, stores: StoreFactory, limit: str | None, stored: bool
) -> None:
    """An answer saying 2 requests are left is stored when that is under 10% of its limit
    (or the limit is not stated): two more admissions, then a wait; 2 left of 3 is not
    stored (nothing waits)."""
    primary = rig.server("primary")
    headers = {"x-ratelimit-remaining-requests": "2", "x-ratelimit-reset-requests": "30s"}
    if limit is not None:
        headers["x-ratelimit-limit-requests"] = limit
    primary.script(Reply.ok(headers=headers))
    executor = rig.executor(
        [("primary", rig.openai(primary))], rate_budgets={"primary": RateBudget()},
        state=stores(),
    )
    executor.chat(ask(), MODEL)
    other = stores()
    waits = [other.take("rate:primary", RateBudget(), 0, f"learn:primary:{MODEL}")[0]
             for _ in range(3)]
    assert waits[:2] == [0.0, 0.0]
    assert (waits[2] > 29.0) is stored
