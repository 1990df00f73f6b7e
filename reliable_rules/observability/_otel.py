"""The OpenTelemetry recorder behind :class:`~reliable_rules.observability.OpenTelemetryHooks`.

Imported only when one is built: this module imports ``opentelemetry`` (the API; the SDK is
the application's choice). A call is an ``INTERNAL`` span ``reliable_rules.call``; each
attempt a ``CLIENT`` span ``{operation} {model}`` inside it (OpenTelemetry's GenAI naming),
current while the attempt runs, so spans the provider's HTTP client makes nest under it.
Retries, fallbacks, skips and circuit changes are events of the call's span.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import TYPE_CHECKING

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.metrics import MeterProvider, NoOpMeterProvider, get_meter
from opentelemetry.trace import NoOpTracerProvider, Span, SpanKind, Status, StatusCode

from reliable_rules._version import __version__
from reliable_rules.observability._common import attempt_outcome, error_type, http_status

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.util.types import AttributeValue

    from reliable_rules.errors import AttemptRecord
    from reliable_rules.executor.records import (
        AttemptStartEvent,
        CallEndEvent,
        CallStartEvent,
        CircuitEvent,
        FallbackEvent,
        RetryEvent,
        SkipEvent,
        StoreFallbackEvent,
    )

__all__ = ["CALL_SPAN", "SCOPE", "Recorder"]

#: The instrumentation scope of every tracer and meter.
SCOPE = "reliable_rules"
#: The name of a call's span.
CALL_SPAN = "reliable_rules.call"

# OpenTelemetry semantic conventions (GenAI, errors, HTTP client).
OPERATION = "gen_ai.operation.name"
PROVIDER = "gen_ai.provider.name"
SYSTEM = "gen_ai.system"  # the name before semantic conventions 1.37; many backends read it
REQUEST_MODEL = "gen_ai.request.model"
ERROR_TYPE = "error.type"
HTTP_STATUS = "http.response.status_code"
# The executor's own.
ATTEMPT = "reliable_rules.attempt"
MAX_ATTEMPTS = "reliable_rules.max_attempts"
ATTEMPTS = "reliable_rules.attempts"
CATEGORY = "reliable_rules.category"
RULE_ID = "reliable_rules.rule_id"
RULESET = "reliable_rules.ruleset.name"
REVISION = "reliable_rules.ruleset.revision"
ACTION = "reliable_rules.action"
RETRY_AFTER_MS = "reliable_rules.retry_after_ms"
WAIT_MS = "reliable_rules.wait_ms"
OUTCOME = "reliable_rules.outcome"
ANSWERED_MODEL = "reliable_rules.answered_model"

#: GenAI's advice for ``gen_ai.client.operation.duration`` (seconds), used for both durations.
DURATION_BUCKETS = (
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
)

Attributes = dict[str, "AttributeValue"]


@dataclass(slots=True)
class _Call:
    """One call's spans and context tokens (kept in the recorder's context variable)."""

    span: Span
    token: Token[Context]
    operation: str
    attempts: int = 0
    provider: str | None = None
    model: str | None = None
    attempt_span: Span | None = None
    attempt_token: Token[Context] | None = None
    var_token: Token[_Call | None] | None = None


class Recorder:
    """The hooks' methods: spans through a tracer, counters and histograms through a meter."""

    def __init__(
        self,
        *,
        tracer_provider: trace.TracerProvider | None,
        meter_provider: MeterProvider | None,
        traces: bool,
        metrics: bool,
    ) -> None:
        self._tracer = trace.get_tracer(
            SCOPE, __version__, tracer_provider if traces else NoOpTracerProvider()
        )
        meter = get_meter(SCOPE, __version__, meter_provider if metrics else NoOpMeterProvider())
        self._current: ContextVar[_Call | None] = ContextVar(
            f"reliable_rules_otel_{id(self):x}", default=None
        )
        self.attempts = meter.create_counter(
            "reliable_rules.attempts", "{attempt}", "Attempts on a provider and model."
        )
        self.retries = meter.create_counter(
            "reliable_rules.retries", "{retry}", "Retries of the same provider and model."
        )
        self.fallbacks = meter.create_counter(
            "reliable_rules.fallbacks", "{fallback}", "Moves from a provider/model to the next."
        )
        self.skips = meter.create_counter(
            "reliable_rules.skips", "{skip}",
            "Candidates skipped because of a cooldown or an open circuit.",
        )
        self.circuit_changes = meter.create_counter(
            "reliable_rules.circuit.changes", "{change}", "Circuit breaker state changes."
        )
        self.store_fallbacks = meter.create_counter(
            "reliable_rules.store.fallbacks", "{fallback}",
            "Times the shared state store could not be used and local state was.",
        )
        self.call_duration = meter.create_histogram(
            "reliable_rules.call.duration", "s", "Duration of executor calls, waits included.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self.operation_duration = meter.create_histogram(
            "gen_ai.client.operation.duration", "s", "Duration of each attempt.",
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )

    # ── the call ───────────────────────────────────────────────────────────────────────

    def on_call_start(self, event: CallStartEvent) -> None:
        span = self._tracer.start_span(
            CALL_SPAN,
            kind=SpanKind.INTERNAL,
            attributes={OPERATION: event.operation, REQUEST_MODEL: event.model},
        )
        token = otel_context.attach(trace.set_span_in_context(span))
        call = _Call(span, token, event.operation)
        call.var_token = self._current.set(call)

    def on_call_end(self, event: CallEndEvent) -> None:
        call = self._current.get()
        if call is None:
            return
        failed = event.outcome != "success"
        kind = error_type(event.error) if failed else None
        if call.attempt_span is not None:  # a deadline or a cancel stopped it mid-way
            self._end_attempt(call, {OUTCOME: event.outcome}, kind)
        attributes: Attributes = {OUTCOME: event.outcome, ATTEMPTS: call.attempts}
        if not failed and call.provider is not None and call.model is not None:
            attributes[PROVIDER] = call.provider
            attributes[ANSWERED_MODEL] = call.model
        if kind is not None:
            attributes[ERROR_TYPE] = kind
        span = call.span
        span.set_attributes(attributes)
        if failed:
            span.set_status(Status(StatusCode.ERROR))
        span.end()
        otel_context.detach(call.token)
        if call.var_token is not None:
            self._current.reset(call.var_token)
        measured: Attributes = {
            OPERATION: event.operation, REQUEST_MODEL: event.model, OUTCOME: event.outcome,
        }
        if kind is not None:
            measured[ERROR_TYPE] = kind
        self.call_duration.record(event.elapsed_ms / 1000, measured)

    # ── attempts ───────────────────────────────────────────────────────────────────────

    def on_attempt_start(self, event: AttemptStartEvent) -> None:
        call = self._current.get()
        if call is None:
            return
        call.attempts += 1
        span = self._tracer.start_span(
            f"{call.operation} {event.model}",
            kind=SpanKind.CLIENT,
            attributes={
                OPERATION: call.operation,
                PROVIDER: event.provider,
                SYSTEM: event.provider,
                REQUEST_MODEL: event.model,
                ATTEMPT: event.attempt,
                MAX_ATTEMPTS: event.max_attempts,
            },
        )
        call.attempt_span = span
        call.attempt_token = otel_context.attach(trace.set_span_in_context(span))

    def on_attempt(self, record: AttemptRecord) -> None:
        call = self._current.get()
        operation = "chat" if call is None else call.operation
        outcome = attempt_outcome(record)
        kind = error_type(record.error)
        measured: Attributes = {
            OPERATION: operation, PROVIDER: record.provider, REQUEST_MODEL: record.model,
        }
        if kind is not None:
            measured[ERROR_TYPE] = kind
        self.operation_duration.record(record.elapsed_ms / 1000, measured)
        counted: Attributes = {**measured, ACTION: record.action, OUTCOME: outcome}
        decision = record.decision
        if decision is not None:
            counted[CATEGORY] = decision.category
        self.attempts.add(1, counted)
        if call is None:
            return
        call.provider, call.model = record.provider, record.model
        if call.attempt_span is None:
            return
        attributes: Attributes = {ACTION: record.action, OUTCOME: outcome, WAIT_MS: record.wait_ms}
        if decision is not None:
            attributes[CATEGORY] = decision.category
            attributes[RULESET] = decision.ruleset
            attributes[REVISION] = decision.revision
            if decision.rule_id is not None:
                attributes[RULE_ID] = decision.rule_id
            if decision.retry_after_ms is not None:
                attributes[RETRY_AFTER_MS] = decision.retry_after_ms
            status = http_status(record)
            if status is not None:
                attributes[HTTP_STATUS] = status
        self._end_attempt(call, attributes, kind)

    def _end_attempt(self, call: _Call, attributes: Attributes, kind: str | None) -> None:
        span = call.attempt_span
        assert span is not None  # the callers checked
        if kind is not None:
            attributes[ERROR_TYPE] = kind
        span.set_attributes(attributes)
        if attributes.get(OUTCOME) != "success":
            span.set_status(Status(StatusCode.ERROR))
        span.end()
        if call.attempt_token is not None:
            otel_context.detach(call.attempt_token)
        call.attempt_span = call.attempt_token = None

    # ── what happens between attempts ──────────────────────────────────────────────────

    def on_retry(self, event: RetryEvent) -> None:
        record = event.record
        category = record.decision.category if record.decision is not None else "none"
        attributes: Attributes = {
            PROVIDER: record.provider, REQUEST_MODEL: record.model, CATEGORY: category,
        }
        self.retries.add(1, attributes)
        self._event("reliable_rules.retry", {
            **attributes, WAIT_MS: event.wait_ms, ATTEMPT: event.next_attempt,
        })

    def on_fallback(self, event: FallbackEvent) -> None:
        attributes: Attributes = {PROVIDER: event.from_provider, REQUEST_MODEL: event.from_model}
        record = event.record
        if record is not None and record.decision is not None:
            attributes[CATEGORY] = record.decision.category
        self.fallbacks.add(1, attributes)
        self._event("reliable_rules.fallback", {
            **attributes,
            "reliable_rules.to.provider": event.to_provider,
            "reliable_rules.to.model": event.to_model,
        })

    def on_skip(self, event: SkipEvent) -> None:
        attributes: Attributes = {
            PROVIDER: event.provider, REQUEST_MODEL: event.model,
            "reliable_rules.skip.reason": event.reason,
        }
        self.skips.add(1, attributes)
        self._event("reliable_rules.skip", {**attributes, WAIT_MS: event.wait_ms})

    def on_circuit(self, event: CircuitEvent) -> None:
        attributes: Attributes = {
            PROVIDER: event.provider, REQUEST_MODEL: event.model,
            "reliable_rules.circuit.state": event.state,
        }
        self.circuit_changes.add(1, attributes)
        self._event("reliable_rules.circuit", attributes)

    def on_store_fallback(self, event: StoreFallbackEvent) -> None:
        self.store_fallbacks.add(1, {
            "reliable_rules.store": event.store, "reliable_rules.store.reason": event.reason,
        })

    def _event(self, name: str, attributes: Attributes) -> None:
        call = self._current.get()
        if call is not None:
            call.span.add_event(name, attributes)
