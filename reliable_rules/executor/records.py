"""Immutable records of what the executor did: attempts, fallbacks, outcomes, hook events.

Like urllib3's ``Retry.history``, every attempt leaves a frozen :class:`AttemptRecord`; the
failure trail and every hook see the same objects. Records keep the original exception for
programs (``error``, excluded from ``repr``) but everything rendered as text — ``detail``,
``line``, log messages — is sanitised and bounded, so secrets never reach a trail or a log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from reliable_rules.errors import AttemptRecord
from reliable_rules.executor.usage import total_usage

if TYPE_CHECKING:
    from reliable_rules.chat import ChatRequest, Usage
    from reliable_rules.errors import ExecutionError

__all__ = [
    "AttemptRecord",
    "FallbackEvent",
    "FallbackInfo",
    "GiveUpEvent",
    "Hooks",
    "Outcome",
    "RetryEvent",
    "key_hint",
]

T = TypeVar("T")


def key_hint(api_key: str | None) -> str | None:
    """What logs and records may show of an API key: its last 4 characters, and only for keys
    long enough (12+) that 4 characters reveal nothing usable."""
    if api_key is None:
        return None
    return f"...{api_key[-4:]}" if len(api_key) >= 12 else "...****"


@dataclass(frozen=True, slots=True)
class FallbackInfo:
    """The answer came from somewhere other than the first try: another provider or model, a
    retry, or a truncated history (the seed's ``ProviderFallbackInfo``, plus the why)."""

    requested_provider: str
    requested_model: str
    actual_provider: str
    actual_model: str
    attempts: int = 1
    history_truncated: bool = False
    format_switched: bool = False


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """A successful call: the answer, who gave it, and everything tried on the way."""

    response: T
    provider: str
    model: str
    attempts: tuple[AttemptRecord, ...]
    fallback: FallbackInfo | None
    request: ChatRequest | None = field(default=None, repr=False)

    @property
    def history_truncated(self) -> bool:
        """Whether the answer needed a truncated history."""
        return self.fallback is not None and self.fallback.history_truncated

    @property
    def format_switched(self) -> bool:
        """Whether the answer needed the fallback response format."""
        return self.fallback is not None and self.fallback.format_switched

    @property
    def usage(self) -> Usage | None:
        """The tokens billed over every attempt of the call (rejected answers included), or
        None when no attempt reported usage."""
        return total_usage(record.usage for record in self.attempts)

    @property
    def trail(self) -> tuple[str, ...]:
        """The failed attempts' trail lines (empty when the first attempt succeeded)."""
        return tuple(record.line for record in self.attempts if record.failed)


@dataclass(frozen=True, slots=True)
class RetryEvent:
    """The executor is about to retry the same provider and model after ``wait_ms``."""

    record: AttemptRecord
    wait_ms: int
    next_attempt: int
    api_key_hint: str | None


@dataclass(frozen=True, slots=True)
class FallbackEvent:
    """The executor is leaving a provider/model pair for the next one."""

    from_provider: str
    from_model: str
    to_provider: str
    to_model: str
    record: AttemptRecord | None


@dataclass(frozen=True, slots=True)
class GiveUpEvent:
    """The executor is raising ``error`` after ``attempts``."""

    error: ExecutionError
    attempts: tuple[AttemptRecord, ...]


@dataclass(frozen=True, slots=True)
class Hooks:
    """Callbacks that observe the executor; each receives one frozen record.

    A hook that raises is logged (``reliable_rules.executor``) and otherwise ignored: an
    observer must not change whether a call succeeds.
    """

    on_attempt: Callable[[AttemptRecord], Any] | None = None
    on_retry: Callable[[RetryEvent], Any] | None = None
    on_fallback: Callable[[FallbackEvent], Any] | None = None
    on_give_up: Callable[[GiveUpEvent], Any] | None = None
