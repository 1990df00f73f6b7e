"""Compiled classification: literal scan, rule index, first match decides.

Cost per call is one lowercase, one regex pass over the text that finds every literal any
rule mentions (the literals are compiled into a single trie-shaped pattern), and the
evaluation of only those rules whose gate keys are present. Adding rules whose literals do
not occur in an error adds (almost) nothing to classifying it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .decision import Decision, Verdict
from .extractors import Extractor, PrefixSource
from .failure import Failure
from .matchers import All, Any_, ConditionRef, Contains, GateKey, Node, Not, Probe
from .sanitize import compact
from .taxonomy import UNKNOWN, Category

__all__ = ["Classifier", "CompiledRule"]

logger = logging.getLogger("reliable_rules")


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule ready to evaluate."""

    id: str
    node: Node
    verdict: Verdict


def _walk(node: Node) -> Iterable[Node]:
    yield node
    if isinstance(node, All | Any_):
        for child in node.children:
            yield from _walk(child)
    elif isinstance(node, Not):
        yield from _walk(node.child)
    elif isinstance(node, ConditionRef):
        yield from _walk(node.target)


def _trie_pattern(literals: Iterable[str]) -> str:
    trie: dict[str, dict[str, object]] = {}
    for literal in literals:
        node = trie
        for char in literal:
            node = node.setdefault(char, {})  # type: ignore[assignment]
        node[""] = {}

    def build(node: dict[str, object]) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]  # type: ignore[arg-type]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            # A literal ends here: the longer continuations are optional (greedy, so the longest
            # literal starting at a position is reported; its prefixes are implied).
            return f"{body}?" if len(branches) > 1 else f"(?:{body})?"
        return body

    return build(trie)


class _LiteralScan:
    """Finds, in one pass, every literal of a rule set that occurs in a lowercased text."""

    __slots__ = ("_finder", "_implied")

    def __init__(self, literals: Iterable[str]) -> None:
        unique = sorted({literal for literal in literals if literal})
        self._finder = re.compile(f"(?=({_trie_pattern(unique)}))", re.DOTALL) if unique else None
        # The scan reports the longest literal at each position; every literal that is a prefix
        # of it occurs there too.
        self._implied = {
            literal: tuple(other for other in unique if literal.startswith(other))
            for literal in unique
        }

    def __call__(self, lower: str) -> set[str]:
        finder = self._finder
        found: set[str] = set()
        if finder is None:
            return found
        implied = self._implied
        for literal in set(finder.findall(lower)):
            found.update(implied[literal])
        return found


class Classifier:
    """Compiled rules of one layered rule set."""

    def __init__(
        self,
        *,
        name: str,
        revision: str,
        rules: Sequence[tuple[str, Node, Category]],
        categories: Mapping[str, Category],
        extractors: Sequence[Extractor],
    ) -> None:
        self.name = name
        self.revision = revision
        self.extractors = tuple(extractors)
        self.rules = tuple(
            CompiledRule(rule_id, node, Verdict(category, rule_id, name, revision, self))
            for rule_id, node, category in rules
        )
        self.unknown = Verdict(categories[UNKNOWN], None, name, revision, self)

        literals: set[str] = set()
        for rule in self.rules:
            for node in _walk(rule.node):
                if isinstance(node, Contains):
                    literals.update(node.lowered)
        literals.update(e.literal for e in self.extractors if isinstance(e, PrefixSource))
        self._scan = _LiteralScan(literals)

        index: dict[GateKey, list[int]] = {}
        ungated: list[int] = []
        for position, rule in enumerate(self.rules):
            gate = rule.node.gate
            if gate is None:
                ungated.append(position)
                continue
            for key in gate:
                index.setdefault(key, []).append(position)
        self._index = {key: tuple(positions) for key, positions in index.items()}
        self._ungated = frozenset(ungated)
        kinds = {key[0] for key in index if isinstance(key, tuple)}
        self._gates_exceptions = "exception" in kinds
        self._gates_provider = "provider" in kinds
        self._gates_model = "model" in kinds

    def _probe(self, failure: Failure) -> Probe:
        text = failure.text
        lower = text.lower()
        return Probe(failure, text, lower, self._scan(lower))

    def _candidates(self, probe: Probe) -> list[int]:
        index = self._index
        chosen = set(self._ungated)
        for literal in probe.found:
            positions = index.get(literal)
            if positions:
                chosen.update(positions)
        failure = probe.failure
        status = failure.status
        keys: list[GateKey] = [("status", status)]
        if status is not None:
            keys.append(("status", "*"))
        if self._gates_exceptions:
            keys.extend(("exception", name) for name in failure.exception_types)
        if self._gates_provider and failure.provider:
            keys.append(("provider", failure.provider.lower()))
        if self._gates_model and failure.model:
            keys.append(("model", failure.model.lower()))
        for key in keys:
            positions = index.get(key)
            if positions:
                chosen.update(positions)
        return sorted(chosen)

    def _retry_after(self, probe: Probe) -> int | None:
        for extractor in self.extractors:
            value = extractor.extract(probe)
            if value is not None:
                return value
        return None

    def decide(self, failure: Failure) -> Decision:
        """Classify a normalised failure."""
        probe = self._probe(failure)
        rules = self.rules
        verdict = self.unknown
        for position in self._candidates(probe):
            rule = rules[position]
            if rule.node.match(probe):
                verdict = rule.verdict
                break
        return Decision(verdict, self._retry_after(probe), failure)

    def explain(self, failure: Failure) -> str:
        """The evaluation trace for ``failure``: every rule tried, why it matched or not."""
        probe = self._probe(failure)
        candidates = set(self._candidates(probe))
        lines = [
            f"rule set {self.name} (revision {self.revision}), {len(self.rules)} rules",
            f"failure: status={'none' if failure.status is None else failure.status}"
            + (f" provider={failure.provider}" if failure.provider else "")
            + (f" model={failure.model}" if failure.model else ""),
            f"text: {compact(probe.text, limit=300)!s}",
        ]
        decided: Verdict = self.unknown
        skipped = 0
        for position, rule in enumerate(self.rules):
            if position not in candidates:
                skipped += 1
                continue
            trace: list[str] = []
            matched = rule.node.explain(probe, 2, trace)
            lines.append(f"  rule {rule.id}: {'MATCH' if matched else 'no match'}")
            lines.extend(trace)
            if matched:
                decided = rule.verdict
                break
        if skipped:
            lines.append(f"  ({skipped} rules skipped: none of their literals or keys occur)")
        retry = None
        for extractor in self.extractors:
            retry = extractor.extract(probe)
            if retry is not None:
                lines.append(f"retry-after: {retry} ms from {extractor.describe()}")
                break
        category = decided.category
        lines.append(
            f"decision: {category.name} (reason {category.reason}, action {category.action.value}, "
            f"rule {decided.rule_id or 'none: no rule matched'})"
        )
        return "\n".join(lines)
