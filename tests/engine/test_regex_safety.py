"""Rule regexes proven safe skip the per-call timeout; their answers do not change."""

from __future__ import annotations

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from reliable_rules.engine.nodes import REGEX_TIMEOUT_S, search_bounded, untimed_for
from reliable_rules.engine.regex_safety import UNTIMED_STEPS, untimed_max_length
from reliable_rules.ruleset.resources import rules_dir

UNSAFE = [
    r"(a+)+$",
    r"(a|aa)+$",
    r"(?:a|ab)*c",
    r"(?:x?){0,40}x{40}",
    r"(\w+)\1",
    r"(?:\wx|\dx)+!",
    r"(?:a|)*b",
    r"(a)?(?(1)a|b)",
]
SAFE = [
    r"rate.?limit",
    r"\b(?:invalid|incorrect)\W{0,3}(?:key|token)\b",
    r"(?:[^\n.]|\.(?=\S)){0,40}?\bexceed",
    r"(?:quota|balance)\s+not\s+enough",
    r"(?:ab|cd)+e",
    r"\d{3}",
]
# A strategy of patterns: the ones above plus small random ones over a few characters.
PIECES = ["a", "b", "ab", ".", r"\d", r"\s", "[ab]", "[^a]", "(?:a|b)", "(?:a|ab)", "(a)"]
QUANTIFIERS = ["", "", "?", "*", "+", "{0,3}", "{2}", "*?"]


@st.composite
def patterns(draw: st.DrawFn) -> str:
    """A known pattern or a small random one built from quantified pieces."""
    if draw(st.booleans()):
        return draw(st.sampled_from(SAFE + UNSAFE))
    piece = st.tuples(st.sampled_from(PIECES), st.sampled_from(QUANTIFIERS))
    parts = draw(st.lists(piece, max_size=4))
    body = "".join(piece + quantifier for piece, quantifier in parts)
    return f"(?:{body}){draw(st.sampled_from(QUANTIFIERS))}" if draw(st.booleans()) else body


def test_unsafe_patterns_keep_the_timeout() -> None:
    """Nested or variable repeats, ambiguous alternation under a repeat, backreferences: 0."""
    for pattern in UNSAFE:
        assert untimed_max_length(pattern, ignore_case=True) == 0, pattern


def test_safe_patterns_run_untimed_on_texts_bounded_by_their_repeats() -> None:
    """A safe pattern's untimed length is UNTIMED_STEPS ** (1 / (1 + unbounded repeats))."""
    for pattern in SAFE:
        assert untimed_max_length(pattern, ignore_case=True) > 100, pattern
    assert untimed_max_length(r"\d{3}", ignore_case=False) == UNTIMED_STEPS
    assert untimed_max_length(r"a.*b", ignore_case=False) == int(UNTIMED_STEPS**0.5)


def test_case_folding_makes_alternation_ambiguous() -> None:
    """Under IGNORECASE, ``(?:ax|Ay)`` branches overlap; case-sensitive they do not."""
    assert untimed_max_length(r"(?:ax|Ay)+b", ignore_case=False) > 0
    assert untimed_max_length(r"(?:ax|Ay)+b", ignore_case=True) == 0


def test_most_shipped_regexes_are_proven_safe() -> None:
    """The shipped rules' ``regex:`` values are nearly all proven safe (the win is real)."""
    found = []
    for path in rules_dir().rglob("*.yaml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            value = line.strip().removeprefix("- ")
            if value.startswith("regex: '") and value.endswith("'"):
                found.append(value[len("regex: '") : -1].replace("''", "'"))
    safe = [p for p in found if untimed_max_length(p, ignore_case=True) > 0]
    assert found
    assert len(safe) >= 0.9 * len(found)


@settings(max_examples=400, deadline=None)
@given(patterns(), st.text(alphabet="abAB1 .\n!", max_size=40), st.booleans())
def test_untimed_search_answers_as_the_timed_one(pattern: str, text: str, fold: bool) -> None:
    """Timed or not, a pattern finds a match exactly when the timed search does."""
    compiled = regex.compile(pattern, regex.IGNORECASE if fold else 0)
    expected = compiled.search(text, timeout=REGEX_TIMEOUT_S) is not None
    assert search_bounded(compiled, text, untimed_for(compiled)) == expected
    assert search_bounded(compiled, text, 0) == expected
