"""Tools for testing code that uses reliable_rules — ours and yours.

* :class:`FakeProviderServer`: a real HTTP server on 127.0.0.1 speaking the OpenAI-compatible
  and Anthropic shapes, scripted reply by reply (status, headers, body, delay, dropped
  connection, SSE chunks). Point an adapter, an SDK or plain ``requests`` at it.
* :class:`RedisServer`: a throwaway ``redis-server`` on 127.0.0.1 (persistence off) for
  ``RedisState``, with ``kill``/``pause``/``resume`` to take Redis away mid-run.
* :class:`FakeTiming` and :func:`set_testing`: virtual time, so retries never really sleep
  (like stamina's ``set_testing``). Executors built without ``timing=`` follow the switch.
"""

from __future__ import annotations

import random as _random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from reliable_rules.executor.timing import current_default, set_default
from reliable_rules.testing.fakeserver import FakeProviderServer, RecordedRequest, Reply
from reliable_rules.testing.redis_server import RedisServer

__all__ = [
    "FakeProviderServer",
    "FakeTiming",
    "RecordedRequest",
    "RedisServer",
    "Reply",
    "set_testing",
    "virtual_time",
]


class FakeTiming:
    """Virtual time: every sleep returns at once and is recorded in ``sleeps`` (seconds), and
    the clock runs at real speed plus everything slept, so deadlines still hold."""

    def __init__(self, *, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._offset = 0.0
        self._random = _random.Random(seed)  # reproducible jitter in tests
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        """Real monotonic time plus the virtual time slept so far."""
        return time.monotonic() + self._offset

    def sleep(self, seconds: float, wake: threading.Event) -> None:
        """Record the sleep and advance the clock, without waiting (unless already woken)."""
        if wake.is_set():
            return
        with self._lock:
            self.sleeps.append(seconds)
            self._offset += seconds

    def random(self) -> float:
        """A reproducible float in [0, 1)."""
        with self._lock:
            return self._random.random()

    @property
    def slept_ms(self) -> list[int]:
        """The recorded sleeps in whole milliseconds."""
        return [round(seconds * 1000) for seconds in self.sleeps]


def set_testing(enabled: bool = True) -> FakeTiming | None:
    """Turn virtual time on (returning the :class:`FakeTiming` now in use) or off, for every
    executor and ``retrying`` function that was not given ``timing=`` explicitly."""
    if not enabled:
        set_default(None)
        return None
    fake = FakeTiming()
    set_default(fake)
    return fake


@contextmanager
def virtual_time() -> Iterator[FakeTiming]:
    """Virtual time within a ``with`` block; the previous setting is restored after it."""
    previous = current_default()
    fake = FakeTiming()
    set_default(fake)
    try:
        yield fake
    finally:
        set_default(previous)
