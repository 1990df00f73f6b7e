"""Where the caches of the shipped rule sets live, and the rules every entry is held to.

Entries live under the user's cache directory (``$XDG_CACHE_HOME/reliable_rules`` or
``~/.cache/reliable_rules``; ``RELIABLE_RULES_CACHE_DIR`` moves it, ``RELIABLE_RULES_CACHE=0``
switches every cache off). An entry is read only from a directory and a file owned by the
current user that nobody else can write, never through a symlink (:func:`private`), and
written to a temporary file renamed into place in a directory created 0700 (:func:`store`).
Plain ``os.path`` strings: a warm load of a built-in set (statecache.py) imports no pathlib.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat

__all__ = ["CACHE_DIR_ENV", "CACHE_ENV", "base_dir", "private", "store"]

logger = logging.getLogger("reliable_rules")

CACHE_ENV = "RELIABLE_RULES_CACHE"
CACHE_DIR_ENV = "RELIABLE_RULES_CACHE_DIR"


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
    if stat.S_ISLNK(info.st_mode):
        return False
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def store(entry: str | os.PathLike[str], encoded: bytes) -> None:
    """Write ``encoded`` to ``entry`` (a temporary file renamed into place) in a private
    directory, created 0700; never raises."""
    directory = os.path.dirname(os.fspath(entry))
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        if not private(directory):
            return
        import tempfile  # noqa: PLC0415 — only when writing: a warm process never does

        handle, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(handle, "wb") as stream:
            stream.write(encoded)
        try:
            os.replace(temporary, entry)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    except OSError as error:
        logger.debug("reliable_rules: cache entry not written: %s", error)
