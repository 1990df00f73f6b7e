"""Real processes sharing one Redis namespace behave as one fleet: a cooldown or an open
circuit learned by one is honoured by all, keys rotate fairly across them, a rate budget
holds for all together, and killing Redis mid-run loses no call. Each test starts its
workers (``fleet_worker.py``) together against FakeProviderServer; where it shows a
difference, the same fleet on per-process MemoryState is the control."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fleet_worker import build
from helpers.state_stores import SHARING_TIMEOUT_S

from reliable_rules import ChatRequest, Message
from reliable_rules.testing import FakeProviderServer, RedisServer, Reply

WORKER = Path(__file__).with_name("fleet_worker.py")
KEYS = ["sk-ring-key-0000", "sk-ring-key-1111", "sk-ring-key-2222"]
#: Generous: four interpreters start on a 2-core CI machine.
START_TIMEOUT_S = 60.0

pytestmark = pytest.mark.slow


@pytest.fixture
def servers() -> Iterator[tuple[FakeProviderServer, FakeProviderServer]]:
    with FakeProviderServer(name="primary") as primary, FakeProviderServer(name="backup") as backup:
        yield primary, backup


def run_fleet(
    specs: list[dict[str, Any]], tmp_path: Path, during: Callable[[], None] | None = None,
    before_go: Callable[[], None] | None = None,
) -> list[dict[str, Any]]:
    """Start one worker per spec, run ``before_go`` once all are ready, release them
    together, run ``during`` while they work, and return their reports."""
    go = tmp_path / f"go-{time.monotonic_ns()}"
    processes = []
    readies = []
    for index, spec in enumerate(specs):
        ready = tmp_path / f"ready-{time.monotonic_ns()}-{index}"
        readies.append(ready)
        full = {**spec, "ready": str(ready), "go": str(go)}
        processes.append(
            subprocess.Popen(
                [sys.executable, str(WORKER), json.dumps(full)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not all(ready.exists() for ready in readies):
            failed = [p for p in processes if p.poll() is not None]
            assert not failed, failed[0].communicate()[1]
            assert time.monotonic() < deadline, "workers did not start"
            time.sleep(0.01)
        if before_go is not None:
            before_go()
        go.touch()
        if during is not None:
            during()
        reports = []
        for process in processes:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
            reports.append(json.loads(out.strip().splitlines()[-1]))
        return reports
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def spec(
    store: str, redis: RedisServer | None, namespace: str, providers: list[FakeProviderServer],
    **options: Any,
) -> dict[str, Any]:
    """A worker's spec: the store, the providers by name, the executor's options."""
    return {
        "redis": redis.url if store == "redis" and redis is not None else None,
        "namespace": namespace,
        "timeout_s": SHARING_TIMEOUT_S,  # sharing is under test, not timeouts
        "providers": [[server.name, server.openai_base_url] for server in providers],
        **options,
    }


def learn(worker: dict[str, Any]) -> str:
    """One call from this (the test's) process, built as a worker is: who answered."""
    executor, _ = build(worker)
    try:
        return executor.execute(ChatRequest([Message.user("hi")]), "test-model").provider
    finally:
        executor.close()


@pytest.fixture(params=["redis", "memory"])
def store(request: pytest.FixtureRequest) -> str:
    """Which store the fleet shares: Redis (the point) or per-process memory (the control)."""
    if request.param == "redis":
        request.getfixturevalue("redis_server")
    return str(request.param)


def test_a_cooldown_learned_by_one_process_is_honoured_by_all(
    servers: tuple[FakeProviderServer, FakeProviderServer], redis_server: RedisServer,
    namespace: str, tmp_path: Path, store: str,
) -> None:
    """This process meets a 429 with Retry-After: 30 on the primary; then 3 worker processes
    x 5 calls all go straight to the backup. With memory state each of them uses the primary."""
    primary, backup = servers
    primary.script(Reply.openai_error(429, "Rate limit reached", headers={"Retry-After": "30"}))
    worker = spec(store, redis_server, namespace, [primary, backup], cooldown=True, calls=5)
    assert learn(worker) == "backup"
    fleet = run_fleet([worker] * 3, tmp_path)
    answers = Counter(answer for report in fleet for answer in report["answers"])
    assert [report["fallbacks"] for report in fleet] == [0, 0, 0]
    if store == "redis":
        assert answers == {"backup": 15}
        assert len(primary.requests) == 1
    else:
        assert answers == {"primary": 15}
        assert len(primary.requests) == 16


def test_keys_rotate_fairly_across_processes(
    servers: tuple[FakeProviderServer, FakeProviderServer], redis_server: RedisServer,
    namespace: str, tmp_path: Path, store: str,
) -> None:
    """4 processes x 5 rate-limited calls, two limits each: the 40 turns of one shared ring
    hand every key out within one of the others (14/13/13). Per-process rings: every process
    repeats one sequence from keys[0] (16/12/12), and a retry never reuses its key."""
    primary, _ = servers
    primary.default = Reply.openai_error(429, "Rate limit reached")
    options = {"api_keys": KEYS, "max_retries": 1, "base_backoff_ms": 1, "calls": 5}
    fleet = run_fleet([spec(store, redis_server, namespace, [primary], **options)] * 4, tmp_path)
    assert all(answer == "AllProvidersFailed" for r in fleet for answer in r["answers"])
    assert [report["fallbacks"] for report in fleet] == [0, 0, 0, 0]
    assert sum(1 for _ in primary.requests) == 40
    turns = Counter(index for report in fleet for index in report["turns"])
    assert sum(turns.values()) == 40
    counts = sorted(turns[index] for index in range(len(KEYS)))
    if store == "redis":
        assert counts[-1] - counts[0] <= 1, turns
    else:
        assert counts == [12, 12, 16]
    for report in fleet:
        attempts = [tuple(pair) for pair in report["keys"]]
        assert [number for number, _ in attempts] == [1, 2] * 5
        if store == "memory":
            assert all(attempts[i][1] != attempts[i + 1][1] for i in range(0, 10, 2))


def test_a_circuit_opened_by_one_process_is_open_for_all(
    servers: tuple[FakeProviderServer, FakeProviderServer], redis_server: RedisServer,
    namespace: str, tmp_path: Path,
) -> None:
    """Two 500s open the primary's circuit in this process; 3 worker processes x 5 calls
    never call the primary again."""
    primary, backup = servers
    primary.script(Reply.openai_error(500, "boom"), Reply.openai_error(500, "boom"))
    worker = spec(
        "redis", redis_server, namespace, [primary, backup],
        breaker=[2, 30.0], max_retries=1, base_backoff_ms=1, calls=5,
    )
    assert learn(worker) == "backup"
    fleet = run_fleet([worker] * 3, tmp_path)
    assert [answer for report in fleet for answer in report["answers"]] == ["backup"] * 15
    assert [report["fallbacks"] for report in fleet] == [0, 0, 0]
    assert len(primary.requests) == 2


def test_a_budget_of_60_per_window_holds_for_4_processes_x_50_calls(
    servers: tuple[FakeProviderServer, FakeProviderServer], redis_server: RedisServer,
    namespace: str, tmp_path: Path,
) -> None:
    """``RateBudget(60, per_s=0.5)`` (a minute shrunk to half a second so the test stays
    fast): 200 calls from 4 processes, and no half-second window of Redis time admitted more
    than 60; the budget did bind (the 200 took more than two windows)."""
    primary, _ = servers
    window = 0.5
    options = {"budgets": {"primary": [60, window]}, "calls": 50}
    fleet = run_fleet([spec("redis", redis_server, namespace, [primary], **options)] * 4, tmp_path)
    assert all(answer == "primary" for r in fleet for answer in r["answers"])
    assert [report["fallbacks"] for report in fleet] == [0, 0, 0, 0]
    assert len(primary.requests) == 200
    admitted = [pair for report in fleet for pair in report["admitted"]]
    assert len(admitted) == 200
    # Redis admitted each one between `before` and `after` (monotonic, one clock for all
    # processes): if 61 `after`s fit in less than window - slack, 61 admissions fit in less
    # than a window. The slack is the slowest round trip, so a busy machine cannot fail it.
    slack = max(after - before for before, after in admitted)
    assert slack < window / 2
    ends = sorted(after for _, after in admitted)
    span = window - slack
    busiest = max(
        sum(1 for other in ends[index:] if other - end < span) for index, end in enumerate(ends)
    )
    assert busiest <= 60
    assert ends[-1] - ends[0] > 2 * window


def test_killing_redis_mid_run_loses_no_call(
    servers: tuple[FakeProviderServer, FakeProviderServer], own_redis_server: RedisServer,
    namespace: str, tmp_path: Path,
) -> None:
    """4 processes x 50 calls with every shared feature on; Redis is SIGKILLed once 40
    requests were served: all 200 calls answer, none waits long, every process saw one
    outage and answered from local state after it."""
    primary, backup = servers
    primary.default = Reply(delay_s=0.005)
    options = {
        "cooldown": True, "breaker": [5, 30.0], "api_keys": KEYS,
        "budgets": {"primary": [10_000, 60.0]}, "calls": 50,
    }

    def kill_redis() -> None:
        deadline = time.monotonic() + 30
        while len(primary.requests) < 40:
            assert time.monotonic() < deadline
            time.sleep(0.002)
        own_redis_server.kill()

    worker = {**spec("redis", own_redis_server, namespace, [primary, backup], **options)}
    worker["timeout_s"] = 0.05  # the default: what a fleet runs with
    fleet = run_fleet(
        [worker] * 4,
        tmp_path, during=kill_redis,
    )
    assert [answer for report in fleet for answer in report["answers"]] == ["primary"] * 200
    assert len(primary.requests) == 200
    assert max(duration for report in fleet for duration in report["durations"]) < 0.5
    assert [report["outages"] for report in fleet] == [1, 1, 1, 1]
    assert all(report["fallbacks"] > 0 for report in fleet)


def _busiest(admitted: list[tuple[float, float]], weights: list[int], window: float) -> int:
    """The most weight admitted within any window: each admission happened between its
    ``before`` and ``after`` (monotonic, one clock for all processes), so windows of
    ``after`` times shrunk by the slowest round trip bound what Redis admitted."""
    slack = max(after - before for before, after in admitted)
    assert slack < window / 2
    span = window - slack
    ends = sorted(zip((after for _, after in admitted), weights, strict=True))
    return max(
        sum(weight for other, weight in ends[index:] if other - end < span)
        for index, (end, _) in enumerate(ends)
    )


@pytest.mark.parametrize("store", ["redis", "memory"])
def test_a_token_budget_holds_for_4_processes(
    servers: tuple[FakeProviderServer, FakeProviderServer], redis_server: RedisServer,
    namespace: str, tmp_path: Path, store: str,
) -> None:
    """``RateBudget(tokens=600, per_s=0.5)`` (a minute shrunk to half a second): 4 processes
    x 25 calls, each estimated at 69 tokens (``max_tokens=64``) and settled to the ~28 its
    answer reports; through Redis no half-second window holds more than 600 tokens used,
    and the budget did bind; with per-process memory (the control) the fleet overruns it."""
    primary, _ = servers
    window, tokens = 0.5, 600
    options = {
        "budgets": {"primary": {"tokens": tokens, "per_s": window}}, "calls": 25,
        "chat": True, "max_tokens": 64,
    }
    fleet = run_fleet([spec(store, redis_server, namespace, [primary], **options)] * 4, tmp_path)
    assert [answer for r in fleet for answer in r["answers"]] == ["primary"] * 100
    assert [report["fallbacks"] for report in fleet] == [0, 0, 0, 0]
    admitted = [tuple(pair) for report in fleet for pair in report["admitted"]]
    used = [count for report in fleet for count in report["used"]]
    assert len(admitted) == len(used) == 100
    assert all(0 < count <= 69 for count in used)
    busiest = _busiest(admitted, used, window)  # type: ignore[arg-type]
    ends = sorted(after for _, after in admitted)
    if store == "redis":
        assert busiest <= tokens
        assert ends[-1] - ends[0] > 2 * window
    else:
        assert busiest > tokens


@pytest.mark.parametrize("store", ["redis", "memory"])
def test_a_reset_learned_by_one_process_is_waited_for_by_all(
    servers: tuple[FakeProviderServer, FakeProviderServer], redis_server: RedisServer,
    namespace: str, tmp_path: Path, store: str,
) -> None:
    """Once the workers are ready, this process's answer says the primary's requests are
    spent until a reset in 1 s; then 4 worker processes x 3 calls (the primary alone,
    ``RateBudget()``: learn only) send nothing before the reset through Redis; with
    per-process memory (the control) they go at once."""
    primary, _ = servers
    primary.script(Reply.ok(headers={
        "x-ratelimit-limit-requests": "100", "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "1s",
    }))
    worker = spec(store, redis_server, namespace, [primary], budgets={"primary": {}},
                  calls=3, chat=True)
    started: list[float] = []

    def learn_first() -> None:
        started.append(time.monotonic())
        assert learn(worker) == "primary"

    fleet = run_fleet([worker] * 4, tmp_path, before_go=learn_first)
    assert [answer for r in fleet for answer in r["answers"]] == ["primary"] * 12
    assert len(primary.requests) == 13
    first = min(after for report in fleet for _, after in report["admitted"])
    if store == "redis":
        assert first >= started[0] + 1.0 - 0.005
    else:
        assert first < started[0] + 1.0


@pytest.mark.parametrize("store", ["redis", "memory"])
def test_a_spent_limit_learned_by_one_process_is_skipped_by_all(
    servers: tuple[FakeProviderServer, FakeProviderServer], redis_server: RedisServer,
    namespace: str, tmp_path: Path, store: str,
) -> None:
    """With cooldowns on and a backup: once the workers are ready, this process learns that
    the primary's tokens are spent for 30 s; 4 processes x 3 calls all go to the backup
    through Redis (the primary gets no request); with per-process memory (the control) every
    call goes to the primary."""
    primary, backup = servers
    primary.script(Reply.ok(headers={
        "x-ratelimit-remaining-tokens": "0", "x-ratelimit-reset-tokens": "30s",
    }))
    worker = spec(store, redis_server, namespace, [primary, backup], cooldown=True,
                  budgets={"primary": {}}, calls=3, chat=True)

    def learn_first() -> None:
        assert learn(worker) == "primary"

    fleet = run_fleet([worker] * 4, tmp_path, before_go=learn_first)
    answers = [answer for r in fleet for answer in r["answers"]]
    if store == "redis":
        assert answers == ["backup"] * 12
        assert len(primary.requests) == 1
    else:
        assert answers == ["primary"] * 12
        assert len(primary.requests) == 13
