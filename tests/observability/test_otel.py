"""OpenTelemetryHooks: spans per call and per attempt, and the counters and histograms, read
back through the SDK's in-memory span exporter and metric reader. Real HTTP to
FakeProviderServer; time is virtual (FakeTiming)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from helpers.executor_rig import Rig, rig_fixture
from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import CollectorRegistry

from reliable_rules import (
    AllProvidersFailed,
    CallCancelled,
    ChatRequest,
    CircuitBreakerPolicy,
    Message,
    OpenTelemetryHooks,
    PrometheusHooks,
    ReliableExecutor,
)
from reliable_rules.executor.observe import store_fell_back
from reliable_rules.testing import FakeTiming, Reply

MODEL = "test-model"
SECRET_KEY = "sk-live-SECRETSECRETSECRET-1234"
SECRET_TEXT = "customer-password-hunter2"


@dataclass
class Telemetry:
    """An SDK tracer and meter provider recording in memory."""

    spans: InMemorySpanExporter
    reader: InMemoryMetricReader
    tracer_provider: TracerProvider
    meter_provider: MeterProvider

    def hooks(self, **options: Any) -> OpenTelemetryHooks:
        return OpenTelemetryHooks(
            tracer_provider=self.tracer_provider, meter_provider=self.meter_provider, **options
        )

    def finished(self) -> list[ReadableSpan]:
        return list(self.spans.get_finished_spans())

    def calls(self) -> list[ReadableSpan]:
        return [span for span in self.finished() if span.name == "reliable_rules.call"]

    def attempts(self) -> list[ReadableSpan]:
        return [span for span in self.finished() if span.kind is SpanKind.CLIENT]

    def points(self, name: str) -> list[Any]:
        """The data points of metric ``name`` (empty when it was never recorded)."""
        data = self.reader.get_metrics_data()
        found: list[Any] = []
        for resource in data.resource_metrics if data is not None else ():
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == name:
                        found.extend(metric.data.data_points)
        return found

    def count(self, name: str, **attributes: Any) -> float:
        """The sum of ``name``'s points whose attributes include ``attributes``."""
        return sum(
            point.value
            for point in self.points(name)
            if all(point.attributes.get(key) == value for key, value in attributes.items())
        )


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    try:
        yield Telemetry(spans, reader, tracer_provider, meter_provider)
    finally:
        tracer_provider.shutdown()
        meter_provider.shutdown()


rig = rig_fixture(api_key=SECRET_KEY, timeout=5.0)


def ask() -> ChatRequest:
    """A one-message request."""
    return ChatRequest([Message.user("hello")])


def fallback_call(rig: Rig, telemetry: Telemetry, **options: Any) -> ReliableExecutor:
    """primary: 503 twice (retry, give up); backup: 429 with Retry-After 2 then 200."""
    primary = rig.server("primary", default=Reply.openai_error(503, f"down {SECRET_TEXT}"))
    backup = rig.server("backup")
    backup.script(Reply.error(429, headers={"Retry-After": "2"}), Reply.ok("fine"))
    executor = rig.executor(
        [("primary", rig.openai(primary)), ("backup", rig.openai(backup))],
        hooks=telemetry.hooks(**options), max_retries=1,
    )
    assert executor.chat(ask(), MODEL).text == "fine"
    return executor


def test_one_call_span_holds_one_client_span_per_attempt(rig: Rig, telemetry: Telemetry) -> None:
    """Four attempts (retry, give_up, retry, success) are four CLIENT spans named
    ``chat MODEL`` under the INTERNAL call span, with GenAI and decision attributes."""
    fallback_call(rig, telemetry)
    (call,) = telemetry.calls()
    attempts = telemetry.attempts()
    assert call.kind is SpanKind.INTERNAL
    assert [span.name for span in attempts] == [f"chat {MODEL}"] * 4
    assert all(span.parent is not None for span in attempts)
    assert {span.parent.span_id for span in attempts if span.parent} == {call.context.span_id}
    table = [
        (
            span.attributes["gen_ai.provider.name"],
            span.attributes["reliable_rules.attempt"],
            span.attributes.get("reliable_rules.category"),
            span.attributes["reliable_rules.action"],
            span.attributes.get("http.response.status_code"),
            span.attributes.get("reliable_rules.retry_after_ms"),
            span.attributes["reliable_rules.outcome"],
            span.status.status_code,
        )
        for span in attempts
    ]
    assert table == [
        ("primary", 1, "server_error", "retry", 503, None, "failure", StatusCode.ERROR),
        ("primary", 2, "server_error", "give_up", 503, None, "failure", StatusCode.ERROR),
        ("backup", 1, "rate_limited", "retry", 429, 2000, "failure", StatusCode.ERROR),
        ("backup", 2, None, "success", None, None, "success", StatusCode.UNSET),
    ]
    first = attempts[0].attributes
    assert first["gen_ai.operation.name"] == "chat"
    assert first["gen_ai.request.model"] == MODEL
    assert first["gen_ai.system"] == "primary"
    assert first["error.type"] == "reliable_rules.providers.base.ProviderHTTPError"
    assert first["reliable_rules.rule_id"] == "seed.status.server-error"
    assert first["reliable_rules.ruleset.name"] == "default"
    assert first["reliable_rules.wait_ms"] == 500


def test_the_call_span_says_who_answered_and_carries_the_events(
    rig: Rig, telemetry: Telemetry
) -> None:
    """The call span: outcome, attempt count, answering provider and model; retries and the
    fallback are its events, in order."""
    fallback_call(rig, telemetry)
    (call,) = telemetry.calls()
    attributes = call.attributes
    assert attributes["reliable_rules.outcome"] == "success"
    assert attributes["reliable_rules.attempts"] == 4
    assert attributes["gen_ai.provider.name"] == "backup"
    assert attributes["reliable_rules.answered_model"] == MODEL
    assert call.status.status_code is StatusCode.UNSET
    events = [(event.name, dict(event.attributes or {})) for event in call.events]
    assert [name for name, _ in events] == [
        "reliable_rules.retry", "reliable_rules.fallback", "reliable_rules.retry",
    ]
    assert events[1][1]["reliable_rules.to.provider"] == "backup"
    assert events[2][1]["reliable_rules.wait_ms"] == 2000


def test_counters_and_histograms_count_what_happened(rig: Rig, telemetry: Telemetry) -> None:
    """attempts by action, retries by category, one fallback, one call whose duration holds
    the virtual waits (0.5 s backoff + 2 s Retry-After), four operation durations."""
    fallback_call(rig, telemetry)
    assert telemetry.count("reliable_rules.attempts") == 4
    assert telemetry.count(
        "reliable_rules.attempts", **{"reliable_rules.action": "retry"}
    ) == 2
    assert telemetry.count(
        "reliable_rules.attempts",
        **{"gen_ai.provider.name": "backup", "reliable_rules.outcome": "success"},
    ) == 1
    assert telemetry.count(
        "reliable_rules.retries", **{"reliable_rules.category": "rate_limited"}
    ) == 1
    assert telemetry.count("reliable_rules.retries") == 2
    assert telemetry.count(
        "reliable_rules.fallbacks", **{"gen_ai.provider.name": "primary"}
    ) == 1
    (call,) = telemetry.points("reliable_rules.call.duration")
    assert call.count == 1
    assert call.sum >= 2.5
    assert call.attributes["reliable_rules.outcome"] == "success"
    operations = telemetry.points("gen_ai.client.operation.duration")
    assert sum(point.count for point in operations) == 4
    failed = [p for p in operations if "error.type" in p.attributes]
    assert sum(point.count for point in failed) == 3


def test_no_key_and_no_error_text_reach_spans_or_metrics(rig: Rig, telemetry: Telemetry) -> None:
    """The API key and the error body's text appear in no attribute, event or metric point."""
    fallback_call(rig, telemetry)
    values: list[str] = []
    for span in telemetry.finished():
        values += [str(value) for value in (span.attributes or {}).values()]
        for event in span.events:
            values += [str(value) for value in (event.attributes or {}).values()]
    for name in ("reliable_rules.attempts", "gen_ai.client.operation.duration"):
        for point in telemetry.points(name):
            values += [str(value) for value in point.attributes.values()]
    assert values
    for secret in (SECRET_KEY, SECRET_KEY[-4:], SECRET_TEXT):
        assert not [value for value in values if secret in value], secret


def test_a_failed_call_is_an_error_span_with_the_error_type(
    rig: Rig, telemetry: Telemetry
) -> None:
    """Every provider fails: the call span has status ERROR, outcome exhausted and
    error.type AllProvidersFailed; the duration is recorded with the same outcome."""
    server = rig.server("down", default=Reply.error(503))
    executor = rig.executor(
        [("down", rig.openai(server))], hooks=telemetry.hooks(), max_retries=0
    )
    with pytest.raises(AllProvidersFailed):
        executor.chat(ask(), MODEL)
    (call,) = telemetry.calls()
    assert call.status.status_code is StatusCode.ERROR
    assert call.attributes["reliable_rules.outcome"] == "exhausted"
    assert call.attributes["error.type"] == "reliable_rules.errors.AllProvidersFailed"
    assert "gen_ai.provider.name" not in call.attributes
    (point,) = telemetry.points("reliable_rules.call.duration")
    assert point.attributes["reliable_rules.outcome"] == "exhausted"


@pytest.mark.parametrize("attempt_timeout_s", [None, 5.0])
def test_the_attempt_span_is_current_while_the_attempt_runs(
    telemetry: Telemetry, attempt_timeout_s: float | None
) -> None:
    """Inside the operation (on the caller's thread, or a worker when attempts are bounded)
    the current span is the attempt's: spans made there nest under it. After the call the
    context is back to what it was."""
    seen: list[tuple[int, str]] = []

    def op(_attempt: Any) -> str:
        span = trace.get_current_span()
        seen.append((span.get_span_context().span_id, threading.current_thread().name))
        return "ok"

    with ReliableExecutor(
        [("fn", None)], hooks=telemetry.hooks(), timing=FakeTiming(),
        attempt_timeout_s=attempt_timeout_s,
    ) as executor:
        executor.call(op, model=MODEL)
    (attempt,) = telemetry.attempts()
    assert seen[0][0] == attempt.context.span_id
    assert (seen[0][1] == threading.current_thread().name) is (attempt_timeout_s is None)
    assert not trace.get_current_span().get_span_context().is_valid


def test_a_call_stopped_mid_attempt_ends_its_spans(telemetry: Telemetry) -> None:
    """close() during a bounded attempt: the attempt span and the call span both end
    (outcome cancelled) and the caller's context is restored."""
    started = threading.Event()
    release = threading.Event()

    def slow(_attempt: Any) -> str:
        started.set()
        release.wait(5)
        return "late"

    executor = ReliableExecutor(
        [("slow", None)], hooks=telemetry.hooks(), timing=FakeTiming(), attempt_timeout_s=10
    )
    closer = threading.Thread(target=lambda: (started.wait(5), executor.close()))
    closer.start()
    try:
        with pytest.raises(CallCancelled):
            executor.call(slow, model=MODEL)
    finally:
        release.set()
        closer.join(5)
    (attempt,) = telemetry.attempts()
    (call,) = telemetry.calls()
    assert attempt.attributes["reliable_rules.outcome"] == "cancelled"
    assert attempt.status.status_code is StatusCode.ERROR
    assert call.attributes["reliable_rules.outcome"] == "cancelled"
    assert not trace.get_current_span().get_span_context().is_valid


def test_skips_and_circuit_changes_are_counted_and_shown(
    rig: Rig, telemetry: Telemetry
) -> None:
    """A circuit opened by a 503 (threshold 1) is counted once as open; the next call's skip
    is counted with reason circuit_open and is an event of that call's span."""
    flaky = rig.server("flaky", default=Reply.error(503))
    spare = rig.server("spare")
    executor = rig.executor(
        [("flaky", rig.openai(flaky)), ("spare", rig.openai(spare))],
        hooks=telemetry.hooks(), max_retries=0,
        circuit_breaker=CircuitBreakerPolicy(failure_threshold=1, reset_after_s=60),
    )
    executor.chat(ask(), MODEL)
    executor.chat(ask(), MODEL)
    assert telemetry.count(
        "reliable_rules.circuit.changes", **{"reliable_rules.circuit.state": "open"}
    ) == 1
    assert telemetry.count(
        "reliable_rules.skips",
        **{"gen_ai.provider.name": "flaky", "reliable_rules.skip.reason": "circuit_open"},
    ) == 1
    first, second = telemetry.calls()
    assert "reliable_rules.circuit" in [event.name for event in first.events]
    assert [event.name for event in second.events] == ["reliable_rules.skip"]


def test_traces_or_metrics_can_be_switched_off(rig: Rig, telemetry: Telemetry) -> None:
    """traces=False records metrics only; metrics=False spans only."""
    fallback_call(rig, telemetry, traces=False)
    assert telemetry.finished() == []
    assert telemetry.count("reliable_rules.attempts") == 4
    other = Telemetry(
        InMemorySpanExporter(), InMemoryMetricReader(), TracerProvider(), MeterProvider()
    )
    other.tracer_provider.add_span_processor(SimpleSpanProcessor(other.spans))
    other.meter_provider = MeterProvider(metric_readers=[other.reader])
    fallback_call(rig, other, metrics=False)
    assert len(other.attempts()) == 4
    assert other.points("reliable_rules.attempts") == []


def test_store_fallbacks_are_counted(telemetry: Telemetry) -> None:
    """Through the hook (what the state store calls) and the method alike."""
    hooks = telemetry.hooks()
    store_fell_back(hooks, "redis", "unavailable")
    hooks.record_store_fallback(reason="timeout")
    assert telemetry.count("reliable_rules.store.fallbacks", **{
        "reliable_rules.store": "redis", "reliable_rules.store.reason": "unavailable",
    }) == 1
    assert telemetry.count("reliable_rules.store.fallbacks") == 2


def test_without_an_sdk_the_hooks_cost_nothing_visible() -> None:
    """With only the API (no provider configured), calls work and answer the same."""
    with ReliableExecutor(
        [("fn", None)], hooks=OpenTelemetryHooks(), timing=FakeTiming()
    ) as executor:
        assert executor.call(lambda attempt: attempt.number, model=MODEL) == 1
    assert repr(OpenTelemetryHooks()) == "OpenTelemetryHooks()"


def test_both_hooks_together(telemetry: Telemetry) -> None:
    """hooks=[OpenTelemetryHooks(...), PrometheusHooks(...)]: each sees every event."""
    registry = CollectorRegistry()
    with ReliableExecutor(
        [("fn", None)], timing=FakeTiming(),
        hooks=[telemetry.hooks(), PrometheusHooks(registry=registry)],
    ) as executor:
        assert executor.call(lambda _attempt: "ok", model="m") == "ok"
    assert len(telemetry.calls()) == len(telemetry.attempts()) == 1
    assert registry.get_sample_value(
        "reliable_rules_call_duration_seconds_count",
        {"operation": "call", "model": "m", "outcome": "success"},
    ) == 1


def test_a_stream_is_a_chat_call_whose_span_ends_at_the_first_event(
    rig: Rig, telemetry: Telemetry
) -> None:
    """stream_chat: a 503 before the stream is retried; the call span (operation chat) has
    ended with outcome success by the time the first event reaches the caller."""
    server = rig.server("a")
    server.script(Reply.openai_error(503, "busy"), Reply.stream_openai(["hel", "lo"]))
    executor = rig.executor([("a", rig.openai(server))], hooks=telemetry.hooks())
    stream = executor.stream_chat(ask(), MODEL)
    first = next(stream)
    assert first.text == "hel"
    (call,) = telemetry.calls()
    assert call.attributes["gen_ai.operation.name"] == "chat"
    assert call.attributes["reliable_rules.outcome"] == "success"
    assert [span.attributes["reliable_rules.action"] for span in telemetry.attempts()] == [
        "retry", "success",
    ]
    assert [event.text for event in stream] == ["lo", ""]
    assert not trace.get_current_span().get_span_context().is_valid


def test_concurrent_calls_keep_their_own_spans(telemetry: Telemetry) -> None:
    """8 threads x 5 calls through one executor, half of them retried once: every attempt
    span is the child of its own call's span, and each call span counts its attempts."""
    executor = ReliableExecutor([("fn", None)], hooks=telemetry.hooks(), timing=FakeTiming())

    def worker(index: int) -> None:
        for _ in range(5):
            failures = [index % 2]  # odd threads fail once, then answer

            def op(_attempt: Any, failures: list[int] = failures) -> int:
                if failures[0]:
                    failures[0] -= 1
                    raise ConnectionError("503 Service Unavailable")
                return index

            assert executor.call(op, model=MODEL) == index

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    executor.close()
    calls = {span.context.span_id: span for span in telemetry.calls()}
    attempts = telemetry.attempts()
    assert len(calls) == 40
    assert len(attempts) == 60
    children: dict[int, int] = {}
    for span in attempts:
        assert span.parent is not None
        children[span.parent.span_id] = children.get(span.parent.span_id, 0) + 1
    assert set(children) == set(calls)
    assert all(
        children[span_id] == call.attributes["reliable_rules.attempts"]
        for span_id, call in calls.items()
    )
    assert sorted(children.values()).count(2) == 20
