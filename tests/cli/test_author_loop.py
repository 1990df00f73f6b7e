"""Issue 17: the rule author's loop from the command line (version, builtin counts, side-by-side
test cases in ``diff``, ``validate --strict`` on warnings)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from helpers.rulefiles import write_rules

import reliable_rules
from reliable_rules import load_rules
from reliable_rules.cli import main

PROJECT_ROOT = Path(__file__).resolve().parents[2]


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


RULES = """
    name: t
    revision: "1"
    rules:
      - id: t.quota
        when: {contains: quota}
        then: {category: rate_limited}
        tests:
          - {text: "quota exceeded for today"}
    """


def test_short_version_option(capsys: pytest.CaptureFixture[str]) -> None:
    """-V prints the version like --version."""
    code, out, _ = run(capsys, "-V")
    assert code == 0
    assert out == f"reliable-rules {reliable_rules.__version__}\n"


def test_builtin_default_reports_every_rule_and_case(capsys: pytest.CaptureFixture[str]) -> None:
    """test builtin:default runs the embedded cases of every file of the package and counts
    every one of its rules for coverage."""
    ruleset = load_rules("builtin:default")
    own = [rule for rule in ruleset.rules if rule.file.startswith("builtin:default")]
    cases = sum(len(rule.tests) for rule in own)
    code, out, err = run(capsys, "test", "--format", "json", "builtin:default")
    assert code == 0, err
    files = json.loads(out)["files"]
    assert sum(f["coverage"]["rules"] for f in files) == len(own)
    assert sum(f["coverage"]["covered"] for f in files) == len(own)
    assert sum(f["cases"] for f in files) == cases
    assert f"ok: {cases} cases passed" in err
    assert len(own) > 40
    assert cases > 200


def test_empty_corpus_name_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """test --corpus '' is a usage error, not a '0 of 0 records' report."""
    code, _, err = run(capsys, "test", "--corpus", "")
    assert code == 2
    assert "--corpus needs a file name" in err
    assert "0 of 0" not in err


def test_diff_compares_side_by_side_test_cases(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """diff classifies the cases of OLD's and NEW's side-by-side test files too."""
    old = write_rules(tmp_path / "old.yaml", RULES)
    new = write_rules(
        tmp_path / "new.yaml",
        RULES.replace("then: {category: rate_limited}", "then: {category: quota_exhausted}")
        .replace('          - {text: "quota exceeded for today"}\n', "")
        .replace("        tests:\n", ""),
    )
    (tmp_path / "new.test.yaml").write_text(
        textwrap.dedent(
            """\
            format: reliable-rules-tests/v1
            cases:
              - {text: "monthly quota used up", rule: t.quota}
            """
        ),
        "utf-8",
    )
    code, out, err = run(capsys, "diff", "--format", "json", str(old), str(new))
    assert code == 0, err
    document = json.loads(out)
    sources = json.dumps(document["transitions"])
    assert "new.test.yaml" in sources, sources
    assert "2 test cases" in err or document["records"]["tests"] == 2


def test_validate_strict_fails_on_a_rule_that_never_wins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """validate --strict exits 1 on a lint warning (a rule that can never win)."""
    path = write_rules(
        tmp_path / "r.yaml",
        """
        name: t
        rules:
          - id: t.broad
            when: {contains: limit}
            then: {category: rate_limited}
          - id: t.narrow
            when: {contains: rate limit}
            then: {category: quota_exhausted}
        """,
    )
    assert run(capsys, "validate", str(path))[0] == 0
    code, out, err = run(capsys, "validate", "--strict", str(path))
    assert code == 1, err
    assert "never-wins" in out or "t.narrow" in out
    assert "1 problem in 1 file" in err


def test_validate_a_test_file_against_the_tests_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """validate on a *.test.yaml checks it against ruletests.v1 and the rules it tests."""
    write_rules(tmp_path / "r.yaml", RULES)
    test_file = tmp_path / "r.test.yaml"
    test_file.write_text(
        textwrap.dedent(
            """\
            format: reliable-rules-tests/v1
            cases:
              - {text: "quota exceeded", rule: t.quot}
              - {text: "quota exceeded", rule: t.quota, bogus: 1}
            """
        ),
        "utf-8",
    )
    code, out, err = run(capsys, "validate", str(test_file))
    assert code == 1, err
    assert "r.test.yaml:3:" in out
    assert "unknown rule id 't.quot' (did you mean 't.quota'?)" in out
    assert "r.test.yaml:4:" in out
    assert "unknown key 'bogus'" in out
    assert "name" not in out  # no advice about rule files (a rule file needs 'name')
    test_file.write_text(
        "format: reliable-rules-tests/v1\ncases:\n  - {text: quota, rule: t.quota}\n", "utf-8"
    )
    code, _, err = run(capsys, "validate", str(test_file))
    assert code == 0
    assert err == "ok: 1 file valid\n"


def test_builtin_package_with_corpus_needs_no_rules_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """test builtin:default --corpus FILE classifies with builtin:default (its package's
    files do not make the corpus' rule set ambiguous)."""
    corpus = str(PROJECT_ROOT / "tests" / "data" / "provider_errors.public.jsonl")
    code, _, err = run(capsys, "test", "builtin:default", "--corpus", corpus)
    assert code == 0, err
    assert "records correct" in err
