"""A regex in a rule file is bounded before it is compiled: nested counted repeats that would
expand to millions of copies, or an overlong pattern, are positioned rule-file errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.bounded import run_bounded

from reliable_rules import RuleSetError, load_rules

BOMB = "((((a{100}){100}){100}){100})"


def _file(tmp_path: Path, pattern: str) -> Path:
    """A one-rule file whose rule matches ``pattern``."""
    path = tmp_path / "rx.yaml"
    quoted = pattern.replace("\\", "\\\\").replace('"', '\\"')
    path.write_text(
        "format: reliable-rules/v1\nname: rx\nrules:\n  - id: rx.r\n"
        f'    when: {{regex: "{quoted}"}}\n    then: {{category: server_error}}\n',
        encoding="utf-8",
    )
    return path


def test_a_compile_bomb_ends_fast_in_a_rule_set_error(tmp_path: Path) -> None:
    """The 100**4 bomb is refused within a second, inside 1 GB, with its position."""
    path = _file(tmp_path, BOMB)
    outcome = run_bounded(
        "from reliable_rules import RuleSetError, load_rules\n"
        "_begin = time.perf_counter()\n"
        "try:\n"
        f"    load_rules({str(path)!r})\n"
        "    _result['error'] = None\n"
        "except RuleSetError as error:\n"
        "    _result['error'] = [(p.line, p.column, p.code) for p in error.problems]\n"
        "_result['load_s'] = time.perf_counter() - _begin\n",
        timeout_s=30,
    )
    assert outcome.result is not None, outcome.stderr
    assert outcome.result["error"] == [[5, 19, "regex-too-large"]], outcome.result
    assert float(str(outcome.result["load_s"])) < 1.0


@pytest.mark.parametrize(
    "pattern",
    [
        "(a{101}){100}",
        "((x{10}){10}){101}",
        "[a-z]{10001}",
        "(?:\\d{1,200}){51}",
        "(a{99999999999999999999999999999999})",
        "x" * 4001,
    ],
)
def test_patterns_past_the_bounds_are_refused(tmp_path: Path, pattern: str) -> None:
    """Counted repeats multiplying past 10,000, or a pattern over 4,000 characters: refused."""
    with pytest.raises(RuleSetError) as caught:
        load_rules(_file(tmp_path, pattern))
    assert [p.code for p in caught.value.problems] == ["regex-too-large"]
    assert caught.value.problems[0].line == 5


@pytest.mark.parametrize(
    "pattern",
    ["(a{100}){100}", "[^\\n]{0,80}?", "\\{100}{2}x", "[{]{5}x", "a{3}b{4}c+d*", "x" * 4000],
)
def test_patterns_within_the_bounds_load(tmp_path: Path, pattern: str) -> None:
    """Counted repeats up to 10,000 copies and escaped braces are accepted."""
    assert load_rules(_file(tmp_path, pattern)).rules
