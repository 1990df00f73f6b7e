"""Redis is never a single point of failure: killed, hung (SIGSTOP), never started or
holding a key of the wrong type, the store answers from local state within its short
timeout, logs once, counts the fallback, and shares state again once Redis is back."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from helpers.executor_rig import Rig, rig_fixture
from helpers.ports import closed_port

from reliable_rules import (
    ChatRequest,
    CircuitBreakerPolicy,
    Message,
    RateBudget,
    RedisState,
)
from reliable_rules.testing import RedisServer, Reply

MODEL = "test-model"
STORE_LOGGER = "reliable_rules.executor.store"


rig = rig_fixture(api_key="sk-own-key-9999", timeout=5.0)


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage() for record in caplog.records
        if record.name == STORE_LOGGER and record.levelno >= logging.WARNING
    ]


def _wait_until_available(store: RedisState, limit_s: float = 5.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        store.cooling("cool:probe")
        if store.available:
            return
        time.sleep(0.02)
    raise AssertionError("the store did not reconnect")


def test_killing_redis_mid_run_fails_no_call_and_slows_none(
    rig: Rig, own_redis_server: RedisServer, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    """100 calls with every store feature on; Redis is SIGKILLed after 30: all 100 answer,
    none takes more than 500 ms (a busy machine's margin; the store's own share is one 50 ms
    timeout at most), one warning is logged and the outage is counted."""
    caplog.set_level(logging.INFO, logger=STORE_LOGGER)
    server = rig.server("primary")
    fallbacks: list[str] = []
    state = RedisState.from_url(
        own_redis_server.url, namespace=namespace, on_fallback=fallbacks.append
    )
    executor = rig.executor(
        [("primary", rig.openai(server))], state=state, cooldown=True,
        circuit_breaker=CircuitBreakerPolicy(), api_keys=["sk-a-0000", "sk-b-1111"],
        rate_budgets={"primary": RateBudget(10_000)},
    )
    durations = []
    for number in range(100):
        if number == 30:
            own_redis_server.kill()
        started = time.monotonic()
        assert executor.chat(ChatRequest([Message.user("hi")]), MODEL).text
        durations.append(time.monotonic() - started)
    state.close()
    assert len(server.requests) == 100
    assert max(durations) < 0.5
    assert state.outages == 1
    assert state.fallbacks == len(fallbacks) > 0
    assert set(fallbacks) <= {"acquire", "blocked", "cooling", "circuit_success", "turn_key"}
    assert len(_warnings(caplog)) == 1
    assert "using local state" in _warnings(caplog)[0]


def test_killing_redis_mid_run_loses_no_token_charge_or_learned_limit(
    rig: Rig, own_redis_server: RedisServer, namespace: str,
) -> None:
    """A token budget with learning on, every answer carrying rate-limit headers: Redis is
    SIGKILLed after 30 of 100 calls; all answer within 500 ms each, and the charges,
    corrections and learned counts go on in local state (counted as fallbacks)."""
    headers = {"x-ratelimit-remaining-requests": "5000", "x-ratelimit-reset-requests": "1s",
               "x-ratelimit-remaining-tokens": "90000", "x-ratelimit-reset-tokens": "1s"}
    server = rig.server("primary", default=Reply.ok(headers=headers))
    fallbacks: list[str] = []
    state = RedisState.from_url(
        own_redis_server.url, namespace=namespace, on_fallback=fallbacks.append
    )
    executor = rig.executor(
        [("primary", rig.openai(server))], state=state, cooldown=True,
        rate_budgets={"primary": RateBudget(10_000, tokens=1_000_000)},
    )
    durations = []
    for number in range(100):
        if number == 30:
            own_redis_server.kill()
        started = time.monotonic()
        assert executor.chat(ChatRequest([Message.user("hi")], max_tokens=64), MODEL).text
        durations.append(time.monotonic() - started)
    state.close()
    assert len(server.requests) == 100
    assert max(durations) < 0.5
    assert state.outages == 1
    assert {"acquire", "settle", "learn"} <= set(fallbacks)


def test_a_hung_redis_costs_one_short_timeout_then_nothing(
    own_redis_server: RedisServer, namespace: str
) -> None:
    """SIGSTOPped Redis: the first operation gives up after the 50 ms timeout, the next ones
    answer locally at once; after SIGCONT the store shares state again."""
    state = RedisState.from_url(own_redis_server.url, namespace=namespace)
    other = RedisState.from_url(own_redis_server.url, namespace=namespace)
    state.cooling("cool:p")
    own_redis_server.pause()
    try:
        started = time.monotonic()
        state.cool_down("cool:p", 30.0)
        first = time.monotonic() - started
        started = time.monotonic()
        for _ in range(50):
            assert state.cooling("cool:p") > 29
        rest = time.monotonic() - started
    finally:
        own_redis_server.resume()
    # Bounds with room for a busy machine; redis-py's defaults would block 5 s per command.
    assert 0.04 < first < 0.5
    assert rest < 0.25
    assert not state.available
    _wait_until_available(state)
    state.cool_down("cool:q", 30.0)
    assert other.cooling("cool:q") > 29
    state.close()
    other.close()


def test_redis_restarted_is_used_again_after_a_backoff(
    own_redis_server: RedisServer, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Killed, then started again on the same port: the store reconnects by itself (info
    logged), and the failed probes in between log no further warning."""
    caplog.set_level(logging.DEBUG, logger=STORE_LOGGER)
    state = RedisState.from_url(own_redis_server.url, namespace=namespace)
    state.cooling("cool:p")
    own_redis_server.kill()
    deadline = time.monotonic() + 0.8
    while time.monotonic() < deadline:  # several probes fail meanwhile
        state.cooling("cool:p")
        time.sleep(0.01)
    own_redis_server.start()
    _wait_until_available(state)
    assert state.outages == 1
    assert len(_warnings(caplog)) == 1
    assert any("reachable again" in record.getMessage() for record in caplog.records)
    state.close()


def test_a_redis_that_never_was_answers_locally_at_once(namespace: str) -> None:
    """Nothing listens on the port: building the store does not connect, and operations
    answer from local state (which still works as a store) in milliseconds."""
    state = RedisState.from_url(f"redis://127.0.0.1:{closed_port()}/0", namespace=namespace)
    started = time.monotonic()
    state.cool_down("cool:p", 10.0)
    assert state.cooling("cool:p") > 9
    assert [state.next_key("ring:r", 2) for _ in range(3)] == [0, 1, 0]
    assert time.monotonic() - started < 0.1
    assert state.fallbacks == 5
    state.close()


def test_a_key_of_the_wrong_type_falls_back_instead_of_failing(
    redis_server: RedisServer, namespace: str
) -> None:
    """A Redis error from a script (WRONGTYPE) is served locally like an outage."""
    state = RedisState.from_url(redis_server.url, namespace=namespace)
    state.client.rpush(f"{{{namespace}}}:ring:r", "not a counter")
    assert state.next_key("ring:r", 3) == 0
    assert state.fallbacks == 1
    state.close()


def test_a_raising_on_fallback_is_logged_not_raised(
    namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The observer's exception never reaches the executor."""
    url = f"redis://127.0.0.1:{closed_port()}/0"

    def broken(_operation: str) -> None:
        raise RuntimeError("observer bug")

    state = RedisState.from_url(url, namespace=namespace, on_fallback=broken)
    assert state.cooling("cool:p") == 0.0
    assert any("on_fallback raised" in record.getMessage() for record in caplog.records)
    state.close()


def test_the_password_never_reaches_logs_or_repr(
    namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A password in the URL appears in neither the outage warning nor the repr."""
    url = f"redis://:s3cret-pass-word@127.0.0.1:{closed_port()}/0"
    state = RedisState.from_url(url, namespace=namespace)
    state.cooling("cool:p")
    shown = " ".join(record.getMessage() for record in caplog.records) + repr(state)
    assert "127.0.0.1" in shown
    assert "s3cret" not in shown
    state.close()


def test_threads_during_an_outage_all_answer_quickly(
    own_redis_server: RedisServer, namespace: str
) -> None:
    """16 threads keep asking while Redis hangs: only one probes it at a time, so no thread
    waits more than one timeout."""
    state = RedisState.from_url(own_redis_server.url, namespace=namespace)
    state.cooling("cool:p")
    own_redis_server.pause()
    slowest: list[float] = []
    lock = threading.Lock()

    def ask() -> None:
        worst = 0.0
        for _ in range(20):
            started = time.monotonic()
            state.cooling("cool:p")
            worst = max(worst, time.monotonic() - started)
        with lock:
            slowest.append(worst)

    try:
        threads = [threading.Thread(target=ask) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        own_redis_server.resume()
    assert len(slowest) == 16
    assert max(slowest) < 0.3
    state.close()


def test_a_flapping_redis_fails_no_call(
    rig: Rig, own_redis_server: RedisServer, namespace: str
) -> None:
    """Redis killed and restarted three times while calls go on: every call answers quickly,
    and the store is back on Redis at the end."""
    server = rig.server("primary")
    state = RedisState.from_url(own_redis_server.url, namespace=namespace)
    executor = rig.executor(
        [("primary", rig.openai(server))], state=state, cooldown=True,
        circuit_breaker=CircuitBreakerPolicy(), rate_budgets={"primary": RateBudget(10_000)},
    )
    slowest = 0.0
    for _ in range(3):
        for up in (False, True):
            if up:
                own_redis_server.start()
            else:
                own_redis_server.kill()
            for _ in range(10):
                started = time.monotonic()
                assert executor.chat(ChatRequest([Message.user("hi")]), MODEL).text
                slowest = max(slowest, time.monotonic() - started)
            time.sleep(0.05)
    assert len(server.requests) == 60
    assert slowest < 0.5
    assert state.outages >= 1
    _wait_until_available(state)
    state.close()
