"""Four worker processes share what they learn through Redis.

Starts a throwaway ``redis-server`` on 127.0.0.1 (when the program is installed: Debian's
``redis-server`` package) and two fake OpenAI-compatible providers, ``primary`` and
``backup``. Worker 0 meets a 429 with ``Retry-After: 30`` on the primary and falls back to the
backup; the cooldown goes to Redis, so workers 1-3, separate processes started afterwards,
skip the primary without calling it. Then Redis is killed: the next call still answers at
once, from the worker's local state. Without redis-server every worker keeps its own memory,
and each of them calls the rate-limited primary again.

    python examples/fleet.py
"""

from __future__ import annotations

import math
import multiprocessing
import sys
import time
from typing import Any

from reliable_rules import (
    ChatRequest,
    MemoryState,
    Message,
    RedisState,
    ReliableExecutor,
    StateStore,
)
from reliable_rules.providers import OpenAICompatible
from reliable_rules.testing import FakeProviderServer, RedisServer, Reply
from reliable_rules.testing.redis_server import redis_server_path


def worker(job: dict[str, Any]) -> str:
    """One process: build an executor on the shared store, make the calls, say what happened."""
    state: StateStore = (
        RedisState.from_url(job["redis"], namespace=job["namespace"])
        if job["redis"] else MemoryState()
    )
    executor = ReliableExecutor(
        [(name, OpenAICompatible(url, api_key="sk-demo-0000")) for name, url in job["providers"]],
        cooldown=True,  # remember Retry-After, and skip a cooling provider while another answers
        state=state,
    )
    lines = []
    for _ in range(job["calls"]):
        cooling = executor.health.cooling("primary")
        started = time.monotonic()
        outcome = executor.execute(ChatRequest([Message.user("hi")]), "demo-model")
        took_ms = (time.monotonic() - started) * 1000
        tried = [
            f"{r.provider} {r.decision.category if r.decision else 'ok'} -> {r.action}"
            for r in outcome.attempts
        ]
        skipped = "skipped primary (cooling down)" if cooling else "no skip"
        lines.append(f"  worker-{job['index']}: {skipped}; tried {', '.join(tried)}")
        if job.get("timed"):
            fast = "under 100 ms" if took_ms < 100 else f"{took_ms:.0f} ms"
            fell_back = getattr(state, "fallbacks", 0) > 0
            lines.append(f"  worker-{job['index']}: answered in {fast}; local state: {fell_back}")
    executor.close()
    return "\n".join(lines)


def main() -> int:
    """Run the fleet and print who skipped what."""
    redis = RedisServer().start() if redis_server_path() else None
    print(f"shared state: {'RedisState on ' + redis.url if redis else 'none (no redis-server)'}")
    context = multiprocessing.get_context("spawn")
    with (
        FakeProviderServer(name="primary") as primary,
        FakeProviderServer(name="backup") as backup,
        context.Pool(4, maxtasksperchild=1) as pool,  # each job in a process of its own
    ):
        primary.script(Reply.openai_error(429, "Rate limit reached", headers={"Retry-After": "30"}))
        base = {
            "redis": redis.url if redis else None,
            "namespace": "fleet",  # every process with this namespace shares state
            "providers": [("primary", primary.openai_base_url), ("backup", backup.openai_base_url)],
        }
        print("worker 0 meets a 429 with Retry-After: 30:")
        print(pool.apply(worker, ({**base, "index": 0, "calls": 1},)))
        print("workers 1-3, other processes, 2 calls each:")
        for report in pool.map(worker, [{**base, "index": i, "calls": 2} for i in (1, 2, 3)]):
            print(report)
        print(f"requests: primary {len(primary.requests)}, backup {len(backup.requests)}")
        if redis is not None:
            keys = RedisState.from_url(redis.url, namespace=base["namespace"])
            for name in sorted(keys.client.scan_iter(match="*")):
                ttl = keys.client.pttl(name) / 1000
                print(f"  redis key {name.decode()} expires in {math.ceil(ttl)} s")
            keys.close()
            redis.kill()
            print("redis-server killed; worker 1 calls again:")
            print(pool.apply(worker, ({**base, "index": 1, "calls": 1, "timed": True},)))
    if redis is not None:
        redis.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
