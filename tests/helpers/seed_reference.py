"""Python port of the seed's error classification, used as the test oracle.

The seed is the Rust provider wrapper
``/work/shared/seeds/000_3d95f3b5cc5d1047.txt`` (``is_non_retryable``,
``is_tool_schema_error``, ``is_context_window_exceeded``, ``is_rate_limited``,
``is_non_retryable_rate_limit``, ``parse_retry_after_ms``, ``failure_reason``).
Each function here follows its Rust counterpart one to one, including where it
lowercases the message and in which order it runs its checks. Two test suites
depend on it:

* **Parity oracle.** ``tests/rulefiles/test_seed_parity.py`` and
  ``tests/rulefiles/test_seed_differential.py`` require ``builtin:seed`` to give the same
  verdict as this module for every input.
* **Speed baseline.** The benchmark compares the rule engine with this port.
  The port is written the way a competent Python developer would write it
  (precompiled patterns, module-level tuples, ``any(...)``), so it is fair to
  measure against, neither deliberately slow nor tuned by hand.

How the error is modelled: every function takes ``(msg, status=None)``.
``msg`` is the error's ``to_string()``. ``status`` is the typed HTTP status of a
``reqwest::Error`` (``None`` means a plain ``anyhow!`` string error, which has
no typed status). Functions that do not look at the status in the seed accept
it anyway, so that every function can be called the same way.

Deliberate deviations from the seed (both in ``parse_retry_after_ms``):

1. The seed finds the prefix in ``msg.to_lowercase()``, then slices the
   *original* string at that byte offset. When lowercasing changes the UTF-8
   byte length of text before the match (for example ``"İ"`` becomes 3 bytes
   instead of 2, and the Kelvin sign U+212A becomes 1 byte instead of 3), the
   seed reads from the wrong place or panics on a non-char boundary. This port
   reads the number from the lowercased text at the matched position. When the
   offsets line up, that gives exactly the seed's result, because lowercasing
   never changes digits, ``'.'`` or whitespace.
2. Where the seed would panic (``Duration::from_secs_f64`` with a value too
   large for ``Duration``) or drop the value and go on to the next prefix
   (milliseconds above ``u64::MAX``), this port returns ``U64_MAX`` instead.
   The issue asks for this: "clamp absurd values instead of crashing".
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

__all__ = [
    "U64_MAX",
    "SeedVerdict",
    "failure_reason",
    "is_context_window_exceeded",
    "is_non_retryable",
    "is_non_retryable_rate_limit",
    "is_rate_limited",
    "is_tool_schema_error",
    "parse_retry_after_ms",
    "seed_verdict",
]

U64_MAX: Final = 2**64 - 1
_U16_MAX: Final = 65_535

AUTH_FAILURE_HINTS: Final = (
    "invalid api key",
    "incorrect api key",
    "missing api key",
    "api key not set",
    "authentication failed",
    "auth failed",
    "unauthorized",
    "forbidden",
    "permission denied",
    "access denied",
    "invalid token",
)

MODEL_FAILURE_HINTS: Final = (
    "not found",
    "unknown",
    "unsupported",
    "does not exist",
    "invalid",
)

TOOL_SCHEMA_HINTS: Final = (
    "tool call validation failed",
    "was not in request",
    "not found in tool list",
    "invalid_tool_call",
)

CONTEXT_WINDOW_HINTS: Final = (
    "exceeds the context window",
    "exceeds the available context size",
    "context window of this model",
    "maximum context length",
    "context length exceeded",
    "too many tokens",
    "token limit exceeded",
    "prompt is too long",
    "input is too long",
    "prompt exceeds max length",
)

BUSINESS_HINTS: Final = (
    "plan does not include",
    "doesn't include",
    "not include",
    "insufficient balance",
    "insufficient_balance",
    "insufficient quota",
    "insufficient_quota",
    "quota exhausted",
    "out of credits",
    "no available package",
    "package not active",
    "purchase package",
    "model not available for your plan",
)

# Z.AI business codes that come with a 429 but cannot be fixed by retrying.
BUSINESS_CODES: Final = frozenset({1113, 1311})

RETRY_AFTER_PREFIXES: Final = (
    "retry-after:",
    "retry_after:",
    "retry-after ",
    "retry_after ",
)

# Rust `char::is_whitespace` (Unicode White_Space), which is what `str::trim`
# strips. Python's `str.isspace` is not the same set: it also accepts
# U+001C..U+001F, which Rust does not trim.
RUST_WHITESPACE: Final = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)

# `str.split(|c| !c.is_ascii_digit())` yields maximal runs of ASCII digits
# (plus empty pieces, which never parse). `[0-9]`, unlike `\d`, is ASCII only.
_DIGIT_RUN: Final = re.compile(r"[0-9]+")

# `after.trim().chars().take_while(|c| c.is_ascii_digit() || *c == '.')`.
# Only leading whitespace matters, because `take_while` stops at the first
# character that is not a digit or a dot.
_RETRY_AFTER_NUMBER: Final = re.compile(f"[{re.escape(RUST_WHITESPACE)}]*([0-9.]*)")


@dataclass(frozen=True)
class SeedVerdict:
    """What the seed's executor records for one failed attempt."""

    context: bool
    reason: str
    retry_after_ms: int | None


def _parse_u16(run: str) -> int | None:
    """Parse a run of ASCII digits like Rust `parse::<u16>()`; None on overflow."""
    significant = run.lstrip("0")
    if len(significant) > 5:  # avoids int() on runs that can be thousands of digits long
        return None
    value = int(significant) if significant else 0
    return value if value <= _U16_MAX else None


def _u16_codes(text: str) -> Iterator[int]:
    """Yield the u16 value of each digit run in `text` that parses, in order."""
    for match in _DIGIT_RUN.finditer(text):
        code = _parse_u16(match.group())
        if code is not None:
            yield code


def is_non_retryable(msg: str, status: int | None = None) -> bool:
    """Seed `is_non_retryable`: a client error that retrying will not fix."""
    # Context-window errors can be fixed by truncating history.
    if is_context_window_exceeded(msg, status):
        return False
    # Tool-schema errors can be fixed by the provider's prompt-guided fallback.
    if is_tool_schema_error(msg, status):
        return False

    # A typed HTTP status decides on its own: 4xx except 429 and 408.
    if status is not None:
        return 400 <= status <= 499 and status not in (429, 408)

    # The first digit run that is a 4xx code decides (even when it is 429/408).
    for code in _u16_codes(msg):
        if 400 <= code <= 499:
            return code not in (429, 408)

    msg_lower = msg.lower()
    if any(hint in msg_lower for hint in AUTH_FAILURE_HINTS):
        return True

    return "model" in msg_lower and any(hint in msg_lower for hint in MODEL_FAILURE_HINTS)


def is_tool_schema_error(msg: str, status: int | None = None) -> bool:
    """Seed `is_tool_schema_error`: the provider rejected the native tool schema."""
    lower = msg.lower()
    return any(hint in lower for hint in TOOL_SCHEMA_HINTS)


def is_context_window_exceeded(msg: str, status: int | None = None) -> bool:
    """Seed `is_context_window_exceeded`: the request is longer than the model's context."""
    lower = msg.lower()
    return any(hint in lower for hint in CONTEXT_WINDOW_HINTS)


def is_rate_limited(msg: str, status: int | None = None) -> bool:
    """Seed `is_rate_limited`: typed 429, or (untyped) '429' plus a case-sensitive keyword."""
    if status is not None:
        return status == 429
    return "429" in msg and ("Too Many" in msg or "rate" in msg or "limit" in msg)


def is_non_retryable_rate_limit(msg: str, status: int | None = None) -> bool:
    """Seed `is_non_retryable_rate_limit`: a 429 about plan or quota that retrying cannot fix."""
    if not is_rate_limited(msg, status):
        return False

    lower = msg.lower()
    if any(hint in lower for hint in BUSINESS_HINTS):
        return True

    return any(code in BUSINESS_CODES for code in _u16_codes(lower))


def _duration_millis(secs: float) -> int:
    """`Duration::from_secs_f64(secs).as_millis()`, saturating at u64::MAX.

    Since Rust 1.63 (rust-lang/rust#96051), `from_secs_f64` rounds the exact
    binary value to the nearest nanosecond, ties to even. `round()` on a
    `Fraction` also rounds ties to even. `as_millis` then truncates.
    """
    millis = round(Fraction(secs) * 1_000_000_000) // 1_000_000
    # Deviation 2: the seed panics (secs >= 2**64) or returns nothing
    # (millis > u64::MAX). Both cases have millis > U64_MAX, so clamp.
    return min(millis, U64_MAX)


def parse_retry_after_ms(msg: str, status: int | None = None) -> int | None:
    """Seed `parse_retry_after_ms`: milliseconds from 'Retry-After: N' style text."""
    lower = msg.lower()
    for prefix in RETRY_AFTER_PREFIXES:
        pos = lower.find(prefix)
        if pos < 0:
            continue
        # Deviation 1: read from `lower`, not from the original at `lower`'s
        # byte offset (see the module docstring).
        match = _RETRY_AFTER_NUMBER.match(lower, pos + len(prefix))
        num_str = match.group(1) if match else ""
        try:
            secs = float(num_str)  # accepts "5.", ".5"; rejects "", ".", "1.2.3"
        except ValueError:
            continue
        # A huge run of digits parses to inf, as in Rust. It is never negative.
        if not math.isfinite(secs) or secs < 0.0:
            continue
        return _duration_millis(secs)
    return None


def failure_reason(rate_limited: bool, non_retryable: bool) -> str:
    """Seed `failure_reason`: the label the executor writes for a failed attempt."""
    if rate_limited and non_retryable:
        return "rate_limited_non_retryable"
    if rate_limited:
        return "rate_limited"
    if non_retryable:
        return "non_retryable"
    return "retryable"


def seed_verdict(msg: str, status: int | None = None) -> SeedVerdict:
    """What the seed's executor concludes about one error."""
    retry_after_ms = parse_retry_after_ms(msg, status)
    if is_context_window_exceeded(msg, status):
        # The executor writes "non_retryable" for context-window errors.
        return SeedVerdict(context=True, reason="non_retryable", retry_after_ms=retry_after_ms)
    non_retryable = is_non_retryable(msg, status) or is_non_retryable_rate_limit(msg, status)
    reason = failure_reason(is_rate_limited(msg, status), non_retryable)
    return SeedVerdict(context=False, reason=reason, retry_after_ms=retry_after_ms)
