"""Small text helpers shared by messages across the package (internal)."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["closest", "plural"]


def closest(name: str, candidates: Iterable[object]) -> str:
    """`` (did you mean 'x'?)`` for the nearest candidate, or an empty string."""
    names = [str(candidate) for candidate in candidates]
    import difflib  # noqa: PLC0415 — only when a name is misspelt: not on every import

    match = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 file``, ``2 files``: the count and the noun, plural unless the count is 1 (``many``
    for an irregular plural: ``plural(2, "miss", "misses")``)."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"
