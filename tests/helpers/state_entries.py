"""Whole-set entries (``ruleset/statecache.py``) written for a test from a set built earlier."""

from __future__ import annotations

from pathlib import Path

import reliable_rules
from reliable_rules.ruleset import statecache


def entry_path(reference: str) -> tuple[Path, str]:
    """Where the entry of ``reference`` lives under this process's key, and that key."""
    keyed = statecache._key(reference)
    folder = statecache.directory()
    assert keyed is not None
    assert folder is not None
    return Path(folder, keyed[0]), keyed[1]


def write_entry(reference: str, ruleset: reliable_rules.RuleSet) -> Path:
    """``ruleset`` stored as the entry of ``reference``, as ``load_rules`` stores a set it has
    just built (``statecache.save``, under this process's key), and the entry's path.

    ``ruleset`` must never have classified anything: a used set holds RE2 objects that cannot
    be pickled, and ``save`` then writes nothing (asserted here)."""
    entry, _ = entry_path(reference)
    assert not entry.exists()
    statecache.save(reference, ruleset)
    assert entry.is_file(), f"{reference}: no entry written (was the set used?)"
    return entry
