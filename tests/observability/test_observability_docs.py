"""docs/observability.md names every hook, every OpenTelemetry instrument and every Prometheus
metric the code makes (and no metric the code does not make)."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from opentelemetry.metrics import Counter, Histogram
from opentelemetry.sdk.metrics import MeterProvider
from prometheus_client import CollectorRegistry

from reliable_rules import Hooks, OpenTelemetryHooks, PrometheusHooks

DOC = Path(__file__).resolve().parents[2] / "docs" / "observability.md"


def test_every_hook_is_in_the_hooks_table() -> None:
    """Each Hooks field has its row: ``| `on_x` |``."""
    text = DOC.read_text(encoding="utf-8")
    missing = [spec.name for spec in fields(Hooks) if f"| `{spec.name}` |" not in text]
    assert missing == []


def test_every_opentelemetry_instrument_is_documented() -> None:
    """Each counter and histogram the recorder creates has its row."""
    text = DOC.read_text(encoding="utf-8")
    recorder = OpenTelemetryHooks(meter_provider=MeterProvider()).recorder
    names = sorted(
        value.name for value in vars(recorder).values() if isinstance(value, Counter | Histogram)
    )
    assert len(names) == 8
    assert [name for name in names if f"| `{name}` |" not in text] == []


def test_the_prometheus_table_is_exactly_the_registered_metrics() -> None:
    """The table's metric names are the registry's, no more and no fewer."""
    text = DOC.read_text(encoding="utf-8")
    registry = CollectorRegistry()
    PrometheusHooks(registry=registry)
    made = set()
    for metric in registry.collect():
        suffix = "_total" if metric.type == "counter" else ""
        made.add(f"{metric.name}{suffix}")
    documented = set(re.findall(r"^\| `(reliable_rules_[a-z_]+)` \|", text, flags=re.MULTILINE))
    assert documented == made
