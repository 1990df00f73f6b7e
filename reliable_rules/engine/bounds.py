"""Literal gates with word boundaries: a scan hit inside a word does not make a rule a candidate.

A regex such as ``\\bstream\\b`` needs "stream", and the classifier's literal scan finds
"stream" inside "upstream" too: the rule was tried, its regex searched, and the search found
nothing. Where every match of a regex (or a ``near:`` term) proves that a needed literal has
no ASCII word character beside it (``regex_literals.boundaries``), its gate key is *bounded*
(``nodes.bounded_key``). On a long text (``classifier.BOUNDED_TEXT``) :class:`BoundChecks`
adds such a key's bits only when one ``re`` search of the literal (in C) finds an occurrence
with the proven neighbours; on shorter texts the key counts as its literal (the checks cost
more than the searches they spare there: see ``classifier.BOUNDED_TEXT``).

Exact: a bounded key holds wherever a match exists (its bits are proven of the occurrence
every match holds, and the check accepts any neighbour it cannot judge: a non-ASCII one, the
edge of the text). Where ``gates_hold`` is false the regex gates step aside anyway (the
classifier's ``_ascii_gated`` bits hold every entry with a bounded key). Every scan (pure
Python or accelerated) reports the same literals, so both paths see the same bits and run the
same checks on the same text.
"""


from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from reliable_rules.engine.regex_literals import LEFT, LEFT_ALNUM, RIGHT

__all__ = ["BoundChecks", "bound_pattern"]


def bound_pattern(literal: str, bits: int) -> str:
    """A ``re`` pattern matching an occurrence of ``literal`` in a lowercased text whose
    neighbours are as ``bits`` says: no ``[a-z0-9_]`` before it (:data:`LEFT`), no
    ``[a-z0-9]`` before it (:data:`LEFT_ALNUM`), no ``[a-z0-9_]`` after it (:data:`RIGHT`).
    The literal comes first, so ``re`` finds its occurrences by its fast literal search;
    the look-behind then tests the character before it."""
    body = re.escape(literal)
    pattern = body
    if bits & LEFT:
        pattern += f"(?<![a-z0-9_]{body})"
    elif bits & LEFT_ALNUM:
        pattern += f"(?<![a-z0-9]{body})"
    if bits & RIGHT:
        pattern += "(?![a-z0-9_])"
    return pattern


class BoundChecks:
    """A long text's scan bits with each bounded key counted only where it holds.

    The literal table gives a bounded key's entries to its literal as a plain key would
    (short texts: the checks cost more than the searches they spare, see
    ``classifier.BOUNDED_TEXT``). For a long text, :meth:`combined` ORs each literal's
    entry without them (``plain``), then adds each bounded key's bits when one ``re`` search
    (compiled at its first use) finds an occurrence with the neighbours it needs.
    """

    __slots__ = ("_compiled", "_plain", "_variants")

    def __init__(
        self, plain: dict[str, int], variants: dict[str, tuple[tuple[str, int], ...]]
    ) -> None:
        self._plain = plain
        self._variants = variants
        self._compiled: dict[str, Any] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self._plain, self._variants)

    def combined(self, found: Iterable[str], table: Mapping[str, int], lower: str) -> int:
        """The OR of the table entries of the literals ``found`` in ``lower`` (the text as
        scanned), a bounded key's bits counted only where an occurrence of its literal has
        its neighbours."""
        plain = self._plain
        variants = self._variants
        combined = 0
        bounded = []
        for literal in found:
            if literal in variants:
                combined |= plain[literal]
                bounded.append(literal)
            else:
                combined |= table.get(literal, 0)
        if not bounded:
            return combined
        compiled = self._compiled
        for literal in bounded:
            for pattern, adds in variants[literal]:
                if not adds & ~combined:
                    continue  # present already (another key of the same entries)
                search = compiled.get(pattern)
                if search is None:
                    search = compiled[pattern] = re.compile(pattern).search
                if search(lower) is not None:
                    combined |= adds
        return combined

    @classmethod
    def build(
        cls, table: dict[str, int], bounded: Mapping[tuple[str, int], int]
    ) -> BoundChecks | None:
        """The checks of the bounded keys ``bounded`` ((literal, bits) -> the table bits that
        key gives), whose bits are added to ``table`` as its literal's; None when none."""
        if not bounded:
            return None
        plain: dict[str, int] = {}
        variants: dict[str, list[tuple[str, int]]] = {}
        for (literal, bits), adds in sorted(bounded.items()):
            plain.setdefault(literal, table.get(literal, 0))
            variants.setdefault(literal, []).append((bound_pattern(literal, bits), adds))
        for literal, pairs in variants.items():
            for _pattern, adds in pairs:
                table[literal] = table.get(literal, 0) | adds
        return cls(plain, {literal: tuple(pairs) for literal, pairs in variants.items()})
