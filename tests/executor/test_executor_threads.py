"""The executor's threads, for real: attempt timeouts, deadlines, close() and CancelToken from
other threads, worker-pool shutdown, concurrent callers sharing one executor, the per-thread
fallback record, cooldowns and circuit breakers.

Where timing is what is tested the clock is real (SystemTiming) and bounds are generous for a
loaded 2-core machine; elsewhere time is virtual (FakeTiming)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from helpers.executor_rig import Rig, rig_fixture

from reliable_rules import (
    AllProvidersFailed,
    Attempt,
    CallCancelled,
    CancelToken,
    ChatRequest,
    CircuitBreakerPolicy,
    ContextWindowExceeded,
    DeadlineExceeded,
    ExecutionError,
    Hooks,
    Message,
    ReliableExecutor,
    scope_provider_fallback,
    take_last_provider_fallback,
)
from reliable_rules.errors import AttemptTimeout
from reliable_rules.executor.timing import SystemTiming
from reliable_rules.providers import OpenAICompatible, ProviderHTTPError
from reliable_rules.testing import FakeProviderServer, FakeTiming, Reply

MODEL = "test-model"
WORKER_PREFIX = "reliable-rules-"
LLAMACPP_OVERFLOW_BODY = {
    "error": {
        "code": 500,
        "message": "request (8968 tokens) exceeds the available context size (8448 tokens), "
        "try increasing it",
        "type": "exceed_context_size_error",
    }
}


rig = rig_fixture(api_key="sk-test-thread-0000", timeout=10.0, virtual_time=False)


class Background:
    """Runs ``fn`` on a thread of its own, keeping its result or exception and when it ended."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.started = time.monotonic()
        self.ended: float | None = None
        self._thread = threading.Thread(target=self._run, args=(fn,), name="test-background")
        self._thread.start()

    def _run(self, fn: Callable[[], Any]) -> None:
        try:
            self.result = fn()
        except BaseException as error:  # noqa: BLE001 — handed to the test through join()
            self.error = error
        finally:
            self.ended = time.monotonic()

    @property
    def running(self) -> bool:
        """Whether ``fn`` has not returned yet."""
        return self._thread.is_alive()

    def join(self, timeout_s: float) -> Background:
        """Wait for ``fn`` to end (failing the test if it does not within ``timeout_s``)."""
        self._thread.join(timeout_s)
        assert not self._thread.is_alive(), f"still running after {timeout_s}s"
        return self

    @property
    def took(self) -> float:
        """Seconds from start to end."""
        assert self.ended is not None
        return self.ended - self.started


def ask(text: str = "hello") -> ChatRequest:
    """A one-message request."""
    return ChatRequest([Message.user(text)])


def retrying_hook(event: threading.Event) -> Hooks:
    """Hooks that set ``event`` when the executor is about to wait before a retry."""
    return Hooks(on_retry=lambda _retry: event.set())


# ── attempt timeouts and deadlines ────────────────────────────────────────────────────────


def test_hung_provider_times_out_and_the_next_provider_answers(rig: Rig) -> None:
    """A server that hangs is abandoned after attempt_timeout_s=0.3 and the next provider
    answers; the abandoned attempt is an AttemptTimeout classified ``timeout``."""
    hung = rig.server("hung")
    hung.script(Reply.hang(5))
    good = rig.server("good")
    executor = rig.executor(
        [("hung", rig.openai(hung)), ("good", rig.openai(good))],
        max_retries=0,
        attempt_timeout_s=0.3,
        timing=SystemTiming(),
    )
    start = time.monotonic()
    outcome = executor.execute(ask(), MODEL)
    took = time.monotonic() - start
    assert outcome.response.text == "ok from good"
    assert 0.3 <= took < 1.0
    first = outcome.attempts[0]
    assert isinstance(first.error, AttemptTimeout)
    assert first.decision is not None
    assert (first.decision.category, first.action) == ("timeout", "give_up")
    assert 250 <= first.elapsed_ms < 1000
    assert (len(hung.requests), len(good.requests)) == (1, 1)


def test_deadline_cuts_a_hung_attempt(rig: Rig) -> None:
    """deadline_s=0.5: a 503, a short backoff, then a hanging attempt; DeadlineExceeded (a
    TimeoutError) is raised at the deadline with the attempt made so far."""
    server = rig.server("a")
    server.script(Reply.openai_error(503, "busy"), Reply.hang(5))
    executor = rig.executor(
        [("a", rig.openai(server))], base_backoff_ms=50, deadline_s=0.5, timing=SystemTiming()
    )
    start = time.monotonic()
    with pytest.raises(DeadlineExceeded) as caught:
        executor.chat(ask(), MODEL)
    took = time.monotonic() - start
    assert 0.45 <= took < 1.0
    assert isinstance(caught.value, TimeoutError)
    assert [(r.attempt, r.action, r.reason) for r in caught.value.attempts] == [
        (1, "retry", "retryable")
    ]
    assert str(caught.value).startswith("Deadline exceeded. Attempts:\nprovider=a model=")
    assert len(server.requests) == 2


def test_deadline_counts_the_time_spent_sleeping(rig: Rig) -> None:
    """deadline_s=0.5 with a real 300 ms backoff: the sleep uses most of the budget and the
    next attempt gets only what is left, then DeadlineExceeded."""
    server = rig.server("a")
    server.script(Reply.openai_error(503, "busy"), Reply.hang(5))
    executor = rig.executor(
        [("a", rig.openai(server))], base_backoff_ms=300, deadline_s=0.5, timing=SystemTiming()
    )
    start = time.monotonic()
    with pytest.raises(DeadlineExceeded) as caught:
        executor.chat(ask(), MODEL)
    took = time.monotonic() - start
    assert 0.45 <= took < 1.0
    assert [(r.action, r.wait_ms) for r in caught.value.attempts] == [("retry", 300)]
    assert len(server.requests) == 2


def test_deadline_shorter_than_the_backoff_never_sleeps_past_it(rig: Rig) -> None:
    """deadline_s=0.5 with a real 10 s backoff: the call does not sleep, it ends well within
    the deadline after one request, the record showing the declined 10 s wait."""
    server = rig.server("a", default=Reply.openai_error(503, "busy"))
    executor = rig.executor(
        [("a", rig.openai(server))],
        base_backoff_ms=10_000,
        deadline_s=0.5,
        timing=SystemTiming(),
    )
    start = time.monotonic()
    with pytest.raises(ExecutionError) as caught:
        executor.chat(ask(), MODEL)
    assert time.monotonic() - start < 1.0
    assert [(r.action, r.wait_ms) for r in caught.value.attempts] == [("next_provider", 10_000)]
    assert len(server.requests) == 1


def test_deadline_shorter_than_the_backoff_raises_deadline_exceeded(rig: Rig) -> None:
    """deadline_s=0.5 with a real 10 s backoff and no other provider: the deadline is what
    ends the call, so it raises DeadlineExceeded (a TimeoutError) with the attempt so far."""
    server = rig.server("a", default=Reply.openai_error(503, "busy"))
    executor = rig.executor(
        [("a", rig.openai(server))],
        base_backoff_ms=10_000,
        deadline_s=0.5,
        timing=SystemTiming(),
    )
    start = time.monotonic()
    with pytest.raises(TimeoutError) as caught:
        executor.chat(ask(), MODEL)
    assert time.monotonic() - start < 1.0
    assert isinstance(caught.value, DeadlineExceeded)
    assert len(caught.value.attempts) == 1


# ── close() and CancelToken ───────────────────────────────────────────────────────────────


def test_close_from_another_thread_interrupts_a_sleep(rig: Rig) -> None:
    """A call sleeping a real 10 s backoff raises CallCancelled within ~1 s of close() being
    called from another thread, without another request."""
    server = rig.server("busy", default=Reply.openai_error(503, "busy"))
    sleeping = threading.Event()
    executor = rig.executor(
        [("busy", rig.openai(server))],
        base_backoff_ms=10_000,
        hooks=retrying_hook(sleeping),
        timing=SystemTiming(),
    )
    call = Background(lambda: executor.chat(ask(), MODEL))
    assert sleeping.wait(5)
    time.sleep(0.1)  # let the call enter its 10 s wait
    assert call.running
    closed_at = time.monotonic()
    executor.close()
    call.join(3)
    assert call.ended is not None
    assert call.ended - closed_at < 1.0
    assert isinstance(call.error, CallCancelled)
    assert [(r.action, r.wait_ms) for r in call.error.attempts] == [("retry", 10_000)]
    assert len(server.requests) == 1
    with pytest.raises(CallCancelled):
        executor.chat(ask(), MODEL)  # a closed executor refuses new calls


def test_cancel_token_cancels_only_its_own_call(rig: Rig) -> None:
    """token.cancel() ends the sleeping call that carries it (CallCancelled within ~1 s) while a
    concurrent call on the same executor, in flight at that moment, still succeeds."""
    server = rig.server("a", default=Reply.openai_error(503, "busy"))
    server.script(Reply.ok("other call answered", delay_s=1.0), model="other")
    sleeping = threading.Event()
    executor = rig.executor(
        [("a", rig.openai(server))],
        base_backoff_ms=10_000,
        hooks=retrying_hook(sleeping),
        timing=SystemTiming(),
    )
    token = CancelToken()
    cancelled = Background(lambda: executor.chat(ask(), "cancelled", cancel=token))
    assert sleeping.wait(5)
    other = Background(lambda: executor.chat(ask(), "other", cancel=CancelToken()))
    server.wait_for_requests(2)  # the other call's request is being answered (slowly)
    cancelled_at = time.monotonic()
    token.cancel()
    cancelled.join(3)
    assert cancelled.ended is not None
    assert cancelled.ended - cancelled_at < 1.0
    assert isinstance(cancelled.error, CallCancelled)
    assert str(cancelled.error).startswith("Call cancelled.")
    assert other.running  # still waiting for its answer when the token was cancelled
    other.join(5)
    assert other.error is None
    assert other.result.text == "other call answered"
    assert not executor.closed
    assert [request.model for request in server.requests] == ["cancelled", "other"]


@pytest.mark.parametrize("attempt_timeout_s", [None, 5.0], ids=["caller-thread", "worker"])
def test_a_call_with_an_already_cancelled_token_does_not_reach_the_provider(
    attempt_timeout_s: float | None,
) -> None:
    """CancelToken cancels "every call using this token, now and later": a later call raises
    CallCancelled and the provider is never called."""
    calls: list[int] = []

    def provider_call(attempt: Attempt) -> str:
        calls.append(attempt.number)
        return "answered"

    executor = ReliableExecutor(
        [("p", object())], attempt_timeout_s=attempt_timeout_s, timing=FakeTiming()
    )
    token = CancelToken()
    token.cancel()
    result: object
    try:
        result = executor.call(provider_call, model=MODEL, cancel=token)
    except CallCancelled as error:
        result = error
    finally:
        executor.close()  # joins the workers: any submitted attempt has run by now
    assert isinstance(result, CallCancelled)
    assert calls == []


# ── worker threads ────────────────────────────────────────────────────────────────────────


def test_no_thread_leak_after_close() -> None:
    """Worker threads started for time-bounded attempts of callables (one blocked in-process
    and released later) are all gone within ~3 s of close(); time-bounded HTTP attempts (one
    hung on the server, several concurrent) run on their callers' threads and start none."""
    before = set(threading.enumerate())
    release = threading.Event()
    server = FakeProviderServer(name="leak").start()
    server.script(Reply.hang(5))
    adapter = OpenAICompatible(server.openai_base_url, api_key="sk-test-leak-0000", timeout=10)
    executor = ReliableExecutor(
        [("http", adapter)],
        max_retries=1,
        base_backoff_ms=50,
        attempt_timeout_s=0.3,
        timing=SystemTiming(),
    )

    def blocked_then_fine(attempt: Attempt) -> str:
        if attempt.number == 1:
            release.wait(10)
            return "too late"
        return "second attempt"

    try:
        outcome = executor.execute(ask(), MODEL)
        assert outcome.attempts[0].decision is not None
        assert outcome.attempts[0].decision.category == "timeout"
        assert executor.call(blocked_then_fine, model=MODEL) == "second attempt"
        calls = [Background(lambda: executor.chat(ask(), MODEL)) for _ in range(6)]
        for call in calls:
            call.join(5)
            assert call.error is None
        workers = [t for t in threading.enumerate() if t.name.startswith(WORKER_PREFIX)]
        # The blocked callable's first attempt (still stuck) and its second; no chat call.
        assert len(workers) == 2
    finally:
        release.set()
        server.close()
        executor.close()
        adapter.close()
    deadline = time.monotonic() + 3.0
    while set(threading.enumerate()) - before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sorted(t.name for t in set(threading.enumerate()) - before) == []
    assert threading.active_count() <= len(before)


# ── many callers, one executor ────────────────────────────────────────────────────────────


class RateLimitedOnFirstTry:
    """An in-process provider: each call's first attempt fails with a typed 429 (every other
    request overall), its retry answers that call's own payload. Counts the keys it sees."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: set[int] = set()
        self.failed_with: Counter[str | None] = Counter()
        self.answered_with: Counter[str | None] = Counter()
        self.keys: dict[int, list[str | None]] = {}

    def attempt(self, call_id: int, api_key: str | None) -> str:
        with self._lock:
            first = call_id not in self._seen
            self._seen.add(call_id)
            (self.failed_with if first else self.answered_with)[api_key] += 1
            self.keys.setdefault(call_id, []).append(api_key)
        if first:
            raise ProviderHTTPError(
                "inproc", 429, body='{"error":{"message":"Rate limit reached","type":"requests"}}'
            )
        return f"payload-{call_id}"


@pytest.mark.parametrize("attempt_timeout_s", [None, 30.0], ids=["caller-threads", "worker-pool"])
def test_sixteen_threads_share_one_executor(
    attempt_timeout_s: float | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """16 threads x 50 calls on one executor with 4 keys: every call gets its own payload once,
    starts on a pool key (never the provider's own), asks for the next key once per rate limit,
    and the rate limits' turns hand every key out within one of the others."""
    threads, per_thread = 16, 50
    keys = [f"sk-pool-{letter * 12}{index}" for index, letter in enumerate("abcd")]
    provider = RateLimitedOnFirstTry()
    executor = ReliableExecutor(
        [("inproc", provider)],
        max_retries=2,
        api_keys=keys,
        attempt_timeout_s=attempt_timeout_s,
        timing=FakeTiming(),
    )
    rotations = Counter[str | None]()
    rotations_lock = threading.Lock()
    next_key = executor.next_key

    def counting_next_key(name: str, used: str | None) -> str | None:
        key = next_key(name, used)
        with rotations_lock:
            rotations[key] += 1
        return key

    monkeypatch.setattr(executor, "next_key", counting_next_key)
    start = threading.Barrier(threads)
    results: dict[int, list[tuple[int, str]]] = {}

    def caller(thread_index: int) -> None:
        start.wait()
        mine = []
        for n in range(per_thread):
            call_id = thread_index * per_thread + n

            def fn(attempt: Attempt, call_id: int = call_id) -> str:
                answer: str = attempt.provider.attempt(call_id, attempt.api_key)
                return answer

            mine.append((call_id, executor.call(fn, model=MODEL)))
        results[thread_index] = mine

    try:
        workers = [Background(lambda index=index: caller(index)) for index in range(threads)]
        for worker in workers:
            worker.join(30)
            assert worker.error is None
    finally:
        executor.close()
    answers = [pair for mine in results.values() for pair in mine]
    total = threads * per_thread
    assert len(answers) == total
    assert sorted(call_id for call_id, _ in answers) == list(range(total))
    assert all(answer == f"payload-{call_id}" for call_id, answer in answers)
    assert set(provider.failed_with) <= set(keys)  # first attempts use the pool, keys[0] first
    assert sum(provider.failed_with.values()) == total
    assert sum(rotations.values()) == total
    assert rotations == provider.answered_with
    assert set(provider.answered_with) == set(keys)
    assert max(rotations.values()) - min(rotations.values()) <= 1


@pytest.mark.parametrize("attempt_timeout_s", [None, 5.0], ids=["caller-thread", "worker"])
def test_fallback_record_is_per_caller_thread(attempt_timeout_s: float | None) -> None:
    """Two threads, each in scope_provider_fallback(): one call falls back, the other does not
    (and runs after it); each thread's take_last_provider_fallback() sees only its own result,
    also when attempts run on worker threads."""
    ran_on: list[str] = []

    def make_fn(falls_back: bool) -> Callable[[Attempt], str]:
        def fn(attempt: Attempt) -> str:
            ran_on.append(threading.current_thread().name)
            if falls_back and attempt.provider_name == "first":
                raise ProviderHTTPError("first", 401, body="invalid api key")
            return f"answer from {attempt.provider_name}"

        return fn

    executor = ReliableExecutor(
        [("first", object()), ("second", object())],
        attempt_timeout_s=attempt_timeout_s,
        timing=FakeTiming(),
    )
    # Both threads walk the same steps; at each step only the named one acts.
    steps = [("falls", "call"), ("clean", "call"), ("clean", "take"), ("falls", "take")]
    barrier = threading.Barrier(2, timeout=10)
    seen: dict[str, dict[str, Any]] = {"falls": {}, "clean": {}}

    def caller(role: str) -> None:
        with scope_provider_fallback():
            barrier.wait()
            for actor, action in steps:
                if actor == role:
                    if action == "call":
                        fn = make_fn(role == "falls")
                        seen[role]["answer"] = executor.call(fn, model=MODEL)
                    else:
                        seen[role]["info"] = take_last_provider_fallback()
                barrier.wait()

    try:
        callers = [Background(lambda role=role: caller(role)) for role in seen]
        for call in callers:
            call.join(10)
            assert call.error is None
    finally:
        executor.close()
    assert seen["falls"]["answer"] == "answer from second"
    assert seen["clean"]["answer"] == "answer from first"
    assert seen["clean"]["info"] is None
    info = seen["falls"]["info"]
    assert info is not None
    assert (info.requested_provider, info.actual_provider) == ("first", "second")
    on_workers = all(name.startswith(WORKER_PREFIX) for name in ran_on)
    assert on_workers == (attempt_timeout_s is not None)


# ── cooldown and circuit breaker ──────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("cooldown", "answer", "requests_ab"),
    [(True, "ok from b", (1, 2)), (False, "a answered", (2, 1))],
    ids=["cooldown-on", "cooldown-off"],
)
def test_cooldown_skips_a_rate_limited_provider(
    rig: Rig, cooldown: bool, answer: str, requests_ab: tuple[int, int]
) -> None:
    """A's ``Retry-After: 5`` moves the first call to B at once; the second call goes straight
    to B (A sees no new request) with cooldown on, and to A with cooldown off."""
    a = rig.server("a")
    a.script(
        Reply.openai_error(429, "Rate limit reached", headers={"Retry-After": "5"}),
        Reply.ok("a answered"),
    )
    b = rig.server("b")
    timing = FakeTiming()
    executor = rig.executor(
        [("a", rig.openai(a)), ("b", rig.openai(b))], cooldown=cooldown, timing=timing
    )
    assert executor.chat(ask(), MODEL).text == "ok from b"
    assert executor.chat(ask(), MODEL).text == answer
    assert (len(a.requests), len(b.requests)) == requests_ab
    assert timing.sleeps == []


def breaker_rig(rig: Rig, a_default: Reply) -> tuple[ReliableExecutor, FakeTiming, Any, Any]:
    """Providers a (answering ``a_default``) and b (healthy) with a 2-failure breaker that
    resets after 60 s of FakeTiming's clock; no retries, so one request per call per pair."""
    a = rig.server("a", default=a_default)
    b = rig.server("b")
    timing = FakeTiming()
    executor = rig.executor(
        [("a", rig.openai(a)), ("b", rig.openai(b))],
        max_retries=0,
        circuit_breaker=CircuitBreakerPolicy(failure_threshold=2, reset_after_s=60),
        timing=timing,
    )
    return executor, timing, a, b


def test_circuit_opens_after_two_server_errors_for_that_model_only(rig: Rig) -> None:
    """Two 500s from (a, m1) open the circuit: later m1 calls skip a; m2 calls still try a."""
    executor, _timing, a, b = breaker_rig(rig, Reply.openai_error(500, "down"))
    assert executor.chat(ask(), "m1").text == "ok from b"
    assert executor.chat(ask(), "m1").text == "ok from b"
    assert (len(a.requests), len(b.requests)) == (2, 2)
    outcome = executor.execute(ask(), "m1")
    assert outcome.provider == "b"
    assert [record.provider for record in outcome.attempts] == ["b"]
    assert len(a.requests) == 2  # skipped
    a.script(Reply.ok("a serves m2"), model="m2")
    assert executor.chat(ask(), "m2").text == "a serves m2"
    assert [request.model for request in a.requests] == ["m1", "m1", "m2"]


def test_circuit_half_opens_after_reset(rig: Rig) -> None:
    """After reset_after_s one call reaches a again: a failure re-opens the circuit at once, a
    success closes it."""
    executor, timing, a, _b = breaker_rig(rig, Reply.openai_error(500, "down"))
    for _ in range(3):
        executor.chat(ask(), "m1")
    assert len(a.requests) == 2  # open after two
    timing.sleep(61, threading.Event())  # advance the virtual clock past reset_after_s
    assert executor.chat(ask(), "m1").text == "ok from b"  # let through, failed
    assert len(a.requests) == 3
    executor.chat(ask(), "m1")
    assert len(a.requests) == 3  # one failure re-opened it
    timing.sleep(61, threading.Event())
    a.script(Reply.ok("a is back"))
    assert executor.chat(ask(), "m1").text == "a is back"
    a.script(Reply.ok("a again"))
    assert executor.chat(ask(), "m1").text == "a again"  # closed: no skip
    assert len(a.requests) == 5


def test_context_window_errors_never_open_the_circuit(rig: Rig) -> None:
    """llama.cpp's overflow (HTTP 500 exceed_context_size_error) three times on (a, m1): the
    circuit stays closed and the next call still goes to a."""
    executor, _timing, a, b = breaker_rig(rig, Reply.error(500, LLAMACPP_OVERFLOW_BODY))
    for _ in range(3):
        with pytest.raises(ContextWindowExceeded):
            executor.chat_with_system("system", "hello", "m1")
    a.script(Reply.ok("a answers"))
    assert executor.chat_with_system("system", "hello", "m1") == "a answers"
    assert (len(a.requests), len(b.requests)) == (4, 0)


def test_all_providers_failed_is_still_raised_when_every_circuit_is_open(rig: Rig) -> None:
    """With every candidate's circuit open nothing is skipped: the call still tries them all."""
    a = rig.server("a", default=Reply.openai_error(500, "down"))
    b = rig.server("b", default=Reply.openai_error(502, "down too"))
    executor = rig.executor(
        [("a", rig.openai(a)), ("b", rig.openai(b))],
        max_retries=0,
        circuit_breaker=CircuitBreakerPolicy(failure_threshold=1, reset_after_s=60),
        timing=FakeTiming(),
    )
    with pytest.raises(AllProvidersFailed):
        executor.chat(ask(), MODEL)
    with pytest.raises(AllProvidersFailed) as caught:
        executor.chat(ask(), MODEL)
    assert [record.provider for record in caught.value.attempts] == ["a", "b"]
    assert (len(a.requests), len(b.requests)) == (2, 2)
