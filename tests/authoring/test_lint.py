"""``reliable-rules lint``: codes, severities, exclusions, invariants, formats, exit codes."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from helpers.rulefiles import write_rules as _write_rules
from hypothesis import given, settings
from hypothesis import strategies as st

from reliable_rules import load_rules
from reliable_rules.authoring.lint import (
    CODES,
    Finding,
    LintOptions,
    lint_file,
    subsumes,
)
from reliable_rules.authoring.subsumption import Candidates
from reliable_rules.cli import main
from reliable_rules.engine.nodes import All, Any_, Contains, ExceptionType, Node, Not, Probe, Status
from reliable_rules.failure import to_failure, with_exception_types

PROJECT_ROOT = Path(__file__).resolve().parents[2]

CLEAN_RULE = """
    - id: a
      when: {status: 429}
      then: {category: rate_limited}
      tests:
        - {text: "rate limited", status: 429}
"""
RETRY_AFTER_INVARIANT = "invariants: [{id: ra, kind: rate_limited_categories_have_retry_after}]\n"


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


def write_rules(path: Path, body: str) -> Path:
    """Write a named v1 rule file from ``body`` (dedented)."""
    return _write_rules(path, "name: t\n" + textwrap.dedent(body).lstrip("\n"))


def findings(tmp_path: Path, body: str, options: LintOptions | None = None) -> list[Finding]:
    """Lint a rule file written from ``body``."""
    return lint_file(write_rules(tmp_path / "rules.yaml", body), options)


# (code, a file that triggers it, a file that does not)
TABLE = [
    (
        "duplicate-id",
        "rules:" + CLEAN_RULE + CLEAN_RULE,
        "rules:" + CLEAN_RULE,
    ),
    (
        "noop-override",
        """
        extends: builtin:seed
        rules:
          - id: seed.status.auth
            when: {status: [401, 403]}
            then: {category: auth_failed}
        """,
        """
        extends: builtin:seed
        rules:
          - id: seed.status.auth
            when: {status: [401, 403]}
            then: {category: client_error}
        """,
    ),
    (
        "never-wins",
        """
        rules:
          - {id: a, when: {status: 429}, then: {category: rate_limited}}
          - id: b
            when: {all: [{status: 429}, {json: {path: error.code, equals: 1311}}]}
            then: {category: quota_exhausted}
        """,
        """
        rules:
          - id: b
            when: {all: [{status: 429}, {json: {path: error.code, equals: 1311}}]}
            then: {category: quota_exhausted}
          - {id: a, when: {status: 429}, then: {category: rate_limited}}
        """,
    ),
    (
        "never-wins",
        """
        rules:
          - {id: a, when: {regex: quota}, then: {category: rate_limited}}
          - id: b
            when: {contains: quota exhausted}
            then: {category: quota_exhausted}
            tests: [{text: "quota exhausted"}]
        """,
        """
        rules:
          - id: b
            when: {contains: quota exhausted}
            then: {category: quota_exhausted}
            tests: [{text: "quota exhausted"}]
          - {id: a, when: {regex: quota}, then: {category: rate_limited}}
        """,
    ),
    (
        "never-wins",
        """
        rules:
          - {id: a, when: {contains: Rate Limit}, then: {category: rate_limited}}
          - {id: b, when: {contains: "rate limit exceeded"}, then: {category: quota_exhausted}}
        """,
        """
        rules:
          - {id: a, when: {contains: Rate Limit, case: sensitive}, then: {category: rate_limited}}
          - {id: b, when: {contains: "rate limit exceeded"}, then: {category: quota_exhausted}}
        """,
    ),
    (
        "unused-condition",
        "conditions: {c: {status: 500}}\nrules:" + CLEAN_RULE,
        "conditions: {c: {status: 429}}\nrules:"
        + CLEAN_RULE.replace("{status: 429}", "{condition: c}"),
    ),
    (
        "unproduced-category",
        "categories: {custom: {retryable: false}}\nrules:" + CLEAN_RULE,
        "categories: {custom: {retryable: false}}\nrules:"
        + CLEAN_RULE.replace("rate_limited", "custom"),
    ),
    (
        "broad-matcher",
        "rules:" + CLEAN_RULE.replace("{status: 429}", "{contains: rate}"),
        "rules:" + CLEAN_RULE.replace("{status: 429}", "{contains: rate limit}"),
    ),
    (
        "broad-matcher",
        "rules:" + CLEAN_RULE.replace("{status: 429}", "{regex: '.*'}"),
        "rules:" + CLEAN_RULE.replace("{status: 429}", "{regex: 'rate.*limit'}"),
    ),
    (
        "broad-matcher",
        "rules:" + CLEAN_RULE.replace("{status: 429}", "{regex: 'x?'}"),
        "rules:" + CLEAN_RULE.replace("{status: 429}", "{all: [{status: 429}, {contains: rate}]}"),
    ),
    (
        "regex-backtracking",
        "rules:" + CLEAN_RULE.replace("{status: 429}", r"{regex: '(\w+\s?)+$'}"),
        "rules:" + CLEAN_RULE.replace("{status: 429}", r"{regex: '[\w\s]+$'}"),
    ),
    (
        "regex-backtracking",
        "rules:" + CLEAN_RULE.replace("{status: 429}", "{regex: '(a+)+b'}"),
        "rules:" + CLEAN_RULE.replace("{status: 429}", "{regex: '(ab)+c'}"),
    ),
    (
        "unknown-disable",
        "extends: builtin:seed\ndisable: [seed.no-such-rule]\n",
        "extends: builtin:seed\ndisable: [seed.status.other]\n",
    ),
    (
        "invariant-violated",
        "rules:"
        + CLEAN_RULE
        + "invariants: [{id: no-retry, when: {status: 429}, expect: {retryable: false}}]\n",
        "rules:"
        + CLEAN_RULE
        + "invariants:\n"
        + "  - {id: no-retry, when: {status: 429}, expect: {retryable: true, not_action: abort}}\n",
    ),
    (
        "invariant-violated",
        "rules:" + CLEAN_RULE + RETRY_AFTER_INVARIANT,
        "rules:" + CLEAN_RULE + RETRY_AFTER_INVARIANT + "retry_after: [{header: retry-after}]\n",
    ),
    (
        "ungated-rule",  # builtin:default is large (indexed): a literal-free regex is tried always
        """
        extends: builtin:default
        rules:
          - {id: u, when: {regex: '(?=[0-9]{6})[0-9a-f]{8}'}, then: {category: server_error}}
        """,
        """
        extends: builtin:default
        rules:
          - id: u
            when: {all: [{status: 503}, {regex: '(?=[0-9]{6})[0-9a-f]{8}'}]}
            then: {category: server_error}
        """,
    ),
    (
        "weak-gate",  # gated on common words alone: tried on most errors
        r"""
        extends: builtin:default
        rules:
          - {id: w, when: {regex: '\bthe\s+\w+\s+with\b'}, then: {category: server_error}}
        """,
        r"""
        extends: builtin:default
        rules:
          - {id: w, when: {regex: '\bthe\s+\w+\s+with\s+acme\b'}, then: {category: timeout}}
        """,
    ),
]


@pytest.mark.parametrize(("code", "trigger", "clean"), TABLE, ids=[row[0] for row in TABLE])
def test_code_triggers_and_does_not(tmp_path: Path, code: str, trigger: str, clean: str) -> None:
    """Each code is reported for the file that has the defect and not for the fixed one."""
    triggered = {f.code for f in findings(tmp_path, trigger)}
    assert code in triggered
    assert triggered <= set(CODES)
    untriggered = {f.code for f in findings(tmp_path, clean)}
    assert code not in untriggered
    assert untriggered <= set(CODES)


def test_every_code_has_a_table_row() -> None:
    """Every documented lint code is exercised by the trigger/no-trigger table."""
    assert set(CODES) == {row[0] for row in TABLE}


def test_finding_points_at_the_subsumed_rule_and_names_the_earlier_one(tmp_path: Path) -> None:
    """never-wins is reported at the dead rule's position and names the rule that shadows it."""
    (found,) = findings(tmp_path, TABLE[2][1])
    assert (found.code, found.severity, found.line, found.column) == ("never-wins", "warning", 5, 5)
    assert "'a'" in found.message
    assert found.rules == ("b",)


def test_text_line_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Text output is RRnnn FILE:LINE:COL: severity[code]: message (hint: ...), then the
    source line with a caret under the column."""
    body = "rules:" + CLEAN_RULE + "conditions: {c: {status: 500}}"
    path = write_rules(tmp_path / "r.yaml", body)
    code, out, err = run(capsys, "lint", str(path))
    assert code == 0
    line, source, caret = out.rstrip("\n").splitlines()
    assert line.startswith(f"RR303 {path.as_posix()}:")
    column = int(line.split(":")[2])
    assert source.split(" | ", 1)[1][column - 1 :].startswith("c: {status: 500}")
    assert caret.index("^") - caret.index("|") - 2 == column - 1
    assert ": warning[unused-condition]: condition 'c' " in line
    assert line.endswith(")")
    assert "(hint: " in line
    assert "1 warning" in err


def test_severity_override_and_off(tmp_path: Path) -> None:
    """--severity raises, lowers or turns off a code."""
    body = "conditions: {c: {status: 500}}\nrules:" + CLEAN_RULE
    (raised,) = findings(tmp_path, body, LintOptions({"unused-condition": "error"}))
    assert raised.severity == "error"
    assert findings(tmp_path, body, LintOptions({"unused-condition": "off"})) == []


def test_exclude_and_lint_ignore(tmp_path: Path) -> None:
    """--exclude RULE_ID and a rule's `lint: {ignore}` drop the findings about that rule."""
    body = "rules:" + CLEAN_RULE.replace("{status: 429}", "{contains: rate}")
    assert [f.code for f in findings(tmp_path, body)] == ["broad-matcher"]
    assert findings(tmp_path, body, LintOptions(exclude=frozenset({"a"}))) == []
    ignored = body.replace("      tests:", "      lint: {ignore: [broad-matcher]}\n      tests:")
    assert findings(tmp_path, ignored) == []
    other = body.replace("      tests:", "      lint: {ignore: [never-wins]}\n      tests:")
    assert [f.code for f in findings(tmp_path, other)] == ["broad-matcher"]


def test_lint_ignore_rejects_unknown_codes(tmp_path: Path) -> None:
    """`lint: {ignore}` takes only known lint codes (schema)."""
    ignore = "      lint: {ignore: [nope]}\n      tests:"
    body = "rules:" + CLEAN_RULE.replace("      tests:", ignore)
    assert [f.severity for f in findings(tmp_path, body)] == ["error"]


def test_invariant_reported_at_the_test_case(tmp_path: Path) -> None:
    """An invariant violation points at the test case that breaks it and names the invariant."""
    (found,) = findings(tmp_path, TABLE[13][1])
    assert found.code == "invariant-violated"
    assert (found.line, found.column) == (8, 11)
    assert "'no-retry'" in found.message
    assert "retryable: expected false, got true" in found.message


def test_invariants_are_inherited(tmp_path: Path) -> None:
    """A base file's invariants are checked against the extending file's test cases."""
    write_rules(
        tmp_path / "base.yaml",
        "invariants: [{id: no-429-retry, when: {status: 429}, expect: {retryable: false}}]\n",
    )
    child = write_rules(tmp_path / "child.yaml", "extends: base.yaml\nrules:" + CLEAN_RULE)
    found = lint_file(child)
    assert [(f.code, f.file, f.line) for f in found] == [
        ("invariant-violated", child.as_posix(), 9)
    ]


def test_structural_invariant_points_at_the_invariant(tmp_path: Path) -> None:
    """rate_limited_categories_have_retry_after is reported at the invariant itself."""
    (found,) = findings(tmp_path, TABLE[14][1])
    assert (found.code, found.line) == ("invariant-violated", 9)
    assert "rate_limited" in found.message


def test_corpus_records_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--corpus checks every record against the invariants, reported at FILE:LINE:1."""
    rules = write_rules(
        tmp_path / "r.yaml",
        "rules:"
        + CLEAN_RULE
        + "invariants: [{id: x, when: {contains: boom}, expect: {category: server_error}}]\n",
    )
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"message": "ok"}\n\n{"message": "boom", "status": 429}\n', "utf-8")
    code, out, _ = run(capsys, "lint", str(rules), "--corpus", str(corpus))
    assert code == 1
    assert out.startswith(f"RR308 {corpus}:3:1: error[invariant-violated]: invariant 'x' violated")


@pytest.mark.slow
def test_shipped_rules_lint_clean(capsys: pytest.CaptureFixture[str]) -> None:
    """`reliable-rules lint rules/` reports nothing and exits 0, and the invariants of
    builtin:default hold for every record of the public corpus (`--corpus`)."""
    # One lint of the 41 shipped files (about 20 s) for both checks: --corpus only adds the
    # invariant findings, so a finding of the plain lint would show here too.
    code, out, err = run(
        capsys, "lint", "rules/", "--corpus", "tests/data/provider_errors.public.jsonl"
    )
    assert (code, out) == (0, "")
    assert "0 errors, 0 warnings" in err


def test_default_rules_declare_invariants() -> None:
    """builtin:default declares the shipped invariants, and converge inherits them."""
    ids = [invariant.id for invariant in load_rules("builtin:converge").invariants]
    assert sorted(ids) == [
        "auth-never-retryable",
        "context-overflow-truncates",
        "context-window-never-retried-as-is",
        "quota-never-retried",
        "rate-limits-have-retry-after",
        "should-retry-false-is-honoured",
    ]


def test_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 1 at/above --fail-on, 0 below it, 2 for a missing file or a bad --severity."""
    warn = write_rules(tmp_path / "w.yaml", "conditions: {c: {status: 500}}\nrules:" + CLEAN_RULE)
    error = write_rules(tmp_path / "e.yaml", TABLE[0][1])
    assert run(capsys, "lint", str(warn))[0] == 0
    assert run(capsys, "lint", str(warn), "--fail-on", "warning")[0] == 1
    assert run(capsys, "lint", str(error))[0] == 1
    assert run(capsys, "lint", str(warn), "--severity", "unused-condition=error")[0] == 1
    assert run(capsys, "lint", str(tmp_path / "missing.yaml"))[0] == 2
    assert run(capsys, "lint", str(warn), "--severity", "unused-condition")[0] == 2


def test_json_and_github_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """json lists findings with their keys; github writes one workflow command per finding."""
    path = write_rules(tmp_path / "r.yaml", TABLE[0][1])
    _, out, _ = run(capsys, "lint", str(path), "--format", "json")
    document = json.loads(out)
    assert document["ok"] is False
    assert document["findings"][0]["code"] == "duplicate-id"
    assert set(document["findings"][0]) == {
        "file", "line", "column", "code", "severity", "message", "hint", "rules", "related",
    }  # fmt: skip
    _, out, _ = run(capsys, "lint", str(path), "--format", "github")
    assert out.startswith("::error file=")
    assert "title=reliable-rules (duplicate-id)::" in out


def test_sarif_structure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--format sarif writes a SARIF 2.1.0 log: every code as a rule, a result per finding."""
    path = write_rules(tmp_path / "r.yaml", "conditions: {c: {status: 500}}\nrules:" + CLEAN_RULE)
    code, out, _ = run(capsys, "lint", str(path), "--format", "sarif")
    log = json.loads(out)
    assert code == 0
    assert log["version"] == "2.1.0"
    (run_,) = log["runs"]
    rules = run_["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules][: len(CODES)] == list(CODES)
    (result,) = run_["results"]
    assert result["ruleId"] == "unused-condition"
    assert result["level"] == "warning"
    assert rules[result["ruleIndex"]]["id"] == "unused-condition"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 3, "startColumn": 14}
    assert result["message"]["text"].startswith("condition 'c'")


def test_validate_sarif(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """validate --format sarif reports load problems as SARIF error results."""
    path = write_rules(tmp_path / "r.yaml", TABLE[0][1])
    code, out, _ = run(capsys, "validate", str(path), "--format", "sarif")
    results = json.loads(out)["runs"][0]["results"]
    assert code == 1
    assert [(r["ruleId"], r["level"]) for r in results] == [("duplicate-id", "error")]


@pytest.mark.slow
def test_validate_strict_counts_lint_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """validate --strict adds lint errors and warnings as problems."""
    body = "extends: builtin:seed\ndisable: [seed.nope]\nconditions: {c: {status: 500}}\n"
    path = write_rules(tmp_path / "r.yaml", body)
    assert run(capsys, "validate", str(path))[0] == 0
    code, out, err = run(capsys, "validate", "--strict", str(path))
    assert code == 1
    assert len([line for line in out.splitlines() if line.startswith("RR")]) == 2
    assert "seed.nope" in out
    assert "condition 'c'" in out
    assert "2 problems in 1 file" in err
    # the shipped rules under --strict: tests/integration/test_ecosystem.py's pre-commit hook


# ── soundness of subsumption ────────────────────────────────────────────────────────────

WORDS = ["rate", "Rate limit", "rate limit exceeded", "quota", "limit", "Too Many"]
EXCEPTIONS = ["Timeout", "ConnectionError", "RateLimited"]
STATUSES = [None, 400, 401, 429, 500, 503]


def leaves() -> st.SearchStrategy[Node]:
    """Leaf matchers over a small vocabulary, so subsumption holds now and then."""
    return st.one_of(
        st.builds(
            lambda words, sensitive: Contains(words, sensitive=sensitive),
            st.lists(st.sampled_from(WORDS), min_size=1, max_size=2),
            st.booleans(),
        ),
        st.builds(
            lambda values: Status("in", frozenset(values)),
            st.sets(st.sampled_from(STATUSES[1:]), min_size=1, max_size=3),
        ),
        st.sampled_from([Status("any"), Status("none")]),
        st.builds(ExceptionType, st.sets(st.sampled_from(EXCEPTIONS), min_size=1, max_size=2)),
    )


matchers = st.recursive(
    leaves(),
    lambda children: st.one_of(
        st.builds(All, st.lists(children, min_size=1, max_size=3)),
        st.builds(Any_, st.lists(children, min_size=1, max_size=3)),
        st.builds(Not, children),
    ),
    max_leaves=6,
)

failures = st.builds(
    lambda words, status, exceptions: with_exception_types(
        to_failure(" ".join(words), status=status), exceptions
    ),
    st.lists(st.sampled_from([*WORDS, "RATE", "exceeded", "x"]), max_size=3),
    st.sampled_from(STATUSES),
    st.lists(st.sampled_from(EXCEPTIONS), max_size=2),
)


def matches(node: Node, failure: object) -> bool:
    """Evaluate a matcher on a failure as the classifier does (no literal index)."""
    text = failure.text  # type: ignore[attr-defined]
    return node.match(Probe(failure, text, text.lower(), None))  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(matchers, matchers, st.lists(failures, min_size=1, max_size=20))
def test_subsumption_is_sound(a: Node, b: Node, cases: list[object]) -> None:
    """Whenever subsumes(A, B), every failure B matches is matched by A."""
    if subsumes(a, b):
        for failure in cases:
            if matches(b, failure):
                assert matches(a, failure)


@settings(max_examples=500, deadline=None)
@given(matchers, matchers, st.booleans())
def test_pairs_never_wins_skips_are_pairs_subsumes_refuses(a: Node, b: Node, share: bool) -> None:
    """never-wins compares only the pairs Candidates lets through: whenever subsumes(A, B),
    Candidates(A) may subsume Candidates(B) (also when B contains A itself, a shared node)."""
    if share:
        b = Any_([b, a]) if isinstance(b, Not) else All([b, a])
    for first, second in ((a, b), (b, a), (a, a), (Not(b), Not(a))):
        if subsumes(first, second):
            assert Candidates(first).may_subsume(Candidates(second))


@settings(max_examples=200, deadline=None)
@given(matchers, st.lists(failures, min_size=1, max_size=10))
def test_subsumption_of_a_conjunction(a: Node, cases: list[object]) -> None:
    """A matcher subsumes any conjunction it is part of (the checker finds these)."""
    assert subsumes(a, All([a, Status("in", frozenset({429}))]))
    assert subsumes(Any_([a, Status("none")]), a)


def test_bad_corpus_line_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A corpus line that is not a JSON object is reported as FILE:N: error and exits 2."""
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"message": "x"}\n[1]\n', "utf-8")
    # a one-rule file: the corpus is read whatever the rules (linting builtin:default took 8 s)
    rules = write_rules(tmp_path / "r.yaml", "rules:" + CLEAN_RULE)
    code, _, err = run(capsys, "lint", str(rules), "--corpus", str(corpus))
    assert code == 2
    assert f"{corpus}:2: record must be a JSON object, got array" in err


def test_schema_lint_codes_match_the_linter() -> None:
    """The schema's `lint: {ignore}` enum lists exactly the lint codes."""
    schema = json.loads((PROJECT_ROOT / "schemas" / "ruleset.v1.json").read_text("utf-8"))
    assert schema["$defs"]["lintCode"]["enum"] == list(CODES)


def test_an_ungated_rule_is_reported_with_its_cost(tmp_path: Path) -> None:
    """The finding names the rule, says it is tried on every error and gives microseconds."""
    body = """
        extends: builtin:default
        rules:
          - {id: u, when: {regex: 'id [0-9]+ is gone'}, then: {category: server_error}}
          - {id: v, when: {header: {name: x-acme-shard, exists: true}}, then: {category: timeout}}
          - {id: w, when: {regex: '(?<=[0-9])[a-f]{12}'}, then: {category: timeout}}
        """
    found = [f for f in findings(tmp_path, body) if f.code == "ungated-rule"]
    # u has literals (" is gone"): gated; v is a header lookup (cheap, not reported)
    assert [f.rules for f in found] == [("w",)]
    assert "tried on every error" in found[0].message
    assert " us per call" in found[0].message
    assert found[0].severity == "info"


def test_a_rule_gated_on_common_words_is_reported(tmp_path: Path) -> None:
    """weak-gate: a regex whose literals are all common words; a rare word is not reported."""
    body = r"""
        extends: builtin:default
        rules:
          - {id: weak, when: {regex: '\bthe\s+\w+\s+with\b'}, then: {category: server_error}}
          - {id: strong, when: {regex: '\bacme\s+saturated\b'}, then: {category: timeout}}
        """
    found = [f for f in findings(tmp_path, body) if f.code == "weak-gate"]
    mine = [f for f in found if f.rules[0] in ("weak", "strong")]
    assert [f.rules for f in mine] == [("weak",)]
    assert "likely tried on most errors" in mine[0].message
    assert "gated only on 'with'" in mine[0].message
    assert "contains" in mine[0].hint
    assert mine[0].severity == "info"


def test_a_rule_whose_gates_hold_on_much_of_the_corpus_is_reported(tmp_path: Path) -> None:
    """weak-gate with a corpus: a rule tried and not matching on over half of its records."""
    body = """
        extends: builtin:default
        rules:
          - {id: gw, when: {regex: 'gateway\\s+[0-9a-f]{4}\\b'}, then: {category: timeout}}
        """
    texts = ["acme gateway replied", "gateway slow", "gateway ok", "nothing at all"]
    corpus = tuple(("c.jsonl", line, to_failure(text)) for line, text in enumerate(texts, 1))
    found = [
        f
        for f in findings(tmp_path, body, LintOptions(corpus=corpus))
        if f.code == "weak-gate" and f.rules == ("gw",)
    ]
    assert len(found) == 1
    assert "tried on 75% of errors (4 corpus records)" in found[0].message
    assert "matching none of over 50%" in found[0].message
    assert [f for f in findings(tmp_path, body) if f.rules == ("gw",)] == []
