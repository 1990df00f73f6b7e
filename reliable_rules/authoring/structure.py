"""The structural half of a rule-set diff: what changed in the rules, categories, policy,
``retry_after`` and metadata of two rule sets, each change with its semver level (see
:mod:`reliable_rules.authoring.diff`, which adds the record transitions and the verdict)."""

from __future__ import annotations

import dataclasses
import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from reliable_rules.engine.nodes import (
    All,
    Any_,
    ConditionRef,
    ExceptionType,
    Node,
    Not,
    Regex,
    Status,
    unwrap,
)
from reliable_rules.ruleset.model import Rule, RuleSet, RuleTest
from reliable_rules.taxonomy import Category

__all__ = [
    "Change",
    "Level",
    "category_flags",
    "flag_changes",
    "flags_text",
    "structural_changes",
    "yes_no",
]

Level = Literal["none", "patch", "minor", "major"]


_DETAIL_LIMIT = 24


def yes_no(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "-" if value is None else str(value)


_FLAG_FIELDS = ("retryable", "action", "rate_limited", "rotate_key")


def category_flags(category: Category) -> dict[str, Any]:
    return {
        "retryable": category.retryable,
        "action": category.action.value,
        "rate_limited": category.rate_limited,
        "rotate_key": category.rotate_key,
    }


def flag_changes(old: Category, new: Category) -> dict[str, tuple[Any, Any]]:
    before, after = category_flags(old), category_flags(new)
    return {key: (before[key], after[key]) for key in _FLAG_FIELDS if before[key] != after[key]}


def flags_text(changes: Mapping[str, tuple[Any, Any]]) -> str:
    return ", ".join(f"{key} {yes_no(a)} → {yes_no(b)}" for key, (a, b) in changes.items())


@dataclass(frozen=True, slots=True)
class Change:
    """One structural difference between the two sets.

    ``kind`` is one of ``ruleset-metadata``, ``rule-added``, ``rule-removed``,
    ``rule-renamed``, ``rule-when``, ``rule-then``, ``rule-moved``, ``rule-metadata``,
    ``category-added``, ``category-removed``, ``category-changed``, ``category-metadata``,
    ``policy``, ``retry-after``. ``details`` holds extra lines (a ``when`` diff);
    ``old``/``new`` are JSON values.
    """

    kind: str
    subject: str
    level: Level
    message: str
    details: tuple[str, ...] = ()
    old: Any = None
    new: Any = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "kind": self.kind,
            "subject": self.subject,
            "level": self.level,
            "message": self.message,
            "details": list(self.details),
            "old": self.old,
            "new": self.new,
        }


def _signature(node: Node) -> object:
    """A comparable form of a compiled matcher, named conditions expanded."""
    node = unwrap(node)
    if isinstance(node, All):
        return ("all", tuple(_signature(child) for child in node.children))
    if isinstance(node, Any_):
        return ("any", tuple(_signature(child) for child in node.children))
    if isinstance(node, Not):
        return ("not", _signature(node.child))
    if isinstance(node, Status):
        return ("status", node.mode, tuple(sorted(node.values)))
    if isinstance(node, ExceptionType):
        return ("exception", tuple(sorted(node.names)))
    if isinstance(node, Regex):
        return ("regex", node.pattern, int(node.compiled.flags))
    return (type(node).__name__, node.describe())


def _tree(node: Node, depth: int = 0) -> list[str]:
    """A compiled matcher as indented lines, named conditions shown and expanded."""
    pad = "  " * depth
    if isinstance(node, ConditionRef):
        return [f"{pad}condition {node.name}:", *_tree(node.target, depth + 1)]
    if isinstance(node, All | Any_):
        head = "all of:" if isinstance(node, All) else "any of:"
        return [f"{pad}{head}", *(line for c in node.children for line in _tree(c, depth + 1))]
    if isinstance(node, Not):
        return [f"{pad}not:", *_tree(node.child, depth + 1)]
    return [f"{pad}{node.describe()}"]


def _when_diff(old: Node, new: Node) -> tuple[str, ...]:
    lines = [
        line.rstrip("\n")
        for line in difflib.unified_diff(_tree(old), _tree(new), lineterm="", n=1)
        if not line.startswith(("---", "+++", "@@"))
    ]
    if len(lines) > _DETAIL_LIMIT:
        lines = [*lines[:_DETAIL_LIMIT], f"… {len(lines) - _DETAIL_LIMIT} more lines"]
    return tuple(lines)


def _where(rule: Rule) -> str:
    return f"{rule.file}:{rule.line}"


def _lis_keep(sequence: Sequence[int]) -> set[int]:
    """Indexes (into ``sequence``) of one longest increasing subsequence."""
    tails: list[int] = []  # index into sequence of the smallest tail of each length
    parents: list[int] = [-1] * len(sequence)
    for index, value in enumerate(sequence):
        low, high = 0, len(tails)
        while low < high:
            middle = (low + high) // 2
            if sequence[tails[middle]] < value:
                low = middle + 1
            else:
                high = middle
        parents[index] = tails[low - 1] if low else -1
        if low == len(tails):
            tails.append(index)
        else:
            tails[low] = index
    keep: set[int] = set()
    current = tails[-1] if tails else -1
    while current >= 0:
        keep.add(current)
        current = parents[current]
    return keep


class _Structure:
    """Computes the structural :class:`Change` list of two rule sets."""

    def __init__(self, old: RuleSet, new: RuleSet) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []
        self.old_nodes = {rule.id: rule.node for rule in old.classifier.rules}
        self.new_nodes = {rule.id: rule.node for rule in new.classifier.rules}
        self.old_rules = {rule.id: rule for rule in old.rules}
        self.new_rules = {rule.id: rule for rule in new.rules}

    def add(self, kind: str, subject: str, level: Level, message: str, **extra: Any) -> None:
        self.changes.append(Change(kind, subject, level, message, **extra))

    def run(self) -> list[Change]:
        self._metadata()
        renames = self._rules()
        self._order(renames)
        self._categories()
        self._policy()
        self._retry_after()
        return self.changes

    def _metadata(self) -> None:
        for key in ("name", "revision"):
            before, after = getattr(self.old, key), getattr(self.new, key)
            if before != after:
                self.add(
                    "ruleset-metadata",
                    key,
                    "patch",
                    f"rule set {key}: {before} → {after}",
                    old=before,
                    new=after,
                )

    def _renames(self, removed: list[str], added: list[str]) -> dict[str, tuple[str, str]]:
        """new id → (old id, how it was detected)."""
        renames: dict[str, tuple[str, str]] = {}
        taken: set[str] = set()
        for how in ("when", "tests"):
            for new_id in added:
                if new_id in renames:
                    continue
                for old_id in removed:
                    if old_id in taken:
                        continue
                    if how == "when":
                        same = _signature(self.old_nodes[old_id]) == _signature(
                            self.new_nodes[new_id]
                        )
                    else:
                        before, after = self.old_rules[old_id], self.new_rules[new_id]
                        old_tests = [_case_key(c, before.category) for c in before.tests]
                        new_tests = [_case_key(c, after.category) for c in after.tests]
                        same = bool(old_tests) and sorted(old_tests) == sorted(new_tests)
                    if same:
                        renames[new_id] = (old_id, how)
                        taken.add(old_id)
                        break
        return renames

    def _rules(self) -> dict[str, str]:
        removed = [rule_id for rule_id in self.old_rules if rule_id not in self.new_rules]
        added = [rule_id for rule_id in self.new_rules if rule_id not in self.old_rules]
        renames = self._renames(removed, added)
        renamed_old = {old_id for old_id, _ in renames.values()}
        for rule_id in removed:
            if rule_id in renamed_old:
                continue
            rule = self.old_rules[rule_id]
            self.add(
                "rule-removed",
                rule_id,
                "major",
                f"rule removed: {rule_id} ({rule.category}, was {_where(rule)})",
                old=rule.category,
            )
        for rule_id in added:
            rule = self.new_rules[rule_id]
            if rule_id in renames:
                old_id, how = renames[rule_id]
                self.add(
                    "rule-renamed",
                    rule_id,
                    "major",
                    f"rule renamed: {old_id} → {rule_id} (same {how}; {_where(rule)})",
                    old=old_id,
                    new=rule_id,
                )
                self._compare_rule(old_id, rule_id)
                continue
            self.add(
                "rule-added",
                rule_id,
                "minor",
                f"rule added: {rule_id} → {rule.category} ({_where(rule)})",
                new=rule.category,
            )
        for rule_id in self.new_rules:
            if rule_id in self.old_rules:
                self._compare_rule(rule_id, rule_id)
        return {new_id: old_id for new_id, (old_id, _) in renames.items()}

    def _compare_rule(self, old_id: str, new_id: str) -> None:
        before, after = self.old_rules[old_id], self.new_rules[new_id]
        where = _where(after)
        old_node, new_node = self.old_nodes[old_id], self.new_nodes[new_id]
        if _signature(old_node) != _signature(new_node):
            self.add(
                "rule-when",
                new_id,
                "minor",
                f"rule {new_id}: when changed ({where})",
                details=_when_diff(old_node, new_node),
                old=_tree(old_node),
                new=_tree(new_node),
            )
        if before.category != after.category:
            flags = flag_changes(
                self.old.categories[before.category], self.new.categories[after.category]
            )
            major = "retryable" in flags or "action" in flags
            suffix = f": {flags_text(flags)}" if flags else ""
            self.add(
                "rule-then",
                new_id,
                "major" if major else "minor",
                f"rule {new_id}: then {before.category} → {after.category}{suffix} ({where})",
                old=before.category,
                new=after.category,
            )
        metadata: dict[str, tuple[Any, Any]] = {}
        if before.description != after.description:
            metadata["description"] = (before.description, after.description)
        if before.references != after.references:
            metadata["references"] = (list(before.references), list(after.references))
        if before.status != after.status:
            metadata["status"] = (before.status, after.status)
        old_tests = [_case_key(case, before.category) for case in before.tests]
        new_tests = [_case_key(case, after.category) for case in after.tests]
        if old_tests != new_tests:
            metadata["tests"] = (len(old_tests), len(new_tests))
        if metadata:
            parts = [
                f"tests {a} → {b} cases" if key == "tests" else key
                for key, (a, b) in metadata.items()
            ]
            if "status" in metadata:
                parts[list(metadata).index("status")] = (
                    f"status {metadata['status'][0]} → {metadata['status'][1]}"
                )
            self.add(
                "rule-metadata",
                new_id,
                "patch",
                f"rule {new_id}: {', '.join(parts)} changed ({where})",
                old={key: a for key, (a, _) in metadata.items()},
                new={key: b for key, (_, b) in metadata.items()},
            )

    def _order(self, renames: Mapping[str, str]) -> None:
        old_position = {rule.id: index for index, rule in enumerate(self.old.rules)}
        common = [
            rule.id for rule in self.new.rules if renames.get(rule.id, rule.id) in old_position
        ]
        sequence = [old_position[renames.get(rule_id, rule_id)] for rule_id in common]
        keep = _lis_keep(sequence)
        for index, rule_id in enumerate(common):
            if index in keep:
                continue
            neighbour = f"now after {common[index - 1]}" if index else f"now before {common[1]}"
            self.add(
                "rule-moved",
                rule_id,
                "minor",
                f"rule moved: {rule_id} ({neighbour}; first match wins)",
                old=sequence[index],
                new=index,
            )

    def _categories(self) -> None:
        before, after = self.old.categories, self.new.categories
        for name in after:
            if name not in before:
                flags = category_flags(after[name])
                self.add(
                    "category-added",
                    name,
                    "minor",
                    f"category added: {name} (retryable {yes_no(flags['retryable'])}, "
                    f"action {flags['action']})",
                    new=flags,
                )
        for name in before:
            if name not in after:
                self.add(
                    "category-removed",
                    name,
                    "major",
                    f"category removed: {name}",
                    old=category_flags(before[name]),
                )
                continue
            old, new = before[name], after[name]
            flags = flag_changes(old, new)
            if flags:
                major = "retryable" in flags or "action" in flags
                self.add(
                    "category-changed",
                    name,
                    "major" if major else "minor",
                    f"category {name}: {flags_text(flags)}",
                    old={key: a for key, (a, _) in flags.items()},
                    new={key: b for key, (_, b) in flags.items()},
                )
            if old.description != new.description:
                self.add(
                    "category-metadata",
                    name,
                    "patch",
                    f"category {name}: description changed",
                    old=old.description,
                    new=new.description,
                )

    def _policy(self) -> None:
        for field in dataclasses.fields(self.old.policy):
            before = getattr(self.old.policy, field.name)
            after = getattr(self.new.policy, field.name)
            if before != after:
                self.add(
                    "policy",
                    field.name,
                    "minor",
                    f"policy {field.name}: {before} → {after}",
                    old=before,
                    new=after,
                )

    def _retry_after(self) -> None:
        before = [extractor.describe() for extractor in self.old.classifier.extractors]
        after = [extractor.describe() for extractor in self.new.classifier.extractors]
        if before == after:
            return
        details = tuple(
            line for line in difflib.ndiff(before, after) if line.startswith(("- ", "+ "))
        )
        self.add(
            "retry-after",
            "retry_after",
            "minor",
            f"retry_after extractors changed ({len(before)} → {len(after)})",
            details=details or ("(order changed)",),
            old=before,
            new=after,
        )


def structural_changes(old: RuleSet, new: RuleSet) -> list[Change]:
    """Every structural change from ``old`` to ``new``, in a stable order."""
    return _Structure(old, new).run()


_CASE_PLACE = frozenset({"rule_id", "file", "line", "column"})


def _case_key(case: RuleTest, category: str) -> str:
    """Equal for two test cases that describe the same failure with the same expectations.

    An ``expect`` equal to the rule's own ``category`` is the default (a case without
    ``expect`` gets it), so changing a rule's ``then`` does not count as changing its tests.
    """
    content = {
        field.name: getattr(case, field.name)
        for field in dataclasses.fields(case)
        if field.name not in _CASE_PLACE
    }
    content["headers"] = sorted(case.headers.items())
    content["expectations"] = sorted(case.expectations.items())
    if case.expect == category:
        content["expect"] = None
    return json.dumps(content, sort_keys=True, default=str)
