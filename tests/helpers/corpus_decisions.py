"""The whole corpus decided by a rule set, for the cache tests that compare loads."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import reliable_rules
from reliable_rules.decision import Decision
from reliable_rules.ruleset import loader

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
