"""The executor's bookkeeping: a call's cancellation state, its rows of attempts, the pair
being tried, the failed attempt being handled, and how the loops go on (:class:`Step`).

Mutable, but never shared between threads except :class:`CallState` and
:class:`CancelToken`, which lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, NamedTuple, Protocol

from reliable_rules.chat import ChatRequest, Usage
from reliable_rules.decision import Decision
from reliable_rules.errors import AttemptRecord
from reliable_rules.executor.records import Hooks, key_hint
from reliable_rules.executor.usage import billed
from reliable_rules.sanitize import compact

__all__ = [
    "CONTEXT_CANNOT_REDUCE",
    "CONTEXT_SINGLE_TURN",
    "CallState",
    "CancelToken",
    "Failed",
    "Halt",
    "Pair",
    "Row",
    "Run",
    "Step",
    "call_hook",
    "log_failure",
    "log_info",
]

logger = logging.getLogger("reliable_rules.executor")

#: The seed's messages for a context overflow that cannot be fixed.
CONTEXT_SINGLE_TURN = "Request exceeds model context window."
CONTEXT_CANNOT_REDUCE = (
    "Request exceeds model context window and cannot be reduced further. Try using a model "
    "with a larger context window, reducing the number of tools/skills, or enabling "
    "compact_context in config."
)


class Step(Enum):
    """What the loops do after a failed attempt (an action handler's answer)."""

    #: Call the same (provider, model) pair again (the pair is updated: key, backoff, budget).
    AGAIN = "again"
    #: No more calls on this pair: the next provider.
    NEXT_PROVIDER = "provider"
    #: No more calls on this model: the next model of the chain.
    NEXT_MODEL = "model"
    #: The pair is rate limited and another candidate can answer: leave it to cool down and
    #: come back to it (after the rest of its wait) only if nothing else answers.
    COOL_DOWN = "cool_down"


class Halt(BaseException):
    """Unwinds the loops for a deadline or a cancel; not an ``Exception`` so provider error
    handling cannot swallow it."""

    def __init__(self, kind: str, headline: str) -> None:
        super().__init__(headline)
        self.kind = kind
        self.headline = headline


class Row(NamedTuple):
    """A failed attempt as the loops note it: the fields of an :class:`AttemptRecord`, which
    is built from it only when someone looks."""

    provider: str
    model: str
    attempt: int
    max_attempts: int
    decision: Decision | None
    error: BaseException | None
    action: str
    wait_ms: int
    api_key_hint: str | None
    elapsed_ms: float
    usage: Usage | None = None


class CancelToken:
    """Cancels the calls it is passed to: ``executor.call(..., cancel=token)``; then
    ``token.cancel()`` from any thread interrupts their sleeps and waits at once and makes
    them raise :class:`~reliable_rules.errors.CallCancelled`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._calls: set[CallState] = set()

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancelled

    def cancel(self) -> None:
        """Cancel every call using this token, now and later."""
        with self._lock:
            self._cancelled = True
            calls = list(self._calls)
        for call in calls:
            call.cancel("cancelled")

    def _attach(self, call: CallState) -> None:
        with self._lock:
            self._calls.add(call)
            cancelled = self._cancelled
        if cancelled:
            call.cancel("cancelled")

    def _detach(self, call: CallState) -> None:
        with self._lock:
            self._calls.discard(call)


class Wakeable(Protocol):
    """What a call waits on, which a cancel sets (an event, a latch, a guard's waker)."""

    def set(self) -> None: ...


class CallState:
    """Per-call cancellation: the reason once cancelled, and what the call waits on."""

    __slots__ = ("__weakref__", "_lock", "_sleeper", "_waiting", "reason")

    def __init__(self) -> None:
        self.reason: str | None = None
        self._lock = threading.Lock()
        self._waiting: Wakeable | None = None
        self._sleeper: threading.Event | None = None

    @property
    def sleeper(self) -> threading.Event:
        """The event the call's sleeps wait on (made on the first sleep: a call that never
        sleeps, such as a time-bounded success, builds none)."""
        if self._sleeper is None:
            self._sleeper = threading.Event()
        return self._sleeper

    def cancel(self, reason: str) -> None:
        with self._lock:
            if self.reason is None:
                self.reason = reason
            waiting = self._waiting
        if waiting is not None:
            waiting.set()

    def begin_wait(self, event: Wakeable) -> bool:
        """Register ``event`` as what a cancel must set; False if already cancelled."""
        with self._lock:
            if self.reason is not None:
                return False
            self._waiting = event
            return True

    def end_wait(self) -> None:
        with self._lock:
            self._waiting = None


@dataclass(slots=True)
class Run:
    """Mutable bookkeeping of one call (never shared between threads)."""

    model: str
    request: ChatRequest | None
    deadline: float | None
    state: CallState | None
    # Failed attempts as rows, turned into AttemptRecords only when someone looks (an
    # exception, an Outcome, a hook): a retry that nobody observes costs no record.
    rows: list[AttemptRecord | Row]
    truncated: bool = False
    switched: bool = False
    single_turn: bool = False
    # A retry was skipped because its wait would overrun the deadline: if nothing else
    # answers, the deadline is why the call failed.
    deadline_cut: bool = False
    # Whether a candidate after the current pair is not cooling down (set by the loops before
    # every attempt): a rate-limited pair is then left at once instead of slept on.
    alternatives: bool = False
    # Providers this call saw rate limited: name -> the monotonic time their wait ends.
    cooling: dict[str, float] = field(default_factory=dict)
    # The token charge of the attempt under way (the store's ticket; see budgets.admit).
    ticket: str = ""

    def records(self) -> tuple[AttemptRecord, ...]:
        """Every attempt so far as an :class:`AttemptRecord`."""
        records = [
            row if isinstance(row, AttemptRecord) else AttemptRecord(*row) for row in self.rows
        ]
        self.rows[:] = records
        return tuple(records)

    def last_error(self) -> BaseException | None:
        """The error of the last failed attempt."""
        if not self.rows:
            return None
        return self.rows[-1].error


@dataclass(slots=True)
class Pair:
    """Mutable state of the attempts on one (provider, model) pair within one call."""

    name: str
    provider: Any
    model: str
    budget: int
    backoff_ms: int
    number: int = 0
    api_key: str | None = None
    started: float = 0.0
    #: When the pair may be called again (left with :attr:`Step.COOL_DOWN`).
    ready_at: float = 0.0
    #: The tools go in the prompt (switched after a ``tool_schema_error``).
    tools_in_prompt: bool = False


@dataclass(slots=True)
class Failed:
    """One failed attempt being handled: what is needed to record it."""

    hooks: Hooks | None
    run: Run
    pair: Pair
    decision: Decision
    error: BaseException
    elapsed_ms: float

    def note(self, action: str, *, wait_ms: int = 0, extra_budget: int = 0) -> AttemptRecord | None:
        """Append the attempt's row; with hooks, as a record (returned, and shown to
        ``on_attempt``)."""
        pair = self.pair
        row = Row(
            pair.name, pair.model, pair.number, pair.budget + extra_budget, self.decision,
            self.error, action, wait_ms, key_hint(pair.api_key), self.elapsed_ms,
            billed(self.error),
        )
        hooks = self.hooks
        if hooks is None:
            self.run.rows.append(row)
            return None
        record = AttemptRecord(*row)
        self.run.rows.append(record)
        if hooks.on_attempt is not None:
            call_hook(hooks.on_attempt, record)
        return record


def call_hook(hook: Callable[[Any], Any], event: object) -> None:
    """Show ``event`` to an observer; what it raises is logged, never raised."""
    try:
        hook(event)
    except Exception:  # an observer must not change the call's result
        logger.exception("reliable_rules: a hook raised; ignoring it")

def log_info(message: str, **fields: Any) -> None:
    """Progress at INFO, with the fields as ``extra`` (the seed's messages)."""
    if logger.isEnabledFor(logging.INFO):
        shown = " ".join(f"{key}={value}" for key, value in fields.items())
        logger.info("%s: %s", message, shown, extra=fields)

def log_failure(
    message: str, name: str, model: str, decision: Decision, **fields: Any
) -> None:
    """A failed attempt at INFO: provider, model, the decision and the sanitised error."""
    if logger.isEnabledFor(logging.INFO):
        fields = {
            "provider": name,
            "model": model,
            **fields,
            "reason": decision.reason,
            "category": decision.category,
            "rule_id": decision.rule_id,
            "error": compact(decision.failure.message or decision.failure.body or ""),
        }
        shown = " ".join(f"{key}={value}" for key, value in fields.items())
        logger.info("%s: %s", message, shown, extra=fields)
