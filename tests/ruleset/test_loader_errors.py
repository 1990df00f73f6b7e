"""Every kind of broken rule file is reported as FILE:LINE:COL: message, all at once.

One table row per defect kind. Each row is checked through the library API
(``load_rules`` must raise ``RuleSetError`` and nothing else, with a problem of the expected
``code`` at the expected line and column) and, when the CLI exists, through
``reliable-rules validate`` (exit 1, the file and line printed).
"""

from __future__ import annotations

import contextlib
import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from reliable_rules import Problem, ReliableRulesError, RuleSetError, RuleSourceError, load_rules

HEAD = "format: reliable-rules/v1\nname: t\n"  # lines 1-2 of most rows; the defect is below
MAIN = "rules.yaml"


def _b(text: str) -> bytes:
    return text.encode("utf-8")


@dataclass(frozen=True)
class Defect:
    """A broken rule file and where its defect must be reported."""

    content: bytes
    code: str
    line: int
    column: int | None
    fragment: str
    extra: dict[str, bytes] = field(default_factory=dict)  # other files next to it
    in_file: str = MAIN  # the file the defect is in


DEFECTS = [
    pytest.param(
        Defect(_b(HEAD + "description: a: b\n"), "yaml-syntax", 3, 15, "mapping values"),
        id="yaml-syntax",
    ),
    pytest.param(
        Defect(_b(HEAD + "rules:\n\t- id: x\n"), "yaml-syntax", 4, 1, "YAML syntax error"),
        id="yaml-syntax-tab-indent",
    ),
    pytest.param(
        Defect(_b(HEAD + "name: u\n"), "duplicate-key", 3, 1, "duplicate key 'name'"),
        id="duplicate-key-top-level",
    ),
    pytest.param(
        Defect(
            _b(
                HEAD
                + "rules:\n  - id: r1\n    when: {contains: x}\n"
                + "    then: {category: unknown}\n    then: {category: timeout}\n"
            ),
            "duplicate-key",
            7,
            5,
            "first defined at line 6",
        ),
        id="duplicate-key-nested",
    ),
    pytest.param(
        Defect(_b(HEAD + "rulez: []\n"), "unknown-key", 3, 1, "did you mean 'rules'"),
        id="unknown-top-level-key",
    ),
    pytest.param(
        Defect(
            _b(
                HEAD
                + "rules:\n  - id: r1\n    when:\n      contain: x\n    then: {category: unknown}\n"
            ),
            "unknown-key",
            6,
            7,
            "did you mean 'contains'",
        ),
        id="unknown-matcher-key",
    ),
    pytest.param(
        Defect(
            _b(
                HEAD
                + "rules:\n  - id: r1\n    when: {contains: x}\n    then: {category: unknown}\n"
                + "    descripton: hi\n"
            ),
            "unknown-key",
            7,
            5,
            "did you mean 'description'",
        ),
        id="unknown-rule-key",
    ),
    pytest.param(
        # A key that is not a string (null) must still be pointed at, not reported at 1:1.
        Defect(_b(HEAD + "~: x\n"), "unknown-key", 3, 1, "unknown key"),
        id="unknown-top-level-key-null",
    ),
    pytest.param(
        # Lines are counted as editors, grep -n and CI annotations count them: by "\n" only.
        # YAML also breaks lines at U+2028 and U+0085; that must not shift the reported line.
        Defect(
            _b(HEAD + 'description: "a\u2028b"\nrulez: []\n'),
            "unknown-key",
            4,
            1,
            "did you mean 'rules'",
        ),
        id="line-separator-in-a-string-before-the-defect",
    ),
    pytest.param(
        Defect(_b(HEAD + "# note\x85\nrulez: []\n"), "unknown-key", 4, 1, "did you mean 'rules'"),
        id="next-line-character-in-a-comment-before-the-defect",
    ),
    pytest.param(
        Defect(_b(HEAD + "disable: 5\n"), "schema", 3, 10, "expected array"),
        id="wrong-type",
    ),
    pytest.param(
        Defect(
            _b(
                HEAD + "rules:\n  - id: 5\n    when: {contains: x}\n    then: {category: unknown}\n"
            ),
            "schema",
            4,
            9,
            "expected string",
        ),
        id="wrong-type-rule-id",
    ),
    pytest.param(
        # YAML reads `.nan` as a float; NaN passes `minimum: 1` only because NaN compares false.
        Defect(_b(HEAD + "policy:\n  backoff:\n    factor: .nan\n"), "schema", 5, 13, "factor"),
        id="wrong-value-nan",
    ),
    pytest.param(
        Defect(
            _b(HEAD + "categories:\n  mine: {retryable: true, action: fly}\n"),
            "schema",
            4,
            35,
            "fly",
        ),
        id="unknown-action-in-category",
    ),
    pytest.param(
        Defect(
            _b(HEAD + "rules:\n  - id: r1\n    when: {contains: x}\n"),
            "schema",
            4,
            5,
            "missing required key 'then'",
        ),
        id="missing-required-rule-key",
    ),
    pytest.param(
        Defect(_b("format: reliable-rules/v1\n"), "schema", 1, 1, "missing required key 'name'"),
        id="missing-required-name",
    ),
    pytest.param(
        Defect(
            _b("format: reliable-rules/v2\nname: t\n"),
            "format-version",
            1,
            9,
            "unsupported format version 'reliable-rules/v2'",
        ),
        id="unsupported-format-version",
    ),
    pytest.param(
        Defect(_b("format: 1.0\nname: t\n"), "format-version", 1, 9, "reliable-rules/v1"),
        id="bad-format-value",
    ),
    pytest.param(
        Defect(
            _b(
                HEAD
                + "rules:\n  - id: r1\n    when: {regex: 'a(b'}\n    then: {category: unknown}\n"
            ),
            "bad-regex",
            5,
            19,
            "bad regex 'a(b'",
        ),
        id="bad-regex",
    ),
    pytest.param(
        Defect(
            _b(HEAD + "retry_after:\n  - header: retry-after\n  - regex: 'wait (\\d+'\n"),
            "bad-regex",
            5,
            12,
            "bad regex",
        ),
        id="bad-regex-retry-after",
    ),
    pytest.param(
        Defect(
            _b(
                HEAD
                + "conditions:\n  rate_limit: {contains: x}\n"
                + "rules:\n  - id: r1\n    when: {condition: rate_limt}\n"
                + "    then: {category: unknown}\n"
            ),
            "unknown-condition",
            7,
            23,
            "did you mean 'rate_limit'",
        ),
        id="unknown-condition",
    ),
    pytest.param(
        Defect(
            _b(
                HEAD
                + "extends: builtin:seed\n"
                + "rules:\n  - id: r1\n    when: {condition: auth_hnit}\n"
                + "    then: {category: unknown}\n"
            ),
            "unknown-condition",
            6,
            23,
            "did you mean 'auth_hint'",
        ),
        id="unknown-condition-of-base",
    ),
    pytest.param(
        Defect(
            _b(HEAD + "conditions:\n  a: {condition: b}\n  b: {condition: a}\n"),
            "condition-cycle",
            5,
            18,
            "a -> b -> a",
        ),
        id="condition-cycle",
    ),
    pytest.param(
        Defect(
            _b(
                HEAD
                + "rules:\n  - id: r1\n    when: {contains: x}\n    then: {category: rate_limitd}\n"
            ),
            "unknown-category",
            6,
            22,
            "did you mean 'rate_limited'",
        ),
        id="unknown-category",
    ),
    pytest.param(
        Defect(
            _b(
                HEAD
                + "rules:\n  - id: r1\n    when: {contains: x}\n    then: {category: unknown}\n"
                + "  - id: r1\n    when: {contains: y}\n    then: {category: unknown}\n"
            ),
            "duplicate-id",
            7,
            9,
            "duplicate rule id 'r1'",
        ),
        id="duplicate-rule-id",
    ),
    pytest.param(
        Defect(
            _b(HEAD + "extends: [b.yaml]\n"),
            "extends-cycle",
            3,
            11,
            "extends cycle",
            extra={"b.yaml": _b("format: reliable-rules/v1\nname: b\nextends: [rules.yaml]\n")},
            in_file="b.yaml",
        ),
        id="extends-cycle",
    ),
    pytest.param(
        Defect(_b(HEAD + "extends: [nope.yaml]\n"), "extends-missing", 3, 11, "not found"),
        id="extends-missing-file",
    ),
    pytest.param(
        Defect(
            _b(HEAD + "extends: builtin:defualt\n"),
            "extends-missing",
            3,
            10,
            "did you mean 'default'",
        ),
        id="extends-unknown-builtin",
    ),
    pytest.param(Defect(b"", "empty", 1, 1, "empty"), id="empty-file"),
    pytest.param(Defect(b"# only a comment\n\n", "empty", 1, 1, "empty"), id="comment-only-file"),
    pytest.param(Defect(b"- a\n- b\n", "not-a-mapping", 1, 1, "mapping"), id="document-is-a-list"),
    pytest.param(
        Defect(b"just text\n", "not-a-mapping", 1, 1, "mapping"), id="document-is-a-scalar"
    ),
    pytest.param(Defect(b"~\n", "not-a-mapping", 1, 1, "mapping"), id="document-is-null"),
    pytest.param(Defect(b"\xff", "encoding", 1, 1, "UTF-8"), id="undecodable-byte"),
    pytest.param(
        Defect(_b(HEAD) + b"description: caf\xe9\n", "encoding", 3, 17, "byte 0xe9"),
        id="undecodable-latin-1",
    ),
    pytest.param(
        Defect(_b(HEAD + "description: a\x01b\n"), "yaml-syntax", 3, 15, "U+0001"),
        id="control-character",
    ),
    pytest.param(
        Defect(_b(HEAD + "---\nname: u\n"), "yaml-syntax", 3, 1, "single document"),
        id="multiple-documents",
    ),
    pytest.param(
        Defect(
            _b(HEAD + "conditions:\n  base: &base {contains: x}\n  other:\n    <<: *base\n"),
            "yaml-merge",
            6,
            5,
            "merge keys",
        ),
        id="merge-key",
    ),
    pytest.param(
        Defect(_b(HEAD + "rules: &r\n  - *r\n"), "yaml-alias", 3, None, "recursive alias"),
        id="recursive-alias",
    ),
    pytest.param(
        Defect(_b(HEAD + "description: !foo bar\n"), "yaml-tag", 3, 14, "tag"),
        id="custom-tag-scalar",
    ),
    pytest.param(
        Defect(_b(HEAD + "description: !!python/name:os.system ''\n"), "yaml-tag", 3, 14, "python"),
        id="python-tag-scalar",
    ),
    pytest.param(
        # A tag on a sequence or mapping must be rejected like one on a scalar, not ignored.
        Defect(
            _b(HEAD + "disable: !!python/object/apply:os.system ['true']\n"),
            "yaml-tag",
            3,
            10,
            "python",
        ),
        id="python-tag-sequence",
    ),
    pytest.param(
        Defect(_b(HEAD + "policy: !custom {}\n"), "yaml-tag", 3, 9, "custom"),
        id="custom-tag-mapping",
    ),
    pytest.param(
        Defect(
            _b(
                HEAD
                + "rules:\n  - id: r1\n    when: {contains: x, status: 429}\n"
                + "    then: {category: unknown}\n"
            ),
            "matcher-shape",
            5,
            11,
            "exactly one",
        ),
        id="two-matcher-keys",
    ),
    pytest.param(
        Defect(
            _b(
                HEAD
                + "rules:\n  - id: r1\n    when: {status: {min: 500, max: 400}}\n"
                + "    then: {category: unknown}\n"
            ),
            "bad-range",
            5,
            20,
            "min 500 > max 400",
        ),
        id="status-range-min-above-max",
    ),
    pytest.param(
        Defect(
            _b(
                HEAD
                + "rules:\n  - id: r1\n    when: {json: {path: 'error..code', equals: 1}}\n"
                + "    then: {category: unknown}\n"
            ),
            "bad-path",
            5,
            25,
            "empty segment",
        ),
        id="bad-json-path",
    ),
]


def _write(tmp_path: Path, defect: Defect) -> Path:
    path = tmp_path / MAIN
    path.write_bytes(defect.content)
    for name, content in defect.extra.items():
        (tmp_path / name).write_bytes(content)
    return path


def _load_problems(path: Path | str) -> tuple[Problem, ...]:
    """Problems of ``load_rules(path)``, failing on success or on any other exception."""
    problems: tuple[Problem, ...] = ()
    try:
        load_rules(path)
    except RuleSetError as error:
        problems = error.problems
    except Exception as error:  # noqa: BLE001 — anything but RuleSetError is the bug under test
        pytest.fail(f"load_rules raised {type(error).__name__} instead of RuleSetError: {error!r}")
    else:
        pytest.fail(f"load_rules({str(path)!r}) accepted a broken rule file")
    assert problems, "RuleSetError without problems"
    return problems


def _names_file(problem: Problem, expected: Path) -> bool:
    shown = Path(problem.file)
    if not shown.is_absolute():
        shown = Path.cwd() / shown
    return shown.resolve() == expected.resolve()


@pytest.mark.parametrize("defect", DEFECTS)
def test_defect_is_reported_with_file_line_and_column(tmp_path: Path, defect: Defect) -> None:
    """load_rules raises RuleSetError with a problem of the defect's code at its line and column."""
    path = _write(tmp_path, defect)
    problems = _load_problems(path)
    listing = "\n".join(f"  [{p.code}] {p}" for p in problems)
    target = tmp_path / defect.in_file
    hits = [p for p in problems if p.code == defect.code and _names_file(p, target)]
    assert hits, f"no {defect.code!r} problem in {defect.in_file}; got:\n{listing}"
    at_line = [p for p in hits if p.line == defect.line]
    assert at_line, f"{defect.code!r} not reported at line {defect.line}; got:\n{listing}"
    if defect.column is not None:
        at_column = [p for p in at_line if p.column == defect.column]
        assert at_column, f"{defect.code!r} not at {defect.line}:{defect.column}; got:\n{listing}"
        at_line = at_column
    problem = at_line[0]
    assert defect.fragment in problem.message, listing
    assert str(problem).startswith(f"{problem.file}:{problem.line}:{problem.column}: ")
    assert Path(problem.file).name == defect.in_file
    for other in problems:
        assert other.line >= 1, other
        assert other.column >= 1, other
        assert other.message.strip(), other


def _cli_main() -> Any:
    try:
        module = importlib.import_module("reliable_rules.cli")
    except ImportError as error:
        pytest.skip(f"reliable_rules.cli cannot be imported yet ({error}); CLI part not checked")
    return module.main


@pytest.mark.parametrize("defect", DEFECTS)
def test_cli_validate_exits_1_and_prints_the_defect_line(
    tmp_path: Path, defect: Defect, capsys: pytest.CaptureFixture[str]
) -> None:
    """`reliable-rules validate FILE` exits 1 and prints the defective file's name and line."""
    main = _cli_main()
    path = _write(tmp_path, defect)
    try:
        code = main(["validate", str(path)])
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert code == 1, output
    printed = [
        line
        for line in output.splitlines()
        if defect.in_file in line and f":{defect.line}:" in line
    ]
    assert printed, f"no '{defect.in_file}:{defect.line}:' line in the output:\n{output}"
    assert "Traceback" not in output


FIVE_DEFECTS = """\
format: reliable-rules/v1
name: five
name: again
rulez: []
rules:
  - id: a
    when: {regex: '(unclosed'}
    then: {category: unknown}
  - id: b
    when: {contains: x}
    then: {category: rate_limitd}
  - id: a
    when: {contains: y}
    then: {category: unknown}
"""


def test_all_problems_of_a_file_are_reported_at_once(tmp_path: Path) -> None:
    """A file with five different defects yields one RuleSetError listing exactly those five."""
    path = tmp_path / "five.yaml"
    path.write_text(FIVE_DEFECTS, encoding="utf-8")
    problems = _load_problems(path)
    found = {(p.code, p.line) for p in problems}
    assert found == {
        ("duplicate-key", 3),
        ("unknown-key", 4),
        ("bad-regex", 7),
        ("unknown-category", 11),
        ("duplicate-id", 12),
    }, "\n".join(map(str, problems))
    assert len(problems) == 5
    assert all(Path(p.file).name == "five.yaml" for p in problems)


def test_problems_are_sorted_by_line(tmp_path: Path) -> None:
    """Problems come out in file order: by file, then line, then column."""
    path = tmp_path / "five.yaml"
    path.write_text(FIVE_DEFECTS, encoding="utf-8")
    problems = _load_problems(path)
    lines = [p.line for p in problems]
    assert lines == sorted(lines)
    assert list(problems) == sorted(problems, key=lambda p: (p.file, p.line, p.column))


def test_error_message_lists_every_problem(tmp_path: Path) -> None:
    """str(RuleSetError) carries every problem as FILE:LINE:COL: message."""
    path = tmp_path / "five.yaml"
    path.write_text(FIVE_DEFECTS, encoding="utf-8")
    with pytest.raises(RuleSetError) as caught:
        load_rules(path)
    text = str(caught.value)
    for problem in caught.value.problems:
        assert str(problem) in text
    assert isinstance(caught.value, ReliableRulesError)


def test_defect_in_a_base_file_names_the_base_file_and_line(tmp_path: Path) -> None:
    """A defect in a file reached through `extends` is reported with that file's name and line."""
    (tmp_path / "base").mkdir()
    base = tmp_path / "base" / "base.yaml"
    base.write_text(
        "format: reliable-rules/v1\n"
        "name: base\n"
        "rules:\n"
        "  - id: base.r\n"
        "    when: {contains: x}\n"
        "    then: {category: nope}\n",
        encoding="utf-8",
    )
    top = tmp_path / "top.yaml"
    top.write_text(
        "format: reliable-rules/v1\n"
        "name: top\n"
        "extends: base/base.yaml\n"
        "rules:\n"
        "  - id: top.r\n"
        "    when: {regex: '('}\n"
        "    then: {category: unknown}\n",
        encoding="utf-8",
    )
    problems = _load_problems(top)
    in_base = [p for p in problems if _names_file(p, base)]
    in_top = [p for p in problems if _names_file(p, top)]
    assert [(p.code, p.line, p.column) for p in in_base] == [("unknown-category", 6, 22)], problems
    assert [(p.code, p.line) for p in in_top] == [("bad-regex", 6)], problems
    assert str(in_base[0]).startswith(f"{in_base[0].file}:6:22: ")
    assert in_base[0].file.endswith("base.yaml")


def test_yaml_syntax_error_in_a_base_file_is_reported_in_the_base(tmp_path: Path) -> None:
    """A base file that is not even YAML is reported at its own line, under its own name."""
    base = tmp_path / "broken-base.yaml"
    base.write_text("format: reliable-rules/v1\nname: b\nrules: [\n", encoding="utf-8")
    top = tmp_path / "top.yaml"
    top.write_text(
        "format: reliable-rules/v1\nname: t\nextends: broken-base.yaml\n", encoding="utf-8"
    )
    problems = _load_problems(top)
    assert any(p.code == "yaml-syntax" and _names_file(p, base) for p in problems), problems
    assert all(not _names_file(p, top) for p in problems), problems


@pytest.mark.parametrize(
    ("nesting", "depth"),
    [
        pytest.param("not", 300, id="not-300"),
        pytest.param("not", 5000, id="not-5000"),
        pytest.param("all", 300, id="all-300"),
        pytest.param("list", 5000, id="list-5000"),
    ],
)
def test_deeply_nested_file_is_a_rule_set_error(tmp_path: Path, nesting: str, depth: int) -> None:
    """A deeply nested document is reported as a RuleSetError, never a RecursionError."""
    if nesting == "not":
        value = "{not: " * depth + "{contains: x}" + "}" * depth
    elif nesting == "all":
        value = "{all: [" * depth + "{contains: x}" + "]}" * depth
    else:
        value = "[" * depth + "]" * depth
    path = tmp_path / "deep.yaml"
    path.write_text(HEAD + f"conditions:\n  c: {value}\n", encoding="utf-8")
    # The loader may either accept the nesting or report it, but never crash.
    with contextlib.suppress(RuleSetError):
        try:
            load_rules(path)
        except RecursionError:
            pytest.fail(f"RecursionError escaped load_rules for {nesting} nested {depth} deep")


def test_missing_source_is_a_rule_source_error(tmp_path: Path) -> None:
    """A path that does not exist raises RuleSourceError (a RuleSetError) naming it."""
    missing = tmp_path / "nope.yaml"
    with pytest.raises(RuleSourceError) as caught:
        load_rules(missing)
    assert isinstance(caught.value, RuleSetError)
    (problem,) = caught.value.problems
    assert str(missing) in str(problem)
    assert (problem.line, problem.column) == (1, 1)


def test_directory_source_is_a_rule_source_error(tmp_path: Path) -> None:
    """A directory given as the rule file raises RuleSourceError, not IsADirectoryError."""
    with pytest.raises(RuleSourceError, match="directory"):
        load_rules(tmp_path)


def test_unknown_builtin_source_suggests_the_closest(tmp_path: Path) -> None:
    """load_rules('builtin:defualt') raises RuleSourceError suggesting builtin:default."""
    with pytest.raises(RuleSourceError, match="did you mean 'default'"):
        load_rules("builtin:defualt")


def test_unreadable_file_is_a_rule_set_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that cannot be read is a RuleSetError at 1:1, not a PermissionError."""
    path = tmp_path / "secret.yaml"
    path.write_text(HEAD, encoding="utf-8")
    real_read_bytes = Path.read_bytes

    def denied(self: Path) -> bytes:
        # chmod cannot stop root (CI runs as root), so the OS error is injected instead.
        if self.name == "secret.yaml":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    problems = _load_problems(path)
    assert problems[0].code == "unreadable"
    assert (problems[0].line, problems[0].column) == (1, 1)
    assert "Permission denied" in problems[0].message


def test_independent_parts_of_a_rejected_rule_are_still_checked(tmp_path: Path) -> None:
    """A schema error in `when` does not hide an unknown category in `then` of the same rule."""
    path = tmp_path / "rules.yaml"
    path.write_text(
        HEAD + "rules:\n  - id: a\n    when: {contain: x}\n    then: {category: rate_limted}\n",
        encoding="utf-8",
    )
    problems = _load_problems(path)
    assert [(p.code, p.line) for p in problems] == [("unknown-key", 5), ("unknown-category", 6)]
    assert "did you mean 'rate_limited'" in problems[1].message


def test_a_duplicate_rules_own_defects_are_reported_too(tmp_path: Path) -> None:
    """The second rule with an id is reported as a duplicate and its bad regex as well."""
    path = tmp_path / "rules.yaml"
    path.write_text(
        HEAD
        + "rules:\n"
        + "  - id: a\n    when: {contains: x}\n    then: {category: server_error}\n"
        + "  - id: a\n    when: {regex: '('}\n    then: {category: server_error}\n",
        encoding="utf-8",
    )
    problems = _load_problems(path)
    assert [(p.code, p.line) for p in problems] == [("duplicate-id", 7), ("bad-regex", 8)]
