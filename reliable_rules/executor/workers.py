"""A small bounded pool of daemon worker threads for attempts that must be time-bounded.

``concurrent.futures.ThreadPoolExecutor`` joins its workers at interpreter exit, so one
provider call that hangs forever would hang the program's exit too. These workers are daemon
threads, started on demand up to a bound, that exit when idle and on ``close()``. A waiting
caller is woken through an event it owns, so the executor can also interrupt the wait.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["Task", "WorkerPool"]

logger = logging.getLogger("reliable_rules.executor")

_STOP = object()


class Task:
    """One submitted callable; ``done`` is set when it finished, with ``result`` or ``error``.

    :meth:`abandon` (the caller stopped waiting) makes a task that has not started yet
    never run: a queued call whose caller gave up is not sent.
    """

    __slots__ = ("_state_lock", "abandoned", "done", "error", "fn", "result", "started")

    def __init__(self, fn: Callable[[], Any], done: threading.Event) -> None:
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

    def run(self) -> None:
        """Run the callable, keeping its result or the exception it raised (unless the task
        was abandoned before it started)."""
        with self._state_lock:
            if self.abandoned:
                self.fn = _nothing  # drop the closure (it holds the request) at once
                return
            self.started = True
        try:
            self.result = self.fn()
        except BaseException as error:  # noqa: BLE001 — handed back to the waiting caller
            self.error = error
        finally:
            self.done.set()


def _nothing() -> None:
    return None


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
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads: set[threading.Thread] = set()
        self._idle = 0
        self._pending = 0
        self._closed = False
        self._serial = 0

    def submit(self, fn: Callable[[], Any], done: threading.Event) -> Task:
        """Queue ``fn``; ``done`` is set when it has run."""
        task = Task(fn, done)
        with self._lock:
            if self._closed:
                raise RuntimeError("worker pool is closed")
            self._queue.put(task)
            self._pending += 1
            if self._pending > self._idle and len(self._threads) < self.max_workers:
                self._serial += 1
                thread = threading.Thread(
                    target=self._work, name=f"{self._name}-{self._serial}", daemon=True
                )
                self._threads.add(thread)
                thread.start()
        return task

    def _work(self) -> None:
        current = threading.current_thread()
        try:
            while True:
                with self._lock:
                    self._idle += 1
                try:
                    item = self._queue.get(timeout=self._idle_s)
                except queue.Empty:
                    with self._lock:
                        self._idle -= 1
                        if self._pending == 0:
                            return
                    continue
                with self._lock:
                    self._idle -= 1
                    if item is not _STOP:
                        self._pending -= 1
                if item is _STOP:
                    return
                item.run()
        finally:
            with self._lock:
                self._threads.discard(current)

    def _drop_queued(self) -> None:
        """Abandon every task still in the queue (their callers are told by ``close``)."""
        kept: list[Any] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, Task):
                item.abandon()  # its caller is woken by the executor's close, not by this
            kept.append(item)
        for item in kept:
            self._queue.put(item)

    @property
    def threads(self) -> int:
        """How many worker threads are alive."""
        with self._lock:
            return len(self._threads)

    def close(self, timeout_s: float = 5.0) -> bool:
        """Stop every worker; True when all exited within ``timeout_s`` in total, however many
        there are (a worker stuck in a provider call that never returns is left behind as a
        daemon thread and logged). Queued tasks that have not started never run."""
        with self._lock:
            self._closed = True
            threads = list(self._threads)
        self._drop_queued()
        for _ in threads:
            self._queue.put(_STOP)
        end = time.monotonic() + max(timeout_s, 0.0)
        for thread in threads:
            thread.join(max(end - time.monotonic(), 0.0))
        stuck = [thread.name for thread in threads if thread.is_alive()]
        if stuck:
            logger.warning("Worker threads still busy after close: %s", ", ".join(stuck))
        return not stuck
