"""Retry-After sources skip work on failures that cannot hold their value: a regex source
first checks the literal every match needs, a JSON source the keys its path names. The checks
must never change an answer, only spare the regex or the JSON parse."""

from __future__ import annotations

import json

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from reliable_rules.engine.extractors import JsonSource, RegexSource, required_literal
from reliable_rules.engine.nodes import Probe
from reliable_rules.failure import to_failure


def probe_of(text: str = "", *, body: object = None) -> Probe:
    """A probe over a failure with this message and body (as the classifier builds one)."""
    failure = to_failure(text, body=body)
    return Probe(failure, failure.text, failure.text.lower(), None)


@pytest.mark.parametrize(
    ("pattern", "needle"),
    [
        (r'"?retrydelay"?\s*:\s*"([0-9]+(?:\.[0-9]+)?s)"', "retrydelay"),
        (r"try again in ((?:[0-9]+(?:\.[0-9]+)?(?:h|ms|m|s))+)", "try again in "),
        (r"retry after ([0-9]+(?:\.[0-9]+)?) ?sec", "retry after "),
        (r"[abc]xyz\.q", "xyz.q"),
        (r"colou?r of", "colo"),
        (r"Wait (\d+)S", "wait "),
        (r"a{2}bcd", "bcd"),
        (r"(?:abc|def)ghij", "ghij"),
    ],
)
def test_required_literal_finds_the_longest_literal_run(pattern: str, needle: str) -> None:
    """Runs outside groups and classes count; a quantified character is left out."""
    assert required_literal(pattern) == needle


@pytest.mark.parametrize(
    "pattern",
    [
        r"abc|def",  # a top-level alternative: nothing is required
        r"\x41bcdef",  # an escape the scanner does not model
        r"(\w+) \1 again",  # a back-reference
        r"\p{L}+ waiting",  # a property class
        r"(?x) retry \s after",  # verbose mode: spaces are not literal
        r"ab(\d+)",  # too short to be worth a check
    ],
)
def test_required_literal_gives_up_when_unsure(pattern: str) -> None:
    """Patterns the scanner cannot read safely get no needle (the regex always runs)."""
    assert required_literal(pattern) is None


PIECES = st.sampled_from(
    [
        "retry",
        " after ",
        "in",
        "wait",
        r"\s*",
        r"\d+",
        "(?:ms|s)",
        "[0-9.]+",
        "(?:again|later)",
        "x?",
        "y*",
        r"\.",
        "(?=sec)",
        ":",
        '"',
        "(a|b)",
        "Z{1,3}",
        r"\b",
    ]
)
TEXT_ALPHABET = st.sampled_from(
    [*"retryaftinwglsmRETRY .:0123456789\"abZxy", "sec", "ms", "after ", "retry "]
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(PIECES, min_size=1, max_size=6),
    st.lists(TEXT_ALPHABET, max_size=40),
)
def test_a_needle_is_in_every_text_the_pattern_matches(
    pieces: list[str], letters: list[str]
) -> None:
    """Whenever the (case-insensitive) regex matches, the lowercased text holds the needle."""
    pattern = "".join(pieces)
    needle = required_literal(pattern)
    text = "".join(letters)
    if needle is not None and regex.search(pattern, text, regex.IGNORECASE):
        assert needle in text.lower()


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT_ALPHABET, max_size=40))
def test_the_prefiltered_regex_source_answers_as_the_bare_regex(letters: list[str]) -> None:
    """RegexSource.extract with its needle check equals running the regex alone."""
    compiled = regex.compile(r"retry after ([0-9]+(?:\.[0-9]+)?) ?sec", regex.IGNORECASE)
    source = RegexSource(compiled, "s")
    assert source.needle == "retry after "
    text = "".join(letters)
    match = compiled.search(text)
    expected = None if match is None else round(float(match.group(1)) * 1000)
    assert source.extract(probe_of(text)) == expected


def test_json_source_skips_bodies_without_its_keys_and_reads_those_with_them() -> None:
    """The key check spares the parse of a body without `retryDelay`, never a real one."""
    source = JsonSource("error.details.*.retryDelay", "auto")
    assert source.keys == ("error", "details", "retryDelay")
    body = {"error": {"details": [{"@type": "RetryInfo", "retryDelay": "26s"}]}}
    assert source.extract(probe_of(body=body)) == 26_000
    probe = probe_of(body={"error": {"details": [{"@type": "QuotaFailure"}]}})
    assert source.extract(probe) is None
    # a text that merely names the key is parsed and found empty: the check is only a filter
    assert source.extract(probe_of(json.dumps({"note": "no retryDelay here"}))) is None
