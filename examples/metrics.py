"""Metrics and traces of the executor: OpenTelemetry spans and Prometheus metrics, one line each.

Two fake OpenAI-compatible servers: ``primary`` answers 503 (one retry, then the executor gives
up on it), ``backup`` answers 429 with ``Retry-After: 1`` once, then 200. The executor runs with
``hooks=[OpenTelemetryHooks(...), PrometheusHooks(...)]``; the script prints the spans the call
made (from the OpenTelemetry SDK's in-memory exporter) and the Prometheus exposition text (from
the registry, as a ``/metrics`` endpoint would serve it).

Needs the extras: ``pip install 'reliable-rules[otel,prometheus]' opentelemetry-sdk``.
Run: ``python examples/metrics.py`` (about 1.5 s: the backoff and the Retry-After are real).
"""

from __future__ import annotations

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry, disable_created_metrics, generate_latest

from reliable_rules import (
    ChatRequest,
    Message,
    OpenTelemetryHooks,
    PrometheusHooks,
    ReliableExecutor,
)
from reliable_rules.providers import OpenAICompatible
from reliable_rules.testing import FakeProviderServer, Reply

MODEL = "gpt-4o-mini"


def describe(span: ReadableSpan) -> str:
    """One line per span: its name and kind, then the attributes that tell the story."""
    attributes = dict(span.attributes or {})
    if span.name == "reliable_rules.call":
        return (
            f"span {span.name} ({span.kind.name}): outcome={attributes['reliable_rules.outcome']} "
            f"attempts={attributes['reliable_rules.attempts']} "
            f"answered_by={attributes.get('gen_ai.provider.name')}/"
            f"{attributes.get('reliable_rules.answered_model')} "
            f"events={[event.name for event in span.events]}"
        )
    decided = (
        f"{attributes['reliable_rules.category']} ({attributes['reliable_rules.rule_id']})"
        if "reliable_rules.category" in attributes
        else "ok"
    )
    extras = [
        f"{key.rsplit('.', 1)[-1]}={attributes[key]}"
        for key in ("http.response.status_code", "reliable_rules.retry_after_ms")
        if key in attributes
    ]
    return (
        f"  span {span.name} ({span.kind.name}): {attributes['gen_ai.provider.name']} "
        f"attempt {attributes['reliable_rules.attempt']}: {decided} "
        f"-> {attributes['reliable_rules.action']}"
        + (f" [{', '.join(extras)}]" if extras else "")
    )


def main() -> None:
    """Run one call with both hooks on, then print the spans and the exposition text."""
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    disable_created_metrics()  # no *_created series: a shorter exposition text
    registry = CollectorRegistry()

    with FakeProviderServer(name="primary") as primary, FakeProviderServer(name="backup") as backup:
        primary.script(Reply.openai_error(503, "overloaded"), Reply.openai_error(503, "overloaded"))
        backup.script(Reply.error(429, headers={"Retry-After": "1"}), Reply.ok("Paris."))
        providers = [
            ("primary", OpenAICompatible(primary.openai_base_url, api_key="sk-example-primary")),
            ("backup", OpenAICompatible(backup.openai_base_url, api_key="sk-example-backup")),
        ]
        with ReliableExecutor(
            providers,
            max_retries=1,
            hooks=[  # the one line: both hooks on
                OpenTelemetryHooks(tracer_provider=tracer_provider),
                PrometheusHooks(registry=registry),
            ],
        ) as executor:
            answer = executor.chat(ChatRequest([Message.user("Capital of France?")]), MODEL)
        for _, adapter in providers:
            adapter.close()

    print(f"answer: {answer.text!r}")
    print("spans (children first, as they end):")
    for span in spans.get_finished_spans():
        print(describe(span))
    text = generate_latest(registry).decode()
    lines = [line for line in text.splitlines() if "_bucket{" not in line]
    left_out = len(text.splitlines()) - len(lines)
    print(f"Prometheus exposition text ({left_out} _bucket lines left out):")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
