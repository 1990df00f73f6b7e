"""The rules of a set read one by one, top to bottom, without any index: the reference the
corpus-wide exactness tests compare ``decide()`` with (prefilter, accelerator, inlining)."""

from __future__ import annotations

import json

import reliable_rules
from helpers.corpus_decisions import CORPUS
from helpers.unhurried import unhurried, unhurried_probe
from reliable_rules import RuleSet
from reliable_rules.engine.classifier import Classifier
from reliable_rules.engine.probe import Probe
from reliable_rules.failure import Failure, to_failure
from reliable_rules.ruleset.resources import rules_dir

#: (rule id, category, Retry-After in ms) of one decision.
Answer = tuple[object, object, object]


def corpus_records() -> list[dict[str, object]]:
    """Every record of the full corpus, in file order."""
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def text_failure(record: dict[str, object]) -> Failure:
    """A record as ``classify`` reads it: its body with its status and headers."""
    return to_failure(
        str(record["body"]),
        status=record.get("status"),  # type: ignore[arg-type]
        headers=record.get("headers"),  # type: ignore[arg-type]
    )


def read_one_by_one(classifier: Classifier, failure: Failure) -> Answer:
    """The first rule whose interpreted condition matches, then ``decide``'s Retry-After step
    (the regex budget generous: helpers.unhurried)."""
    text = failure.text
    lower = text.lower()
    probe = unhurried_probe(Probe(failure, text, lower, None))
    verdict = next((rule.verdict for rule in classifier.rules if rule.match(probe)), None)
    decision = classifier._decision(verdict or classifier.unknown, probe, lower, failure)
    return decision.rule_id, decision.category, decision.retry_after_ms


def default_read_one_by_one(rules: RuleSet | None = None) -> list[Answer]:
    """Every corpus record's text failure through builtin:default's rules read one by one
    (about 40 s on an idle two-core machine: computed once per session, conftest.py), from
    ``rules`` (builtin:default loaded by path, unhurried) or a load of its own."""
    if rules is None:
        rules = unhurried(reliable_rules.load_rules(rules_dir() / "default.yaml"))
    classifier = rules.classifier
    return [read_one_by_one(classifier, text_failure(record)) for record in corpus_records()]
