"""Four worker processes share what they learn through Redis.

Starts a throwaway ``redis-server`` on 127.0.0.1 (when the program is installed: Debian's
``redis-server`` package), fake OpenAI-compatible providers, and four worker processes; each
job builds its own ``ReliableExecutor`` on ``RedisState`` (namespace ``fleet``).

1. Worker 0 meets a 429 with ``Retry-After: 30`` on ``primary`` and falls back to ``backup``;
   the cooldown goes to Redis, so workers 1-3 skip the primary without calling it.
2. ``metered`` has a token budget, ``RateBudget(tokens=2000)`` a minute: the four workers
   each send a call of about 525 tokens at once. Three fit; the fourth sees the shared window
   full and gives up at its deadline without sending anything.
3. ``limited`` answers with ``x-ratelimit-remaining-requests: 0`` (reset in 20 s): worker 0
   learns it from the answer's headers, and workers 1-3 skip ``limited`` for that model until
   the reset, answering from ``backup``.
4. Redis is killed: the next call still answers at once, from the worker's local state.

Without redis-server every worker keeps its own memory: each calls the rate-limited
providers again and the token budget is counted per process (all four calls are sent).

    python examples/fleet.py

Needs: ``pip install 'reliable-rules[redis]'`` (the redis client) and, to share anything,
Debian's ``redis-server`` program (``apt-get install redis-server``).
"""

from __future__ import annotations

import math
import multiprocessing
import sys
import time
from typing import Any

from reliable_rules import (
    ChatRequest,
    DeadlineExceeded,
    MemoryState,
    Message,
    RateBudget,
    RedisState,
    ReliableExecutor,
    StateStore,
)
from reliable_rules.providers import OpenAICompatible
from reliable_rules.testing import FakeProviderServer, RedisServer, Reply
from reliable_rules.testing.redis_server import redis_server_path

MODEL = "demo-model"
#: metered's budget: tokens a minute, shared by every process on the namespace.
TOKENS_PER_MINUTE = 2000
#: A prompt of about 500 tokens (4 characters a token), so about three calls fit the budget.
LONG_PROMPT = "lorem ipsum " * 167
#: What limited says of its request limit on every answer: spent until a reset in 20 s.
SPENT = {
    "x-ratelimit-limit-requests": "100",
    "x-ratelimit-remaining-requests": "0",
    "x-ratelimit-reset-requests": "20s",
}


def run_job(index: int, job: dict[str, Any]) -> list[str]:
    """One job in a worker process: an executor on the shared store, its calls, what
    happened (one line a call)."""
    state: StateStore = (
        RedisState.from_url(job["redis"], namespace=job["namespace"])
        if job["redis"] else MemoryState()
    )
    executor = ReliableExecutor(
        [(name, OpenAICompatible(url, api_key="sk-demo-0000")) for name, url in job["providers"]],
        cooldown=True,  # remember Retry-After, and skip a cooling provider while another answers
        rate_budgets={name: RateBudget(**spec) for name, spec in job.get("budgets", {}).items()},
        state=state,
    )
    first = job["providers"][0][0]
    lines = []
    for _ in range(job.get("calls", 1)):
        cooling = executor.health.cooling(first, MODEL)
        started = time.monotonic()
        request = ChatRequest([Message.user(job.get("prompt", "hi"))])
        try:
            outcome = executor.execute(request, MODEL, deadline_s=job.get("deadline_s"))
        except DeadlineExceeded:
            lines.append(f"  worker-{index}: {first}'s token budget is full; gave up at its "
                         "deadline, nothing sent")
            continue
        took_ms = (time.monotonic() - started) * 1000
        if job.get("tokens"):
            usage = outcome.usage
            used = (usage.input_tokens or 0) + (usage.output_tokens or 0) if usage else 0
            lines.append(f"  worker-{index}: answered by {outcome.provider} ({used} tokens)")
            continue
        tried = [
            f"{r.provider} {r.decision.category if r.decision else 'ok'} -> {r.action}"
            for r in outcome.attempts
        ]
        skipped = f"skipped {first} ({job.get('why', 'cooling down')})" if cooling else "no skip"
        lines.append(f"  worker-{index}: {skipped}; tried {', '.join(tried)}")
        if job.get("timed"):
            fast = "under 100 ms" if took_ms < 100 else f"{took_ms:.0f} ms"
            fell_back = getattr(state, "fallbacks", 0) > 0
            lines.append(f"  worker-{index}: answered in {fast}; local state: {fell_back}")
    executor.close()
    return lines


def serve(index: int, inbox: Any, outbox: Any) -> None:
    """A worker process: run each job it is sent, send back what happened; None ends it."""
    for job in iter(inbox.get, None):
        outbox.put(run_job(index, job))


class Fleet:
    """Four worker processes, each with its own queue of jobs."""

    def __init__(self, size: int) -> None:
        # fork where there is one (fast): the workers start before any thread or server does.
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.pipes = [(context.Queue(), context.Queue()) for _ in range(size)]
        self.workers = [
            context.Process(target=serve, args=(index, *pipe), daemon=True)
            for index, pipe in enumerate(self.pipes)
        ]
        for worker in self.workers:
            worker.start()

    def run(self, jobs: dict[int, dict[str, Any]]) -> list[str]:
        """Send each worker its job (they run at once), then collect what they did, in order."""
        for index, job in jobs.items():
            self.pipes[index][0].put(job)
        return [line for index in jobs for line in self.pipes[index][1].get(timeout=30)]

    def close(self) -> None:
        """Stop the workers."""
        for inbox, _ in self.pipes:
            inbox.put(None)
        for worker in self.workers:
            worker.join(5)


def main() -> int:
    """Run the fleet and print who skipped what."""
    fleet = Fleet(4)
    redis = RedisServer().start() if redis_server_path() else None
    print(f"shared state: {'RedisState on ' + redis.url if redis else 'none (no redis-server)'}")
    with (
        FakeProviderServer(name="primary") as primary,
        FakeProviderServer(name="backup") as backup,
        FakeProviderServer(name="metered") as metered,
        FakeProviderServer(name="limited", default=Reply.ok(headers=SPENT)) as limited,
    ):
        primary.script(Reply.openai_error(429, "Rate limit reached", headers={"Retry-After": "30"}))
        base = {
            "redis": redis.url if redis else None,
            "namespace": "fleet",  # every process with this namespace shares state
            "providers": [("primary", primary.openai_base_url), ("backup", backup.openai_base_url)],
        }
        print("worker 0 meets a 429 with Retry-After: 30:")
        print("\n".join(fleet.run({0: base})))
        print("workers 1-3, other processes, 2 calls each:")
        print("\n".join(fleet.run({i: {**base, "calls": 2} for i in (1, 2, 3)})))
        print(f"requests: primary {len(primary.requests)}, backup {len(backup.requests)}")

        print(f"4 workers at once, each a ~500-token prompt to metered, RateBudget(tokens="
              f"{TOKENS_PER_MINUTE}) a minute:")
        budgeted = {
            **base, "providers": [("metered", metered.openai_base_url)], "tokens": True,
            "budgets": {"metered": {"tokens": TOKENS_PER_MINUTE}}, "prompt": LONG_PROMPT,
            "deadline_s": 0.5,
        }
        lines = fleet.run(dict.fromkeys(range(4), budgeted))
        print("\n".join(lines))
        spent = sum(int(line.rsplit("(", 1)[1].split()[0]) for line in lines if "(" in line)
        print(f"metered answered {len(metered.requests)} of 4 calls, {spent} tokens of its "
              f"{TOKENS_PER_MINUTE} a minute")

        print("worker 0's answer from limited says 0 requests left, reset in 20s:")
        learning = {
            **base, "budgets": {"limited": {}},  # RateBudget(): only what the headers say
            "why": "learned: 0 requests left until its reset",
            "providers": [("limited", limited.openai_base_url), ("backup", backup.openai_base_url)],
        }
        print("\n".join(fleet.run({0: learning})))
        print("\n".join(fleet.run(dict.fromkeys((1, 2, 3), learning))))
        print(f"requests: limited {len(limited.requests)}")

        if redis is not None:
            keys = RedisState.from_url(redis.url, namespace=base["namespace"])
            for name in sorted(keys.client.scan_iter(match="*")):
                ttl = keys.client.pttl(name) / 1000
                print(f"  redis key {name.decode()} expires in {math.ceil(ttl)} s")
            keys.close()
            redis.kill()
            print("redis-server killed; worker 1 calls again:")
            print("\n".join(fleet.run({1: {**base, "timed": True}})))
    fleet.close()
    if redis is not None:
        redis.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
