"""Issue 17 item 3: ``test --corpus FILE --format html -o report.html`` writes one
self-contained page (no network) with the confusion table, accuracy per provider, every miss
with its body and the rule that decided, and rule coverage; read back with html.parser."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reliable_rules import load_rules
from reliable_rules.authoring.corpus import run_corpus
from reliable_rules.cli import main

RECORDS = [
    {"provider": "acme", "status": 429, "body": "You exceeded your current quota",
     "expected": "quota_exhausted"},
    {"provider": "acme", "status": 503, "body": "<b>region</b> saturated & closed",
     "expected": "rate_limited"},  # a miss: decided server_error
    {"provider": "zeta", "status": 401, "body": "invalid api key", "expected": "auth_failed"},
    {"provider": "zeta", "status": 500, "body": "oops", "expected": "server_error"},
    {"status": 400, "body": "something odd", "expected": "context_window_exceeded"},  # a miss
]


class Tables(HTMLParser):
    """Every table of a page by id, as rows of cell texts; and every tag and attribute seen."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "table":
            self._table = self.tables.setdefault(str(dict(attrs).get("id")), [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self._table[-1].append("".join(self._cell))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture
def page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Tables, str, Path]:
    """The report of a small corpus with two misses, parsed."""
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    out = tmp_path / "report.html"
    code = main(["test", "--corpus", str(corpus), "--format", "html", "-o", str(out)])
    assert code == 1  # the misses fail the run, as in text output
    assert capsys.readouterr().out == ""
    text = out.read_text(encoding="utf-8")
    parser = Tables()
    parser.feed(text)
    return parser, text, corpus


def test_page_is_self_contained(page: tuple[Tables, str, Path]) -> None:
    """No script, and nothing loaded from elsewhere (src, link, @import, url())."""
    parser, text, _ = page
    assert text.startswith("<!DOCTYPE html>")
    assert not [tag for tag, _ in parser.tags if tag in ("script", "link", "img", "iframe")]
    assert not [attrs for _, attrs in parser.tags if "src" in attrs or "href" in attrs]
    assert not re.search(r"@import|url\(", text)


def test_confusion_and_providers_match_the_corpus_report(page: tuple[Tables, str, Path]) -> None:
    """The confusion table and per-provider accuracy are the corpus scorer's numbers."""
    parser, _, corpus = page
    report = run_corpus(load_rules("builtin:default"), str(corpus))
    rows = parser.tables["confusion-1"]
    decided = rows[0][1:]
    shown = {
        row[0]: {name: int(cell) for name, cell in zip(decided, row[1:], strict=True) if int(cell)}
        for row in rows[1:]
    }
    assert shown == {k: {a: n for a, n in v.items() if n} for k, v in report.confusion.items()}
    providers = {row[0]: row[1:] for row in parser.tables["providers-1"][1:]}
    assert providers["acme"][:2] == ["2", "1"]
    assert providers["zeta"][:2] == ["2", "2"]
    assert providers["(none)"][:2] == ["1", "0"]


def test_every_miss_shows_its_body_and_deciding_rule(page: tuple[Tables, str, Path]) -> None:
    """Each miss has its line, expected and decided category, the rule, and the body as text
    (escaped, not markup)."""
    parser, text, corpus = page
    report = run_corpus(load_rules("builtin:default"), str(corpus))
    misses = parser.tables["misses-1"][1:]
    assert [(int(m[0]), m[3], m[4], m[5]) for m in misses] == [
        (r.line, r.expected, r.actual, r.rule or "-") for r in report.misses
    ]
    assert misses[0][6] == "<b>region</b> saturated & closed"
    assert "&lt;b&gt;region" in text
    assert not [tag for tag, _ in parser.tags if tag == "b"]


def test_rule_coverage_and_text_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With rule files, the coverage table lists each file's covered rules; without
    --format the output stays text."""
    rules = tmp_path / "r.yaml"
    rules.write_text(
        "format: reliable-rules/v1\nname: r\nrevision: '1'\nrules:\n"
        "  - id: r.a\n    when: {contains: aaa}\n    then: {category: server_error}\n"
        "    tests: [{text: aaa}]\n"
        "  - id: r.b\n    when: {contains: bbb}\n    then: {category: server_error}\n",
        encoding="utf-8",
    )
    out = tmp_path / "report.html"
    assert main(["test", str(rules), "--format", "html", "-o", str(out)]) == 0
    parser = Tables()
    parser.feed(out.read_text(encoding="utf-8"))
    (row,) = parser.tables["coverage"][1:]
    assert row[1:] == ["1/1", "2", "1", "50.0%", "r.b"]
    capsys.readouterr()
    assert main(["test", str(rules)]) == 0
    assert "1/1 passed, coverage 1/2 rules (50%)" in capsys.readouterr().out
