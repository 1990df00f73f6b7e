"""Classification speed, measured against baselines in the same run (ratios, not times).

    python benchmarks/bench_classify.py            # human-readable table
    python benchmarks/bench_classify.py --json     # machine-readable, for CI or the README

What is measured (median of repeated rounds over a realistic mix: every message of the seed's
classification tests plus every body of the public provider-error corpus, with its status):

1. ``builtin:seed`` vs the hand-written seed transliteration (tests/helpers/seed_reference.py): the
   declarative engine must not cost speed. Target: ratio <= 1.0.
2. ``builtin:seed`` with 1,000 extra user rules layered on top (evaluated *before* the seed's)
   vs ``builtin:seed`` alone. Target: ratio <= 3.0.
3. Load + validate + compile of ``builtin:default`` (20 files) from disk by path, no cache.
   Target: <= 100 ms. Beside it, the same files loaded as ``builtin:default`` (in-process
   cache cleared): shipped files reached that way skip the JSON Schema check (the tests prove
   them valid), so this is what every process pays. Information, no target.
4. ``builtin:default`` (60 rules: the seed's plus the provider files) vs ``builtin:seed`` (18
   rules) over every body of the full corpus (tests/data/provider_errors.jsonl, with status
   and headers): what the provider coverage costs per call. Information, no target.
5. ``builtin:default`` as shipped vs the same rules with every regex searched under the
   ``regex`` package's per-call timeout (as before regexes proven safe ran untimed), same
   records, interleaved round by round (median of the per-round ratios): what the untimed
   searches save. Information, no target.

The 1,000 user rules are what teams write for their own gateways: provider-specific phrases,
JSON error codes under a status, provider-scoped phrases, and phrase-gated regexes; none of them
matches the mix, so every call must rule all 1,000 out before the seed's rules decide.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from helpers import seed_reference  # noqa: E402 — the tests directory is put on the path just above

import reliable_rules  # noqa: E402
from reliable_rules.engine import nodes  # noqa: E402
from reliable_rules.ruleset import loader  # noqa: E402
from reliable_rules.ruleset.resources import rules_dir  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "provider_errors.public.jsonl"
FULL_CORPUS = ROOT / "tests" / "data" / "provider_errors.jsonl"
TARGETS = {"seed_vs_handwritten": 1.0, "plus_1000_rules": 3.0, "load_default_ms": 100.0}


def workload() -> list[tuple[str, int | None]]:
    """Seed test messages (untyped) plus corpus bodies (with their typed status)."""
    seed = reliable_rules.load_rules("builtin:seed")
    messages: list[tuple[str, int | None]] = [
        (case.text or "", case.status) for rule in seed.rules for case in rule.tests
    ]
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            messages.append((record["body"], record.get("status")))
    return messages


def full_corpus() -> list[tuple[str, int | None, dict[str, str] | None]]:
    """Every body of the full corpus with its status and headers."""
    records = [
        json.loads(line)
        for line in FULL_CORPUS.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return [(r["body"], r.get("status"), r.get("headers")) for r in records]


def user_rules_file(directory: Path, count: int = 1000) -> Path:
    """A rule file with ``count`` realistic user rules extending builtin:seed."""
    rules = []
    for index in range(count):
        kind = index % 4
        if kind == 0:
            when = {"contains": f"acme gateway region eu-{index} is saturated"}
        elif kind == 1:
            when = {
                "all": [
                    {"status": 503},
                    {"json": {"path": "error.code", "equals": f"ACME_{index:04d}"}},
                ]
            }
        elif kind == 2:
            when = {
                "all": [{"provider": f"tenant-{index}"}, {"contains": f"shard {index} unavailable"}]
            }
        else:
            when = {
                "all": [
                    {"contains": f"quota bucket q{index}"},
                    {"regex": rf"bucket q{index} \d+ exhausted"},
                ]
            }
        category = ("server_error", "rate_limited", "network_error", "quota_exhausted")[kind]
        rules.append({"id": f"user.rule-{index}", "when": when, "then": {"category": category}})
    document = {
        "format": "reliable-rules/v1",
        "name": "user",
        "revision": "1",
        "extends": ["builtin:seed"],
        "rules": rules,
    }
    path = directory / "user.yaml"
    path.write_text(json.dumps(document), encoding="utf-8")  # JSON is YAML
    return path


def per_call_us(
    function: Callable[[str, int | None], object],
    mix: list[tuple[str, int | None]],
    *,
    rounds: int,
    repeat: int,
) -> float:
    """Median over ``rounds`` of the mean microseconds per call across the mix."""
    for text, status in mix:  # warm caches and lazy compilation
        function(text, status)
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeat):
            for text, status in mix:
                function(text, status)
        samples.append((time.perf_counter() - start) / (repeat * len(mix)) * 1e6)
    return statistics.median(samples)


def load_ms(path: Path, *, rounds: int) -> float:
    """Median milliseconds to load, validate and compile a rule file from disk."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        reliable_rules.load_rules(path)
        samples.append((time.perf_counter() - start) * 1e3)
    return statistics.median(samples)


def load_pair_ms(name: str, *, rounds: int) -> tuple[float, float, float]:
    """``builtin:NAME`` by path and as a built-in (cache cleared), interleaved round by round.

    Returns the median milliseconds of each and the median of the per-round ratios
    (built-in / by path), so a drift of the machine's speed moves both alike.
    """
    by_path, builtin = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        reliable_rules.load_rules(rules_dir() / f"{name}.yaml")
        by_path.append(time.perf_counter() - start)
        loader._builtin_cache.clear()  # as in a fresh process
        start = time.perf_counter()
        reliable_rules.load_rules(f"builtin:{name}")
        builtin.append(time.perf_counter() - start)
    ratio = statistics.median(b / a for a, b in zip(by_path, builtin, strict=True))
    return statistics.median(by_path) * 1e3, statistics.median(builtin) * 1e3, ratio


def run(*, rounds: int, repeat: int, load_rounds: int = 9) -> dict[str, float]:
    """Every measurement and ratio of this benchmark.

    ``load_rounds``: the loads of builtin:default by path and as a built-in are interleaved
    ``max(rounds, load_rounds)`` times, the 1,000-rule file's ``min(3, load_rounds)`` times (a
    load by path is over a second: the test's quick round takes one of each).
    """
    mix = workload()
    seed = reliable_rules.load_rules("builtin:seed")
    with tempfile.TemporaryDirectory() as directory:
        user_path = user_rules_file(Path(directory))
        user_load = load_ms(user_path, rounds=min(3, load_rounds))
        user = reliable_rules.load_rules(user_path)
        assert all(
            user.classify(t, status=s).rule_id == seed.classify(t, status=s).rule_id for t, s in mix
        )
    handwritten = per_call_us(seed_reference.seed_verdict, mix, rounds=rounds, repeat=repeat)
    engine = per_call_us(lambda t, s: seed.classify(t, status=s), mix, rounds=rounds, repeat=repeat)
    layered = per_call_us(
        lambda t, s: user.classify(t, status=s), mix, rounds=rounds, repeat=repeat
    )
    default = reliable_rules.load_rules("builtin:default")
    bodies = full_corpus()
    # the same (text, status) interface as the mix; headers ride along in a closure table
    headers = {(text, status): found for text, status, found in bodies}
    pairs = [(text, status) for text, status, _ in bodies]
    default_us = per_call_us(
        lambda t, s: default.classify(t, status=s, headers=headers[(t, s)]),
        pairs,
        rounds=rounds,
        repeat=max(1, repeat // 4),
    )
    proven_safe = nodes.untimed_for
    nodes.untimed_for = lambda compiled: 0  # every regex keeps the timeout, as before
    try:  # the proof runs at a regex's first search: patched while measuring
        all_timed = reliable_rules.load_rules(rules_dir() / "default.yaml")
        untimed_ratios, timed_samples = [], []
        for _ in range(rounds):  # interleaved with the shipped set, round by round
            shipped_us = per_call_us(
                lambda t, s: default.classify(t, status=s, headers=headers[(t, s)]),
                pairs,
                rounds=1,
                repeat=max(1, repeat // 8),
            )
            timed_us = per_call_us(
                lambda t, s: all_timed.classify(t, status=s, headers=headers[(t, s)]),
                pairs,
                rounds=1,
                repeat=max(1, repeat // 8),
            )
            timed_samples.append(timed_us)
            untimed_ratios.append(shipped_us / timed_us)
        all_timed_us = statistics.median(timed_samples)
    finally:
        nodes.untimed_for = proven_safe
    seed_full_us = per_call_us(
        lambda t, s: seed.classify(t, status=s, headers=headers[(t, s)]),
        pairs,
        rounds=rounds,
        repeat=max(1, repeat // 4),
    )
    load_by_path, load_builtin, builtin_vs_path = load_pair_ms(
        "default", rounds=max(rounds, load_rounds)
    )
    return {
        "messages": float(len(mix)),
        "corpus_records": float(len(pairs)),
        "default_us": default_us,
        "seed_corpus_us": seed_full_us,
        "default_vs_seed": default_us / seed_full_us,
        "default_all_timed_us": all_timed_us,
        "untimed_vs_all_timed": statistics.median(untimed_ratios),
        "handwritten_us": handwritten,
        "seed_us": engine,
        "seed_plus_1000_us": layered,
        "seed_vs_handwritten": engine / handwritten,
        "plus_1000_rules": layered / engine,
        "load_default_ms": load_by_path,
        "load_builtin_default_ms": load_builtin,
        "builtin_vs_path_load": builtin_vs_path,
        "load_1000_rules_ms": user_load,
    }


def main() -> int:
    """Run, print, and exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    results = run(rounds=args.rounds, repeat=args.repeat)
    missed = [name for name, limit in TARGETS.items() if results[name] > limit]
    if args.json:
        print(json.dumps({**results, "targets": TARGETS, "missed": missed}, indent=2))
    else:
        rows = [
            (
                "hand-written seed transliteration",
                f"{results['handwritten_us']:.2f} us/call",
                "baseline",
            ),
            ("builtin:seed (engine)", f"{results['seed_us']:.2f} us/call", ""),
            ("**engine / hand-written**", f"**{results['seed_vs_handwritten']:.2f}x**", "<= 1.0"),
            ("builtin:seed + 1,000 user rules", f"{results['seed_plus_1000_us']:.2f} us/call", ""),
            ("**+1,000 rules / seed alone**", f"**{results['plus_1000_rules']:.2f}x**", "<= 3.0"),
            (
                "load+validate+compile builtin:default",
                f"{results['load_default_ms']:.1f} ms",
                "<= 100 ms",
            ),
            (
                "load+compile builtin:default (shipped: no schema check)",
                f"{results['load_builtin_default_ms']:.1f} ms",
                "(info)",
            ),
            ("builtin / by path", f"{results['builtin_vs_path_load']:.2f}x", "(info)"),
            (
                f"builtin:seed, {int(results['corpus_records'])} corpus records",
                f"{results['seed_corpus_us']:.2f} us/call",
                "baseline",
            ),
            ("builtin:default, same records", f"{results['default_us']:.2f} us/call", ""),
            ("default / seed", f"{results['default_vs_seed']:.2f}x", "(info)"),
            (
                "builtin:default, every regex timed",
                f"{results['default_all_timed_us']:.2f} us/call",
                "",
            ),
            (
                "safe regexes untimed / all timed",
                f"{results['untimed_vs_all_timed']:.2f}x",
                "(info)",
            ),
            (
                "load+validate+compile 1,000-rule file",
                f"{results['load_1000_rules_ms']:.1f} ms",
                "(info)",
            ),
        ]
        print(f"mix: {int(results['messages'])} messages (seed tests + corpus bodies)")
        print("| measurement | value | target |\n|---|---|---|")
        for name, value, target in rows:
            print(f"| {name} | {value} | {target} |")
        print("targets met" if not missed else f"MISSED: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
