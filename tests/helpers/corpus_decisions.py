"""The whole corpus decided by a rule set, for the cache tests that compare loads."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

import reliable_rules
from reliable_rules.decision import Decision
from reliable_rules.ruleset import loader
from reliable_rules.ruleset.cachefiles import CACHE_ENV

CORPUS = Path(__file__).resolve().parents[1] / "data" / "provider_errors.jsonl"
#: ``read_all`` explains one record in this many: an explanation reads every rule again (a
#: corpus pass with every record explained took 12 s, and the cache tests make a dozen); the
#: decisions themselves are compared for every record.
EXPLAIN_EVERY = 8


def fresh(name: str = "builtin:default") -> reliable_rules.RuleSet:
    """Load ``name`` as a new process would (the in-process set cache emptied)."""
    loader._builtin_cache.clear()
    return reliable_rules.load_rules(name)


class _Hurried(logging.Handler):
    """Counts the warnings of a regex that timed out or a spent regex budget."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


#: A record whose regex budget ran out (a loaded machine) is decided again up to this often.
_ATTEMPTS = 5


#: The stride of :func:`corpus_decisions` for a set that was built again from its files (not
#: read from a cache): what such a test checks is that a bad entry was not used, and a seventh
#: of the corpus (~1,200 records, every kind of rule) shows it at a seventh of the cost.
REBUILT_EVERY = 7


def corpus_decisions(
    rules: reliable_rules.RuleSet,
    read: Callable[[Decision, int], tuple[object, ...]],
    *,
    every: int = 1,
) -> list[tuple[object, ...]]:
    """``read`` of the decision of every corpus record (its body, status and headers) and of
    the record's index; with ``every``, of the records whose index it divides.

    A classification has a regex time budget (20 ms); on a loaded 2-core machine a record may
    run out of it, and a skipped regex counts as no match, so two loads of the same set would
    seem to disagree. These sets are the shared built-in ones (``unhurried`` must not touch
    them), so a record whose classification (or ``read``'s explanation of it) warned of a
    timed-out regex or a spent budget is decided again, until it decides within its budget.
    """
    out = []
    lines = [line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    logger = logging.getLogger("reliable_rules")
    hurried = _Hurried()
    logger.addHandler(hurried)
    try:
        for index, line in enumerate(lines):
            if index % every:
                continue
            record = json.loads(line)
            for _ in range(_ATTEMPTS):
                hurried.count = 0
                decision = rules.classify(
                    record["body"], status=record.get("status"), headers=record.get("headers")
                )
                # ``read`` may explain the decision, which runs the rules again under a budget
                # of its own: a spent budget there changes the explanation, so it is retried too
                answer = read(decision, index)
                if not hurried.count:
                    break
            out.append(answer)
    finally:
        logger.removeHandler(hurried)
    return out


#: Python source for a child process that has loaded ``rules``: ``out`` is every corpus record's
#: [category, rule_id, retry_after_ms], a record whose regex budget ran out (a warning: a loaded
#: machine) decided again, as :func:`corpus_decisions` does in-process.
CHILD_DECISIONS = f"""
import json, logging
class Hurried(logging.Handler):
    count = 0
    def emit(self, record):
        Hurried.count += 1
logging.getLogger("reliable_rules").addHandler(Hurried(logging.WARNING))
out = []
for line in open({str(CORPUS)!r}, encoding="utf-8"):
    if line.strip():
        record = json.loads(line)
        for _ in range({_ATTEMPTS}):
            Hurried.count = 0
            d = rules.classify(
                record["body"], status=record.get("status"), headers=record.get("headers")
            )
            if not Hurried.count:
                break
        out.append([d.category, d.rule_id, d.retry_after_ms])
"""


def read_all(decision: Decision, index: int) -> tuple[object, ...]:
    """What a caller reads of a decision: category, rule, Retry-After, action, retryable and,
    for one record in :data:`EXPLAIN_EVERY`, the explanation (empty when no rule decided)."""
    return (
        decision.category,
        decision.rule_id,
        decision.retry_after_ms,
        decision.action,
        decision.retryable,
        decision.explain() if decision.rule_id and index % EXPLAIN_EVERY == 0 else "",
    )


def built_from_files(name: str) -> reliable_rules.RuleSet:
    """``name`` built from its files, every cache off (nothing read or written), and left out
    of the in-process set cache."""
    previous = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = "0"
    try:
        return fresh(name)
    finally:
        if previous is None:
            del os.environ[CACHE_ENV]
        else:
            os.environ[CACHE_ENV] = previous
        loader._builtin_cache.clear()
