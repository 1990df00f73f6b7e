"""``authoring.diff`` and ``reliable-rules diff``: transitions, structure, verdicts."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from helpers.rulefiles import write_rules

from reliable_rules import load_rules
from reliable_rules.authoring.corpus import record_failure
from reliable_rules.authoring.diff import Record, diff_rulesets
from reliable_rules.cli import main
from reliable_rules.failure import Failure
from reliable_rules.ruleset.model import RuleSet

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CORPUS = "tests/data/provider_errors.public.jsonl"

BASE = """
    name: acme
    revision: "1"
    rules:
      - id: acme.busy
        description: ACME says it is busy.
        when: {contains: ACME_BUSY}
        then: {category: rate_limited}
        tests:
          - {text: "ACME_BUSY: try later"}
      - id: acme.down
        description: ACME is down.
        when: {contains: ACME_DOWN}
        then: {category: server_error}
        tests:
          - {text: "ACME_DOWN for maintenance"}
"""


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


def pair(tmp_path: Path, new_body: str, old_body: str = BASE) -> tuple[Path, Path]:
    """Write old.yaml and new.yaml; return their paths."""
    return (
        write_rules(tmp_path / "old.yaml", old_body),
        write_rules(tmp_path / "new.yaml", new_body),
    )


def corpus(tmp_path: Path, *messages: str) -> Path:
    """A JSONL corpus with one record per message."""
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps({"message": m}) + "\n" for m in messages), "utf-8")
    return path


def kinds(ruleset_old: RuleSet, ruleset_new: RuleSet) -> list[str]:
    """The kinds of the structural changes between two sets."""
    return [change.kind for change in diff_rulesets(ruleset_old, ruleset_new).changes]


# ── verdicts ────────────────────────────────────────────────────────────────────────────


def test_identical_sets_have_verdict_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two files with the same content: no transitions, no changes, verdict none, exit 0."""
    old, new = pair(tmp_path, BASE)
    result = diff_rulesets(load_rules(old), load_rules(new))
    assert result.verdict == "none"
    assert result.transitions == ()
    assert result.changes == ()
    assert result.compared == 2  # each shared test case counts once
    code, out, _ = run(capsys, "diff", str(old), str(new), "--fail-on", "patch")
    assert code == 0
    assert out.splitlines()[0] == "verdict: none (no differences)"


def test_metadata_only_change_is_patch(tmp_path: Path) -> None:
    """A new revision, description and references change nothing else: verdict patch."""
    body = (
        BASE.replace('revision: "1"', 'revision: "2"')
        .replace("ACME says it is busy.", "ACME is overloaded.")
        .replace(
            "      - id: acme.down\n",
            "      - id: acme.down\n        references: [https://acme.example/status]\n",
        )
    )
    old, new = pair(tmp_path, body)
    result = diff_rulesets(load_rules(old), load_rules(new))
    assert result.verdict == "patch"
    assert result.transitions == ()
    assert [(c.kind, c.subject) for c in result.changes] == [
        ("ruleset-metadata", "revision"),
        ("rule-metadata", "acme.busy"),
        ("rule-metadata", "acme.down"),
    ]


def test_new_rule_that_changes_no_record_is_minor(tmp_path: Path) -> None:
    """An added rule that decides none of the records is a minor change with no transition."""
    body = BASE + (
        "      - id: acme.new\n"
        "        when: {contains: ACME_NEW}\n"
        "        then: {category: server_error}\n"
    )
    old, new = pair(tmp_path, body)
    result = diff_rulesets(load_rules(old), load_rules(new), [Record("c:1", Failure("hello"))])
    assert result.verdict == "minor"
    assert result.transitions == ()
    assert [(c.kind, c.subject, c.level) for c in result.changes] == [
        ("rule-added", "acme.new", "minor")
    ]


def test_category_change_lists_transitions_with_counts_and_is_major(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """rate_limited → quota_exhausted flips retryable: the records are grouped, verdict major."""
    old, new = pair(
        tmp_path,
        BASE.replace("then: {category: rate_limited}", "then: {category: quota_exhausted}"),
    )
    records = corpus(tmp_path, "ACME_BUSY 1", "ACME_BUSY 2", "fine", "ACME_BUSY 3")
    code, out, err = run(capsys, "diff", str(old), str(new), "--corpus", str(records))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "verdict: major"
    assert "rate_limited → quota_exhausted: 4 records" in lines[1]
    # 1 shared test case + 3 corpus records; the unchanged ones are not listed.
    header = next(line for line in lines if line.startswith("  rate_limited → quota_exhausted:"))
    assert header == (
        "  rate_limited → quota_exhausted: 4  "
        "[major: retryable yes → no, action retry → next_provider, rotate_key yes → no]"
    )
    case_line = next(
        number
        for number, text in enumerate(new.read_text("utf-8").splitlines(), 1)
        if "ACME_BUSY: try later" in text
    )
    listed = [line.strip() for line in lines if "acme.busy → acme.busy" in line]
    assert [line.split("  ")[0] for line in listed] == [
        f"{new.as_posix()}:{case_line}",
        f"{records}:1",
        f"{records}:2",
        f"{records}:4",
    ]
    assert listed[0] == f"{new.as_posix()}:{case_line}  ACME_BUSY: try later  acme.busy → acme.busy"
    assert "[major] rule acme.busy: then rate_limited → quota_exhausted" in out
    assert "verdict major: 4 of 6 records decided differently" in err


def test_removed_rule_is_major(tmp_path: Path) -> None:
    """Removing a rule is major even when its records keep their retryability."""
    body = BASE.split("      - id: acme.down", maxsplit=1)[0]
    old, new = pair(tmp_path, body)
    result = diff_rulesets(load_rules(old), load_rules(new))
    assert result.verdict == "major"
    assert [(c.kind, c.subject) for c in result.changes] == [("rule-removed", "acme.down")]
    # Its test case (from the old side) now falls through to unknown.
    (transition,) = result.transitions
    assert transition.label == "server_error → unknown"
    assert transition.level == "minor"  # unknown is retried like server_error


def test_renamed_rule_is_detected_by_when_or_tests(tmp_path: Path) -> None:
    """A new id with the same when (or the same tests) is a rename, not a remove and an add."""
    same_when = BASE.replace("id: acme.busy", "id: acme.overloaded")
    old, new = pair(tmp_path, same_when)
    result = diff_rulesets(load_rules(old), load_rules(new))
    assert [(c.kind, c.old, c.new) for c in result.changes] == [
        ("rule-renamed", "acme.busy", "acme.overloaded")
    ]
    assert "(same when;" in result.changes[0].message
    assert result.verdict == "major"

    same_tests = same_when.replace("{contains: ACME_BUSY}", "{regex: 'ACME_BUSY'}")
    write_rules(tmp_path / "new.yaml", same_tests)
    result = diff_rulesets(load_rules(old), load_rules(tmp_path / "new.yaml"))
    kinds_found = [(c.kind, c.subject) for c in result.changes]
    assert ("rule-renamed", "acme.overloaded") in kinds_found
    assert ("rule-when", "acme.overloaded") in kinds_found
    assert not any(kind in ("rule-added", "rule-removed") for kind, _ in kinds_found)
    assert "(same tests;" in result.changes[0].message


def test_redefined_condition_and_rule_order_are_minor_structural_changes(
    tmp_path: Path,
) -> None:
    """A when that changes through a named condition, and a moved rule, are reported (minor)."""
    old_body = """
        name: acme
        conditions:
          down: {contains: ACME_DOWN}
        rules:
          - id: acme.busy
            when: {contains: ACME_BUSY}
            then: {category: rate_limited}
          - id: acme.down
            when: {condition: down}
            then: {category: server_error}
    """
    new_body = """
        name: acme
        conditions:
          down: {contains: [ACME_DOWN, ACME_OUTAGE]}
        rules:
          - id: acme.down
            when: {condition: down}
            then: {category: server_error}
          - id: acme.busy
            when: {contains: ACME_BUSY}
            then: {category: rate_limited}
    """
    old, new = pair(tmp_path, new_body, old_body)
    result = diff_rulesets(load_rules(old), load_rules(new))
    found = {(c.kind, c.subject): c for c in result.changes}
    assert set(found) == {("rule-when", "acme.down"), ("rule-moved", "acme.down")}
    when = found["rule-when", "acme.down"]
    assert when.level == "minor"
    assert when.details == (
        " condition down:",
        "-  contains any of ['ACME_DOWN']",
        "+  contains any of ['ACME_DOWN', 'ACME_OUTAGE']",
    )
    assert found["rule-moved", "acme.down"].message == (
        "rule moved: acme.down (now before acme.busy; first match wins)"
    )
    assert result.verdict == "minor"


def test_category_flag_change_is_major(tmp_path: Path) -> None:
    """Redefining a category's action is major; its description alone is patch."""
    extra = "    categories:\n      server_error: {retryable: true, action: next_model}\n"
    old, new = pair(tmp_path, BASE + extra)
    result = diff_rulesets(load_rules(old), load_rules(new))
    change = next(c for c in result.changes if c.kind == "category-changed")
    assert (change.subject, change.level) == ("server_error", "major")
    assert change.message == "category server_error: action retry → next_model"
    assert result.verdict == "major"


# ── the command line ────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("fail_on", "expected"),
    [("major", 0), ("minor", 1), ("patch", 1), (None, 0)],
)
def test_fail_on_exits_1_when_the_verdict_reaches_the_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fail_on: str | None, expected: int
) -> None:
    """--fail-on LEVEL exits 1 for a verdict at or above LEVEL (here minor), else 0."""
    body = BASE + (
        "      - id: acme.new\n"
        "        when: {contains: ACME_NEW}\n"
        "        then: {category: server_error}\n"
    )
    old, new = pair(tmp_path, body)
    argv = ["diff", str(old), str(new)] + (["--fail-on", fail_on] if fail_on else [])
    code, out, err = run(capsys, *argv)
    assert code == expected
    assert out.startswith("verdict: minor\n")
    assert ("(--fail-on" in err) == (expected == 1)


def test_unloadable_side_exits_2_with_positions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A side that does not load prints FILE:LINE:COL: message for every problem and exits 2."""
    old = write_rules(tmp_path / "old.yaml", BASE)
    bad = write_rules(
        tmp_path / "bad.yaml",
        BASE.replace("{contains: ACME_DOWN}", "{regex: '('}"),
    )
    code, out, err = run(capsys, "diff", str(old), str(bad), "--fail-on", "major")
    assert code == 2
    assert out == ""
    assert re.search(r"bad\.yaml:13:\d+: .*regex", err), err
    assert f"reliable-rules: error: cannot load NEW rules '{bad}': 1 problem" in err
    code, _, err = run(capsys, "diff", str(tmp_path / "missing.yaml"), str(old))
    assert code == 2
    assert re.search(r"missing\.yaml:1:1: rule file .* not found", err)
    assert "cannot load OLD rules" in err


def test_bad_corpus_line_still_reports_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A corpus line that is not a JSON object is reported as FILE:N; exit 2 after the report."""
    old, new = pair(tmp_path, BASE)
    records = tmp_path / "corpus.jsonl"
    records.write_text('{"message": "ACME_BUSY"}\n[1]\n', "utf-8")
    code, out, err = run(capsys, "diff", str(old), str(new), "--corpus", str(records))
    assert code == 2
    assert out.startswith("verdict: none")
    assert f"{records}:2: record must be a JSON object, got array" in err


def test_json_and_markdown_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--format json is one document with every record; markdown has a heading and tables."""
    old, new = pair(
        tmp_path,
        BASE.replace("then: {category: rate_limited}", "then: {category: quota_exhausted}"),
    )
    records = corpus(tmp_path, "ACME_BUSY | sk-abcdefghijklmnop")
    code, out, _ = run(
        capsys, "diff", str(old), str(new), "--corpus", str(records), "--format", "json"
    )
    assert code == 0
    document: dict[str, Any] = json.loads(out)
    assert document["verdict"] == "major"
    assert document["records"] == {"compared": 3, "tests": 2, "corpus": 1, "changed": 2}
    (transition,) = document["transitions"]
    assert (transition["from"], transition["to"], transition["count"]) == (
        "rate_limited",
        "quota_exhausted",
        2,
    )
    assert transition["changes"]["retryable"] == {"old": True, "new": False}
    corpus_record = transition["records"][1]
    assert corpus_record["kind"] == "corpus"
    assert "sk-abcdefghijklmnop" not in corpus_record["text"]  # sanitised
    assert corpus_record["old"]["category"] == "rate_limited"
    assert corpus_record["new"]["rule"] == "acme.busy"
    assert {c["kind"] for c in document["changes"]} == {"rule-then"}

    code, out, _ = run(
        capsys, "diff", str(old), str(new), "--corpus", str(records), "--format", "markdown"
    )
    assert code == 0
    assert out.startswith("### Rule set diff: **major**\n")
    assert "| rate\\_limited → quota\\_exhausted | 2 | major |" in out
    assert "<details><summary>rate\\_limited → quota\\_exhausted (2)</summary>" in out
    assert "ACME\\_BUSY \\| " in out  # a | in the text cannot break the table
    assert "- **major** rule acme.busy: then" in out


def test_diff_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    """diff --help exits 0 and documents the formats and exit codes."""
    code, out, _ = run(capsys, "diff", "--help")
    assert code == 0
    assert "exit codes:" in out
    assert "--fail-on" in out


# ── seed → default ──────────────────────────────────────────────────────────────────────


def _independent_transitions(old: RuleSet, new: RuleSet) -> dict[str, int]:
    """Classify every test case of both sets and the corpus with both; count changes by pair."""
    failures: dict[str, Failure] = {}
    for ruleset in (new, old):
        for rule in ruleset.rules:
            for case in rule.tests:
                key = json.dumps(
                    [case.text, case.status, sorted(case.headers.items()), case.body,
                     case.provider, case.model, sorted(case.exception)],
                    default=str,
                )  # fmt: skip
                failures.setdefault(key, case.failure())
    records = list(failures.values())
    for line in Path(CORPUS).read_text("utf-8").splitlines():
        if line.strip():
            records.append(record_failure(json.loads(line)))
    counts: dict[str, int] = {}
    for failure in records:
        a, b = old.classify(failure), new.classify(failure)
        before = (a.category, a.retryable, a.action, a.rate_limited, a.retry_after_ms, a.rule_id)
        after = (b.category, b.retryable, b.action, b.rate_limited, b.retry_after_ms, b.rule_id)
        if before != after:
            label = f"{a.category} → {b.category}"
            counts[label] = counts.get(label, 0) + 1
    return counts


def test_seed_to_default_over_the_corpus_prints_the_transitions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """diff builtin:seed builtin:default --corpus prints the transitions computed independently."""
    expected = _independent_transitions(load_rules("builtin:seed"), load_rules("builtin:default"))
    # What default changes over the seed (observed): transport and 5xx texts and the format
    # fallback, which the seed left to the unknown fall-through, and the provider coverage
    # (context overflows the seed called client errors, Bedrock's "too many tokens" throttle).
    for label in (
        "unknown → timeout",
        "unknown → network_error",
        "unknown → server_error",
        "unknown → format_mismatch",
        "client_error → context_window_exceeded",
        "context_window_exceeded → rate_limited",
    ):
        assert label in expected
    code, out, err = run(capsys, "diff", "builtin:seed", "builtin:default", "--corpus", CORPUS)
    assert code == 0
    printed = {
        label: int(count)
        for label, count in re.findall(r"^  (\S+ → \S+): (\d+)  \[", out, flags=re.MULTILINE)
    }
    assert printed == expected
    # format_mismatch changes the action (retry → switch_format): a major change.
    assert out.splitlines()[0] == "verdict: major"
    unparsed = expected["unknown → format_mismatch"]
    assert f"  unknown → format_mismatch: {unparsed}  [major: action retry → switch_format]" in out
    assert "[minor] rule added: default.timeout → timeout (builtin:default/transport.yaml:" in out
    assert "38 corpus records" in out
    assert "verdict major" in err
