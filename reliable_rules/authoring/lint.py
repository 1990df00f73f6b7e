"""``reliable-rules lint``: find rules that are legal but probably wrong.

:func:`lint_file` loads a rule file (following ``extends``) and returns :class:`Finding` s, each
with a stable ``code``, a default severity (see :data:`CODES`), the place of the offending rule
or key, a message and a one-line hint. A file that does not load yields its load problems as
``error`` findings (their codes are the loader's: ``duplicate-id``, ``unknown-key``, …).

Static checks are *sound but incomplete*: :func:`subsumes` answers True only when every failure
the second matcher matches is matched by the first; when unsure it answers False, so
``never-wins`` is never reported for a rule that can win.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

import regex

from reliable_rules.authoring.corpus import iter_records, record_failure
from reliable_rules.authoring.gating import WEAK_LITERAL, WEAK_SHARE, ungated_costs, weak_gates
from reliable_rules.authoring.locate import Related, is_shipped, locate
from reliable_rules.authoring.subsumption import Candidates, subsumes
from reliable_rules.engine.lazyregex import compiled_once
from reliable_rules.engine.nodes import (
    Probe,
    unwrap,
)
from reliable_rules.engine.regex_safety import backtracking_risk, parse_pattern
from reliable_rules.errors import BadRecord, Problem, RuleSetError, RuleSourceError
from reliable_rules.failure import Failure
from reliable_rules.ruleset.access import extends_permitted
from reliable_rules.ruleset.invariants import broken_expectations
from reliable_rules.ruleset.loader import (
    BUILTIN_PREFIX,
    load_rules_within,
    registered_text,
    resolve_source,
)
from reliable_rules.ruleset.memo import DocumentKey, LoadMemo, document_key
from reliable_rules.ruleset.model import Invariant, RuleSet
from reliable_rules.ruleset.resources import rules_dir
from reliable_rules.ruleset.yamlpos import Path, SourceMap, decode, parse_yaml
from reliable_rules.taxonomy import DEFAULT_CATEGORIES, UNKNOWN

__all__ = [
    "CODES",
    "SEVERITIES",
    "Finding",
    "LintOptions",
    "corpus_failures",
    "lint_file",
    "subsumes",
]

#: Severities, most severe first (``off`` drops the code).
SEVERITIES = ("error", "warning", "info")
_RANK = {"error": 0, "warning": 1, "info": 2}

#: Every lint code: (default severity, what it means, hint). Load problems keep their own codes.
CODES: Mapping[str, tuple[str, str]] = {
    "duplicate-id": ("error", "The same rule id is used twice in one file."),
    "noop-override": ("warning", "An override with the base rule's `when` and `then` (a no-op)."),
    "never-wins": ("warning", "A rule that never decides: an earlier rule matches all it matches."),
    "unused-condition": ("warning", "A named condition no rule or invariant uses."),
    "unproduced-category": ("warning", "A declared category no rule produces."),
    "broad-matcher": ("warning", "A matcher that matches (nearly) every failure."),
    "regex-backtracking": ("warning", "A regex with nested quantifiers (slow backtracking)."),
    "unknown-disable": ("error", "A `disable` entry naming no base rule."),
    "invariant-violated": ("error", "A test case or corpus record breaks a declared invariant."),
    "ungated-rule": ("info", "A rule of a large set with nothing to skip it by: tried every time."),
    "weak-gate": ("info", "A rule gated only on short or common words: tried on most errors."),
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One lint finding: where, what, and how to fix it."""

    code: str
    severity: str
    file: str
    line: int
    column: int
    message: str
    hint: str = ""
    #: The rules the finding is about (for ``--exclude`` and ``lint: {ignore}``).
    rules: tuple[str, ...] = ()
    #: The rule that causes it (decided the case, shadows the rule), when another one.
    cause: str | None = None
    #: Other places it refers to (the shipped cases a user's rule decides; SARIF
    #: ``relatedLocations``).
    related: tuple[Related, ...] = ()

    def __str__(self) -> str:
        hint = f" (hint: {self.hint})" if self.hint else ""
        related = "".join(f"\n  related: {place}" for place in self.related)
        return (
            f"{self.file}:{self.line}:{self.column}: {self.severity}[{self.code}]: "
            f"{self.message}{hint}{related}"
        )

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Order by place, then code and message."""
        return (self.file, self.line, self.column, self.code, self.message)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
            "rules": list(self.rules),
            "related": [
                {"file": r.file, "line": r.line, "column": r.column, "message": r.message}
                for r in self.related
            ],
        }

    def at_least(self, level: str) -> bool:
        """Whether this finding is at least as severe as ``level``."""
        return _RANK[self.severity] <= _RANK[level]


@dataclass(frozen=True, slots=True)
class LintOptions:
    """Severity overrides (``off`` drops a code), excluded rule ids, corpus failures."""

    severities: Mapping[str, str] = field(default_factory=dict)
    exclude: frozenset[str] = frozenset()
    corpus: tuple[tuple[str, int, Failure], ...] = ()
    #: Report findings only about shipped files (``builtin:``) of a user's rule set too.
    include_builtins: bool = False


# ── helpers ─────────────────────────────────────────────────────────────────────────────


def _all_shipped(ruleset: RuleSet) -> bool:
    """Whether the linted file is itself shipped (every finding is then its author's)."""
    return not ruleset.files or is_shipped(ruleset.files[-1])


def _probe(failure: Failure) -> Probe:
    text = failure.text
    return Probe(failure, text, text.lower(), None)


def _raw(file: str, memo: LoadMemo) -> tuple[Any, SourceMap, DocumentKey] | None:
    """A loaded file's YAML data and source map, by the loader's name of it (parsed once per
    call: the loader's parse of the same bytes when it made one)."""
    if file.startswith(BUILTIN_PREFIX):
        path = rules_dir() / f"{file[len(BUILTIN_PREFIX) :]}.yaml"
    else:
        path = FsPath(file)
    try:
        raw = registered_text(file) or path.read_bytes()
        key = document_key(path.resolve(), file, raw)
    except OSError:
        return None
    if key not in memo.parsed:
        text, problems = decode(file, raw)
        document = None
        if text is not None:
            document, parsed = parse_yaml(file, text)
            problems += parsed
        memo.parsed[key] = (document, tuple(problems))
    document = memo.parsed[key][0]
    if document is None:
        return None
    return document.data, document.source, key


def _rules_of(data: Any) -> list[tuple[int, dict[str, Any]]]:
    rules = data.get("rules") if isinstance(data, dict) else None
    return [
        (index, rule)
        for index, rule in enumerate(rules if isinstance(rules, list) else [])
        if isinstance(rule, dict) and isinstance(rule.get("id"), str)
    ]


def _bases(data: Any, path: FsPath, memo: LoadMemo) -> list[RuleSet]:
    """The rule sets this file ``extends`` (those that load)."""
    extends = data.get("extends", []) if isinstance(data, dict) else []
    result: list[RuleSet] = []
    for reference in [extends] if isinstance(extends, str) else extends or []:
        if not isinstance(reference, str):
            continue
        target, _ = resolve_source(reference, path.parent)
        if target is None or not (
            reference.startswith(BUILTIN_PREFIX) or extends_permitted(target, path.parent)
        ):
            continue  # loading reports it (extends-missing, extends-outside)
        try:
            builtin = reference.startswith(BUILTIN_PREFIX)
            result.append(load_rules_within(reference if builtin else os.fspath(target), memo))
        except (RuleSetError, RuleSourceError):
            continue
    return result


def _matchers(data: Any, path: Path, in_all: bool = False) -> Iterator[tuple[Path, str, Any, bool]]:
    """Every leaf matcher below ``data``: (path of its key, key, value, under an ``all``)."""
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        here = (*path, key)
        if key in ("all", "any") and isinstance(value, list):
            for index, child in enumerate(value):
                yield from _matchers(child, (*here, index), in_all or key == "all")
        elif key == "not":
            yield from _matchers(value, here, True)
        elif key != "case":
            yield here, key, value, in_all


_SHORT_WORD = re.compile(r"[A-Za-z]{1,4}")
#: A ``near`` term (a word prefix) shorter than this starts too many words.
NEAR_MIN_TERM = 3
#: ``near`` words further apart than this are hardly "near".
NEAR_BROAD_WITHIN = 8
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")


def _nested_quantifier(pattern: str) -> bool:
    """Whether a repeated group itself contains an unbounded repeat (``(a+)+``, ``(.*)*``)."""
    try:
        parsed = parse_pattern(pattern)
    except Exception:  # noqa: BLE001 — a syntax `re` does not know: no opinion
        return False

    def walk(items: Any, inside: bool) -> bool:
        for op, arg in items:
            name = str(op)
            if name in _REPEATS:
                _low, high, sub = arg
                unbounded = high > 1
                if inside and unbounded:
                    return True
                if walk(sub, inside or unbounded):
                    return True
            elif name == "SUBPATTERN":
                if walk(arg[-1], inside):
                    return True
            elif name == "BRANCH":
                if any(walk(branch, inside) for branch in arg[1]):
                    return True
            elif name in ("ASSERT", "ASSERT_NOT") and walk(arg[1], inside):
                return True
        return False

    return walk(parsed, False)


def _backtracking(pattern: str, sensitive: bool) -> str | None:
    """Why ``pattern`` may backtrack catastrophically, or None."""
    if _nested_quantifier(pattern):
        return "nests a quantifier inside a repeated group"
    return backtracking_risk(pattern, ignore_case=not sensitive)


# Asked for each regex of each file a lint reads (and again for the files it extends): the
# ``regex`` module remembers only 500 compiled patterns, far fewer than builtin:default has.
@functools.lru_cache(maxsize=8192)
def _broad_regex(pattern: str, sensitive: bool) -> bool:
    if pattern.strip() in (".*", ".+", "^.*", "^.+", ".*$", ".+$", "(.*)", "(.+)"):
        return True
    try:
        compiled = compiled_once(pattern, 0 if sensitive else regex.IGNORECASE)
        return compiled.search("", timeout=0.1) is not None
    except Exception:  # noqa: BLE001 — the loader reports bad regexes
        return False


#: A finding of a file's matchers as written: (code, where, message, hint, rules).
_Noted = tuple[str, tuple[str, int, int], str, str, tuple[str, ...]]


# ── checks ──────────────────────────────────────────────────────────────────────────────


class _Linter:
    def __init__(
        self, ruleset: RuleSet, path: FsPath, options: LintOptions, memo: LoadMemo
    ) -> None:
        self.ruleset = ruleset
        self.path = path
        self.options = options
        self.memo = memo
        self.found: list[Finding] = []
        self._noted: list[_Noted] = []
        self.ignore = {rule.id: set(rule.lint_ignore) for rule in ruleset.rules}

    def add(
        self,
        code: str,
        where: tuple[str, int, int],
        message: str,
        hint: str,
        rules: Iterable[str] = (),
        *,
        cause: str | None = None,
    ) -> None:
        subjects = tuple(rules)
        if subjects and all(code in self.ignore.get(rule, ()) for rule in subjects):
            return
        if subjects and all(rule in self.options.exclude for rule in subjects):
            return
        severity = self.options.severities.get(code, CODES[code][0])
        if severity == "off":
            return
        self.found.append(Finding(code, severity, *where, message, hint, subjects, cause))

    def run(self) -> list[Finding]:
        self.never_wins()
        self.structure()
        self.raw_matchers()
        self.invariants()
        self.ungated()
        self.weak()
        return self.found

    def weak(self) -> None:
        """Rules whose gates are short or common words, or hold on much of the corpus."""
        by_id = {rule.id: rule for rule in self.ruleset.rules}
        failures = [failure for _file, _line, failure in self.options.corpus]
        for rule_id, literals, share in weak_gates(self.ruleset, failures):
            rule = by_id[rule_id]
            shown = ", ".join(repr(literal) for literal in literals[:8])
            tried = (
                f"is tried on {share:.0%} of errors ({len(failures)} corpus records), "
                f"matching none of over {WEAK_SHARE:.0%} of them"
                if share is not None
                else "is likely tried on most errors"
            )
            self.add(
                "weak-gate",
                (rule.file, rule.line, rule.column),
                f"rule {rule_id!r} {tried}: it is gated only on {shown}"
                + ("" if len(literals) <= 8 else f" and {len(literals) - 8} more")
                + (
                    f" (each shorter than {WEAK_LITERAL} characters or a common word)"
                    if share is None
                    else ""
                ),
                "add a `contains` of a rarer word every match holds beside it under `all:`, "
                "or give its regex a longer literal (a whole word, with \\b on both sides, "
                "is judged as a word: 'stream' no longer holds inside 'upstream')",
                (rule_id,),
            )

    def ungated(self) -> None:
        """Rules tried on every error, with their cost (authoring/gating.py)."""
        by_id = {rule.id: rule for rule in self.ruleset.rules}
        for rule_id, cost in ungated_costs(self.ruleset):
            rule = by_id[rule_id]
            self.add(
                "ungated-rule",
                (rule.file, rule.line, rule.column),
                f"rule {rule_id!r} is tried on every error (about {cost:.1f} us per call): "
                "it has no literal, status, provider, model or exception to be skipped by",
                "add a `contains` or `status` beside it under `all:`, or give its regex a literal",
                (rule_id,),
            )

    # never-wins ----------------------------------------------------------------------

    def never_wins(self) -> None:
        compiled = self.ruleset.classifier.rules
        decide = self.ruleset.classifier.decide
        by_id = {rule.id: rule for rule in self.ruleset.rules}
        reach = [Candidates(entry.node) for entry in compiled]
        # A user's file extending builtin:default: a finding on a shipped rule reaches the
        # user only when a rule of theirs caused it (locate() drops the others), the first
        # earlier rule that subsumes it or the decider of its first test case. When no rule
        # of theirs subsumes a shipped rule or matches that case, both causes are shipped:
        # the rule is skipped. Every lint of a one-rule file extending builtin:default
        # decided its ~3,700 positive cases and searched 240,000 rule pairs for subsumers.
        users_only = not self.options.include_builtins and not _all_shipped(self.ruleset)
        users = [
            (index, entry.node)
            for index, entry in enumerate(compiled)
            if not is_shipped(by_id[entry.id].file)
        ]
        for index, entry in enumerate(compiled):
            rule = by_id[entry.id]
            where = (rule.file, rule.line, rule.column)
            positive = [
                case
                for case in rule.tests
                if not case.no_match and case.expectations.get("rule", rule.id) == rule.id
            ]
            if users_only and is_shipped(rule.file):
                first_case = _probe(positive[0].failure()) if positive else None
                if not any(
                    (
                        before < index
                        and reach[before].may_subsume(reach[index])
                        and subsumes(node, entry.node)
                    )
                    or (first_case is not None and node.match(first_case))
                    for before, node in users
                ):
                    continue  # every finding it could have is a shipped rule's: dropped
            # the first earlier rule that subsumes it, of those that can (Candidates)
            earlier = next(
                (
                    other
                    for other, can in zip(compiled[:index], reach[:index], strict=True)
                    if can.may_subsume(reach[index]) and subsumes(other.node, entry.node)
                ),
                None,
            )
            if earlier is not None:
                first = by_id[earlier.id]
                self.add(
                    "never-wins",
                    where,
                    f"rule {rule.id!r} never decides: earlier rule {first.id!r} "
                    f"({first.file}:{first.line}) matches every failure it matches",
                    f"move it above {first.id!r}, narrow {first.id!r}, or remove it",
                    (rule.id,),
                    cause=first.id,
                )
                continue
            deciders = [decide(case.failure()).rule_id for case in positive]
            if positive and rule.id not in deciders:
                self.add(
                    "never-wins",
                    where,
                    f"rule {rule.id!r} decides none of its {len(positive)} test case(s)",
                    "an earlier rule decides them; reorder the rules or fix the `when`",
                    (rule.id,),
                    cause=deciders[0],
                )

    # file structure: overrides, disables, conditions, categories ----------------------

    def structure(self) -> None:
        raw = _raw(self.ruleset.file, self.memo)
        if raw is None:
            return
        data, source, _ = raw
        bases = _bases(data, self.path, self.memo)
        base_rules = {rule.id: rule for base in bases for rule in base.rules}
        for index, rule in _rules_of(data):
            base = base_rules.get(rule["id"])
            base_raw = _raw(base.file, self.memo) if base is not None else None
            if base is None or base_raw is None:
                continue
            for _, other in _rules_of(base_raw[0]):
                same = ("when", "then")
                if other["id"] == rule["id"] and all(other.get(k) == rule.get(k) for k in same):
                    line, column = source.value(("rules", index, "when"))
                    self.add(
                        "noop-override",
                        (source.file, line, column),
                        f"rule {rule['id']!r} overrides {base.file}:{base.line} "
                        "with the same `when` and `then`: it changes nothing",
                        "remove the override, or change its `when` or `then`",
                        (rule["id"],),
                    )
                    break
        disable = data.get("disable") if isinstance(data, dict) else None
        for index, name in enumerate(disable if isinstance(disable, list) else []):
            if isinstance(name, str) and name not in base_rules:
                line, column = source.value(("disable", index))
                self.add(
                    "unknown-disable",
                    (source.file, line, column),
                    f"disable names {name!r}, which no base rule set has",
                    "check the id against the base files (`reliable-rules test` lists them)",
                )
        self.unused_and_unproduced()

    def _declared(self, key: str, name: str) -> tuple[str, int, int] | None:
        """Where the top-most file declares ``key.name`` (conditions, categories)."""
        for file in reversed(self.ruleset.files):
            raw = _raw(file, self.memo)
            section = raw[0].get(key) if raw is not None and isinstance(raw[0], dict) else None
            if raw is not None and isinstance(section, dict) and name in section:
                line, column = raw[1].key((key, name))
                return raw[1].file, line, column
        return None

    def unused_and_unproduced(self) -> None:
        # A file with no rules of its own is a vocabulary for other files: nothing to report.
        top = self.ruleset.files[-1] if self.ruleset.files and self.ruleset.rules else None
        for name in self.ruleset.unused_conditions:
            where = self._declared("conditions", name)
            # Only the linted file's own conditions: a base's condition may be used by rules
            # this file disabled, and a vocabulary file (conditions, no rules) is extended by
            # several files that each use part of it; neither is this file's to remove.
            if (
                where is not None
                and top is not None
                and _declares(top, "conditions", name, self.memo)
            ):
                self.add(
                    "unused-condition",
                    where,
                    f"condition {name!r} is used by no rule or invariant",
                    "use it in a rule's `when` or remove it",
                )
        produced = {rule.category for rule in self.ruleset.rules}
        for name in self.ruleset.categories:
            if name in produced or name == UNKNOWN:
                continue
            where = self._declared("categories", name)
            # Only the linted file's own categories (see the conditions above).
            own = top is not None and _declares(top, "categories", name, self.memo)
            if where is not None and own and name not in DEFAULT_CATEGORIES:
                self.add(
                    "unproduced-category",
                    where,
                    f"category {name!r} is declared but no rule produces it",
                    "add a rule with `then: {category: " + name + "}` or remove the category",
                )

    # matchers as written --------------------------------------------------------------

    def raw_matchers(self) -> None:
        for file in self.ruleset.files:
            raw = _raw(file, self.memo)
            if raw is None or not isinstance(raw[0], dict):
                continue
            # What a file's matchers as written give depends on its bytes alone: once per call
            # (a base is checked with each file that extends it)
            key = ("lint.raw_matchers", raw[2])
            noted = self.memo.derived.get(key)
            if noted is None:
                noted = self.memo.derived[key] = self._noted_matchers(raw[0], raw[1])
            for code, where, message, hint, rules in noted:
                self.add(code, where, message, hint, rules)

    def _noted_matchers(self, data: dict[str, Any], source: SourceMap) -> list[_Noted]:
        """The findings of a file's matchers as written, before this lint's filters."""
        self._noted = []
        conditions = data.get("conditions")
        for name, spec in (conditions if isinstance(conditions, dict) else {}).items():
            self._check_matchers(spec, ("conditions", name), source, ())
        for index, rule in _rules_of(data):
            self._check_matchers(rule.get("when"), ("rules", index, "when"), source, (rule["id"],))
        return self._noted

    def _check_matchers(
        self, data: Any, path: Path, source: SourceMap, rules: tuple[str, ...]
    ) -> None:
        for here, key, value, in_all in _matchers(data, path):
            case = self._case(data, path, here[:-1])
            line, column = source.key(here)
            where = (source.file, line, column)
            if key == "contains" and not in_all:
                needles = [value] if isinstance(value, str) else value
                for needle in needles if isinstance(needles, list) else []:
                    if isinstance(needle, str) and _SHORT_WORD.fullmatch(needle.strip()):
                        self._noted.append((
                            "broad-matcher",
                            where,
                            f"`contains: {needle}` matches any text with that short word "
                            "(or word part) in it",
                            "use a longer phrase, or combine it with `all: [...]`",
                            rules,
                        ))
            if key == "near":
                self._check_near(value, where, rules)
            if key == "regex" and isinstance(value, str):
                if _broad_regex(value, case == "sensitive"):
                    self._noted.append((
                        "broad-matcher",
                        where,
                        f"regex {value!r} matches every text (it matches the empty string)",
                        "anchor it on the words it is about",
                        rules,
                    ))
                elif risk := _backtracking(value, case == "sensitive"):
                    self._noted.append((
                        "regex-backtracking",
                        where,
                        f"rule {', '.join(rules) or '?'}: regex {value!r} {risk}",
                        "rewrite without a repeat inside a repeat (`(a+)+` -> `a+`) and with "
                        "alternatives that cannot start alike (`(a|ab)+` -> `(ab?)+`)",
                        rules,
                    ))

    def _check_near(self, value: Any, where: tuple[str, int, int], rules: tuple[str, ...]) -> None:
        spec = {"words": value} if isinstance(value, list) else value
        if not isinstance(spec, dict):
            return
        terms = spec.get("words")
        for term in terms if isinstance(terms, list) else []:
            for word in [term] if isinstance(term, str) else term if isinstance(term, list) else []:
                if isinstance(word, str) and len(word) < NEAR_MIN_TERM:
                    self._noted.append((
                        "broad-matcher",
                        where,
                        f"`near` term {word!r} is shorter than {NEAR_MIN_TERM} characters: "
                        "as a word prefix it starts a great many words",
                        "use a longer stem",
                        rules,
                    ))
        within = spec.get("within")
        if isinstance(within, int) and not isinstance(within, bool) and within > NEAR_BROAD_WITHIN:
            self._noted.append((
                "broad-matcher",
                where,
                f"`near` within {within}: words more than {NEAR_BROAD_WITHIN} apart are "
                "hardly related",
                f"use within {NEAR_BROAD_WITHIN} or less",
                rules,
            ))

    @staticmethod
    def _case(data: Any, path: Path, parent: Path) -> Any:
        node = data
        for step in parent[len(path) :]:
            try:
                node = node[step]
            except (KeyError, IndexError, TypeError):
                return None
        return node.get("case") if isinstance(node, dict) else None

    # invariants -----------------------------------------------------------------------

    def invariants(self) -> None:
        ruleset = self.ruleset
        for invariant in ruleset.invariants:
            if invariant.kind == "rate_limited_categories_have_retry_after":
                self._retry_after(invariant)
        checked = [inv for inv in ruleset.invariants if inv.when is not None]
        if not checked:
            return
        cases: list[tuple[tuple[str, int, int], Failure, tuple[str, ...]]] = [
            ((case.file, case.line, case.column), case.failure(), (rule.id,))
            for rule in ruleset.rules
            for case in rule.tests
        ]
        cases += [((file, line, 1), failure, ()) for file, line, failure in self.options.corpus]
        for where, failure, rules in cases:
            probe = _probe(failure)
            for invariant in checked:
                if invariant.when is None or not unwrap(invariant.when).match(probe):
                    continue
                decision = ruleset.classifier.decide(failure)
                broken = _worded(broken_expectations(invariant.expect, decision.as_dict()))
                if broken:
                    self.add(
                        "invariant-violated",
                        where,
                        f"invariant {invariant.id!r} violated: {'; '.join(broken)}"
                        + (f" (decided by {decision.rule_id})" if decision.rule_id else ""),
                        invariant.description or f"see {invariant.file}:{invariant.line}",
                        rules,
                        cause=decision.rule_id,
                    )

    def _retry_after(self, invariant: Invariant) -> None:
        if self.ruleset.classifier.extractors:
            return
        limited = sorted(
            {
                rule.category
                for rule in self.ruleset.rules
                if self.ruleset.categories[rule.category].rate_limited
            }
        )
        if limited:
            self.add(
                "invariant-violated",
                (invariant.file, invariant.line, invariant.column),
                f"invariant {invariant.id!r} violated: rate-limited categories "
                f"{', '.join(limited)} are produced but no `retry_after` source is in effect",
                "add a `retry_after:` list (e.g. `- {header: retry-after}`)",
            )




def _worded(broken: list[tuple[str, Any, Any]]) -> list[str]:
    """An invariant's broken expectations (``broken_expectations``) as the finding says them."""
    return [
        f"{key[len('not_'):]} must not be {got!r}"
        if key.startswith("not_")
        else f"{key}: expected {json.dumps(wanted)}, got {json.dumps(got)}"
        for key, wanted, got in broken
    ]


# ── entry points ────────────────────────────────────────────────────────────────────────


def _problem_finding(problem: Problem, options: LintOptions) -> Finding | None:
    severity = options.severities.get(problem.code, "error")
    if severity == "off":
        return None
    hint = "fix the rule file; `reliable-rules validate` explains load problems"
    return Finding(
        problem.code, severity, problem.file, problem.line, problem.column, problem.message, hint
    )


def _declares(file: str, section: str, name: str, memo: LoadMemo) -> bool:
    """Whether the rule file ``file`` (as named in a ruleset) itself declares ``name`` in its
    ``section`` (``conditions`` or ``categories``)."""
    raw = _raw(file, memo)
    data = raw[0] if raw is not None else None
    declared = data.get(section) if isinstance(data, dict) else None
    return isinstance(declared, dict) and name in declared


def lint_file(path: str | os.PathLike[str], options: LintOptions | None = None) -> list[Finding]:
    """Lint one rule file (a path or ``builtin:NAME``); findings sorted by place.

    Raises:
        RuleSourceError: ``path`` names no readable rule file.
    """
    return _lint_file(os.fspath(path), options or LintOptions(), LoadMemo())


def _lint_file(reference: str, options: LintOptions, memo: LoadMemo) -> list[Finding]:
    """:func:`lint_file`, with the loads of the call ``memo`` belongs to."""
    try:
        ruleset = load_rules_within(reference, memo)
    except RuleSourceError:
        raise
    except RuleSetError as error:
        found = [_problem_finding(problem, options) for problem in error.problems]
        return sorted((f for f in found if f is not None), key=Finding.sort_key)
    target, _ = resolve_source(reference, None)
    linter = _Linter(ruleset, target or FsPath(reference), options, memo)
    located = locate(set(linter.run()), ruleset, include_builtins=options.include_builtins)
    return sorted(located, key=Finding.sort_key)


def corpus_failures(
    name: str, lines: Iterable[str]
) -> tuple[list[tuple[str, int, Failure]], list[str]]:
    """Failures of a ``classify --corpus`` JSONL file, and ``FILE:N: error`` lines for bad ones."""
    failures: list[tuple[str, int, Failure]] = []
    errors: list[str] = []
    for number, failure in iter_records(enumerate(lines, 1), record_failure):
        if isinstance(failure, BadRecord):
            errors.append(f"{name}:{number}: {failure}")
        else:
            failures.append((name, number, failure))
    return failures, errors


def parse_severity(value: str) -> tuple[str, str]:
    """``CODE=LEVEL`` of ``--severity`` (ValueError when malformed)."""
    code, sep, level = value.partition("=")
    if not sep or level not in (*SEVERITIES, "off") or not code:
        raise ValueError(f"expected CODE=error|warning|info|off, got {value!r}")
    return code.strip(), level


def lint_paths(
    files: Iterable[str], options: LintOptions, memo: LoadMemo | None = None
) -> tuple[list[Finding], list[str]]:
    """Lint every file; findings deduplicated (a base's findings once) and the input errors.
    ``memo``: the loads of a caller that lints its files one call at a time (validate
    --strict), so a base is parsed and built once across the calls too."""
    findings: dict[Finding, None] = {}
    errors: list[str] = []
    # One memo for the call: a base file many of the files extend is parsed and built once
    memo = LoadMemo() if memo is None else memo
    for file in files:
        try:
            found = _lint_file(os.fspath(file), options, memo)
        except RuleSourceError as error:
            errors.extend(problem.message for problem in error.problems)
            continue
        findings.update(dict.fromkeys(found))
    return sorted(findings, key=Finding.sort_key), errors
