"""OpenTelemetry spans and metrics of the executor, as :class:`~reliable_rules.Hooks`.

``opentelemetry-api`` (the extra ``otel``) is imported when an :class:`OpenTelemetryHooks` is
built, not when this module is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reliable_rules.errors import MissingExtra
from reliable_rules.executor.records import Hooks, StoreFallbackEvent

if TYPE_CHECKING:
    from opentelemetry.metrics import MeterProvider
    from opentelemetry.trace import TracerProvider

    from reliable_rules.observability._otel import Recorder

__all__ = ["OpenTelemetryHooks"]


class OpenTelemetryHooks(Hooks):
    """Spans and metrics for every call, attempt, retry, fallback, skip and circuit change.

    ``ReliableExecutor(providers, hooks=OpenTelemetryHooks())`` is all it takes: the spans
    and metrics go to the global tracer and meter providers the application configured (with
    none, OpenTelemetry's no-op ones). A call is a span ``reliable_rules.call``; each attempt
    a ``CLIENT`` span ``chat MODEL`` inside it with the GenAI attributes
    (``gen_ai.provider.name``, ``gen_ai.request.model``, ``gen_ai.operation.name``), the
    decision (``reliable_rules.category``, ``.rule_id``, ``.action``, ``.retry_after_ms``),
    ``error.type`` and ``http.response.status_code``; never a key or an error message. See
    docs/observability.md for every name.

    Args:
        tracer_provider: where spans go; the global one when None.
        meter_provider: where metrics go; the global one when None.
        traces: False records no spans (metrics only).
        metrics: False records no metrics (spans only).

    Raises:
        MissingExtra: ``opentelemetry-api`` is not installed (``reliable-rules[otel]``).
    """

    __slots__ = ("_recorder",)
    _recorder: Recorder

    def __init__(
        self,
        *,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        traces: bool = True,
        metrics: bool = True,
    ) -> None:
        try:
            from reliable_rules.observability._otel import Recorder  # noqa: PLC0415 — the extra loads on first use
        except ImportError as error:
            raise MissingExtra("OpenTelemetryHooks", "otel", "opentelemetry-api") from error
        recorder = Recorder(
            tracer_provider=tracer_provider,
            meter_provider=meter_provider,
            traces=traces,
            metrics=metrics,
        )
        # Hooks is frozen: the one extra slot is set the way dataclasses set theirs.
        object.__setattr__(self, "_recorder", recorder)
        super().__init__(
            on_attempt=recorder.on_attempt,
            on_retry=recorder.on_retry,
            on_fallback=recorder.on_fallback,
            on_call_start=recorder.on_call_start,
            on_call_end=recorder.on_call_end,
            on_attempt_start=recorder.on_attempt_start,
            on_skip=recorder.on_skip,
            on_circuit=recorder.on_circuit,
            on_store_fallback=recorder.on_store_fallback,
        )

    @property
    def recorder(self) -> Recorder:
        """The instruments (``attempts``, ``retries``, ``call_duration``, …)."""
        return self._recorder

    def record_store_fallback(self, *, store: str = "redis", reason: str = "unavailable") -> None:
        """Count one fall back from the shared state store to local state
        (``reliable_rules.store.fallbacks``). The state store's code calls it through the
        ``on_store_fallback`` hook (:func:`reliable_rules.executor.observe.store_fell_back`);
        ``reason`` must be a fixed word, never an error message."""
        self._recorder.on_store_fallback(StoreFallbackEvent(store, reason))

    def __repr__(self) -> str:
        return "OpenTelemetryHooks()"
