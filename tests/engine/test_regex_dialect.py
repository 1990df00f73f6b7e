"""The proofs read a rule regex with `re` only where `regex` reads it the same way."""

from __future__ import annotations

import re
import textwrap
import warnings
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

import reliable_rules
from reliable_rules.engine import scans
from reliable_rules.engine.dialect import regex_only
from reliable_rules.engine.prefilter import re2_superset
from reliable_rules.engine.regex_literals import required_any
from reliable_rules.engine.regex_safety import backtracking_risk, untimed_max_length


@pytest.mark.parametrize(
    "pattern",
    [
        r"colou?r{e<=1}",  # fuzzy matching
        r"(?:rate limit){i<=1,d<=1}",
        r"[[:alpha:]]+",  # POSIX class inside a set
        r"[a[:digit:]]",
        r"[^[:space:]]",
        r"\p{Han}",
        r"\X",
        r"(\w)\1",  # a numbered reference
        r"(?|(a)|(b))",  # branch reset
        r"(?(1)a|b)",  # conditional
        r"(?V1)[[a-z]--[aeiou]]",
        r"(?r)abc",
        r"(?w)\bword\b",
        r"(?x)rate\ limit  # a comment may hold [ or {e<=1}",
        r"\\[[:alpha:]]",  # an escaped backslash: the set and its POSIX class are real
    ],
)
def test_a_construct_regex_reads_differently_is_flagged(pattern: str) -> None:
    """Fuzzy braces, POSIX classes, regex-only escapes, groups and flags are flagged."""
    assert regex_only(pattern) is not None


@pytest.mark.parametrize(
    "pattern",
    [
        r"\(?(rate|quota)\)? limit",  # an escaped "(" before a group, not a conditional
        r"\[[0-9]+\]",  # an escaped "[" before a set
        r'\{\s*"code"\s*:',  # an escaped brace
        r"[{]?\w+[}]?",  # braces inside a set
        r"Value\s*:\s*\{[^\n{}]{0,400}?\}",
        r"[:\s]+",  # a set starting with ":" (not a POSIX class)
        r"[:alpha:]",  # outside a set both read a plain set of ":", "a", "l" ...
        r"[]a]x",  # "]" first in a set is a member
        r"[^]a]x",
        r"x{2,5}?y{3}z{,4}w{1,}",  # counted repeats
        r"(?i)rate(?=\s)",
        r"(?x) rate \s limit",  # verbose without a comment
    ],
)
def test_syntax_both_engines_share_is_not_flagged(pattern: str) -> None:
    """Escaped brackets, braces and parentheses, sets holding them, and counted repeats pass."""
    assert regex_only(pattern) is None


def test_braces_that_are_not_counts_are_flagged_even_when_both_read_them_alike() -> None:
    """`a{x}` is literal in both engines, but any non-count brace is refused: regex's brace
    forms (fuzzy constraints, named lists) are too many to tell apart safely."""
    assert regex_only(r"a{x}") is not None
    assert regex_only(r"a{ 1}") is not None


_PIECES = st.sampled_from(
    [
        "a", "b", ":", "x", "1", "-", " ", "\\", r"\\", r"\[", r"\{", r"\(", "[", "]", "^",
        "{", "}", "(", ")", "?", "|", "*", "+", ",", "e", "<=", "[:", ":]", "alpha", "digit",
        "{e<=1}", "{1,2}", "(?", "(?:", "(?i)", "(?x)", "#", r"\d", r"\s", r"\p{L}", r"\1",
    ]
)  # fmt: skip
_TEXT = st.text(alphabet="ab:x1- [](){}\\e<=1,\n#", max_size=24)


@settings(max_examples=1500, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=12), st.lists(_TEXT, min_size=1, max_size=6))
def test_a_pattern_not_flagged_matches_alike_in_both_engines(
    pieces: list[str], texts: list[str]
) -> None:
    """Whenever regex_only says nothing and both engines compile a pattern, they find the same
    match in every text: the soundness every `re`-based proof relies on."""
    pattern = "".join(pieces)
    if regex_only(pattern) is not None:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # re's FutureWarning on a possible nested set
        try:
            ours = regex.compile(pattern)
            theirs = re.compile(pattern)
        except (regex.error, re.error, OverflowError, RecursionError):
            return
    for text in texts:
        mine, other = ours.search(text), theirs.search(text)
        assert (mine and mine.span()) == (other and other.span()), (pattern, text)


@pytest.mark.parametrize("pattern", [r"rate limit{e<=1}", r"[[:alpha:]]+ limit", r"(?|a|b)c"])
def test_no_proof_reads_a_flagged_pattern(pattern: str) -> None:
    """A flagged pattern gets no gate literal, no RE2 superset and keeps its timeout."""
    assert required_any(pattern) is None
    assert re2_superset(pattern, 0) is None
    assert untimed_max_length(pattern, ignore_case=False) == 0
    assert backtracking_risk(pattern, ignore_case=False) is None


def test_an_escaped_parenthesis_before_a_group_is_gated() -> None:
    """`\\(?(rate|quota) limit` was refused as a conditional; it is gated on its literals."""
    assert required_any(r"\(?(rate|quota) limit") in ({" limit"}, {"rate", "quota"})
    assert re2_superset(r"\(?(rate|quota) limit", 0) is not None


@pytest.mark.parametrize("accelerated", ["1", "0"])
def test_a_fuzzy_rule_decides_alike_with_and_without_the_accelerator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, accelerated: str
) -> None:
    """A fuzzy regex matches a misspelt text whichever scan runs (the RE2 superset once read
    `{e<=1}` as literal text and gated the rule out)."""
    monkeypatch.setenv(scans.ACCELERATOR_ENV, accelerated)
    path = tmp_path / "fuzzy.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            format: reliable-rules/v1
            name: fuzzy
            rules:
              - id: fuzzy.rate
                when:
                  regex: 'rate limited{e<=1}'
                then:
                  category: rate_limited
            """
        ),
        encoding="utf-8",
    )
    rules = reliable_rules.load_rules(path)
    assert rules.classify("rate limitex, slow down").rule_id == "fuzzy.rate"
    assert rules.classify("all fine").rule_id != "fuzzy.rate"
