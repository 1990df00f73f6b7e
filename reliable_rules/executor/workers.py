"""A small bounded pool of daemon worker threads for attempts that must be time-bounded.

``concurrent.futures.ThreadPoolExecutor`` joins its workers at interpreter exit, so one
provider call that hangs forever would hang the program's exit too. These workers are daemon
threads, started on demand up to a bound, that exit when idle and on ``close()``. A waiting
caller is woken through a signal it owns (a :class:`Latch` or an event), so the executor can
also interrupt the wait.

The hand-off is what a time-bounded call of an arbitrary callable pays on every attempt, so
it is kept to plain locks: an idle worker parks on a lock of its own, and ``submit`` hands the
task to the worker parked last (the one most likely still in the CPU's caches) by releasing
it; only when every worker is busy and the bound is reached does a task wait in a queue. No
``Condition``, no ``queue.Queue``, no allocation but the task's.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["Latch", "Task", "WorkerPool"]

logger = logging.getLogger("reliable_rules.executor")


class Signal(Protocol):
    """What a task sets when it has run (:class:`Latch`, or a ``threading.Event``)."""

    def set(self) -> None: ...

    def is_set(self) -> bool: ...


class Latch:
    """A one-shot signal, cheaper than ``threading.Event`` (two plain locks, no
    ``Condition``): :meth:`set` from any thread (the first one counts), :meth:`wait` for it."""

    __slots__ = ("_gate", "_once")

    def __init__(self) -> None:
        self._gate = threading.Lock()
        self._gate.acquire()  # held until set() releases it
        self._once = threading.Lock()  # acquired by the first set(): an atomic test-and-set

    def set(self) -> None:
        if self._once.acquire(blocking=False):
            self._gate.release()

    def is_set(self) -> bool:
        return self._once.locked()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until set or ``timeout`` seconds pass; whether it is set."""
        bound = -1 if timeout is None else min(max(timeout, 0.0), threading.TIMEOUT_MAX)
        if self._gate.acquire(timeout=bound):
            self._gate.release()  # stays open for any later wait
            return True
        return self.is_set()


class Task:
    """One submitted callable; ``done`` is set when it finished, with ``result`` or ``error``.

    :meth:`abandon` (the caller stopped waiting) makes a task that has not started yet
    never run: a queued call whose caller gave up is not sent.
    """

    __slots__ = ("_state_lock", "abandoned", "done", "error", "fn", "result", "started")

    def __init__(self, fn: Callable[[], Any], done: Signal) -> None:
        self.fn = fn
        self.done = done
        self.result: Any = None
        self.error: BaseException | None = None
        self.started = False
        self.abandoned = False
        self._state_lock = threading.Lock()

    def abandon(self) -> bool:
        """Drop the task if it has not started; True when it will never run."""
        with self._state_lock:
            self.abandoned = True
            return not self.started

    def run(self) -> bool:
        """Run the callable, keeping its result or the exception it raised; False when the
        task was abandoned before it started. The worker sets ``done`` after it (see
        :meth:`WorkerPool._work`)."""
        with self._state_lock:
            if self.abandoned:
                self.fn = _nothing  # drop the closure (it holds the request) at once
                return False
            self.started = True
        try:
            self.result = self.fn()
        except BaseException as error:  # noqa: BLE001 — handed back to the waiting caller
            self.error = error
        finally:
            self.fn = _nothing
        return True


def _nothing() -> None:
    return None


class _Worker:
    """A worker's hand-off slot: the task given to it, and the lock it parks on."""

    __slots__ = ("go", "task")

    def __init__(self, task: Task | None) -> None:
        self.task = task
        self.go = threading.Lock()
        self.go.acquire()  # released by whoever hands it the next task (or None: stop)


class WorkerPool:
    """At most ``max_workers`` daemon threads; idle ones exit after ``idle_s``."""

    def __init__(
        self, max_workers: int, *, idle_s: float = 30.0, name: str = "reliable-rules"
    ) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self.max_workers = max_workers
        self._idle_s = idle_s
        self._name = name
        self._lock = threading.Lock()
        self._parked: list[_Worker] = []  # idle workers, the last parked on top
        self._queue: deque[Task] = deque()  # tasks waiting while every worker is busy
        self._threads: set[threading.Thread] = set()
        self._closed = False
        self._serial = 0

    def submit(self, fn: Callable[[], Any], done: Signal) -> Task:
        """Run ``fn`` on a worker (queued when all ``max_workers`` are busy); ``done`` is set
        when it has run."""
        task = Task(fn, done)
        with self._lock:
            if self._closed:
                raise RuntimeError("worker pool is closed")
            if self._parked:
                worker = self._parked.pop()
                worker.task = task
                worker.go.release()
            elif len(self._threads) < self.max_workers:
                self._serial += 1
                thread = threading.Thread(
                    target=self._work, args=(_Worker(task),),
                    name=f"{self._name}-{self._serial}", daemon=True,
                )
                self._threads.add(thread)
                thread.start()
            else:
                self._queue.append(task)
        return task

    def _work(self, worker: _Worker) -> None:
        current = threading.current_thread()
        try:
            while True:
                task, worker.task = worker.task, None
                if task is None:  # close() stopped this worker
                    return
                ran = task.run()
                queued = parked = False
                with self._lock:
                    if self._queue:
                        worker.task, queued = self._queue.popleft(), True
                    elif not self._closed:
                        self._parked.append(worker)
                        parked = True
                # Set only now, parked: the caller's next attempt finds this worker waiting
                # instead of starting another thread.
                if ran:
                    task.done.set()
                del task  # the finished task (its result) is its caller's, not this thread's
                if queued:
                    continue
                if not parked:  # closed
                    return
                # Parked: whatever is handed over (a task, or None to stop) comes with `go`.
                if not worker.go.acquire(timeout=self._idle_s):
                    with self._lock:
                        if worker in self._parked:  # idle too long and nobody handed it work
                            self._parked.remove(worker)
                            # Uncounted in the same step: a submit that finds no parked
                            # worker may start one instead of queueing behind this one.
                            self._threads.discard(current)
                            return
                    worker.go.acquire()  # a task was handed over while it timed out
        finally:
            with self._lock:
                self._threads.discard(current)

    @property
    def threads(self) -> int:
        """How many worker threads are alive."""
        with self._lock:
            return len(self._threads)

    def close(self, timeout_s: float = 5.0) -> bool:
        """Stop every worker; True when all exited within ``timeout_s`` in total, however many
        there are (a worker stuck in a provider call that never returns is left behind as a
        daemon thread and logged). Queued tasks that have not started never run (their
        callers are woken by the executor's close, not by this)."""
        with self._lock:
            self._closed = True
            threads = list(self._threads)
            queued = list(self._queue)
            self._queue.clear()
            parked, self._parked = self._parked, []
        for task in queued:
            task.abandon()
        for worker in parked:
            worker.task = None
            worker.go.release()
        end = time.monotonic() + max(timeout_s, 0.0)
        for thread in threads:
            thread.join(max(end - time.monotonic(), 0.0))
        stuck = [thread.name for thread in threads if thread.is_alive()]
        if stuck:
            logger.warning("Worker threads still busy after close: %s", ", ".join(stuck))
        return not stuck
