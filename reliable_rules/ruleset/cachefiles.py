"""Where the caches of the shipped rule sets live, and the rules every entry is held to.

Entries live under the user's cache directory (``$XDG_CACHE_HOME/reliable_rules`` or
``~/.cache/reliable_rules``; ``RELIABLE_RULES_CACHE_DIR`` moves it, ``RELIABLE_RULES_CACHE=0``
switches every cache off). An entry is read only from a directory and a file owned by the
current user that nobody else can write, never through a symlink (:func:`private`), and
written to a temporary file renamed into place in a directory created 0700 (:func:`store`).
Plain ``os.path`` strings: a warm load of a built-in set (statecache.py) imports no pathlib.

The caches bound themselves, on the write path only (a warm load never lists a directory):
a write keeps the ``keep`` most recently written entries of its group (the whole-set entries
of one set, or a directory's parsed files) and removes the rest, with temporary files a
crashed writer left over an hour ago; a directory created for a new version or new code
retires all but the :data:`DIRECTORIES_KEPT` most recently written directories of its kind
(``state-*``, ``parsed-*``) beside it. A few installations or Pythons sharing one cache keep
their entries; an installation whose directory was retired builds and writes it again once.
Only regular files and directories owned by this user that nobody else can write are
removed, never through a symlink.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat

__all__ = ["CACHE_DIR_ENV", "CACHE_ENV", "DIRECTORIES_KEPT", "base_dir", "private", "store"]

logger = logging.getLogger("reliable_rules")

CACHE_ENV = "RELIABLE_RULES_CACHE"
CACHE_DIR_ENV = "RELIABLE_RULES_CACHE_DIR"

#: Older cache directories of one kind kept beside a new one (a few versions or code states
#: in use at once; a checkout whose modules change would otherwise leave one per edit).
DIRECTORIES_KEPT = 3
#: A temporary file older than this was left by a writer that died before renaming it.
_STALE_TEMPORARY_S = 3600.0
_TEMPORARY = ".tmp"


def base_dir() -> str | None:
    """The caches' directory, or None when caching is off or unsupported."""
    if os.environ.get(CACHE_ENV, "1") == "0" or not hasattr(os, "getuid"):
        return None
    base = os.environ.get(CACHE_DIR_ENV)
    if base:
        return base
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = xdg if xdg else os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "reliable_rules")


def private(path: str | os.PathLike[str]) -> bool:
    """Owned by this user and writable by nobody else (a symlink does not count)."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return _private_stat(info)


def _private_stat(info: os.stat_result) -> bool:
    """:func:`private`'s test on a stat taken without following a symlink."""
    if stat.S_ISLNK(info.st_mode):
        return False
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def store(
    entry: str | os.PathLike[str], encoded: bytes, *, group: str = "", keep: int | None = None
) -> None:
    """Write ``encoded`` to ``entry`` (a temporary file renamed into place) in a private
    directory, created 0700; never raises.

    Args:
        entry: the entry's path.
        encoded: its bytes.
        group: the prefix of the names of the entries ``keep`` counts (all when empty).
        keep: how many entries of ``group`` the directory keeps, the most recently written
            (this one among them); None keeps all.
    """
    directory = os.path.dirname(os.fspath(entry))
    try:
        created = not os.path.isdir(directory)
        os.makedirs(directory, mode=0o700, exist_ok=True)
        if not private(directory):
            return
        import tempfile  # noqa: PLC0415 — only when writing: a warm process never does

        handle, temporary = tempfile.mkstemp(dir=directory, suffix=_TEMPORARY)
        with os.fdopen(handle, "wb") as stream:
            stream.write(encoded)
        try:
            os.replace(temporary, entry)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    except OSError as error:
        logger.debug("reliable_rules: cache entry not written: %s", error)
        return
    if keep is not None:
        _prune_entries(directory, group, keep)
    if created:
        _retire_directories(directory)


def _owned(entry: os.DirEntry[str]) -> os.stat_result | None:
    """The entry's stat when it is ours to remove (private, not a symlink), else None."""
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError:
        return None
    return info if _private_stat(info) else None


def _prune_entries(directory: str, group: str, keep: int) -> None:
    """Remove all but the ``keep`` newest regular files of ``group`` in ``directory``, and
    temporary files left behind; never raises."""
    import time  # noqa: PLC0415 — only when writing

    stale_before = time.time() - _STALE_TEMPORARY_S
    entries: list[tuple[int, str]] = []
    try:
        with os.scandir(directory) as listing:
            for item in listing:
                info = _owned(item)
                if info is None or not stat.S_ISREG(info.st_mode):
                    continue
                if item.name.endswith(_TEMPORARY):
                    if info.st_mtime < stale_before:
                        _remove(item.path)
                elif item.name.startswith(group):
                    entries.append((info.st_mtime_ns, item.path))
    except OSError as error:
        logger.debug("reliable_rules: cache directory not pruned: %s", error)
        return
    entries.sort(reverse=True)
    for _, path in entries[keep:]:
        _remove(path)


def _retire_directories(directory: str) -> None:
    """Beside the new ``directory``, remove all but the :data:`DIRECTORIES_KEPT` newest
    directories of its kind (the name up to its first ``-``); never raises."""
    base, name = os.path.split(directory)
    kind = name.split("-", 1)[0] + "-"
    if kind == "-" or not private(base):
        return
    older: list[tuple[int, str]] = []
    try:
        with os.scandir(base) as listing:
            for item in listing:
                if item.name == name or not item.name.startswith(kind):
                    continue
                info = _owned(item)
                if info is not None and stat.S_ISDIR(info.st_mode):
                    older.append((info.st_mtime_ns, item.path))
    except OSError as error:
        logger.debug("reliable_rules: cache directories not pruned: %s", error)
        return
    older.sort(reverse=True)
    if len(older) <= DIRECTORIES_KEPT:
        return
    import shutil  # noqa: PLC0415 — only when a new cache directory was made

    for _, path in older[DIRECTORIES_KEPT:]:
        logger.debug("reliable_rules: retiring cache directory %s", path)
        shutil.rmtree(path, ignore_errors=True)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError as error:
        logger.debug("reliable_rules: cache entry not removed: %s", error)
