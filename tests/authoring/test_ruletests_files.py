"""``reliable-rules test``: side-by-side test files, no_match/todo, corpora, coverage gates,
JSON and JUnit output."""

from __future__ import annotations

import contextlib
import io
import json
import re
import tempfile
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from helpers.rulefiles import write_rules
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

import reliable_rules
from reliable_rules.authoring.ruletests.runner import check_case, expand_test_paths, run_tests
from reliable_rules.cli import main
from reliable_rules.ruleset.schema import ruletests_schema_document, schema_document

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PUBLIC_CORPUS = PROJECT_ROOT / "tests" / "data" / "provider_errors.public.jsonl"

TEAPOT = """
    name: teapot
    extends: [builtin:default]
    rules:
      - id: teapot.418
        when: {status: 418}
        then: {category: server_error}
        tests:
          - {status: 418}
      - id: teapot.never
        when: {contains: zzz-never}
        then: {category: timeout}
      - id: teapot.third
        when: {contains: third-thing}
        then: {category: auth_failed}
"""

#: TEAPOT over the small seed set, for tests that run the command many times.
TEAPOT_ON_SEED = TEAPOT.replace("builtin:default", "builtin:seed")

def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Call main() in-process; return (exit code, stdout, stderr)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write_tests(path: Path, body: str, *, header: bool = True) -> Path:
    """Write a side-by-side test file (the format line is added unless ``header`` is False)."""
    text = textwrap.dedent(body).lstrip("\n")
    path.write_text(("format: reliable-rules-tests/v1\n" if header else "") + text, "utf-8")
    return path


@pytest.fixture
def teapot(tmp_path: Path) -> Path:
    """A rule file with one embedded-tested rule and two rules left to side-by-side tests,
    over builtin:seed: each of the ~40 commands that run it builds the set again, and over
    builtin:default that cost 1.5 s a command (the corpus tests, whose misses name default's
    rules, use teapot_on_default)."""
    return write_rules(tmp_path / "teapot.yaml", TEAPOT_ON_SEED)


@pytest.fixture
def teapot_on_default(tmp_path: Path) -> Path:
    """The teapot rules over builtin:default, as users extend it."""
    return write_rules(tmp_path / "teapot.yaml", TEAPOT)


# ── side-by-side discovery ──────────────────────────────────────────────────────────────


def test_side_by_side_file_runs_with_its_rule_file(
    capsys: pytest.CaptureFixture[str], teapot: Path
) -> None:
    """Testing x.yaml also runs x.test.yaml; its cases count for x.yaml's coverage."""
    side = write_tests(
        teapot.with_name("teapot.test.yaml"),
        """
        cases:
          - {text: "zzz-never here", rule: teapot.never}
          - {text: "third-thing", rule: teapot.never}
        """,
    )
    code, out, err = run(capsys, "test", str(teapot))
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == (
        f"{side}:4:5: FAIL rule teapot.never: category: expected timeout, got auth_failed; "
        "rule: expected teapot.never, got teapot.third"
    )
    assert lines[1].startswith("    rule set teapot")
    assert f"{teapot}: 2/3 passed, coverage 3/3 rules (100%)" in lines
    assert err == "1 case failed, 2 passed in 1 file\n"


def test_test_file_named_alone_runs_against_its_sibling_only(
    capsys: pytest.CaptureFixture[str], teapot: Path
) -> None:
    """`test x.test.yaml` runs its cases against x.yaml, without x.yaml's embedded tests."""
    side = write_tests(
        teapot.with_name("teapot.test.yaml"), "cases:\n  - {text: zzz-never, rule: teapot.never}\n"
    )
    code, out, err = run(capsys, "test", str(side))
    assert code == 0, out
    assert out == (
        f"{teapot}: 1/1 passed, coverage 1/3 rules (33%)\n  uncovered: teapot.418, teapot.third\n"
    )
    assert err == "ok: 1 case passed in 1 file\n"


@pytest.mark.parametrize(
    ("test_name", "rules_line", "expected_unit"),
    [
        ("teapot.test.yml", "", "teapot.yaml"),
        ("elsewhere.test.yaml", "rules: teapot.yaml\n", "teapot.yaml"),
        ("sub/deeper.test.yaml", "rules: ../teapot.yaml\n", "teapot.yaml"),
        ("builtin.test.yaml", "rules: builtin:default\n", "builtin:default"),
    ],
)
def test_test_file_finds_the_rule_set_it_tests(
    capsys: pytest.CaptureFixture[str],
    teapot: Path,
    test_name: str,
    rules_line: str,
    expected_unit: str,
) -> None:
    """A test file tests its sibling (.test.yml too) or the rule set its `rules:` names."""
    path = teapot.parent / test_name
    path.parent.mkdir(exist_ok=True)
    write_tests(path, rules_line + "cases:\n  - {status: 500, expect: server_error}\n")
    code, out, _ = run(capsys, "test", "--format", "json", str(path))
    assert code == 0, out
    (report,) = json.loads(out)["files"]
    if expected_unit.startswith("builtin:"):
        assert report["path"] == expected_unit
    else:
        assert Path(report["path"]).resolve() == teapot.resolve()
    assert report["test_files"] == [str(path)]
    assert (report["cases"], report["passed"]) == (1, 1)


def test_directory_runs_side_files_once_and_orphan_test_files(tmp_path: Path) -> None:
    """A directory yields its rule files; test files come via their sibling or, orphaned,
    on their own."""
    write_rules(tmp_path / "teapot.yaml", TEAPOT)
    write_tests(
        tmp_path / "teapot.test.yaml", "cases:\n  - {text: zzz-never, rule: teapot.never}\n"
    )
    write_tests(
        tmp_path / "orphan.test.yaml",
        "rules: builtin:seed\ncases:\n  - {text: 429 Too Many Requests, expect: rate_limited}\n",
    )
    rule_files, test_files, empty = expand_test_paths([str(tmp_path)])
    assert rule_files == [(tmp_path / "teapot.yaml").as_posix()]
    assert test_files == [(tmp_path / "orphan.test.yaml").as_posix()]
    assert empty == []
    run_report = run_tests([str(tmp_path), str(tmp_path / "teapot.test.yaml")])
    assert [r.path for r in run_report.reports] == [
        (tmp_path / "teapot.yaml").as_posix(),
        "builtin:seed",
    ]
    teapot_report, seed_report = run_report.reports
    assert teapot_report.test_files == (str(tmp_path / "teapot.test.yaml"),)
    assert teapot_report.total == 2
    assert seed_report.total == 1
    assert run_report.ok


# ── rule / no_match / todo semantics ────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("case", "passes", "differences"),
    [
        ('{text: "zzz-never", rule: teapot.never}', True, []),
        ('{text: "third-thing", rule: teapot.never}', False, ["category", "rule"]),
        ('{text: "third-thing", rule: teapot.third, expect: auth_failed}', True, []),
        ('{text: "nothing at all", no_match: true}', True, []),
        ('{text: "zzz-never", no_match: true}', False, ["category", "rule"]),
        ('{text: "nothing at all", rule: null}', True, []),
        ('{text: "nothing at all", no_match: true, expect: unknown}', True, []),
        ("{status: 418, expect: server_error, retryable: true}", True, []),
        ("{status: 418, expect: server_error, rule: seed.status.client-error}", False, ["rule"]),
    ],
)
def test_side_by_side_case_semantics(
    teapot: Path, case: str, passes: bool, differences: list[str]
) -> None:
    """`rule` names the deciding rule (and its category), `no_match`/`rule: null` mean none."""
    side = write_tests(teapot.with_name("teapot.test.yaml"), f"cases:\n  - {case}\n")
    (report,) = run_tests([str(side)]).reports
    assert report.test_problems == ()
    (result,) = report.cases
    assert result.passed is passes
    assert [d.key for d in result.differences] == differences
    assert result.source == str(side)


def test_embedded_no_match_and_todo(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Embedded cases accept no_match (expects unknown, no rule) and todo (never fails)."""
    path = write_rules(
        tmp_path / "embedded.yaml",
        """
        name: embedded
        rules:
          - id: e.hello
            when: {contains: hello}
            then: {category: auth_failed}
            tests:
              - {text: "goodbye", no_match: true}
              - {text: "hello", no_match: true, todo: true}
              - {text: "hello", todo: true}
        """,
    )
    report = reliable_rules.authoring.ruletests.runner.run_file(str(path))
    assert [r.status for r in report.cases] == ["passed", "todo", "todo passed"]
    assert report.cases[0].case.expect == "unknown"
    assert [str(d) for d in report.cases[1].differences] == [
        "category: expected unknown, got auth_failed",
        "rule: expected null, got e.hello",
    ]
    code, out, err = run(capsys, "test", str(path))
    assert code == 0, out
    assert f"{path}:9:9: TODO rule e.hello: category: expected unknown, got auth_failed" in out
    assert f"{path}:10:9: TODO PASSED rule e.hello: remove 'todo: true'" in out
    assert f"{path}: 1/1 passed, coverage 1/1 rules (100%)" in out
    assert err == "ok: 1 case passed (1 todo, 1 todo passed) in 1 file\n"


def test_failing_todo_case_reports_but_exits_0_and_does_not_cover(
    capsys: pytest.CaptureFixture[str], teapot: Path
) -> None:
    """A failing todo case is reported as TODO, exits 0, and covers nothing."""
    side = write_tests(
        teapot.with_name("teapot.test.yaml"),
        "cases:\n  - {text: third-thing, rule: teapot.never, todo: true}\n",
    )
    code, out, err = run(capsys, "test", str(teapot))
    assert code == 0, out
    assert out.startswith(f"{side}:3:5: TODO rule teapot.never: category: expected timeout")
    assert "FAIL" not in out
    assert "  uncovered: teapot.never, teapot.third" in out
    assert err == "ok: 1 case passed (1 todo) in 1 file\n"


def test_passing_todo_case_is_reported_as_todo_passed(
    capsys: pytest.CaptureFixture[str], teapot: Path
) -> None:
    """A todo case that passes is reported as TODO PASSED (its flag can go) and covers."""
    side = write_tests(
        teapot.with_name("teapot.test.yaml"),
        "cases:\n  - {text: zzz-never, rule: teapot.never, todo: true}\n",
    )
    code, out, err = run(capsys, "test", str(teapot))
    assert code == 0
    assert f"{side}:3:5: TODO PASSED rule teapot.never: remove 'todo: true'" in out
    assert f"{teapot}: 1/1 passed, coverage 2/3 rules (66%)" in out
    assert err == "ok: 1 case passed (1 todo passed) in 1 file\n"


def test_check_case_with_no_match_expects_unknown_and_no_rule() -> None:
    """A RuleTest with no_match expects `unknown` and rule null even without expectations."""
    ruleset = reliable_rules.load_rules("builtin:seed")
    case = reliable_rules.RuleTest(rule_id="", file="f", line=1, column=1, text="x", no_match=True)
    assert check_case(ruleset, case).passed
    hit = reliable_rules.RuleTest(
        rule_id="", file="f", line=1, column=1, text="429 Too Many Requests", no_match=True
    )
    result = check_case(ruleset, hit)
    assert [d.key for d in result.differences] == ["category", "rule"]


# ── load errors ─────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("cases:\n  - {text: x, rule: teapot.nevr}\n", "3:21: unknown rule id 'teapot.nevr'"),
        ("cases:\n  - {text: x, expect: timout}\n", "3:23: unknown category 'timout'"),
        ("cases:\n  - {text: x, status: abc, rule: teapot.418}\n", "3:23: cases[0].status:"),
        (
            "cases:\n  - {text: x, bogus: 1, rule: teapot.418}\n",
            "3:15: cases[0]: unknown key 'bogus'",
        ),
        ("cases:\n  - {text: x}\n", "3:5: cases[0]: say what must decide"),
        ("cases:\n  - {text: x, no_match: true, expect: timeout}\n", "3:39: no_match: true means"),
        ("cases:\n  - {text: x, no_match: true, rule: teapot.418}\n", "3:37: no_match: true means"),
        ("cases: [\n", "2:9: YAML syntax error"),
        ("rules: missing.yaml\ncases: []\n", "2:8: rules: rule file 'missing.yaml' not found"),
        ("cases: {a: 1}\n", "2:8: cases: expected array"),
        ("bogus: 1\ncases: []\n", "2:1: unknown key 'bogus' at the top level"),
    ],
)
def test_test_file_problems_are_reported_with_positions_and_exit_2(
    capsys: pytest.CaptureFixture[str], teapot: Path, body: str, expected: str
) -> None:
    """Problems in a test file print as FILE:LINE:COL: message and exit 2."""
    side = write_tests(teapot.with_name("teapot.test.yaml"), body)
    code, out, err = run(capsys, "test", str(teapot))
    assert code == 2
    assert f"{side}:{expected}" in out
    assert err.endswith(", 1 test file could not be loaded\n")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("format: reliable-rules-tests/v2\ncases: []\n", "1:9: unsupported format version"),
        ("format: reliable-rules/v1\ncases: []\n", "1:9: format must be 'reliable-rules-tests/v1'"),
        ("cases: []\n", "1:1: (top level): missing required key 'format'"),
        ("- just\n- a list\n", "1:1: a test file must be a mapping at the top level"),
    ],
)
def test_test_file_format_problems(
    capsys: pytest.CaptureFixture[str], teapot: Path, text: str, expected: str
) -> None:
    """A wrong or missing format line, or a document that is not a mapping, is exit 2."""
    side = write_tests(teapot.with_name("teapot.test.yaml"), text, header=False)
    code, out, _ = run(capsys, "test", str(side))
    assert code == 2
    assert f"{side}:{expected}" in out


def test_embedded_no_match_conflict_is_a_load_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An embedded case with no_match and a contradicting expect cannot be loaded (exit 2)."""
    path = write_rules(
        tmp_path / "conflict.yaml",
        """
        name: conflict
        rules:
          - id: c.one
            when: {contains: one}
            then: {category: timeout}
            tests:
              - {text: x, no_match: true, expect: timeout}
        """,
    )
    code, out, _ = run(capsys, "test", str(path))
    assert code == 2
    assert ":8:43: no_match: true means the category is 'unknown', but expect is 'timeout'" in out


def test_missing_test_file_and_test_file_without_rules(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A missing test file, or one with no sibling and no `rules:`, exits 2."""
    code, out, err = run(capsys, "test", str(tmp_path / "nope.test.yaml"))
    assert code == 2
    assert out == ""
    assert f"reliable-rules: error: test file '{tmp_path / 'nope.test.yaml'}' not found" in err
    lonely = write_tests(tmp_path / "lonely.test.yaml", "cases: []\n")
    code, out, err = run(capsys, "test", str(lonely))
    assert code == 2
    assert f"{lonely}:1:1: no rule file to test" in out
    assert err.endswith("1 test file could not be loaded\n")


# ── corpus ──────────────────────────────────────────────────────────────────────────────

SMALL_CORPUS = [
    {"id": "tea", "status": 418, "message": "I'm a teapot", "expected": "server_error"},
    {"id": 2, "message": "zzz-never", "expected": "timeout", "source": "here"},
    {"message": "timed out, key sk-abcdefghijklmnop123456", "expected": "rate_limited"},
    {"id": "third", "message": "third-thing", "expected": "auth_failed"},
    {"message": "third-thing again", "expected": "timeout", "todo": True},
]


def write_corpus(path: Path, records: list[dict[str, Any]], *, blank: bool = True) -> Path:
    """Write records as JSONL (with a blank line in the middle, which is skipped)."""
    lines = [json.dumps(record) for record in records]
    if blank:
        lines.insert(2, "")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_corpus_accuracy_confusion_and_misses(
    capsys: pytest.CaptureFixture[str], teapot_on_default: Path, tmp_path: Path
) -> None:
    """A corpus reports accuracy, every miss (sanitised) and a confusion table; a miss fails."""
    teapot = teapot_on_default
    corpus = write_corpus(tmp_path / "small.jsonl", SMALL_CORPUS)
    code, out, err = run(capsys, "test", str(teapot), "--corpus", str(corpus))
    assert code == 1
    lines = out.splitlines()
    head = lines.index(
        f"corpus {corpus} (rules {teapot}): 3/4 categories correct (75.0%), "
        "3/4 behaviours correct (75.0%), 1 miss, 1 todo"
    )
    assert lines[head + 1] == (
        f"  {corpus}:4: MISS expected rate_limited, got timeout "
        "(rule default.server.wrapper-timeout) "
        "[behaviour retry_rate_limited -> retry]: timed out, key [REDACTED]"
    )
    assert lines[head + 2] == (
        f"  {corpus}:6: TODO expected timeout, got auth_failed (rule teapot.third) "
        "[behaviour retry -> give_up]: third-thing again"
    )
    assert lines[head + 3] == "  confusion (rows: expected, columns: decided):"
    table = [line.split() for line in lines[head + 4 : head + 9]]
    assert table == [
        ["expected", "\\", "decided", "auth_failed", "rate_limited", "server_error", "timeout"],
        ["auth_failed", "1", "0", "0", "0"],
        ["rate_limited", "0", "0", "0", "1"],
        ["server_error", "0", "0", "1", "0"],
        ["timeout", "0", "0", "0", "1"],
    ]  # fmt: skip
    assert f"{teapot}: 1/1 passed, coverage 3/3 rules (100%)" in lines
    assert "sk-abc" not in out
    assert err == "1 case passed in 1 file, corpus: 3 of 4 records correct\n"


def test_public_corpus_numbers_add_up(capsys: pytest.CaptureFixture[str]) -> None:
    """Over the public corpus with builtin:default: correct + misses == records, table sums."""
    records = [line for line in PUBLIC_CORPUS.read_text("utf-8").splitlines() if line.strip()]
    code, out, _ = run(capsys, "test", "--corpus", str(PUBLIC_CORPUS), "--format", "json")
    document = json.loads(out)
    (report,) = document["files"]
    assert report["path"] == "builtin:default"
    (corpus,) = report["corpus"]
    assert corpus["records"] == len(records) == corpus["scored"]
    assert corpus["correct"] + corpus["missed"] == len(records)
    assert len(corpus["misses"]) == corpus["missed"]
    confusion = corpus["confusion"]
    assert sum(n for row in confusion.values() for n in row.values()) == len(records)
    assert sum(row.get(expected, 0) for expected, row in confusion.items()) == corpus["correct"]
    assert corpus["accuracy"] == round(100.0 * corpus["correct"] / len(records), 2)
    expected_counts = {}
    for line in records:
        category = json.loads(line)["expected"]
        expected_counts[category] = expected_counts.get(category, 0) + 1
    assert {key: sum(row.values()) for key, row in confusion.items()} == expected_counts
    assert code == (1 if corpus["missed"] else 0)
    assert document["ok"] is (code == 0)


@pytest.mark.parametrize(
    ("minimum", "code"), [("0", 0), ("75", 0), ("75%", 0), ("75.5", 1), ("100", 1)]
)
def test_corpus_min_accuracy_gates_the_exit_code(
    capsys: pytest.CaptureFixture[str], teapot: Path, tmp_path: Path, minimum: str, code: int
) -> None:
    """With --corpus-min-accuracy P only an accuracy below P fails (75% here)."""
    corpus = write_corpus(tmp_path / "small.jsonl", SMALL_CORPUS)
    got, out, _ = run(
        capsys, "test", str(teapot), "--corpus", str(corpus), "--corpus-min-accuracy", minimum
    )
    assert got == code
    verdict = "NOT met" if code else "met"
    assert f"; min accuracy {minimum.rstrip('%')}% {verdict}" in out


def test_corpus_todo_records_never_fail(
    capsys: pytest.CaptureFixture[str], teapot: Path, tmp_path: Path
) -> None:
    """Todo records are reported (TODO / TODO PASSED) but never count as misses."""
    corpus = write_corpus(
        tmp_path / "todo.jsonl",
        [
            {"message": "zzz-never", "expected": "timeout"},
            {"message": "nothing", "expected": "timeout", "todo": True},
            {"message": "zzz-never", "expected": "timeout", "todo": True},
        ],
        blank=False,
    )
    code, out, _ = run(capsys, "test", str(teapot), "--corpus", str(corpus))
    assert code == 0, out
    assert (
        f"corpus {corpus} (rules {teapot}): 1/1 categories correct (100.0%), "
        "1/1 behaviours correct (100.0%), 0 misses, 2 todo"
    ) in out
    todo = f"  {corpus}:2: TODO expected timeout, got unknown (rule -) [behaviour ok]: nothing"
    assert todo in out
    assert f'  {corpus}:3: TODO PASSED expected timeout (remove "todo": true): zzz-never' in out


def test_corpus_bad_lines_and_unreadable_corpus_exit_2(
    capsys: pytest.CaptureFixture[str], teapot: Path, tmp_path: Path
) -> None:
    """Bad corpus lines are reported as FILE:N (the rest still count); a missing corpus is 2."""
    corpus = tmp_path / "bad.jsonl"
    corpus.write_text(
        '[1]\n{"expected": "bogus"}\nnot json\n{"message": "zzz-never", "expected": "timeout"}\n'
        '{"message": "x"}\n{"status": "x", "expected": "timeout"}\n',
        encoding="utf-8",
    )
    code, out, err = run(
        capsys, "test", str(teapot), "--corpus", str(corpus), "--corpus", str(tmp_path / "no")
    )
    assert code == 2
    assert f"{corpus}:1: record must be a JSON object, got array" in err
    assert f"{corpus}:2: 'expected' names unknown category 'bogus'" in err
    assert f"{corpus}:3: invalid JSON" in err
    assert f"{corpus}:5: 'expected' is required" in err
    assert f"{corpus}:6: 'status' must be an integer or null, got string" in err
    assert f"{corpus}: 5 bad lines (see above)" in err
    assert f"reliable-rules: error: cannot read corpus '{tmp_path / 'no'}'" in err
    assert (
        f"corpus {corpus} (rules {teapot}): 1/1 categories correct (100.0%), "
        "1/1 behaviours correct (100.0%), 0 misses"
    ) in out
    assert err.endswith(", 2 corpus files could not be read\n")


def test_corpus_rule_set_selection(
    capsys: pytest.CaptureFixture[str], teapot: Path, tmp_path: Path
) -> None:
    """The corpus uses --rules, else the only rule file tested, else builtin:default."""
    corpus = write_corpus(tmp_path / "c.jsonl", SMALL_CORPUS[:2], blank=False)
    _, out, _ = run(capsys, "test", "--corpus", str(corpus), "--format", "json")
    assert [f["path"] for f in json.loads(out)["files"]] == ["builtin:default"]
    _, out, _ = run(capsys, "test", str(teapot), "--corpus", str(corpus), "--format", "json")
    assert json.loads(out)["files"][0]["corpus"][0]["rules"] == str(teapot)
    code, out, _ = run(
        capsys, "test", "builtin:seed", str(teapot), "--corpus", str(corpus),
        "--rules", str(teapot), "--format", "json",
    )  # fmt: skip
    files = json.loads(out)["files"]
    assert [len(f["corpus"]) for f in files] == [0, 1]
    code, _, err = run(capsys, "test", "builtin:seed", str(teapot), "--corpus", str(corpus))
    assert code == 2
    assert "--corpus needs --rules PATH|builtin:NAME: 2 rule files are tested" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "nothing to test"),
        (["builtin:seed", "--rules", "builtin:default"], "--rules only applies with --corpus"),
        (["builtin:seed", "--corpus-min-accuracy", "50"], "--corpus-min-accuracy only applies"),
        (["builtin:seed", "--coverage-threshold", "101"], "expected a percentage 0-100"),
        (["builtin:seed", "--coverage-threshold", "x"], "expected a percentage 0-100"),
        (["builtin:seed", "--format", "xml"], "invalid choice"),
    ],
)
def test_test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    """Option combinations that make no sense exit 2 with a one-line error."""
    code, _, err = run(capsys, "test", *argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


# ── coverage threshold ──────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(("threshold", "code"), [("0", 0), ("33", 0), ("33.4", 1), ("100", 1)])
def test_coverage_threshold(
    capsys: pytest.CaptureFixture[str], teapot: Path, threshold: str, code: int
) -> None:
    """--coverage-threshold N fails (exit 1) when a file covers less than N%, listing ids."""
    got, out, err = run(capsys, "test", str(teapot), "--coverage-threshold", threshold)
    assert got == code
    assert f"{teapot}: 1/1 passed, coverage 1/3 rules (33%)" in out
    below = (
        f"{teapot}: coverage 33% is below --coverage-threshold {threshold}%; "
        "uncovered: teapot.never, teapot.third\n"
    )
    assert (below in err) is bool(code)
    assert err.endswith(
        f"coverage below {threshold}% in 1 file\n" if code else "ok: 1 case passed in 1 file\n"
    )


def test_shipped_rules_meet_a_full_coverage_threshold(
    shipped_rules_tested: tuple[int, str, str],
) -> None:
    """The shipped rule files cover every own rule, so --coverage-threshold 100 passes."""
    code, out, _ = shipped_rules_tested
    assert code == 0, out


# ── json and junit ──────────────────────────────────────────────────────────────────────


def test_json_document_has_results_coverage_and_corpus(
    capsys: pytest.CaptureFixture[str], teapot_on_default: Path, tmp_path: Path
) -> None:
    """--format json holds every case with its status, coverage, uncovered ids and corpora."""
    teapot = teapot_on_default
    side = write_tests(
        teapot.with_name("teapot.test.yaml"),
        """
        cases:
          - {text: third-thing, rule: teapot.never}
          - {text: third-thing, rule: teapot.never, todo: true}
          - {text: zzz-never, rule: teapot.never, todo: true}
        """,
    )
    corpus = write_corpus(tmp_path / "c.jsonl", SMALL_CORPUS)
    code, out, _ = run(
        capsys, "test", str(teapot), "--corpus", str(corpus), "--format", "json",
        "--coverage-threshold", "50",
    )  # fmt: skip
    assert code == 1
    document = json.loads(out)
    assert document["ok"] is False
    assert document["coverage_threshold"] == 50.0
    (report,) = document["files"]
    assert [r["status"] for r in report["results"]] == ["passed", "failed", "todo", "todo passed"]
    assert [r["file"] for r in report["results"]] == [str(teapot)] + [str(side)] * 3
    assert "explain" not in report["results"][0]
    assert report["results"][1]["explain"].startswith("rule set teapot")
    assert (report["cases"], report["passed"], report["failed"]) == (2, 1, 1)
    assert (report["todo"], report["todo_passed"]) == (1, 1)
    assert report["failures"][0]["rule"] == "teapot.never"
    assert report["test_files"] == [str(side)]
    assert report["coverage"] == {"covered": 3, "rules": 3, "percent": 100.0}
    assert report["below_threshold"] is False
    assert report["uncovered"] == []
    (summary,) = report["corpus"]
    assert {k: summary[k] for k in ("records", "scored", "correct", "missed", "todo")} == {
        "records": 5, "scored": 4, "correct": 3, "missed": 1, "todo": 1,
    }  # fmt: skip
    assert summary["accuracy"] == 75.0
    assert summary["confusion"]["rate_limited"] == {"timeout": 1}
    (miss,) = summary["misses"]
    assert (miss["line"], miss["id"], miss["expected"], miss["actual"], miss["rule"]) == (
        4, None, "rate_limited", "timeout", "default.server.wrapper-timeout",
    )  # fmt: skip
    assert "[REDACTED]" in miss["text"]
    assert miss["explain"].splitlines()[-1].startswith("decision: timeout")


def _junit(out: str) -> ET.Element:
    root = ET.fromstring(out)
    assert root.tag == "testsuites"
    return root


def _counts(element: ET.Element) -> tuple[int, int, int, int]:
    tests, failures, errors, skipped = (
        int(element.get(key, "-1")) for key in ("tests", "failures", "errors", "skipped")
    )
    return tests, failures, errors, skipped


def test_junit_counts_failures_and_skipped(
    capsys: pytest.CaptureFixture[str], teapot: Path, tmp_path: Path
) -> None:
    """--format junit: a suite per file and corpus, a testcase per case/record, with counts."""
    write_tests(
        teapot.with_name("teapot.test.yaml"),
        """
        cases:
          - {text: "third-thing \\x01 <&>", rule: teapot.never}
          - {text: third-thing, rule: teapot.never, todo: true}
          - {text: zzz-never, rule: teapot.never, todo: true}
        """,
    )
    corpus = write_corpus(tmp_path / "c.jsonl", SMALL_CORPUS)
    code, out, _ = run(
        capsys, "test", str(teapot), "--corpus", str(corpus), "--format", "junit",
        "--coverage-threshold", "100",
    )  # fmt: skip
    assert code == 1
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = _junit(out)
    files, corpus_suite = root.findall("testsuite")
    assert files.get("name") == str(teapot)
    # 1 embedded + 3 side cases + the coverage gate; 1 failure; 2 todo skipped.
    assert _counts(files) == (5, 1, 0, 2)
    failure = files.find("testcase/failure")
    assert failure is not None
    assert failure.get("type") == "mismatch"
    assert "\\x{1} <&>" in (failure.text or "")
    assert "decision: auth_failed" in (failure.text or "")
    skipped = [s.get("message", "") for s in files.iter("skipped")]
    assert skipped[0].startswith("todo: category: expected timeout")
    assert skipped[1] == "todo passed: remove 'todo: true'"
    coverage = files.findall("testcase")[-1]
    assert coverage.get("name") == "coverage >= 100%"
    assert coverage.find("failure") is None
    # 5 records: 1 miss (failure), 1 todo (skipped).
    assert _counts(corpus_suite) == (5, 1, 0, 1)
    assert "expected \\ decided" in (corpus_suite.findtext("system-out") or "")
    assert _counts(root) == (10, 2, 0, 3)


def test_junit_with_min_accuracy_and_load_errors(
    capsys: pytest.CaptureFixture[str], teapot: Path, tmp_path: Path
) -> None:
    """With a min accuracy misses do not fail but the gate does; load problems are errors."""
    corpus = write_corpus(tmp_path / "c.jsonl", SMALL_CORPUS)
    broken = write_rules(tmp_path / "broken.yaml", "name: [unclosed\n")
    code, out, _ = run(
        capsys, "test", str(teapot), str(broken), "--corpus", str(corpus), "--rules",
        str(teapot), "--corpus-min-accuracy", "80", "--format", "junit",
    )  # fmt: skip
    assert code == 2
    root = _junit(out)
    teapot_suite, corpus_suite, broken_suite = root.findall("testsuite")
    assert _counts(teapot_suite) == (1, 0, 0, 0)
    assert _counts(corpus_suite) == (6, 1, 0, 1)
    gate = corpus_suite.findall("testcase")[-1]
    assert gate.get("name") == "accuracy >= 80%"
    gate_failure = gate.find("failure")
    assert gate_failure is not None
    assert gate_failure.get("message") == "accuracy 75.0% is below 80%"
    assert _counts(broken_suite) == (1, 0, 1, 0)
    error = broken_suite.find("testcase/error")
    assert error is not None
    assert error.get("type") == "load-error"
    assert "YAML syntax error" in (error.text or "")


# ── schema ──────────────────────────────────────────────────────────────────────────────


def _objects(node: Any, path: str = "#") -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            found.append((path, node))
        for key, value in node.items():
            found += _objects(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _objects(value, f"{path}/{index}")
    return found


def test_ruletests_schema_is_closed_described_and_in_step_with_embedded_cases() -> None:
    """The test-file schema is valid 2020-12, closed, documented, and has the embedded keys."""
    schema = ruletests_schema_document()
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == "urn:reliable-rules:schema:ruletests:v1"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    objects = _objects(schema)
    assert [p for p, node in objects if node.get("additionalProperties") is not False] == []
    assert [
        f"{p}/{name}"
        for p, node in objects
        for name, prop in node["properties"].items()
        if "description" not in prop
    ] == []
    embedded = schema_document()["$defs"]["case"]["properties"]
    assert set(schema["$defs"]["case"]["properties"]) == set(embedded)
    assert {"no_match", "todo", "rule"} <= set(embedded)
    assert schema["$defs"]["action"] == schema_document()["$defs"]["action"]


# ── robustness ──────────────────────────────────────────────────────────────────────────

_KEYS = st.sampled_from(
    ["format", "rules", "cases", "text", "status", "rule", "no_match", "todo", "expect",
     "headers", "body", "exception", "retryable", "action", "description", "x"]
)  # fmt: skip
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(["reliable-rules-tests/v1", "teapot.418", "builtin:seed", "unknown", "x.yaml"]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_KEYS, inner, max_size=5)),
    max_leaves=20,
)


def _yaml_text(value: Any) -> str:
    import yaml  # noqa: PLC0415 — only this strategy needs the emitter

    return yaml.safe_dump(value, allow_unicode=True)


_JUNK = st.one_of(
    st.text(max_size=200),
    _VALUES.map(_yaml_text),
    st.dictionaries(_KEYS, _VALUES, max_size=4).map(
        lambda d: _yaml_text({"format": "reliable-rules-tests/v1", **d})
    ),
    st.lists(st.dictionaries(_KEYS, _VALUES, max_size=5), max_size=4).map(
        lambda cases: _yaml_text({"format": "reliable-rules-tests/v1", "cases": cases})
    ),
)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(junk=st.one_of(_JUNK.map(lambda text: text.encode("utf-8")), st.binary(max_size=100)))
def test_junk_test_files_never_crash(junk: bytes) -> None:
    """Whatever a .test.yaml holds, `test` exits 0, 1 or 2 with no traceback, in every format."""
    with tempfile.TemporaryDirectory() as directory:
        # the seed as base: the junk is what is tested, not the building of builtin:default
        # (0.2 s per command, 180 commands)
        rules = write_rules(Path(directory) / "teapot.yaml", TEAPOT_ON_SEED)
        (Path(directory) / "teapot.test.yaml").write_bytes(junk)
        for fmt in ("text", "json", "junit"):
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(["test", str(rules), "--format", fmt])
            assert code in (0, 1, 2), err.getvalue()
            assert "Traceback" not in err.getvalue()
            assert "internal error" not in err.getvalue()
            if fmt == "json":
                json.loads(out.getvalue())
            elif fmt == "junit":
                ET.fromstring(out.getvalue())
            else:
                assert re.search(r"coverage \d+/3 rules", out.getvalue())
