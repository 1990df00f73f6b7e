"""The benchmark scripts run and measure what they claim (timings themselves are not asserted)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

import reliable_rules

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_bench_classify_reports_every_figure_the_readme_quotes() -> None:
    """One quick round (one load of each kind) yields the ratios and load times that the README
    table shows."""
    results = _load("bench_classify").run(rounds=1, repeat=1, load_rounds=1)
    for key in (
        "seed_vs_handwritten",
        "plus_1000_rules",
        "load_default_ms",
        "load_1000_rules_ms",
        "default_vs_seed",
        "load_builtin_default_ms",
        "builtin_vs_path_load",
        "untimed_vs_all_timed",
    ):
        assert results[key] > 0
    assert results["corpus_records"] >= 300


def test_the_1000_user_rules_are_real_rules_that_never_match_the_mix(tmp_path: Path) -> None:
    """The layered file loads 1,000 rules ahead of the seed's, and each kind can match."""
    bench = _load("bench_classify")
    rules = reliable_rules.load_rules(bench.user_rules_file(tmp_path))
    assert len([rule for rule in rules.rules if rule.id.startswith("user.")]) == 1000
    assert rules.classifier.indexed
    assert rules.classify("acme gateway region eu-4 is saturated").rule_id == "user.rule-4"
    assert (
        rules.classify(status=503, body='{"error":{"code":"ACME_0001"}}').rule_id == "user.rule-1"
    )
    assert rules.classify("shard 2 unavailable", provider="tenant-2").rule_id == "user.rule-2"
    assert rules.classify("quota bucket q3: bucket q3 17 exhausted").rule_id == "user.rule-3"


def test_bench_executor_reports_every_figure_the_readme_quotes() -> None:
    """One small round yields the overheads, per-retry costs and the threaded run's counts."""
    bench = _load("bench_executor")
    results = bench.run(rounds=1, number=200, threads=4, calls=10)
    for key in (
        "success_overhead_retrying_us",
        "success_overhead_call_us",
        "success_overhead_tenacity_us",
        "per_retry_call_us",
        "per_retry_retrying_us",
        "per_retry_tenacity_nosleep_us",
        "throughput_calls_per_s",
    ):
        assert results[key] > 0, key
    assert results["calls"] == 40
    assert results["sleep_calls_at_zero_wait"] == 0
    assert results["lost_results"] == results["duplicated_results"] == 0
    assert results["misrouted_results"] == results["threads_leaked"] == 0
    assert "| **per retry, `executor.call`**, zero backoff |" in bench.render(results)


def test_bench_targets_measures_every_row_of_the_issue_table() -> None:
    """One small round yields every ratio of the performance issue's table, and the CLI times."""
    bench = _load("bench_targets")
    results = bench.run(rounds=1, number=200, pairs=1, counts=(30,), sample=20)
    for key in (*bench.TARGETS, *bench.BESIDE, "cli_version_cpu_s", "cli_validate_small_cpu_s"):
        if key.startswith("plus_"):
            continue  # 1,000 and 10,000 rules take a while to load: the small run layers 30
        assert results[key] > 0, key
    assert results["plus_30_vs_default"] > 0
    assert results["records"] >= 1700


def test_the_bench_user_rules_are_three_kinds_that_each_can_match(tmp_path: Path) -> None:
    """Literal, regex-with-literals and literal-free rules: each decides a text made for it."""
    bench = _load("bench_targets")
    rules = reliable_rules.load_rules(bench.user_rules_file(tmp_path, 300))
    assert rules.classify("acme gateway shard 3 saturated").rule_id == "user.rule-3"
    assert rules.classify("tenant-250 usage: budget exhausted").rule_id == "user.rule-250"
    assert rules.classify("job QQ123456-0123abcdef failed").rule_id == "user.rule-2"


def test_callgrind_classify_measures_row_one_mix() -> None:
    """callgrind_classify reads every corpus record with its status and headers (row 1's mix)."""
    bench = _load("callgrind_classify")
    targets = _load("bench_targets")
    assert bench.records() == targets.records()
    assert len(bench.records()) > 1000
