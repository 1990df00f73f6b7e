"""Numbers from rule files are range-checked by the schema (a positioned RuleSetError, never
an OverflowError later), names cannot end in a newline, hostile Retry-After values are
clean decisions, and numbers the CLI cannot use are usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reliable_rules import RuleSetError, load_rules
from reliable_rules.cli import main
from reliable_rules.engine.retry_after import MAX_RETRY_AFTER_MS, parse_duration_ms

RULE = "rules:\n  - id: n.r\n    when: {contains: busy}\n    then: {category: server_error}\n"


def _load(tmp_path: Path, head: str) -> object:
    """Load a file made of ``head`` (top-level keys) and one plain rule."""
    path = tmp_path / "n.yaml"
    path.write_text(f"format: reliable-rules/v1\nname: n\n{head}{RULE}", encoding="utf-8")
    return load_rules(path)


@pytest.mark.parametrize(
    "head",
    [
        "policy: {backoff: {factor: 1.0e+308}}\n",
        "policy: {backoff: {factor: .inf}}\n",
        f"policy: {{backoff: {{base_ms: {10**40}}}}}\n",
        f"policy: {{backoff: {{max_ms: {10**40}}}}}\n",
        f"policy: {{backoff: {{floor_ms: {10**19}}}}}\n",
        f"policy: {{retry_after_cap_ms: {10**40}}}\n",
        f"policy: {{max_wait_ms: {10**40}}}\n",
    ],
)
def test_policy_numbers_out_of_range_are_positioned_errors(tmp_path: Path, head: str) -> None:
    """Backoff, caps and waits past a day (factor past 100) are refused at line 3."""
    with pytest.raises(RuleSetError) as caught:
        _load(tmp_path, head)
    assert {p.line for p in caught.value.problems} == {3}


@pytest.mark.parametrize(
    "matcher",
    [
        f"{{status: {{min: 500, max: {10**40}}}}}",
        f"{{status: {{min: 500, max: 599, except: [{10**40}]}}}}",
        f"{{text_status: {{min: 500, max: {10**40}}}}}",
    ],
)
def test_status_numbers_out_of_range_are_positioned_errors(tmp_path: Path, matcher: str) -> None:
    """Status ranges stay within 0..999."""
    path = tmp_path / "s.yaml"
    path.write_text(
        "format: reliable-rules/v1\nname: s\nrules:\n  - id: s.r\n"
        f"    when: {matcher}\n    then: {{category: server_error}}\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleSetError) as caught:
        load_rules(path)
    assert {p.line for p in caught.value.problems} == {5}


@pytest.mark.parametrize(
    "text",
    [
        'format: reliable-rules/v1\nname: "n\\n"\n' + RULE,
        'format: reliable-rules/v1\nname: n\nconditions:\n  "c\\n": {contains: x}\n' + RULE,
        'format: reliable-rules/v1\nname: n\ncategories:\n  "odd\\n": {action: fail}\n' + RULE,
    ],
)
def test_names_cannot_end_in_a_newline(tmp_path: Path, text: str) -> None:
    """The schema's name patterns end in (?![\\s\\S]), not $ (which allows a final newline)."""
    path = tmp_path / "nl.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleSetError):
        load_rules(path)


@pytest.mark.parametrize(
    "value",
    ["9" * 40, "1" * 5000, "1e400", "nan", "-inf", "Mon, 99 Foo 99999 99:99:99 GMT",
     "Fri, 31 Dec 9999 23:59:59 GMT", "Wed, 21 Oct 99999 07:28:00 GMT"],
)  # fmt: skip
def test_hostile_retry_after_values_are_clean_decisions(value: str) -> None:
    """A 40-digit Retry-After or a bad HTTP date classifies; nothing raises."""
    decision = load_rules("builtin:default").classify(
        "rate limited", status=429, headers={"Retry-After": value}
    )
    assert decision.category in ("rate_limited", "quota_exhausted")
    assert decision.retry_after_ms is None or decision.retry_after_ms >= 0


@pytest.mark.parametrize(
    "argv",
    [
        ["diff", "builtin:seed", "builtin:default", "--max-records", "-3"],
        ["diff", "builtin:seed", "builtin:default", "--max-records", "9" * 40],
    ],
)
def test_cli_counts_out_of_range_are_usage_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """A count the CLI cannot use exits 2 with a usage message, never a silently dropped
    number or an internal error (statuses: test_cli_numbers.py)."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "expected" in err
    assert "Traceback" not in err


@given(st.text(max_size=60))
def test_duration_parser_never_raises_and_stays_in_range(text: str) -> None:
    """Any header text parses to None or a wait in [0, MAX_RETRY_AFTER_MS]."""
    for unit in ("auto", "s", "ms"):
        value = parse_duration_ms(text, unit=unit, now=1_700_000_000.0)
        assert value is None or 0 <= value <= MAX_RETRY_AFTER_MS


@given(st.from_regex(r"[0-9]{1,60}(\.[0-9]{0,30})?(ms|s|m|h)?", fullmatch=True))
def test_duration_parser_on_numbers_of_any_size(text: str) -> None:
    """Numbers of any size parse to a bounded wait, never OverflowError."""
    value = parse_duration_ms(text, unit="auto", now=1_700_000_000.0)
    assert value is None or 0 <= value <= MAX_RETRY_AFTER_MS
