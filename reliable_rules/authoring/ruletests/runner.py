"""Run the tests of rule files and measure which rules they cover.

This is the library behind ``reliable-rules test``; it prints nothing. Each rule file is
loaded with :func:`~reliable_rules.load_rules` (so its ``extends`` chain is applied) and the
test cases written *in that file* run against that file's own effective rule set, followed
by the cases of its side-by-side test files (``x.test.yaml`` next to ``x.yaml``, see
:mod:`reliable_rules.authoring.ruletests.files`) and, with :func:`run_tests`, JSONL corpora (see
:mod:`reliable_rules.authoring.corpus`). A case passes when the decided category equals its
``expect`` (by default the category of the rule that holds the case; for a side-by-side case,
of the rule it names; ``unknown`` with ``no_match: true``; when the case's own rule decided
a retryable rate limit that ``policy.max_wait_ms`` turned into ``quota_exhausted``, that
counts as the rule's category) and every expectation it states holds:

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

``no_match: true`` adds ``rule: null`` (no rule may decide). A ``todo: true`` case is run and
reported (``todo`` while it fails, ``todo passed`` once it passes) but never fails.

Coverage counts only the file's own rules (rules whose ``file`` is this file; a rule that
overrides a base rule by id is the overriding file's). A rule is covered when it decides at
least one case of the file (embedded or side-by-side) other than a failing ``todo`` case, or
one matching corpus record classified with the file. (A failing non-``todo`` case still
covers the rule that decided it: the run fails on it anyway.) Rules inherited from a base are
covered by testing the base file.

    from reliable_rules.authoring.ruletests.runner import run_file
    report = run_file("rules/default.yaml")
    report.ok, report.passed, report.total, report.uncovered
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reliable_rules.authoring.corpus import CorpusReport, run_corpus
from reliable_rules.authoring.ruletests.files import (
    RULE_FILE_SUFFIXES,
    SIDE_TEST_SUFFIXES,
    RuleTestFile,
    bind_cases,
    is_test_file,
    load_test_file,
    sibling_rule_file,
    side_test_files,
)
from reliable_rules.decision import Decision
from reliable_rules.engine.classifier import OVER_WAIT_CATEGORY
from reliable_rules.errors import AmbiguousCorpusRules, Problem, RuleSetError
from reliable_rules.ruleset.loader import (
    BUILTIN_PREFIX,
    load_rules,
    load_rules_within,
    shown_path,
)
from reliable_rules.ruleset.memo import LoadMemo
from reliable_rules.ruleset.model import CASE_FLAGS, Rule, RuleSet, RuleTest
from reliable_rules.ruleset.resources import rules_dir
from reliable_rules.taxonomy import UNKNOWN

__all__ = [
    "EXPECTATION_KEYS",
    "RULE_FILE_SUFFIXES",
    "SIDE_TEST_SUFFIXES",
    "AmbiguousCorpusRules",
    "CaseResult",
    "Difference",
    "FileReport",
    "RunReport",
    "check_case",
    "expand_paths",
    "expand_test_paths",
    "no_rule_files",
    "own_file",
    "run_file",
    "run_ruleset",
    "run_tests",
    "same_file_key",
    "show_value",
    "summarize",
]

#: The rule set a corpus is classified with when no rule file is named at all.
DEFAULT_CORPUS_RULES = "builtin:default"
#: Expectation keys a case may state besides ``expect`` (the category): those a rule's
#: embedded test reads (one list, so the two kinds of test cases cannot drift apart).
EXPECTATION_KEYS = CASE_FLAGS


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
    """The outcome of one test case.

    ``source`` is the side-by-side test file that holds the case (as named or discovered),
    None for a case embedded in the rule file.
    """

    case: RuleTest
    decision: Decision
    expected_category: str
    differences: tuple[Difference, ...]
    source: str | None = None

    @property
    def passed(self) -> bool:
        """Whether the decision met every expectation of the case."""
        return not self.differences

    @property
    def todo(self) -> bool:
        """Whether the case is marked ``todo: true`` (reported, never failing)."""
        return self.case.todo

    @property
    def failed(self) -> bool:
        """Whether the case fails the run: it did not pass and is not ``todo``."""
        return not self.passed and not self.case.todo

    @property
    def status(self) -> str:
        """``passed``, ``failed``, ``todo`` (a todo case that fails) or ``todo passed``."""
        if self.case.todo:
            return "todo passed" if self.passed else "todo"
        return "passed" if self.passed else "failed"

    @property
    def label(self) -> str:
        """``rule ID`` (the rule holding or named by the case), else ``no_match`` or
        ``expect CATEGORY``."""
        if self.case.rule_id:
            return f"rule {self.case.rule_id}"
        if self.case.no_match or self.case.expectations.get("rule", "") is None:
            return "no_match"
        return f"expect {self.expected_category}"

    @property
    def covers(self) -> bool:
        """Whether the case counts for coverage: every case but a failing ``todo`` case."""
        return self.passed or not self.case.todo

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

    ``cases`` holds the embedded cases (in file order) and then the cases of each
    side-by-side test file in ``test_files``; ``test_problems`` are the problems of those test
    files (a case with a problem does not run); ``corpus`` the corpora classified with the
    file.
    """

    path: str
    file: str
    ruleset: RuleSet | None
    problems: tuple[Problem, ...]
    cases: tuple[CaseResult, ...]
    rules: tuple[str, ...]
    covered: tuple[str, ...]
    test_files: tuple[str, ...] = ()
    test_problems: tuple[Problem, ...] = ()
    corpus: tuple[CorpusReport, ...] = ()

    @property
    def loaded(self) -> bool:
        """Whether the file (and its ``extends`` chain) loaded without problems."""
        return self.ruleset is not None

    @property
    def total(self) -> int:
        """Number of test cases run, ``todo`` cases not counted."""
        return sum(1 for result in self.cases if not result.todo)

    @property
    def passed(self) -> int:
        """Number of test cases that passed, ``todo`` cases not counted."""
        return sum(1 for result in self.cases if result.passed and not result.todo)

    @property
    def failures(self) -> tuple[CaseResult, ...]:
        """The failing cases (``todo`` cases never fail), in file order."""
        return tuple(result for result in self.cases if result.failed)

    @property
    def todo(self) -> tuple[CaseResult, ...]:
        """The ``todo`` cases that still fail, in file order."""
        return tuple(result for result in self.cases if result.status == "todo")

    @property
    def todo_passed(self) -> tuple[CaseResult, ...]:
        """The ``todo`` cases that pass (their ``todo: true`` can go), in file order."""
        return tuple(result for result in self.cases if result.status == "todo passed")

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
        """Loaded, no case failed, every test file and corpus loaded and every corpus passed
        its gate (coverage does not count here)."""
        return (
            self.loaded
            and not self.failures
            and not self.test_problems
            and all(report.ok for report in self.corpus)
        )


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


def _over_wait(ruleset: RuleSet, decision: Decision, expected_category: str) -> bool:
    """Whether ``decision`` is ``expected_category`` turned into a quota by policy.max_wait_ms."""
    limit = ruleset.classifier.max_wait_ms
    category = ruleset.categories.get(expected_category)
    return (
        limit is not None
        and category is not None
        and category.rate_limited
        and category.retryable
        and decision.category == OVER_WAIT_CATEGORY
        and decision.retry_after_ms is not None
        and decision.retry_after_ms > limit
    )


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
    elif case.no_match:
        expected_category = UNKNOWN
    elif default_category is not None:
        expected_category = default_category
    else:
        try:
            expected_category = ruleset.rule(case.rule_id).category
        except KeyError:
            expected_category = UNKNOWN
    expectations = dict(case.expectations)
    if case.no_match:
        expectations.setdefault("rule", None)
    decision = ruleset.classify(case.failure())
    if decision.rule_id == case.rule_id and _over_wait(ruleset, decision, expected_category):
        # the case's own rule decided; policy.max_wait_ms turned its rate limit into a quota
        expected_category = decision.category
    differences: list[Difference] = []
    if decision.category != expected_category:
        differences.append(Difference("category", expected_category, decision.category))
    ordered = [key for key in EXPECTATION_KEYS if key in expectations]
    ordered += sorted(key for key in expectations if key not in EXPECTATION_KEYS)
    for key in ordered:
        expected = expectations[key]
        actual = _actual(decision, key)
        if not _matches(key, expected, actual):
            differences.append(Difference(key, expected, actual))
    return CaseResult(case, decision, expected_category, tuple(differences))


def own_file(path: str | os.PathLike[str]) -> str:
    """The name a file has in problems when it cannot be loaded (the reference as given)."""
    return os.fspath(path)


def run_ruleset(
    ruleset: RuleSet,
    *,
    path: str,
    file: str | None = None,
    embedded: bool = True,
    test_files: Sequence[RuleTestFile] = (),
    corpus: Sequence[CorpusReport] = (),
) -> FileReport:
    """Run the tests of ``file`` against ``ruleset`` and measure coverage.

    Args:
        ruleset: the loaded rule set of the file (``load_rules(path)``).
        path: the file as the caller named it (kept for reports).
        file: the loader's name of the file; by default ``ruleset.file``.
        embedded: run the ``tests:`` embedded in the file (False: only ``test_files``).
        test_files: side-by-side test files whose cases run against ``ruleset`` too.
        corpus: corpora already classified with ``ruleset`` (:func:`~..corpus.
            run_corpus`); their matching records count for coverage.
    """
    shown = file if file is not None else ruleset.file
    own: list[Rule] = [rule for rule in ruleset.rules if rule.file == shown]
    own.sort(key=lambda rule: (rule.line, rule.column))
    cases = (
        sorted(
            (case for rule in own for case in rule.tests),
            key=lambda case: (case.line, case.column),
        )
        if embedded
        else []
    )
    categories = {rule.id: rule.category for rule in own}
    results = [
        check_case(ruleset, case, default_category=categories.get(case.rule_id)) for case in cases
    ]
    test_problems: list[Problem] = []
    for test_file in test_files:
        test_problems.extend(test_file.problems)
        bound, problems = bind_cases(test_file, ruleset)
        test_problems.extend(problems)
        results += [
            dataclasses.replace(check_case(ruleset, case), source=test_file.path) for case in bound
        ]
    deciders = {result.decision.rule_id for result in results if result.covers}
    deciders.update(record.rule for report in corpus for record in report.records if record.matched)
    covered = tuple(rule.id for rule in own if rule.id in deciders)
    return FileReport(
        path=path,
        file=shown,
        ruleset=ruleset,
        problems=(),
        cases=tuple(results),
        rules=tuple(rule.id for rule in own),
        covered=covered,
        test_files=tuple(test_file.path for test_file in test_files),
        test_problems=tuple(test_problems),
        corpus=tuple(corpus),
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
    return name.endswith(RULE_FILE_SUFFIXES) and not is_test_file(name)


def no_rule_files(directory: str) -> Problem:
    """The problem of a directory named for testing or validation that holds no rule file."""
    return Problem(
        directory, 1, 1, f"{directory!r} contains no rule files (*.yaml, *.yml)", "no-rule-files"
    )


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


def _builtin_parts(name: str) -> list[str]:
    """The files of the package of shipped set ``name`` (``builtin:default`` → the rule files
    of ``rules/default/``), by path; none for other names."""
    if not name.startswith(BUILTIN_PREFIX):
        return []
    package = rules_dir() / name[len(BUILTIN_PREFIX) :]
    if not package.is_dir():
        return []
    return [
        shown_path(item, "")
        for item in sorted(package.rglob("*"))
        if item.is_file() and _is_rule_file(item)
    ]


def _with_builtin_parts(files: Sequence[str]) -> list[str]:
    """``files`` with each ``builtin:NAME`` followed by the files of its package (the shipped
    directory ``NAME/``), so that their embedded tests run and their rules count for coverage,
    each against its own file as when tested by path."""
    result: list[str] = []
    seen: set[str] = set()
    for name in files:
        for item in (name, *_builtin_parts(name)):
            key = same_file_key(item)
            if key not in seen:
                seen.add(key)
                result.append(item)
    return result


def expand_test_paths(paths: Iterable[str]) -> tuple[list[str], list[str], list[str]]:
    """Split ``paths`` into ``(rule_files, test_files, empty_directories)`` for a test run.

    Rule files are what :func:`expand_paths` yields, without side-by-side test files named
    explicitly: those go to ``test_files``. A directory also contributes the test files below
    it that have no sibling rule file (they name theirs with ``rules:``); the others are found
    through their sibling. A directory holding neither is empty.
    """
    named = list(paths)
    expanded, empty = expand_paths(named)
    rule_files = _with_builtin_parts([path for path in expanded if not is_test_file(path)])
    test_files = [path for path in expanded if is_test_file(path)]
    still_empty: list[str] = []
    for path in named:
        if path.startswith(BUILTIN_PREFIX) or not Path(path).expanduser().is_dir():
            continue
        orphans = sorted(
            (
                item.as_posix()
                for item in Path(path).expanduser().rglob("*")
                if item.is_file()
                and is_test_file(item.name)
                and sibling_rule_file(item.as_posix()) is None
            ),
        )
        test_files += [item for item in orphans if item not in test_files]
        if path in empty and not orphans:
            still_empty.append(path)
    return rule_files, test_files, still_empty


@dataclass(frozen=True, slots=True)
class RunReport:
    """The reports of one test run, in the order the rule files were first named.

    ``problems`` are those of test files that test no rule file that could be told (a test
    file that cannot be read, or one without ``rules:`` and without a sibling rule file).
    """

    reports: tuple[FileReport, ...]
    problems: tuple[Problem, ...] = ()

    @property
    def corpus(self) -> tuple[CorpusReport, ...]:
        """Every corpus report of the run."""
        return tuple(corpus for report in self.reports for corpus in report.corpus)

    @property
    def ok(self) -> bool:
        """Every report is ok and no test file is left over with problems."""
        return not self.problems and all(report.ok for report in self.reports)


@dataclass
class _Unit:
    path: str
    embedded: bool = False
    test_files: list[RuleTestFile] = field(default_factory=list)
    corpus: list[str] = field(default_factory=list)


def _unloaded(path: str, problems: tuple[Problem, ...], unit: _Unit | None = None) -> FileReport:
    test_files = unit.test_files if unit is not None else []
    return FileReport(
        path,
        own_file(path),
        None,
        problems,
        (),
        (),
        (),
        test_files=tuple(test_file.path for test_file in test_files),
        test_problems=tuple(p for test_file in test_files for p in test_file.problems),
    )


def run_tests(
    paths: Sequence[str],
    *,
    corpus: Sequence[str] = (),
    corpus_rules: str | None = None,
    min_accuracy: float | None = None,
    min_behaviour_accuracy: float | None = None,
) -> RunReport:
    """Run everything ``reliable-rules test`` runs; never raises for bad input files.

    Each rule file among ``paths`` (see :func:`expand_test_paths`) runs its embedded tests and
    the side-by-side test files next to it. A test file named explicitly runs against the rule
    set it tests (its ``rules:`` or its sibling) without that file's embedded tests. Each
    corpus is classified with ``corpus_rules``; by default with the only rule file tested, or
    ``builtin:default`` when ``paths`` is empty. ``min_accuracy`` and
    ``min_behaviour_accuracy`` (percent) are the corpora's gates (see
    :class:`~reliable_rules.authoring.corpus.CorpusReport`).

    Raises:
        AmbiguousCorpusRules: ``corpus`` is given, ``corpus_rules`` is not, and several rule
            files are tested.
    """
    rule_files, test_paths, empty = expand_test_paths(paths)
    units: dict[str, _Unit] = {}
    seen_tests: set[str] = set()
    orphans: list[Problem] = []

    def unit(path: str) -> _Unit:
        key = same_file_key(path)
        if key not in units:
            units[key] = _Unit(path)
        return units[key]

    def add_test_file(path: str, default_rules: str | None) -> None:
        key = same_file_key(path)
        if key in seen_tests:
            return
        seen_tests.add(key)
        test_file = load_test_file(path, default_rules=default_rules)
        if test_file.rules is None or not test_file.read:
            orphans.extend(test_file.problems)
        else:
            unit(test_file.rules).test_files.append(test_file)

    for path in rule_files:
        unit(path).embedded = True
        for side in side_test_files(path):
            add_test_file(side, path)
    for path in test_paths:
        add_test_file(path, None)
    if corpus:
        if corpus_rules is not None:
            unit(corpus_rules).corpus.extend(corpus)
        elif not paths:
            unit(DEFAULT_CORPUS_RULES).corpus.extend(corpus)
        else:  # a shipped package's files are tested with it and do not count apart
            parts = {same_file_key(part) for path in rule_files for part in _builtin_parts(path)}
            owners = [value for key, value in units.items() if key not in parts]
            if len(owners) == 1:
                owners[0].corpus.extend(corpus)
            elif owners:
                raise AmbiguousCorpusRules(
                    f"{len(owners)} rule files are tested; say which one classifies the corpus"
                )

    reports = [
        _unloaded(
            directory,
            (no_rule_files(directory),),
        )
        for directory in empty
    ]
    memo = LoadMemo()  # the vocabulary most files extend is parsed and checked once
    for item in units.values():
        try:
            ruleset = load_rules_within(item.path, memo)
        except RuleSetError as error:
            reports.append(_unloaded(item.path, error.problems, item))
            continue
        corpora = [
            run_corpus(
                ruleset,
                name,
                rules=item.path,
                min_accuracy=min_accuracy,
                min_behaviour_accuracy=min_behaviour_accuracy,
            )
            for name in item.corpus
        ]
        reports.append(
            run_ruleset(
                ruleset,
                path=item.path,
                embedded=item.embedded,
                test_files=item.test_files,
                corpus=corpora,
            )
        )
    return RunReport(tuple(reports), tuple(orphans))
