"""The literal scan as one RE2 set (extra ``fast``): every literal of a rule set found in one
pass of a DFA.

``pyahocorasick`` walks its trie in C but pays per character for the node look-ups and per
occurrence for a Python tuple; on builtin:default's ~3,100 literals an RE2 set of the same
literals took about two thirds of its time per corpus record (callgrind: 29,000 against 45,000
instructions per record, the set built up from the literals found included).

The answer is exactly the same set of literals, by construction:

* each literal is added in RE2's *literal* mode (no syntax: its bytes, matched as they are),
  and both the literals and the text are UTF-8 bytes (lone surrogates passed through) read as
  Latin-1, so a literal matches exactly where its bytes occur, which (UTF-8 being
  self-synchronising) is exactly where its characters occur in the text;
* an unanchored set reports every pattern that matches anywhere, overlapping ones included;
* RE2 answers "nothing" when its DFA runs out of memory: the empty literal (index 0, found in
  every text) tells that apart, and then the text is scanned by the fallback (Aho-Corasick or
  the trie), built on first need. A set that keeps giving up is replaced by the fallback.

As for the other scans, literals that start with a non-ASCII character form a second set,
searched only in texts that are not pure ASCII (most error texts are).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["MAX_FAILURES", "Re2LiteralScan"]

#: After this many texts RE2 gave up on, the fallback scans every text.
MAX_FAILURES = 8
_MAX_MEM = 64 << 20

Scan = Callable[[str], set[str]]


def _match(module: Any, literals: list[str]) -> Any:
    """``Match`` of an RE2 set of the empty literal and ``literals`` (indices 0, 1, ...)."""
    options = module.Options()
    options.literal = True
    options.encoding = module.Options.Encoding.LATIN1
    options.max_mem = _MAX_MEM
    options.log_errors = False
    regex_set = module._re2.Set(module._re2.RE2.Anchor.UNANCHORED, options)
    for index, literal in enumerate(["", *literals]):
        if regex_set.Add(literal.encode("utf-8", "surrogatepass")) != index:
            raise ValueError("RE2 refused a literal")
    if not regex_set.Compile():
        raise ValueError("RE2 refused the set")
    return regex_set.Match


class Re2LiteralScan:
    """Every literal present in a lowercased text, as the other scans report it.

    ``fallback`` builds the scan used for a text RE2 gives up on (called at most once).
    Raises ``ValueError`` when RE2 refuses to build the set (the caller then uses the
    fallback alone).
    """

    __slots__ = ("_build_fallback", "_failures", "_fallback", "_narrow", "_wide")

    def __init__(self, literals: Iterable[str], module: Any, fallback: Callable[[], Scan]) -> None:
        unique = sorted({literal for literal in literals if literal})
        narrow = [literal for literal in unique if literal[0].isascii()]
        wide = [literal for literal in unique if not literal[0].isascii()]
        self._narrow = (_match(module, narrow), ("", *narrow))
        self._wide = (_match(module, wide), ("", *wide)) if wide else None
        self._build_fallback = fallback
        self._fallback: Scan | None = None
        self._failures = 0

    def __call__(self, lower: str) -> set[str]:
        if self._failures >= MAX_FAILURES:
            return self._give_up(lower)
        if lower.isascii():
            match, literals = self._narrow
            indices = match(lower.encode("ascii"))
            if not indices:  # not even the empty literal: RE2 gave up
                return self._give_up(lower)
            found = set(map(literals.__getitem__, indices))
        else:
            data = lower.encode("utf-8", "surrogatepass")
            match, literals = self._narrow
            indices = match(data)
            if not indices:
                return self._give_up(lower)
            found = set(map(literals.__getitem__, indices))
            if self._wide is not None:
                match, literals = self._wide
                indices = match(data)
                if not indices:
                    return self._give_up(lower)
                found.update(map(literals.__getitem__, indices))
        found.discard("")
        return found

    def _give_up(self, lower: str) -> set[str]:
        """The fallback's answer for a text RE2 did not scan."""
        self._failures += 1
        fallback = self._fallback
        if fallback is None:
            fallback = self._fallback = self._build_fallback()
        return fallback(lower)
