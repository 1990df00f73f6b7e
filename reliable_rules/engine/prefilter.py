"""An RE2 pass that proves a regex cannot match, so that its ``regex`` search is skipped.

Most ``regex`` searches of a classification find nothing: the literals a pattern needs are
there ("request", "exceeded") but not in the pattern's shape, and ``regex`` (backtracking,
often with a timeout) takes microseconds to say so. With the ``fast`` extra (``google-re2``),
each regex is also written as an RE2 pattern that matches *at least* where the original does
(:func:`re2_superset`); RE2's DFA answers in one linear pass, and only when it finds a match
does ``regex`` search. The RE2 pattern is a prefilter, never the judge: a pattern it reports is
still searched by ``regex``, so answers are unchanged (a test compares every corpus decision
with and without it). RE2 itself never gives up with a false "no match": when its DFA runs out
of memory it falls back to its NFA.

It is used only where the superset claim is proven:

* ASCII texts up to :data:`MAX_TEXT` characters: there ``\\w``, ``\\d``, ``\\b`` and case
  folding mean the same in both engines (``\\s`` is spelled out as ``regex``'s ASCII set);
* patterns the translation understands: look-arounds are dropped (fewer constraints, more
  matches), counted, lazy and possessive repeats become open greedy ones (``{0,80}?`` is
  ``*``: a superset, and a DFA without counters stays small), atomic groups plain ones, ``$``
  and multi-line anchors are dropped; back-references, conditionals and anything ``regex``
  reads differently from ``re`` are refused (that regex is always searched);
* under ``IGNORECASE``, patterns that do not name the three non-ASCII characters ``regex``
  equates with ASCII letters (:data:`regex_literals.FOLDS_TO_ASCII`; RE2 may not): any other
  non-ASCII character matches no ASCII text in ``regex``, so RE2 can only match more.

Why one RE2 object per regex rather than one RE2 set for all: a set runs every pattern over
the whole text (no early exit), measured at 8 us per corpus record for builtin:default's 77
regexes, against about 1 us per individual pass, and a classification needs few.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
from collections.abc import Sequence
from typing import Any

from reliable_rules.engine.dialect import regex_only
from reliable_rules.engine.lazyregex import regex
from reliable_rules.engine.probe import GATE_MAX_TEXT
from reliable_rules.engine.regex_literals import (
    FOLDS_TO_ASCII,
    _sre_constants,
    sre_parsed,
)
from reliable_rules.engine.shapes import re2_module

__all__ = ["MAX_TEXT", "AnyGate", "Re2Gate", "available", "compile_gate", "re2_superset"]

logger = logging.getLogger("reliable_rules")

#: Longer texts are not prefiltered (every regex is searched; ``Probe.gate_data``).
MAX_TEXT = GATE_MAX_TEXT
_MAX_MEM = 64 << 20
# regex's \s on ASCII (the White_Space property): \t \n \v \f \r and space; RE2's lacks \v.
# (Not Python's re, which also counts \x1c-\x1f: the corpus check caught that.)
_SPACE = r"\t-\r\x20"
_C = _sre_constants
_LOOK_AROUNDS = (_C.ASSERT, _C.ASSERT_NOT)
_CATEGORIES = {
    _C.CATEGORY_DIGIT: (r"\d", r"0-9"),
    _C.CATEGORY_NOT_DIGIT: (r"\D", None),
    _C.CATEGORY_WORD: (r"\w", r"0-9A-Za-z_"),
    _C.CATEGORY_NOT_WORD: (r"\W", None),
    _C.CATEGORY_SPACE: (f"[{_SPACE}]", _SPACE),
    _C.CATEGORY_NOT_SPACE: (f"[^{_SPACE}]", None),
}
# Over a UTF-8 text (``wide``, see re2_superset), ``regex`` reads \d, \w and \s as Unicode
# classes and RE2 as ASCII ones: each is widened by every non-ASCII character, a superset.
# (\D, \W and \S, spelt as RE2's or as negated ASCII classes, already hold every non-ASCII
# character.)
_NON_ASCII = r"\x{80}-\x{10ffff}"
_WIDE_CATEGORIES = {
    _C.CATEGORY_DIGIT: f"[0-9{_NON_ASCII}]",
    _C.CATEGORY_WORD: f"[0-9A-Za-z_{_NON_ASCII}]",
    _C.CATEGORY_SPACE: f"[{_SPACE}{_NON_ASCII}]",
}
# VERSION0 and UNICODE are what ``regex`` compiles str patterns with by default.
_ALLOWED_FLAGS = regex.IGNORECASE | regex.VERBOSE | regex.DOTALL | regex.MULTILINE
_ALLOWED_FLAGS |= regex.UNICODE | regex.VERSION0


class _Refused(Exception):
    """The pattern uses something the translation does not prove."""


def _char(code: int, ignore_case: bool, wide: bool = False) -> str:
    if ignore_case and chr(code) in FOLDS_TO_ASCII:
        raise _Refused("a character that equals an ASCII letter case-insensitively")
    if wide and ignore_case and code > 0x7F and _cased(chr(code)):
        # over a non-ASCII text, RE2's case folding of a cased letter need not be regex's
        raise _Refused("a non-ASCII letter with case, ignoring case, over a UTF-8 text")
    return f"\\x{{{code:x}}}"


def _cased(char: str) -> bool:
    """Whether ``char`` has another case (or is one): its case variants are engine-defined."""
    return char.lower() != char or char.upper() != char or char.casefold() != char


def _class(items: Any, ignore_case: bool, wide: bool = False) -> str:
    negated = bool(items) and items[0][0] is _C.NEGATE
    if not negated and len(items) == 1 and items[0][0] is _C.CATEGORY:
        # A lone category (``\S``, ``\W``) is parsed as a class of one: spelt whole, a
        # negated one needs no class around it.
        if wide and items[0][1] in _WIDE_CATEGORIES:
            return _WIDE_CATEGORIES[items[0][1]]
        category = _CATEGORIES.get(items[0][1])
        if category is not None:
            return category[0]
    parts = []
    for kind, value in items[1:] if negated else items:
        if kind is _C.LITERAL:
            parts.append(_char(value, ignore_case, wide))
        elif kind is _C.RANGE:
            if ignore_case and any(value[0] <= ord(c) <= value[1] for c in FOLDS_TO_ASCII):
                raise _Refused("a range holding a character that equals an ASCII letter")
            if wide and ignore_case and value[1] > 0x7F:
                raise _Refused("a non-ASCII range, ignoring case, over a UTF-8 text")
            parts.append(f"{_char(value[0], False)}-{_char(value[1], False)}")
        elif kind is _C.CATEGORY and value in _CATEGORIES:
            whole, inside = _CATEGORIES[value]
            if inside is None:  # a negated category inside a class: RE2 spells it alike on ASCII
                if value is _C.CATEGORY_NOT_SPACE:
                    raise _Refused("\\S inside a class")
                if wide and negated:
                    # [^\W]: regex's holds the non-ASCII letters, RE2's none
                    raise _Refused("a negated category inside a negated class, over UTF-8")
                inside = whole
            elif wide and not negated:
                inside += _NON_ASCII  # regex's \d, \w, \s hold non-ASCII characters
            parts.append(inside)
        else:
            raise _Refused(f"class item {kind}")
    if not parts:
        raise _Refused("an empty class")
    return f"[{'^' if negated else ''}{''.join(parts)}]"


_RE2_MAX_REPEAT = 1000


def _repeat(low: int, high: Any, exact: bool) -> str:
    if not exact:
        # Counted repeats become open ones (`{0,80}` becomes `*`, `{2,5}` becomes `+`): a
        # superset, and without counters RE2's DFA stays small.
        return "*" if low == 0 else "+"
    if low > _RE2_MAX_REPEAT or (high is not _C.MAXREPEAT and high > _RE2_MAX_REPEAT):
        raise _Refused("a repeat beyond RE2's limit")
    return f"{{{low},}}" if high is _C.MAXREPEAT else f"{{{low},{high}}}"


def _emit(items: Any, flags: int, exact: bool, subset: bool = False, wide: bool = False) -> str:
    """RE2 syntax for parsed ``items``: a superset of their matches on ASCII texts, or (when
    ``exact``) the same matches, refusing whatever the superset had to drop; or (when
    ``subset``, with ``exact``) some of the same matches: an alternation's branches that the
    exact translation refuses are left out. Every operator emitted in exact mode is monotone
    (no look-around survives it), so matching fewer texts in one branch can only make the
    whole pattern match fewer texts. ``wide`` (superset mode only): a superset on every text
    without the three non-ASCII letters of :data:`FOLDS_TO_ASCII`, read as UTF-8 (see
    :func:`re2_superset`)."""
    ignore_case = bool(flags & regex.IGNORECASE)
    out = []
    for op, argument in items:
        if op is _C.LITERAL:
            out.append(_char(argument, ignore_case, wide))
        elif op is _C.NOT_LITERAL:
            out.append(f"[^{_char(argument, ignore_case, wide)}]")
        elif op is _C.ANY:
            out.append("(?s:.)" if flags & regex.DOTALL else "[^\\n]")
        elif op is _C.IN:
            out.append(_class(argument, ignore_case, wide))
        elif op is _C.CATEGORY:
            if argument not in _CATEGORIES:
                raise _Refused(f"category {argument}")
            if wide and argument in _WIDE_CATEGORIES:
                out.append(_WIDE_CATEGORIES[argument])
            else:
                out.append(_CATEGORIES[argument][0])
        elif op is _C.AT:
            if argument in (_C.AT_BOUNDARY, _C.AT_NON_BOUNDARY):
                if not wide:  # RE2's word boundary is ASCII's: over UTF-8, dropped (a superset)
                    out.append("\\b" if argument is _C.AT_BOUNDARY else "\\B")
            elif argument in (_C.AT_BEGINNING, _C.AT_BEGINNING_STRING) and not (
                argument is _C.AT_BEGINNING and flags & regex.MULTILINE
            ):
                out.append("\\A")
            elif argument is _C.AT_END_STRING:
                out.append("\\z")
            elif exact:
                raise _Refused("`$` or a multi-line anchor")
            # `$` (end, or before a final newline) and multi-line anchors: dropped (a superset)
        elif op in _LOOK_AROUNDS:  # look-arounds: dropped (fewer constraints, a superset)
            if exact:
                raise _Refused("a look-around")
        elif op is _C.SUBPATTERN:
            if argument[1] or argument[2]:
                raise _Refused("inline flags inside a group")
            out.append(f"(?:{_emit(argument[-1], flags, exact, subset, wide)})")
        elif op is _C.BRANCH:
            out.append("(?:" + "|".join(_branches(argument[1], flags, exact, subset, wide)) + ")")
        elif op in (_C.MAX_REPEAT, _C.MIN_REPEAT):  # lazy or greedy: the same texts match
            low, high, body = argument
            inner = _emit(body, flags, exact, subset, wide)
            out.append(f"(?:{inner}){_repeat(low, high, exact)}")
        elif op is getattr(_C, "POSSESSIVE_REPEAT", 0) and not exact:
            low, high, body = argument  # matches less than the greedy repeat: a superset
            out.append(f"(?:{_emit(body, flags, exact, wide=wide)}){_repeat(low, high, exact)}")
        elif op is getattr(_C, "ATOMIC_GROUP", 0) and not exact:
            out.append(f"(?:{_emit(argument, flags, exact, wide=wide)})")
        else:
            raise _Refused(f"operator {op}")
    return "".join(out)


def _branches(
    branches: Any, flags: int, exact: bool, subset: bool, wide: bool = False
) -> list[str]:
    """The translated branches of an alternation (in subset mode, those that translate)."""
    if not subset:
        return [_emit(branch, flags, exact, wide=wide) for branch in branches]
    kept = []
    for branch in branches:
        try:
            kept.append(_emit(branch, flags, exact, subset))
        except _Refused:
            continue  # left out: the alternation matches less, never more
    if not kept:
        raise _Refused("no branch translates exactly")
    return kept


# A pure function of its arguments (an immutable answer), asked up to four times per regex for
# every rule set a process builds or reads back: remembered, so that the second set built from
# the same patterns (a lint of files extending builtin:default, a test suite's fresh loads)
# parses none of them again. Bounded by the number of distinct patterns a process meets.
@functools.lru_cache(maxsize=16384)
def re2_superset(
    pattern: str, flags: int, *, exact: bool = False, subset: bool = False, wide: bool = False
) -> tuple[str, bool] | None:
    """An RE2 pattern matching every ASCII text ``pattern`` (a ``regex`` pattern with ``flags``)
    finds a match in, and whether it ignores case; None when the translation proves none.

    ``exact``: an RE2 pattern that matches exactly the ASCII texts ``pattern`` matches (no
    look-around, ``$``, possessive repeat or atomic group; counted repeats kept), or None.
    ``subset`` (with ``exact``): an RE2 pattern matching only ASCII texts ``pattern`` matches:
    the exact translation without the alternation branches it refuses (``\\.(?=\\S)`` in a
    sentence-bounded gap, ``tools?(?!...)`` beside other spellings), or None.
    ``wide`` (superset only): an RE2 pattern matching, read as UTF-8, every text ``pattern``
    finds a match in that holds none of the three letters of :data:`FOLDS_TO_ASCII` (ASCII or
    not): \\d, \\w and \\s also take any non-ASCII character, word boundaries are dropped, and
    a non-ASCII letter with case under ``IGNORECASE`` (whose variants the engines may fold
    differently) or a negated category inside a negated class refuses the translation.
    """
    if flags & ~_ALLOWED_FLAGS or (wide and (exact or subset)):
        return None
    if regex_only(pattern, verbose=bool(flags & regex.VERBOSE)):
        return None
    try:
        parsed = sre_parsed(pattern, flags & (regex.VERBOSE | regex.IGNORECASE))
        effective = flags | parsed.state.flags
        if effective & (_C.SRE_FLAG_LOCALE | _C.SRE_FLAG_ASCII):
            return None
        emitted = _emit(list(parsed), effective, exact or subset, subset, wide)
        return emitted, bool(effective & regex.IGNORECASE)
    except (_Refused, RecursionError, OverflowError, ValueError, TypeError, AttributeError):
        return None
    except Exception:  # noqa: BLE001 — re.error and anything else from the private parser
        return None


def available() -> bool:
    """Whether ``google-re2`` (extra ``fast``) is installed and not switched off, without
    importing it."""
    if os.environ.get("RELIABLE_RULES_ACCELERATOR", "1") == "0":
        return False
    return importlib.util.find_spec("re2") is not None


_SENTINEL_ONLY = [0]


class Re2Gate:
    """RE2's answer for one regex on an ASCII text: ``gate(data)`` is False when the regex
    cannot match the text whose bytes are ``data``, True when it matches (only when an exact
    or a subset translation finds a match), None when the ``regex`` search must decide.

    The superset pattern answers first (small DFA, rarely matches); when it matches and the
    regex has an exact translation, that one decides. A regex with a look-around in some
    branches (sentence-bounded gaps, ``tools?(?![ _-]?results?)``) has no exact translation;
    its *subset* translation (those branches left out) proves most true matches, and only a
    text it does not match is searched by ``regex``. Each is a one-pattern RE2 *set*
    (measured 0.7 us a call against 1.0 us for ``RE2.Match``, which also works out where the
    match starts), with the always-matching sentinel ``\\z`` beside it: a set answers
    "nothing" when its DFA runs out of memory, and the missing sentinel tells that apart
    (then the regex is searched).
    """

    __slots__ = ("_exact", "_subset", "_superset", "_wide")

    def __init__(self, superset: Any, exact: Any, subset: Any = None, wide: Any = None) -> None:
        self._superset = superset
        self._exact = exact
        self._subset = subset
        #: the wide superset (re2_superset(wide=True)) for texts that are not ASCII, or None
        self._wide = wide

    def refuses_wide(self, data: bytes) -> bool:
        """Whether the regex cannot match the non-ASCII text whose UTF-8 bytes are ``data``
        (a text without the letters of FOLDS_TO_ASCII: ``Probe.wide_data``). Never proves a
        match: False means the ``regex`` search decides."""
        wide = self._wide
        return wide is not None and wide(data) == _SENTINEL_ONLY

    def __call__(self, data: bytes) -> bool | None:
        found = self._superset(data)
        if found == _SENTINEL_ONLY:
            return False  # only the sentinel: no match
        exact = self._exact
        if exact is self._superset:
            # the superset is the exact translation: its answer decides (no second pass)
            return True if len(found) == 2 else None  # []: RE2 gave up
        if exact is None:
            subset = self._subset
            if subset is not None and len(subset(data)) == 2:
                return True  # a match of the subset is a match of the regex
            return None
        found = exact(data)
        if len(found) == 2:  # the sentinel and the pattern, in any order
            return True
        return False if found == _SENTINEL_ONLY else None  # []: RE2 gave up


def _one_pattern_set(module: Any, translated: str, ignore_case: bool) -> Any:
    """``Match`` of an RE2 set of the sentinel and ``translated``, or None when RE2 refuses."""
    options = module.Options()
    options.case_sensitive = not ignore_case
    options.max_mem = _MAX_MEM
    options.log_errors = False
    regex_set = module._re2.Set(module._re2.RE2.Anchor.UNANCHORED, options)
    if regex_set.Add(rb"\z") != 0 or regex_set.Add(translated.encode()) != 1:
        return None
    if not regex_set.Compile():
        return None
    return regex_set.Match


def compile_gate(pattern: str, flags: int) -> Re2Gate | None:
    """RE2's gate for one regex, or None when there is none (no RE2, or no proof)."""
    pair = re2_superset(pattern, flags)
    module = re2_module() if pair is not None else None
    if pair is None or module is None:
        return None
    return _shared_gate(pattern, flags, module)


# A gate is immutable and RE2's matching is thread-safe, so one gate serves every rule set of
# the process that has the regex: a second set built from the same files (a reload, a lint
# of each file of a directory with the vocabulary it extends, a test's fresh load) compiles
# no RE2 pattern again. Measured: `validate --strict` of the 75 shipped files compiled 4,153
# gates for about 1,900 distinct regexes. The module is part of the key (switched off, no
# gate is asked for).
@functools.lru_cache(maxsize=8192)
def _shared_gate(pattern: str, flags: int, module: Any) -> Re2Gate | None:
    pair = re2_superset(pattern, flags)
    if pair is None:
        return None
    exact_pair = re2_superset(pattern, flags, exact=True)
    subset_pair = None if exact_pair is not None else re2_superset(pattern, flags, subset=True)
    wide_pair = re2_superset(pattern, flags, wide=True)
    try:
        superset = _one_pattern_set(module, *pair)
        if superset is None:
            return None
        exact = subset = wide = None
        if exact_pair is not None:
            exact = superset if exact_pair == pair else _one_pattern_set(module, *exact_pair)
        elif subset_pair is not None:
            subset = _one_pattern_set(module, *subset_pair)
        if wide_pair is not None:
            wide = superset if wide_pair == pair else _one_pattern_set(module, *wide_pair)
    except Exception:  # noqa: BLE001 — RE2 refusing a pattern only costs speed
        logger.debug("reliable_rules: no RE2 prefilter for %r", pattern)
        return None
    return Re2Gate(superset, exact, subset, wide)


_UNBUILT: Any = object()


class AnyGate:
    """One RE2 pass for the regex branches of an ``any:``: False when none of them can match.

    Several rules of builtin:default are an ``any:`` of five to seven regexes (the wordings of
    one concept); each branch's own gate is a call, so a text none of them matches cost seven.
    The generated code asks this gate first (one set of their superset patterns, one call),
    and evaluates the branches only when it says one may match. A text that is not ASCII is
    read as UTF-8 by the set of their wide supersets (``re2_superset(wide=True)``). Without the
    accelerator, for a long text, or when a branch has no such translation, it says True.
    """

    __slots__ = ("_match", "_nodes")

    def __init__(self, nodes: Sequence[Any]) -> None:
        """``nodes``: regex nodes (``pattern`` and ``flags`` attributes)."""
        self._nodes = tuple(nodes)
        self._match: Any = _UNBUILT

    def __call__(self, probe: Any) -> bool:
        if probe.prefilter is None:
            return True
        match = self._match
        if match is _UNBUILT:
            match = self._match = (self._build(wide=False), self._build(wide=True))
        data = probe.gate_data()
        if data is not None:
            return match[0] is None or bool(match[0](data) != _SENTINEL_ONLY)
        # not ASCII (or long): the wide set of the branches, read as UTF-8 (re2_superset)
        wide = match[1]
        if wide is None:
            return True
        data = probe.wide_data()
        return data is None or bool(wide(data) != _SENTINEL_ONLY)

    def _build(self, *, wide: bool) -> Any:
        pairs = [re2_superset(node.pattern, node.flags, wide=wide) for node in self._nodes]
        module = re2_module()
        if module is None or any(pair is None for pair in pairs):
            return None
        cases = {pair[1] for pair in pairs if pair is not None}
        if len(cases) != 1:
            return None  # one set has one case mode
        try:
            options = module.Options()
            options.case_sensitive = not cases.pop()
            options.max_mem = _MAX_MEM
            options.log_errors = False
            regex_set = module._re2.Set(module._re2.RE2.Anchor.UNANCHORED, options)
            if regex_set.Add(rb"\z") != 0:
                return None
            for index, pair in enumerate(pairs, start=1):
                if pair is None or regex_set.Add(pair[0].encode()) != index:
                    return None
            if not regex_set.Compile():
                return None
        except Exception:  # noqa: BLE001 — RE2 refusing the set only costs speed
            logger.debug("reliable_rules: no RE2 set for an any: of regexes")
            return None
        return regex_set.Match
