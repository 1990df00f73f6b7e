"""Compiled Retry-After sources (``retry_after:`` in a rule file), tried in order."""

from __future__ import annotations

import logging
import string
from collections.abc import Iterator

from reliable_rules.engine.lazyregex import CompiledOnFirstUse, regex
from reliable_rules.engine.nodes import REGEX_TIMEOUT_S, Probe, resolve_path, untimed_for
from reliable_rules.engine.retry_after import parse_duration_ms, parse_seed_number_ms

__all__ = [
    "Extractor",
    "HeaderSource",
    "JsonSource",
    "PrefixSource",
    "RegexSource",
    "required_literal",
]

logger = logging.getLogger("reliable_rules")

_SCALE = {"s": 10**9, "ms": 10**6, "auto": 10**9}


class Extractor:
    """One place a wait time can come from."""

    __slots__ = ("rate_limited_only", "unit")
    unit: str
    #: ``only: rate_limited``: consulted only when the decided category is rate limited.
    rate_limited_only: bool

    def extract(self, probe: Probe) -> int | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def only(self) -> str:
        """The suffix :meth:`describe` adds for a source restricted to rate limits."""
        return ", only rate_limited" if self.rate_limited_only else ""


class HeaderSource(Extractor):
    __slots__ = ("name",)

    def __init__(self, name: str, unit: str, *, only: bool = False) -> None:
        self.name = name.lower()
        self.unit = unit
        self.rate_limited_only = only

    def extract(self, probe: Probe) -> int | None:
        value = probe.headers.get(self.name)
        return None if value is None else parse_duration_ms(value, unit=self.unit)

    def describe(self) -> str:
        return f"header {self.name} ({self.unit}{self.only()})"


class PrefixSource(Extractor):
    """The seed's parser: the first case-insensitive occurrence of a prefix, then a number."""

    __slots__ = ("literal",)

    def __init__(self, prefix: str, unit: str, *, only: bool = False) -> None:
        self.literal = prefix.lower()
        self.unit = unit
        self.rate_limited_only = only

    def extract(self, probe: Probe) -> int | None:
        # Read from the lowercased text: digits, dots and white space are the same there, and
        # positions stay consistent even where lowercasing changes a character's length.
        lower = probe.lower
        start = lower.find(self.literal)
        if start < 0:
            return None
        rest = lower[start + len(self.literal) :]
        return parse_seed_number_ms(rest, scale_nanos=_SCALE[self.unit])

    def describe(self) -> str:
        return f"text after {self.literal!r} ({self.unit}{self.only()})"


#: Characters that stand for themselves in a pattern (outside classes and groups).
_PLAIN = frozenset(string.ascii_letters + string.digits + " _-:,;'\"/<>=!@%&~`#")
#: Escapes that match a class or a position, not a literal: they end a literal run.
_CLASS_ESCAPES = frozenset("bBdDsSwWAZntrfv")
#: The shortest run worth checking before running a regex.
_MIN_NEEDLE = 3


class _Unreadable(Exception):
    """The pattern uses syntax the literal scanner does not model."""


def _atoms(pattern: str) -> Iterator[tuple[str, str]]:
    """The pattern as (kind, character): ``lit``, ``break``, ``quant``, ``open``, ``close``,
    ``alt``. Raises _Unreadable for escapes that are neither a class nor plain punctuation."""
    index = 0
    while index < len(pattern):
        char = pattern[index]
        index += 1
        if char == "\\":
            escaped = pattern[index : index + 1]
            index += 1
            if escaped in _CLASS_ESCAPES:
                yield "break", escaped
            elif not escaped or escaped.isalnum() or not escaped.isascii():
                raise _Unreadable(escaped)  # \\x41, \\p{..}, \\1 ...
            else:
                yield "lit", escaped
        elif char == "[":
            index = _after_class(pattern, index)
            yield "break", char
        elif char in "()":
            yield ("open" if char == "(" else "close"), char
        elif char == "|":
            yield "alt", char
        elif char in "?*+{":
            if char == "{":
                end = pattern.find("}", index)
                index = len(pattern) if end < 0 else end + 1
            yield "quant", char
        else:
            yield ("lit" if char in _PLAIN else "break"), char


def _after_class(pattern: str, index: int) -> int:
    """The index just past the character class whose ``[`` precedes ``index``."""
    if pattern[index : index + 1] == "^":
        index += 1
    if pattern[index : index + 1] == "]":
        index += 1
    while index < len(pattern) and pattern[index] != "]":
        index += 2 if pattern[index] == "\\" else 1
    return index + 1


def required_literal(pattern: str, *, flags: int = 0) -> str | None:
    """The longest ASCII literal every match of ``pattern`` contains, lowercased, or None.

    Only runs of plain characters outside any group or class count, so the answer is
    conservative: a pattern with a top-level ``|``, verbose mode or an escape this scanner
    does not model (``\\x41``, ``\\p{L}``, back-references) has no needle. A match of the
    pattern (compiled case-insensitively) then always contains the needle in the lowercased
    text, except for texts spelling it with Unicode look-alikes that case folding equates
    with ASCII letters (U+017F for "s", U+212A for "k").
    """
    if flags & regex.VERBOSE or "(?x" in pattern:
        return None
    runs: list[str] = []
    run: list[str] = []
    depth = 0
    try:
        for kind, char in _atoms(pattern):
            if kind == "lit" and depth == 0:
                run.append(char)
                continue
            if kind == "alt" and depth == 0:
                return None
            if kind == "quant" and run:
                run.pop()  # the quantified character may be absent or repeated
            depth += {"open": 1, "close": -1}.get(kind, 0)
            if run:
                runs.append("".join(run))
                run.clear()
    except _Unreadable:
        return None
    runs.append("".join(run))
    best = max(runs, key=len)
    return best.lower() if len(best) >= _MIN_NEEDLE else None


class RegexSource(Extractor, CompiledOnFirstUse):
    """A regex over the text; ``needle`` (see :func:`required_literal`) is checked first."""

    __slots__ = ("_compiled", "_untimed", "flags", "needle", "pattern")

    def __init__(
        self,
        compiled: regex.Pattern[str] | str,
        unit: str,
        *,
        only: bool = False,
        flags: int = regex.IGNORECASE,
    ) -> None:
        # A pattern given as text (a shipped file's, valid by test) compiles on its first search
        if isinstance(compiled, str):
            self._compiled: regex.Pattern[str] | None = None
            self.pattern, self.flags = compiled, flags
        else:
            self._compiled = compiled
            self.pattern, self.flags = compiled.pattern, compiled.flags
        self.needle = required_literal(self.pattern, flags=self.flags)
        self._untimed = -1  # proven on first use, as for a rule's regex
        self.unit = unit
        self.rate_limited_only = only


    def extract(self, probe: Probe) -> int | None:
        compiled = self.compiled
        text = probe.text
        limit = self._untimed
        if limit < 0:
            limit = self._untimed = untimed_for(compiled)
        try:
            # a text no longer than the proven bound cannot make it backtrack badly: the
            # timeout (2 us a search) is spared, as for a rule's regex (regex_safety)
            if len(text) <= limit:
                match = compiled.search(text)
            else:
                match = compiled.search(text, timeout=REGEX_TIMEOUT_S)
        except TimeoutError:
            logger.warning("retry_after regex %r timed out", self.pattern)
            return None
        if match is None:
            return None
        captured = match.group(1) if self.compiled.groups else match.group(0)
        return None if captured is None else parse_duration_ms(captured, unit=self.unit)

    def describe(self) -> str:
        return f"regex {self.pattern!r} ({self.unit}{self.only()})"


class JsonSource(Extractor):
    __slots__ = ("keys", "path", "segments")

    def __init__(self, path: str, unit: str, *, only: bool = False) -> None:
        self.path = path
        self.segments = tuple(path.split("."))
        # Object keys the path names must occur verbatim in the text for the path to resolve
        # (JSON keys are case-sensitive): checking that first spares parsing the body of
        # nearly every failure, which carries no such field.
        self.keys = tuple(
            segment for segment in self.segments if segment != "*" and not segment.isdigit()
        )
        self.unit = unit
        self.rate_limited_only = only

    def extract(self, probe: Probe) -> int | None:
        text = probe.text
        if not all(key in text for key in self.keys):
            return None
        document = probe.json()
        if document is None:
            return None
        for value in resolve_path(document, self.segments):
            if isinstance(value, bool):
                continue
            if isinstance(value, int | float | str):
                parsed = parse_duration_ms(str(value), unit=self.unit)
                if parsed is not None:
                    return parsed
        return None

    def describe(self) -> str:
        return f"json {self.path} ({self.unit}{self.only()})"
