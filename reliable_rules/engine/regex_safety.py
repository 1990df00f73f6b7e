"""Which rule regexes may run without the ``regex`` package's per-call timeout.

``regex``'s ``timeout=`` costs about two microseconds a call even when the search takes a
fraction of that. A pattern whose backtracking is provably bounded by a polynomial in the text's
length does not need it on short texts. The proof here is conservative (a pattern it cannot read
keeps the timeout):

* it parses with the standard library's parser, and ``regex`` reads it alike
  (:func:`~reliable_rules.engine.dialect.regex_only`: no fuzzy braces, POSIX classes ...),
* no backreference (``\\1``, ``(?(1)...)``),
* no variable repeat inside a repeated group (``(a+)+``, ``(?:x{0,3})*``, ``(?:a?){0,9}``),
* no alternation under a repeat unless its branches start with provably disjoint characters
  (``(?:[^\\n.]|\\.(?=\\S)){0,40}`` is safe, ``(?:a|ab)*`` is not).

Without these, backtracking is at most polynomial: about ``n ** (1 + u)`` steps for a text of
``n`` characters and ``u`` unbounded repeats (bounded ones multiply by a constant). The timeout
is dropped only while that bound stays under :data:`UNTIMED_STEPS`; longer texts keep it.
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any, Protocol

from reliable_rules.engine.dialect import regex_only
from reliable_rules.engine.lazyregex import regex
from reliable_rules.engine.regex_literals import sre_parsed

__all__ = [
    "REGEX_BUDGET_MS",
    "REGEX_TIMEOUT_S",
    "UNTIMED_STEPS",
    "backtracking_risk",
    "parse_pattern",
    "search_bounded",
    "untimed_max_length",
]

logger = logging.getLogger("reliable_rules")

#: The most one timed search may take, in seconds: a rule regex that backtracks
#: catastrophically on some input is cut off, counted as no match.
REGEX_TIMEOUT_S = 0.05

#: The regex time one classification may spend on searches that run under a timeout (those
#: not proven cheap), in milliseconds; past it the remaining timed searches are skipped
#: (counted as no match) and the trace says so. A policy's ``regex_budget_ms`` overrides it.
REGEX_BUDGET_MS = 20

#: ``len(text) ** (1 + unbounded repeats)`` at most this: the search runs without a timeout.
UNTIMED_STEPS = 10**8
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
_ZERO_WIDTH = ("AT", "ASSERT", "ASSERT_NOT")


def parse_pattern(pattern: str) -> Any:
    """The standard library's parse of ``pattern`` (``re._parser`` since Python 3.11,
    ``sre_parse`` before: both give the same tree); ValueError for syntax ``regex`` reads
    differently (:func:`~reliable_rules.engine.dialect.regex_only`), whose ``re`` tree would
    describe another pattern."""
    foreign = regex_only(pattern)
    if foreign:
        raise ValueError(foreign)
    return sre_parsed(pattern)


class _Unsafe(Exception):
    """The pattern is not provably free of catastrophic backtracking (``args[0]``: why, or
    nothing for constructs that are merely unreadable to the proof)."""


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
            raise _Unsafe("")
        if name in _REPEATS:
            low, high, sub = arg
            repeats = high > 1
            if repeated and low != high:
                # A variable repeat (even ``?``) inside a repeated group.
                raise _Unsafe("nests a quantifier inside a repeated group")
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
                        raise _Unsafe(
                            "repeats an alternation whose branches can start alike"
                        )
            unbounded += sum(_walk(branch, repeated, ignore_case) for branch in branches)
        elif name in ("ASSERT", "ASSERT_NOT"):
            unbounded += _walk(arg[1], repeated, ignore_case)
    return unbounded


# Pure (an int or a reason, per pattern and case setting), asked for every regex of every set a
# process builds or reads back: remembered, so a pattern is parsed once per process.
@functools.lru_cache(maxsize=16384)
def untimed_max_length(pattern: str, *, ignore_case: bool) -> int:
    """The longest text this pattern may search without a timeout (0: always keep it)."""
    try:
        parsed = parse_pattern(pattern)
        unbounded = _walk(parsed, False, ignore_case)
    except Exception:  # noqa: BLE001 — _Unsafe, or unreadable by `re`: not proven safe
        return 0
    return int(UNTIMED_STEPS ** (1 / (1 + unbounded)))


@functools.lru_cache(maxsize=16384)  # pure, as untimed_max_length: parsed once per process
def backtracking_risk(pattern: str, *, ignore_case: bool) -> str | None:
    """Why ``pattern`` may backtrack catastrophically (a nested variable quantifier, or a
    repeated alternation whose branches overlap, like ``(a|a)+b``), or None when the proof
    finds neither (or cannot read the pattern: the loader reports bad syntax)."""
    try:
        parsed = parse_pattern(pattern)
        _walk(parsed, False, ignore_case)
    except _Unsafe as unsafe:
        return str(unsafe) or None
    except Exception:  # noqa: BLE001 — unreadable by `re`: no opinion
        return None
    return None


class Budgeted(Protocol):
    """What a timed search spends (the engine's ``Probe``: one per classification)."""

    regex_left_s: float
    regex_skipped: list[str] | None


def search_bounded(
    compiled: regex.Pattern[str],
    text: str,
    untimed_max: int,
    probe: Budgeted | None = None,
    rule_id: str = "",
) -> bool:
    """Whether ``compiled`` finds a match; timed out (no match) unless proven cheap on ``text``.

    ``untimed_max`` comes from :func:`untimed_for`: a text no longer than it cannot make the
    pattern backtrack catastrophically, so the search skips ``regex``'s costly timeout. A timed
    search also spends the ``probe``'s regex budget (the whole classification's); once that is
    gone the search is skipped, counted as no match and noted on the probe.
    """
    if len(text) <= untimed_max:
        return compiled.search(text) is not None
    timeout = REGEX_TIMEOUT_S
    if probe is not None:
        timeout = min(timeout, probe.regex_left_s)
        if timeout <= 0:
            if probe.regex_skipped is None:
                probe.regex_skipped = []
                logger.warning(
                    "regex time budget of this classification spent; skipping the regex of "
                    "rule %s and every later timed regex (counted as no match)",
                    rule_id or "?",
                )
            probe.regex_skipped.append(rule_id or compiled.pattern[:60])
            return False
    started = time.perf_counter()
    try:
        return compiled.search(text, timeout=timeout) is not None
    except TimeoutError:
        logger.warning(
            "rule %s: regex %r timed out; counted as no match", rule_id or "?", compiled.pattern
        )
        return False
    finally:
        if probe is not None:
            probe.regex_left_s -= time.perf_counter() - started
