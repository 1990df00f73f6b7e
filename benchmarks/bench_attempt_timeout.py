"""What ``attempt_timeout_s`` costs a successful call over HTTP (issue 14, item 6).

    python benchmarks/bench_attempt_timeout.py            # a table
    python benchmarks/bench_attempt_timeout.py --json

Two executors over the same ``OpenAICompatible`` adapter and the same loopback
``FakeProviderServer``: one without bounds, one with ``attempt_timeout_s=30``. Rounds
alternate between them; the result is the median over rounds of the per-call time and the
median of the per-round ratios. Target: ratio <= 1.5. Run it against another checkout by
putting that checkout first on ``PYTHONPATH``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import reliable_rules
from reliable_rules import ChatRequest, Message, ReliableExecutor
from reliable_rules.executor.timing import SystemTiming
from reliable_rules.providers import OpenAICompatible
from reliable_rules.testing import FakeProviderServer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="calls per round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    request = ChatRequest([Message.user("hi")])
    with FakeProviderServer(name="bench") as server:
        adapter = OpenAICompatible(server.openai_base_url, api_key="sk-bench", timeout=30)
        plain = ReliableExecutor([("p", adapter)], timing=SystemTiming())
        bounded = ReliableExecutor(
            [("p", adapter)], attempt_timeout_s=30.0, timing=SystemTiming()
        )
        for executor in (plain, bounded):  # warm the connection pool and the rules
            for _ in range(20):
                executor.chat(request, "m")
        per_call: dict[str, list[float]] = {"without": [], "with": []}
        ratios = []
        for _ in range(args.rounds):
            times = {}
            for label, executor in (("without", plain), ("with", bounded)):
                started = time.perf_counter()
                for _ in range(args.calls):
                    executor.chat(request, "m")
                times[label] = (time.perf_counter() - started) / args.calls * 1e6
                per_call[label].append(times[label])
            ratios.append(times["with"] / times["without"])
        plain.close()
        bounded.close()
        adapter.close()
    result = {
        "package": str(Path(reliable_rules.__file__).parent),
        "without_us": round(statistics.median(per_call["without"]), 1),
        "with_attempt_timeout_us": round(statistics.median(per_call["with"]), 1),
        "ratio": round(statistics.median(ratios), 3),
        "target": 1.5,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:<26} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
