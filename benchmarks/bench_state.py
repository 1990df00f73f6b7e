"""What sharing state through Redis costs per call, against MemoryState, on loopback.

    python benchmarks/bench_state.py            # human-readable table
    python benchmarks/bench_state.py --json     # machine-readable

Starts its own ``redis-server`` on a free loopback port (persistence off; Debian's
``redis-server`` package) and times ``ReliableExecutor.call`` with a function that returns at
once, so every microsecond measured is the executor's and its store's. Each call is timed
alone (``perf_counter_ns``); the table gives the median and the 99th percentile per
configuration, and the Redis overhead = RedisState - MemoryState for each.

Configurations (2 providers, the first always answers):

* ``defaults``: no cooldown, no breaker, no budget: the store is never asked.
* ``health``: ``cooldown=True`` and a circuit breaker: per call, the cooldowns and circuits
  of both providers (one pipelined read), the cooldown of the next provider, and the success
  that closes the circuit (3 round trips to Redis).
* ``health+budget``: the same and a ``RateBudget`` on the first provider (one more
  operation: the sliding-window script).
* ``health+tokens``: the same with a token budget as well (``RateBudget(requests,
  tokens=...)``), calls with a request (its tokens estimated) answered with a usage: the
  take script charges the estimate, and one more script corrects it to the usage.
* ``health+tokens+learn``: the same, and each answer carries OpenAI's six ``x-ratelimit-*``
  headers with plenty left: parsed, not stored (no round trip).
* ``health+tokens+scarce``: the same with 5% of the requests left: the learned count is
  stored at every answer (one more round trip).

Also one store operation alone (``cooling``: one ``PTTL``), the floor of a round trip.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reliable_rules import (  # noqa: E402 — the repository root is put on the path just above
    Attempt,
    ChatRequest,
    ChatResponse,
    CircuitBreakerPolicy,
    MemoryState,
    Message,
    RateBudget,
    RedisState,
    ReliableExecutor,
    StateStore,
    Usage,
)
from reliable_rules.executor.timing import SystemTiming  # noqa: E402
from reliable_rules.testing import RedisServer  # noqa: E402

CONFIGS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "health": {"cooldown": True, "circuit_breaker": CircuitBreakerPolicy()},
    "health+budget": {
        "cooldown": True,
        "circuit_breaker": CircuitBreakerPolicy(),
        "rate_budgets": {"first": RateBudget(10**9, per_s=60.0, learn=False)},
    },
    "health+tokens": {
        "cooldown": True,
        "circuit_breaker": CircuitBreakerPolicy(),
        "rate_budgets": {"first": RateBudget(10**9, per_s=60.0, tokens=10**12, learn=False)},
    },
    "health+tokens+learn": {
        "cooldown": True,
        "circuit_breaker": CircuitBreakerPolicy(),
        "rate_budgets": {"first": RateBudget(10**9, per_s=60.0, tokens=10**12)},
    },
    "health+tokens+scarce": {
        "cooldown": True,
        "circuit_breaker": CircuitBreakerPolicy(),
        "rate_budgets": {"first": RateBudget(10**9, per_s=60.0, tokens=10**12)},
    },
}
#: What each configuration's calls answer: a name, a usage, or a usage and headers.
ANSWERS = {
    "health+tokens": "usage", "health+tokens+learn": "headers",
    "health+tokens+scarce": "scarce",
}
REQUEST = ChatRequest([Message.user("Summarise the last three messages in one line.")])
HEADERS = {
    "x-ratelimit-limit-requests": "10000", "x-ratelimit-remaining-requests": "9999",
    "x-ratelimit-reset-requests": "6ms", "x-ratelimit-limit-tokens": "2000000",
    "x-ratelimit-remaining-tokens": "1999950", "x-ratelimit-reset-tokens": "1ms",
}
#: 500 of 10,000 requests left (scarce: stored); each answer says so again, so it never runs out.
SCARCE = {**HEADERS, "x-ratelimit-remaining-requests": "500", "x-ratelimit-reset-requests": "6s"}


def _answer(attempt: Attempt) -> str:
    return attempt.provider_name


def _with_usage(attempt: Attempt) -> ChatResponse:
    return ChatResponse("ok", usage=Usage(12, 3))


def _with_headers(attempt: Attempt) -> ChatResponse:
    return ChatResponse("ok", usage=Usage(12, 3), rate_limit_headers=HEADERS)


def _with_scarce(attempt: Attempt) -> ChatResponse:
    return ChatResponse("ok", usage=Usage(12, 3), rate_limit_headers=SCARCE)


def _percentiles(samples_ns: list[int]) -> dict[str, float]:
    ordered = sorted(samples_ns)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"median_us": statistics.median(ordered) / 1000, "p99_us": p99 / 1000}


def _time(fn: Callable[[], object], calls: int) -> dict[str, float]:
    for _ in range(min(200, calls)):  # warm up: connections, scripts loaded, caches
        fn()
    samples = []
    for _ in range(calls):
        started = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - started)
    return _percentiles(samples)


def _per_call(
    state: StateStore, name: str, options: dict[str, Any], calls: int
) -> dict[str, float]:
    executor = ReliableExecutor(
        [("first", object()), ("second", object())],
        state=state, timing=SystemTiming(), **options,
    )
    answer = ANSWERS.get(name)
    try:
        if answer is None:
            return _time(lambda: executor.call(_answer, model="m"), calls)
        fn = {"usage": _with_usage, "headers": _with_headers, "scarce": _with_scarce}[answer]
        return _time(lambda: executor.call(fn, model="m", request=REQUEST), calls)
    finally:
        executor.close()


def run(calls: int = 5000) -> dict[str, Any]:
    """Every figure, measured in this process against a redis-server it starts."""
    results: dict[str, Any] = {"calls": calls}
    with RedisServer() as server:
        redis_state = RedisState.from_url(server.url, namespace=f"bench-{uuid.uuid4().hex[:8]}")
        try:
            for name, options in CONFIGS.items():
                memory = _per_call(MemoryState(), name, options, calls)
                shared = _per_call(redis_state, name, options, calls)
                results[name] = {
                    "memory": memory,
                    "redis": shared,
                    "overhead_median_us": shared["median_us"] - memory["median_us"],
                    "overhead_p99_us": shared["p99_us"] - memory["p99_us"],
                }
            results["one_operation"] = {
                "memory": _time(lambda: MemoryState().cooling("cool:x"), calls),
                "redis": _time(lambda: redis_state.cooling("cool:x"), calls),
            }
            results["fallbacks"] = redis_state.fallbacks
        finally:
            redis_state.close()
    return results


def main() -> int:
    """Run and print."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--calls", type=int, default=5000, help="timed calls per figure")
    args = parser.parse_args()
    results = run(args.calls)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"per call, {args.calls} calls each (microseconds)")
    header = ("configuration", "memory med/p99", "redis med/p99", "overhead med/p99")
    print(f"{header[0]:<20}{header[1]:>18}{header[2]:>18}{header[3]:>20}")
    for name in CONFIGS:
        row = results[name]
        memory, shared = row["memory"], row["redis"]
        print(
            f"{name:<20}{memory['median_us']:>9.1f}/{memory['p99_us']:<8.1f}"
            f"{shared['median_us']:>9.1f}/{shared['p99_us']:<8.1f}"
            f"{row['overhead_median_us']:>10.1f}/{row['overhead_p99_us']:<9.1f}"
        )
    one = results["one_operation"]
    print(
        f"one store operation (cooling): memory {one['memory']['median_us']:.1f}/"
        f"{one['memory']['p99_us']:.1f}, redis {one['redis']['median_us']:.1f}/"
        f"{one['redis']['p99_us']:.1f}"
    )
    print(f"fallbacks to local state during the run: {results['fallbacks']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
