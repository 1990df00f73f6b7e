"""Clock, sleep and randomness, injectable so tests never really sleep.

The executor never calls ``time.sleep``: it waits on an event so that ``close()`` or a
cancel wakes it at once. :class:`SystemTiming` does that for real; the testing switch
(:func:`reliable_rules.testing.set_testing`, like stamina's) swaps in a virtual clock whose
sleeps return immediately and are recorded.
"""

from __future__ import annotations

import random as _random
import threading
import time
from typing import Protocol

__all__ = ["SystemTiming", "Timing", "current_default", "set_default"]


class Timing(Protocol):
    """What the executor needs from time."""

    def monotonic(self) -> float:
        """Seconds on a monotonic clock."""
        ...

    def sleep(self, seconds: float, wake: threading.Event) -> None:
        """Wait ``seconds``, returning early when ``wake`` is set."""
        ...

    def random(self) -> float:
        """A float in [0, 1) for jitter."""
        ...


class SystemTiming:
    """Real time: ``time.monotonic``, ``Event.wait`` and ``random.random``."""

    __slots__ = ()

    def monotonic(self) -> float:
        """Seconds on the system's monotonic clock."""
        return time.monotonic()

    def sleep(self, seconds: float, wake: threading.Event) -> None:
        """Block until ``seconds`` pass or ``wake`` is set."""
        wake.wait(seconds)

    def random(self) -> float:
        """A pseudo-random float in [0, 1)."""
        return _random.random()  # jitter, not cryptography


SYSTEM = SystemTiming()
_default: Timing = SYSTEM


def set_default(timing: Timing | None) -> None:
    """Make ``timing`` what executors built without an explicit ``timing=`` use (None: real)."""
    global _default  # noqa: PLW0603 — one process-wide testing switch, as stamina offers
    _default = SYSTEM if timing is None else timing


def current_default() -> Timing:
    """The timing executors use when given none."""
    return _default
