"""Prometheus metrics of the executor, as :class:`~reliable_rules.Hooks`.

``prometheus-client`` (the extra ``prometheus``) is imported when a :class:`PrometheusHooks`
is built, not when this module is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from reliable_rules.errors import MissingExtra
from reliable_rules.executor.records import Hooks, StoreFallbackEvent

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from reliable_rules.observability._prometheus import Metrics

__all__ = ["PrometheusHooks"]


class PrometheusHooks(Hooks):
    """Counters and histograms of calls, attempts, retries, fallbacks, skips and circuits.

    ``ReliableExecutor(providers, hooks=PrometheusHooks())`` counts into the default registry
    (serve it with ``prometheus_client.start_http_server``). Metrics, all prefixed with
    ``namespace`` (``reliable_rules_``): ``attempts_total``, ``retries_total``,
    ``fallbacks_total``, ``skips_total``, ``circuit_changes_total``, ``circuit_open``,
    ``store_fallbacks_total``, ``call_duration_seconds`` and ``attempt_duration_seconds``.
    Labels are low-cardinality only (provider, model, category, action, outcome, reason,
    state; never a key or a message). Every hook on one registry and namespace shares the
    same metrics. See docs/observability.md.

    Args:
        registry: where the metrics live; prometheus_client's default registry when None.
        namespace: the metric names' prefix.
        buckets: the duration histograms' upper bounds, in seconds.

    Raises:
        MissingExtra: ``prometheus-client`` is not installed (``reliable-rules[prometheus]``).
        ValueError: the namespace already exists in the registry with other buckets.
    """

    __slots__ = ("_metrics",)
    _metrics: Metrics

    def __init__(
        self,
        *,
        registry: CollectorRegistry | None = None,
        namespace: str = "reliable_rules",
        buckets: Sequence[float] | None = None,
    ) -> None:
        try:
            from reliable_rules.observability import _prometheus  # noqa: PLC0415 — the extra loads on first use
        except ImportError as error:
            raise MissingExtra("PrometheusHooks", "prometheus", "prometheus-client") from error
        metrics = _prometheus.metrics_for(
            registry, namespace, _prometheus.DEFAULT_BUCKETS if buckets is None else buckets
        )
        object.__setattr__(self, "_metrics", metrics)
        super().__init__(
            on_attempt=metrics.on_attempt,
            on_retry=metrics.on_retry,
            on_fallback=metrics.on_fallback,
            on_call_end=metrics.on_call_end,
            on_skip=metrics.on_skip,
            on_circuit=metrics.on_circuit,
            on_store_fallback=metrics.on_store_fallback,
        )

    @property
    def metrics(self) -> Metrics:
        """The metric objects (``attempts``, ``retries``, ``call_duration``, …)."""
        return self._metrics

    def record_store_fallback(self, *, store: str = "redis", reason: str = "unavailable") -> None:
        """Count one fall back from the shared state store to local state
        (``reliable_rules_store_fallbacks_total``). The state store's code calls it through
        the ``on_store_fallback`` hook (:func:`reliable_rules.executor.observe.store_fell_back`);
        ``reason`` must be a fixed word, never an error message."""
        self._metrics.on_store_fallback(StoreFallbackEvent(store, reason))

    def __repr__(self) -> str:
        return "PrometheusHooks()"
