"""Regexes with no literal to gate on (shapes of IDs and codes): one scan for all of them.

A rule whose only text condition is a regex like ``\\b[A-Z]{3}[0-9]{6}\\b`` gives the literal
scan nothing to look for, so it would be searched on every classification. With the ``fast``
extra (``google-re2``), every such regex goes into one RE2 set: one linear pass over the text
says which of them can match, and only those rules are evaluated, by the same ``regex``
searches as always. The set is a prefilter, never the judge, so answers are unchanged; and it
is used only where RE2 provably finds a match whenever ``regex`` does:

* patterns in :func:`regex_literals.re2_equivalent`'s subset (for non-ASCII texts, its
  ``projected`` subset, searched in a stand-in text: see :class:`ShapeScan`);
* texts up to :data:`MAX_TEXT` characters, and only when RE2 reports its always-matching
  sentinel pattern too (RE2 answers "no match" when its DFA runs out of memory: the missing
  sentinel tells that apart, and every rule stays a candidate).

Without the extra, or for any other text, every such rule is a candidate (as before).
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Sequence
from typing import Any

from reliable_rules.engine.lazyregex import regex
from reliable_rules.engine.regex_literals import FOLDS_TO_ASCII

__all__ = ["MAX_TEXT", "ShapeScan", "re2_module"]

#: Longer texts skip the set (every shape rule stays a candidate).
MAX_TEXT = 65_536
_MAX_MEM = 64 << 20


def re2_module() -> Any:
    """``re2`` (google-re2, extra ``fast``) when installed and not switched off."""
    if os.environ.get("RELIABLE_RULES_ACCELERATOR", "1") == "0":
        return None
    try:  # optional (no type information): imported only when such rules load
        return importlib.import_module("re2")
    except ImportError:
        return None


class _Unprojectable(Exception):
    """A character equal to an ASCII letter case-insensitively that the table does not know."""


# Non-ASCII characters that equal an ASCII letter case-insensitively (simple case folding).
_FOLDS = dict(zip(FOLDS_TO_ASCII, "ksi", strict=True))


@functools.cache
def _kinds() -> tuple[regex.Pattern[str], regex.Pattern[str], regex.Pattern[str]]:
    """An ASCII letter case-insensitively, a digit, a word character (compiled on first use:
    importing ``regex`` is not a cost of loading rules)."""
    return regex.compile(r"(?i)[a-z]"), regex.compile(r"\d"), regex.compile(r"\w")


class _Projection(dict[int, str]):
    """``str.translate`` table: a non-ASCII character becomes a stand-in of the same kind."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if code < 128:
            stand_in = char
        elif char in _FOLDS:
            stand_in = _FOLDS[char]
        elif _kinds()[0].fullmatch(char):
            raise _Unprojectable(char)
        elif _kinds()[1].fullmatch(char):
            stand_in = "0"
        elif _kinds()[2].fullmatch(char):
            stand_in = "_"
        else:
            stand_in = "\x00"
        if len(self) < 65_536:  # bounded: the characters of every script would not fit
            self[code] = stand_in
        return stand_in


_PROJECTION = _Projection()


class ShapeScan:
    """The rules (bits of a mask) whose shape regex may match a text.

    Non-ASCII texts are searched after replacing each non-ASCII character by a stand-in
    (a digit by ``0``, another word character by ``_``, anything else by NUL, and the three
    that equal ``k``, ``s``, ``i`` case-insensitively by those): for the patterns that
    :func:`re2_equivalent` accepts with ``projected=True``, a match in the original text is a
    match in the projected one. Other patterns' rules stay candidates for such texts.
    """

    __slots__ = ("_all", "_entries", "_module", "_sets", "_unprojectable")

    def __init__(self, entries: Sequence[tuple[int, str, bool, bool]], module: Any) -> None:
        """``entries``: (rule position, pattern, ignore case, projectable)."""
        self._entries = tuple(entries)
        self._module = module
        self._all = 0
        self._unprojectable = 0
        self._sets: list[tuple[Any, list[int]]] = []
        for position, _pattern, _case, projectable in entries:
            self._all |= 1 << position
            if not projectable:
                self._unprojectable |= 1 << position
        for ignore_case in (False, True):
            chosen = [(position, p) for position, p, case, _ in entries if case is ignore_case]
            if not chosen:
                continue
            options = module.Options()
            options.case_sensitive = not ignore_case
            options.max_mem = _MAX_MEM
            options.log_errors = False
            regex_set = module.Set.SearchSet(options)
            bits = [0]  # index 0: the sentinel
            regex_set.Add(r"\z")  # matches at the end of every text, and costs little
            for position, pattern in chosen:
                regex_set.Add(pattern)
                bits.append(1 << position)
            regex_set.Compile()
            self._sets.append((regex_set, bits))

    def __reduce__(self) -> tuple[Any, ...]:
        # RE2 sets cannot be pickled: a stored rule set (ruleset/statecache.py) rebuilds them
        return type(self), (self._entries, self._module)

    @property
    def mask(self) -> int:
        """Every rule the scan covers."""
        return self._all

    def __call__(self, text: str) -> int:
        if len(text) > MAX_TEXT:
            return self._all
        keep = 0
        if not text.isascii():
            try:
                text = text.translate(_PROJECTION)
            except _Unprojectable:
                return self._all
            keep = self._unprojectable
        mask = 0
        for regex_set, bits in self._sets:
            found = regex_set.Match(text)
            if 0 not in found:  # the sentinel is missing: RE2 gave up, so decide nothing
                return self._all
            for index in found:
                mask |= bits[index]
        return mask | keep
