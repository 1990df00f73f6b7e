"""What the loops show to the call-level hooks: a call's start and end, each attempt's start,
skipped candidates and circuit changes; and how several :class:`Hooks` become one.

Kept out of ``loops.py``: each helper is one ``None`` check when no hook asks for its event,
so an executor without hooks pays a function call at most.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import fields
from types import TracebackType
from typing import Any, Protocol, cast

from reliable_rules.errors import (
    AllProvidersFailed,
    CallCancelled,
    ContextWindowExceeded,
    DeadlineExceeded,
)
from reliable_rules.executor.attempt import chat_op, open_stream_op
from reliable_rules.executor.health import Health
from reliable_rules.executor.records import (
    AttemptStartEvent,
    CallEndEvent,
    CallStartEvent,
    CircuitEvent,
    Hooks,
    SkipEvent,
    StoreFallbackEvent,
)
from reliable_rules.executor.state import Pair, call_hook
from reliable_rules.executor.timing import Timing

__all__ = [
    "NO_WATCH",
    "CallWatch",
    "attempt_started",
    "call_outcome",
    "circuit_changed",
    "merge_hooks",
    "report_skips",
    "store_fell_back",
    "watch_call",
    "watch_store",
]


def merge_hooks(hooks: Hooks | Sequence[Hooks] | None) -> Hooks | None:
    """One :class:`Hooks` showing every event to each of ``hooks`` in order (a hook that
    raises is logged and the next one still sees the event)."""
    if hooks is None or isinstance(hooks, Hooks):
        return hooks
    if not isinstance(hooks, Sequence):
        raise TypeError(f"hooks must be a Hooks or a sequence of Hooks, not {type(hooks).__name__}")
    items = list(hooks)
    wrong = sorted({type(item).__name__ for item in items if not isinstance(item, Hooks)})
    if wrong:
        raise TypeError(f"hooks must be a Hooks or a sequence of Hooks; got {', '.join(wrong)}")
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    merged: dict[str, Callable[[Any], Any] | None] = {}
    for spec in fields(Hooks):
        callbacks = [
            callback for item in items
            if (callback := getattr(item, spec.name)) is not None
        ]
        merged[spec.name] = (
            None if not callbacks else callbacks[0] if len(callbacks) == 1 else _fan_out(callbacks)
        )
    return Hooks(**merged)


def _fan_out(callbacks: list[Callable[[Any], Any]]) -> Callable[[Any], None]:
    def show(event: object) -> None:
        for callback in callbacks:
            call_hook(callback, event)

    return show


def call_outcome(error: BaseException | None) -> str:
    """The :attr:`~reliable_rules.executor.records.CallEndEvent.outcome` of a call that
    raised ``error`` (None: it answered)."""
    if error is None:
        return "success"
    if isinstance(error, AllProvidersFailed):
        return "exhausted" if error.aborted_by is None else "aborted"
    if isinstance(error, ContextWindowExceeded):
        return "context_exceeded"
    if isinstance(error, DeadlineExceeded):
        return "deadline"
    if isinstance(error, CallCancelled):
        return "cancelled"
    return "error"


class CallWatch:
    """Shows ``on_call_start`` on entry and ``on_call_end`` on exit (never swallows)."""

    __slots__ = ("_hooks", "_model", "_operation", "_providers", "_started", "_timing")

    def __init__(
        self, hooks: Hooks, model: str, operation: str, providers: tuple[str, ...], timing: Timing
    ) -> None:
        self._hooks = hooks
        self._model = model
        self._operation = operation
        self._providers = providers
        self._timing = timing
        self._started = 0.0

    def __enter__(self) -> CallWatch:
        self._started = self._timing.monotonic()
        hook = self._hooks.on_call_start
        if hook is not None:
            call_hook(hook, CallStartEvent(self._model, self._operation, self._providers))
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        hook = self._hooks.on_call_end
        if hook is not None:
            elapsed_ms = (self._timing.monotonic() - self._started) * 1000
            event = CallEndEvent(
                self._model, self._operation, call_outcome(error), elapsed_ms, error
            )
            call_hook(hook, event)


class _NoWatch:
    """The watch of a call no hook watches: does nothing."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *_exc: object) -> None:
        return None


NO_WATCH = _NoWatch()


def watch_call(
    hooks: Hooks | None,
    model: str,
    op: object,
    providers: Sequence[tuple[str, Any]],
    timing: Timing,
) -> CallWatch | _NoWatch:
    """A :class:`CallWatch` for one call, or :data:`NO_WATCH` when no hook watches calls."""
    if hooks is None or (hooks.on_call_start is None and hooks.on_call_end is None):
        return NO_WATCH
    operation = "chat" if op is chat_op or op is open_stream_op else "call"
    names = tuple(name for name, _ in providers)
    return CallWatch(hooks, model, operation, names, timing)


def attempt_started(hooks: Hooks | None, pair: Pair) -> None:
    """Show ``on_attempt_start`` the attempt about to run on ``pair``."""
    if hooks is not None and hooks.on_attempt_start is not None:
        event = AttemptStartEvent(pair.name, pair.model, pair.number, pair.budget)
        call_hook(hooks.on_attempt_start, event)


def report_skips(hooks: Hooks | None, health: Health, skipped: list[str], model: str) -> None:
    """Show ``on_skip`` each provider left out of ``model``'s candidates, and why."""
    if hooks is None or hooks.on_skip is None:
        return
    for name in skipped:
        left_s = health.cooling(name, model)
        event = (
            SkipEvent(name, model, "cooldown", math.ceil(left_s * 1000))
            if left_s > 0
            else SkipEvent(name, model, "circuit_open")
        )
        call_hook(hooks.on_skip, event)


def circuit_changed(hooks: Hooks | None, event: CircuitEvent) -> None:
    """Show ``on_circuit`` a circuit's change of state."""
    if hooks is not None and hooks.on_circuit is not None:
        call_hook(hooks.on_circuit, event)


def store_fell_back(hooks: Hooks | None, store: str, reason: str) -> None:
    """Show ``on_store_fallback`` that ``store`` could not be used (for the state store's code:
    ``store_fell_back(executor.hooks, "redis", "unavailable")``; metrics count it)."""
    if hooks is not None and hooks.on_store_fallback is not None:
        call_hook(hooks.on_store_fallback, StoreFallbackEvent(store, reason))


class _ReportsFallbacks(Protocol):
    on_fallback: Callable[[str], object] | None


def watch_store(state: object, hooks: Callable[[], Hooks | None]) -> None:
    """Show the executor's ``on_store_fallback`` hook every fallback of a shared store to local
    state (``RedisState``), with the operation's name as the reason; a store given its own
    ``on_fallback`` observer, and stores without one (``MemoryState``), are left as they are."""
    if getattr(state, "on_fallback", False) is None:
        cast(_ReportsFallbacks, state).on_fallback = lambda operation: store_fell_back(
            hooks(), "redis", operation
        )
