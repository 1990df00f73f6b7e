"""The ``reliable-rules`` command line: output formats, exit codes and error handling."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers.rulefiles import write_rules

import reliable_rules
from reliable_rules.authoring.ruletests.runner import own_file
from reliable_rules.cli import _common as cli_common
from reliable_rules.cli import formats, main
from reliable_rules.cli import validate as cli_validate

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: Every shipped rule file, as `rules/` expands: the three sets and builtin:default's parts.
SHIPPED_RULE_FILES = sorted(
    path.relative_to(PROJECT_ROOT).as_posix()
    for path in (PROJECT_ROOT / "rules").rglob("*.yaml")
)
CORPUS = "tests/data/provider_errors.public.jsonl"
DECISION_KEYS = [
    "category", "reason", "retryable", "rate_limited", "action",
    "retry_after_ms", "rule", "ruleset", "revision",
]  # fmt: skip
HUMAN_LINE = re.compile(
    r"^category=\S+ reason=\S+ retryable=(yes|no) action=\S+ retry_after_ms=(\d+|-) "
    r"rule=\S+ \(\S+ \S+\)$"
)


@pytest.fixture(autouse=True)
def _in_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test from the project root, without debug mode."""
    monkeypatch.chdir(PROJECT_ROOT)
    monkeypatch.delenv("RELIABLE_RULES_DEBUG", raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Call main() in-process; return (exit code, stdout, stderr)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


BROKEN_BASE = """
    name: base
    rules:
      - id: base.bad-regex
        when: {regex: "("}
        then: {category: server_error}
"""


# ── general ─────────────────────────────────────────────────────────────────────────────


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """--version prints 'reliable-rules <version>' and exits 0."""
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out == f"reliable-rules {reliable_rules.__version__}\n"


@pytest.mark.parametrize("command", [[], ["validate"], ["classify"], ["test"]])
def test_help_documents_exit_codes(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    """--help of the program and of each command exits 0 and documents the exit codes."""
    code, out, _ = run(capsys, *command, "--help")
    assert code == 0
    assert "exit codes:" in out
    assert "usage: reliable-rules" in out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """Unknown options, missing commands and bad option values exit 2 without a traceback."""
    bad: tuple[list[str], ...] = (
        ["--bogus"],
        [],
        ["validate"],
        ["classify", "--status", "abc", "x"],
        ["classify", "--header", "no-colon", "x"],
        ["validate", "--format", "xml", "rules"],
    )
    for argv in bad:
        code, _, err = run(capsys, *argv)
        assert code == 2, argv
        assert "Traceback" not in err
        assert "error:" in err


def test_internal_error_exits_3_without_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug inside a command exits 3 with one line on stderr and no traceback."""

    def boom(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(cli_validate, "load_rules_within", boom)
    code, out, err = run(capsys, "validate", "rules/")
    assert code == 3
    assert out == ""
    assert err == (
        "reliable-rules: internal error: RuntimeError: boom; "
        "set RELIABLE_RULES_DEBUG=1 for a traceback\n"
    )


def test_internal_error_traceback_in_debug_mode(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With RELIABLE_RULES_DEBUG=1 an internal error also prints its traceback."""

    def boom(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli_common, "load_rules", boom)
    monkeypatch.setenv("RELIABLE_RULES_DEBUG", "1")
    code, _, err = run(capsys, "classify", "x")
    assert code == 3
    assert "Traceback (most recent call last)" in err
    assert err.rstrip().endswith("set RELIABLE_RULES_DEBUG=1 for a traceback")


def test_keyboard_interrupt_exits_130_quietly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C exits 130 and prints nothing."""

    def interrupted(*_args: Any, **_kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_common, "load_rules", interrupted)
    assert run(capsys, "classify", "x") == (130, "", "")


class _ClosedPipe(io.StringIO):
    """A stdout whose reader went away (like `| head`)."""

    def write(self, _text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_broken_pipe_exits_quietly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A closed stdout ends the command quietly with 141 (128 + SIGPIPE)."""
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    code = main(["classify", "--corpus", CORPUS])
    assert code == 141
    assert capsys.readouterr().err == ""


@pytest.mark.slow
def test_python_dash_m_entry_point() -> None:
    """`python -m reliable_rules validate rules/seed.yaml` runs the CLI in a fresh process and
    exits 0."""
    # One small file: what this checks is the entry point. All of rules/ is validated in this
    # process by test_validate_shipped_rules_ok and, in a fresh `python -m reliable_rules`
    # process, with --strict, by tests/integration/test_ecosystem.py's pre-commit hook test
    # (validating all 51 files here again cost 6 s).
    env = {k: v for k, v in os.environ.items() if k != "RELIABLE_RULES_DEBUG"}
    result = subprocess.run(
        [sys.executable, "-m", "reliable_rules", "validate", "rules/seed.yaml"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == "ok: 1 file valid\n"


# ── validate ────────────────────────────────────────────────────────────────────────────


def test_validate_shipped_rules_ok(capsys: pytest.CaptureFixture[str]) -> None:
    """`validate rules/` exits 0 with no problems and an ok summary on stderr."""
    code, out, err = run(capsys, "validate", "rules/")
    assert code == 0
    assert out == ""
    assert len(SHIPPED_RULE_FILES) == 139
    assert err == f"ok: {len(SHIPPED_RULE_FILES)} files valid\n"


def test_validate_builtin_names(capsys: pytest.CaptureFixture[str]) -> None:
    """builtin:NAME is accepted as a path; the same file named twice is validated once."""
    code, _, err = run(capsys, "validate", "builtin:seed", "rules/seed.yaml", "builtin:default")
    assert code == 0
    assert err == "ok: 2 files valid\n"


def test_validate_broken_file_prints_positions(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A broken file exits 1 with sorted `RRnnn FILE:LINE:COL: message` lines (each followed by
    its source line and a caret) and a summary."""
    path = write_rules(
        tmp_path / "broken.yaml",
        """
        name: broken
        rules:
          - id: x.one
            when: {regex: "("}
            then: {category: server_error}
          - id: x.two
            when: {status: 500}
            then: {category: no_such_category}
        """,
    )
    code, out, err = run(capsys, "validate", str(path))
    assert code == 1
    lines = [line for line in out.splitlines() if not line.startswith(" ")]
    shown = own_file(str(path))
    assert len(lines) == 2
    for line in lines:
        assert re.match(rf"^RR\d{{3}} {re.escape(shown)}:\d+:\d+: \S", line), line
    numbers = [int(line.split(" ", 1)[1][len(shown) + 1 :].split(":")[0]) for line in lines]
    assert numbers == sorted(numbers)
    assert "bad regex" in lines[0]
    assert "unknown category 'no_such_category'" in lines[1]
    assert err == "2 problems in 1 file\n"


def test_validate_problem_in_shared_base_printed_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A problem in a base file is reported once even when several validated files extend it."""
    write_rules(tmp_path / "base.yaml", BROKEN_BASE)
    for name in ("a", "b"):
        write_rules(tmp_path / f"{name}.yaml", f"name: {name}\nextends: [base.yaml]\n")
    code, out, err = run(capsys, "validate", str(tmp_path))
    assert code == 1
    assert out.count("bad regex") == 1
    assert len([line for line in out.splitlines() if not line.startswith(" ")]) == 1
    assert out.startswith("RR213 " + own_file(str(tmp_path / "base.yaml")) + ":")
    assert err == "1 problem in 1 file\n"
    code, out, _ = run(capsys, "validate", "--format", "json", str(tmp_path))
    document = json.loads(out)
    assert sum(len(entry["problems"]) for entry in document["files"]) == 1
    assert [entry["ok"] for entry in document["files"]] == [False, False, False]


def test_validate_json_format(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--format json prints one document with per-file ok, rule counts and problem objects."""
    bad = write_rules(tmp_path / "bad.yaml", BROKEN_BASE)
    code, out, _ = run(capsys, "validate", "--format", "json", "rules/default.yaml", str(bad))
    assert code == 1
    document = json.loads(out)
    assert set(document) == {"ok", "files"}
    assert document["ok"] is False
    good, broken = document["files"]
    assert set(good) == {"path", "ok", "rules", "problems"}
    assert good["path"] == "rules/default.yaml"
    assert good["ok"] is True
    assert good["rules"] == len(reliable_rules.load_rules("builtin:default").rules)
    assert good["problems"] == []
    assert broken["ok"] is False
    assert broken["rules"] is None
    (problem,) = broken["problems"]
    assert set(problem) == {"file", "line", "column", "message", "code"}
    assert problem["code"] == "bad-regex"
    assert isinstance(problem["line"], int)
    assert isinstance(problem["column"], int)


def test_validate_github_format(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--format github prints one ::error workflow command per problem, escaped."""
    path = write_rules(
        tmp_path / "gh.yaml",
        """
        name: gh
        rules:
          - id: x.one
            when: {regex: "("}
            then: {category: server_error}
        """,
    )
    code, out, _ = run(capsys, "validate", "--format", "github", str(path))
    assert code == 1
    (line,) = out.splitlines()
    match = re.fullmatch(
        r"::error file=(?P<file>[^,]+),line=(?P<line>\d+),col=(?P<col>\d+),"
        r"title=reliable-rules \((?P<code>[a-z-]+)\)::(?P<message>.+)",
        line,
    )
    assert match, line
    assert match["file"] == own_file(str(path)).replace(":", "%3A")
    assert match["code"] == "bad-regex"
    assert "\n" not in match["message"]


def test_github_escaping() -> None:
    """Workflow-command data escapes %, CR and LF; properties also escape ':' and ','."""
    problem = reliable_rules.Problem("builtin:x,y", 2, 3, "50% bad\r\nnext", "some-code")
    assert formats.github_problem(problem) == (
        "::error file=builtin%3Ax%2Cy,line=2,col=3,title=reliable-rules (some-code)::"
        "50%25 bad%0D%0Anext"
    )


def test_validate_missing_path_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A path that does not exist is an input error: exit 2, message on stderr."""
    code, out, err = run(capsys, "validate", "no/such/rules.yaml")
    assert code == 2
    assert out == ""
    assert "reliable-rules: error: rule file 'no/such/rules.yaml' not found" in err
    assert "Traceback" not in err


def test_validate_missing_path_wins_over_findings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Input errors (2) take precedence over findings (1); json still lists every file."""
    bad = write_rules(tmp_path / "bad.yaml", BROKEN_BASE)
    code, out, _ = run(capsys, "validate", "--format", "json", str(bad), "missing.yaml")
    assert code == 2
    files = json.loads(out)["files"]
    assert [entry["problems"][0]["code"] for entry in files] == ["bad-regex", "missing-file"]


def test_validate_empty_directory_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A directory without rule files is an input error."""
    code, _, err = run(capsys, "validate", str(tmp_path))
    assert code == 2
    assert "contains no rule files" in err


def test_validate_checks_side_by_side_test_files_as_test_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Directories validate *.test.yaml files as test files, not as rule files."""
    write_rules(tmp_path / "ok.yaml", "name: ok\n")
    (tmp_path / "ok.test.yaml").write_text("not: [a rule file\n", encoding="utf-8")
    code, out, _ = run(capsys, "validate", str(tmp_path))
    assert code == 1
    assert "ok.test.yaml:" in out
    (tmp_path / "ok.test.yaml").write_text(
        "format: reliable-rules-tests/v1\ncases: []\n", encoding="utf-8"
    )
    code, _, err = run(capsys, "validate", str(tmp_path))
    assert code == 0
    assert err == "ok: 2 files valid\n"


# ── classify ────────────────────────────────────────────────────────────────────────────


def test_classify_text_line(capsys: pytest.CaptureFixture[str]) -> None:
    """classify prints one human line with the decision's fields."""
    code, out, _ = run(capsys, "classify", "429 Too Many Requests, Retry-After: 5")
    assert code == 0
    revision = reliable_rules.load_rules().revision
    assert out == (
        "category=rate_limited reason=rate_limited retryable=yes action=retry "
        f"retry_after_ms=5000 rule=default.rate.throttled (default {revision})\n"
    )
    assert HUMAN_LINE.match(out.rstrip("\n"))


def test_classify_unmatched_text_uses_dashes(capsys: pytest.CaptureFixture[str]) -> None:
    """No rule and no Retry-After print as '-'."""
    code, out, _ = run(capsys, "classify", "something odd happened", "--rules", "builtin:seed")
    assert code == 0
    assert "retry_after_ms=- rule=- (seed " in out
    assert out.startswith("category=unknown reason=retryable retryable=yes action=retry ")


def test_classify_json_keys(capsys: pytest.CaptureFixture[str]) -> None:
    """--json prints decision.as_dict() with exactly the documented keys, in order."""
    code, out, err = run(capsys, "classify", "--json", "401 Unauthorized")
    assert code == 0
    assert err == ""
    answer = json.loads(out)
    assert list(answer) == DECISION_KEYS
    expected = reliable_rules.load_rules().classify("401 Unauthorized").as_dict()
    assert answer == expected


def test_classify_explain(capsys: pytest.CaptureFixture[str]) -> None:
    """--explain adds the trace after the line, or on stderr with --json."""
    code, out, _ = run(capsys, "classify", "--explain", "503 Service Unavailable")
    assert code == 0
    first, *trace = out.splitlines()
    assert HUMAN_LINE.match(first)
    assert trace
    assert trace[-1].startswith("decision: ")
    code, out, err = run(capsys, "classify", "--json", "--explain", "503 Service Unavailable")
    assert code == 0
    assert list(json.loads(out)) == DECISION_KEYS
    assert err.rstrip().splitlines()[-1].startswith("decision: ")


def test_classify_status_headers_body_and_exception(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--status, --header, --body (text and @file) and --exception reach the classifier."""
    code, out, _ = run(
        capsys, "classify", "--json", "--status", "503", "--header", "Retry-After: 7", "x"
    )
    assert code == 0
    answer = json.loads(out)
    assert (answer["category"], answer["retry_after_ms"]) == ("server_error", 7000)

    code, out, _ = run(
        capsys, "classify", "--json", "--status", "400", "--body", "maximum context length exceeded"
    )
    assert json.loads(out)["category"] == "context_window_exceeded"

    body = tmp_path / "body.json"
    body.write_text('{"error": {"message": "maximum context length exceeded"}}', encoding="utf-8")
    code, out, _ = run(capsys, "classify", "--json", "--status", "400", "--body", f"@{body}")
    assert code == 0
    assert json.loads(out)["category"] == "context_window_exceeded"

    code, out, _ = run(
        capsys,
        "classify",
        "--json",
        "--exception",
        "ReadTimeout",
        "--exception",
        "Timeout",
        "read timed out",
    )
    assert json.loads(out)["category"] == "timeout"
    assert json.loads(out)["rule"] == "default.timeout"
    code, out, _ = run(capsys, "classify", "--json", "read timed out")
    # without the exception names only the wording is left to go on
    assert json.loads(out)["rule"] == "default.transport.timeout-text"


def test_classify_missing_body_file_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--body @FILE with a missing file is an input error."""
    code, out, err = run(capsys, "classify", "x", "--body", f"@{tmp_path / 'nope.txt'}")
    assert code == 2
    assert out == ""
    assert "cannot read body file" in err


def test_classify_reads_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """TEXT '-' reads the message from stdin."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("429 Too Many Requests\n"))
    code, out, _ = run(capsys, "classify", "--json", "-")
    assert code == 0
    assert json.loads(out)["category"] == "rate_limited"


def test_classify_stdin_that_is_not_utf8(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bytes on stdin that are not UTF-8 are replaced, not an internal error."""
    data = io.BytesIO(b"429 Too Many \xff Requests\n")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(data, encoding="utf-8"))
    code, out, err = run(capsys, "classify", "-")
    assert code == 0, err
    assert out.startswith("category=rate_limited ")


def test_classify_nothing_to_classify_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """classify with no failure description is a usage error."""
    code, _, err = run(capsys, "classify")
    assert code == 2
    assert "nothing to classify" in err


def test_classify_unknown_builtin_rules_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """--rules builtin:NAME that does not exist exits 2, lists builtins and suggests a near name."""
    code, out, err = run(capsys, "classify", "--rules", "builtin:nope", "x")
    assert code == 2
    assert out == ""
    assert "unknown built-in rule set 'builtin:nope'" in err
    assert "builtin:default" in err
    assert "builtin:seed" in err
    code, _, err = run(capsys, "classify", "--rules", "builtin:sed", "x")
    assert code == 2
    assert "did you mean 'seed'?" in err


def test_classify_broken_rules_file_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--rules naming a file with problems prints them and exits 2."""
    bad = write_rules(tmp_path / "bad.yaml", BROKEN_BASE)
    code, out, err = run(capsys, "classify", "--rules", str(bad), "x")
    assert code == 2
    assert out == ""
    assert f"{own_file(str(bad))}:" in err
    assert "cannot load rules" in err


def test_classify_with_user_rules(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--rules PATH classifies with that file, layered on its bases."""
    path = write_rules(
        tmp_path / "teapot.yaml",
        """
        name: teapot
        revision: "9"
        extends: [builtin:default]
        rules:
          - id: teapot.418
            when: {status: 418}
            then: {category: server_error}
        """,
    )
    code, out, _ = run(capsys, "classify", "--rules", str(path), "--status", "418", "I'm a teapot")
    assert code == 0
    assert out.rstrip().endswith("rule=teapot.418 (teapot 9)")


# ── classify --corpus ───────────────────────────────────────────────────────────────────


def test_corpus_one_answer_per_record_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    """--corpus prints one JSON answer per record, in order, with expected and match."""
    records = [
        json.loads(line)
        for line in (PROJECT_ROOT / CORPUS).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    code, out, err = run(capsys, "classify", "--corpus", CORPUS)
    assert code == 0
    answers = [json.loads(line) for line in out.splitlines()]
    assert len(answers) == len(records)
    rules = reliable_rules.load_rules()
    for record, answer in zip(records, answers, strict=True):
        assert list(answer) == [*DECISION_KEYS, "expected", "match"]
        assert answer["expected"] == record["expected"]
        assert answer["match"] is (answer["category"] == record["expected"])
        failure = reliable_rules.to_failure(
            record.get("message") or "", status=record.get("status"),
            headers=record.get("headers"), body=record.get("body"),
            provider=record.get("provider"), model=record.get("model"),
        )  # fmt: skip
        assert answer["category"] == rules.classify(failure).category
    matched = sum(answer["match"] for answer in answers)
    assert f"corpus: {matched} of {len(records)} expected decisions matched" in err


def test_corpus_bad_lines_reported_in_place(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Bad lines yield {"line", "error"} in place and FILE:N: on stderr; blanks skipped; exit 2."""
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        '{"message": "429 Too Many Requests"}\n'
        "{not json\n"
        "\n"
        "[1, 2]\n"
        '{"status": "five hundred"}\n'
        '{"status": 500, "exception": ["ServerError"], "headers": {"Retry-After": "3"}}\n',
        encoding="utf-8",
    )
    code, out, err = run(capsys, "classify", "--corpus", str(corpus))
    assert code == 2
    answers = [json.loads(line) for line in out.splitlines()]
    assert len(answers) == 5
    assert answers[0]["category"] == "rate_limited"
    assert "expected" not in answers[0]
    assert set(answers[1]) == {"line", "error"}
    assert answers[1]["line"] == 2
    assert answers[1]["error"].startswith("invalid JSON")
    assert answers[2] == {"line": 4, "error": "record must be a JSON object, got array"}
    assert answers[3]["line"] == 5
    assert "'status'" in answers[3]["error"]
    assert (answers[4]["category"], answers[4]["retry_after_ms"]) == ("server_error", 3000)
    for number in (2, 4, 5):
        assert f"{corpus}:{number}: " in err


def test_corpus_from_stdin_bytes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--corpus - reads records from stdin; invalid UTF-8 is a bad line, not a crash."""
    data = b'{"message": "401 Unauthorized", "expected": "auth_failed"}\n\xff\xfe\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    code, out, err = run(capsys, "classify", "--corpus", "-")
    assert code == 2
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["match"] is True
    assert second["line"] == 2
    assert "UTF-8" in second["error"]
    assert "<stdin>:2: " in err


def test_corpus_expected_object(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """An `expected` object matches when every key equals the answer's value."""
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(
        '{"message": "429 Too Many Requests",'
        ' "expected": {"category": "rate_limited", "retryable": true}}\n'
        '{"message": "429 Too Many Requests", "expected": {"action": "abort"}}\n',
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "classify", "--corpus", str(corpus))
    assert code == 0
    assert [json.loads(line)["match"] for line in out.splitlines()] == [True, False]


def test_corpus_unreadable_and_conflicting_options(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A missing corpus exits 2; --corpus with TEXT or single-failure options is a usage error."""
    code, _, err = run(capsys, "classify", "--corpus", str(tmp_path / "none.jsonl"))
    assert code == 2
    assert "cannot read corpus" in err
    code, _, err = run(capsys, "classify", "--corpus", str(tmp_path))
    assert code == 2
    code, _, err = run(capsys, "classify", "--corpus", CORPUS, "--status", "500", "x")
    assert code == 2
    assert "--corpus cannot be combined with TEXT, --status" in err


# ── test ────────────────────────────────────────────────────────────────────────────────


COVERAGE_LINE = re.compile(
    r"^(?P<path>\S+): (?P<passed>\d+)/(?P<total>\d+) passed, "
    r"coverage (?P<covered>\d+)/(?P<rules>\d+) rules \((?P<percent>\d+)%\)$"
)


def test_test_shipped_rules_pass_with_full_coverage(
    shipped_rules_tested: tuple[int, str, str],
) -> None:
    """`test rules/` passes every case and covers every own rule of every shipped file."""
    code, out, err = shipped_rules_tested
    assert code == 0, out
    lines = out.splitlines()
    assert "FAIL" not in out
    paths = [COVERAGE_LINE.match(line)["path"] for line in lines]  # type: ignore[index]
    assert paths == SHIPPED_RULE_FILES
    assert paths[:3] == ["rules/converge.yaml", "rules/default.yaml", "rules/default/auth.yaml"]
    for line in lines:
        match = COVERAGE_LINE.match(line)
        assert match, line
        assert match["passed"] == match["total"]
        assert match["covered"] == match["rules"]
        assert match["percent"] == "100"
        # only the Retry-After sources and the concept vocabulary of builtin:default have no
        # rules, hence no tests
        assert match["total"] != "0" or match["path"] in {
            "rules/default/retry-after.yaml",
            "rules/default/vocabulary.yaml",
            "rules/default/vocabulary-more.yaml",
        }
    assert err.startswith("ok: ")


def test_test_failing_expectation_prints_trace(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A wrong expectation exits 1 with a FAIL line, the indented trace, and coverage lines."""
    path = write_rules(
        tmp_path / "wrong.yaml",
        """
        name: wrong
        extends: [builtin:default]
        rules:
          - id: wrong.418
            when: {status: 418}
            then: {category: server_error}
            tests:
              - {status: 418}
              - {status: 418, expect: client_error, reason: non_retryable}
          - id: wrong.never
            when: {contains: zzz-never-occurs}
            then: {category: timeout}
        """,
    )
    code, out, err = run(capsys, "test", str(path))
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == (
        f"{path}:10:9: FAIL rule wrong.418: category: expected client_error, got server_error; "
        "reason: expected non_retryable, got retryable"
    )
    trace = [line for line in lines[1:] if line.startswith("    ")]
    assert trace[0].startswith("    rule set wrong")
    assert (
        trace[-1] == "    decision: server_error (reason retryable, action retry, rule wrong.418)"
    )
    assert lines[-2] == f"{path}: 1/2 passed, coverage 1/2 rules (50%)"
    assert lines[-1] == "  uncovered: wrong.never"
    assert err == "1 case failed, 1 passed in 1 file\n"


def test_test_case_without_expect_and_rule_null(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A case without expect expects its rule's category; `rule: null` means nothing matched."""
    path = write_rules(
        tmp_path / "defaults.yaml",
        """
        name: defaults
        rules:
          - id: d.hello
            when: {contains: hello}
            then: {category: auth_failed}
            tests:
              - {text: "hello world"}
              - {text: "goodbye", expect: unknown, rule: null}
        """,
    )
    code, out, _ = run(capsys, "test", str(path))
    assert code == 0, out
    assert out == f"{path}: 2/2 passed, coverage 1/1 rules (100%)\n"


def test_test_unloadable_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A file that cannot be loaded prints its problems as validate does and exits 2."""
    bad = write_rules(tmp_path / "bad.yaml", BROKEN_BASE)
    code, out, err = run(capsys, "test", str(bad), "builtin:seed")
    assert code == 2
    assert out.splitlines()[0].startswith(f"{own_file(str(bad))}:5:")
    assert "bad regex" in out
    assert "builtin:seed: " in out
    assert err.endswith("1 file could not be loaded\n")
    code, _, err = run(capsys, "test", str(tmp_path / "missing.yaml"))
    assert code == 2
    assert "not found" in err


def test_test_json_format(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--format json prints one document with cases, failures, coverage and uncovered ids."""
    path = write_rules(
        tmp_path / "wrong.yaml",
        """
        name: wrong
        rules:
          - id: w.one
            when: {status: 418}
            then: {category: server_error}
            tests:
              - {status: 418, retry_after_ms: 10}
          - id: w.two
            when: {status: 419}
            then: {category: timeout}
        """,
    )
    code, out, _ = run(capsys, "test", "--format", "json", str(path), "builtin:seed")
    assert code == 1
    document = json.loads(out)
    assert document["ok"] is False
    wrong, seed = document["files"]
    assert wrong["path"] == str(path)
    assert (wrong["cases"], wrong["passed"], wrong["failed"]) == (1, 0, 1)
    assert wrong["coverage"] == {"covered": 1, "rules": 2, "percent": 50.0}
    assert wrong["uncovered"] == ["w.two"]
    (failure,) = wrong["failures"]
    assert failure["rule"] == "w.one"
    assert failure["differences"] == [{"key": "retry_after_ms", "expected": 10, "actual": None}]
    assert list(failure["decision"]) == DECISION_KEYS
    assert failure["explain"].splitlines()[-1].startswith("decision: ")
    assert seed["ok"] is True
    assert seed["failed"] == 0
    assert seed["uncovered"] == []
    assert seed["coverage"]["percent"] == 100.0


def test_schema_prints_the_installed_schema_or_its_path(capsys: pytest.CaptureFixture[str]) -> None:
    """`schema` prints the rule-file schema; --path its file; --tests the test-file schema."""
    code, out, _ = run(capsys, "schema")
    assert code == 0
    assert json.loads(out)["$id"] == "urn:reliable-rules:schema:ruleset:v1"
    code, out, _ = run(capsys, "schema", "--path")
    assert code == 0
    assert Path(out.strip()).name == "ruleset.v1.json"
    assert Path(out.strip()).is_file()
    code, out, _ = run(capsys, "schema", "--tests")
    assert json.loads(out)["$id"] == "urn:reliable-rules:schema:ruletests:v1"


def test_an_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """A name that is not in the command table exits 2 with argparse's usage message."""
    assert main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'frobnicate'" in err


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a command the CLI prints its usage and lists the commands (exit 2)."""
    assert main([]) == 2
    err = capsys.readouterr().err
    commands = "validate, classify, test, suggest, demo, diff, lint, schema"
    assert f"a command is required ({commands})" in err
