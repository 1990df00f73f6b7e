"""Literal scans: every literal of a rule set present in a lowercased text, in one pass.

The classifier's index (see classifier.py) reads what a scan finds: a set of literals
(:func:`literal_scan`), or, on the hot path with the ``fast`` extra, the OR of the index bits
of every literal found (:class:`MaskScan`), computed without a Python-level loop.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping
from functools import reduce
from operator import itemgetter, or_
from typing import Any

__all__ = [
    "ACCELERATOR_ENV",
    "LONG_TEXT",
    "DoubleArrayMaskScan",
    "MaskScan",
    "accelerator",
    "double_array",
    "literal_scan",
    "mask_scan",
]


logger = logging.getLogger("reliable_rules")

_Trie = dict[str, "_Trie"]


def _trie_pattern(literals: Iterable[str]) -> str:
    trie: _Trie = {}
    for literal in literals:
        node = trie
        for char in literal:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: _Trie) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            # A literal ends here: the longer continuations are optional (greedy, so the longest
            # literal starting at a position is reported; its prefixes are implied).
            return f"{body}?" if len(branches) > 1 else f"(?:{body})?"
        return body

    return build(trie)


class _LiteralScan:
    """Finds every literal of a rule set that occurs in a lowercased text.

    The literals form trie-shaped alternations, so ``re`` skips in C over every position
    where no literal can start and compares one character per trie level elsewhere: the cost
    depends on the text, the number of *occurrences* and the number of distinct first
    characters (``re`` tries the trie's first-level branches one by one at each position).
    Literals that start with a non-ASCII character (Chinese and Japanese wordings: each its
    own first character) form a second trie, searched only when the text is not pure ASCII:
    they cannot occur in an ASCII text, and most error texts are. Each search reports the
    longest literal starting at the leftmost possible position; the next search starts one
    character later, so overlapping occurrences are found too, and every literal that is a
    prefix of a reported one is implied.
    """

    __slots__ = ("_implied", "_search", "_search_wide")

    def __init__(self, literals: Iterable[str]) -> None:
        unique = sorted({literal for literal in literals if literal})
        narrow = [literal for literal in unique if literal[0].isascii()]
        wide = [literal for literal in unique if not literal[0].isascii()]
        self._search = re.compile(_trie_pattern(narrow), re.DOTALL).search if narrow else None
        self._search_wide = re.compile(_trie_pattern(wide), re.DOTALL).search if wide else None
        known = set(unique)
        self._implied = {
            literal: tuple(
                p for p in (literal[:end] for end in range(1, len(literal) + 1)) if p in known
            )
            for literal in unique
        }

    def __call__(self, lower: str) -> set[str]:
        found: set[str] = set()
        implied = self._implied
        for search in (self._search, None if lower.isascii() else self._search_wide):
            if search is None:
                continue
            match = search(lower)
            while match is not None:
                found.update(implied[match.group()])
                match = search(lower, match.start() + 1)
        return found


class _AhoScan:
    """The same answer as :class:`_LiteralScan`, from ``pyahocorasick`` automata.

    One pass in C reports every occurrence of every literal (overlapping ones included), so
    the cost no longer grows with the number of distinct first characters. As in
    :class:`_LiteralScan`, literals that start with a non-ASCII character have their own
    automaton, run only on texts that are not pure ASCII: pyahocorasick looks a character up
    among its node's children one by one, and the hundreds of Chinese and Japanese first
    characters made every step from the root slower (builtin:default: 3.2 -> 2.3 us for 157
    characters).
    """

    __slots__ = ("_iter", "_iter_wide")

    def __init__(self, literals: Iterable[str], module: Any) -> None:
        unique = sorted({literal for literal in literals if literal})
        narrow = [literal for literal in unique if literal[0].isascii()]
        wide = [literal for literal in unique if not literal[0].isascii()]
        self._iter = self._automaton(narrow, module)
        self._iter_wide = self._automaton(wide, module)

    @staticmethod
    def _automaton(literals: list[str], module: Any) -> Any:
        if not literals:
            return None
        automaton = module.Automaton()
        for literal in literals:
            automaton.add_word(literal, literal)
        automaton.make_automaton()
        return automaton.iter

    def __call__(self, lower: str) -> set[str]:
        # (end, literal) pairs: the literals collected without a Python-level loop
        found = set(map(_second, self._iter(lower))) if self._iter is not None else set()
        if self._iter_wide is not None and not lower.isascii():
            found.update(map(_second, self._iter_wide(lower)))
        return found


_second = itemgetter(1)

#: Set to "0" to use the pure-Python scan even when the accelerator is installed.
ACCELERATOR_ENV = "RELIABLE_RULES_ACCELERATOR"


def _optional_accelerator(name: str, usable: Callable[[Any], bool]) -> Any:
    """The module ``name`` of the extra ``fast`` when installed, usable and not switched off.

    Imported only when a large rule set needs it (no type information: it is optional)."""
    if os.environ.get(ACCELERATOR_ENV, "1") == "0":
        return None
    try:
        module = importlib.import_module(name)
    except ImportError:
        return None
    return module if usable(module) else None


def accelerator() -> Any:
    """The ``ahocorasick`` module (extra ``fast``) when installed and not switched off."""
    # a build without unicode support would scan bytes, not the characters the rules name
    return _optional_accelerator(
        "ahocorasick", lambda module: bool(getattr(module, "unicode", False))
    )


#: Texts longer than this are scanned once per distinct line (see :class:`_DistinctLines`).
LONG_TEXT = 65_536


class _DistinctLines:
    """A scan that reads each distinct line of a long text once.

    A 1 MB body is mostly the same lines again (log records, HTML); the scan's cost is per
    occurrence, so the same answer comes far cheaper from the distinct lines joined: no
    literal holds a line break, so none can occur across two lines, and the set of literals
    found is exactly the same.
    """

    __slots__ = ("_scan", "inner")

    def __init__(self, scan: Callable[[str], set[str]]) -> None:
        self._scan = self.inner = scan

    def __call__(self, lower: str) -> set[str]:
        if len(lower) > LONG_TEXT:
            lower = "\n".join(dict.fromkeys(lower.split("\n")))
        return self._scan(lower)


def literal_scan(literals: Iterable[str]) -> Callable[[str], set[str]]:
    """The fastest available scan for ``literals``; every one gives the same answer."""
    unique = {literal for literal in literals if literal}
    module = accelerator() if unique else None
    scan: Callable[[str], set[str]] = (
        _AhoScan(unique, module) if module is not None else _LiteralScan(unique)
    )
    if any("\n" in literal for literal in unique):
        return scan
    return _DistinctLines(scan)


class MaskScan:
    """The OR of ``values[literal]`` over every literal present in a lowercased text.

    The literals found are those :class:`_AhoScan` reports (the same automata, split the same
    way by first character), but each automaton's value is the literal's int: the answer is
    one ``reduce(or_, ...)`` in C over the occurrences, with no set of literals built and no
    Python-level loop over them. Literals whose value is 0 are left out (they add nothing).
    As :class:`_DistinctLines`, a long text is scanned once per distinct line when no literal
    holds a line break.
    """

    __slots__ = ("_iter", "_iter_wide", "_lines")

    def __init__(self, values: Mapping[str, int], module: Any) -> None:
        kept = {literal: value for literal, value in values.items() if literal and value}
        self._iter = self._automaton(
            {k: v for k, v in kept.items() if k[0].isascii()}, module
        )
        self._iter_wide = self._automaton(
            {k: v for k, v in kept.items() if not k[0].isascii()}, module
        )
        self._lines = not any("\n" in literal for literal in kept)

    @staticmethod
    def _automaton(values: Mapping[str, int], module: Any) -> Any:
        if not values:
            return None
        automaton = module.Automaton()
        for literal in sorted(values):
            automaton.add_word(literal, values[literal])
        automaton.make_automaton()
        return automaton.iter

    def __call__(self, lower: str) -> int:
        if len(lower) > LONG_TEXT and self._lines:
            lower = "\n".join(dict.fromkeys(lower.split("\n")))
        combined = reduce(or_, map(_second, self._iter(lower)), 0) if self._iter else 0
        if self._iter_wide is not None and not lower.isascii():
            combined |= reduce(or_, map(_second, self._iter_wide(lower)), 0)
        return combined


class DoubleArrayMaskScan:
    """:class:`MaskScan`'s answer from one ``daachorse`` automaton (extra ``fast``).

    daachorse keeps its Aho-Corasick automaton in a double array: one contiguous table that a
    step reads at a computed offset, where pyahocorasick follows a pointer to each node and
    searches its children one by one, so a scan touches far less memory. And it can report,
    at each position, only the *longest* literal ending there
    (``find_overlapping_no_suffix``): every other literal ending at that position is a suffix
    of that one, so each literal's value here is the OR of its own and those of all its
    suffixes that are literals too, and the answer is the same with fewer hits to fold (the
    hits, each a Python tuple and an OR of wide ints, cost more than the walk).

    A text the automaton cannot take (a lone surrogate: daachorse reads UTF-8) is answered by
    ``fallback``, an exact scan of the same values.
    """

    __slots__ = ("_fallback", "_find", "_lines", "_values")

    def __init__(
        self, values: Mapping[str, int], module: Any, fallback: Callable[[str], int]
    ) -> None:
        kept = {literal: value for literal, value in values.items() if literal and value}
        patterns = sorted(kept)
        closure = []
        for literal in patterns:
            value = 0
            for start in range(len(literal)):
                value |= kept.get(literal[start:], 0)
            closure.append(value)
        self._find = module.CharwiseDoubleArrayAhoCorasick(patterns).find_overlapping_no_suffix
        self._values = tuple(closure)
        self._lines = not any("\n" in literal for literal in kept)
        self._fallback = fallback

    def __call__(self, lower: str) -> int:
        if len(lower) > LONG_TEXT and self._lines:
            lower = "\n".join(dict.fromkeys(lower.split("\n")))
        try:
            hits = self._find(lower)
        except UnicodeError:
            return self._fallback(lower)
        return reduce(or_, map(self._values.__getitem__, map(_third, hits)), 0)


_third = itemgetter(2)


class _SetScanMask:
    """The OR of ``values[literal]`` over the literals a set scan finds (built on first use):
    :class:`DoubleArrayMaskScan`'s answer for the texts daachorse cannot take."""

    __slots__ = ("_scan", "_values")

    def __init__(self, values: Mapping[str, int]) -> None:
        self._values = values
        self._scan: Callable[[str], set[str]] | None = None

    def __call__(self, lower: str) -> int:
        scan = self._scan
        if scan is None:
            scan = self._scan = literal_scan(self._values)
        values = self._values
        return reduce(or_, (values[literal] for literal in scan(lower)), 0)


def double_array() -> Any:
    """The ``daachorse`` module (extra ``fast``) when installed and not switched off."""
    return _optional_accelerator(
        "daachorse", lambda module: hasattr(module, "CharwiseDoubleArrayAhoCorasick")
    )


def mask_scan(values: Mapping[str, int]) -> MaskScan | DoubleArrayMaskScan | None:
    """The mask scan of ``values`` with an accelerator (extra `fast`): daachorse's
    (:class:`DoubleArrayMaskScan`), else pyahocorasick's (:class:`MaskScan`); None without
    either. Every one gives the same answer."""
    if not values:
        return None
    double = double_array()
    if double is not None:
        kept = {literal: value for literal, value in values.items() if literal and value}
        try:
            return DoubleArrayMaskScan(kept, double, _SetScanMask(kept))
        except Exception:  # noqa: BLE001 — a set daachorse refuses only costs speed
            logger.debug("reliable_rules: no daachorse automaton; pyahocorasick scans instead")
    module = accelerator()
    return None if module is None else MaskScan(values, module)
