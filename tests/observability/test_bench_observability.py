"""benchmarks/bench_observability.py runs and reports every figure the docs quote (timings
themselves are not asserted)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_one_small_round_yields_every_figure() -> None:
    """Per call, overhead and ratio for each hooks configuration and scenario, the SDK's
    floor, and the table the docs show."""
    bench = _load("bench_observability")
    results = bench.run(rounds=1, number=20, http_number=5)
    for scenario in bench.SCENARIOS:
        assert results[f"{scenario}_none_us"] > 0
        for name in bench.HOOKS[1:]:
            assert results[f"{scenario}_{name}_us"] > 0
            assert results[f"{scenario}_{name}_ratio"] > 0
            assert f"{scenario}_{name}_overhead_us" in results
    assert results["sdk_floor_us"] > 0
    table = bench.render(results)
    assert "| `otel_sdk` |" in table
    assert "OpenTelemetry SDK alone" in table
