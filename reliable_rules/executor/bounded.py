"""Time-bounded attempts and streams that stop when their caller does.

When the provider is one of this package's HTTP adapters (it has ``with_guard()``) and the
operation is one of the chat operations, an attempt runs on the caller's thread under the
adapter's guard (:class:`~reliable_rules.providers.Guard`): the adapter's own reads wait at
most until the attempt's bound, and a cancel or ``close()`` shuts the socket being read. No
worker thread, no hand-off, nothing left downloading after the caller gave up.

Any other callable runs on the worker pool as before; on a timeout or a cancel its queued task
is dropped if it has not started, and a guarded provider it was handed is stopped.

After the first event of a stream, :func:`follow` keeps the call's deadline and its cancel
token in force between events (``DeadlineExceeded``/``CallCancelled``), which the loops'
retry machinery no longer covers.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeVar

from reliable_rules.chat import StreamEvent
from reliable_rules.errors import AttemptTimeout, CallCancelled, DeadlineExceeded
from reliable_rules.executor.attempt import Attempt, chat_op, open_stream_op
from reliable_rules.executor.state import CallState, CancelToken, Halt
from reliable_rules.executor.timing import Timing
from reliable_rules.executor.workers import Latch, WorkerPool

__all__ = ["follow", "run_bounded"]

T = TypeVar("T")

#: The operations whose provider calls are known: only these run inline under a guard.
INLINE_OPS: frozenset[Callable[..., Any]] = frozenset({chat_op, open_stream_op})


class Guard(Protocol):
    """What the executor uses of an adapter's guard (the executor never imports providers:
    the adapter hands its guard over through ``with_guard()``)."""

    reason: str | None

    def set_deadline(self, name: str, when: float | None) -> None:
        """Bound the call at monotonic time ``when`` (None removes the bound)."""
        ...

    def cancel(self, reason: str = "cancelled") -> None:
        """Stop the call and wake its blocked read."""
        ...


def _guarded(provider: Any) -> tuple[Any, Guard] | None:
    """A copy of ``provider`` bound to a fresh guard, and the guard; None when the provider
    offers none."""
    with_guard = getattr(provider, "with_guard", None)
    if not callable(with_guard):
        return None
    bound = with_guard()
    guard = getattr(bound, "guard", None)
    return None if guard is None else (bound, guard)


class _Waker(threading.Event):
    """What a :class:`CallState` sets on cancel: it also stops the guard (shuts the socket)."""

    def __init__(self, guard: Guard) -> None:
        super().__init__()
        self._guard = guard

    def set(self) -> None:
        super().set()
        self._guard.cancel()


def _cancelled(state: CallState) -> Halt:
    what = "Executor closed." if state.reason == "closed" else "Call cancelled."
    return Halt("cancelled", what)


def _timed_out(attempt: Attempt, limit: float) -> AttemptTimeout:
    return AttemptTimeout(
        f"attempt timed out after {limit:g}s "
        f"(provider={attempt.provider_name} model={attempt.model})"
    )


def run_bounded(
    op: Callable[[Attempt], T],
    attempt: Attempt,
    *,
    state: CallState,
    limit: float,
    deadline_bound: bool,
    pool: Callable[[], WorkerPool],
) -> T:
    """Run one attempt for at most ``limit`` seconds (``deadline_bound``: the limit is what is
    left of the call's deadline, so running out is :class:`Halt` ``deadline``, else
    :class:`AttemptTimeout`); a cancel of ``state`` raises :class:`Halt` ``cancelled``."""
    bound = "deadline" if deadline_bound else "attempt"
    guard: Guard | None = None
    guarded = _guarded(attempt.provider)
    if guarded is not None:
        provider, guard = guarded
        guard.set_deadline(bound, time.monotonic() + limit)
        attempt = attempt._replace(provider=provider)
    if guard is not None and op in INLINE_OPS:
        return _inline(op, attempt, state=state, guard=guard, bound=bound, limit=limit)
    done = Latch()
    context = contextvars.copy_context()
    task = pool().submit(lambda: context.run(op, attempt), done)
    if state.begin_wait(done):
        try:
            done.wait(limit)
        finally:
            state.end_wait()
    if not task.done.is_set():
        # The caller stops waiting: a queued task never starts, a running one that uses the
        # guarded provider has its response closed.
        task.abandon()
        if guard is not None:
            guard.cancel("cancelled" if state.reason is not None else bound)
    if state.reason is not None:
        raise _cancelled(state)
    if not task.done.is_set():
        if deadline_bound:
            raise Halt("deadline", "Deadline exceeded.")
        raise _timed_out(attempt, limit)
    if task.error is not None:
        raise task.error
    result: T = task.result  # the worker ran op, which returns a T
    return result


def _inline(
    op: Callable[[Attempt], T],
    attempt: Attempt,
    *,
    state: CallState,
    guard: Guard,
    bound: str,
    limit: float,
) -> T:
    if not state.begin_wait(_Waker(guard)):
        raise _cancelled(state)
    try:
        result = op(attempt)
    except Exception as error:
        if state.reason is not None:
            raise _cancelled(state) from error
        if guard.reason == "deadline":
            raise Halt("deadline", "Deadline exceeded.") from error
        if guard.reason == "attempt":
            raise _timed_out(attempt, limit) from error
        raise
    finally:
        state.end_wait()
    # The bound was on reaching the answer (a stream's first event), not on reading it all.
    guard.set_deadline(bound, None)
    return result


def follow(
    first: StreamEvent | None,
    events: Iterator[StreamEvent],
    *,
    register: Callable[[CallState], CallState],
    unregister: Callable[[CallState], None],
    cancel: CancelToken | None,
    deadline: float | None,
    timing: Timing,
) -> Iterator[StreamEvent]:
    """The stream after its first event, bounded by the call's ``deadline`` (on ``timing``'s
    clock) and stopped by ``cancel`` or ``close()``: a stalled read is woken through the
    adapter's guard, so neither waits for the server."""
    guard: Guard | None = getattr(events, "guard", None)
    state = register(CallState())
    if cancel is not None:
        cancel._attach(state)
    if guard is not None:
        state.begin_wait(_Waker(guard))
        if deadline is not None:
            guard.set_deadline("deadline", time.monotonic() + (deadline - timing.monotonic()))
    try:
        if first is not None:
            yield first
        while True:
            _stop_if_done(state, deadline, timing)
            try:
                event = next(events)
            except StopIteration:
                return
            except Exception as error:
                if state.reason is not None or (guard is not None and guard.reason == "deadline"):
                    _stop_if_done(state, deadline, timing, error=error, passed=True)
                raise
            yield event
    finally:
        state.end_wait()
        if cancel is not None:
            cancel._detach(state)
        unregister(state)
        close = getattr(events, "close", None)
        if close is not None:
            close()


def _stop_if_done(
    state: CallState,
    deadline: float | None,
    timing: Timing,
    *,
    error: BaseException | None = None,
    passed: bool = False,
) -> None:
    if state.reason is not None:
        what = "Executor closed." if state.reason == "closed" else "Call cancelled."
        raise CallCancelled(what) from error
    if passed or (deadline is not None and timing.monotonic() >= deadline):
        raise DeadlineExceeded("Deadline exceeded.") from error
