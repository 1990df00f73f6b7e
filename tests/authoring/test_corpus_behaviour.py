"""``reliable-rules test --corpus``: the behaviour measure (what the executor does with the
expected and the decided category), its text, JSON and JUnit output and its gate."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from helpers.rulefiles import write_rules

from reliable_rules import DEFAULT_CATEGORIES, load_rules
from reliable_rules.authoring.corpus import BEHAVIOURS, behaviour_of, run_corpus
from reliable_rules.authoring.ruletests.runner import run_tests
from reliable_rules.cli import main
from reliable_rules.taxonomy import UNKNOWN, Action, Category

# Self-contained rules (no `extends`): the decisions do not depend on the shipped rule files.
MARKERS = """
    name: markers
    categories:
      overloaded: {retryable: true, rate_limited: true}
      shrink_me: {retryable: true, action: truncate_history}
    rules:
      - id: m.server
        when: {contains: marker-server}
        then: {category: server_error}
      - id: m.rate
        when: {contains: marker-rate}
        then: {category: rate_limited}
      - id: m.quota
        when: {contains: marker-quota}
        then: {category: quota_exhausted}
      - id: m.ctx
        when: {contains: marker-ctx}
        then: {category: context_window_exceeded}
      - id: m.overloaded
        when: {contains: marker-overloaded}
        then: {category: overloaded}
"""

# Scored: 2/4 categories correct, 3/4 behaviours correct; the todo record counts for neither.
CORPUS = [
    {"id": "keeps", "message": "marker-server", "expected": "timeout"},
    {"id": "breaks", "message": "marker-rate", "expected": "quota_exhausted"},
    {"message": "marker-ctx", "expected": "context_window_exceeded"},
    {"message": "marker-server", "expected": "server_error"},
    {"message": "marker-quota", "expected": "timeout", "todo": True},
]

DEFAULT_BEHAVIOURS = {
    "context_window_exceeded": "context_overflow",
    "quota_exhausted": "give_up",
    "rate_limited": "retry_rate_limited",
    "tool_schema_error": "retry",
    "auth_failed": "give_up",
    "model_not_found": "give_up",
    "client_error": "give_up",
    "format_mismatch": "retry",
    "content_filtered": "give_up",
    "server_error": "retry",
    "timeout": "retry",
    "network_error": "retry",
    UNKNOWN: "retry",
}


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
def markers(tmp_path: Path) -> Path:
    """The marker rule file."""
    return write_rules(tmp_path / "markers.yaml", MARKERS)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """The small corpus: one miss that keeps its behaviour, one that does not, one todo."""
    return write_corpus(tmp_path / "small.jsonl", CORPUS)


# ── behaviour_of ────────────────────────────────────────────────────────────────────────


def test_behaviours_are_the_four_names_in_order() -> None:
    """BEHAVIOURS lists the four behaviours in report order."""
    assert BEHAVIOURS == ("context_overflow", "give_up", "retry_rate_limited", "retry")


def test_every_default_category_has_a_pinned_behaviour() -> None:
    """The table below covers exactly the default taxonomy."""
    assert set(DEFAULT_BEHAVIOURS) == set(DEFAULT_CATEGORIES)


@pytest.mark.parametrize(("name", "behaviour"), sorted(DEFAULT_BEHAVIOURS.items()))
def test_behaviour_of_default_category(name: str, behaviour: str) -> None:
    """Each default category maps to the behaviour its policy implies."""
    assert behaviour_of(DEFAULT_CATEGORIES[name]) == behaviour


@pytest.mark.parametrize(
    ("category", "behaviour"),
    [
        (Category("a", retryable=False, rate_limited=True, action=Action.TRUNCATE_HISTORY),
         "context_overflow"),
        (Category("b", retryable=False, rate_limited=True, action=Action.RETRY), "give_up"),
        (Category("c", retryable=True, rate_limited=True, action=Action.NEXT_PROVIDER),
         "retry_rate_limited"),
        (Category("d", retryable=True, action=Action.SWITCH_FORMAT), "retry"),
    ],
)  # fmt: skip
def test_behaviour_of_precedence(category: Category, behaviour: str) -> None:
    """truncate_history wins over not retryable, which wins over rate limited."""
    assert behaviour_of(category) == behaviour


# ── library ─────────────────────────────────────────────────────────────────────────────


def test_run_corpus_scores_behaviour(markers: Path, corpus: Path) -> None:
    """A category miss between two retry categories keeps its behaviour; todo is left out."""
    report = run_corpus(load_rules(str(markers)), str(corpus))
    keeps, breaks, ctx, server, todo = report.records
    assert (keeps.matched, keeps.expected_behaviour, keeps.actual_behaviour) == (
        False, "retry", "retry",
    )  # fmt: skip
    assert keeps.behaviour_matched
    assert (breaks.matched, breaks.expected_behaviour, breaks.actual_behaviour) == (
        False, "give_up", "retry_rate_limited",
    )  # fmt: skip
    assert not breaks.behaviour_matched
    assert ctx.matched
    assert ctx.behaviour_matched
    assert server.matched
    assert server.behaviour_matched
    assert todo.todo
    assert not todo.behaviour_matched
    assert (report.correct, report.behaviour_correct, len(report.scored)) == (2, 3, 4)
    assert report.accuracy == 0.5
    assert report.behaviour_accuracy == 0.75
    assert report.behaviour_confusion == {
        "context_overflow": {"context_overflow": 1, "give_up": 0, "retry_rate_limited": 0,
                             "retry": 0},
        "give_up": {"context_overflow": 0, "give_up": 0, "retry_rate_limited": 1, "retry": 0},
        "retry_rate_limited": {"context_overflow": 0, "give_up": 0, "retry_rate_limited": 0,
                               "retry": 0},
        "retry": {"context_overflow": 0, "give_up": 0, "retry_rate_limited": 0, "retry": 2},
    }  # fmt: skip
    assert not report.passed_gate


def test_behaviour_gate_alone_ignores_behaviour_keeping_misses(
    markers: Path, tmp_path: Path
) -> None:
    """With only a behaviour gate, a category miss with the right behaviour does not fail."""
    path = write_corpus(tmp_path / "keeps.jsonl", [CORPUS[0], CORPUS[2]])
    ruleset = load_rules(str(markers))
    assert not run_corpus(ruleset, str(path)).passed_gate
    assert run_corpus(ruleset, str(path), min_behaviour_accuracy=100.0).passed_gate
    both = run_corpus(ruleset, str(path), min_accuracy=100.0, min_behaviour_accuracy=100.0)
    assert not both.passed_gate


def test_run_tests_hands_the_behaviour_gate_to_every_corpus(markers: Path, corpus: Path) -> None:
    """run_tests(min_behaviour_accuracy=P) gates each corpus report with P."""
    run = run_tests([str(markers)], corpus=[str(corpus)], min_behaviour_accuracy=70.0)
    (report,) = run.reports
    (gated,) = report.corpus
    assert (gated.min_behaviour_accuracy, gated.min_accuracy) == (70.0, None)
    assert gated.passed_gate  # 3/4 behaviours (75%) >= 70%


# ── CLI: text ───────────────────────────────────────────────────────────────────────────


def test_text_reports_both_accuracies_miss_behaviour_and_table(
    capsys: pytest.CaptureFixture[str], markers: Path, corpus: Path
) -> None:
    """The summary line has both accuracies; MISS lines tell the behaviour; a 4x4 table."""
    code, out, err = run(capsys, "test", str(markers), "--corpus", str(corpus))
    assert code == 1
    lines = out.splitlines()
    head = lines.index(
        f"corpus {corpus} (rules {markers}): 2/4 categories correct (50.0%), "
        "3/4 behaviours correct (75.0%), 2 misses, 1 todo"
    )
    assert lines[head + 1] == (
        f"  {corpus}:1 id=keeps: MISS expected timeout, got server_error (rule m.server) "
        "[behaviour ok]: marker-server"
    )
    assert lines[head + 2] == (
        f"  {corpus}:2 id=breaks: MISS expected quota_exhausted, got rate_limited (rule m.rate) "
        "[behaviour give_up -> retry_rate_limited]: marker-rate"
    )
    assert lines[head + 3] == (
        f"  {corpus}:5: TODO expected timeout, got quota_exhausted (rule m.quota) "
        "[behaviour retry -> give_up]: marker-quota"
    )
    start = lines.index("  behaviour confusion (rows: expected, columns: decided):")
    assert start > lines.index("  confusion (rows: expected, columns: decided):")
    assert [line.split() for line in lines[start + 1 : start + 6]] == [
        ["expected", "\\", "decided", "context_overflow", "give_up", "retry_rate_limited",
         "retry"],
        ["context_overflow", "1", "0", "0", "0"],
        ["give_up", "0", "0", "1", "0"],
        ["retry_rate_limited", "0", "0", "0", "0"],
        ["retry", "0", "0", "0", "2"],
    ]  # fmt: skip
    assert lines[start + 1].startswith("    expected \\ decided  context_overflow")
    assert err.endswith("corpus: 2 of 4 records correct\n")


# ── CLI: json and junit ─────────────────────────────────────────────────────────────────


def test_json_has_behaviour_fields(
    capsys: pytest.CaptureFixture[str], markers: Path, corpus: Path
) -> None:
    """JSON corpora carry behaviour accuracy, counts and table; records their behaviours."""
    code, out, _ = run(capsys, "test", str(markers), "--corpus", str(corpus), "--format", "json")
    assert code == 1
    (summary,) = json.loads(out)["files"][0]["corpus"]
    assert (summary["correct"], summary["accuracy"]) == (2, 50.0)
    assert (summary["behaviour_correct"], summary["behaviour_missed"]) == (3, 1)
    assert summary["behaviour_accuracy"] == 75.0
    assert summary["min_behaviour_accuracy"] is None
    table = summary["behaviour_confusion"]
    assert list(table) == list(BEHAVIOURS)
    assert all(list(row) == list(BEHAVIOURS) for row in table.values())
    assert table["give_up"]["retry_rate_limited"] == 1
    assert table["retry"]["retry"] == 2
    keeps, breaks = summary["misses"]
    assert (keeps["expected_behaviour"], keeps["actual_behaviour"]) == ("retry", "retry")
    assert keeps["behaviour_matched"] is True
    assert (breaks["expected_behaviour"], breaks["actual_behaviour"]) == (
        "give_up", "retry_rate_limited",
    )  # fmt: skip
    assert breaks["behaviour_matched"] is False
    (todo,) = summary["todo_records"]
    assert (todo["expected_behaviour"], todo["actual_behaviour"]) == ("retry", "give_up")


def test_junit_failure_message_mentions_behaviour(
    capsys: pytest.CaptureFixture[str], markers: Path, corpus: Path
) -> None:
    """A miss's JUnit failure message says whether the behaviour still matched."""
    code, out, _ = run(capsys, "test", str(markers), "--corpus", str(corpus), "--format", "junit")
    assert code == 1
    suite = ET.fromstring(out).findall("testsuite")[-1]
    messages = [failure.get("message", "") for failure in suite.iter("failure")]
    assert len(messages) == 2
    assert messages[0].endswith("[behaviour ok]: marker-server")
    assert "[behaviour give_up -> retry_rate_limited]" in messages[1]
    assert "expected \\ decided  context_overflow" in (suite.findtext("system-out") or "")


def test_junit_behaviour_gate_testcase(
    capsys: pytest.CaptureFixture[str], markers: Path, corpus: Path
) -> None:
    """With --corpus-min-behaviour-accuracy a gate testcase fails instead of the misses."""
    code, out, _ = run(
        capsys, "test", str(markers), "--corpus", str(corpus),
        "--corpus-min-behaviour-accuracy", "80", "--format", "junit",
    )  # fmt: skip
    assert code == 1
    suite = ET.fromstring(out).findall("testsuite")[-1]
    gate = suite.findall("testcase")[-1]
    assert gate.get("name") == "behaviour accuracy >= 80%"
    (failure,) = suite.iter("failure")
    assert failure.get("message") == "behaviour accuracy 75.0% is below 80%"
    assert failure.get("type") == "behaviour-accuracy"


# ── CLI: gate ───────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("minimum", "code"), [("0", 0), ("75", 0), ("75%", 0), ("75.1", 1), ("100", 1)]
)
def test_min_behaviour_accuracy_exit_code(
    capsys: pytest.CaptureFixture[str], markers: Path, corpus: Path, minimum: str, code: int
) -> None:
    """Only a behaviour accuracy below P fails (75% here), though categories are at 50%."""
    got, out, _ = run(
        capsys, "test", str(markers), "--corpus", str(corpus),
        "--corpus-min-behaviour-accuracy", minimum,
    )  # fmt: skip
    assert got == code
    verdict = "NOT met" if code else "met"
    assert f"; min behaviour accuracy {minimum.rstrip('%')}% {verdict}" in out


def test_min_behaviour_accuracy_with_min_accuracy_needs_both(
    capsys: pytest.CaptureFixture[str], markers: Path, corpus: Path
) -> None:
    """With both gates each must be met; the JSON document says which minimum was given."""
    code, out, _ = run(
        capsys, "test", str(markers), "--corpus", str(corpus), "--corpus-min-accuracy", "60",
        "--corpus-min-behaviour-accuracy", "70",
    )  # fmt: skip
    assert code == 1
    assert "; min accuracy 60% NOT met; min behaviour accuracy 70% met" in out
    code, out, _ = run(
        capsys, "test", str(markers), "--corpus", str(corpus), "--corpus-min-accuracy", "50",
        "--corpus-min-behaviour-accuracy", "70", "--format", "json",
    )  # fmt: skip
    assert code == 0
    (summary,) = json.loads(out)["files"][0]["corpus"]
    assert (summary["min_accuracy"], summary["min_behaviour_accuracy"]) == (50.0, 70.0)
    assert summary["ok"] is True


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["builtin:seed", "--corpus-min-behaviour-accuracy", "50"],
         "--corpus-min-behaviour-accuracy only applies with --corpus"),
        (["--corpus", "x.jsonl", "--corpus-min-behaviour-accuracy", "101"],
         "expected a percentage 0-100"),
        (["--corpus", "x.jsonl", "--corpus-min-behaviour-accuracy", "most"],
         "expected a percentage 0-100"),
    ],
)  # fmt: skip
def test_min_behaviour_accuracy_usage_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    """The option is validated like --corpus-min-accuracy (exit 2)."""
    code, _, err = run(capsys, "test", *argv)
    assert code == 2
    assert message in err


# ── custom categories ───────────────────────────────────────────────────────────────────


def test_custom_categories_get_their_own_behaviour(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Custom and redefined categories are scored by their own policy in the rule set."""
    rules = write_rules(
        tmp_path / "custom.yaml",
        MARKERS.replace(
            "      shrink_me: {retryable: true, action: truncate_history}\n",
            "      shrink_me: {retryable: true, action: truncate_history}\n"
            "      timeout: {retryable: false, action: next_provider}\n",
        ),
    )
    ruleset = load_rules(str(rules))
    assert behaviour_of(ruleset.categories["overloaded"]) == "retry_rate_limited"
    assert behaviour_of(ruleset.categories["shrink_me"]) == "context_overflow"
    assert behaviour_of(ruleset.categories["timeout"]) == "give_up"
    path = write_corpus(
        tmp_path / "custom.jsonl",
        [
            # expected a custom category, decided rate_limited: both retry_rate_limited.
            {"message": "marker-rate", "expected": "overloaded"},
            # decided the custom category, expected server_error: retry vs retry_rate_limited.
            {"message": "marker-overloaded", "expected": "server_error"},
            # the redefined timeout gives up; server_error retries.
            {"message": "marker-server", "expected": "timeout"},
            {"message": "marker-ctx", "expected": "shrink_me"},
        ],
    )
    code, out, _ = run(capsys, "test", str(rules), "--corpus", str(path), "--format", "json")
    assert code == 1
    (summary,) = json.loads(out)["files"][0]["corpus"]
    got = [
        (miss["category"], miss["expected_behaviour"], miss["actual_behaviour"])
        for miss in summary["misses"]
    ]
    assert got == [
        ("overloaded", "retry_rate_limited", "retry_rate_limited"),
        ("server_error", "retry", "retry_rate_limited"),
        ("timeout", "give_up", "retry"),
        ("shrink_me", "context_overflow", "context_overflow"),
    ]
    assert (summary["correct"], summary["behaviour_correct"]) == (0, 2)
