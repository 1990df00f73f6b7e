"""What a rule set may read: ``extends`` confinement and the record of what was read.

A rule file's ``extends`` may read only inside the folder of the file being loaded, the
shipped rules, and the paths the caller allows (``load_rules(..., allow_paths=...)``, the
CLI's ``--allow-path`` through :func:`allowed_paths`). :func:`recording_reads` notes what each
rule file held when it was read, for :class:`~reliable_rules.reloading.ReloadingRuleSet`.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterable, Iterator
from pathlib import Path as FsPath

from reliable_rules.ruleset.resources import resolved_rules_dir

__all__ = ["allowed_paths", "extends_permitted", "read_rule_file", "recording_reads"]


#: Folders ``extends`` may reach outside a rule set's own folder, for the current context
#: (the CLI's ``--allow-path``; see :func:`allowed_paths`).
_ALLOWED: contextvars.ContextVar[tuple[FsPath, ...]] = contextvars.ContextVar(
    "reliable_rules_allowed_paths", default=()
)


#: When set (by :func:`recording_reads`), every rule file the loader reads is noted here:
#: its resolved path -> (its ``os.fstat`` when read, the sha256 of the bytes read).
_READS: contextvars.ContextVar[dict[str, tuple[os.stat_result, str]] | None] = (
    contextvars.ContextVar("reliable_rules_reads", default=None)
)


@contextlib.contextmanager
def recording_reads() -> Iterator[dict[str, tuple[os.stat_result, str]]]:
    """Note what every rule file loaded within the block was when it was read (its stat and
    the hash of exactly the bytes parsed): a reloader compares later versions with what it
    serves, not with what it hashed before loading."""
    reads: dict[str, tuple[os.stat_result, str]] = {}
    token = _READS.set(reads)
    try:
        yield reads
    finally:
        _READS.reset(token)


def read_rule_file(path: FsPath) -> bytes:
    """The bytes of a rule file (noted for :func:`recording_reads` when it is on)."""
    reads = _READS.get()
    if reads is None:
        return path.read_bytes()
    with path.open("rb") as handle:
        status = os.fstat(handle.fileno())
        raw = handle.read()
    import hashlib  # noqa: PLC0415 — only a reloader records reads: a plain load never hashes

    reads[str(path)] = (status, hashlib.sha256(raw).hexdigest())
    return raw


@contextlib.contextmanager
def allowed_paths(paths: Iterable[str | os.PathLike[str]]) -> Iterator[None]:
    """Within the block, ``extends`` may also reach into ``paths`` (folders or files)."""
    token = _ALLOWED.set(
        (*_ALLOWED.get(), *(FsPath(p).expanduser().resolve() for p in paths))
    )
    try:
        yield
    finally:
        _ALLOWED.reset(token)


def extends_permitted(target: FsPath, home: FsPath, allow: Iterable[FsPath] = ()) -> bool:
    """Whether a base at ``target`` (resolved) may be read by a rule set whose folder is
    ``home``: inside it, inside an allowed path, or a shipped rule file."""
    roots = (home.resolve(), resolved_rules_dir(), *_ALLOWED.get(), *allow)
    return any(target == root or target.is_relative_to(root) for root in roots)
