"""Metrics and traces of the executor: hooks for OpenTelemetry and Prometheus.

Switch one on with one line::

    executor = ReliableExecutor(providers, hooks=OpenTelemetryHooks())
    executor = ReliableExecutor(providers, hooks=[OpenTelemetryHooks(), PrometheusHooks()])

Both are :class:`~reliable_rules.Hooks`; their third-party packages (the extras ``otel`` and
``prometheus``) are imported when one is built, never before, and a missing one raises
:class:`~reliable_rules.errors.MissingExtra`. Nothing here is imported by ``import
reliable_rules``. See docs/observability.md for every span, attribute and metric.
"""

from __future__ import annotations

from reliable_rules.observability.otel import OpenTelemetryHooks
from reliable_rules.observability.prometheus import PrometheusHooks

__all__ = ["OpenTelemetryHooks", "PrometheusHooks"]
