"""Where the ``regex`` package and the standard library's ``re`` read one pattern differently.

Rule regexes run on ``regex``, but the engine's proofs about them (the literals a match needs,
the RE2 superset that lets a search be skipped, the bound on backtracking) read them with
``re``'s parser. Those proofs are sound only for patterns both engines read alike, so every
proof asks :func:`regex_only` first and leaves a pattern it flags alone (ungated, searched,
timed). The flagged constructs (VERSION0, the ``regex`` default):

* fuzzy and other non-count braces after an atom: ``colou?r{e<=1}`` (``re`` reads a literal);
* POSIX classes inside a set: ``[[:alpha:]]``, ``[a[:digit:]]`` (``re``: literal brackets);
* ``regex``-only escapes (``\\p{..}``, ``\\N``, ``\\X``, ``\\L<name>``, ``\\G``, ``\\K``,
  ``\\m``, ``\\M``, ``\\Q``/``\\E``, ``\\h``) and numbered references (``\\1``);
* ``regex``-only groups and flags: ``(?|..)`` branch reset, ``(?(..)..)`` conditionals,
  ``(?r)``, ``(?V1)``, ``(?w)``, ``(?f)``, ``(?b)``, ``(?e)``, ``(?E)``.

The scan reads escapes and sets the way both parsers do, so an escaped bracket or brace
(``\\(?(a|b)``, ``\\[[0-9]``, ``\\{"code"``) or one inside a set (``[{]``, ``[:\\s]``) is not
mistaken for the construct it resembles. In verbose mode a ``#`` comment may hold anything,
so a verbose pattern with a comment is flagged whole.
"""

from __future__ import annotations

import functools
import re

__all__ = ["regex_only"]

_FOREIGN_ESCAPES = frozenset("pPNXLGKmMQEh0123456789")
_FOREIGN_GROUP_STARTS = frozenset("|Vr(")
_FOREIGN_FLAGS = frozenset("VwfbeE")
_FLAG_LETTERS = re.compile(r"[a-zA-Z]*")
_COUNTS = re.compile(r"[0-9]*(?:,[0-9]*)?")


@functools.lru_cache(maxsize=16384)  # pure; asked by several proofs for each rule regex
def regex_only(pattern: str, *, verbose: bool = False) -> str | None:
    """The first construct of ``pattern`` that ``regex`` reads differently from ``re``, as a
    short phrase with its offset (``"fuzzy or regex-only braces at 12"``), or None when both
    read it alike. ``verbose``: the pattern is compiled with the VERBOSE flag."""
    length = len(pattern)
    in_set = False
    set_first = 0  # where a ``]`` would still be a member, not the set's end
    index = 0
    while index < length:
        char = pattern[index]
        if char == "\\":
            following = pattern[index + 1 : index + 2]
            if following in _FOREIGN_ESCAPES and following:
                return f"regex-only escape \\{following} at {index}"
            index += 2
            continue
        if in_set:
            if char == "[" and pattern[index + 1 : index + 2] in (":", "=", "."):
                return f"POSIX class inside a set at {index}"
            if char == "]" and index > set_first:
                in_set = False
            index += 1
            continue
        if char == "[":
            in_set = True
            set_first = index + 1
            if pattern[set_first : set_first + 1] == "^":
                set_first += 1
            index = set_first
            continue
        if char == "(" and pattern[index + 1 : index + 2] == "?":
            after = pattern[index + 2 : index + 3]
            if after in _FOREIGN_GROUP_STARTS and after:
                return f"regex-only group (?{after} at {index}"
            flag_match = _FLAG_LETTERS.match(pattern, index + 2)
            letters = flag_match.group() if flag_match else ""
            if _FOREIGN_FLAGS.intersection(letters):
                return f"regex-only flag (?{letters} at {index}"
            if "x" in letters:
                verbose = True
        elif char == "{":
            end = pattern.find("}", index)
            if end != -1 and not _COUNTS.fullmatch(pattern, index + 1, end):
                return f"fuzzy or regex-only braces at {index}"
        elif char == "#" and verbose:
            return f"verbose-mode comment at {index}"
        index += 1
    return None
