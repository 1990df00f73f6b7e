"""benchmarks/bench_state.py runs and reports every figure it claims (timings themselves are
not asserted: the machine is shared)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from helpers.state_stores import NO_REDIS

from reliable_rules.testing.redis_server import redis_server_path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_state_reports_median_and_p99_per_configuration() -> None:
    """A short run gives memory and redis medians/p99s and overheads for each configuration,
    with no fallback to local state (Redis was there)."""
    if redis_server_path() is None:
        pytest.skip(NO_REDIS)
    path = ROOT / "benchmarks" / "bench_state.py"
    spec = importlib.util.spec_from_file_location("bench_state", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_state"] = module
    spec.loader.exec_module(module)
    results = module.run(calls=50)
    for name in ("defaults", "health", "health+budget", "health+tokens", "health+tokens+learn",
                 "health+tokens+scarce"):
        row = results[name]
        for store in ("memory", "redis"):
            assert row[store]["p99_us"] >= row[store]["median_us"] > 0
        assert "overhead_median_us" in row
    assert results["one_operation"]["redis"]["median_us"] > 0
    assert results["fallbacks"] == 0
