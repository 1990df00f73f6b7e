"""A cache of the shipped rule files, parsed: a fresh process skips PyYAML and the parse.

Parsing builtin:default's files with positions is most of loading it, and they only change
with the package. Each parsed file (data and positions) is stored under the user's cache
directory, keyed by the package version (plus the size and mtime of the modules whose output is
cached, for editable installs) and the CRC-32 and length of the bytes, so an entry is never used
for other bytes, other code or across versions. Alongside, the literal gates of the file's
regexes (regex_literals.gates_of, a parse of each pattern) are stored.

Trust: the entries are ``marshal`` data (plain containers, strings and numbers; loading runs no
code, unlike pickle), read only from a directory and files owned by the current user and
writable by nobody else (a shared or planted cache is ignored), and an entry that does not
decode to exactly the expected shapes is ignored. Writes go to a temporary file renamed into
place. ``RELIABLE_RULES_CACHE=0`` switches the cache off;
``RELIABLE_RULES_CACHE_DIR`` moves it. Only files reached as ``builtin:NAME`` are cached.
"""

from __future__ import annotations

import functools
import logging
import marshal
import os
import zlib
from collections.abc import ItemsView, Iterator, KeysView, ValuesView
from pathlib import Path as FsPath
from typing import Any

from reliable_rules._version import __version__
from reliable_rules.engine import _word_shares, rarity, regex_literals
from reliable_rules.ruleset.cachefiles import CACHE_DIR_ENV, CACHE_ENV, base_dir, private, store
from reliable_rules.ruleset.sourcemap import Path, SourceMap, YamlDocument

__all__ = [
    "CACHE_DIR_ENV",
    "CACHE_ENV",
    "ENTRIES_KEPT",
    "cache_dir",
    "private",
    "read",
    "store",
    "write",
]

logger = logging.getLogger("reliable_rules")

_FORMAT = 3


@functools.cache
def _fingerprint() -> str:
    """The version, and the size and mtime of the modules whose output the cache holds (as
    this process imported them: once per process)."""
    parts = [__version__, str(_FORMAT)]
    for module in (
        yamlpos_file(), regex_literals.__file__, rarity.__file__, _word_shares.__file__, __file__
    ):
        try:
            info = os.stat(module)
        except (OSError, TypeError):
            parts.append("?")
            continue
        parts.append(f"{info.st_size}:{info.st_mtime_ns}")
    return f"{zlib.crc32('|'.join(parts).encode()):08x}"


def yamlpos_file() -> str:
    """yamlpos.py's path (not imported: that would import PyYAML)."""
    return os.path.join(os.path.dirname(__file__), "yamlpos.py")


#: Parsed files and compiled code a cache directory keeps, the most recently written: every
#: edit of a user's rule file writes a new entry, and the shipped sets need about seventy.
ENTRIES_KEPT = 512


def cache_dir() -> FsPath | None:
    """This version's cache directory, or None when caching is off or unsupported."""
    base = base_dir()
    if base is None:
        return None
    return FsPath(base) / f"parsed-{__version__}-{_fingerprint()}"


def _entry(raw: bytes) -> FsPath | None:
    directory = cache_dir()
    if directory is None:
        return None
    # CRC-32 and length name the bytes (zlib is cheap to import, hashlib is not); the
    # ownership checks, not the name, are what keep a planted entry out
    return directory / f"{zlib.crc32(raw):08x}-{len(raw)}.marshal"


_Gates = regex_literals.Gates


def _regexes(data: Any) -> set[str]:
    """Every string under a ``regex`` key of a document."""
    found: set[str] = set()
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "regex" and isinstance(item, str):
                    found.add(item)
                else:
                    stack.append(item)
        elif isinstance(value, list):
            stack.extend(value)
    return found


def _positions(table: Any) -> dict[tuple[Any, ...], tuple[int, int]]:
    if not isinstance(table, dict):
        raise TypeError("bad positions")
    # Checked with map/set (in C): the tables are most of an entry and are read on every load.
    # marshal only builds exact types, so ``type(...) is tuple`` is isinstance here.
    wheres = table.values()
    if not (
        set(map(type, table)) <= {tuple}
        and set(map(type, wheres)) <= {tuple}
        and set(map(len, wheres)) <= {2}
    ):
        raise TypeError("bad position")
    return table


def _gates(table: Any) -> dict[str, _Gates]:
    if not isinstance(table, dict):
        raise TypeError("bad gates")
    for pattern, gates in table.items():
        if not isinstance(pattern, str) or not isinstance(gates, tuple) or len(gates) != 3:
            raise TypeError("bad gates")
        bounds = gates[2]
        if not isinstance(bounds, tuple) or not all(
            isinstance(pair, tuple)
            and len(pair) == 2
            and isinstance(pair[0], str)
            and type(pair[1]) is int
            for pair in bounds
        ):
            raise TypeError("bad gates")
        for group in gates[:2]:
            if not isinstance(group, tuple) or not all(
                isinstance(need, frozenset) and all(isinstance(s, str) for s in need)
                for need in group
            ):
                raise TypeError("bad gates")
    return table


def _eager(path: Path) -> bool:
    """Whether loading a rule set asks for this position: a rule's, its id's, its tests'
    (and anything as shallow). The rest (every phrase of a vocabulary list: nine in ten
    positions) is only asked for by a problem or a lint finding."""
    return len(path) <= 3 or (len(path) == 4 and path[0] == "rules" and path[2] == "tests")


class _LazyPositions(dict[Path, tuple[int, int]]):
    """A position table whose rarely used part is decoded on the first question it answers.

    Holds the eager positions; ``_rest`` is the ``marshal`` bytes of the others (checked by
    CRC-32 when the entry was read, from a table checked when it was written). A lookup that
    misses, or any other use of the table as a whole, decodes them first: every answer is the
    full table's.
    """

    __slots__ = ("_rest",)

    def __init__(self, eager: dict[Path, tuple[int, int]], rest: bytes) -> None:
        super().__init__(eager)
        self._rest: bytes | None = rest

    def _complete(self) -> None:
        rest, self._rest = self._rest, None
        if rest is not None:
            super().update(marshal.loads(rest))

    def get(self, key: Path, default: Any = None) -> Any:
        found = super().get(key)
        if found is None and self._rest is not None:
            self._complete()
            found = super().get(key)
        return default if found is None else found

    def __contains__(self, key: object) -> bool:
        if super().__contains__(key):
            return True
        self._complete()
        return super().__contains__(key)

    def __getitem__(self, key: Path) -> tuple[int, int]:
        if not super().__contains__(key):
            self._complete()
        return super().__getitem__(key)

    def __iter__(self) -> Iterator[Path]:
        self._complete()
        return super().__iter__()

    def __len__(self) -> int:
        self._complete()
        return super().__len__()

    def __eq__(self, other: object) -> bool:
        self._complete()
        if isinstance(other, _LazyPositions):
            other._complete()
        return dict.__eq__(self, other) is True

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # unhashable, as every dict

    def __repr__(self) -> str:
        self._complete()
        return super().__repr__()

    def keys(self) -> KeysView[Path]:  # type: ignore[override]  # the same view, completed
        self._complete()
        return super().keys()

    def values(self) -> ValuesView[tuple[int, int]]:  # type: ignore[override]  # as keys()
        self._complete()
        return super().values()

    def items(self) -> ItemsView[Path, tuple[int, int]]:  # type: ignore[override]  # as keys()
        self._complete()
        return super().items()

    def copy(self) -> dict[Path, tuple[int, int]]:
        self._complete()
        return dict(super().items())


def _split(table: dict[Path, tuple[int, int]]) -> tuple[dict[Path, tuple[int, int]], bytes, int]:
    """The eager positions, the others as ``marshal`` bytes, and those bytes' CRC-32."""
    eager = {path: where for path, where in table.items() if _eager(path)}
    rest = marshal.dumps({path: where for path, where in table.items() if not _eager(path)})
    return eager, rest, zlib.crc32(rest)


def _encode(document: YamlDocument) -> bytes:
    source = document.source
    gates = {pattern: regex_literals.gates_of(pattern) for pattern in _regexes(document.data)}
    payload = (_FORMAT, document.data, _split(source.values), _split(source.keys), gates)
    return marshal.dumps(payload)


def _lazy(part: Any) -> _LazyPositions:
    if not isinstance(part, tuple) or len(part) != 3:
        raise TypeError("bad positions")
    eager, rest, crc = part
    if type(rest) is not bytes or zlib.crc32(rest) != crc:
        raise ValueError("damaged positions")
    return _LazyPositions(_positions(eager), rest)


def _decode(raw: bytes, file: str) -> tuple[YamlDocument, dict[str, _Gates]]:
    payload = marshal.loads(raw)
    if not isinstance(payload, tuple) or len(payload) != 5 or payload[0] != _FORMAT:
        raise ValueError("not a cache entry")
    _, data, values, keys, gates = payload
    source = SourceMap(file, values=_lazy(values), keys=_lazy(keys))
    return YamlDocument(data, source), _gates(gates)


def read(raw: bytes, file: str) -> YamlDocument | None:
    """The cached parse of ``raw`` (positions named ``file``), or None.

    The regex gates stored with it are handed to ``regex_literals`` (no pattern parse).
    """
    entry = _entry(raw)
    if entry is None or not private(entry.parent) or not private(entry):
        return None
    try:
        document, gates = _decode(entry.read_bytes(), file)
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return None
    regex_literals.remember_gates(gates)
    return document


def write(raw: bytes, document: YamlDocument) -> None:
    """Store the parse of ``raw``, when it survives ``marshal`` exactly; never raises."""
    source = document.source
    if source.rejected or source.unreadable:
        return
    entry = _entry(raw)
    if entry is None:
        return
    try:
        encoded = _encode(document)
        restored, _ = _decode(encoded, source.file)
        if restored.data != document.data or restored.source != source:
            return  # not plain containers and scalars: parsed each time instead
    except (OSError, ValueError, TypeError, RecursionError, EOFError) as error:
        logger.debug("reliable_rules: parsed rule file not cached: %s", error)
        return
    store(entry, encoded, keep=ENTRIES_KEPT)
