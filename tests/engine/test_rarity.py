"""The gate chooser's estimate of how often a key holds in provider errors (engine/rarity.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reliable_rules.engine import _word_shares, rarity
from reliable_rules.engine.regex_literals import gates_of

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("common", "rare"),
    [
        ("request", "tunnel"),
        ("error", "premium"),
        ("model", "deprecated"),
        ("the", "quota"),
        ("invalid", "moderation"),
    ],
)
def test_a_common_error_word_is_judged_more_frequent_than_a_rarer_one(
    common: str, rare: str
) -> None:
    """Words most errors hold ("request": 29%) rank above rarer ones, whatever their length."""
    assert rarity.literal_share(common) > rarity.literal_share(rare)


def test_a_literal_inside_a_frequent_word_is_as_frequent_as_that_word() -> None:
    """ "stream" holds wherever "upstream" does; "connect" wherever "connection" does."""
    assert rarity.literal_share("stream") >= rarity.literal_share("upstream")
    assert rarity.literal_share("connect") >= rarity.literal_share("connection")


def test_a_phrase_is_no_more_frequent_than_its_rarest_word() -> None:
    """A phrase holds only where each of its words does."""
    phrase = rarity.literal_share("request too large")
    assert phrase <= min(rarity.literal_share(word) for word in ("request", "too", "large"))


def test_a_phrase_of_words_seldom_adjacent_is_rarer_than_each_word() -> None:
    """Two common words the pair table lacks together ("limit failed") are rare as a phrase;
    a frequent collocation ("rate limit") stays about as frequent as its rarer word."""
    assert rarity.literal_share("limit failed") < rarity.literal_share("limit") / 10
    assert rarity.literal_share("limit failed") < _word_shares.MIN_PER_MILLE / 1000
    assert rarity.literal_share("rate limit") > rarity.literal_share("rate") / 2
    assert rarity.literal_share("rate limit") > rarity.literal_share("limit failed")


def test_a_contains_list_of_rare_phrases_is_chosen_over_a_common_word() -> None:
    """A rule needing one of a few rare phrases and a common word is gated on the phrases:
    r34a's rate-limit-check rule was tried on 451 corpus records for one match when a list
    was rated by its most common word."""
    phrases = frozenset({"limit failed", "limit error", "limiter failed"})
    assert rarity.need_share(phrases) < rarity.literal_share("rate")


@pytest.mark.parametrize(
    ("short", "long"), [("abq", "abqzx"), ("zq", "zqxw"), ("模型", "模型不存在")]
)
def test_an_unlisted_literal_is_judged_by_its_length(short: str, long: str) -> None:
    """A literal the table lacks is guessed rarer the longer it is (a short one hides in words)."""
    assert rarity.literal_share(short) > rarity.literal_share(long)


def test_status_keys_use_the_table_and_any_status_is_its_complement() -> None:
    """No status is the most frequent key; "any status" holds wherever a status is given."""
    none = rarity.key_share(("status", None))
    assert none > rarity.key_share(("status", 400)) > rarity.key_share(("status", 451))
    assert rarity.key_share(("status", "*")) == pytest.approx(1.0 - none)
    assert rarity.key_share(("status", 799)) < rarity.key_share(("status", 429))


def test_header_exception_and_bounded_word_keys_have_shares() -> None:
    """Headers and exception names are rare; a bounded word counts as its literal."""
    assert rarity.key_share(("header", "x-should-retry")) < rarity.key_share(("status", None))
    assert rarity.key_share(("exception", "APIConnectionError")) < 0.05
    assert rarity.key_share(("word", ("quota", 3))) == rarity.literal_share("quota")


def test_need_share_sums_alternatives_up_to_one() -> None:
    """A gate of alternatives holds where any of them does (a union, at most 1)."""
    assert rarity.need_share(frozenset({"quota", "billing"})) > rarity.literal_share("quota")
    assert rarity.need_share(frozenset({"error", "the", "request", "message"})) == 1.0


def test_a_regex_is_gated_on_its_rare_word_not_its_common_one() -> None:
    """``premium … request`` is gated on "premium": a gate on "request" read the 1 MB benchmark
    body whole (the row-4 regression of r20's plan-allowance rule). Exactness whatever the gate:
    test_decide_inline.py."""
    strong, _short, _bounds = gates_of(r"\bpremium\b[^.]{0,40}\brequest\b")
    assert strong[0] == frozenset({"premium"})


def test_the_shipped_table_is_what_its_generator_writes() -> None:
    """reliable_rules/engine/_word_shares.py is current for its reference records."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "word_shares.py"), "--check"],
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
