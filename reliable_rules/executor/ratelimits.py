"""What providers say about their rate limits in response headers, parsed without ever
raising.

Families read (names are case-insensitive):

- OpenAI, Groq, Together, Cerebras, ...: ``x-ratelimit-{limit,remaining,reset}-requests`` and
  ``-tokens`` (resets as Go durations: ``1s``, ``6m0s``, ``20ms``, ``2m59.56s``), with any
  window suffix (``-requests-day``, ``-tokens-minute``: the most restrictive window wins);
  a bare ``x-ratelimit-limit`` / ``-remaining`` / ``-reset`` (OpenRouter: reset in epoch
  milliseconds) counts requests.
- Anthropic: ``anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,
  remaining,reset}`` (resets as RFC 3339 times).
- IETF drafts: ``RateLimit-Limit`` / ``-Remaining`` / ``-Reset`` (seconds), and
  ``RateLimit: "default";r=50;t=30`` with ``RateLimit-Policy: "default";q=100;w=60``, or the
  older ``RateLimit: limit=100, remaining=50, reset=30``: requests.

A reset is a duration, a number of seconds, an epoch time (seconds or milliseconds), an RFC
3339 time or an HTTP date; absolute times are turned into seconds from now on the wall clock,
and every reset is kept within [0, one day]. Anything unreadable is left out.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from reliable_rules.chat import MAX_HEADER_CHARS as MAX_VALUE_CHARS
from reliable_rules.chat import RATE_LIMIT_PREFIXES as PREFIXES

__all__ = ["Limit", "RateLimits", "parse_rate_limits"]

#: The longest reset believed (a day): a larger one is a misreading or not worth waiting for.
MAX_RESET_S = 86_400.0

_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s|us|µs|ns)")
_UNIT_S = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
_NUMBER = re.compile(r"[+]?(\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_OPENAI = re.compile(r"x-ratelimit-(limit|remaining|reset)-(requests|tokens)(-[a-z]+)?")
_ANTHROPIC = re.compile(
    r"anthropic-ratelimit-(requests|tokens|input-tokens|output-tokens)-(limit|remaining|reset)"
)
_KINDS = {"requests": "requests", "tokens": "tokens", "input-tokens": "tokens",
          "output-tokens": "tokens"}


@dataclass(frozen=True, slots=True)
class Limit:
    """One limit as a provider stated it: its size, what is left, seconds until it resets
    (None when not said)."""

    limit: int | None = None
    remaining: int | None = None
    reset_s: float | None = None


@dataclass(frozen=True, slots=True)
class RateLimits:
    """The request and token limits of one answer (None when not stated)."""

    requests: Limit | None = None
    tokens: Limit | None = None

    @property
    def empty(self) -> bool:
        """Whether the headers said nothing usable."""
        return self.requests is None and self.tokens is None


def parse_rate_limits(
    headers: Mapping[str, object] | None, *, wall: Callable[[], float] = time.time
) -> RateLimits:
    """The limits ``headers`` state; never raises (unreadable values are left out).

    Args:
        headers: the answer's headers, any case.
        wall: the wall clock (epoch seconds), to turn absolute reset times into waits.
    """
    try:
        return _parse(headers, wall)
    except Exception:  # noqa: BLE001 — a parser of provider headers must never raise
        return RateLimits()


def _parse(headers: Mapping[str, object] | None, wall: Callable[[], float]) -> RateLimits:
    fields: dict[str, str] = {}
    for name, value in (headers or {}).items():
        lower = str(name).strip().lower()
        if lower.startswith(PREFIXES):
            fields[lower] = str(value).strip()[:MAX_VALUE_CHARS]
    if not fields:
        return RateLimits()
    found: dict[str, list[Limit]] = {"requests": [], "tokens": []}
    # x-ratelimit-<field>-<kind>[-<window>] (OpenAI, Groq, Cerebras, ...) and
    # anthropic-ratelimit-<kind>-<field>, grouped by (kind, window) in one pass.
    groups: dict[tuple[str, str], dict[str, str]] = {}
    for name, value in fields.items():
        match = _OPENAI.fullmatch(name)
        if match:
            groups.setdefault((match[2], match[3] or ""), {})[match[1]] = value
            continue
        match = _ANTHROPIC.fullmatch(name)
        if match:
            groups.setdefault((_KINDS[match[1]], "anthropic-" + match[1]), {})[match[2]] = value
    for (kind, _window), parts in groups.items():
        found[kind].append(_limit(parts.get("limit"), parts.get("remaining"),
                                  parts.get("reset"), wall))
    # Bare x-ratelimit-* and the IETF drafts: requests.
    for prefix in ("x-ratelimit-", "ratelimit-"):
        if f"{prefix}remaining" in fields or f"{prefix}reset" in fields:
            found["requests"].append(_limit(
                fields.get(f"{prefix}limit"), fields.get(f"{prefix}remaining"),
                fields.get(f"{prefix}reset"), wall,
            ))
    if "ratelimit" in fields:
        found["requests"].append(_structured(fields["ratelimit"], fields.get("ratelimit-policy")))
    return RateLimits(_tightest(found["requests"]), _tightest(found["tokens"]))


def _tightest(limits: list[Limit]) -> Limit | None:
    """The most restrictive of several stated limits: the least remaining (then the latest
    reset); None when none says what remains or when it resets."""
    useful = [limit for limit in limits if limit.remaining is not None or limit.reset_s is not None]
    if not useful:
        return None
    return min(
        useful,
        key=lambda limit: (
            math.inf if limit.remaining is None else limit.remaining,
            -(limit.reset_s or 0.0),
        ),
    )


def _limit(
    limit: str | None, remaining: str | None, reset: str | None, wall: Callable[[], float]
) -> Limit:
    return Limit(_count(limit), _count(remaining), _reset(reset, wall))


def _count(text: str | None) -> int | None:
    """A non-negative count (the least of a list such as ``100, 100;w=60``), or None."""
    if not text:
        return None
    if text.isdigit() and text.isascii():
        return int(text)
    counts = []
    for part in text.split(","):
        match = _NUMBER.match(part.strip())
        if match:
            value = float(match[0])
            if math.isfinite(value):
                counts.append(int(value))
    return min(counts) if counts else None


def _reset(text: str | None, wall: Callable[[], float]) -> float | None:
    """Seconds until a reset written any of the ways providers write it, within
    [0, :data:`MAX_RESET_S`]; None when unreadable."""
    if not text:
        return None
    text = text.strip()
    seconds = _duration(text)
    if seconds is None:
        seconds = _absolute(text, wall)
    if seconds is None or not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RESET_S)


def _duration(text: str) -> float | None:
    """``1s``, ``6m0s``, ``20ms``, ``1h2m3.5s``; or a number: seconds, or an epoch time in
    seconds (past 1e9) or milliseconds (past 1e12)."""
    if _NUMBER.fullmatch(text):
        value = float(text)
        if value > 1e12:
            return None  # an epoch in ms: read by _absolute
        return None if value > 1e9 else value
    position, total = 0, 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != position:
            return None
        total += float(match[1]) * _UNIT_S[match[2]]
        position = match.end()
    return total if position and position == len(text) else None


def _absolute(text: str, wall: Callable[[], float]) -> float | None:
    """Seconds from now until an absolute time: an epoch number, RFC 3339, or an HTTP date."""
    if _NUMBER.fullmatch(text):
        value = float(text)
        return (value / 1000 if value > 1e12 else value) - wall()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp() - wall()


def _structured(value: str, policy: str | None) -> Limit:
    """``RateLimit: "default";r=50;t=30`` (with ``q`` from ``RateLimit-Policy``), or the
    older ``limit=100, remaining=50, reset=30``."""
    params: dict[str, str] = {}
    for piece in re.split(r"[;,]", value):
        key, _, raw = piece.strip().partition("=")
        if raw:
            params.setdefault(key.strip().lower(), raw.strip().strip('"'))
    limit = params.get("limit")
    if limit is None and policy:
        match = re.search(r"(?:^|;)\s*q=(\d+)", policy)
        limit = match[1] if match else None
    remaining = params.get("r", params.get("remaining"))
    reset = params.get("t", params.get("reset"))
    seconds = _duration(reset) if reset else None
    return Limit(_count(limit), _count(remaining), None if seconds is None else
                 min(max(seconds, 0.0), MAX_RESET_S))
