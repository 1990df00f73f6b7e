"""Secrets are scrubbed from every text the library shows; the literal prefilter never skips
a text that one of the patterns would change."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reliable_rules.sanitize import REDACTED, _keep_label, _patterns, compact, sanitize

SECRETS = [
    "sk-proj-abcdefghijklmnop1234",
    "sk-ant-api03-abcdefghijklmnop",
    "gsk_abcdefghijklmnop1234",
    "xai-abcdefghijklmnop1234",
    "AIzaSyA1234567890abcdefghijklmnop",
    "eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4",
]


def full_passes(text: str) -> str:
    """Every substitution pass, without the prefilter."""
    for pattern in _patterns():
        text = pattern.sub(_keep_label if pattern.groups else REDACTED, text)
    return text


@pytest.mark.parametrize("secret", SECRETS)
def test_each_key_shape_is_redacted(secret: str) -> None:
    """Every provider key shape is replaced wherever it appears."""
    assert secret not in sanitize(f"error: invalid key {secret} (request 42)")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abcdefghijkl", "Authorization: [REDACTED] [REDACTED]"),
        ("GET /v1?api_key=abcd1234efgh&x=1", "GET /v1?api_key=[REDACTED]&x=1"),
        ('{"x-api-key": "abcdefgh1234"}', '{"x-api-key": "[REDACTED]"}'),
        ("The server is overloaded", "The server is overloaded"),
    ],
)
def test_labels_are_kept_and_values_replaced(text: str, expected: str) -> None:
    """``label=value`` keeps the label; texts without secrets come back unchanged."""
    assert sanitize(text) == expected


@given(
    st.text(
        alphabet=st.sampled_from(list("abcdeksxyzABKEYTOBRAIzaj_-=: \"'.0123456789")),
        max_size=120,
    )
)
def test_prefilter_never_changes_the_result(text: str) -> None:
    """With or without the literal prefilter, sanitising gives the same text."""
    assert sanitize(text) == full_passes(text)


@given(st.text(max_size=300), st.sampled_from(SECRETS))
def test_a_secret_inside_any_text_never_survives(prefix: str, secret: str) -> None:
    """Whatever surrounds it, a key is gone after sanitising (spaces separate tokens)."""
    assert secret not in sanitize(f"{prefix} {secret} tail")


def test_compact_folds_whitespace_and_bounds_length() -> None:
    """compact() is one line, sanitised, at most ``limit`` characters."""
    text = compact("a\n\n  b\t" + "x" * 1000 + " sk-proj-abcdefghijklmnop", limit=50)
    assert "\n" not in text
    assert len(text) <= 50
    assert text.startswith("a b ")
