"""Small text helpers shared by messages across the package (internal)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

__all__ = [
    "GENERIC_EXCEPTIONS",
    "closest",
    "error_fingerprint",
    "fingerprint",
    "plural",
    "stable_text",
]


def closest(name: str, candidates: Iterable[object]) -> str:
    """`` (did you mean 'x'?)`` for the nearest candidate, or an empty string."""
    names = [str(candidate) for candidate in candidates]
    import difflib  # noqa: PLC0415 — only a message with a problem needs it: keeps loading cheap

    match = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``1 file``, ``2 files``: the count and the noun, plural unless the count is 1 (``many``
    for an irregular plural: ``plural(2, "miss", "misses")``)."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Compiled on first use: importing the package (every fresh process) needs none of them."""
    # What varies between two occurrences of the same error: request and trace ids,
    # timestamps, counts and sizes. Whole ids and dates are replaced first, bare numbers last.
    uuid = re.compile(r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
    # ISO dates and times (2026-12-03T06:31:43.123Z, 2026-12-03 06:31:43+00:00), clock times
    datetime = re.compile(
        r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b"
        r"|\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"
    )
    number = re.compile(r"\d+(?:[.,]\d+)*")
    # A candidate id: 8+ letters, digits, '_' and '-' holding a digit.
    token = re.compile(r"(?<![\w-])(?=[\w-]*\d)[A-Za-z0-9][\w-]{7,}(?![\w-])")
    return uuid, datetime, number, token


def _id_or_token(match: re.Match[str]) -> str:
    # An id mixes cases (req_011CSHo7b5, chatcmpl-9XyZ12ab) or holds 4+ digits (hex runs,
    # dated model names); a code such as ACME_QUOTA_7 or gpt-4o-mini is kept.
    token = match.group()
    if token.isdigit():
        return token  # a plain number: <n> below, whatever its length
    digits = sum(char.isdigit() for char in token)
    mixed = any(c.islower() for c in token) and any(c.isupper() for c in token)
    return "<id>" if mixed or digits >= 4 else token


def stable_text(text: str) -> str:
    """``text`` with what varies between occurrences of one error (ids, timestamps, numbers)
    replaced by ``<id>``, ``<time>`` and ``<n>``, and white space folded."""
    uuid, datetime, number, token = _patterns()
    text = uuid.sub("<id>", text)
    text = datetime.sub("<time>", text)
    text = token.sub(_id_or_token, text)
    text = number.sub("<n>", text)
    return " ".join(text.split())


def fingerprint(*parts: object) -> str:
    """A short stable hash of ``parts`` (None and strings alike), for counting identical
    errors: 16 hexadecimal digits."""
    joined = "\x1f".join("" if part is None else str(part) for part in parts)
    import hashlib  # noqa: PLC0415 — costly to import, and loading rules never hashes

    return hashlib.sha256(joined.encode("utf-8", "replace")).hexdigest()[:16]


#: Exception names every exception has: they tell nothing about the failure.
GENERIC_EXCEPTIONS = frozenset({"BaseException", "Exception"})


def error_fingerprint(
    provider: str | None, status: int | None, exceptions: Iterable[str], text: str
) -> str:
    """The fingerprint of identical errors: provider, status, exception names (but the
    generic ones) and the text with ids, numbers and timestamps normalised."""
    names = ",".join(sorted(set(exceptions) - GENERIC_EXCEPTIONS))
    return fingerprint((provider or "").lower(), status, names, stable_text(text))
