"""Corpus records with a second acceptable label (`also`), a `note` and an `exception`."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from helpers.rulefiles import write_rules

from reliable_rules import load_rules
from reliable_rules.authoring.corpus import ALLOWED_ALSO, run_corpus
from reliable_rules.cli import main

RULES = """
    name: markers
    rules:
      - {id: m.server, when: {contains: marker-server}, then: {category: server_error}}
      - {id: m.rate, when: {contains: marker-rate}, then: {category: rate_limited}}
      - {id: m.quota, when: {contains: marker-quota}, then: {category: quota_exhausted}}
      - {id: m.ctx, when: {contains: marker-ctx}, then: {category: context_window_exceeded}}
      - {id: m.client, when: {contains: marker-client}, then: {category: client_error}}
      - {id: m.exc, when: {exception: ReadTimeout}, then: {category: timeout}}
"""

# by also (category): 1, 2; miss whose behaviour is right by also: 3; plain: 0, 4, 5.
CORPUS = [
    {"id": "plain", "message": "marker-server", "expected": "server_error"},
    {"id": "ctx-or-quota", "message": "marker-quota", "expected": "context_window_exceeded",
     "also": ["quota_exhausted"], "note": "a request alone over a per-minute token limit"},
    {"id": "timeout-or-5xx", "message": "marker-server", "expected": "timeout",
     "also": ["server_error"]},
    {"id": "auth-or-client", "message": "marker-quota", "expected": "auth_failed",
     "also": ["client_error"]},
    {"id": "miss", "message": "marker-rate", "expected": "quota_exhausted"},
    {"id": "exc", "message": "read timed out", "exception": ["ReadTimeout"],
     "expected": "timeout"},
]  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Call main() in-process; return (exit code, stdout, stderr)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write_corpus(path: Path, records: list[dict[str, Any]]) -> Path:
    """Write records as JSONL."""
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    """The marker rules and the corpus above."""
    return write_rules(tmp_path / "m.yaml", RULES), write_corpus(tmp_path / "c.jsonl", CORPUS)


def test_also_counts_for_category_and_behaviour(files: tuple[Path, Path]) -> None:
    """A decision in `also` is right; a behaviour of an `also` label is right."""
    rules, corpus = files
    report = run_corpus(load_rules(rules), str(corpus))
    assert report.problems == ()
    by_id = {record.id: record for record in report.records}
    assert [r.id for r in report.records if r.matched] == [
        "plain", "ctx-or-quota", "timeout-or-5xx", "exc",
    ]  # fmt: skip
    assert [r.id for r in report.records if r.matched_by_also] == ["ctx-or-quota", "timeout-or-5xx"]
    assert by_id["auth-or-client"].behaviour_matched  # quota's give_up is client_error's too
    assert by_id["auth-or-client"].behaviour_by_also is False  # auth_failed gives up as well
    assert by_id["ctx-or-quota"].behaviour_by_also  # context_overflow vs give_up
    assert not by_id["timeout-or-5xx"].behaviour_by_also  # both retry
    assert not by_id["miss"].behaviour_matched
    assert (report.correct, report.behaviour_correct) == (4, 5)
    assert [r.id for r in report.right_by_also] == ["ctx-or-quota", "timeout-or-5xx"]


def test_also_behaviour_without_category(tmp_path: Path) -> None:
    """A miss whose decided behaviour is that of an `also` label scores the behaviour only."""
    rules = write_rules(tmp_path / "m.yaml", RULES)
    record = {
        "message": "marker-client",
        "expected": "context_window_exceeded",
        "also": ["quota_exhausted"],
    }
    corpus = write_corpus(tmp_path / "c.jsonl", [record])
    report = run_corpus(load_rules(rules), str(corpus))
    (scored,) = report.records
    assert (scored.matched, scored.matched_by_also) == (False, False)
    assert scored.behaviour_matched  # client_error gives up, as quota_exhausted does
    assert scored.behaviour_by_also
    assert (report.correct, report.behaviour_correct) == (0, 1)
    assert report.right_by_also == (scored,)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"expected": "timeout", "also": "server_error"}, "'also' must be a list"),
        ({"expected": "timeout", "also": [1]}, "'also' must be a list"),
        ({"expected": "timeout", "also": ["server_eror"]}, "did you mean 'server_error'"),
        ({"expected": "timeout", "also": ["quota_exhausted"]}, "not allowed beside expected"),
        ({"expected": "timeout", "note": 3}, "'note' must be a string"),
        ({"expected": "timeout", "exception": 3}, "'exception' must be a string or a list"),
    ],
)
def test_bad_also_note_and_exception_are_problems(
    tmp_path: Path, record: dict[str, Any], message: str
) -> None:
    """An `also` that is not a list of allowed, known categories is a bad-record problem."""
    rules = write_rules(tmp_path / "m.yaml", RULES)
    corpus = write_corpus(tmp_path / "c.jsonl", [{"message": "x", **record}])
    report = run_corpus(load_rules(rules), str(corpus))
    assert [(p.line, p.code) for p in report.problems] == [(1, "bad-record")]
    assert message in report.problems[0].message


def test_allowed_also_is_symmetric_and_follows_the_design() -> None:
    """ALLOWED_ALSO holds DESIGN.md's borderline pairs, each in both directions."""
    assert all((b, a) in ALLOWED_ALSO for a, b in ALLOWED_ALSO)
    assert {
        ("context_window_exceeded", "quota_exhausted"),
        ("client_error", "tool_schema_error"),
        ("quota_exhausted", "rate_limited"),
        ("server_error", "timeout"),
        ("auth_failed", "client_error"),
        ("model_not_found", "client_error"),
        ("content_filtered", "client_error"),
        ("tool_schema_error", "format_mismatch"),
    } <= ALLOWED_ALSO
    assert len(ALLOWED_ALSO) == 16


def test_reports_say_when_a_record_was_right_by_also(
    capsys: pytest.CaptureFixture[str], files: tuple[Path, Path]
) -> None:
    """Text, JSON and JUnit reports name the records right by their `also` label."""
    rules, corpus = files
    _, text, _ = run(capsys, "test", str(rules), "--corpus", str(corpus))
    assert "2 right by their `also` label" in text
    assert "id=ctx-or-quota: ALSO expected context_window_exceeded, got quota_exhausted" in text
    assert "[behaviour ok by also ['client_error']]" not in text  # auth_failed gives up too
    _, out, _ = run(capsys, "test", str(rules), "--corpus", str(corpus), "--format", "json")
    (summary,) = json.loads(out)["files"][0]["corpus"]
    also = {entry["id"]: entry for entry in summary["right_by_also"]}
    assert set(also) == {"ctx-or-quota", "timeout-or-5xx"}
    assert also["ctx-or-quota"]["matched_by_also"] is True
    assert also["ctx-or-quota"]["behaviour_by_also"] is True
    assert also["ctx-or-quota"]["also"] == ["quota_exhausted"]
    _, out, _ = run(capsys, "test", str(rules), "--corpus", str(corpus), "--format", "junit")
    suite = ET.fromstring(out).findall("testsuite")[-1]
    notes = [case.findtext("system-out") or "" for case in suite.findall("testcase")]
    assert sum("right by its also label" in note for note in notes) == 2
    assert len(list(suite.iter("failure"))) == 2  # auth-or-client and miss


def test_classify_corpus_matches_also(
    capsys: pytest.CaptureFixture[str], files: tuple[Path, Path]
) -> None:
    """classify --corpus counts a decision in `also` as a match and says so."""
    rules, corpus = files
    _, out, err = run(capsys, "classify", "--rules", str(rules), "--corpus", str(corpus))
    answers = [json.loads(line) for line in out.splitlines()]
    assert [a["match"] for a in answers] == [True, True, True, False, False, True]
    assert [a.get("match_by_also") for a in answers] == [None, True, True, False, None, None]
    assert "corpus: 4 of 6 expected decisions matched" in err
