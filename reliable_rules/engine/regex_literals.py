"""Literals a regex cannot match without: the gates that let a search be skipped.

``required_any(pattern)`` answers with a set of lowercased ASCII strings such that every match
of the pattern, searched in an ASCII text (case-sensitively or not), contains one of them in the
lowercased text; or None when no such set is known. Alternations count: ``(rate|quota) limit``
gives ``{" limit"}`` (or ``{"rate", "quota"}``), and a top-level ``a|b`` needs one literal from
each branch. The classifier searches every literal of a rule set in one pass anyway, so a regex
whose literals are all absent costs a set lookup instead of a search.

Why ASCII texts only: case-insensitive matching equates a few non-ASCII characters with ASCII
letters (U+017F with ``s``, U+212A with ``k``, U+0130 with ``i``), so a non-ASCII text can
match a pattern without containing its literals after ``str.lower()``. The generated code
skips the gate for such texts (one ``str.isascii()``), which keeps classification exact.

The pattern is read with the standard library's parser (the syntax ``regex`` shares with
``re``); anything only ``regex`` understands, or reads differently (POSIX classes, ``\\p{..}``,
fuzzy ``{e<=1}``, named lists), is refused before parsing: the regex is then simply ungated.
"""

from __future__ import annotations

import importlib
import re
import sys
from typing import Any

__all__ = ["MIN_LITERAL", "required_all", "required_any"]

#: Shorter literals occur in nearly every text: gating on them saves nothing.
MIN_LITERAL = 3
# Alternations wider than this are not worth a gate of that many keys.
_MAX_ALTERNATIVES = 24
# Syntax that ``regex`` reads differently from ``re`` (or ``re`` cannot read): refuse.
_FOREIGN = re.compile(r"\[\[|\\[pPNXLGKmMQEh]|\(\?[|Vr(]|\(\?[a-zA-Z]*[VwfbeE]|\\[0-9]")
_BRACES = re.compile(r"\{([^}]*)\}")
_COUNTS = re.compile(r"[0-9]*(?:,[0-9]*)?")

# The standard library's regex parser (private, untyped): re._parser since 3.11.
_NEW_LAYOUT = sys.version_info >= (3, 11)
_sre_parse: Any = importlib.import_module("re._parser" if _NEW_LAYOUT else "sre_parse")
_sre_constants: Any = importlib.import_module("re._constants" if _NEW_LAYOUT else "sre_constants")

_LITERAL = _sre_constants.LITERAL
_SUBPATTERN = _sre_constants.SUBPATTERN
_BRANCH = _sre_constants.BRANCH
_MAX_REPEAT = _sre_constants.MAX_REPEAT
_MIN_REPEAT = _sre_constants.MIN_REPEAT
_POSSESSIVE_REPEAT = getattr(_sre_constants, "POSSESSIVE_REPEAT", None)
_ATOMIC_GROUP = getattr(_sre_constants, "ATOMIC_GROUP", None)
_ZERO_WIDTH = {_sre_constants.AT, _sre_constants.ASSERT, _sre_constants.ASSERT_NOT}

Need = frozenset[str] | None


def _usable(need: frozenset[str]) -> bool:
    return bool(need) and min(map(len, need)) >= MIN_LITERAL


def _rank(need: frozenset[str]) -> tuple[int, int]:
    # the longest shortest literal is the rarest, then the fewest alternatives
    return (min(map(len, need)), -len(need))


def _best(needs: list[frozenset[str]]) -> Need:
    """The most selective requirement of a conjunction."""
    return max(needs, key=_rank) if needs else None


def _minimal(literals: set[str]) -> frozenset[str]:
    # "token" occurs wherever "tokens" does: the shorter literal alone is the same gate
    return frozenset(
        literal
        for literal in literals
        if not any(other != literal and other in literal for other in literals)
    )


def _sequence(items: Any) -> list[frozenset[str]]:
    """Every usable requirement of a concatenation of parsed items (all of them hold)."""
    needs: list[frozenset[str]] = []
    run: list[str] = []

    def close() -> None:
        if run:
            needs.append(frozenset({"".join(run)}))
            run.clear()

    for op, argument in items:
        if op is _LITERAL:
            char = chr(argument)
            if char.isascii():
                run.append(char.lower())
                continue
            close()
            continue
        close()
        if op in _ZERO_WIDTH:
            continue
        needs.extend(_item(op, argument))
    close()
    return [need for need in needs if need]


def _item(op: Any, argument: Any) -> list[frozenset[str]]:
    if op is _SUBPATTERN:
        return _sequence(argument[-1])
    if _ATOMIC_GROUP is not None and op is _ATOMIC_GROUP:
        return _sequence(argument)
    if op is _BRANCH:
        alternatives: set[str] = set()
        for branch in argument[1]:
            need = _best([need for need in _sequence(branch) if _usable(need)])
            if need is None:
                return []
            alternatives.update(need)
        minimal = _minimal(alternatives)
        return [minimal] if len(minimal) <= _MAX_ALTERNATIVES else []
    if op in (_MAX_REPEAT, _MIN_REPEAT) or (
        _POSSESSIVE_REPEAT is not None and op is _POSSESSIVE_REPEAT
    ):
        low, _high, body = argument
        return _sequence(body) if low >= 1 else []
    return []  # classes, any character, back-references: no literal


def required_all(
    pattern: str, *, verbose: bool = False, limit: int = 3, weak: bool = False
) -> tuple[frozenset[str], ...]:
    """Requirements every match meets (in an ASCII text), the most selective first.

    Each is a set of lowercased ASCII literals of which the match contains one; all of them
    hold at once. Empty when nothing is known (the regex is then ungated). ``weak`` admits
    literals shorter than :data:`MIN_LITERAL` (a ``+`` or ``>``): worth one substring test
    before a search, too common to gate a rule on.
    """
    if verbose or _FOREIGN.search(pattern):
        return ()
    for braces in _BRACES.finditer(pattern):
        if not _COUNTS.fullmatch(braces.group(1)):
            return ()  # fuzzy matching or another ``regex``-only brace form
    try:
        parsed = _sre_parse.parse(pattern, 0)
    except (re.error, RecursionError, OverflowError, ValueError, TypeError):
        return ()
    if parsed.state.flags & re.VERBOSE:
        return ()
    needs = sorted(set(_sequence(list(parsed))), key=_rank, reverse=True)
    return tuple(need for need in needs[:limit] if _usable(need) or weak)


def required_any(pattern: str, *, verbose: bool = False) -> frozenset[str] | None:
    """Lowercased ASCII literals of which every match contains one (in an ASCII text), or None."""
    needs = required_all(pattern, verbose=verbose, limit=1)
    return needs[0] if needs else None
