"""The Prometheus metrics behind :class:`~reliable_rules.observability.PrometheusHooks`.

Imported only when one is built: this module imports ``prometheus_client``. The metrics of a
(registry, namespace) are made once and shared by every :class:`PrometheusHooks` on it, so
two executors can count into the default registry. Labels are low-cardinality only: provider
and model names, category, action, outcome, skip reason, circuit state; never a key or a
message.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar
from weakref import WeakKeyDictionary

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

from reliable_rules.observability._common import NO_CATEGORY, attempt_outcome

if TYPE_CHECKING:
    from reliable_rules.errors import AttemptRecord
    from reliable_rules.executor.records import (
        CallEndEvent,
        CircuitEvent,
        FallbackEvent,
        RetryEvent,
        SkipEvent,
        StoreFallbackEvent,
    )

__all__ = ["DEFAULT_BUCKETS", "Metrics", "metrics_for"]

#: Seconds: from a fast cached answer to a call that waited out a long Retry-After.
DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)

L = TypeVar("L")

_LOCK = threading.Lock()
_SHARED: WeakKeyDictionary[CollectorRegistry, dict[str, Metrics]] = WeakKeyDictionary()


def metrics_for(
    registry: CollectorRegistry | None, namespace: str, buckets: Sequence[float]
) -> Metrics:
    """The metrics of ``namespace`` in ``registry`` (the default registry when None), made on
    first use."""
    target = REGISTRY if registry is None else registry
    wanted = tuple(float(bound) for bound in buckets)
    with _LOCK:
        known = _SHARED.setdefault(target, {})
        metrics = known.get(namespace)
        if metrics is None:
            metrics = known[namespace] = Metrics(target, namespace, wanted)
        elif metrics.buckets != wanted:
            raise ValueError(
                f"the {namespace!r} metrics of this registry already have buckets "
                f"{metrics.buckets}; pass the same buckets or another namespace"
            )
    return metrics


def _child(cache: dict[tuple[str, ...], L], metric: Counter | Histogram | Gauge,
           key: tuple[str, ...]) -> L:
    """The labelled child of ``metric``, cached: ``labels()`` validates and locks each time."""
    child = cache.get(key)
    if child is None:
        made: L = metric.labels(*key)  # type: ignore[assignment]  # labels() is typed as the parent
        child = cache[key] = made
    return child


class Metrics:
    """Every metric of one namespace in one registry, and the hooks' methods that feed them."""

    def __init__(
        self, registry: CollectorRegistry, namespace: str, buckets: tuple[float, ...]
    ) -> None:
        self.buckets = buckets
        self.call_duration = Histogram(
            "call_duration_seconds", "Executor calls, waits included.",
            ["operation", "model", "outcome"], buckets=buckets,
            namespace=namespace, registry=registry,
        )
        self.attempts = Counter(
            "attempts", "Attempts on a provider and model.",
            ["provider", "model", "category", "action", "outcome"],
            namespace=namespace, registry=registry,
        )
        self.attempt_duration = Histogram(
            "attempt_duration_seconds", "Attempts on a provider and model.",
            ["provider", "model", "outcome"], buckets=buckets,
            namespace=namespace, registry=registry,
        )
        self.retries = Counter(
            "retries", "Retries of the same provider and model.",
            ["provider", "model", "category"], namespace=namespace, registry=registry,
        )
        self.fallbacks = Counter(
            "fallbacks", "Moves from a provider/model (the labels) to the next.",
            ["provider", "model", "category"], namespace=namespace, registry=registry,
        )
        self.skips = Counter(
            "skips", "Candidates skipped because of a cooldown or an open circuit.",
            ["provider", "model", "reason"], namespace=namespace, registry=registry,
        )
        self.circuit_changes = Counter(
            "circuit_changes", "Circuit breaker state changes.",
            ["provider", "model", "state"], namespace=namespace, registry=registry,
        )
        self.circuit_open = Gauge(
            "circuit_open", "1 while the circuit is open (or half-open), 0 once closed.",
            ["provider", "model"], namespace=namespace, registry=registry,
        )
        self.store_fallbacks = Counter(
            "store_fallbacks", "Times the shared state store could not be used.",
            ["store", "reason"], namespace=namespace, registry=registry,
        )
        self._attempt_children: dict[tuple[str, ...], Counter] = {}
        self._attempt_durations: dict[tuple[str, ...], Histogram] = {}
        self._call_durations: dict[tuple[str, ...], Histogram] = {}

    def on_attempt(self, record: AttemptRecord) -> None:
        outcome = attempt_outcome(record)
        decision = record.decision
        category = NO_CATEGORY if decision is None else decision.category
        key = (record.provider, record.model, category, record.action, outcome)
        _child(self._attempt_children, self.attempts, key).inc()
        duration = (record.provider, record.model, outcome)
        _child(self._attempt_durations, self.attempt_duration, duration).observe(
            record.elapsed_ms / 1000
        )

    def on_call_end(self, event: CallEndEvent) -> None:
        key = (event.operation, event.model, event.outcome)
        _child(self._call_durations, self.call_duration, key).observe(event.elapsed_ms / 1000)

    def on_retry(self, event: RetryEvent) -> None:
        record = event.record
        category = NO_CATEGORY if record.decision is None else record.decision.category
        self.retries.labels(record.provider, record.model, category).inc()

    def on_fallback(self, event: FallbackEvent) -> None:
        record = event.record
        decision = None if record is None else record.decision
        category = NO_CATEGORY if decision is None else decision.category
        self.fallbacks.labels(event.from_provider, event.from_model, category).inc()

    def on_skip(self, event: SkipEvent) -> None:
        self.skips.labels(event.provider, event.model, event.reason).inc()

    def on_circuit(self, event: CircuitEvent) -> None:
        self.circuit_changes.labels(event.provider, event.model, event.state).inc()
        self.circuit_open.labels(event.provider, event.model).set(
            1 if event.state == "open" else 0
        )

    def on_store_fallback(self, event: StoreFallbackEvent) -> None:
        self.store_fallbacks.labels(event.store, event.reason).inc()
