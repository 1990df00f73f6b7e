"""Issue 17 item 1: the normaliser behind capture fingerprints and suggested rules. Whatever the
text, what varies between occurrences (numbers, ids, timestamps) is gone, and normalising
twice changes nothing (Hypothesis)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from reliable_rules._text import error_fingerprint, stable_text

TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200
) | st.from_regex(r"[a-zA-Z _:-]{0,20}(req_[A-Za-z0-9]{10}|\d{1,9}|2026-\d\d-\d\dT\d\d:\d\d:\d\dZ)")


@given(TEXT)
def test_no_ascii_digit_survives(text: str) -> None:
    """Numbers, ids and timestamps become placeholders: no ASCII digit is left."""
    assert not re.search(r"[0-9]", stable_text(text))


@given(TEXT)
def test_normalising_is_idempotent(text: str) -> None:
    """A normalised text is its own normal form."""
    once = stable_text(text)
    assert stable_text(once) == once


@given(st.integers(0, 10**12), st.integers(0, 10**12))
def test_fingerprint_ignores_the_numbers_of_an_error(first: int, second: int) -> None:
    """Two occurrences differing only in counts share a fingerprint."""
    one = error_fingerprint("acme", 503, ["HTTPError"], f"tenant {first} paused, {first} jobs")
    two = error_fingerprint("acme", 503, ["HTTPError"], f"tenant {second} paused, {second} jobs")
    assert one == two
    assert one != error_fingerprint("acme", 502, ["HTTPError"], f"tenant {first} paused")
