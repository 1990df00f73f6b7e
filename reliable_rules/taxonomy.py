"""The default category taxonomy, the actions an executor can take, and failure reasons.

A rule decides a *category*; the category carries the policy (retryable, rate limited, the
action to take, whether to rotate API keys). Rule files may add categories or redefine these.
The seed's ``failure_reason`` strings are derived from the two flags, never stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

__all__ = [
    "DEFAULT_CATEGORIES",
    "UNKNOWN",
    "Action",
    "Category",
    "failure_reason",
]


class Action(str, Enum):
    """What the executor does after a failure; compares equal to its plain string value."""

    RETRY = "retry"
    NEXT_PROVIDER = "next_provider"
    NEXT_MODEL = "next_model"
    TRUNCATE_HISTORY = "truncate_history"
    SWITCH_FORMAT = "switch_format"
    ABORT = "abort"

    def __str__(self) -> str:
        return self.value


def failure_reason(*, rate_limited: bool, retryable: bool) -> str:
    """The seed's reason string for a failure with these flags."""
    if rate_limited and not retryable:
        return "rate_limited_non_retryable"
    if rate_limited:
        return "rate_limited"
    if not retryable:
        return "non_retryable"
    return "retryable"


@dataclass(frozen=True, slots=True)
class Category:
    """A failure category and the policy attached to it."""

    name: str
    retryable: bool
    rate_limited: bool = False
    action: Action = Action.RETRY
    rotate_key: bool = False
    description: str = ""

    @property
    def reason(self) -> str:
        """The seed-compatible reason string derived from the flags."""
        return failure_reason(rate_limited=self.rate_limited, retryable=self.retryable)


UNKNOWN = "unknown"

_DEFAULTS = (
    Category(
        "context_window_exceeded",
        retryable=False,
        action=Action.TRUNCATE_HISTORY,
        description="The request does not fit the model's context window; drop history and retry.",
    ),
    Category(
        "quota_exhausted",
        retryable=False,
        rate_limited=True,
        action=Action.NEXT_PROVIDER,
        description="A 429 that waiting cannot fix: plan, balance, credits or quota exhausted.",
    ),
    Category(
        "rate_limited",
        retryable=True,
        rate_limited=True,
        rotate_key=True,
        description="Transient rate limit; retry after backoff or Retry-After, rotating API keys.",
    ),
    Category(
        "tool_schema_error",
        retryable=True,
        description="The provider rejected a tool call or tool schema; retrying can recover.",
    ),
    Category(
        "auth_failed",
        retryable=False,
        action=Action.NEXT_PROVIDER,
        description="Missing, invalid or unauthorised credentials.",
    ),
    Category(
        "model_not_found",
        retryable=False,
        action=Action.NEXT_PROVIDER,
        description="The model does not exist or is not served by this provider.",
    ),
    Category(
        "client_error",
        retryable=False,
        action=Action.NEXT_PROVIDER,
        description="Another 4xx (not 408 or 429): the request itself is wrong for this provider.",
    ),
    Category(
        "format_mismatch",
        retryable=True,
        action=Action.SWITCH_FORMAT,
        description="The answer did not parse in the requested format; retry with the fallback.",
    ),
    Category(
        "content_filtered",
        retryable=False,
        action=Action.NEXT_PROVIDER,
        description="A safety or content-policy filter refused the request or the answer.",
    ),
    Category("server_error", retryable=True, description="A 5xx or provider-side failure."),
    Category("timeout", retryable=True, description="The request or the upstream timed out."),
    Category(
        "network_error",
        retryable=True,
        description="The connection failed: refused, reset, DNS, TLS or dropped.",
    ),
    Category(UNKNOWN, retryable=True, description="No rule matched; retried like the seed does."),
)

DEFAULT_CATEGORIES: Mapping[str, Category] = MappingProxyType({c.name: c for c in _DEFAULTS})
