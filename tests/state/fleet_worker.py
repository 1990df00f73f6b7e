"""One worker process of the multi-process tests (run as ``python fleet_worker.py SPEC``).

SPEC (JSON) says which store (``redis`` with a URL and namespace, or ``memory``), the
providers (name, OpenAI-compatible base URL), the executor's options and how many calls to
make. The worker builds everything, touches ``ready``, waits for ``go`` to exist (so all
workers start together), makes its calls and prints one JSON line: per call the provider
that answered (or the error's class), the monotonic start time of every attempt and the
call's duration; the store's fallback counts.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reliable_rules import (
    Attempt,
    ChatRequest,
    CircuitBreakerPolicy,
    MemoryState,
    Message,
    RateBudget,
    RedisState,
    ReliableExecutor,
    ReliableRulesError,
    StateStore,
)
from reliable_rules.providers import OpenAICompatible


class Recording:
    """The store, with every admitted :meth:`acquire` noted as the monotonic times just
    before and just after it: Redis admitted it somewhere in between."""

    def __init__(self, inner: StateStore) -> None:
        self.inner = inner
        self.admitted: list[tuple[float, float]] = []
        self.turns: list[int] = []  # the ring index each rate-limit turn handed out

    def __getattr__(self, name: str) -> Any:  # fallbacks, outages
        return getattr(self.inner, name)

    def cool_down(self, scope: str, seconds: float) -> None:
        self.inner.cool_down(scope, seconds)

    def cooling(self, scope: str) -> float:
        return self.inner.cooling(scope)

    def circuit_failure(self, scope: str, threshold: int, reset_after_s: float) -> bool:
        return self.inner.circuit_failure(scope, threshold, reset_after_s)

    def circuit_success(self, scope: str) -> None:
        self.inner.circuit_success(scope)

    def circuit_open(self, scope: str) -> bool:
        return self.inner.circuit_open(scope)

    def next_key(self, ring: str, count: int, cooling: Sequence[str] = ()) -> int:
        return self.inner.next_key(ring, count, cooling)

    def turn_key(self, ring: str, count: int, used: int, cooling: Sequence[str] = ()) -> int:
        index = self.inner.turn_key(ring, count, used, cooling)
        if used >= 0:
            self.turns.append(index)
        return index

    def blocked(self, cooling: Sequence[str], circuits: Sequence[str]) -> list[bool]:
        return self.inner.blocked(cooling, circuits)

    def acquire(self, scope: str, budget: RateBudget) -> float:
        before = time.monotonic()
        wait = self.inner.acquire(scope, budget)
        if wait == 0.0:
            self.admitted.append((before, time.monotonic()))
        return wait


def build(spec: dict[str, Any]) -> tuple[ReliableExecutor, Recording]:
    """The executor (and its store) that SPEC describes."""
    state: StateStore = (
        RedisState.from_url(
            spec["redis"], namespace=spec["namespace"], timeout_s=spec.get("timeout_s", 0.05)
        )
        if spec.get("redis") else MemoryState()
    )
    recording = Recording(state)
    providers = [
        (name, OpenAICompatible(url, api_key="sk-own-key-9999", timeout=5.0))
        for name, url in spec["providers"]
    ]
    breaker = spec.get("breaker")
    executor = ReliableExecutor(
        providers,
        state=recording,
        cooldown=spec.get("cooldown", False),
        circuit_breaker=None if breaker is None else CircuitBreakerPolicy(*breaker),
        api_keys=spec.get("api_keys"),
        max_retries=spec.get("max_retries", 2),
        base_backoff_ms=spec.get("base_backoff_ms"),
        rate_budgets={
            name: RateBudget(requests, per_s=per_s)
            for name, (requests, per_s) in spec.get("budgets", {}).items()
        },
    )
    return executor, recording


def main(spec: dict[str, Any]) -> dict[str, Any]:
    """Build, wait for ``go``, make the calls, report."""
    executor, state = build(spec)
    starts: list[float] = []
    keys: list[tuple[int, str | None]] = []  # (attempt number, key) of every attempt

    def send(attempt: Attempt) -> str:
        starts.append(time.monotonic())
        keys.append((attempt.number, attempt.api_key))
        attempt.provider.chat(attempt.request, attempt.model, api_key=attempt.api_key)
        return attempt.provider_name

    request = ChatRequest([Message.user("hi")])
    Path(spec["ready"]).touch()
    go = Path(spec["go"])
    while not go.exists():
        time.sleep(0.002)
    answers: list[str] = []
    durations: list[float] = []
    for _ in range(spec["calls"]):
        started = time.monotonic()
        try:
            answers.append(executor.call(send, model="test-model", request=request))
        except ReliableRulesError as error:
            answers.append(type(error).__name__)
        durations.append(time.monotonic() - started)
    executor.close()
    return {
        "answers": answers,
        "starts": starts,
        "keys": keys,
        "turns": state.turns,
        "durations": durations,
        "admitted": state.admitted,
        "fallbacks": getattr(state, "fallbacks", 0),
        "outages": getattr(state, "outages", 0),
    }


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
