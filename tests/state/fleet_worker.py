"""One worker process of the multi-process tests (run as ``python fleet_worker.py SPEC``).

SPEC (JSON) says which store (``redis`` with a URL and namespace, or ``memory``), the
providers (name, OpenAI-compatible base URL), the executor's options (a budget is
``[requests, per_s]`` or RateBudget's keywords) and how many calls to make (``chat``: through
``execute``, noting each answer's tokens). The worker builds everything, touches
``ready``, waits for ``go`` to exist (so all workers start together), makes its calls and
prints one JSON line: per call the provider that answered (or the error's class), the
monotonic start time of every attempt and the call's duration; the store's fallback counts.
"""

from __future__ import annotations

import json
import math
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
from reliable_rules.executor.store.base import Quota
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
        return self.take(scope, budget)[0]

    def take(
        self, scope: str, budget: RateBudget, tokens: int = 0, learned: str = "",
        learned_max_s: float = math.inf,
    ) -> tuple[float, str]:
        before = time.monotonic()
        wait, ticket = self.inner.take(scope, budget, tokens, learned, learned_max_s)
        if wait == 0.0:
            self.admitted.append((before, time.monotonic()))
        return wait, ticket

    def settle(self, scope: str, ticket: str, tokens: int, learned: str = "") -> None:
        self.inner.settle(scope, ticket, tokens, learned)

    def learn(
        self, learned: str, requests: Quota | None = None, tokens: Quota | None = None
    ) -> None:
        self.inner.learn(learned, requests, tokens)


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
            name: RateBudget(*budget) if isinstance(budget, list) else RateBudget(**budget)
            for name, budget in spec.get("budgets", {}).items()
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

    request = ChatRequest([Message.user("hi")], max_tokens=spec.get("max_tokens"))
    Path(spec["ready"]).touch()
    go = Path(spec["go"])
    while not go.exists():
        time.sleep(0.002)
    answers: list[str] = []
    durations: list[float] = []
    used: list[int] = []  # with "chat": the tokens each answer reported
    for _ in range(spec["calls"]):
        started = time.monotonic()
        try:
            if spec.get("chat"):
                outcome = executor.execute(request, "test-model")
                answers.append(outcome.provider)
                starts.append(started)
                usage = outcome.usage
                used.append(0 if usage is None else
                            (usage.input_tokens or 0) + (usage.output_tokens or 0))
            else:
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
        "used": used,
        "fallbacks": getattr(state, "fallbacks", 0),
        "outages": getattr(state, "outages", 0),
    }


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
