"""The worker hand-off of time-bounded arbitrary callables (issue 14, row 8): a one-shot latch
made of plain locks, parked workers reused, queued tasks run once a worker frees, idle workers
exiting without losing a task handed over as they time out, and a hung callable still timing
out."""

from __future__ import annotations

import threading
import time

import pytest

from reliable_rules import AllProvidersFailed, Attempt, ReliableExecutor
from reliable_rules.errors import AttemptTimeout
from reliable_rules.executor.state import CallState
from reliable_rules.executor.timing import SystemTiming
from reliable_rules.executor.workers import Latch, WorkerPool


def test_a_latch_opens_once_for_every_waiter() -> None:
    """Unset, a wait times out; set from another thread, waits return True at once, again and
    again, and a second set changes nothing."""
    latch = Latch()
    assert not latch.is_set()
    assert latch.wait(0.01) is False
    threading.Timer(0.05, latch.set).start()
    assert latch.wait(5) is True
    latch.set()
    assert latch.is_set()
    assert latch.wait(0) is True
    assert latch.wait(None) is True


def test_a_cancel_wakes_a_call_waiting_on_a_latch() -> None:
    """CallState.cancel sets the latch its call waits on: the wait ends at once."""
    state, latch = CallState(), Latch()
    assert state.begin_wait(latch)
    threading.Timer(0.05, state.cancel, args=("cancelled",)).start()
    started = time.monotonic()
    assert latch.wait(5) is True
    assert time.monotonic() - started < 2
    assert state.reason == "cancelled"


def test_a_parked_worker_takes_the_next_task() -> None:
    """Sequential tasks run on one worker thread, parked between them, not on new threads."""
    pool = WorkerPool(8)
    names: list[str] = []
    try:
        for _ in range(50):
            done = Latch()
            pool.submit(lambda: names.append(threading.current_thread().name), done)
            assert done.wait(5)
        assert len(set(names)) == 1
        assert pool.threads == 1
    finally:
        assert pool.close(2)


def test_a_task_queued_behind_busy_workers_runs_when_one_frees() -> None:
    """With the only worker busy, the next task waits in the queue and runs right after."""
    pool = WorkerPool(1)
    release, order = threading.Event(), []
    try:
        first, second = Latch(), Latch()
        pool.submit(lambda: (release.wait(5), order.append("first")), first)
        pool.submit(lambda: order.append("second"), second)
        assert not second.wait(0.1)
        release.set()
        assert second.wait(5)
        assert first.is_set()
        assert order == ["first", "second"]
    finally:
        release.set()
        assert pool.close(2)


def test_idle_workers_exit_and_new_work_starts_a_new_one() -> None:
    """A worker idle for idle_s exits; a later task starts a fresh worker and runs."""
    pool = WorkerPool(2, idle_s=0.05)
    try:
        done = Latch()
        pool.submit(lambda: None, done)
        assert done.wait(5)
        deadline = time.monotonic() + 3
        while pool.threads and time.monotonic() < deadline:
            time.sleep(0.01)
        assert pool.threads == 0
        again = Latch()
        pool.submit(lambda: None, again)
        assert again.wait(5)
    finally:
        assert pool.close(2)


@pytest.mark.parametrize("max_workers", [1, 3])
def test_no_task_is_lost_when_workers_time_out_as_work_arrives(max_workers: int) -> None:
    """Idle timeouts of a millisecond racing 2,000 submits from 4 threads: every task runs
    exactly once (also with one worker, whose exit must not strand a task queued behind it)."""
    pool = WorkerPool(max_workers, idle_s=0.001)
    counts = [0] * 2000
    lock = threading.Lock()

    def bump(index: int) -> None:
        with lock:
            counts[index] += 1

    def submitter(start: int) -> None:
        for index in range(start, 2000, 4):
            done = Latch()
            pool.submit(lambda index=index: bump(index), done)
            assert done.wait(5)
            if index % 50 == 0:
                time.sleep(0.002)  # let the workers time out now and then

    try:
        threads = [threading.Thread(target=submitter, args=(start,)) for start in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert counts == [1] * 2000
    finally:
        assert pool.close(2)


@pytest.mark.parametrize("max_workers", [1, 4])
def test_a_hung_callable_still_times_out_and_the_next_call_answers(max_workers: int) -> None:
    """executor.call(fn) with attempt_timeout_s: a fn that hangs becomes an AttemptTimeout
    within about the bound, and the next call answers (on another worker) while it hangs."""
    release = threading.Event()

    def hangs(_attempt: Attempt) -> str:
        release.wait(10)
        return "late"

    executor = ReliableExecutor(
        [("p", None)], max_retries=0, attempt_timeout_s=0.2, max_workers=max_workers,
        timing=SystemTiming(),
    )
    try:
        started = time.monotonic()
        with pytest.raises(AllProvidersFailed) as failed:
            executor.call(hangs, model="m")
        assert time.monotonic() - started < 2
        assert isinstance(failed.value.attempts[0].error, AttemptTimeout)
        if max_workers > 1:
            assert executor.call(lambda _a: "fine", model="m") == "fine"
    finally:
        release.set()
        executor.close()


def test_a_bounded_success_builds_no_sleep_event() -> None:
    """A call that never sleeps makes no threading.Event for sleeping (made on first use)."""
    state = CallState()
    assert state._sleeper is None
    assert state.sleeper is state.sleeper
