"""The calls one executor has in flight: registering them so ``close()`` reaches them,
interruptible sleeps, and time-bounded attempts on the worker pool.

Everything here is shared between caller threads and lock-protected; a call's own
bookkeeping stays in :class:`~reliable_rules.executor.state.Run`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from reliable_rules.executor.attempt import Attempt
from reliable_rules.executor.bounded import run_bounded
from reliable_rules.executor.state import CallState, Halt, Run
from reliable_rules.executor.timing import Timing
from reliable_rules.executor.workers import WorkerPool

__all__ = ["LiveCalls", "halt_if_cancelled"]

T = TypeVar("T")


def halt_if_cancelled(state: CallState) -> None:
    """Unwind the loops (:class:`Halt` ``cancelled``) once the call was cancelled or closed."""
    if state.reason is not None:
        what = "Executor closed." if state.reason == "closed" else "Call cancelled."
        raise Halt("cancelled", what)


class LiveCalls:
    """The live calls of one executor, whether it is closed, and its worker pool (started
    on the first attempt that needs it)."""

    def __init__(self, max_workers: int) -> None:
        self.max_workers = max_workers
        self.pool: WorkerPool | None = None
        self.closed = False
        self._lock = threading.Lock()
        self._live: set[CallState] = set()

    def close(self, timeout_s: float) -> None:
        """Cancel every live call (``closed``), refuse new ones, stop the workers."""
        with self._lock:
            self.closed = True
            live = list(self._live)
            pool, self.pool = self.pool, None
        for state in live:
            state.cancel("closed")
        if pool is not None:
            pool.close(timeout_s)

    def register(self, state: CallState) -> CallState:
        with self._lock:
            closed = self.closed
            self._live.add(state)
        if closed:
            state.cancel("closed")
        return state

    def unregister(self, state: CallState) -> None:
        with self._lock:
            self._live.discard(state)

    def state(self, run: Run) -> CallState:
        if run.state is None:
            run.state = self.register(CallState())
        return run.state

    def sleep(self, seconds: float, run: Run, timing: Timing) -> None:
        state = self.state(run)
        event = state.sleeper
        event.clear()
        if state.begin_wait(event):
            try:
                timing.sleep(seconds, event)
            finally:
                state.end_wait()
        halt_if_cancelled(state)

    def bounded(
        self,
        op: Callable[[Attempt], T],
        attempt: Attempt,
        run: Run,
        timing: Timing,
        attempt_timeout_s: float | None,
    ) -> T:
        """Run one attempt on a worker, waiting at most the attempt timeout and the time left
        before the deadline; cancel and close interrupt the wait."""
        state = self.state(run)
        limit = attempt_timeout_s
        deadline_bound = False
        if run.deadline is not None:
            left = run.deadline - timing.monotonic()
            if left <= 0:
                raise Halt("deadline", "Deadline exceeded.")
            if limit is None or left < limit:
                limit, deadline_bound = left, True
        assert limit is not None  # bounded runs only with an attempt timeout or a deadline
        return run_bounded(
            op, attempt, state=state, limit=limit, deadline_bound=deadline_bound,
            pool=self.worker_pool,
        )

    def worker_pool(self) -> WorkerPool:
        with self._lock:
            if self.closed:
                raise Halt("cancelled", "Executor closed.")
            if self.pool is None:
                self.pool = WorkerPool(self.max_workers)
            return self.pool
