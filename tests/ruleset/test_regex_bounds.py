"""The loader's quick bound check (a shipped regex within bounds compiles on first use) agrees
with the full counted-repeat scan on every pattern."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reliable_rules.ruleset.compile import (
    MAX_PATTERN_LENGTH,
    MAX_REPEAT_PRODUCT,
    _within_bounds,
    repeat_product,
)

PIECES = ["a", "(", ")", "[", "]", "\\", "{", "}", ",", "|", "*", "9", "12", "100", "{2}",
          "{3,}", "{,40}", "{101}", "{1,10000}", "(?:", "[{]", "\\{"]


def _expected(pattern: str) -> bool:
    return len(pattern) <= MAX_PATTERN_LENGTH and repeat_product(pattern) <= MAX_REPEAT_PRODUCT


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_the_quick_check_agrees_with_the_scan(pattern: str) -> None:
    """_within_bounds answers as the full scan does on patterns dense in counted repeats."""
    assert _within_bounds(pattern) == _expected(pattern)


@pytest.mark.parametrize(
    ("pattern", "within"),
    [
        ("(a{100}){100}", True),  # 10,000: at the limit
        ("(a{100}){101}", False),
        ("a{100}b{100}c{100}", True),  # not nested: the product bound is passed, the scan says yes
        ("[{]{5}" * 10, True),
        ("x" * (MAX_PATTERN_LENGTH + 1), False),
        ("((a{10}){10}){101}", False),
    ],
)
def test_known_patterns(pattern: str, within: bool) -> None:
    """Nested repeats multiply, disjoint ones do not; over-long patterns are out of bounds."""
    assert _within_bounds(pattern) is within
    assert _expected(pattern) is within
