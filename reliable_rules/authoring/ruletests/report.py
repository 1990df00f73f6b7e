"""Render a test run (:class:`~.runner.RunReport`) as text, JSON or JUnit XML.

The output of ``reliable-rules test``; the formats are specified in :mod:`reliable_rules.cli`.
Nothing here reads files or prints: every function returns lines or a string, and
:func:`assess` says which exit status a run earns.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from reliable_rules._text import plural as _plural
from reliable_rules.authoring.corpus import BEHAVIOURS, CorpusRecord, CorpusReport
from reliable_rules.authoring.ruletests.runner import (
    CaseResult,
    FileReport,
    RunReport,
    own_file,
    show_value,
)
from reliable_rules.errors import Problem

__all__ = [
    "Assessment",
    "assess",
    "behaviour_confusion_lines",
    "confusion_lines",
    "input_error",
    "json_document",
    "junit_xml",
    "text_lines",
]

#: Problem codes that mean "this named file could not be read at all" (stderr, not stdout).
_INPUT_CODES = frozenset({"missing-file", "no-rule-files", "unreadable"})


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def _floor_percent(share: float, digits: int = 0) -> str:
    """A share as a percentage rounded *down*, so 100 means all of it."""
    scale = 10**digits
    value = math.floor(share * 100 * scale + 1e-9) / scale
    return f"{value:.{digits}f}"


def below_threshold(report: FileReport, threshold: float | None) -> bool:
    """Whether a loaded file's coverage (percent) is below ``threshold``."""
    return threshold is not None and report.loaded and report.coverage * 100.0 < threshold


def input_error(problem: Problem, report: FileReport | None = None) -> bool:
    """Whether ``problem`` says a named file could not be read (reported on stderr)."""
    if problem.code not in _INPUT_CODES:
        return False
    if problem.code == "unreadable" and report is not None and not report.loaded:
        return problem.file == own_file(report.path)
    return True


@dataclass(frozen=True, slots=True)
class Assessment:
    """What a run amounts to: counts for the summary and the exit status."""

    passed: int
    failed: int
    todo: int
    todo_passed: int
    files: int
    unloadable: int
    bad_test_files: int
    bad_corpora: int
    corpus_correct: int
    corpus_scored: int
    corpus_failed: int
    below_threshold: tuple[FileReport, ...]
    threshold: float | None

    @property
    def input_errors(self) -> bool:
        """Something could not be loaded: exit 2."""
        return bool(self.unloadable or self.bad_test_files or self.bad_corpora)

    @property
    def findings(self) -> bool:
        """A case failed, a corpus missed its gate or coverage is below the threshold: exit 1."""
        return bool(self.failed or self.corpus_failed or self.below_threshold)

    @property
    def ok(self) -> bool:
        """Neither input errors nor findings: exit 0."""
        return not self.input_errors and not self.findings

    def summary(self) -> str:
        """The last line on stderr."""
        if self.failed:
            text = f"{_plural(self.failed, 'case')} failed, {self.passed} passed"
        else:
            text = f"{_plural(self.passed, 'case')} passed"
        todo = [
            part
            for count, part in (
                (self.todo, f"{self.todo} todo"),
                (self.todo_passed, f"{self.todo_passed} todo passed"),
            )
            if count
        ]
        if todo:
            text += f" ({', '.join(todo)})"
        text += f" in {_plural(self.files, 'file')}"
        if self.corpus_scored or self.corpus_correct or self.bad_corpora:
            text += (
                f", corpus: {self.corpus_correct} of "
                f"{_plural(self.corpus_scored, 'record')} correct"
            )
        if self.below_threshold:
            text += (
                f", coverage below {_number(self.threshold)}% in "
                f"{_plural(len(self.below_threshold), 'file')}"
            )
        if self.unloadable:
            text += f", {_plural(self.unloadable, 'file')} could not be loaded"
        if self.bad_test_files:
            text += f", {_plural(self.bad_test_files, 'test file')} could not be loaded"
        if self.bad_corpora:
            text += f", {_plural(self.bad_corpora, 'corpus file')} could not be read"
        return ("ok: " if self.ok else "") + text


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return str(int(value)) if float(value).is_integer() else str(value)


def assess(run: RunReport, *, threshold: float | None = None) -> Assessment:
    """Count a run and find the files below the coverage ``threshold`` (percent)."""
    reports = run.reports
    bad_test_files = {p.file for report in reports for p in report.test_problems}
    bad_test_files.update(p.file for p in run.problems)
    corpora = run.corpus
    return Assessment(
        passed=sum(report.passed for report in reports),
        failed=sum(len(report.failures) for report in reports),
        todo=sum(len(report.todo) for report in reports),
        todo_passed=sum(len(report.todo_passed) for report in reports),
        files=len(reports),
        unloadable=sum(1 for report in reports if not report.loaded),
        bad_test_files=len(bad_test_files),
        bad_corpora=sum(1 for corpus in corpora if not corpus.loaded),
        corpus_correct=sum(corpus.correct for corpus in corpora),
        corpus_scored=sum(len(corpus.scored) for corpus in corpora),
        corpus_failed=sum(1 for corpus in corpora if not corpus.passed_gate),
        below_threshold=tuple(r for r in reports if below_threshold(r, threshold)),
        threshold=threshold,
    )


# ── shared pieces ───────────────────────────────────────────────────────────────────────


def _where(report: FileReport, result: CaseResult) -> str:
    return f"{result.source or report.path}:{result.case.line}:{result.case.column}"


def _coverage_line(report: FileReport) -> str:
    covered, total = len(report.covered), len(report.rules)
    percent = covered * 100 // total if total else 100
    return (
        f"{report.path}: {report.passed}/{report.total} passed, "
        f"coverage {covered}/{total} rules ({percent}%)"
    )


def _record_where(corpus: CorpusReport, record: CorpusRecord) -> str:
    where = f"{corpus.path}:{record.line}"
    return f"{where} id={record.id}" if record.id is not None else where


def _behaviour_note(record: CorpusRecord) -> str:
    """``[behaviour ok]``, or ``[behaviour EXPECTED -> DECIDED]`` when the behaviour differs."""
    if record.behaviour_by_also:
        return f"[behaviour ok by also {list(record.also)}]"
    if record.behaviour_matched:
        return "[behaviour ok]"
    return f"[behaviour {record.expected_behaviour} -> {record.actual_behaviour}]"


def _record_line(corpus: CorpusReport, record: CorpusRecord) -> str:
    where = _record_where(corpus, record)
    text = record.text or "(no text)"
    if record.todo and record.matched:
        return f'{where}: TODO PASSED expected {record.expected} (remove "todo": true): {text}'
    tag = "TODO" if record.todo else "MISS"
    return (
        f"{where}: {tag} expected {record.expected}, got {record.actual} "
        f"(rule {record.rule or '-'}) {_behaviour_note(record)}: {text}"
    )


def _also_line(corpus: CorpusReport, record: CorpusRecord) -> str:
    """``FILE:N: ALSO expected X, got Y (right by its also label [...])``."""
    what = "category" if record.matched_by_also else "behaviour"
    return (
        f"{_record_where(corpus, record)}: ALSO expected {record.expected}, got {record.actual} "
        f"(rule {record.rule or '-'}): {what} right by its also label {list(record.also)}: "
        f"{record.text or '(no text)'}"
    )


def _corpus_headline(corpus: CorpusReport) -> str:
    scored = len(corpus.scored)
    text = (
        f"corpus {corpus.path} (rules {corpus.rules}): "
        f"{corpus.correct}/{scored} categories correct "
        f"({_floor_percent(corpus.accuracy, 1)}%), "
        f"{corpus.behaviour_correct}/{scored} behaviours correct "
        f"({_floor_percent(corpus.behaviour_accuracy, 1)}%), "
        f"{_plural(len(corpus.misses), 'miss', 'misses')}"
    )
    if corpus.todo:
        text += f", {len(corpus.todo)} todo"
    by_also = corpus.right_by_also
    if by_also:
        text += f", {len(by_also)} right by their `also` label"
    if corpus.min_accuracy is not None:
        verdict = "met" if corpus.passed_accuracy_gate else "NOT met"
        text += f"; min accuracy {_number(corpus.min_accuracy)}% {verdict}"
    if corpus.min_behaviour_accuracy is not None:
        verdict = "met" if corpus.passed_behaviour_gate else "NOT met"
        text += f"; min behaviour accuracy {_number(corpus.min_behaviour_accuracy)}% {verdict}"
    return text


def confusion_lines(corpus: CorpusReport) -> list[str]:
    """The confusion table: one row per expected category, one column per decided one."""
    table = corpus.confusion
    labels = sorted({*table, *(actual for row in table.values() for actual in row)})
    return _table_lines(table, labels)


def behaviour_confusion_lines(corpus: CorpusReport) -> list[str]:
    """The behaviour confusion table: a row per expected and a column per decided behaviour
    (all four, in :data:`~..corpus.BEHAVIOURS` order); empty with no record."""
    if not corpus.scored:
        return []
    return _table_lines(corpus.behaviour_confusion, list(BEHAVIOURS))


def _table_lines(table: dict[str, dict[str, int]], labels: list[str]) -> list[str]:
    if not table:
        return []
    corner = "expected \\ decided"
    first = max(len(corner), *(len(label) for label in table))
    widths = [max(len(label), 1) for label in labels]
    lines = [
        "  ".join(
            [corner.ljust(first), *(lab.rjust(w) for lab, w in zip(labels, widths, strict=True))]
        )
    ]
    for expected, row in table.items():
        cells = [str(row.get(label, 0)).rjust(w) for label, w in zip(labels, widths, strict=True)]
        lines.append("  ".join([expected.ljust(first), *cells]))
    return [line.rstrip() for line in lines]


class _Seen:
    """Problems already shown: a problem of a shared base file is shown once."""

    def __init__(self) -> None:
        self._seen: set[Problem] = set()

    def fresh(self, problems: Iterable[Problem]) -> list[Problem]:
        new = [problem for problem in problems if problem not in self._seen]
        self._seen.update(new)
        return new


# ── text ────────────────────────────────────────────────────────────────────────────────


def text_lines(run: RunReport, *, threshold: float | None = None) -> Iterator[tuple[str, str]]:
    """``(stream, line)`` pairs in output order; stream is ``out`` or ``err``.

    The summary line is not included (see :meth:`Assessment.summary`).
    """
    seen = _Seen()
    for report in run.reports:
        problems = seen.fresh([*report.problems, *report.test_problems])
        for problem in problems:
            if input_error(problem, report):
                yield "err", f"reliable-rules: error: {problem.message}"
        findings = sorted((p for p in problems if not input_error(p, report)), key=Problem.sort_key)
        yield from (("out", str(problem)) for problem in findings)
        if not report.loaded:
            continue
        for result in report.cases:
            where, label = _where(report, result), result.label
            if result.failed:
                yield "out", f"{where}: FAIL {label}: {result.summary}"
                yield "out", _indent(result.decision.explain())
            elif result.status == "todo":
                yield "out", f"{where}: TODO {label}: {result.summary}"
            elif result.status == "todo passed":
                yield "out", f"{where}: TODO PASSED {label}: remove 'todo: true'"
        yield "out", _coverage_line(report)
        if report.uncovered:
            yield "out", f"  uncovered: {', '.join(report.uncovered)}"
        if below_threshold(report, threshold):
            percent = len(report.covered) * 100 // len(report.rules)
            yield (
                "err",
                (
                    f"{report.path}: coverage {percent}% is below --coverage-threshold "
                    f"{_number(threshold)}%; uncovered: {', '.join(report.uncovered)}"
                ),
            )
        for corpus in report.corpus:
            yield from _corpus_text(corpus)
    for problem in seen.fresh(run.problems):
        if input_error(problem):
            yield "err", f"reliable-rules: error: {problem.message}"
        else:
            yield "out", str(problem)


def _corpus_text(corpus: CorpusReport) -> Iterator[tuple[str, str]]:
    for problem in corpus.problems:
        if input_error(problem):
            yield "err", f"reliable-rules: error: {problem.message}"
        else:
            yield "err", f"{problem.file}:{problem.line}: {problem.message}"
    bad = sum(1 for problem in corpus.problems if not input_error(problem))
    if bad:
        yield "err", f"{corpus.path}: {_plural(bad, 'bad line')} (see above)"
    if any(input_error(problem) for problem in corpus.problems):
        return
    yield "out", _corpus_headline(corpus)
    for record in corpus.records:
        if not record.matched or record.todo:
            yield "out", "  " + _record_line(corpus, record)
        elif record.matched_by_also:
            yield "out", "  " + _also_line(corpus, record)
    table = confusion_lines(corpus)
    if table:
        yield "out", "  confusion (rows: expected, columns: decided):"
        yield from (("out", "    " + line) for line in table)
    table = behaviour_confusion_lines(corpus)
    if table:
        yield "out", "  behaviour confusion (rows: expected, columns: decided):"
        yield from (("out", "    " + line) for line in table)


# ── json ────────────────────────────────────────────────────────────────────────────────


def _result_dict(report: FileReport, result: CaseResult, *, explain: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "file": result.source or report.path,
        "line": result.case.line,
        "column": result.case.column,
        "rule": result.case.rule_id or None,
        "label": result.label,
        "description": result.case.description,
        "status": result.status,
        "expect": result.expected_category,
        "differences": [
            {"key": d.key, "expected": d.expected, "actual": d.actual} for d in result.differences
        ],
        "decision": result.decision.as_dict(),
    }
    if explain:
        entry["explain"] = result.decision.explain()
    return entry


def _record_dict(record: CorpusRecord) -> dict[str, Any]:
    return {
        "line": record.line,
        "id": record.id,
        "source": record.source,
        "expected": record.expectation,
        "category": record.expected,
        "actual": record.actual,
        "rule": record.rule,
        "matched": record.matched,
        "expected_behaviour": record.expected_behaviour,
        "actual_behaviour": record.actual_behaviour,
        "behaviour_matched": record.behaviour_matched,
        "also": list(record.also),
        "matched_by_also": record.matched_by_also,
        "behaviour_by_also": record.behaviour_by_also,
        "todo": record.todo,
        "text": record.text,
        "explain": record.decision.explain() if record.decision is not None else None,
    }


def _corpus_dict(corpus: CorpusReport) -> dict[str, Any]:
    scored = len(corpus.scored)
    return {
        "path": corpus.path,
        "rules": corpus.rules,
        "ok": corpus.ok,
        "loaded": corpus.loaded,
        "records": len(corpus.records),
        "scored": scored,
        "correct": corpus.correct,
        "missed": len(corpus.misses),
        "todo": len(corpus.todo),
        "accuracy": round(100.0 * corpus.accuracy, 2),
        "min_accuracy": corpus.min_accuracy,
        "confusion": corpus.confusion,
        "behaviour_correct": corpus.behaviour_correct,
        "behaviour_missed": len(corpus.scored) - corpus.behaviour_correct,
        "behaviour_accuracy": round(100.0 * corpus.behaviour_accuracy, 2),
        "min_behaviour_accuracy": corpus.min_behaviour_accuracy,
        "behaviour_confusion": corpus.behaviour_confusion,
        "misses": [_record_dict(record) for record in corpus.misses],
        "todo_records": [_record_dict(record) for record in corpus.todo],
        "right_by_also": [_record_dict(record) for record in corpus.right_by_also],
        "problems": [problem.as_dict() for problem in corpus.problems],
    }


def _report_dict(
    report: FileReport, problems: Sequence[Problem], threshold: float | None
) -> dict[str, Any]:
    ruleset = report.ruleset
    covered, total = len(report.covered), len(report.rules)
    return {
        "path": report.path,
        "file": report.file,
        "ok": report.ok and not below_threshold(report, threshold),
        "loaded": report.loaded,
        "ruleset": ruleset.name if ruleset is not None else None,
        "revision": ruleset.revision if ruleset is not None else None,
        "cases": report.total,
        "passed": report.passed,
        "failed": len(report.failures),
        "todo": len(report.todo),
        "todo_passed": len(report.todo_passed),
        "failures": [_result_dict(report, result, explain=True) for result in report.failures],
        "results": [
            _result_dict(report, result, explain=result.status != "passed")
            for result in report.cases
        ],
        "test_files": list(report.test_files),
        "coverage": {
            "covered": covered,
            "rules": total,
            "percent": round(100.0 * covered / total, 1) if total else 100.0,
        },
        "below_threshold": below_threshold(report, threshold),
        "uncovered": list(report.uncovered),
        "corpus": [_corpus_dict(corpus) for corpus in report.corpus],
        "problems": [problem.as_dict() for problem in sorted(problems, key=Problem.sort_key)],
    }


def json_document(run: RunReport, *, threshold: float | None = None) -> str:
    """The whole run as one JSON document (indented)."""
    seen = _Seen()
    document = {
        "ok": assess(run, threshold=threshold).ok,
        "coverage_threshold": threshold,
        "files": [
            _report_dict(report, seen.fresh([*report.problems, *report.test_problems]), threshold)
            for report in run.reports
        ],
        "problems": [problem.as_dict() for problem in seen.fresh(run.problems)],
    }
    return json.dumps(document, indent=2, default=show_value)


# ── junit ───────────────────────────────────────────────────────────────────────────────

# XML 1.0 allows tab, LF, CR and the ranges below; anything else (NUL, other C0 controls,
# lone surrogates, U+FFFE/U+FFFF) makes the document unparseable, so it is shown escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub(lambda match: f"\\x{{{ord(match.group()):x}}}", text)


def _element(
    parent: ET.Element, tag: str, text: str | None = None, **attributes: str
) -> ET.Element:
    element = ET.SubElement(parent, tag, {key: _xml(value) for key, value in attributes.items()})
    if text is not None:
        element.text = _xml(text)
    return element


def _testcase(
    suite: ET.Element, classname: str, name: str, file: str | None = None, line: int | None = None
) -> ET.Element:
    attributes = {"classname": classname, "name": name}
    if file is not None:
        attributes["file"] = file
    if line is not None:
        attributes["line"] = str(line)
    return _element(suite, "testcase", **attributes)


def _problems_text(problems: Sequence[Problem]) -> str:
    return "\n".join(str(problem) for problem in sorted(problems, key=Problem.sort_key))


def _load_errors(
    suite: ET.Element, classname: str, problems: Sequence[Problem], default: str
) -> None:
    by_file: dict[str, list[Problem]] = {}
    for problem in problems:
        by_file.setdefault(problem.file or default, []).append(problem)
    for file, found in by_file.items():
        case = _testcase(suite, classname, f"load {file}", file=file)
        first = sorted(found, key=Problem.sort_key)[0]
        _element(
            case,
            "error",
            _problems_text(found),
            message=f"{_plural(len(found), 'problem')}: {first.message}",
            type="load-error",
        )


def _file_suite(
    root: ET.Element, report: FileReport, problems: Sequence[Problem], threshold: float | None
) -> None:
    suite = _element(root, "testsuite", name=report.path)
    classname = report.path
    if problems:
        _load_errors(suite, classname, problems, report.path)
    for result in report.cases:
        file = result.source or report.path
        case = _testcase(
            suite, classname, f"{result.label} at {_where(report, result)}", file, result.case.line
        )
        if result.failed:
            _element(
                case,
                "failure",
                f"{result.summary}\n\n{result.decision.explain()}",
                message=result.summary,
                type="mismatch",
            )
        elif result.status == "todo":
            _element(case, "skipped", message=f"todo: {result.summary}")
        elif result.status == "todo passed":
            _element(case, "skipped", message="todo passed: remove 'todo: true'")
    if threshold is not None and report.loaded:
        case = _testcase(suite, classname, f"coverage >= {_number(threshold)}%")
        if below_threshold(report, threshold):
            percent = len(report.covered) * 100 // len(report.rules)
            message = (
                f"coverage {percent}% is below {_number(threshold)}%; "
                f"uncovered: {', '.join(report.uncovered)}"
            )
            _element(case, "failure", message, message=message, type="coverage")
    if report.loaded:
        out = _coverage_line(report)
        if report.uncovered:
            out += f"\n  uncovered: {', '.join(report.uncovered)}"
        _element(suite, "system-out", out)


def _corpus_suite(root: ET.Element, corpus: CorpusReport) -> None:
    suite = _element(root, "testsuite", name=f"corpus {corpus.path} (rules {corpus.rules})")
    classname = f"corpus {corpus.path}"
    if corpus.problems:
        for problem in corpus.problems:
            case = _testcase(suite, classname, f"line {problem.line}", corpus.path, problem.line)
            _element(case, "error", str(problem), message=problem.message, type=problem.code)
    gated = corpus.gated
    for record in corpus.records:
        name = _record_where(corpus, record) + f": expected {record.expected}"
        case = _testcase(suite, classname, name, corpus.path, record.line)
        line = _record_line(corpus, record)
        if record.todo:
            message = 'todo passed: remove "todo": true' if record.matched else f"todo: {line}"
            _element(case, "skipped", message=message)
        elif record.matched_by_also:
            _element(case, "system-out", _also_line(corpus, record))
        elif not record.matched:
            trace = record.decision.explain() if record.decision is not None else ""
            if gated:
                _element(case, "system-out", f"{line}\n\n{trace}")
            else:
                _element(case, "failure", f"{line}\n\n{trace}", message=line, type="miss")
    gates = (
        ("accuracy", corpus.min_accuracy, corpus.accuracy, corpus.passed_accuracy_gate),
        (
            "behaviour accuracy",
            corpus.min_behaviour_accuracy,
            corpus.behaviour_accuracy,
            corpus.passed_behaviour_gate,
        ),
    )
    for label, minimum, accuracy, passed in gates:
        if minimum is None or not corpus.loaded:
            continue
        case = _testcase(suite, classname, f"{label} >= {_number(minimum)}%")
        if not passed:
            message = f"{label} {_floor_percent(accuracy, 1)}% is below {_number(minimum)}%"
            _element(case, "failure", message, message=message, type=label.replace(" ", "-"))
    if corpus.loaded:
        lines = [
            _corpus_headline(corpus),
            *confusion_lines(corpus),
            *behaviour_confusion_lines(corpus),
        ]
        _element(suite, "system-out", "\n".join(lines))


def _count(suite: ET.Element) -> dict[str, int]:
    cases = suite.findall("testcase")
    return {
        "tests": len(cases),
        "failures": sum(len(case.findall("failure")) for case in cases),
        "errors": sum(len(case.findall("error")) for case in cases),
        "skipped": sum(len(case.findall("skipped")) for case in cases),
    }


def junit_xml(run: RunReport, *, threshold: float | None = None) -> str:
    """The run as JUnit XML: ``testsuites`` > a ``testsuite`` per rule file (and per corpus)
    > a ``testcase`` per case (and per corpus record), with ``failure``, ``error`` (could not
    load) and ``skipped`` (todo) elements."""
    root = ET.Element("testsuites", {"name": "reliable-rules test"})
    seen = _Seen()
    for report in run.reports:
        _file_suite(root, report, seen.fresh([*report.problems, *report.test_problems]), threshold)
        for corpus in report.corpus:
            _corpus_suite(root, corpus)
    orphans = seen.fresh(run.problems)
    if orphans:
        suite = _element(root, "testsuite", name="test files")
        _load_errors(suite, "test files", orphans, "test files")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for suite in root.findall("testsuite"):
        counts = _count(suite)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
