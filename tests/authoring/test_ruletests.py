"""The library behind ``reliable-rules test``: running embedded tests and measuring coverage."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from helpers.rulefiles import write_rules

import reliable_rules
from reliable_rules.authoring.ruletests.runner import (
    CaseResult,
    Difference,
    FileReport,
    check_case,
    expand_paths,
    own_file,
    run_file,
    run_ruleset,
    show_value,
    summarize,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


TEAPOT = """
    name: teapot
    revision: "3"
    extends: [builtin:default]
    rules:
      - id: teapot.418
        when: {status: 418}
        then: {category: server_error}
        tests:
          - {status: 418}
          - {status: 418, reason: retryable, retryable: true, rate_limited: false, action: retry}
          - {text: "hello there", expect: unknown, rule: null}
          - {status: 500, expect: server_error, rule: seed.status.server-error}
      - id: teapot.never
        when: {contains: zzz-never-occurs}
        then: {category: timeout}
"""


@pytest.fixture
def teapot(tmp_path: Path) -> Path:
    """A rule file extending builtin:default with one tested and one untested rule."""
    return write_rules(tmp_path / "teapot.yaml", TEAPOT)


@pytest.mark.parametrize("source", ["builtin:seed", "builtin:default"])
def test_shipped_rule_sets_pass_with_full_coverage(source: str) -> None:
    """Every embedded test of the shipped rule sets passes and covers every own rule."""
    report = run_file(source)
    assert report.loaded, report.problems
    failing = [(r.case.line, r.case.rule_id, r.summary) for r in report.failures]
    assert failing == []
    assert report.ok
    assert report.total > 0
    assert report.passed == report.total
    assert report.uncovered == ()
    assert report.coverage == 1.0


def test_shipped_files_by_path_count_only_their_own_rules() -> None:
    """rules/default.yaml's coverage counts its own rules, not the seed rules it extends."""
    report = run_file(str(PROJECT_ROOT / "rules" / "default.yaml"))
    ruleset = reliable_rules.load_rules("builtin:default")
    own = [rule.id for rule in ruleset.rules if rule.file == "builtin:default"]
    assert sorted(report.rules) == sorted(own)
    # the seed rule default.yaml overrides in place is its own; the others are the seed's
    assert "seed.status.auth" not in report.rules
    assert not any(rule_id.startswith("default.") for rule_id in report.rules)
    assert all(result.case.file == report.file for result in report.cases)
    assert report.file.endswith("rules/default.yaml")


def test_loader_names_follow_the_reference() -> None:
    """A shipped file is named builtin:NAME when loaded so, and by its path when loaded by path."""
    by_path = reliable_rules.load_rules(PROJECT_ROOT / "rules" / "seed.yaml")
    assert reliable_rules.load_rules("builtin:seed").file == "builtin:seed"
    assert by_path.file.endswith("rules/seed.yaml")
    assert {rule.file for rule in by_path.rules} == {by_path.file}
    assert own_file("builtin:seed") == "builtin:seed"


def test_user_file_results_and_coverage(teapot: Path) -> None:
    """A user file runs its own cases; untested own rules are uncovered, base rules ignored."""
    report = run_file(str(teapot))
    assert report.loaded
    assert report.ok
    assert report.path == str(teapot)
    assert report.total == 4
    assert report.passed == 4
    assert report.rules == ("teapot.418", "teapot.never")
    assert report.covered == ("teapot.418",)
    assert report.uncovered == ("teapot.never",)
    assert report.coverage == 0.5
    assert [result.case.line for result in report.cases] == sorted(
        result.case.line for result in report.cases
    )


def test_case_without_expect_expects_its_rules_category(teapot: Path) -> None:
    """A case with no ``expect`` expects the category of the rule that holds it."""
    report = run_file(str(teapot))
    first = report.cases[0]
    assert first.case.expectations == {}
    assert first.expected_category == "server_error"
    assert first.passed


def test_wrong_expectations_are_reported_as_differences(tmp_path: Path) -> None:
    """Each unmet expectation is one Difference, category first, spelled as in YAML."""
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
              - {status: 418, expect: client_error, retryable: false, retry_after_ms: 5, rule: null}
        """,
    )
    report = run_file(str(path))
    assert report.loaded
    assert not report.ok
    (result,) = report.failures
    assert [d.key for d in result.differences] == [
        "category",
        "retryable",
        "retry_after_ms",
        "rule",
    ]
    assert result.differences[0] == Difference("category", "client_error", "server_error")
    assert result.summary == (
        "category: expected client_error, got server_error; retryable: expected false, got true; "
        "retry_after_ms: expected 5, got null; rule: expected null, got wrong.418"
    )


def test_rule_null_fails_when_a_rule_decides(tmp_path: Path) -> None:
    """``rule: null`` passes only when no rule matched at all."""
    path = write_rules(
        tmp_path / "null.yaml",
        """
        name: nullrule
        rules:
          - id: n.hello
            when: {contains: hello}
            then: {category: unknown}
            tests:
              - {text: "hello", rule: null}
              - {text: "goodbye", rule: null}
        """,
    )
    report = run_file(str(path))
    assert [result.passed for result in report.cases] == [False, True]
    assert str(report.cases[0].differences[0]) == "rule: expected null, got n.hello"
    assert report.cases[1].decision.rule_id is None


def test_action_and_retry_after_expectations(tmp_path: Path) -> None:
    """``action`` compares with the Action's string value; ``retry_after_ms`` with the number."""
    path = write_rules(
        tmp_path / "action.yaml",
        """
        name: action
        extends: [builtin:default]
        rules:
          - id: a.busy
            when: {status: 503}
            then: {category: rate_limited}
            tests:
              - {status: 503, headers: {retry-after: "2"}, action: retry, retry_after_ms: 2000}
              - {status: 503, action: next_provider, retry_after_ms: null}
        """,
    )
    report = run_file(str(path))
    assert report.cases[0].passed
    assert [str(d) for d in report.cases[1].differences] == [
        "action: expected next_provider, got retry"
    ]


def test_check_case_uses_the_given_default_category() -> None:
    """check_case falls back to ``default_category`` when the case has no ``expect``."""
    ruleset = reliable_rules.load_rules("builtin:seed")
    case = reliable_rules.RuleTest(
        rule_id="x", file="f", line=1, column=1, text="429 Too Many Requests"
    )
    assert check_case(ruleset, case, default_category="rate_limited").passed
    failed = check_case(ruleset, case, default_category="timeout")
    assert not failed.passed
    assert isinstance(failed, CaseResult)
    assert failed.differences == (Difference("category", "timeout", "rate_limited"),)


def test_unknown_expectation_keys_never_pass_silently() -> None:
    """An expectation key the runner does not know fails the case instead of being ignored."""
    ruleset = reliable_rules.load_rules("builtin:seed")
    case = reliable_rules.RuleTest(
        rule_id="seed.rate-limit.text",
        file="f",
        line=1,
        column=1,
        text="429 Too Many Requests",
        expectations={"rotate_keys": True},
    )
    result = check_case(ruleset, case)
    assert [d.key for d in result.differences] == ["rotate_keys"]


def test_overriding_a_base_rule_makes_it_the_files_own(tmp_path: Path) -> None:
    """A rule that replaces a base rule by id is counted as (and covered by) the overriding file."""
    path = write_rules(
        tmp_path / "override.yaml",
        """
        name: override
        extends: [builtin:seed]
        rules:
          - id: seed.status.timeout
            when: {status: 408}
            then: {category: server_error}
            tests:
              - {status: 408}
        """,
    )
    report = run_file(str(path))
    assert report.rules == ("seed.status.timeout",)
    assert report.covered == ("seed.status.timeout",)
    assert report.ok


def test_unloadable_and_missing_files_report_problems(tmp_path: Path) -> None:
    """A broken or missing file yields a report with problems, no rule set and no cases."""
    broken = write_rules(tmp_path / "broken.yaml", "name: [unclosed\n")
    report = run_file(str(broken))
    assert not report.loaded
    assert not report.ok
    assert report.problems
    assert report.cases == ()
    missing = run_file(str(tmp_path / "missing.yaml"))
    assert not missing.loaded
    assert [p.code for p in missing.problems] == ["missing-file"]
    assert summarize([report, missing]) == (0, 0, 2)


def test_file_without_rules_has_full_coverage(tmp_path: Path) -> None:
    """A file with no rules of its own has nothing to cover: coverage is 1.0."""
    path = write_rules(tmp_path / "empty.yaml", "name: empty\nextends: [builtin:seed]\n")
    report = run_ruleset(reliable_rules.load_rules(str(path)), path=str(path))
    assert report.rules == ()
    assert report.total == 0
    assert report.coverage == 1.0
    assert report.ok


def test_reports_are_frozen(teapot: Path) -> None:
    """FileReport and CaseResult are immutable."""
    report = run_file(str(teapot))
    assert isinstance(report, FileReport)
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.path = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.cases[0].expected_category = "x"  # type: ignore[misc]


def test_expand_paths_recurses_sorted_and_skips_side_by_side_tests(tmp_path: Path) -> None:
    """Directories expand to sorted *.yaml/*.yml below them, without *.test.yaml/*.test.yml."""
    (tmp_path / "sub").mkdir()
    for name in ("b.yaml", "a.yml", "sub/c.yaml", "a.test.yaml", "b.test.yml", "notes.txt"):
        (tmp_path / name).write_text("x: 1\n", encoding="utf-8")
    files, empty = expand_paths([str(tmp_path)])
    assert files == [(tmp_path / n).as_posix() for n in ("a.yml", "b.yaml", "sub/c.yaml")]
    assert empty == []


def test_expand_paths_dedupes_and_reports_empty_directories(tmp_path: Path) -> None:
    """A file named twice (also as builtin:NAME) is kept once; an empty directory is reported."""
    (tmp_path / "empty").mkdir()
    seed_path = str(PROJECT_ROOT / "rules" / "seed.yaml")
    files, empty = expand_paths(
        ["builtin:seed", seed_path, "missing.yaml", str(tmp_path / "empty")]
    )
    assert files == ["builtin:seed", "missing.yaml"]
    assert empty == [str(tmp_path / "empty")]


@pytest.mark.parametrize(
    ("value", "shown"),
    [(None, "null"), (True, "true"), (False, "false"), ("x", "x"), ("", "''"), (5, "5")],
)
def test_show_value_spells_values_as_yaml(value: object, shown: str) -> None:
    """Values in failure messages read as they are written in YAML."""
    assert show_value(value) == shown
