"""The whole corpus decided by a rule set, for the cache tests that compare loads."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import reliable_rules
from reliable_rules.decision import Decision
from reliable_rules.ruleset import loader
from reliable_rules.ruleset.cachefiles import CACHE_ENV

CORPUS = Path(__file__).resolve().parents[1] / "data" / "provider_errors.jsonl"


def fresh(name: str = "builtin:default") -> reliable_rules.RuleSet:
    """Load ``name`` as a new process would (the in-process set cache emptied)."""
    loader._builtin_cache.clear()
    return reliable_rules.load_rules(name)


def corpus_decisions(
    rules: reliable_rules.RuleSet, read: Callable[[Decision], tuple[object, ...]]
) -> list[tuple[object, ...]]:
    """``read`` of the decision of every corpus record (its body, status and headers)."""
    out = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        decision = rules.classify(
            record["body"], status=record.get("status"), headers=record.get("headers")
        )
        out.append(read(decision))
    return out


def read_all(decision: Decision) -> tuple[object, ...]:
    """What a caller reads of a decision: category, rule, Retry-After, action, retryable and
    the explanation (empty when no rule decided)."""
    return (
        decision.category,
        decision.rule_id,
        decision.retry_after_ms,
        decision.action,
        decision.retryable,
        decision.explain() if decision.rule_id else "",
    )


def from_files(name: str) -> list[tuple[object, ...]]:
    """``read_all`` of every corpus record as ``name`` built from its files decides it, every
    cache off (the reference the cache tests compare their loads with)."""
    previous = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = "0"
    try:
        built = fresh(name)
    finally:
        if previous is None:
            del os.environ[CACHE_ENV]
        else:
            os.environ[CACHE_ENV] = previous
        loader._builtin_cache.clear()
    return corpus_decisions(built, read_all)
