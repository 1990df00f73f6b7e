"""The RE2 subset translation (extra `fast`): a regex with a look-around in some branches is
decided by RE2 alone wherever the other branches find a match, and never wrongly."""

from __future__ import annotations

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from reliable_rules.engine.prefilter import compile_gate, re2_superset

re2 = pytest.importorskip("re2")

SENTENCE_GAP = r"\bmodels?\b(?:[^\n.]|\.(?=\S)){0,80}?\b(?:not found|does not exist)"
TOOLS = r"\b(?:tools?(?![ _-]?results?)|tool[ _-]?(?:use|calls?))\b"


def _options(ignore_case: bool) -> object:
    options = re2.Options()
    options.case_sensitive = not ignore_case
    return options


@pytest.mark.parametrize(
    ("pattern", "flags", "expected"),
    [
        # the look-ahead branch of a sentence-bounded gap is left out
        ("a(?:b|c(?=d))", 0, r"\x{61}(?:\x{62})"),
        # every branch refused: no subset
        ("(?:a(?=b)|c(?!d))", 0, None),
        # a look-around outside any alternation: no subset
        (r"(?<![a-z_])forbidden(?![a-z_])", regex.IGNORECASE, None),
    ],
)
def test_subset_translation(pattern: str, flags: int, expected: str | None) -> None:
    """Branches the exact translation refuses are left out; nothing else is."""
    pair = re2_superset(pattern, flags, subset=True)
    assert (None if pair is None else pair[0]) == expected


@pytest.mark.parametrize(
    ("pattern", "text", "answer"),
    [
        (SENTENCE_GAP, "The model gpt-9 was not found", True),  # RE2 alone: a subset match
        (SENTENCE_GAP, "model v1.2 does not exist", None),  # needs the look-ahead: regex decides
        (SENTENCE_GAP, "model. Not found", None),  # the superset matches, regex decides
        (SENTENCE_GAP, "the request was not found", False),
        (TOOLS, "tool_use ids must be unique", True),
        (TOOLS, "tools are not supported", None),
        (TOOLS, "tool results are not supported", None),
    ],
)
def test_the_gate_decides_true_matches_of_the_other_branches(
    pattern: str, text: str, answer: bool | None
) -> None:
    """True only where the subset matches; None (regex searches) where only a refused branch
    could match; the regex agrees with every True and False."""
    gate = compile_gate(pattern, regex.IGNORECASE)
    assert gate is not None
    assert gate(text.encode("ascii")) is answer
    if answer is not None:
        assert (regex.search(pattern, text, regex.IGNORECASE) is not None) is answer


_PIECES = st.sampled_from(
    [
        "a", "b", "ab", " ", "-", r"\d", r"\w", r"\W", r"\s", r"\b", ".", "(?:", "(?=b", "(?!a",
        "(?<=a)", "(?<!b)", ")", "|", "?", "*", "+", "{1,3}", "{0,2}?", "[a-c]", r"[^\s]", "x",
        r"\.", "$",
    ]
)  # fmt: skip
_TEXT = st.text(alphabet="abxAB \t\n-._019", max_size=30)


@settings(max_examples=800, deadline=None)
@given(
    st.lists(_PIECES, min_size=1, max_size=12),
    st.sampled_from([0, regex.IGNORECASE, regex.DOTALL]),
    st.lists(_TEXT, min_size=1, max_size=6),
)
def test_a_subset_match_is_always_a_regex_match(
    pieces: list[str], flags: int, texts: list[str]
) -> None:
    """Wherever the subset translation finds a match on an ASCII text, `regex` does too."""
    pattern = "".join(pieces)
    try:
        compiled = regex.compile(pattern, flags)
    except regex.error:
        return
    pair = re2_superset(pattern, flags, subset=True)
    if pair is None:
        return
    subset = re2.compile(pair[0], _options(pair[1]))
    for text in texts:
        if subset.search(text) is not None:
            assert compiled.search(text) is not None, (pattern, pair[0], flags, text)
