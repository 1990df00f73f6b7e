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
    "CALL_OUTCOMES",
    "AttemptRecord",
    "AttemptStartEvent",
    "CallEndEvent",
    "CallStartEvent",
    "CircuitEvent",
    "FallbackEvent",
    "FallbackInfo",
    "GiveUpEvent",
    "Hooks",
    "Outcome",
    "RetryEvent",
    "SkipEvent",
    "StoreFallbackEvent",
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
class CallStartEvent:
    """A call entered the executor. ``operation`` is ``chat`` for the chat entry points
    (``chat``, ``execute``, ``stream_chat``, …) and ``call`` for ``call``/``call_with_outcome``;
    ``providers`` are the candidates' names in priority order."""

    model: str
    operation: str
    providers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CallEndEvent:
    """A call left the executor: with an answer (``outcome`` ``success``) or ``error``.

    ``outcome`` is one of :data:`CALL_OUTCOMES`: ``success``, ``exhausted`` (every candidate
    failed), ``aborted`` (a rule said abort), ``context_exceeded``, ``deadline``, ``cancelled``
    or ``error`` (something that is not an :class:`~reliable_rules.errors.ExecutionError`
    escaped, e.g. ``KeyboardInterrupt``). ``elapsed_ms`` is measured on the executor's clock
    (virtual under :func:`reliable_rules.testing.set_testing`), sleeps included. A streamed
    call ends at its first event.
    """

    model: str
    operation: str
    outcome: str
    elapsed_ms: float
    error: BaseException | None = field(default=None, repr=False, compare=False)


#: Every value of :attr:`CallEndEvent.outcome`.
CALL_OUTCOMES = (
    "success", "exhausted", "aborted", "context_exceeded", "deadline", "cancelled", "error",
)


@dataclass(frozen=True, slots=True)
class AttemptStartEvent:
    """An attempt is about to run (its end is the :class:`AttemptRecord` shown to
    ``on_attempt``). Shown on the caller's thread, just before the attempt starts."""

    provider: str
    model: str
    attempt: int
    max_attempts: int


@dataclass(frozen=True, slots=True)
class SkipEvent:
    """A candidate was left out of a call because it is unhealthy: ``reason`` is ``cooldown``
    (a rate limit's Retry-After has not run out; ``wait_ms`` is what is left of it) or
    ``circuit_open`` (its circuit breaker is open; ``wait_ms`` 0)."""

    provider: str
    model: str
    reason: str
    wait_ms: int = 0


@dataclass(frozen=True, slots=True)
class CircuitEvent:
    """A (provider, model) circuit changed state: ``open`` (it will be skipped) or
    ``closed`` (a success after it opened), shown on the thread of the call whose attempt
    changed it."""

    provider: str
    model: str
    state: str


@dataclass(frozen=True, slots=True)
class StoreFallbackEvent:
    """The shared state store could not be used and the executor fell back to local state:
    ``store`` names it (``redis``), ``reason`` says why in a few fixed words (``unavailable``,
    ``timeout``, …; never an error message). Shown by the state store's code, on the thread
    that noticed."""

    store: str
    reason: str


@dataclass(frozen=True, slots=True)
class Hooks:
    """Callbacks that observe the executor; each receives one frozen record.

    A hook that raises is logged (``reliable_rules.executor``) and otherwise ignored: an
    observer must not change whether a call succeeds. Every hook of a call runs on the
    caller's thread (never on a worker), so a hook may keep per-call state in a
    :mod:`contextvars` variable set by ``on_call_start`` and reset by ``on_call_end``.
    ``ReliableExecutor(hooks=[a, b])`` shows every event to ``a`` then ``b``.
    """

    on_attempt: Callable[[AttemptRecord], Any] | None = None
    on_retry: Callable[[RetryEvent], Any] | None = None
    on_fallback: Callable[[FallbackEvent], Any] | None = None
    on_give_up: Callable[[GiveUpEvent], Any] | None = None
    on_call_start: Callable[[CallStartEvent], Any] | None = None
    on_call_end: Callable[[CallEndEvent], Any] | None = None
    on_attempt_start: Callable[[AttemptStartEvent], Any] | None = None
    on_skip: Callable[[SkipEvent], Any] | None = None
    on_circuit: Callable[[CircuitEvent], Any] | None = None
    on_store_fallback: Callable[[StoreFallbackEvent], Any] | None = None
