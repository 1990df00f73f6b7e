"""Which rules of a large rule set are tried on every error, and what each costs per call.

An indexed rule set (see engine/classifier.py) evaluates a rule only when one of its gate keys
occurs: a literal of a ``contains``, ``near`` or JSON key, a literal every match of one of its
regexes needs, a status, provider, model or exception type. A rule with none of these (a bare
``json`` or ``header`` matcher, a regex with no literal, unless the ``fast`` extra's RE2 set
covers it) is tried on every classification; the lint reports those that search a regex (the
costly kind: a bare ``json`` or ``header`` lookup costs about a microsecond) with this cost.

A rule gated on literals alone can still be tried on most errors when those literals are
short or common words ("the", "not", "model"): :func:`weak_gates` finds them (the lint's
``weak-gate``), and with a corpus, the rules whose gates hold on a large share of it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from reliable_rules.engine.entries import bit_positions
from reliable_rules.engine.nodes import (
    All,
    Any_,
    ConditionRef,
    GateKey,
    Node,
    Not,
    Regex,
    key_literal,
    unwrap,
)
from reliable_rules.engine.regex_literals import weight
from reliable_rules.failure import Failure, to_failure
from reliable_rules.ruleset.model import RuleSet

__all__ = ["COMMON_WORDS", "SAMPLES", "WEAK_LITERAL", "WEAK_SHARE", "ungated_costs", "weak_gates"]

#: Typical error texts (none matches a typical user rule) the cost is measured on.
SAMPLES = (
    '{"error":{"message":"The server is overloaded, please try again later.",'
    '"type":"server_error","code":null}}',
    "Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM): "
    "Limit 30000, Used 29000, Requested 1500. Please try again in 1.2s.",
    "HTTPSConnectionPool(host='api.example.com', port=443): Read timed out. (read timeout=60)",
)


def _searches(node: Node) -> bool:
    """Whether evaluating ``node`` may run a regex search."""
    if isinstance(node, Regex):
        return True
    if isinstance(node, All | Any_):
        return any(_searches(child) for child in node.children)
    if isinstance(node, Not):
        return _searches(node.child)
    if isinstance(node, ConditionRef):
        return _searches(node.target)
    return False


def ungated_costs(ruleset: RuleSet, *, repeat: int = 200) -> list[tuple[str, float]]:
    """(rule id, microseconds per call) of every rule tried on every error, in rule order."""
    classifier = ruleset.classifier
    positions = [p for p in classifier.ungated_positions() if _searches(classifier.rules[p].node)]
    if not positions:
        return []
    probes = [classifier._probe(to_failure(text)) for text in SAMPLES]
    costs = []
    for position in positions:
        matcher = classifier._matchers[position]
        groups = [classifier.literal_groups(probe.found) for probe in probes]
        start = time.perf_counter()
        for _ in range(repeat):
            for probe, bits in zip(probes, groups, strict=True):
                matcher(probe, probe.text, probe.lower, probe.status, bits)
        elapsed = time.perf_counter() - start
        costs.append((classifier.rules[position].id, elapsed / (repeat * len(probes)) * 1e6))
    return costs


#: A gate literal shorter than this holds in most error texts.
WEAK_LITERAL = 4
#: Words most error texts hold (English function words and the error vocabulary): a rule
#: gated on these alone is tried on most errors, its gates sparing nothing.
COMMON_WORDS = frozenset(
    {
        "a", "an", "and", "api", "are", "as", "at", "be", "been", "but", "by", "call", "can",
        "code", "could", "detail", "did", "do", "does", "error", "errors", "fail", "failed", "for",
        "from", "had", "has", "have", "http", "id", "if", "in", "into", "is", "it", "its", "may",
        "message", "model", "more", "must", "no", "not", "now", "of", "on", "or", "our", "out",
        "over", "please", "request", "requests", "response", "server", "service", "should", "so",
        "some", "status", "such", "than", "that", "the", "their", "then", "there", "these", "this",
        "to", "too", "try", "type", "up", "use", "was", "we", "were", "what", "when", "which",
        "will", "with", "would", "you", "your",
    }
)
#: With a corpus, a rule gated on literals alone tried and not matching on more than this share of
#: its records is reported.
WEAK_SHARE = 0.5


def _weak_literal(literal: str) -> bool:
    """Short (a Chinese or Japanese character weighing two: ``regex_literals.weight``) or a
    common word; digits (a status named in the text: "429") are not judged weak."""
    word = literal.strip(" _-.:,'\"")
    if word.isdigit():
        return False
    return weight(word) < WEAK_LITERAL or word in COMMON_WORDS


def weak_gates(
    ruleset: RuleSet, failures: Sequence[Failure] = ()
) -> list[tuple[str, tuple[str, ...], float | None]]:
    """(rule id, its gate literals, share of ``failures`` it is tried on) of the rules of an
    indexed set gated on literals alone: without ``failures``, those whose literals (and
    second gates') are all short or common words (share None); with ``failures``, what they
    measure decides: those tried and not matching on more than :data:`WEAK_SHARE` of them.
    Rules tried on every error are ``ungated_costs``' concern."""
    classifier = ruleset.classifier
    if not classifier.indexed:
        return []
    keys: dict[int, list[GateKey]] = {}
    for key, mask in classifier._index.items():
        for entry in bit_positions(mask):
            keys.setdefault(entry, []).append(key)
    # second gates (literals alone) from the scan's table: the entries second-gated on a
    # literal sit a rule count above its gated ones
    count = len(classifier._entry_rule)
    every = (1 << count) - 1
    seconds: dict[int, list[str]] = {}
    for literal, value in classifier._literal_table.items():
        for entry in bit_positions(value >> count & every):
            seconds.setdefault(entry, []).append(literal)
    literals: dict[int, set[str]] = {}
    textual: set[int] = set()
    strong: set[int] = set()
    by_rule: dict[int, list[int]] = {}
    for entry, owner in enumerate(classifier._entry_rule):
        by_rule.setdefault(owner, []).append(entry)
    for position, entries in by_rule.items():
        found = [key_literal(key) for entry in entries for key in keys.get(entry, ())]
        if entries and all(keys.get(entry) for entry in entries) and None not in found:
            textual.add(position)
            literals[position] = {literal for literal in found if literal is not None}
            # an entry whose second gate holds a rarer word is not weak
            if any(
                not all(map(_weak_literal, seconds[entry]))
                for entry in entries
                if entry in seconds
            ):
                strong.add(position)
    if not failures:
        return [
            (classifier.rules[position].id, tuple(sorted(literals[position])), None)
            for position in sorted(textual)
            if position not in strong and all(map(_weak_literal, literals[position]))
        ]
    # with a corpus, what it measures decides: the rules reached in each record's candidate
    # loop (in rule order, up to the one that matches) and not matching, past WEAK_SHARE
    rejected = dict.fromkeys(textual, 0)
    tried = dict.fromkeys(textual, 0)
    rules = classifier.rules
    for failure in failures:
        probe = classifier._probe(failure)
        for position in bit_positions(classifier._candidates(probe)):
            matched = unwrap(rules[position].node).match(probe)
            if position in textual:
                tried[position] += 1
                rejected[position] += not matched
            if matched:
                break
    return [
        (rules[position].id, tuple(sorted(literals[position])), tried[position] / len(failures))
        for position in sorted(textual)
        if rejected[position] / len(failures) > WEAK_SHARE
    ]
