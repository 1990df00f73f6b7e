"""A classification has a regex time budget, not only a per-regex bound (issue 13, item 3):
200 rules whose regexes each time out no longer make one classify take seconds."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from helpers.rulefiles import write_rules

from reliable_rules import load_rules
from reliable_rules.authoring.lint import lint_file
from reliable_rules.engine.regex_safety import REGEX_BUDGET_MS, backtracking_risk

#: Exponential on "aaaa...!": the engine cannot prove it cheap, so it runs under a timeout
#: (and the `regex` package really times out on it: ~150 ms for a 50 ms timeout).
SLOW = "^(?:a|a)*$"
TEXT = "a" * 28 + "!"


def _slow_rules(tmp_path: Path, count: int, policy: str = "") -> Path:
    rules = "".join(
        f"  - id: slow.r{index}\n    when: {{regex: '{SLOW}'}}\n"
        "    then: {category: server_error}\n"
        for index in range(count)
    )
    return write_rules(tmp_path / "slow.yaml", f"name: slow\n{policy}rules:\n{rules}")


def test_two_hundred_timed_out_regexes_stay_within_the_budget(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """classify with 200 catastrophic regexes ends near the budget (not 200 x 50 ms or more),
    skips the rest and logs it once, naming the rule where the budget ran out."""
    rules = load_rules(str(_slow_rules(tmp_path, 200)))
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="reliable_rules"):
        decision = rules.classify(TEXT)
    elapsed = time.perf_counter() - started
    assert decision.category == "unknown"
    assert elapsed < 1.0, elapsed
    skipped = [r.getMessage() for r in caplog.records if "budget" in r.getMessage()]
    assert len(skipped) == 1
    assert "rule slow.r" in skipped[0]


def test_the_trace_says_regexes_were_skipped(tmp_path: Path) -> None:
    """explain() reports the spent budget and the rules whose regexes did not run."""
    rules = load_rules(str(_slow_rules(tmp_path, 40)))
    trace = rules.classify(TEXT).explain()
    assert f"regex time budget ({REGEX_BUDGET_MS} ms) spent" in trace
    assert "slow.r39" in trace


def test_the_budget_is_a_policy_value(tmp_path: Path) -> None:
    """policy.regex_budget_ms sets the budget; the schema bounds it."""
    path = _slow_rules(tmp_path, 3, policy="policy:\n  regex_budget_ms: 5\n")
    rules = load_rules(str(path))
    assert rules.policy.regex_budget_ms == 5
    assert "regex time budget (5 ms) spent" in rules.classify(TEXT).explain()
    assert load_rules("builtin:default").policy.regex_budget_ms == REGEX_BUDGET_MS == 20


def test_a_budget_past_the_schema_bound_is_refused(tmp_path: Path) -> None:
    """regex_budget_ms above 1000 is a rule-file error."""
    from reliable_rules import RuleSetError  # noqa: PLC0415

    with pytest.raises(RuleSetError):
        load_rules(str(_slow_rules(tmp_path, 1, policy="policy:\n  regex_budget_ms: 5000\n")))


@pytest.mark.parametrize(
    ("pattern", "risk"),
    [
        ("(a|a)+b", "alternation"),
        ("(?:ab|a)*c", "alternation"),
        ("(a+)+b", "quantifier"),
        ("(?:x?){0,9}y", "quantifier"),
    ],
)
def test_the_lint_names_backtracking_risks_and_the_rule(
    tmp_path: Path, pattern: str, risk: str
) -> None:
    """The lint warns about nested quantifiers and overlapping alternation under a repeat,
    naming the rule id."""
    path = write_rules(
        tmp_path / "risky.yaml",
        f"name: risky\nrules:\n  - id: risky.one\n    when: {{regex: '{pattern}'}}\n"
        "    then: {category: server_error}\n",
    )
    findings = [f for f in lint_file(path) if f.code == "regex-backtracking"]
    assert len(findings) == 1, findings
    assert risk in findings[0].message
    assert "risky.one" in str(findings[0])


@pytest.mark.parametrize("pattern", ["(?:[^\\n.]|\\.(?=\\S)){0,40}", "(?:ab|cd)+", "a+b"])
def test_safe_patterns_carry_no_risk(pattern: str) -> None:
    """Disjoint alternation and plain repeats are not flagged."""
    assert backtracking_risk(pattern, ignore_case=True) is None
