"""How often a gate key holds in provider errors: the estimate the gate chooser ranks by.

A rule is a candidate only when one of its gates holds (engine/entries.py); any literal every
match needs is a correct gate, and the cheapest is the one the fewest texts hold. Length alone
is a poor guess in this vocabulary: "request" (7 letters) is in 29% of errors, "tunnel" (6) in
almost none. :func:`literal_share` estimates the share of error texts holding a literal from
the word and adjacent-pair tables of ``_word_shares.py`` (generated from the corpus records
before round 18 by ``benchmarks/word_shares.py``); :func:`key_share` does the same for status,
header and non-ASCII keys. Only the choice of gate reads these figures, so decisions never depend on
them: only how many rules are tried does.
"""

from __future__ import annotations

import functools
import itertools
import re

from reliable_rules.engine import _word_shares

__all__ = ["WORD", "key_share", "literal_share", "need_share", "weight"]

# A word: a maximal run of Unicode letters and digits (``_`` is a word character for ``re``,
# not for us, so it separates words like any other punctuation). The table's words and the
# words of a literal looked up in it are both read this way (and ``words:`` matchers too).
WORD = re.compile(r"[^\W_]+")
# A word the table lacks is in fewer than its threshold of texts when it is a whole word; a
# short one may still hide inside common words ("ing", "ter"), so short means common.
_UNLISTED = {1: 0.5, 2: 0.2, 3: 0.05, 4: 0.01}
_UNLISTED_LONG = 0.003
# Few errors come with response headers (2% of the corpus) or an exception's name (19%, each
# name a small part of it).
_HEADER_SHARE = 0.01
_EXCEPTION_SHARE = 0.005
_OTHER_SHARE = 0.05
_UNLISTED_STATUS = 0.002


def _pairs(table: str) -> dict[str, float]:
    return {
        key: int(per_mille) / 1000
        for key, _, per_mille in (item.rpartition(":") for item in table.split())
    }


@functools.cache
def _contained() -> dict[str, float]:
    """Each listed word and each part of it of 3 letters or more, with the largest share of a
    listed word holding it: a literal "connect" holds in "connection", "stream" in "upstream"."""
    shares: dict[str, float] = {}
    for word, share in _pairs(_word_shares.WORDS).items():
        shortest = min(3, len(word))
        for start in range(len(word) - shortest + 1):
            for end in range(start + shortest, len(word) + 1):
                part = word[start:end]
                if shares.get(part, 0.0) < share:
                    shares[part] = share
    return shares


@functools.cache
def _adjacent() -> dict[tuple[str, str], float]:
    """Each listed pair of adjacent words (as the table writes it, ``first_second``)."""
    return {
        (first, second): share
        for key, share in _pairs(_word_shares.ADJACENT).items()
        for first, _, second in (key.partition("_"),)
    }


@functools.cache
def _unlisted_pair() -> float:
    """The share of two adjacent words the pair table lacks: under its threshold, at most the
    largest rounded per-mille figure it leaves out. "limit failed" is far rarer than "limit" or
    "failed", while "rate limit" (3.8%) is nearly as frequent as "rate". Without the pairs a
    phrase counted as its rarest word, and a `contains` of rare phrases lost to a regex's
    single common word (r34a's rate-limit-check and key-pool rules: 451 and 378 tries over the
    corpus for one match each). Read when first needed, not at import: the table's generator
    imports this module before the table it writes exists in its new shape."""
    return (_word_shares.MIN_PER_MILLE - 1) / 1000


@functools.cache
def _statuses() -> dict[str, float]:
    return _pairs(_word_shares.STATUSES)


def weight(literal: str) -> int:
    """How selective a literal is, in characters: a non-ASCII one counts twice (``模型``, two
    characters, is as rare as a word of four letters)."""
    return len(literal) + sum(1 for char in literal if not char.isascii())


def _guessed(text: str) -> float:
    """The share of a literal (or word) the table does not list, by its :func:`weight`."""
    return _UNLISTED.get(weight(text), _UNLISTED_LONG)


@functools.lru_cache(maxsize=8192)
def literal_share(literal: str) -> float:
    """The estimated share of error texts whose lowercased text holds ``literal``: that of its
    rarest word or pair of adjacent words (a phrase holds only where each of its words and
    each of its pairs does), a word's being the largest share of a listed word holding it,
    else a guess by its length, a pair's the table's, else under the table's threshold.

    A pair is counted as two whole words: a phrase whose first word ends a longer word of a
    text ("limit failed" in "ratelimit failed") is a little more frequent than estimated. Only
    the choice of gate reads this, never a decision."""
    tokens = WORD.findall(literal.lower())
    if not tokens:
        return _guessed(literal) if literal else 1.0
    contained = _contained()
    share = min(
        found if (found := contained.get(token)) is not None else _guessed(token)
        for token in tokens
    )
    if len(tokens) > 1:
        adjacent = _adjacent()
        for pair in itertools.pairwise(tokens):
            share = min(share, adjacent.get(pair, _unlisted_pair()))
    return share


def need_share(need: frozenset[str]) -> float:
    """The estimated share of texts holding one of the literals of ``need`` (at most 1)."""
    return min(1.0, sum(map(literal_share, need)))


def key_share(key: object) -> float:
    """:func:`literal_share` of a text key (a literal, or a bounded word: ``("word",
    (literal, bits))``, which holds at most where its literal does); the table's share of a
    status key; a guess for the others (a header, an exception's name, non-ASCII text)."""
    if isinstance(key, str):
        return literal_share(key)
    if isinstance(key, tuple) and len(key) == 2:
        kind, value = key
        if kind == "word" and isinstance(value, tuple) and isinstance(value[0], str):
            return literal_share(value[0])
        if kind == "status":
            if value == "*":  # any status: every text but those without one
                return 1.0 - _statuses().get("None", 0.0)
            return _statuses().get(str(value), _UNLISTED_STATUS)
        if kind == "header":
            return _HEADER_SHARE
        if kind == "exception":
            return _EXCEPTION_SHARE
        if key == ("text", "non-ascii"):
            return _word_shares.NON_ASCII_PER_MILLE / 1000
    return _OTHER_SHARE
