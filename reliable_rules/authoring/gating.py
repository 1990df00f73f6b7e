"""Which rules of a large rule set are tried on every error, and what each costs per call.

An indexed rule set (see engine/classifier.py) evaluates a rule only when one of its gate keys
occurs: a literal of a ``contains``, ``near`` or JSON key, a literal every match of one of its
regexes needs, a status, provider, model or exception type. A rule with none of these (a bare
``json`` or ``header`` matcher, a regex with no literal, unless the ``fast`` extra's RE2 set
covers it) is tried on every classification; the lint reports those that search a regex (the
costly kind: a bare ``json`` or ``header`` lookup costs about a microsecond) with this cost.
"""

from __future__ import annotations

import time

from reliable_rules.engine.nodes import All, Any_, ConditionRef, Node, Not, Regex
from reliable_rules.failure import to_failure
from reliable_rules.ruleset.model import RuleSet

__all__ = ["SAMPLES", "ungated_costs"]

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
