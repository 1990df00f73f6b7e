"""How many candidate rules a rule set tries per record of the corpus, and every decision.

    python benchmarks/candidates_tried.py                      # builtin:default, a summary
    python benchmarks/candidates_tried.py --rules builtin:seed
    python benchmarks/candidates_tried.py --decisions out.jsonl  # one decision a line

Each of the classifier's per-rule matchers is wrapped in a counter, then every record of
tests/data/provider_errors.jsonl (body, status, headers) is classified once: the figure is the
number of matcher calls (candidates the index selected and tried, in rule order until one
matches) per record, with how many of them matched nothing. ``--decisions`` writes each
record's category, rule and Retry-After, to compare two trees or two settings
(``RELIABLE_RULES_ACCELERATOR=0``, ``RELIABLE_RULES_CACHE=0``) line by line.
``--bounded-from 0`` judges bounded gate keys (engine/bounds.py) on every text, not only
on long ones: what they would spare on short texts. Load with ``RELIABLE_RULES_CACHE=0``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import reliable_rules  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "provider_errors.jsonl"


def _counting(
    matcher: Callable[..., bool], position: int, calls: Counter[int], hits: Counter[int]
) -> Callable[..., bool]:
    def counted(*arguments: Any) -> bool:
        calls[position] += 1
        answer = matcher(*arguments)
        if answer:
            hits[position] += 1
        return answer

    return counted


def main() -> int:
    """Print the counts (and write the decisions when asked)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", default="builtin:default")
    parser.add_argument("--decisions", type=Path, help="write one decision per record")
    parser.add_argument("--top", type=int, default=10, help="the rules tried most, listed")
    parser.add_argument(
        "--bounded-from",
        type=int,
        help="judge bounded gate keys on texts longer than this (engine/bounds.py; "
        "default: classifier.BOUNDED_TEXT); 0: on every text",
    )
    options = parser.parse_args()
    if options.bounded_from is not None:
        from reliable_rules.engine import classifier as classifier_module  # noqa: PLC0415

        classifier_module.BOUNDED_TEXT = options.bounded_from
    rules = reliable_rules.load_rules(options.rules)
    classifier = rules.classifier
    # a generous regex budget (as tests/helpers/unhurried.py): on a loaded machine the
    # 20 ms of one classification can run out, turning a match into "no match" by chance
    classifier.regex_budget_s = 60.0
    records = [json.loads(line) for line in CORPUS.read_text("utf-8").splitlines() if line]
    failures = [(r["body"], r.get("status"), r.get("headers")) for r in records]
    out = []
    start = time.perf_counter()
    for text, status, headers in failures:  # the untouched classifier first: its decisions
        decision = rules.classify(text, status=status, headers=headers)
        out.append([decision.category, decision.rule_id, decision.retry_after_ms])
    elapsed = time.perf_counter() - start
    calls: Counter[int] = Counter()
    hits: Counter[int] = Counter()
    indexed = classifier.indexed
    if indexed:
        matchers = classifier._matchers
        classifier._matchers = tuple(  # type: ignore[misc]
            _counting(matcher, position, calls, hits) for position, matcher in enumerate(matchers)
        )
        try:
            for text, status, headers in failures:
                rules.classify(text, status=status, headers=headers)
        finally:
            classifier._matchers = matchers  # type: ignore[misc]
    total = sum(calls.values())
    print(f"rule set {options.rules}: {len(failures)} records, {len(classifier.rules)} rules")
    print(f"scan: {classifier.scan_kind}; one pass {elapsed * 1e6 / len(failures):.1f} us/record")
    if indexed:
        tried = total / len(failures)
        rejected = (total - sum(hits.values())) / len(failures)
        print(f"matchers called: {total} ({tried:.3f} per record, {rejected:.3f} rejected)")
        for position, count in calls.most_common(options.top):
            rule = classifier.rules[position].id
            print(f"  {count:6d} calls, {hits[position]:5d} matched: {rule}")
    if options.decisions is not None:
        with options.decisions.open("w", encoding="utf-8") as stream:
            for row in out:
                stream.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
