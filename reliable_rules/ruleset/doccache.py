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

import contextlib
import functools
import logging
import marshal
import os
import stat
import zlib
from pathlib import Path as FsPath
from typing import Any

from reliable_rules._version import __version__
from reliable_rules.engine import regex_literals
from reliable_rules.ruleset.sourcemap import SourceMap, YamlDocument

__all__ = ["CACHE_DIR_ENV", "CACHE_ENV", "cache_dir", "private", "read", "store", "write"]

logger = logging.getLogger("reliable_rules")

CACHE_ENV = "RELIABLE_RULES_CACHE"
CACHE_DIR_ENV = "RELIABLE_RULES_CACHE_DIR"
_FORMAT = 1


@functools.cache
def _fingerprint() -> str:
    """The version, and the size and mtime of the modules whose output the cache holds (as
    this process imported them: once per process)."""
    parts = [__version__, str(_FORMAT)]
    for module in (yamlpos_file(), regex_literals.__file__, __file__):
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


def cache_dir() -> FsPath | None:
    """This version's cache directory, or None when caching is off or unsupported."""
    if os.environ.get(CACHE_ENV, "1") == "0" or not hasattr(os, "getuid"):
        return None
    base = os.environ.get(CACHE_DIR_ENV)
    if not base:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = xdg if xdg else os.path.join(os.path.expanduser("~"), ".cache")
        base = os.path.join(base, "reliable_rules")
    return FsPath(base) / f"parsed-{__version__}-{_fingerprint()}"


def private(path: FsPath) -> bool:
    """Owned by this user and writable by nobody else (a symlink does not count)."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    if stat.S_ISLNK(info.st_mode):
        return False
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _entry(raw: bytes) -> FsPath | None:
    directory = cache_dir()
    if directory is None:
        return None
    # CRC-32 and length name the bytes (zlib is cheap to import, hashlib is not); the
    # ownership checks, not the name, are what keep a planted entry out
    return directory / f"{zlib.crc32(raw):08x}-{len(raw)}.marshal"


_Gates = tuple[tuple[frozenset[str], ...], tuple[frozenset[str], ...]]


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
        if not isinstance(pattern, str) or not isinstance(gates, tuple) or len(gates) != 2:
            raise TypeError("bad gates")
        for group in gates:
            if not isinstance(group, tuple) or not all(
                isinstance(need, frozenset) and all(isinstance(s, str) for s in need)
                for need in group
            ):
                raise TypeError("bad gates")
    return table


def _encode(document: YamlDocument) -> bytes:
    source = document.source
    gates = {pattern: regex_literals.gates_of(pattern) for pattern in _regexes(document.data)}
    payload = (_FORMAT, document.data, source.values, source.keys, gates)
    return marshal.dumps(payload)


def _decode(raw: bytes, file: str) -> tuple[YamlDocument, dict[str, _Gates]]:
    payload = marshal.loads(raw)
    if not isinstance(payload, tuple) or len(payload) != 5 or payload[0] != _FORMAT:
        raise ValueError("not a cache entry")
    _, data, values, keys, gates = payload
    source = SourceMap(file, values=_positions(values), keys=_positions(keys))
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
    store(entry, encoded)


def store(entry: FsPath, encoded: bytes) -> None:
    """Write ``encoded`` to ``entry`` (a temporary file renamed into place) in a private
    directory, created 0700; never raises."""
    try:
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not private(entry.parent):
            return
        import tempfile  # noqa: PLC0415 — only when writing: a warm process never does

        handle, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as stream:
            stream.write(encoded)
        try:
            os.replace(temporary, entry)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    except OSError as error:
        logger.debug("reliable_rules: cache entry not written: %s", error)
