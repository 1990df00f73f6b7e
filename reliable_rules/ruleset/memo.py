"""What one call has loaded, so a file reached many times is read, parsed and built once.

``reliable-rules lint rules/`` lints each of a directory's files, and each file's ``extends``
brings its base files in again: the shipped directory's 43 files were parsed about 300 times
and built into rule sets 127 times. A :class:`LoadMemo` is made for one such call and dropped
with it (never a module-level cache: a long-lived process would keep serving a file that has
since changed). Every entry is keyed by the file's resolved path, the name problems give it and
a hash of exactly its bytes, and a built rule set is reused only while every file it was built
from still holds the bytes it was built from (read again and hashed at each reuse).
"""

from __future__ import annotations

import os
from pathlib import Path as FsPath
from typing import Any

from reliable_rules.errors import Problem
from reliable_rules.ruleset.access import _ALLOWED, read_rule_file
from reliable_rules.ruleset.model import RuleSet
from reliable_rules.ruleset.sourcemap import YamlDocument
from reliable_rules.ruleset.sources import _texts

__all__ = ["DocumentKey", "LoadMemo", "document_key"]

#: (resolved path, the name problems give the file, sha256 of its bytes).
DocumentKey = tuple[FsPath, str, bytes]
#: (resolved path of the top file, its name, the allowed paths, the current directory).
_SetKey = tuple[FsPath, str, tuple[FsPath, ...], str]


def document_key(path: FsPath, shown: str, raw: bytes) -> DocumentKey:
    """The key of the file at ``path``, named ``shown``, holding ``raw``."""
    # hashlib only here: layering imports this module on every cold load, which never hashes
    import hashlib  # noqa: PLC0415

    return (path, shown, hashlib.sha256(raw).digest())


def _current(path: FsPath, shown: str) -> bytes | None:
    """The bytes the loader would read for ``path`` now (None when unreadable)."""
    if shown in _texts:
        return _texts[shown]
    try:
        return read_rule_file(path)
    except OSError:
        return None


class LoadMemo:
    """Parses, schema checks and built rule sets of one call (see the module docstring).

    Parsed documents are shared by the rule sets built from them: neither the layering nor the
    compiler changes a document (the schema check marks a document's rejected parts once, and
    its problems are kept with it).
    """

    __slots__ = ("checked", "derived", "parsed", "rulesets")

    def __init__(self) -> None:
        #: A file's document (None when it does not parse) and its decode and parse problems.
        self.parsed: dict[DocumentKey, tuple[YamlDocument | None, tuple[Problem, ...]]] = {}
        #: A document's schema problems.
        self.checked: dict[DocumentKey, tuple[Problem, ...]] = {}
        #: A rule set loaded without problems, with the keys of every file it was built from.
        self.rulesets: dict[_SetKey, tuple[tuple[DocumentKey, ...], RuleSet]] = {}
        #: What a caller derives from one file's bytes alone, by (its name for it, the file's
        #: key): lint's findings of the file's matchers as written.
        self.derived: dict[tuple[str, DocumentKey], Any] = {}

    @staticmethod
    def _set_key(path: FsPath, shown: str, allow: tuple[FsPath, ...]) -> _SetKey:
        # What else a build depends on: the paths `extends` may reach (the call's and the
        # context's, as the CLI's --allow-path sets them) and the directory names are relative to
        return (path, shown, (*allow, *_ALLOWED.get()), os.getcwd())

    def ruleset(self, path: FsPath, shown: str, allow: tuple[FsPath, ...]) -> RuleSet | None:
        """The rule set built from the file ``path`` (as ``shown``), if no file of it changed."""
        entry = self.rulesets.get(self._set_key(path, shown, allow))
        if entry is None:
            return None
        keys, ruleset = entry
        for key in keys:
            raw = _current(key[0], key[1])
            if raw is None or document_key(key[0], key[1], raw) != key:
                return None
        return ruleset

    def keep(
        self,
        path: FsPath,
        shown: str,
        allow: tuple[FsPath, ...],
        keys: tuple[DocumentKey, ...],
        ruleset: RuleSet,
    ) -> None:
        """Remember ``ruleset``, built from the files ``keys``."""
        self.rulesets[self._set_key(path, shown, allow)] = (keys, ruleset)
