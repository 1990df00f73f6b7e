"""Which rule regexes may run without the ``regex`` package's per-call timeout.

``regex``'s ``timeout=`` costs about two microseconds a call even when the search takes a
fraction of that. A pattern whose backtracking is provably bounded by a polynomial in the text's
length does not need it on short texts. The proof here is conservative (a pattern it cannot read
keeps the timeout):

* it parses with the standard library's parser (no ``regex``-only syntax),
* no backreference (``\\1``, ``(?(1)...)``),
* no variable repeat inside a repeated group (``(a+)+``, ``(?:x{0,3})*``, ``(?:a?){0,9}``),
* no alternation under a repeat unless its branches start with provably disjoint characters
  (``(?:[^\\n.]|\\.(?=\\S)){0,40}`` is safe, ``(?:a|ab)*`` is not).

Without these, backtracking is at most polynomial: about ``n ** (1 + u)`` steps for a text of
``n`` characters and ``u`` unbounded repeats (bounded ones multiply by a constant). The timeout
is dropped only while that bound stays under :data:`UNTIMED_STEPS`; longer texts keep it.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["UNTIMED_STEPS", "untimed_max_length"]

#: ``len(text) ** (1 + unbounded repeats)`` at most this: the search runs without a timeout.
UNTIMED_STEPS = 10**8
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
_ZERO_WIDTH = ("AT", "ASSERT", "ASSERT_NOT")


class _Unsafe(Exception):
    """The pattern is not provably free of catastrophic backtracking."""


# A first-character set: (negated, characters); None: unknown (anything may come first).
_First = tuple[bool, frozenset[str]] | None


def _fold(chars: set[str], ignore_case: bool) -> frozenset[str]:
    if not ignore_case:
        return frozenset(chars)
    folded = set(chars)
    for char in chars:
        folded.update((char.lower(), char.upper(), char.casefold()))
    return frozenset(folded)


def _first(items: Any, ignore_case: bool) -> _First:
    """The characters a (sub)pattern can start with; None when not simply known."""
    for op, arg in items:
        name = str(op)
        if name in _ZERO_WIDTH:
            continue  # zero-width: it narrows what follows, so skipping it over-approximates
        if name == "LITERAL":
            return False, _fold({chr(arg)}, ignore_case)
        if name == "SUBPATTERN":
            return _first(arg[-1], ignore_case)
        if name == "IN":
            return _first_of_class(arg, ignore_case)
        if name in _REPEATS and arg[0] >= 1:
            return _first(arg[2], ignore_case)
        return None
    return None  # empty: the branch can match nothing at all


def _first_of_class(items: Any, ignore_case: bool) -> _First:
    negated = False
    chars: set[str] = set()
    for op, arg in items:
        name = str(op)
        if name == "NEGATE":
            negated = True
        elif name == "LITERAL":
            chars.add(chr(arg))
        elif name == "RANGE" and arg[1] - arg[0] < 256:
            chars.update(chr(code) for code in range(arg[0], arg[1] + 1))
        else:
            return None  # categories, large ranges: not simply known
    return negated, _fold(chars, ignore_case)


def _disjoint(a: _First, b: _First) -> bool:
    if a is None or b is None:
        return False
    (neg_a, set_a), (neg_b, set_b) = a, b
    if neg_a and neg_b:
        return False
    if neg_a:
        return set_b <= set_a
    if neg_b:
        return set_a <= set_b
    return not set_a & set_b


def _walk(items: Any, repeated: bool, ignore_case: bool) -> int:
    """Unbounded repeats in ``items``; raises :class:`_Unsafe` on a dangerous construct."""
    unbounded = 0
    for op, arg in items:
        name = str(op)
        if name in ("GROUPREF", "GROUPREF_EXISTS"):
            raise _Unsafe
        if name in _REPEATS:
            low, high, sub = arg
            repeats = high > 1
            if repeated and low != high:
                raise _Unsafe  # a variable repeat (even ``?``) inside a repeated group
            unbounded += int(str(high) == "MAXREPEAT")
            unbounded += _walk(sub, repeated or repeats, ignore_case)
        elif name == "SUBPATTERN":
            unbounded += _walk(arg[-1], repeated, ignore_case)
        elif name == "BRANCH":
            branches = arg[1]
            if repeated:
                firsts = [_first(branch, ignore_case) for branch in branches]
                for index, first in enumerate(firsts):
                    if not all(_disjoint(first, other) for other in firsts[index + 1 :]):
                        raise _Unsafe
            unbounded += sum(_walk(branch, repeated, ignore_case) for branch in branches)
        elif name in ("ASSERT", "ASSERT_NOT"):
            unbounded += _walk(arg[1], repeated, ignore_case)
    return unbounded


def untimed_max_length(pattern: str, *, ignore_case: bool) -> int:
    """The longest text this pattern may search without a timeout (0: always keep it)."""
    try:
        parsed = importlib.import_module("re._parser").parse(pattern)
        unbounded = _walk(parsed, False, ignore_case)
    except Exception:  # noqa: BLE001 — _Unsafe, or unreadable by `re`: not proven safe
        return 0
    return int(UNTIMED_STEPS ** (1 / (1 + unbounded)))
