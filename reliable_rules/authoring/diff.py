"""Compare two rule sets: which failures they decide differently, what changed, and how much.

This is the library behind ``reliable-rules diff``; it prints nothing. A diff has two parts:

* **Record transitions.** The records compared are the embedded test cases of both sides
  (:func:`case_records`, each case's :meth:`~reliable_rules.ruleset.loader.RuleTest.failure`; a case
  that both sides carry is compared once) plus any corpus records the caller passes. Each
  record is classified by both sets; a record *changes* when its category, ``retryable``,
  ``action``, ``rate_limited``, ``retry_after_ms`` or deciding rule differs. Changed records
  are grouped by category transition (``rate_limited → quota_exhausted``).
* **Structural changes** (:class:`Change`): rules added, removed, renamed (a new id with the
  same ``when``, or the same non-empty tests), changed ``when`` (compared compiled, so a
  redefined named condition changes every rule that uses it) or ``then``, moved (first match
  wins, so order matters), and metadata (description, references, status, tests); categories
  added, removed or changed; policy; ``retry_after`` extractors; the set's name and revision.

The **verdict** is semver-like, the highest level of any transition or change:

========= ==================================================================================
``major`` a record's ``retryable`` flips or its ``action`` changes; a rule is removed or
          renamed; a rule's ``then`` moves to a category with another ``retryable``/``action``;
          a category's ``retryable``/``action`` changes or a category is removed
``minor`` any other record change (category, rule, ``retry_after_ms``); rules or categories
          added; ``when``/``then``/order changes; category ``rate_limited``/``rotate_key``;
          policy or ``retry_after`` changes
``patch`` metadata only: the set's name or revision; a rule's description, references, status
          or tests; a category's description
``none``  nothing differs
========= ==================================================================================

    from reliable_rules import load_rules
    from reliable_rules.authoring.diff import diff_rulesets
    result = diff_rulesets(load_rules("old.yaml"), load_rules("new.yaml"))
    result.verdict, result.transitions, result.changes
    print(result.render_text())
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from reliable_rules._text import plural as _plural
from reliable_rules.authoring.structure import (
    Change,
    Level,
    flag_changes,
    flags_text,
    structural_changes,
    yes_no,
)
from reliable_rules.decision import Decision
from reliable_rules.failure import Failure
from reliable_rules.ruleset.model import RuleSet, RuleTest
from reliable_rules.sanitize import compact
from reliable_rules.taxonomy import Category

__all__ = [
    "DECISION_FIELDS",
    "LEVELS",
    "Change",
    "Level",
    "Record",
    "RecordChange",
    "RuleSetDiff",
    "Transition",
    "case_records",
    "diff_rulesets",
    "level_at_least",
    "short_text",
]

#: Verdict levels, lowest first.
LEVELS: tuple[Level, ...] = ("none", "patch", "minor", "major")
_RANK = {level: rank for rank, level in enumerate(LEVELS)}

#: The decision fields whose difference makes a record change, in report order.
DECISION_FIELDS = ("category", "retryable", "action", "rate_limited", "retry_after_ms", "rule")

_TEXT_LIMIT = 72


def level_at_least(level: str, threshold: str) -> bool:
    """Whether ``level`` is ``threshold`` or higher (major > minor > patch > none)."""
    return _RANK[level] >= _RANK[threshold]  # type: ignore[index]


def _max_level(levels: Iterable[Level]) -> Level:
    best: Level = "none"
    for level in levels:
        if _RANK[level] > _RANK[best]:
            best = level
    return best


# ── records ─────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class Record:
    """One failure to classify with both sets; ``source`` says where it came from (FILE:LINE)."""

    source: str
    failure: Failure
    kind: Literal["test", "corpus"] = "corpus"


def _failure_key(case: RuleTest) -> str:
    return json.dumps(
        [
            case.text,
            case.status,
            sorted(case.headers.items()),
            case.body,
            case.provider,
            case.model,
            sorted(case.exception),
        ],
        sort_keys=True,
        default=str,
    )


def case_records(*rulesets: RuleSet, extra: Sequence[RuleTest] = ()) -> list[Record]:
    """The embedded test cases of ``rulesets`` (then ``extra``: the cases of side-by-side
    test files) as records, each distinct failure once.

    Cases are taken set by set (pass the new set first so shared cases are named by their
    place in the new file), in file order; ``source`` is ``FILE:LINE`` of the case.
    """
    seen: set[str] = set()
    records: list[Record] = []
    groups: list[list[RuleTest]] = [
        [case for rule in ruleset.rules for case in rule.tests] for ruleset in rulesets
    ]
    groups.append(list(extra))
    for group in groups:
        cases = sorted(group, key=lambda case: (case.file, case.line, case.column))
        for case in cases:
            key = _failure_key(case)
            if key in seen:
                continue
            seen.add(key)
            records.append(Record(f"{case.file}:{case.line}", case.failure(), "test"))
    return records


def short_text(failure: Failure, limit: int = _TEXT_LIMIT) -> str:
    """The failure as one sanitised line: ``[STATUS] text``, at most about ``limit`` chars."""
    prefix = f"[{failure.status}] " if failure.status is not None else ""
    text = compact(failure.text, limit=limit) if failure.text else ""
    if not text and failure.exception_types:
        text = "(" + ", ".join(sorted(failure.exception_types)) + ")"
    return (prefix + text) or "(empty)"


def _decision_values(decision: Decision) -> dict[str, Any]:
    return {
        "category": decision.category,
        "retryable": decision.retryable,
        "action": decision.action.value,
        "rate_limited": decision.rate_limited,
        "retry_after_ms": decision.retry_after_ms,
        "rule": decision.rule_id,
    }


@dataclass(frozen=True, slots=True)
class RecordChange:
    """A record the two sets decide differently."""

    record: Record
    old: Decision
    new: Decision
    fields: tuple[str, ...]

    @property
    def source(self) -> str:
        """Where the record came from (``FILE:LINE``)."""
        return self.record.source

    @property
    def text(self) -> str:
        """The failure as one short, sanitised line."""
        return short_text(self.record.failure)

    @property
    def level(self) -> Level:
        """``major`` when ``retryable`` flips or ``action`` changes, else ``minor``."""
        return "major" if {"retryable", "action"} & set(self.fields) else "minor"

    def as_dict(self) -> dict[str, Any]:
        """JSON form: source, kind, text, changed fields and both decisions."""
        return {
            "source": self.source,
            "kind": self.record.kind,
            "text": self.text,
            "fields": list(self.fields),
            "old": self.old.as_dict(),
            "new": self.new.as_dict(),
        }


@dataclass(frozen=True, slots=True)
class Transition:
    """The changed records that go from one category to another (possibly the same one)."""

    old_category: Category
    new_category: Category
    records: tuple[RecordChange, ...]

    @property
    def label(self) -> str:
        """``old → new``."""
        return f"{self.old_category.name} → {self.new_category.name}"

    @property
    def count(self) -> int:
        """Number of records in the group."""
        return len(self.records)

    @property
    def flag_changes(self) -> dict[str, tuple[Any, Any]]:
        """The category flags that differ: ``{"retryable": (True, False), ...}``."""
        return flag_changes(self.old_category, self.new_category)

    @property
    def level(self) -> Level:
        """``major`` when retryability or the action changes, else ``minor``."""
        return _max_level(record.level for record in self.records)

    @property
    def detail(self) -> str:
        """What the transition changes for callers, e.g. ``retryable yes → no, …``."""
        text = flags_text(self.flag_changes)
        if text:
            return text
        if self.old_category.name != self.new_category.name:
            return "same retryability and action"
        fields = sorted({f for r in self.records for f in r.fields}, key=DECISION_FIELDS.index)
        return "changed: " + ", ".join(fields)

    def as_dict(self) -> dict[str, Any]:
        """JSON form of the group, every record included."""
        return {
            "from": self.old_category.name,
            "to": self.new_category.name,
            "count": self.count,
            "level": self.level,
            "changes": {key: {"old": a, "new": b} for key, (a, b) in self.flag_changes.items()},
            "records": [record.as_dict() for record in self.records],
        }


# ── structural changes ──────────────────────────────────────────────────────────────────


# ── the diff ────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class RuleSetDiff:
    """Everything that differs between two rule sets, and the verdict."""

    old: RuleSet
    new: RuleSet
    compared: int
    tests: int
    corpus: int
    transitions: tuple[Transition, ...]
    changes: tuple[Change, ...]

    @property
    def changed(self) -> int:
        """Number of records decided differently."""
        return sum(transition.count for transition in self.transitions)

    @property
    def verdict(self) -> Level:
        """``major``, ``minor``, ``patch`` or ``none`` (see the module docstring)."""
        return _max_level([*(t.level for t in self.transitions), *(c.level for c in self.changes)])

    @property
    def reasons(self) -> tuple[str, ...]:
        """Why the verdict is what it is: the transitions and changes at the verdict's level."""
        verdict = self.verdict
        if verdict == "none":
            return ("no differences",)
        reasons = [
            f"{t.label}: {_records(t.count)} ({t.detail})"
            for t in self.transitions
            if t.level == verdict
        ]
        reasons += [change.message for change in self.changes if change.level == verdict]
        return tuple(reasons)

    def as_dict(self) -> dict[str, Any]:
        """The JSON document ``reliable-rules diff --format json`` prints."""
        return {
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "old": _side(self.old),
            "new": _side(self.new),
            "records": {
                "compared": self.compared,
                "tests": self.tests,
                "corpus": self.corpus,
                "changed": self.changed,
            },
            "transitions": [transition.as_dict() for transition in self.transitions],
            "changes": [change.as_dict() for change in self.changes],
        }

    def render_text(self, *, max_records: int | None = 20) -> str:
        """The report a reviewer reads: verdict and why, transitions, structural changes."""
        if self.verdict == "none":
            lines = ["verdict: none (no differences)"]
        else:
            lines = [f"verdict: {self.verdict}"]
            lines += [f"  because {reason}" for reason in _clip(list(self.reasons), 10)]
        lines.append(f"old: {_side_text(self.old)}")
        lines.append(f"new: {_side_text(self.new)}")
        lines.append(
            f"records: {self.changed} of {self.compared} decided differently "
            f"({_plural(self.tests, 'test case')}, {_plural(self.corpus, 'corpus record')})"
        )
        lines.append("")
        if self.transitions:
            lines.append(f"transitions ({_records(self.changed)}):")
            for transition in self.transitions:
                lines.append(
                    f"  {transition.label}: {transition.count}  "
                    f"[{transition.level}: {transition.detail}]"
                )
                shown = _limit(transition.records, max_records)
                for change in shown:
                    lines.append(
                        f"    {change.source}  {change.text}  "
                        f"{_rule_change(change)}{_extra_fields(change)}"
                    )
                if len(shown) < transition.count:
                    lines.append(
                        f"    … {transition.count - len(shown)} more (--format json lists all)"
                    )
        else:
            lines.append("transitions: none")
        lines.append("")
        if self.changes:
            lines.append(f"structural changes ({len(self.changes)}):")
            for item in self.changes:
                lines.append(f"  [{item.level}] {item.message}")
                lines += [f"      {line}" for line in item.details]
        else:
            lines.append("structural changes: none")
        return "\n".join(lines)

    def render_markdown(self, *, max_records: int | None = 20) -> str:
        """The report as GitHub-flavoured Markdown, for a pull-request comment."""
        lines = [
            f"### Rule set diff: **{self.verdict}**",
            "",
            f"{_code(self.old.source)} ({_md(self.old.name)} {_md(self.old.revision)}) → "
            f"{_code(self.new.source)} ({_md(self.new.name)} {_md(self.new.revision)}): "
            f"{self.changed} of {self.compared} records decided differently "
            f"({_plural(self.tests, 'test case')}, {_plural(self.corpus, 'corpus record')}).",
            "",
        ]
        if self.verdict != "none":
            lines.append(f"**Why {self.verdict}:**")
            lines += [f"- {_md(reason)}" for reason in _clip(list(self.reasons), 10)]
            lines.append("")
        lines.append("#### Transitions")
        lines.append("")
        if not self.transitions:
            lines += ["No record is decided differently.", ""]
        else:
            lines += ["| Transition | Records | Level | Effect |", "|---|---:|---|---|"]
            lines += [
                f"| {_md(t.label)} | {t.count} | {t.level} | {_md(t.detail)} |"
                for t in self.transitions
            ]
            lines.append("")
            for transition in self.transitions:
                lines += [
                    f"<details><summary>{_md(transition.label)} ({transition.count})</summary>",
                    "",
                    "| Source | Failure | Rule |",
                    "|---|---|---|",
                ]
                shown = _limit(transition.records, max_records)
                lines += [
                    f"| {_code(c.source)} | {_md(c.text)} | "
                    f"{_md(_rule_change(c) + _extra_fields(c))} |"
                    for c in shown
                ]
                if len(shown) < transition.count:
                    lines.append(f"| … | {transition.count - len(shown)} more | |")
                lines += ["", "</details>", ""]
        lines.append("#### Structural changes")
        lines.append("")
        if not self.changes:
            lines.append("None.")
        for item in self.changes:
            lines.append(f"- **{item.level}** {_md(item.message)}")
            if item.details:
                lines += ["  ```diff", *(f"  {line}" for line in item.details), "  ```"]
        return "\n".join(lines).rstrip("\n")


def _side(ruleset: RuleSet) -> dict[str, Any]:
    return {
        "source": ruleset.source,
        "name": ruleset.name,
        "revision": ruleset.revision,
        "rules": len(ruleset.rules),
    }


def _side_text(ruleset: RuleSet) -> str:
    return (
        f"{ruleset.source} ({ruleset.name} {ruleset.revision}, "
        f"{_plural(len(ruleset.rules), 'rule')})"
    )


def _records(count: int) -> str:
    return _plural(count, "record")


def _clip(items: list[str], limit: int) -> list[str]:
    if len(items) <= limit:
        return items
    return [*items[:limit], f"… and {len(items) - limit} more"]


def _limit(records: tuple[RecordChange, ...], limit: int | None) -> tuple[RecordChange, ...]:
    return records if not limit or limit < 0 else records[:limit]


def _rule_change(change: RecordChange) -> str:
    return f"{change.old.rule_id or '(no rule)'} → {change.new.rule_id or '(no rule)'}"


def _extra_fields(change: RecordChange) -> str:
    if "retry_after_ms" not in change.fields:
        return ""
    return (
        f"; retry_after_ms {yes_no(change.old.retry_after_ms)} → "
        f"{yes_no(change.new.retry_after_ms)}"
    )


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|#~"})


def _md(text: str) -> str:
    """Text safe inside Markdown (and a table cell)."""
    return text.translate(_MD_SPECIAL).replace("\n", " ")


def _code(text: str) -> str:
    """``text`` as a code span (``|`` escaped for table cells)."""
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


def diff_rulesets(
    old: RuleSet,
    new: RuleSet,
    records: Iterable[Record] = (),
    *,
    include_tests: bool = True,
    test_cases: Sequence[RuleTest] = (),
) -> RuleSetDiff:
    """Compare ``old`` with ``new`` over their test cases and ``records``.

    Args:
        old: the rule set before the change.
        new: the rule set after the change.
        records: more records to compare (a corpus); consumed once, lazily (only changed
            records are kept).
        include_tests: compare the embedded test cases of both sets too (default).
        test_cases: the cases of side-by-side test files of either side (compared with
            the embedded ones, when ``include_tests``).
    """
    groups: dict[tuple[str, str], list[RecordChange]] = {}
    counts = {"test": 0, "corpus": 0}
    tests = case_records(new, old, extra=test_cases) if include_tests else []
    for stream in (tests, records):
        for record in stream:
            counts[record.kind] += 1
            before = old.classify(record.failure)
            after = new.classify(record.failure)
            a, b = _decision_values(before), _decision_values(after)
            fields = tuple(key for key in DECISION_FIELDS if a[key] != b[key])
            if fields:
                key = (before.category, after.category)
                groups.setdefault(key, []).append(RecordChange(record, before, after, fields))
    transitions = [
        Transition(changes[0].old.verdict.category, changes[0].new.verdict.category, tuple(changes))
        for changes in groups.values()
    ]
    transitions.sort(key=lambda t: (-_RANK[t.level], -t.count, t.label))
    changes = structural_changes(old, new)
    changes.sort(key=lambda c: -_RANK[c.level])  # stable: same-level changes keep their order
    return RuleSetDiff(
        old=old,
        new=new,
        compared=counts["test"] + counts["corpus"],
        tests=counts["test"],
        corpus=counts["corpus"],
        transitions=tuple(transitions),
        changes=tuple(changes),
    )
