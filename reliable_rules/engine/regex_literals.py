"""Literals a regex cannot match without: the gates that let a search be skipped.

``required_any(pattern)`` answers with a set of lowercased strings (ASCII, and letters without
case: :func:`caseless`) such that every match
of the pattern, searched in an ASCII text (case-sensitively or not), contains one of them in the
lowercased text; or None when no such set is known. Alternations count: ``(rate|quota) limit``
gives ``{" limit"}`` (or ``{"rate", "quota"}``), and a top-level ``a|b`` needs one literal from
each branch. The classifier searches every literal of a rule set in one pass anyway, so a regex
whose literals are all absent costs a set lookup instead of a search.

Why not every text: case-insensitive matching equates three non-ASCII characters with ASCII
letters (U+017F with ``s``, U+212A with ``k``, U+0130 with ``i``; :data:`FOLDS_TO_ASCII`, a test
checks every code point), so a text holding one of them can match a pattern without containing
its literals after ``str.lower()``. The gates step aside for such texts
(:func:`gates_hold`), which keeps classification exact.

A regex with no such literal may still need a letter no ASCII character equals ignoring case
(Cyrillic, Greek: :func:`needs_non_ascii`), or be an alternation of such branches and branches
with literals (:func:`non_ascii_or_literals`): it is then gated on the text not being ASCII
(or on those literals), where it was searched in every text reaching its rule.

The pattern is read with the standard library's parser (the syntax ``regex`` shares with
``re``); anything only ``regex`` understands, or reads differently (POSIX classes, ``\\p{..}``,
fuzzy ``{e<=1}``, named lists), is refused before parsing: the regex is then simply ungated.
"""

from __future__ import annotations

import functools
import importlib
import re
import sys
import unicodedata
from typing import Any

from reliable_rules.engine.dialect import regex_only
from reliable_rules.engine.rarity import need_share, weight

__all__ = [
    "FOLDS_TO_ASCII",
    "LEFT",
    "LEFT_ALNUM",
    "MIN_LITERAL",
    "RIGHT",
    "boundaries",
    "caseless",
    "gates_hold",
    "gates_of",
    "needs_non_ascii",
    "non_ascii_or_literals",
    "re2_equivalent",
    "remember_gates",
    "required_all",
    "required_any",
    "sre_parsed",
    "weight",
]

#: The non-ASCII characters ``regex`` matches with an ASCII letter when ignoring case.
FOLDS_TO_ASCII = "\u212a\u017f\u0130"


def gates_hold(text: str) -> bool:
    """Whether literal gates from regexes are exact for ``text`` (see the module's note)."""
    if text.isascii():
        return True
    for char in FOLDS_TO_ASCII:  # noqa: SIM110 — a plain loop: this runs per classification
        if char in text:
            return False
    return True


#: Shorter literals occur in nearly every text: gating on them saves nothing.
MIN_LITERAL = 3
# Alternations wider than this are not worth a gate of that many keys.
_MAX_ALTERNATIVES = 24

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


def caseless(char: str) -> bool:
    """Whether a non-ASCII ``char`` of a pattern may be part of a literal: a letter without
    case (category Lo: Chinese, Japanese, Korean, Thai, Arabic, Hebrew...). No other
    character lowercases, uppercases or case-folds to one, and ``regex`` ignoring case matches
    it with itself alone (tests/engine/test_caseless_literals.py checks every code point), so
    a match holding it holds it verbatim in the lowercased text too."""
    return unicodedata.category(char) == "Lo"


def _usable(need: frozenset[str]) -> bool:
    return bool(need) and min(map(weight, need)) >= MIN_LITERAL


def _rank(need: frozenset[str]) -> tuple[float, int, int]:
    # the fewest error texts hold it (engine/rarity.py: "request" is longer than "tunnel" and
    # in 29% of errors), then the longest shortest literal, then the fewest alternatives
    return (-need_share(need), min(map(weight, need)), -len(need))


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
            if caseless(char):
                run.append(char)
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
        return _alternation(argument[1])
    if op in (_MAX_REPEAT, _MIN_REPEAT) or (
        _POSSESSIVE_REPEAT is not None and op is _POSSESSIVE_REPEAT
    ):
        low, _high, body = argument
        return _sequence(body) if low >= 1 else []
    return []  # classes, any character, back-references: no literal


#: The shortest literal a requirement paired past the best of each branch may hold.
_SLOT_MIN_CHARS = 5


def _alternation(branches: Any) -> list[frozenset[str]]:
    """Requirements of an alternation: each the union of one requirement of every branch (a
    match goes through one branch, which meets all of its own). A requirement every branch
    has holds as it is; the others pair up rank by rank (the best of each branch, then the
    second best, ...), so ``(?:daily|monthly)\\W+tokens?\\W+limit|tokens?\\W+limit\\W+per\\W+day``
    needs ``token``, ``limit`` and one of ``daily``, ``monthly``, ``per``. Past the best, a
    union holding a literal under :data:`_SLOT_MIN_CHARS` is left out: every literal needed
    is scanned for, and short ones (``per``, ``day``, ``for``) occur in most texts, so each
    costs the scan more hits than the regex searches it spares."""
    ranked: list[list[frozenset[str]]] = []
    for branch in branches:
        usable = {need for need in _sequence(branch) if _usable(need)}
        needs = sorted(usable, key=lambda need: (_rank(need), sorted(need)))  # deterministic
        if not needs:
            return []
        ranked.append(needs[::-1])
    shared = set(ranked[0]).intersection(*ranked[1:])
    found = sorted(shared, key=lambda need: (_rank(need), sorted(need)), reverse=True)
    rest = [[need for need in needs if need not in shared] or needs for needs in ranked]
    for slot in range(max(map(len, rest))):
        alternatives: set[str] = set()
        for needs in rest:
            alternatives.update(needs[min(slot, len(needs) - 1)])
        minimal = _minimal(alternatives)
        # (a union holding a requirement already found says less than it: left out)
        if (
            len(minimal) <= _MAX_ALTERNATIVES
            and (slot == 0 or min(map(weight, minimal)) >= _SLOT_MIN_CHARS)
            and not any(need <= minimal for need in found)
        ):
            found.append(minimal)
    return found


# One tree per pattern and flags in the process, shared by every reader of a parse (the
# literal walks here, regex_safety's backtracking and time-bound proofs, prefilter's four RE2
# translations), none of which changes it.
@functools.lru_cache(maxsize=8192)
def sre_parsed(pattern: str, flags: int = 0) -> Any:
    """The standard library's parse of ``pattern`` with ``flags`` (raising as it does)."""
    return _sre_parse.parse(pattern, flags)


@functools.lru_cache(maxsize=4096)
def _parsed(pattern: str) -> Any:
    """The standard library's parse of ``pattern``, or None when refused: syntax ``regex``
    reads differently (:func:`~reliable_rules.engine.dialect.regex_only`) or no parse.
    Memoised: gates_of, boundaries, needs_non_ascii and non_ascii_or_literals each read the
    same pattern, and a lint builds the same regexes once per file (the walks only read it)."""
    if regex_only(pattern):
        return None
    try:
        return sre_parsed(pattern)
    except (re.error, RecursionError, OverflowError, ValueError, TypeError):
        return None


def required_all(
    pattern: str, *, verbose: bool = False, limit: int = 3, weak: bool = False
) -> tuple[frozenset[str], ...]:
    """Requirements every match meets (in an ASCII text), the most selective first.

    Each is a set of lowercased ASCII literals of which the match contains one; all of them
    hold at once. Empty when nothing is known (the regex is then ungated). ``weak`` admits
    literals shorter than :data:`MIN_LITERAL` (a ``+`` or ``>``): worth one substring test
    before a search, too common to gate a rule on.
    """
    parsed = None if verbose else _parsed(pattern)
    if parsed is None or parsed.state.flags & re.VERBOSE:
        return ()
    needs = sorted(
        set(_sequence(list(parsed))), key=lambda need: (_rank(need), sorted(need)), reverse=True
    )
    return tuple(need for need in needs[:limit] if _usable(need) or weak)


def _foreign_char(code: int) -> bool:
    """Whether the character ``code`` matches no ASCII text, ignoring case or not: it is not
    ASCII, not one of :data:`FOLDS_TO_ASCII`, assigned, and none of its case forms (full case
    folding included: ``ß`` folds to ``ss``) holds an ASCII character."""
    char = chr(code)
    if char.isascii() or char in FOLDS_TO_ASCII:
        return False
    if unicodedata.category(char) == "Cn":
        # unassigned in this Python's tables, maybe not in regex's (U+1DF95 folds to "ss")
        return False
    return not any(c.isascii() for c in char.casefold() + char.lower() + char.upper())


#: A class ranging over more characters than this is not walked (it is taken as "may be ASCII").
_MAX_CLASS_WALK = 4096


def _foreign_class(items: Any) -> bool:
    """Whether every character a parsed class ``[...]`` accepts is :func:`_foreign_char`."""
    for kind, argument in items:
        if kind is _LITERAL:
            if not _foreign_char(argument):
                return False
        elif kind is _sre_constants.RANGE:
            low, high = argument
            if high - low > _MAX_CLASS_WALK:
                return False
            if not all(_foreign_char(code) for code in range(low, high + 1)):
                return False
        else:
            return False  # a negation or a category (\w, \d) can accept ASCII
    return True


def _needs_foreign(items: Any) -> bool:
    """Whether every match of the parsed sequence ``items`` holds a :func:`_foreign_char`."""
    for op, argument in items:
        if op is _LITERAL:
            if _foreign_char(argument):
                return True
        elif op is _sre_constants.IN:
            if _foreign_class(argument):
                return True
        elif op is _SUBPATTERN:
            if _needs_foreign(argument[-1]):
                return True
        elif _ATOMIC_GROUP is not None and op is _ATOMIC_GROUP:
            if _needs_foreign(argument):
                return True
        elif op is _BRANCH:
            if all(_needs_foreign(branch) for branch in argument[1]):
                return True
        elif op in (_MAX_REPEAT, _MIN_REPEAT) or (
            _POSSESSIVE_REPEAT is not None and op is _POSSESSIVE_REPEAT
        ):
            low, _high, body = argument
            if low >= 1 and _needs_foreign(body):
                return True
        # anything else (lookarounds, any character, conditionals) needs nothing
    return False


def needs_non_ascii(pattern: str, *, verbose: bool = False) -> bool:
    """Whether every match of ``pattern`` holds a character that is not ASCII and that no
    ASCII character equals ignoring case (a Cyrillic or Greek letter: ``ошибк``), so that it
    cannot match a pure-ASCII text (most error texts).

    A regex whose literals are of such letters has no literal gate (:func:`caseless` admits
    letters without case alone: ``ᲀ`` matches ``в`` ignoring case but lowercases to
    itself), so it was searched in every text reaching its rule; ``str.isascii`` is its gate
    instead. Refused as :func:`required_all` refuses (False: no gate)."""
    parsed = None if verbose else _parsed(pattern)
    if parsed is None or parsed.state.flags & re.VERBOSE:
        return False
    return _needs_foreign(list(parsed))


def non_ascii_or_literals(pattern: str) -> frozenset[str] | None:
    """For a top-level alternation some of whose branches need a letter no ASCII text holds
    (:func:`needs_non_ascii`) and the others a literal: those literals (lowercased, as
    :func:`required_all` gives them), one requirement of each such branch. Every match holds
    one of them in the lowercased text (where :func:`gates_hold`) or is in a text that is not
    ASCII. None when some branch needs neither, or when the pattern is not such an
    alternation (``ошибк\\w\\s+соединения|error\\s+de\\s+conexi[oó]n`` gives
    ``{"error"}``-like literals; a Russian branch alone made the whole regex ungated)."""
    parsed = _parsed(pattern)
    if parsed is None:
        return None
    items = list(parsed)
    if parsed.state.flags & re.VERBOSE or len(items) != 1 or items[0][0] is not _BRANCH:
        return None
    literals: set[str] = set()
    foreign = False
    for branch in items[0][1][1]:
        if _needs_foreign(branch):
            foreign = True
            continue
        usable = [need for need in _sequence(branch) if _usable(need)]
        if not usable:
            return None
        best: frozenset[str] = max(usable, key=lambda need: (_rank(need), sorted(need)))
        literals.update(best)
    minimal = _minimal(literals)
    if not foreign or not minimal or len(minimal) > _MAX_ALTERNATIVES:
        return None
    return minimal


Gates = tuple[
    tuple[frozenset[str], ...], tuple[frozenset[str], ...], tuple[tuple[str, int], ...]
]
# gates_of answers for patterns already analysed (the shipped files' ones come from doccache)
_KNOWN: dict[str, Gates] = {}
_KNOWN_MAX = 20_000


def remember_gates(known: dict[str, Gates]) -> None:
    """Answers of :func:`gates_of` computed earlier (by this version of this module)."""
    if len(_KNOWN) + len(known) <= _KNOWN_MAX:
        _KNOWN.update(known)


def gates_of(pattern: str, *, verbose: bool = False) -> Gates:
    """The requirements worth scanning for (up to 6), up to 2 short ones (one substring
    test each before a search, too common to scan for), and the :func:`boundaries` of the
    literals of the first (literal, bits) pairs, those with bits alone, sorted."""
    if not verbose:
        known = _KNOWN.get(pattern)
        if known is not None:
            return known
    needs = required_all(pattern, verbose=verbose, weak=True, limit=8)
    strong = tuple(need for need in needs if _usable(need))[:6]
    bounds = boundaries(pattern, frozenset().union(*strong)) if strong else {}
    gates = (
        strong,
        tuple(need for need in needs if need not in strong)[:2],
        tuple(sorted((literal, bits) for literal, bits in bounds.items() if bits)),
    )
    if not verbose and len(_KNOWN) < _KNOWN_MAX:
        _KNOWN[pattern] = gates  # a lint builds the same regexes once per file it reads
    return gates


def required_any(pattern: str, *, verbose: bool = False) -> frozenset[str] | None:
    """Lowercased ASCII literals of which every match contains one (in an ASCII text), or None."""
    needs = required_all(pattern, verbose=verbose, limit=1)
    return needs[0] if needs else None


_CATEGORY = _sre_constants.CATEGORY
_RE2_CATEGORIES = {
    _sre_constants.CATEGORY_DIGIT,
    _sre_constants.CATEGORY_NOT_DIGIT,
    _sre_constants.CATEGORY_WORD,
    _sre_constants.CATEGORY_NOT_WORD,
}
_RE2_AT = {
    _sre_constants.AT_BEGINNING,
    _sre_constants.AT_BEGINNING_STRING,
    _sre_constants.AT_BOUNDARY,
    _sre_constants.AT_NON_BOUNDARY,
}
_RE2_SET_ITEMS = {_LITERAL, _sre_constants.RANGE, _sre_constants.NEGATE, _CATEGORY}


#: What :mod:`shapes` turns non-ASCII characters into (and the ASCII letters that some
#: non-ASCII ones equal case-insensitively): a negated class naming one of these could refuse
#: the stand-in where it accepts the original character.
PROJECTED = frozenset("_0\x00kKsSiI")


def _negation_names_projected(argument: Any) -> bool:
    for kind, value in argument:
        if kind is _LITERAL and chr(value) in PROJECTED:
            return True
        if kind is _sre_constants.RANGE and any(
            value[0] <= ord(char) <= value[1] for char in PROJECTED
        ):
            return True
    return False


def _re2_items(items: Any, projected: bool) -> bool:
    for op, argument in items:
        if op is _sre_constants.NOT_LITERAL:
            if projected and chr(argument) in PROJECTED:
                return False
            continue
        if op in (_LITERAL, _sre_constants.ANY):
            continue
        if op is _sre_constants.IN:
            negated = bool(argument) and argument[0][0] is _sre_constants.NEGATE
            if projected and negated and _negation_names_projected(argument):
                return False
            for kind, value in argument:
                if kind not in _RE2_SET_ITEMS:
                    return False
                if kind is _CATEGORY and value not in _RE2_CATEGORIES:
                    return False
            continue
        if op is _sre_constants.AT:
            if argument not in _RE2_AT:
                return False
            if projected and argument is _sre_constants.AT_NON_BOUNDARY:
                return False  # a stand-in's word-ness is kept, \B next to it is not the same
            continue
        if op is _SUBPATTERN:
            if argument[1] or argument[2]:  # inline flags inside the group
                return False
            if not _re2_items(argument[-1], projected):
                return False
            continue
        if op is _BRANCH:
            if not all(_re2_items(branch, projected) for branch in argument[1]):
                return False
            continue
        if op in (_MAX_REPEAT, _MIN_REPEAT):
            _low, high, body = argument
            if high is not _sre_constants.MAXREPEAT and high > 1000:
                return False
            if not _re2_items(body, projected):
                return False
            continue
        return False  # look-arounds, back-references, atomic groups, `$`, `\s`: not the same
    return True


def re2_equivalent(pattern: str, *, projected: bool = False) -> bool:
    """Whether RE2 finds a match of ``pattern`` in every ASCII text where ``regex`` finds one.

    A conservative subset: literals, classes of ranges and ``\\d``/``\\w`` (ASCII texts: the
    same characters), groups without flags, alternation, repeats up to 1,000, ``^``, ``\\A``
    and ``\\b``. Not ``$`` (Python's also matches before a final newline), nor ``\\s`` (Python's
    also matches ``\\v`` and ``\\x1c``-``\\x1f``), nor anything RE2 lacks.

    ``projected``: the same for a non-ASCII text once :mod:`shapes` has replaced each non-ASCII
    character by a stand-in of the same kind (a letter it equals case-insensitively, ``0`` for
    a digit, ``_`` for another word character, NUL otherwise): also no ``\\B``, and no negated
    class or ``[^x]`` naming a stand-in.
    """
    parsed = _parsed(pattern)
    if parsed is None:
        return False
    if parsed.state.flags & (re.VERBOSE | re.MULTILINE | re.DOTALL | re.ASCII | re.LOCALE):
        return False
    if parsed.state.flags & re.IGNORECASE:
        return False  # an inline (?i): the rule's own flag is what the caller passes
    return _re2_items(list(parsed), projected)


# ── word boundaries of needed literals ─────────────────────────────────────────────────
#
# A literal gate says "the text holds this literal"; a regex often says more: ``\bstream``
# needs "stream" *at the start of a word*, which "upstream" does not give. :func:`boundaries`
# finds, for each needed literal, which of its neighbours every match proves not to be an
# ASCII word character, so that a scan hit beside one (the "stream" of "upstream") can be
# dropped (engine/bounds.py). Only ASCII neighbours are judged: where :func:`gates_hold`, the
# lowercased text has the text's length (only U+0130 lowercases to two characters) and an
# ASCII word character exactly where the text has one (only U+212A and U+0130 lowercase to
# ASCII), and ``regex``'s ``\w`` on ASCII is ``[A-Za-z0-9_]``.

#: The character before the literal is not ``[a-z0-9_]`` (or there is none).
LEFT = 1
#: The character after the literal is not ``[a-z0-9_]`` (or there is none).
RIGHT = 2
#: The character before the literal is not ``[a-z0-9]`` (``near:``: a term starts a word).
LEFT_ALNUM = 4

_ASCII_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_ASCII = frozenset(map(chr, range(128)))
_ASCII_DIGITS = frozenset("0123456789")
_ASCII_SPACE = frozenset("\t\n\v\f\r ")
# What the neighbour of a position is known to be: nothing; not an ASCII word character
# (or the text's edge); a word boundary (\b: the neighbour is not a word character when the
# literal's own character beside it is one).
_UNKNOWN, _NON_WORD, _BOUNDARY = 0, 1, 2
_FOLD_IMAGES = dict(zip(FOLDS_TO_ASCII, "ksi", strict=True))
_CATEGORY_ASCII: dict[Any, frozenset[str]] = {
    _sre_constants.CATEGORY_DIGIT: _ASCII_DIGITS,
    _sre_constants.CATEGORY_NOT_DIGIT: _ASCII - _ASCII_DIGITS,
    _sre_constants.CATEGORY_WORD: _ASCII_WORD,
    _sre_constants.CATEGORY_NOT_WORD: _ASCII - _ASCII_WORD,
    _sre_constants.CATEGORY_SPACE: _ASCII_SPACE,
    _sre_constants.CATEGORY_NOT_SPACE: _ASCII - _ASCII_SPACE,
}


def _class_ascii(items: Any) -> frozenset[str]:
    """The ASCII characters a parsed class may accept, whatever the case flag (a superset:
    a plain class with its items' other cases and the ASCII letters of
    :data:`FOLDS_TO_ASCII`, a negated one without them)."""
    negated = bool(items) and items[0][0] is _sre_constants.NEGATE
    named: set[str] = set()
    for kind, value in items[1:] if negated else items:
        if kind is _LITERAL:
            named.add(chr(value))
        elif kind is _sre_constants.RANGE:
            low, high = value
            named.update(map(chr, range(low, min(high, 127) + 1)))
            named.update(char for char in FOLDS_TO_ASCII if low <= ord(char) <= high)
        elif kind is _CATEGORY and value in _CATEGORY_ASCII:
            named.update(_CATEGORY_ASCII[value])
        else:
            return _ASCII  # a class item not known here: it may accept anything
    if negated:
        return _ASCII - named
    cased = {variant for char in named for variant in (char.lower(), char.upper())}
    return frozenset((named | cased | {_FOLD_IMAGES.get(c, c) for c in named}) & _ASCII)


def _edge(op: Any, argument: Any, before: bool) -> int:
    """What the item ``op`` says of the character at its end (``before``: the item precedes
    the position) or at its start (the item follows it)."""
    if op is _LITERAL:
        char = chr(argument)
        return _UNKNOWN if char in _ASCII_WORD or char in FOLDS_TO_ASCII else _NON_WORD
    if op is _sre_constants.AT:
        if argument is _sre_constants.AT_BOUNDARY:
            return _BOUNDARY
        starts = (_sre_constants.AT_BEGINNING, _sre_constants.AT_BEGINNING_STRING)
        ends = (_sre_constants.AT_END, _sre_constants.AT_END_STRING)
        return _NON_WORD if argument in (starts if before else ends) else _UNKNOWN
    if op is _sre_constants.IN:
        return _UNKNOWN if _class_ascii(argument) & _ASCII_WORD else _NON_WORD
    if op is _SUBPATTERN:
        return _edge_of(argument[-1], before)
    if _ATOMIC_GROUP is not None and op is _ATOMIC_GROUP:
        return _edge_of(argument, before)
    if op is _BRANCH:
        edges = [_edge_of(branch, before) for branch in argument[1]]
        return _UNKNOWN if _UNKNOWN in edges else max(edges)
    if op in (_MAX_REPEAT, _MIN_REPEAT) or (
        _POSSESSIVE_REPEAT is not None and op is _POSSESSIVE_REPEAT
    ):
        low, _high, body = argument
        return _edge_of(body, before) if low >= 1 else _UNKNOWN
    return _UNKNOWN  # look-arounds, any character, back-references


def _edge_of(items: Any, before: bool) -> int:
    listed = list(items)
    return _edge_at(listed, len(listed) - 1 if before else 0, before, _UNKNOWN)


def _edge_at(items: list[Any], index: int, before: bool, outside: int) -> int:
    """:func:`_edge` of ``items[index]``; ``outside`` (the edge around ``items``) past them."""
    if index < 0 or index >= len(items):
        return outside
    op, argument = items[index]
    return _edge(op, argument, before)


def _side(edge: int, char: str, bit: int) -> int:
    """``bit`` when ``edge`` proves the neighbour of ``char`` (the literal's own character on
    that side) is not an ASCII word character."""
    if edge == _NON_WORD or (edge == _BOUNDARY and char in _ASCII_WORD):
        return bit
    return 0


def _runs(items: Any, left: int, right: int, out: dict[str, int]) -> None:
    """Each literal run of ``items`` (as :func:`_sequence` reads them, nested ones too) with
    the bits its neighbours prove, AND-ed over the runs of the same text into ``out``;
    ``left`` and ``right``: the edges around ``items``."""
    items = list(items)
    run: list[str] = []
    start = 0

    def close(end: int) -> None:
        if not run:
            return
        literal = "".join(run)
        before = _edge_at(items, start - 1, True, left)
        after = _edge_at(items, end, False, right)
        bits = _side(before, literal[0], LEFT) | _side(after, literal[-1], RIGHT)
        out[literal] = out.get(literal, LEFT | RIGHT) & bits
        run.clear()

    for index, (op, argument) in enumerate(items):
        if op is _LITERAL:
            char = chr(argument)
            if char.isascii() or caseless(char):
                if not run:
                    start = index
                run.append(char.lower() if char.isascii() else char)
                continue
        close(index)
        if op in _ZERO_WIDTH or op is _LITERAL:
            continue
        outer_left = _edge_at(items, index - 1, True, left)
        outer_right = _edge_at(items, index + 1, False, right)
        if op is _SUBPATTERN:
            _runs(argument[-1], outer_left, outer_right, out)
        elif _ATOMIC_GROUP is not None and op is _ATOMIC_GROUP:
            _runs(argument, outer_left, outer_right, out)
        elif op is _BRANCH:
            for branch in argument[1]:
                _runs(branch, outer_left, outer_right, out)
        elif op in (_MAX_REPEAT, _MIN_REPEAT) or (
            _POSSESSIVE_REPEAT is not None and op is _POSSESSIVE_REPEAT
        ):
            _runs(argument[2], _UNKNOWN, _UNKNOWN, out)  # an iteration's neighbours vary
    close(len(items))


def boundaries(pattern: str, literals: frozenset[str]) -> dict[str, int]:
    """For each of ``literals`` (needed literals of ``pattern``: :func:`required_all`), the
    bits :data:`LEFT` and :data:`RIGHT` that hold of the occurrence every match holds: no
    ASCII word character before, after it (``\\b``, ``^``, ``$``, ``\\s``, ``[^\\w]``,
    ``(?:^|\\W)``, ``[:,]`` beside it). 0 when nothing is proven.

    A needed literal is a literal run of the pattern, or part of one (``token`` for the
    ``tokens`` of another branch): it keeps LEFT from a run it starts, RIGHT from a run it
    ends, both from a run it is; its bits are those every run holding it gives (one run
    that proves nothing of it, and it has none)."""
    parsed = _parsed(pattern)
    if parsed is None or parsed.state.flags & re.VERBOSE:
        return dict.fromkeys(literals, 0)
    runs: dict[str, int] = {}
    _runs(list(parsed), _UNKNOWN, _UNKNOWN, runs)
    found: dict[str, int] = {}
    for literal in literals:
        bits = LEFT | RIGHT
        holders = 0
        for run, proven in runs.items():
            if literal not in run:
                continue
            holders += 1
            if run == literal:
                bits &= proven
            elif run.startswith(literal):
                bits &= proven & LEFT
            elif run.endswith(literal):
                bits &= proven & RIGHT
            else:
                bits = 0
        found[literal] = bits if holders else 0
    return found
