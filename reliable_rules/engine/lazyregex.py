"""The ``regex`` package, imported on its first real use.

Importing ``regex`` costs a fresh process about 13 ms (its pure-Python parser module), more
than a tenth of ``import reliable_rules; load_rules()``; yet loading a built-in set compiles
no pattern (the shipped regexes compile on their first search) and most classifications
never run one. The engine and the loader therefore write ``from
reliable_rules.engine.lazyregex import regex`` and use it as the module: its flag constants
answer without the import (``tests/engine/test_lazyregex.py`` checks them against the
package), anything else imports ``regex`` then and is the package's own object.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing.TYPE_CHECKING would import typing for one constant
if TYPE_CHECKING:
    import regex
else:

    class _LazyRegex:
        """Stands for the ``regex`` module; imports it when asked for more than a flag."""

        # The flags as the package defines them (its RegexFlag members are these ints).
        A = ASCII = 128
        B = BESTMATCH = 4096
        D = DEBUG = 512
        E = ENHANCEMATCH = 32768
        F = FULLCASE = 16384
        I = IGNORECASE = 2  # noqa: E741 — the package's own name for the flag
        L = LOCALE = 4
        M = MULTILINE = 8
        P = POSIX = 65536
        R = REVERSE = 1024
        S = DOTALL = 16
        T = TEMPLATE = 1
        U = UNICODE = 32
        V0 = VERSION0 = 8192
        V1 = VERSION1 = 256
        W = WORD = 2048
        X = VERBOSE = 64

        def __getattr__(self, name: str) -> object:
            value = getattr(importlib.import_module("regex"), name)
            setattr(self, name, value)  # one import-and-lookup per name, then a plain attribute
            return value

    regex = _LazyRegex()



# One compiled object per (pattern, flags) in the process. ``regex`` keeps only 500 compiled
# patterns and builtin:default alone has about 1,900, so without this table every rule set
# of a process (builtin:default and a user's file extending it, a lint that builds each file
# of a directory, validate's own build beside it) compiled each shared regex again, at about
# 3 ms a pattern. A compiled pattern is immutable; errors are not kept (each caller reports
# its own). Bounded so that a process building many distinct sets does not grow without end.
_COMPILED: dict[tuple[str, int], regex.Pattern[str]] = {}
_COMPILED_MAX = 8192


def compiled_once(pattern: str, flags: int) -> regex.Pattern[str]:
    """``regex.compile(pattern, flags)``, one object per pattern and flags in the process."""
    key = (pattern, flags)
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = regex.compile(pattern, flags)
        if len(_COMPILED) < _COMPILED_MAX:
            _COMPILED[key] = compiled
    return compiled


class CompiledOnFirstUse:
    """A pattern held as ``pattern`` and ``flags``, compiled by ``regex`` on first use: the one
    lazy compilation behind rule regexes, Retry-After sources and JSON/header ``matches``
    tests (shipped files are valid by test, so loading them compiles nothing)."""

    __slots__ = ()
    _compiled: regex.Pattern[str] | None
    pattern: str
    flags: int

    @property
    def compiled(self) -> regex.Pattern[str]:
        """The compiled pattern (compiled now if it was deferred)."""
        compiled = self._compiled
        if compiled is None:
            # each subclass lists `_compiled` in its own __slots__: a mixin's non-empty slots
            # would clash with the slotted bases (Node, Extractor) it is mixed with
            compiled = self._compiled = compiled_once(self.pattern, self.flags)  # type: ignore[misc]
        return compiled


class DeferredPattern(CompiledOnFirstUse):
    """A pattern compiled on its first search: what a JSON/header ``matches`` test of a shipped
    file (valid by test) uses of ``regex.Pattern`` (``pattern``, ``flags``, ``search``)."""

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: regex.Pattern[str] | None = None

    def search(self, text: str, *args: object, **options: object) -> regex.Match[str] | None:
        """``regex.Pattern.search``, compiling the pattern the first time."""
        return self.compiled.search(text, *args, **options)  # type: ignore[arg-type]


__all__ = ["CompiledOnFirstUse", "DeferredPattern", "compiled_once", "regex"]
