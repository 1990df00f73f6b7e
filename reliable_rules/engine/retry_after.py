"""Read how long a provider asks us to wait, from headers, text or JSON.

Values are converted exactly: a number of seconds is rounded to the nearest nanosecond and
truncated to whole milliseconds, as Rust's ``Duration::from_secs_f64(s).as_millis()`` does in
the seed, so ``builtin:seed`` agrees with the seed to the millisecond. Absurd values (more
milliseconds than fit in 64 bits) are clamped to :data:`MAX_RETRY_AFTER_MS` instead of
crashing like the seed does; an HTTP-date in the past gives 0. Negative or non-finite numbers
(a number too large for a float) are not a delay and give None, as in the seed.
"""

from __future__ import annotations

import math
import re
import time

__all__ = [
    "MAX_RETRY_AFTER_MS",
    "RUST_WHITESPACE",
    "parse_duration_ms",
    "parse_seed_number_ms",
    "seconds_to_ms",
]

MAX_RETRY_AFTER_MS = 2**64 - 1
# Rust's str::trim removes Unicode White_Space; Python's str.isspace() also counts U+001C..U+001F.
RUST_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_NUMBER_CHARS = frozenset("0123456789.")
_PLAIN_NUMBER = re.compile(r"[0-9]*\.?[0-9]*")
_DURATION = re.compile(r"(?:([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ms|us|µs|ns|h|m|s))+")
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ms|us|µs|ns|h|m|s)")
_UNIT_NANOS = {
    "h": 3_600 * 10**9,
    "m": 60 * 10**9,
    "s": 10**9,
    "ms": 10**6,
    "us": 10**3,
    "µs": 10**3,
    "ns": 1,
}


def _clamp(nanos: int) -> int:
    return max(0, min(nanos // 10**6, MAX_RETRY_AFTER_MS))


def _round_half_even(numerator: int, denominator: int) -> int:
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient & 1):
        quotient += 1
    return quotient


def seconds_to_ms(seconds: float, *, scale_nanos: int = 10**9) -> int | None:
    """Exact milliseconds for a finite, non-negative number of units (seconds by default).

    The float's exact binary value is scaled to nanoseconds and rounded half to even, with
    integer arithmetic (``Fraction`` gives the same answer ten times slower).
    """
    if not math.isfinite(seconds) or seconds < 0:
        return None
    numerator, denominator = seconds.as_integer_ratio()
    return _clamp(_round_half_even(numerator * scale_nanos, denominator))


def parse_seed_number_ms(rest: str, *, scale_nanos: int = 10**9) -> int | None:
    """The seed's reading of the text after a prefix: skip white space, take digits and dots."""
    rest = rest.lstrip(RUST_WHITESPACE)
    end = 0
    for char in rest:
        if char not in _NUMBER_CHARS:
            break
        end += 1
    digits = rest[:end]
    if not digits or not _PLAIN_NUMBER.fullmatch(digits) or digits == ".":
        return None
    try:
        value = float(digits)
    except ValueError:
        return None
    return seconds_to_ms(value, scale_nanos=scale_nanos)


def parse_duration_ms(value: str, *, unit: str = "auto", now: float | None = None) -> int | None:
    """Milliseconds from a header or field value.

    ``unit`` is ``s`` (a number of seconds), ``ms`` (milliseconds) or ``auto``: a number of
    seconds, a Go/protobuf-style duration (``6m0s``, ``1.5s``, ``250ms``) or an HTTP-date.
    """
    text = value.strip(RUST_WHITESPACE).strip('"')
    if not text:
        return None
    scale = 10**6 if unit == "ms" else 10**9
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        return seconds_to_ms(number, scale_nanos=scale)
    if unit != "auto":
        return None
    lowered = text.lower()
    if _DURATION.fullmatch(lowered):
        from fractions import Fraction  # noqa: PLC0415 — rare; fractions imports decimal

        nanos = sum(
            round(Fraction(amount) * _UNIT_NANOS[suffix])
            for amount, suffix in _DURATION_PART.findall(lowered)
        )
        return _clamp(nanos)
    # an HTTP date is rare: email.utils (and the modules it pulls in) is imported only then
    from email.utils import parsedate_to_datetime  # noqa: PLC0415

    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None or moment.tzinfo is None:
        return None
    current = time.time() if now is None else now
    delta = moment.timestamp() - current
    from fractions import Fraction  # noqa: PLC0415 — rare; fractions imports decimal

    return _clamp(round(Fraction(max(delta, 0.0)) * 10**9))
