"""Named conditions that reference each other many times are bounded: a small hostile rule
file ends in a positioned ``RuleSetError`` in well under a second, never in minutes."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.bounded import run_bounded

from reliable_rules import RuleSetError, load_rules


def _doubling_file(depth: int) -> str:
    """Each named condition references the previous one twice (2**depth nodes written out)."""
    lines = ["format: reliable-rules/v1", "name: bomb", "conditions:", "  c0: {contains: busy}"]
    lines += [
        f"  c{i}: {{any: [{{condition: c{i - 1}}}, {{condition: c{i - 1}}}]}}"
        for i in range(1, depth + 1)
    ]
    lines += ["rules:", "  - id: b.r", f"    when: {{condition: c{depth}}}"]
    lines += ["    then: {category: server_error}"]
    return "\n".join(lines) + "\n"


def test_the_doubling_file_is_about_one_kilobyte() -> None:
    """The hostile file of the issue: depth 20 in about 1 KB."""
    assert len(_doubling_file(20)) < 1200


def test_exponential_conditions_end_fast_in_a_positioned_error(tmp_path: Path) -> None:
    """Depth 20 (a million nodes written out) is refused within a second and 1 GB."""
    path = tmp_path / "bomb.yaml"
    path.write_text(_doubling_file(20), encoding="utf-8")
    outcome = run_bounded(
        "from reliable_rules import RuleSetError, load_rules\n"
        "_begin = time.perf_counter()\n"
        "try:\n"
        f"    load_rules({str(path)!r})\n"
        "    _result['error'] = None\n"
        "except RuleSetError as error:\n"
        "    _result['error'] = [(p.line, p.code, p.message) for p in error.problems]\n"
        "_result['load_s'] = time.perf_counter() - _begin\n",
        timeout_s=20,
    )
    assert outcome.result is not None, outcome.stderr
    assert outcome.result["error"], outcome.result
    assert float(str(outcome.result["load_s"])) < 1.0


def test_the_error_names_the_condition_with_its_line(tmp_path: Path) -> None:
    """The first condition past the bound is named, at its line and column."""
    path = tmp_path / "bomb.yaml"
    path.write_text(_doubling_file(20), encoding="utf-8")
    with pytest.raises(RuleSetError) as caught:
        load_rules(path)
    first = caught.value.problems[0]
    assert first.code == "matcher-too-large"
    assert "condition 'c11'" in first.message
    assert (first.line, first.column) == (15, 8)
    assert f"{path.name}:15:8" in str(caught.value)


def test_a_deep_chain_of_conditions_is_refused(tmp_path: Path) -> None:
    """A chain of conditions nested deeper than the bound is an error, not a RecursionError."""
    depth = 60  # past MAX_MATCHER_DEPTH (48)
    lines = ["format: reliable-rules/v1", "name: deep", "conditions:", "  c0: {contains: busy}"]
    lines += [f"  c{i}: {{not: {{condition: c{i - 1}}}}}" for i in range(1, depth + 1)]
    lines += ["rules:", "  - id: d.r", f"    when: {{condition: c{depth}}}"]
    lines += ["    then: {category: server_error}"]
    path = tmp_path / "deep.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RuleSetError) as caught:
        load_rules(path)
    assert any("levels" in p.message for p in caught.value.problems)


def test_shared_conditions_within_the_bounds_still_load(tmp_path: Path) -> None:
    """Sharing is fine while the written-out size stays small (depth 8: 256 leaves)."""
    path = tmp_path / "ok.yaml"
    path.write_text(_doubling_file(8), encoding="utf-8")
    rules = load_rules(path)
    assert rules.classify("server busy", status=503).category == "server_error"
