"""``lint_paths``, ``validate`` and ``test`` of a directory: each file parsed, schema checked and
built once per call, with the findings of each file alone, and nothing kept between calls."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from helpers.rulefiles import write_rules

from reliable_rules.authoring import lint
from reliable_rules.authoring.lint import Finding, LintOptions, lint_file, lint_paths
from reliable_rules.cli import main
from reliable_rules.ruleset import layering, yamlpos
from reliable_rules.ruleset.model import RuleSet

VOCABULARY = """
    name: vocabulary
    conditions:
      quota_words: {contains: ["quota exceeded", "insufficient_quota"]}
      quota_reached: {regex: "quota (limit )?reached"}
    rules: []
    """
ONE = """
    name: one
    extends: [vocabulary.yaml]
    conditions:
      spare: {contains: "never used anywhere"}
    categories:
      lonely: {retryable: true}
    rules:
      - id: one.quota
        when: {condition: quota_words}
        then: {category: quota_exhausted}
        tests:
          - {text: "insufficient_quota", expect: quota_exhausted}
      - id: one.short
        when: {contains: "err"}
        then: {category: server_error}
    """
TWO = """
    name: two
    extends: [vocabulary.yaml]
    disable: [no.such.rule]
    rules:
      - id: two.backtracking
        when: {regex: "(a+)+b"}
        then: {category: server_error}
    """
THREE = """
    name: three
    extends: [one.yaml, vocabulary.yaml]
    rules:
      - id: one.quota
        when: {condition: quota_words}
        then: {category: quota_exhausted}
      - id: three.late
        when: {contains: "insufficient_quota"}
        then: {category: quota_exhausted}
    """
SEEDED = """
    name: seeded
    extends: [builtin:seed]
    rules:
      - id: seeded.all
        when: {regex: "[a-z]"}
        then: {category: server_error}
    """
BAD_SCHEMA = """
    name: bad
    extends: [vocabulary.yaml]
    rules:
      - id: bad.one
        when: {contanis: "x"}
        then: {category: server_error}
    """


def _directory(root: Path) -> list[str]:
    """A rule directory whose files share bases (and one that fails its schema)."""
    for name, body in (
        ("vocabulary", VOCABULARY),
        ("one", ONE),
        ("two", TWO),
        ("three", THREE),
        ("seeded", SEEDED),
        ("bad", BAD_SCHEMA),
    ):
        write_rules(root / f"{name}.yaml", body)
    return sorted(str(path) for path in root.glob("*.yaml"))


@pytest.fixture(autouse=True)
def _steady_costs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ungated-rule message states a measured cost: fixed here so two lints compare (should
    the seed grow large enough to be indexed, as builtin:default is)."""
    measured = lint.ungated_costs

    def fixed(ruleset: RuleSet, *, repeat: int = 200) -> list[tuple[str, float]]:
        return [(rule_id, 1.0) for rule_id, _ in measured(ruleset, repeat=1)]

    monkeypatch.setattr(lint, "ungated_costs", fixed)


def _counting(monkeypatch: pytest.MonkeyPatch) -> tuple[Counter[str], Counter[str], list[str]]:
    """Count parses and schema checks by file name, and the rule sets built (top file)."""
    parses: Counter[str] = Counter()
    checks: Counter[str] = Counter()
    builds: list[str] = []
    parse, validate, build = yamlpos.parse_yaml, layering.validate_document, layering._build

    def counted_parse(file: str, text: str) -> Any:
        parses[Path(file).name] += 1
        return parse(file, text)

    def counted_validate(data: Any, source: Any) -> Any:
        checks[Path(source.file).name] += 1
        return validate(data, source)

    def counted_build(layer: Any, source_name: str, top_file: str, problems: Any) -> Any:
        builds.append(Path(top_file).name)
        return build(layer, source_name, top_file, problems)

    # the loader imports parse_yaml when it first parses; lint imported it at its own import
    monkeypatch.setattr(yamlpos, "parse_yaml", counted_parse)
    monkeypatch.setattr(lint, "parse_yaml", counted_parse)
    monkeypatch.setattr(layering, "validate_document", counted_validate)
    monkeypatch.setattr(layering, "_build", counted_build)
    return parses, checks, builds


def test_each_file_is_parsed_checked_and_built_once_per_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Linting a directory parses and schema checks each file once and builds each set once."""
    files = _directory(tmp_path)
    parses, checks, builds = _counting(monkeypatch)
    lint_paths(files, LintOptions())
    names = {Path(file).name for file in files}
    # (builtin:seed is load_rules' to cache, in the process and on disk; bad.yaml is compiled
    # too, for its compile problems)
    once = dict.fromkeys(names, 1)
    assert {name: n for name, n in parses.items() if not name.startswith("builtin:")} == once
    assert checks == once
    assert Counter(name for name in builds if not name.startswith("builtin:")) == once


def test_findings_are_those_of_each_file_linted_alone(tmp_path: Path) -> None:
    """The shared loads change no finding: the same as linting each file on its own."""
    files = _directory(tmp_path)
    for include_builtins in (False, True):
        options = LintOptions(include_builtins=include_builtins)
        alone: dict[Finding, None] = {}
        for file in files:
            alone.update(dict.fromkeys(lint_file(file, options)))
        found, errors = lint_paths(files, options)
        assert errors == []
        assert found == sorted(alone, key=Finding.sort_key)
        assert [f.as_dict() for f in found] == [
            f.as_dict() for f in sorted(alone, key=Finding.sort_key)
        ]
    codes = {finding.code for finding in found}
    assert {
        "unknown-key", "never-wins", "noop-override", "unknown-disable", "unused-condition",
        "unproduced-category", "broad-matcher", "regex-backtracking",
    } <= codes  # fmt: skip


def test_a_base_changed_between_calls_is_read_again(tmp_path: Path) -> None:
    """Nothing is kept from one lint to the next: an edited base file is linted as edited."""
    files = _directory(tmp_path)
    before, _ = lint_paths(files, LintOptions())
    assert not [f for f in before if "'added_later'" in f.message]
    one = tmp_path / "one.yaml"  # three.yaml's base
    text = one.read_text(encoding="utf-8")
    one.write_text(
        text.replace("conditions:\n", "conditions:\n  added_later: {contains: 'nobody'}\n"),
        encoding="utf-8",
    )
    after, _ = lint_paths(files, LintOptions())
    assert [(Path(f.file).name, f.line) for f in after if "'added_later'" in f.message] == [
        ("one.yaml", 5)
    ]


def test_a_shared_base_s_matchers_are_checked_once_per_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The base every file extends has its regexes checked as written once, not once a file."""
    files = _directory(tmp_path)
    checked: Counter[str] = Counter()
    broad = lint._broad_regex

    def counted(pattern: str, sensitive: bool) -> bool:
        checked[pattern] += 1
        return broad(pattern, sensitive)

    monkeypatch.setattr(lint, "_broad_regex", counted)
    lint_paths(files, LintOptions())
    assert checked["quota (limit )?reached"] == 1
    lint_paths(files, LintOptions())  # a new call checks again
    assert checked["quota (limit )?reached"] == 2


@pytest.mark.parametrize("command", [["validate"], ["test"], ["validate", "--strict"]])
def test_validate_and_test_parse_and_check_each_file_once(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    """`validate DIR`, `validate --strict DIR` (its loads and its lint share one memo) and
    `test DIR` parse and schema check the base every file extends once, and report what
    validating or testing each file alone reports."""
    files = _directory(tmp_path)
    alone, codes = [], []
    for file in files:
        codes.append(main([*command, file]))
        alone.append(capsys.readouterr())
    parses, checks, _ = _counting(monkeypatch)
    code = main([*command, str(tmp_path)])
    together = capsys.readouterr()
    assert code == max(codes) != 0  # bad.yaml fails its schema
    assert parses["vocabulary.yaml"] == checks["vocabulary.yaml"] == 1
    own = {name: n for name, n in parses.items() if not name.startswith("builtin:")}
    assert own == dict.fromkeys((Path(file).name for file in files), 1)
    for (out, _err), file in zip(alone, files, strict=True):
        for line in out.splitlines():
            if Path(file).name in line:
                assert line in together.out
