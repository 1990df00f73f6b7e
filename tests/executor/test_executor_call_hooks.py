"""The call-level hooks: a call's start and end, each attempt's start, skipped candidates,
circuit changes, store fallbacks, and several Hooks merged into one. Real HTTP to
FakeProviderServer (or plain functions through ``executor.call``); time is virtual."""

from __future__ import annotations

import threading
from dataclasses import fields
from typing import Any

import pytest
from helpers.executor_rig import Rig, rig_fixture

from reliable_rules import (
    AllProvidersFailed,
    AttemptRecord,
    AttemptStartEvent,
    CallCancelled,
    CallEndEvent,
    CallStartEvent,
    CancelToken,
    ChatRequest,
    CircuitBreakerPolicy,
    CircuitEvent,
    ContextWindowExceeded,
    DeadlineExceeded,
    Hooks,
    Message,
    ReliableExecutor,
    SkipEvent,
    StoreFallbackEvent,
)
from reliable_rules.executor.observe import merge_hooks, store_fell_back
from reliable_rules.executor.records import CALL_OUTCOMES
from reliable_rules.testing import FakeTiming, Reply

MODEL = "test-model"


rig = rig_fixture(api_key="sk-test-openai-0000", timeout=5.0)


class Recorded:
    """Every event every hook saw, in order, as ``(hook name, event)``."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def hooks(self) -> Hooks:
        return Hooks(**{
            spec.name: (lambda event, name=spec.name: self.events.append((name, event)))
            for spec in fields(Hooks)
        })

    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    def of(self, name: str) -> list[Any]:
        return [event for kind, event in self.events if kind == name]


def ask() -> ChatRequest:
    """A one-message request."""
    return ChatRequest([Message.user("hello")])


def test_a_retried_call_shows_start_attempts_and_end_in_order(rig: Rig) -> None:
    """A 503 then a 200: call start, attempt start/record twice with the retry between, then
    the call's end with outcome success and the virtual backoff in its elapsed time."""
    server = rig.server("a")
    server.script(Reply.error(503), Reply.ok("fine"))
    timing = FakeTiming()
    seen = Recorded()
    executor = rig.executor(
        [("primary", rig.openai(server)), ("backup", rig.openai(server))],
        hooks=seen.hooks(), timing=timing,
    )
    assert executor.chat(ask(), MODEL).text == "fine"
    assert seen.names() == [
        "on_call_start", "on_attempt_start", "on_attempt", "on_retry",
        "on_attempt_start", "on_attempt", "on_call_end",
    ]
    assert seen.of("on_call_start") == [CallStartEvent(MODEL, "chat", ("primary", "backup"))]
    assert seen.of("on_attempt_start") == [
        AttemptStartEvent("primary", MODEL, 1, 3), AttemptStartEvent("primary", MODEL, 2, 3),
    ]
    end = seen.of("on_call_end")[0]
    assert isinstance(end, CallEndEvent)
    assert (end.model, end.operation, end.outcome, end.error) == (MODEL, "chat", "success", None)
    assert end.elapsed_ms >= timing.slept_ms[0] == 500


def test_call_and_call_with_outcome_are_the_call_operation() -> None:
    """``executor.call(fn)`` is operation ``call``; its attempts still show their start."""
    seen = Recorded()
    with ReliableExecutor([("fn", None)], hooks=seen.hooks(), timing=FakeTiming()) as executor:
        assert executor.call(lambda attempt: attempt.number, model="m") == 1
        executor.call_with_outcome(lambda attempt: attempt.number, model="m")
    assert [event.operation for event in seen.of("on_call_start")] == ["call", "call"]
    assert [event.outcome for event in seen.of("on_call_end")] == ["success", "success"]
    assert len(seen.of("on_attempt_start")) == 2


class StatusError(Exception):
    """An SDK-like error carrying an HTTP status (read by duck typing)."""

    def __init__(self, status_code: int) -> None:
        super().__init__(f"HTTP {status_code}")
        self.status_code = status_code


class Stop(BaseException):
    """Not an Exception: the rules never see it, it escapes the executor as it is."""


def _raise(error: BaseException) -> Any:
    raise error


def _deadline(executor: ReliableExecutor) -> None:
    executor.call(lambda _a: _raise(ConnectionError("down")), model="m", deadline_s=0.2)


def _cancelled(executor: ReliableExecutor) -> None:
    token = CancelToken()
    token.cancel()
    executor.call(lambda _a: 1, model="m", cancel=token)


@pytest.mark.parametrize(
    ("outcome", "error", "run", "rules"),
    [
        ("exhausted", AllProvidersFailed,
         lambda ex: ex.call(lambda _a: _raise(ConnectionError("503 down")), model="m"), None),
        ("aborted", AllProvidersFailed,  # builtin:converge aborts on a 401
         lambda ex: ex.call(lambda _a: _raise(StatusError(401)), model="m"), "builtin:converge"),
        ("context_exceeded", ContextWindowExceeded,
         lambda ex: ex.chat_with_system(None, "hi", "m"), None),
        ("deadline", DeadlineExceeded, _deadline, None),
        ("cancelled", CallCancelled, _cancelled, None),
        ("error", Stop, lambda ex: ex.call(lambda _a: _raise(Stop()), model="m"), None),
    ],
)
def test_every_way_a_call_ends_has_its_outcome(
    outcome: str, error: type[BaseException], run: Any, rules: str | None
) -> None:
    """on_call_end names how the call ended and carries the error the caller gets."""

    class Overflowing:
        def chat(self, _request: ChatRequest, _model: str, **_options: Any) -> Any:
            raise ValueError("This model's maximum context length is 8192 tokens")

    seen = Recorded()
    executor = ReliableExecutor(
        [("p", Overflowing())], hooks=seen.hooks(), timing=FakeTiming(), max_retries=1,
        rules=rules,
    )
    with pytest.raises(error) as raised:
        run(executor)
    executor.close()
    ends = seen.of("on_call_end")
    assert [end.outcome for end in ends] == [outcome]
    assert ends[0].error is raised.value
    assert outcome in CALL_OUTCOMES


def test_a_cooling_provider_is_reported_as_skipped(rig: Rig) -> None:
    """After a 429 with Retry-After: 30, the next call skips the provider: on_skip says
    cooldown and how long is left."""
    limited = rig.server("limited")
    limited.script(Reply.error(429, headers={"Retry-After": "30"}))
    spare = rig.server("spare")
    seen = Recorded()
    executor = rig.executor(
        [("limited", rig.openai(limited)), ("spare", rig.openai(spare))],
        hooks=seen.hooks(), cooldown=True,
    )
    executor.chat(ask(), MODEL)
    assert seen.of("on_skip") == []
    executor.chat(ask(), MODEL)
    (skip,) = seen.of("on_skip")
    assert isinstance(skip, SkipEvent)
    assert (skip.provider, skip.model, skip.reason) == ("limited", MODEL, "cooldown")
    assert 25_000 < skip.wait_ms <= 30_000
    assert len(limited.requests) == 1


def test_a_circuit_opens_is_skipped_and_closes_again(rig: Rig) -> None:
    """Threshold 1: a 503 opens the circuit (on_circuit open), the next call skips the pair
    (on_skip circuit_open); after the reset a success closes it (on_circuit closed)."""
    flaky = rig.server("flaky")
    flaky.script(Reply.error(503))
    spare = rig.server("spare")
    timing = FakeTiming()
    seen = Recorded()
    executor = rig.executor(
        [("flaky", rig.openai(flaky)), ("spare", rig.openai(spare))],
        hooks=seen.hooks(), max_retries=0, timing=timing,
        circuit_breaker=CircuitBreakerPolicy(failure_threshold=1, reset_after_s=10),
    )
    executor.chat(ask(), MODEL)
    assert seen.of("on_circuit") == [CircuitEvent("flaky", MODEL, "open")]
    executor.chat(ask(), MODEL)
    assert seen.of("on_skip") == [SkipEvent("flaky", MODEL, "circuit_open", 0)]
    timing.sleep(11, threading.Event())  # past the reset: half-open, one call may pass
    executor.chat(ask(), MODEL)
    assert seen.of("on_circuit")[1:] == [CircuitEvent("flaky", MODEL, "closed")]
    assert len(flaky.requests) == 2


def test_a_circuit_that_stays_open_is_not_reported_again() -> None:
    """Failures while the circuit is already open (no other candidate) change nothing."""
    seen = Recorded()
    executor = ReliableExecutor(
        [("only", None)], hooks=seen.hooks(), timing=FakeTiming(), max_retries=0,
        circuit_breaker=CircuitBreakerPolicy(failure_threshold=1, reset_after_s=60),
    )
    for _ in range(3):
        with pytest.raises(AllProvidersFailed):
            executor.call(lambda _a: _raise(ConnectionError("503")), model="m")
    executor.close()
    assert seen.of("on_circuit") == [CircuitEvent("only", "m", "open")]


def test_a_list_of_hooks_shows_every_event_to_each_in_order(rig: Rig) -> None:
    """hooks=[a, b]: both see the same events in the same order; one that raises stops
    neither the call nor the other."""
    server = rig.server("a")
    server.script(Reply.error(503), Reply.ok("fine"))
    first, second = Recorded(), Recorded()

    def broken(_record: AttemptRecord) -> None:
        raise RuntimeError("observer bug")

    executor = rig.executor(
        [("primary", rig.openai(server))],
        hooks=[Hooks(on_attempt=broken), first.hooks(), second.hooks()],
    )
    assert executor.chat(ask(), MODEL).text == "fine"
    assert first.names() == second.names()
    assert first.events == second.events
    assert len(first.of("on_attempt")) == 2


@pytest.mark.parametrize("bad", [[Hooks(), "on_attempt"], "hooks", 3])
def test_hooks_that_are_not_hooks_are_a_type_error(bad: Any) -> None:
    """A sequence holding something else, or not a sequence at all: a clear TypeError."""
    with pytest.raises(TypeError, match="sequence of Hooks"):
        ReliableExecutor([("p", None)], hooks=bad)


def test_merging_keeps_a_single_hooks_and_drops_an_empty_list() -> None:
    """One Hooks is used as is; an empty list means no hooks at all."""
    only = Hooks(on_retry=print)
    assert merge_hooks([only]) is only
    assert merge_hooks(only) is only
    assert merge_hooks([]) is None


def test_store_fallbacks_reach_the_hook() -> None:
    """What the state store's code calls when it falls back to local state."""
    seen = Recorded()
    store_fell_back(seen.hooks(), "redis", "unavailable")
    store_fell_back(None, "redis", "unavailable")  # no hooks: nothing, no error
    assert seen.of("on_store_fallback") == [StoreFallbackEvent("redis", "unavailable")]


def test_a_call_refused_by_a_closed_executor_shows_no_event() -> None:
    """close() first: the call is refused before it starts (CallCancelled), nothing watched."""
    seen = Recorded()
    executor = ReliableExecutor([("p", None)], hooks=seen.hooks(), timing=FakeTiming())
    executor.close()
    with pytest.raises(CallCancelled):
        executor.call(lambda _a: 1, model="m")
    assert seen.events == []
