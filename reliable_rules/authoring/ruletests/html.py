"""``reliable-rules test --format html``: one self-contained page to review a test run.

No scripts, no external style sheets, fonts or images: the page opens from a CI artifact
without network. For every corpus: accuracy, the confusion table (expected by decided),
accuracy per provider, and every miss with its body and the rule that decided it; for every
rule file: its cases and its rule coverage. Tables carry ids (``confusion``, ``providers``,
``misses``, ``coverage``, numbered per corpus) so tools and tests can read them back.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import escape

from reliable_rules._version import __version__
from reliable_rules.authoring.corpus import CorpusRecord, CorpusReport
from reliable_rules.authoring.ruletests.runner import FileReport, RunReport

__all__ = ["html_report"]

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3} td.n{text-align:right} td.diag{background:#e6f4e6}
td.off{background:#fbe9e9} pre{white-space:pre-wrap;margin:0;max-width:60em}
.bad{color:#a00} .good{color:#070}
"""


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def _cell(value: object, css: str = "") -> str:
    klass = f' class="{css}"' if css else ""
    return f"<td{klass}>{escape(str(value))}</td>"


def _confusion(report: CorpusReport, number: int) -> Iterator[str]:
    table = report.confusion
    decided = sorted({actual for row in table.values() for actual in row})
    yield f'<table id="confusion-{number}"><tr><th>expected \\ decided</th>'
    yield "".join(f"<th>{escape(name)}</th>" for name in decided) + "</tr>"
    for expected in sorted(table):
        cells = []
        for actual in decided:
            count = table[expected].get(actual, 0)
            css = "n diag" if actual == expected else ("n off" if count else "n")
            cells.append(_cell(count, css))
        yield f"<tr><th>{escape(expected)}</th>{''.join(cells)}</tr>"
    yield "</table>"


def _providers(report: CorpusReport, number: int) -> Iterator[str]:
    counts: dict[str, list[int]] = {}
    for record in report.scored:
        row = counts.setdefault(record.provider or "(none)", [0, 0, 0])
        row[0] += 1
        row[1] += record.matched
        row[2] += record.behaviour_matched
    yield (
        f'<table id="providers-{number}"><tr><th>provider</th><th>records</th>'
        "<th>categories correct</th><th>accuracy</th><th>behaviours correct</th></tr>"
    )
    for provider in sorted(counts):
        total, right, behaviour = counts[provider]
        yield (
            f"<tr>{_cell(provider)}{_cell(total, 'n')}{_cell(right, 'n')}"
            f"{_cell(_pct(right, total), 'n')}{_cell(behaviour, 'n')}</tr>"
        )
    yield "</table>"


def _body(record: CorpusRecord) -> str:
    failure = record.decision.failure if record.decision is not None else None
    if failure is None:
        return record.text
    return failure.body if failure.body is not None else failure.message


def _misses(report: CorpusReport, number: int) -> Iterator[str]:
    yield (
        f'<table id="misses-{number}"><tr><th>line</th><th>provider</th><th>status</th>'
        "<th>expected</th><th>decided</th><th>rule</th><th>body</th></tr>"
    )
    for record in report.misses:
        failure = record.decision.failure if record.decision is not None else None
        status = failure.status if failure is not None and failure.status is not None else "-"
        yield (
            f"<tr>{_cell(record.line, 'n')}{_cell(record.provider or '-')}{_cell(status)}"
            f"{_cell(record.expected)}{_cell(record.actual, 'bad')}{_cell(record.rule or '-')}"
            f"<td><pre>{escape(_body(record))}</pre></td></tr>"
        )
    yield "</table>"


def _coverage(reports: tuple[FileReport, ...]) -> Iterator[str]:
    yield (
        '<table id="coverage"><tr><th>rule file</th><th>cases passed</th><th>rules</th>'
        "<th>covered</th><th>coverage</th><th>uncovered rules</th></tr>"
    )
    for report in reports:
        yield (
            f"<tr>{_cell(report.file)}{_cell(f'{report.passed}/{report.total}', 'n')}"
            f"{_cell(len(report.rules), 'n')}{_cell(len(report.covered), 'n')}"
            f"{_cell(_pct(len(report.covered), len(report.rules)), 'n')}"
            f"{_cell(', '.join(report.uncovered) or '-')}</tr>"
        )
    yield "</table>"


def html_report(run: RunReport, *, threshold: float | None = None) -> str:
    """The run as one HTML page (UTF-8, self-contained)."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>reliable-rules test report</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>reliable-rules test report</h1><p>reliable-rules {escape(__version__)}"
        + (f", coverage threshold {threshold:g}%" if threshold is not None else "")
        + "</p>",
    ]
    for number, report in enumerate(run.corpus, 1):
        scored = len(report.scored)
        verdict = "good" if report.ok else "bad"
        parts += [
            f'<h2 id="corpus-{number}">corpus {escape(report.path)} '
            f"(rules {escape(report.rules)})</h2>",
            f'<p class="{verdict}">{report.correct}/{scored} categories correct '
            f"({_pct(report.correct, scored)}), {report.behaviour_correct}/{scored} "
            f"behaviours correct ({_pct(report.behaviour_correct, scored)}), "
            f"{len(report.misses)} misses, {len(report.todo)} todo</p>",
            "<h3>Confusion (expected by decided)</h3>",
            *_confusion(report, number),
            "<h3>Accuracy per provider</h3>",
            *_providers(report, number),
            f"<h3>Misses ({len(report.misses)})</h3>",
            *_misses(report, number),
        ]
        parts += [
            f'<p class="bad">{escape(str(problem))}</p>' for problem in report.problems
        ]
    parts += ["<h2>Rule coverage</h2>", *_coverage(run.reports)]
    failing = [case for report in run.reports for case in report.failures]
    if failing:
        parts.append(f'<h2>Failing cases ({len(failing)})</h2><ul id="failures">')
        parts += [
            f"<li><pre>{escape(case.label)}: {escape(case.summary)}</pre></li>"
            for case in failing
        ]
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
