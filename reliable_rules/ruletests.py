"""Run the embedded ``tests:`` of rule files and measure which rules they cover.

This is the library behind ``reliable-rules test``; it prints nothing. Each rule file is
loaded with :func:`~reliable_rules.load_rules` (so its ``extends`` chain is applied) and the
test cases written *in that file* run against that file's own effective rule set. A case
passes when the decided category equals its ``expect`` (by default the category of the rule
that holds the case) and every expectation it states holds:

============== ===================================================================
key            compared with
============== ===================================================================
reason         ``decision.reason``
retryable      ``decision.retryable``
rate_limited   ``decision.rate_limited``
action         ``decision.action.value``
retry_after_ms ``decision.retry_after_ms`` (``null`` means none was extracted)
rule           ``decision.rule_id`` (``null`` means no rule matched)
============== ===================================================================

Coverage counts only the file's own rules (rules whose ``file`` is this file; a rule that
overrides a base rule by id is the overriding file's). A rule is covered when at least one
case of the file is decided by it. Rules inherited from a base are covered by testing the
base file.

    from reliable_rules.ruletests import run_file
    report = run_file("rules/default.yaml")
    report.ok, report.passed, report.total, report.uncovered
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._resources import rules_dir
from .decision import Decision
from .errors import Problem, RuleSetError
from .ruleset import BUILTIN_PREFIX, Rule, RuleSet, RuleTest, load_rules

__all__ = [
    "EXPECTATION_KEYS",
    "RULE_FILE_SUFFIXES",
    "SIDE_TEST_SUFFIXES",
    "CaseResult",
    "Difference",
    "FileReport",
    "check_case",
    "expand_paths",
    "own_file",
    "run_file",
    "run_ruleset",
    "same_file_key",
    "show_value",
    "summarize",
]

#: Files a directory argument contributes (searched recursively).
RULE_FILE_SUFFIXES = (".yaml", ".yml")
#: Side-by-side test files, skipped when a directory is expanded.
SIDE_TEST_SUFFIXES = (".test.yaml", ".test.yml")
#: Expectation keys a case may state besides ``expect`` (the category).
EXPECTATION_KEYS = ("reason", "retryable", "rate_limited", "action", "retry_after_ms", "rule")


@dataclass(frozen=True, slots=True)
class Difference:
    """One expectation of a case that the decision did not meet."""

    key: str
    expected: Any
    actual: Any

    def __str__(self) -> str:
        return f"{self.key}: expected {show_value(self.expected)}, got {show_value(self.actual)}"


@dataclass(frozen=True, slots=True)
class CaseResult:
    """The outcome of one embedded test case."""

    case: RuleTest
    decision: Decision
    expected_category: str
    differences: tuple[Difference, ...]

    @property
    def passed(self) -> bool:
        """Whether the decision met every expectation of the case."""
        return not self.differences

    @property
    def summary(self) -> str:
        """What differed, e.g. ``category: expected rate_limited, got unknown``."""
        return "; ".join(str(difference) for difference in self.differences) or "passed"


@dataclass(frozen=True, slots=True)
class FileReport:
    """The test results and rule coverage of one rule file.

    ``path`` is the file as it was named (``rules/x.yaml``, ``builtin:seed``); ``file`` is the
    name the loader uses for it in problems, rules and test cases. When the file cannot be
    loaded, ``ruleset`` is None, ``problems`` says why and there are no cases.
    """

    path: str
    file: str
    ruleset: RuleSet | None
    problems: tuple[Problem, ...]
    cases: tuple[CaseResult, ...]
    rules: tuple[str, ...]
    covered: tuple[str, ...]

    @property
    def loaded(self) -> bool:
        """Whether the file (and its ``extends`` chain) loaded without problems."""
        return self.ruleset is not None

    @property
    def total(self) -> int:
        """Number of test cases run."""
        return len(self.cases)

    @property
    def passed(self) -> int:
        """Number of test cases that passed."""
        return sum(1 for result in self.cases if result.passed)

    @property
    def failures(self) -> tuple[CaseResult, ...]:
        """The failing cases, in file order."""
        return tuple(result for result in self.cases if not result.passed)

    @property
    def uncovered(self) -> tuple[str, ...]:
        """Ids of the file's own rules that no case of the file is decided by, in file order."""
        covered = set(self.covered)
        return tuple(rule_id for rule_id in self.rules if rule_id not in covered)

    @property
    def coverage(self) -> float:
        """Covered share of the file's own rules, 0.0 to 1.0 (1.0 when it has none)."""
        return len(self.covered) / len(self.rules) if self.rules else 1.0

    @property
    def ok(self) -> bool:
        """Loaded and every case passed (coverage does not count here)."""
        return self.loaded and not self.failures


def show_value(value: object) -> str:
    """A value as YAML/JSON would spell it: ``null``, ``true``, plain strings and numbers."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if value else "''"
    return str(value)


def _actual(decision: Decision, key: str) -> Any:
    if key == "reason":
        return decision.reason
    if key == "retryable":
        return decision.retryable
    if key == "rate_limited":
        return decision.rate_limited
    if key == "action":
        return decision.action.value
    if key == "retry_after_ms":
        return decision.retry_after_ms
    if key == "rule":
        return decision.rule_id
    return _UNSUPPORTED


class _Unsupported:
    def __repr__(self) -> str:
        return "<unsupported expectation>"

    def __str__(self) -> str:
        return "<unsupported expectation>"


_UNSUPPORTED = _Unsupported()


def _matches(key: str, expected: Any, actual: Any) -> bool:
    if actual is _UNSUPPORTED:
        return False
    if key in ("retryable", "rate_limited"):
        return isinstance(expected, bool) and expected is actual
    if key == "action":
        return expected is not None and str(getattr(expected, "value", expected)) == actual
    if key == "retry_after_ms":
        if expected is None or actual is None:
            return expected is actual
        return not isinstance(expected, bool) and expected == actual
    return bool(expected == actual)


def check_case(
    ruleset: RuleSet, case: RuleTest, *, default_category: str | None = None
) -> CaseResult:
    """Classify one case with ``ruleset`` and compare the decision with its expectations.

    Args:
        ruleset: the rule set to classify with.
        case: the test case.
        default_category: the category expected when the case has no ``expect``; by default
            the category of the case's own rule in ``ruleset`` (``unknown`` if it has none).
    """
    if case.expect is not None:
        expected_category = case.expect
    elif default_category is not None:
        expected_category = default_category
    else:
        try:
            expected_category = ruleset.rule(case.rule_id).category
        except KeyError:
            expected_category = "unknown"
    decision = ruleset.classify(case.failure())
    differences: list[Difference] = []
    if decision.category != expected_category:
        differences.append(Difference("category", expected_category, decision.category))
    ordered = [key for key in EXPECTATION_KEYS if key in case.expectations]
    ordered += sorted(key for key in case.expectations if key not in EXPECTATION_KEYS)
    for key in ordered:
        expected = case.expectations[key]
        actual = _actual(decision, key)
        if not _matches(key, expected, actual):
            differences.append(Difference(key, expected, actual))
    return CaseResult(case, decision, expected_category, tuple(differences))


def own_file(path: str | os.PathLike[str]) -> str:
    """The name a file has in problems when it cannot be loaded (the reference as given)."""
    return os.fspath(path)


def run_ruleset(ruleset: RuleSet, *, path: str, file: str | None = None) -> FileReport:
    """Run the embedded tests that ``file`` holds against ``ruleset`` and measure coverage.

    Args:
        ruleset: the loaded rule set of the file (``load_rules(path)``).
        path: the file as the caller named it (kept for reports).
        file: the loader's name of the file; by default ``ruleset.file``.
    """
    shown = file if file is not None else ruleset.file
    own: list[Rule] = [rule for rule in ruleset.rules if rule.file == shown]
    own.sort(key=lambda rule: (rule.line, rule.column))
    cases = sorted(
        (case for rule in own for case in rule.tests),
        key=lambda case: (case.line, case.column),
    )
    categories = {rule.id: rule.category for rule in own}
    results = tuple(
        check_case(ruleset, case, default_category=categories.get(case.rule_id)) for case in cases
    )
    deciders = {result.decision.rule_id for result in results}
    covered = tuple(rule.id for rule in own if rule.id in deciders)
    return FileReport(
        path=path,
        file=shown,
        ruleset=ruleset,
        problems=(),
        cases=results,
        rules=tuple(rule.id for rule in own),
        covered=covered,
    )


def run_file(path: str) -> FileReport:
    """Load ``path`` (a rule file or ``builtin:NAME``) and run its embedded tests.

    Never raises for a bad rule file: problems (including a missing file) are returned in
    :attr:`FileReport.problems` with ``ruleset`` None.
    """
    shown = own_file(path)
    try:
        ruleset = load_rules(path)
    except RuleSetError as error:
        return FileReport(path, shown, None, error.problems, (), (), ())
    return run_ruleset(ruleset, path=path)


def same_file_key(path: str) -> str:
    """A key equal for two names of the same file (``builtin:seed`` and ``rules/seed.yaml``)."""
    if path.startswith(BUILTIN_PREFIX):
        candidate = rules_dir() / f"{path[len(BUILTIN_PREFIX) :]}.yaml"
        return os.path.normcase(str(candidate.resolve())) if candidate.is_file() else path
    try:
        return os.path.normcase(str(Path(path).expanduser().resolve()))
    except (OSError, RuntimeError):
        return path


def _is_rule_file(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(RULE_FILE_SUFFIXES) and not name.endswith(SIDE_TEST_SUFFIXES)


def expand_paths(paths: Iterable[str]) -> tuple[list[str], list[str]]:
    """Expand directories into their rule files; return ``(files, empty_directories)``.

    A directory contributes every ``*.yaml``/``*.yml`` below it (recursively, sorted),
    except side-by-side test files (``*.test.yaml``/``*.test.yml``). Files, ``builtin:NAME``
    and paths that do not exist are kept as given (loading reports the missing ones). A file
    named twice, under any name, is kept once, at its first place.
    """
    files: list[str] = []
    empty: list[str] = []
    seen: set[str] = set()

    def add(name: str) -> None:
        key = same_file_key(name)
        if key not in seen:
            seen.add(key)
            files.append(name)

    for path in paths:
        if not path.startswith(BUILTIN_PREFIX) and Path(path).expanduser().is_dir():
            found = sorted(
                (
                    item
                    for item in Path(path).expanduser().rglob("*")
                    if item.is_file() and _is_rule_file(item)
                ),
                key=lambda item: item.as_posix(),
            )
            if not found:
                empty.append(path)
            for item in found:
                add(item.as_posix())
        else:
            add(path)
    return files, empty


def summarize(reports: Sequence[FileReport]) -> tuple[int, int, int]:
    """``(passed, failed, unloadable)`` over several reports."""
    passed = sum(report.passed for report in reports)
    failed = sum(len(report.failures) for report in reports)
    unloadable = sum(1 for report in reports if not report.loaded)
    return passed, failed, unloadable
