"""Numbers from rule files are range-checked by the schema (a positioned RuleSetError, never
an OverflowError later), names cannot end in a newline, and hostile Retry-After values are
clean decisions."""

from __future__ import annotations

from pathlib import Path

import pytest

from reliable_rules import RuleSetError, load_rules

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
