"""A cache of the shipped rule files, parsed: a fresh process skips PyYAML and the parse.

Parsing builtin:default's files with positions is most of loading it, and they only change
with the package. Each parsed file (data and positions) is stored as JSON under the user's
cache directory, keyed by the package version and the SHA-256 of the file's bytes, so a cache
entry is never used for other bytes or across versions.

Trust: JSON only (reading it runs no code); entries are read only from a directory and files
owned by the current user and writable by nobody else (a shared or planted cache is ignored),
and an entry that does not decode to exactly the expected shapes is ignored. Writes go to a
temporary file renamed into place. ``RELIABLE_RULES_CACHE=0`` switches the cache off;
``RELIABLE_RULES_CACHE_DIR`` moves it. Only files reached as ``builtin:NAME`` are cached.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import stat
import tempfile
from pathlib import Path as FsPath
from typing import Any

from reliable_rules._version import __version__
from reliable_rules.ruleset.sourcemap import SourceMap, YamlDocument

__all__ = ["CACHE_DIR_ENV", "CACHE_ENV", "cache_dir", "read", "write"]

logger = logging.getLogger("reliable_rules")

CACHE_ENV = "RELIABLE_RULES_CACHE"
CACHE_DIR_ENV = "RELIABLE_RULES_CACHE_DIR"
_FORMAT = 1


def cache_dir() -> FsPath | None:
    """This version's cache directory, or None when caching is off or unsupported."""
    if os.environ.get(CACHE_ENV, "1") == "0" or not hasattr(os, "getuid"):
        return None
    base = os.environ.get(CACHE_DIR_ENV)
    if not base:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = xdg if xdg else os.path.join(os.path.expanduser("~"), ".cache")
        base = os.path.join(base, "reliable_rules")
    return FsPath(base) / f"parsed-{__version__}-v{_FORMAT}"


def _private(path: FsPath) -> bool:
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
    return directory / f"{hashlib.sha256(raw).hexdigest()}.json"


def _positions(rows: Any) -> dict[tuple[Any, ...], tuple[int, int]]:
    table: dict[tuple[Any, ...], tuple[int, int]] = {}
    for path, line, column in rows:
        if not isinstance(path, list) or type(line) is not int or type(column) is not int:
            raise ValueError("bad position")
        table[tuple(path)] = (line, column)
    return table


def _encode(document: YamlDocument) -> dict[str, Any]:
    source = document.source
    return {
        "format": _FORMAT,
        "data": document.data,
        "values": [[list(path), *where] for path, where in source.values.items()],
        "keys": [[list(path), *where] for path, where in source.keys.items()],
    }


def _decode(payload: Any, file: str) -> YamlDocument:
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
        raise ValueError("not a cache entry")
    source = SourceMap(
        file, values=_positions(payload["values"]), keys=_positions(payload["keys"])
    )
    return YamlDocument(payload["data"], source)


def read(raw: bytes, file: str) -> YamlDocument | None:
    """The cached parse of ``raw`` (positions named ``file``), or None."""
    entry = _entry(raw)
    if entry is None or not _private(entry.parent) or not _private(entry):
        return None
    try:
        return _decode(json.loads(entry.read_bytes()), file)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write(raw: bytes, document: YamlDocument) -> None:
    """Store the parse of ``raw``, when it survives JSON exactly; never raises."""
    source = document.source
    if source.rejected or source.unreadable:
        return
    entry = _entry(raw)
    if entry is None:
        return
    try:
        payload = _encode(document)
        text = json.dumps(payload, ensure_ascii=False, allow_nan=False)
        restored = _decode(json.loads(text), source.file)
        if restored.data != document.data or restored.source != source:
            return  # dates, non-string keys: not JSON's shapes, parsed each time instead
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(entry.parent):
            return
        handle, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        try:
            os.replace(temporary, entry)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    except (OSError, ValueError, TypeError, RecursionError) as error:
        logger.debug("reliable_rules: parsed rule file not cached: %s", error)
