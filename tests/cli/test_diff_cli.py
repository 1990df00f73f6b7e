"""``reliable-rules diff`` end to end: verdict levels, transitions, exit codes and formats."""

from __future__ import annotations

import json
import re
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from helpers.rulefiles import write_rules

from reliable_rules import load_rules
from reliable_rules.authoring.diff import diff_rulesets, level_at_least
from reliable_rules.cli import main

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CORPUS = PROJECT_ROOT / "tests" / "data" / "provider_errors.public.jsonl"

BASE = textwrap.dedent(
    """
    name: t
    revision: "1"
    categories:
      slow_down: {retryable: true, action: retry, description: Back off a little.}
    rules:
      - id: t.quota
        description: Quota messages.
        when: {contains: quota}
        then: {category: rate_limited}
        tests:
          - {text: "quota exceeded for today"}
      - id: t.slow
        when: {contains: slow down}
        then: {category: slow_down}
      - id: t.timeout
        when: {contains: timed out}
        then: {category: timeout}
    """
)

QUOTA_TO_EXHAUSTED = ("then: {category: rate_limited}", "then: {category: quota_exhausted}")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Call main() in-process; return (exit code, stdout, stderr)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def pair(tmp_path: Path, *edits: tuple[str, str]) -> tuple[str, str]:
    """Write BASE as old.yaml and BASE with each (old, new) text replacement as new.yaml."""
    new = BASE
    for before, after in edits:
        assert before in new, before
        new = new.replace(before, after)
    return (
        str(write_rules(tmp_path / "old.yaml", BASE)),
        str(write_rules(tmp_path / "new.yaml", new)),
    )


def corpus(tmp_path: Path, *messages: str) -> str:
    """A JSONL corpus with one ``{"message": ...}`` record per message."""
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps({"message": m}) + "\n" for m in messages), "utf-8")
    return str(path)


def diff_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    """Run ``diff --format json`` and return the parsed document (exit 0 expected)."""
    code, out, _ = run(capsys, "diff", *argv, "--format", "json")
    assert code == 0
    document: dict[str, Any] = json.loads(out)
    return document


def kinds(document: dict[str, Any]) -> dict[str, str]:
    """``{kind: level}`` of the structural changes of a JSON diff."""
    return {change["kind"]: change["level"] for change in document["changes"]}


# ── verdicts ────────────────────────────────────────────────────────────────────────────


def test_identical_sets_verdict_none(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Two files with the same content differ in nothing: verdict none, exit 0 even --fail-on."""
    old, new = pair(tmp_path)
    code, out, err = run(capsys, "diff", old, new, "--fail-on", "patch")
    assert code == 0
    assert out.startswith("verdict: none (no differences)\n")
    assert "transitions: none" in out
    assert "structural changes: none" in out
    assert "verdict none: 0 of 1 record decided differently, 0 structural changes" in err


def test_metadata_only_is_patch(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Revision, rule description and category description changes make a patch verdict."""
    old, new = pair(
        tmp_path,
        ('revision: "1"', 'revision: "2"'),
        ("Quota messages.", "Messages about quotas."),
        ("Back off a little.", "Back off."),
    )
    document = diff_json(capsys, old, new)
    assert document["verdict"] == "patch"
    assert document["transitions"] == []
    assert kinds(document) == {
        "ruleset-metadata": "patch",
        "rule-metadata": "patch",
        "category-metadata": "patch",
    }


def test_added_rule_and_category_are_minor(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A new rule and a new category are minor; records it now decides form a transition."""
    old, new = pair(
        tmp_path,
        (
            "rules:\n",
            "  busy: {retryable: true, action: retry}\nrules:\n"
            "  - id: t.overloaded\n"
            "    when: {contains: overloaded}\n"
            "    then: {category: busy}\n",
        ),
    )
    records = corpus(tmp_path, "server overloaded", "engine overloaded", "fine")
    document = diff_json(capsys, old, new, "--corpus", records)
    assert document["verdict"] == "minor"
    assert kinds(document) == {"rule-added": "minor", "category-added": "minor"}
    (transition,) = document["transitions"]
    assert (transition["from"], transition["to"], transition["count"]) == ("unknown", "busy", 2)
    assert transition["level"] == "minor"
    assert [r["source"] for r in transition["records"]] == [f"{records}:1", f"{records}:2"]
    assert document["records"] == {"compared": 4, "tests": 1, "corpus": 3, "changed": 2}


def test_category_change_keeping_retryability_is_minor(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A category change that keeps retryable and action (rate_limited here) is minor."""
    old, new = pair(
        tmp_path,
        (
            "{retryable: true, action: retry,",
            "{retryable: true, action: retry, rate_limited: true,",
        ),
    )
    records = corpus(tmp_path, "please slow down")
    document = diff_json(capsys, old, new, "--corpus", records)
    assert document["verdict"] == "minor"
    assert kinds(document) == {"category-changed": "minor"}
    (transition,) = document["transitions"]
    assert transition["from"] == transition["to"] == "slow_down"
    assert transition["records"][0]["fields"] == ["rate_limited"]


def test_category_retryability_change_is_major(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Changing a category's retryable (or action) is major, with or without records."""
    old, new = pair(tmp_path, ("{retryable: true, action: retry,", "{retryable: false,"))
    document = diff_json(capsys, old, new)
    assert document["verdict"] == "major"
    assert kinds(document)["category-changed"] == "major"


def test_then_change_groups_transition_with_count(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Moving quota messages to quota_exhausted is major; records are grouped with a count."""
    old, new = pair(tmp_path, QUOTA_TO_EXHAUSTED)
    records = corpus(tmp_path, "monthly quota reached", "timed out", "quota gone")
    code, out, err = run(capsys, "diff", old, new, "--corpus", records)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "verdict: major"
    assert "rate_limited → quota_exhausted: 3 records" in lines[1]
    assert "records: 3 of 4 decided differently (1 test case, 3 corpus records)" in out
    header = "  rate_limited → quota_exhausted: 3  [major: retryable yes → no, action"
    assert any(line.startswith(header) for line in lines)
    listed = [line for line in lines if line.startswith("    ") and "t.quota → t.quota" in line]
    case_line = (
        Path(new)
        .read_text("utf-8")
        .splitlines()
        .index('      - {text: "quota exceeded for today"}')
    )
    assert [line.split()[0] for line in listed] == [
        f"{new}:{case_line + 1}",
        f"{records}:1",
        f"{records}:3",
    ]
    assert "[major] rule t.quota: then rate_limited → quota_exhausted" in out
    assert "verdict major: 3 of 4 records decided differently" in err


def test_removed_rule_is_major(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Removing a rule is major and its records move to whatever decides them now."""
    old, new = pair(
        tmp_path,
        ("  - id: t.timeout\n    when: {contains: timed out}\n    then: {category: timeout}\n", ""),
    )
    document = diff_json(capsys, old, new, "--corpus", corpus(tmp_path, "read timed out"))
    assert document["verdict"] == "major"
    (change,) = document["changes"]
    assert (change["kind"], change["subject"], change["level"]) == (
        "rule-removed",
        "t.timeout",
        "major",
    )
    (transition,) = document["transitions"]
    assert (transition["from"], transition["to"], transition["count"]) == ("timeout", "unknown", 1)
    assert transition["level"] == "minor"  # timeout and unknown are both retried


def test_renamed_rule_is_major(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A new id with the same ``when`` is reported as a rename (major), not remove + add."""
    old, new = pair(tmp_path, ("id: t.timeout", "id: t.timed-out"))
    document = diff_json(capsys, old, new, "--corpus", corpus(tmp_path, "read timed out"))
    assert document["verdict"] == "major"
    assert kinds(document) == {"rule-renamed": "major"}
    assert "t.timeout → t.timed-out" in document["changes"][0]["message"]
    (transition,) = document["transitions"]
    assert transition["from"] == transition["to"] == "timeout"
    assert transition["records"][0]["fields"] == ["rule"]


@pytest.mark.parametrize(
    ("edit", "fail_on", "expected"),
    [
        (('revision: "1"', 'revision: "2"'), "patch", 1),
        (('revision: "1"', 'revision: "2"'), "minor", 0),
        (("t.slow\n", "t.slow\n    status: experimental\n"), "major", 0),
        (("{contains: slow down}", "{contains: slow}"), "minor", 1),
        (("{contains: slow down}", "{contains: slow}"), "major", 0),
        (QUOTA_TO_EXHAUSTED, "major", 1),
        (QUOTA_TO_EXHAUSTED, "patch", 1),
    ],
)
def test_fail_on_exit_codes(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    edit: tuple[str, str],
    fail_on: str,
    expected: int,
) -> None:
    """``--fail-on L`` exits 1 exactly when the verdict is L or higher, else 0."""
    old, new = pair(tmp_path, edit)
    code, _, err = run(capsys, "diff", old, new, "--fail-on", fail_on)
    assert code == expected
    assert err.rstrip().endswith(f"(--fail-on {fail_on})") == (expected == 1)


def test_level_at_least_orders_levels() -> None:
    """major > minor > patch > none."""
    assert level_at_least("major", "minor")
    assert level_at_least("patch", "patch")
    assert not level_at_least("minor", "major")
    assert not level_at_least("none", "patch")


def test_unloadable_side_exits_2_with_positions(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A side that cannot be loaded prints FILE:LINE:COL problems and exits 2, even --fail-on."""
    old, _ = pair(tmp_path)
    broken = write_rules(
        tmp_path / "broken.yaml",
        """
        name: broken
        rules:
          - id: b.bad-regex
            when: {regex: "("}
            then: {category: server_error}
        """,
    )
    code, out, err = run(capsys, "diff", old, str(broken), "--fail-on", "major")
    assert code == 2
    assert out == ""
    assert re.search(rf"^{re.escape(str(broken))}:5:\d+: .+$", err, re.MULTILINE), err
    assert f"cannot load NEW rules {str(broken)!r}: 1 problem" in err
    code, _, err = run(capsys, "diff", str(tmp_path / "missing.yaml"), old)
    assert code == 2
    assert "cannot load OLD rules" in err


def test_bad_corpus_line_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A corpus line that is not a JSON object is reported as FILE:N and the exit code is 2."""
    old, new = pair(tmp_path)
    records = tmp_path / "bad.jsonl"
    records.write_text('{"message": "ok"}\n[1, 2]\n', "utf-8")
    code, out, err = run(capsys, "diff", old, new, "--corpus", str(records))
    assert code == 2
    assert out.startswith("verdict: none")
    assert f"{records}:2: " in err


def test_json_output_lists_every_record(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The JSON document has the documented keys; records carry both decisions."""
    old, new = pair(tmp_path, QUOTA_TO_EXHAUSTED)
    messages = [f"quota {n}" for n in range(30)]
    document = diff_json(capsys, old, new, "--corpus", corpus(tmp_path, *messages))
    assert set(document) == {
        "verdict", "reasons", "old", "new", "records", "transitions", "changes",
    }  # fmt: skip
    assert document["old"] == {"source": old, "name": "t", "revision": "1", "rules": 3}
    (transition,) = document["transitions"]
    assert transition["count"] == len(transition["records"]) == 31
    assert transition["changes"]["retryable"] == {"old": True, "new": False}
    record = transition["records"][1]
    assert record["kind"] == "corpus"
    assert record["old"]["category"] == "rate_limited"
    assert record["new"]["category"] == "quota_exhausted"
    assert record["fields"][:3] == ["category", "retryable", "action"]


def test_markdown_output(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Markdown has a verdict heading, a transitions table and per-transition details."""
    old, new = pair(tmp_path, QUOTA_TO_EXHAUSTED)
    code, out, _ = run(capsys, "diff", old, new, "--format", "markdown")
    assert code == 0
    assert out.startswith("### Rule set diff: **major**\n")
    assert "| Transition | Records | Level | Effect |" in out
    assert "| rate\\_limited → quota\\_exhausted | 1 | major |" in out
    assert "<details><summary>rate\\_limited → quota\\_exhausted (1)</summary>" in out
    assert "#### Structural changes" in out


def test_max_records_truncates_text(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Text lists at most --max-records records per transition, then says how many more."""
    old, new = pair(tmp_path, QUOTA_TO_EXHAUSTED)
    records = corpus(tmp_path, *(f"quota {n}" for n in range(5)))
    code, out, _ = run(capsys, "diff", old, new, "--corpus", records, "--max-records", "2")
    assert code == 0
    assert "    … 4 more (--format json lists all)" in out


# ── the shipped rule sets ───────────────────────────────────────────────────────────────


def _failure_key(failure: Any) -> tuple[Any, ...]:
    return (
        failure.message,
        failure.status,
        tuple(sorted(failure.headers.items())),
        failure.body,
        tuple(sorted(failure.exception_types)),
        failure.provider,
        failure.model,
    )


def _expected_groups() -> tuple[Counter[tuple[str, str]], int]:
    """Classify test cases and corpus records with seed and default; count changed groups."""
    old, new = load_rules("builtin:seed"), load_rules("builtin:default")
    groups: Counter[tuple[str, str]] = Counter()
    seen: set[tuple[Any, ...]] = set()
    decisions = []
    for ruleset in (new, old):
        for rule in ruleset.rules:
            for case in rule.tests:
                failure = case.failure()
                if _failure_key(failure) in seen:
                    continue
                seen.add(_failure_key(failure))
                decisions.append((old.classify(failure), new.classify(failure)))
    for line in CORPUS.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        kwargs = {
            "status": record.get("status"),
            "headers": record.get("headers"),
            "body": record.get("body"),
            "provider": record.get("provider"),
        }
        decisions.append((old.classify(None, **kwargs), new.classify(None, **kwargs)))
    fields = ("category", "retryable", "action", "rate_limited", "retry_after_ms", "rule_id")
    for before, after in decisions:
        if any(getattr(before, f) != getattr(after, f) for f in fields):
            groups[(before.category, after.category)] += 1
    return groups, len(decisions)


def test_seed_to_default_with_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    """seed → default over the public corpus prints the independently computed transitions."""
    groups, compared = _expected_groups()
    assert groups  # default decides some records differently from seed
    argv = ("builtin:seed", "builtin:default", "--corpus", str(CORPUS))
    document = diff_json(capsys, *argv)
    got = {(t["from"], t["to"]): t["count"] for t in document["transitions"]}
    assert got == dict(groups)
    assert document["records"]["compared"] == compared
    code, out, _ = run(capsys, "diff", *argv, "--fail-on", "major")
    assert code == (1 if document["verdict"] == "major" else 0)
    for (before, after), count in groups.items():
        assert re.search(rf"^  {before} → {after}: {count}  \[(major|minor): ", out, re.M), out
    assert out.startswith(f"verdict: {document['verdict']}\n")


def test_diff_rulesets_api(tmp_path: Path) -> None:
    """The library call gives the same verdict and transitions without printing."""
    old, new = pair(tmp_path, QUOTA_TO_EXHAUSTED)
    result = diff_rulesets(load_rules(old), load_rules(new))
    assert result.verdict == "major"
    assert [(t.label, t.count) for t in result.transitions] == [
        ("rate_limited → quota_exhausted", 1)
    ]
    assert "verdict: major" in result.render_text()
