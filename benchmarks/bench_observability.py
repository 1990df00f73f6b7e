"""What the metrics and traces hooks cost per call, against the same executor without hooks.

    python benchmarks/bench_observability.py            # human-readable table
    python benchmarks/bench_observability.py --json     # machine-readable

Hooks measured (each on its own executor, timed in many short interleaved rounds in one
process; the best round of each). Times are the process's CPU time (``time.process_time``),
not wall time: on a machine shared with other jobs, wall time mostly measures how long the
process waited for a core. For ``http`` that CPU time includes the in-process fake server's
threads, the same for every configuration.

* ``none``: no hooks (the baseline);
* ``noop``: a :class:`Hooks` with every callback set to a function that does nothing (what
  the executor itself spends on showing events: building records and events);
* ``prometheus``: :class:`PrometheusHooks` on a fresh ``CollectorRegistry``;
* ``otel_api``: :class:`OpenTelemetryHooks` with only the API (no SDK configured: OpenTelemetry's
  no-op tracer and meter, what a library user pays when the application did not set up
  OpenTelemetry);
* ``otel_sdk``: :class:`OpenTelemetryHooks` with the SDK: a ``TracerProvider`` exporting every
  span synchronously (``SimpleSpanProcessor``) to an exporter that drops it, and a
  ``MeterProvider`` aggregating in memory;
* ``both``: ``otel_sdk`` and ``prometheus`` together.

For scale, ``sdk_floor_us`` is what the OpenTelemetry SDK alone spends on exactly what
``OpenTelemetryHooks`` asks of it for one successful call (two spans with the same
attributes, one counter add, two histogram records, two context attach/detach), called
directly without the executor: ``otel_sdk`` minus ``none`` close to it means the hooks' own
code costs little next to the SDK's.

Scenarios: ``success`` (a function that returns at once: one call, one attempt, through
``executor.call``), ``retry`` (fails once with ``ConnectionError("503 ...")``, then succeeds:
two attempts and a retry, zero backoff), and ``http`` (one chat over real HTTP to a loopback
``FakeProviderServer``, for scale). Reported: microseconds per call, the overhead against
``none`` and the ratio ``hooks / none``.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import tempfile
import time
import timeit
from collections.abc import Callable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from prometheus_client import CollectorRegistry

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import reliable_rules  # noqa: E402 — the repository root is put on the path just above
from reliable_rules import (  # noqa: E402
    ChatRequest,
    Hooks,
    Message,
    OpenTelemetryHooks,
    PrometheusHooks,
    ReliableExecutor,
)
from reliable_rules.executor.timing import SystemTiming  # noqa: E402
from reliable_rules.providers import OpenAICompatible  # noqa: E402
from reliable_rules.testing import FakeProviderServer  # noqa: E402

HOOKS = ("none", "noop", "prometheus", "otel_api", "otel_sdk", "both")
SCENARIOS = ("success", "retry", "http")

ZERO_BACKOFF = """\
format: reliable-rules/v1
name: zero-backoff
extends: [builtin:default]
policy: {backoff: {base_ms: 0, floor_ms: 0}}
"""


def _ignore(_event: object) -> None:
    """A hook that does nothing."""


class DroppingExporter(SpanExporter):
    """Accepts every span and keeps none (what an exporter costs is not ours to measure)."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def make_hooks(name: str) -> Hooks | list[Hooks] | None:
    """The hooks of configuration ``name``."""
    if name == "none":
        return None
    if name == "noop":
        return Hooks(**{spec.name: _ignore for spec in fields(Hooks)})
    if name == "prometheus":
        return PrometheusHooks(registry=CollectorRegistry())
    if name == "otel_api":
        return OpenTelemetryHooks()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(DroppingExporter()))
    meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    otel = OpenTelemetryHooks(tracer_provider=tracer_provider, meter_provider=meter_provider)
    if name == "otel_sdk":
        return otel
    return [otel, PrometheusHooks(registry=CollectorRegistry())]


class FailsEveryOther:
    """Fails, then succeeds, then fails, …: each call through the executor retries once."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, _attempt: object) -> int:
        self.count += 1
        if self.count % 2:
            raise ConnectionError("503 Service Unavailable")
        return self.count


def one_call(scenario: str, executor: ReliableExecutor) -> Callable[[], object]:
    """One call of ``scenario`` through ``executor``."""
    if scenario == "success":
        return functools.partial(executor.call, _one, model="m")
    if scenario == "retry":
        return functools.partial(executor.call, FailsEveryOther(), model="m")
    return functools.partial(executor.chat, ChatRequest([Message.user("hi")]), "m")


def _one(_attempt: object) -> int:
    return 1


def calls(
    scenario: str, rules: reliable_rules.RuleSet, server: FakeProviderServer
) -> dict[str, tuple[Callable[[], object], ReliableExecutor, Any]]:
    """``{hooks name: (one call, its executor, its adapter or None)}`` for ``scenario``."""
    made: dict[str, tuple[Callable[[], object], ReliableExecutor, Any]] = {}
    for name in HOOKS:
        adapter = None
        if scenario == "http":
            adapter = OpenAICompatible(server.openai_base_url, api_key="sk-bench-000000000000")
        executor = ReliableExecutor(
            [("p", adapter)], rules=rules, hooks=make_hooks(name), timing=SystemTiming(),
        )
        made[name] = (one_call(scenario, executor), executor, adapter)
    return made


def measure(
    scenario: str, rules: reliable_rules.RuleSet, server: FakeProviderServer,
    *, number: int, rounds: int,
) -> dict[str, float]:
    """Best mean microseconds per call of each hooks configuration, in interleaved rounds."""
    made = calls(scenario, rules, server)
    best = {name: float("inf") for name in HOOKS}
    try:
        for call, _executor, _adapter in made.values():
            for _ in range(max(10, number // 20)):  # warm caches, labels and connections
                call()
        for _ in range(rounds):
            for name, (call, _executor, _adapter) in made.items():
                seconds = timeit.timeit(call, number=number, timer=time.process_time)
                best[name] = min(best[name], seconds / number * 1e6)
    finally:
        for _call, executor, adapter in made.values():
            executor.close()
            if adapter is not None:
                adapter.close()
    results: dict[str, float] = {}
    for name in HOOKS:
        results[f"{scenario}_{name}_us"] = best[name]
        if name != "none":
            results[f"{scenario}_{name}_overhead_us"] = best[name] - best["none"]
            results[f"{scenario}_{name}_ratio"] = best[name] / best["none"]
    return results


def sdk_floor(*, number: int, rounds: int) -> float:
    """Best mean microseconds of the SDK work behind one successful call, done directly."""
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(DroppingExporter()))
    tracer = tracer_provider.get_tracer("floor")
    meter = MeterProvider(metric_readers=[InMemoryMetricReader()]).get_meter("floor")
    counter = meter.create_counter("attempts")
    durations = meter.create_histogram("call.duration")
    operations = meter.create_histogram("operation.duration")
    measured = {"gen_ai.operation.name": "call", "gen_ai.provider.name": "p",
                "gen_ai.request.model": "m"}

    def one_call() -> None:
        call = tracer.start_span("reliable_rules.call", attributes={"a": "call", "b": "m"})
        call_token = otel_context.attach(trace.set_span_in_context(call))
        attempt = tracer.start_span("call m", attributes={
            "a": "call", "b": "p", "c": "p", "d": "m", "e": 1, "f": 3,
        })
        attempt_token = otel_context.attach(trace.set_span_in_context(attempt))
        operations.record(0.001, measured)
        counter.add(1, {**measured, "action": "success", "outcome": "success"})
        attempt.set_attributes({"action": "success", "outcome": "success", "wait_ms": 0})
        attempt.end()
        otel_context.detach(attempt_token)
        call.set_attributes({"outcome": "success", "attempts": 1, "p": "p", "m": "m"})
        call.end()
        otel_context.detach(call_token)
        durations.record(0.001, {"a": "call", "b": "m", "c": "success"})

    one_call()
    timings = timeit.repeat(one_call, number=number, repeat=rounds, timer=time.process_time)
    return min(timings) / number * 1e6


def run(*, rounds: int = 25, number: int = 1_000, http_number: int = 100) -> dict[str, float]:
    """Every measurement of this benchmark."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "zero.yaml"
        path.write_text(ZERO_BACKOFF, encoding="utf-8")
        rules = reliable_rules.load_rules(path)
    results: dict[str, float] = {}
    with FakeProviderServer(name="bench") as server:
        for scenario in SCENARIOS:
            count = http_number if scenario == "http" else number
            results.update(measure(scenario, rules, server, number=count, rounds=rounds))
    results["sdk_floor_us"] = sdk_floor(number=number, rounds=rounds)
    return results


def render(results: dict[str, float]) -> str:
    """A Markdown table: per call, overhead and ratio for each scenario and hooks."""
    lines = [
        "| hooks | " + " | ".join(
            f"{scenario}: us/call, overhead, ratio" for scenario in SCENARIOS
        ) + " |",
        "|---|" + "---|" * len(SCENARIOS),
    ]
    for name in HOOKS:
        cells = []
        for scenario in SCENARIOS:
            per_call = results[f"{scenario}_{name}_us"]
            if name == "none":
                cells.append(f"{per_call:.1f} (baseline)")
            else:
                overhead = results[f"{scenario}_{name}_overhead_us"]
                ratio = results[f"{scenario}_{name}_ratio"]
                cells.append(f"{per_call:.1f}, {overhead:+.1f}, {ratio:.2f}x")
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        f"OpenTelemetry SDK alone, the work of one successful call: "
        f"{results['sdk_floor_us']:.1f} us"
    )
    return "\n".join(lines)


def main() -> int:
    """Run and print."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    # Many short rounds: on a shared machine the best of many is the least disturbed.
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--number", type=int, default=1_000)
    parser.add_argument("--http-number", type=int, default=100)
    args = parser.parse_args()
    results = run(rounds=args.rounds, number=args.number, http_number=args.http_number)
    print(json.dumps(results, indent=2) if args.json else render(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
