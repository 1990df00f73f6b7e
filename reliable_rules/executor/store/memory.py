"""The default store: the executor's memory in this process, on the executor's clock."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence

from reliable_rules.executor.store.base import RateBudget
from reliable_rules.executor.timing import current_default

__all__ = ["MemoryState"]


def _default_clock() -> float:
    # Read at every call, so the testing switch (virtual time) applies as it does to executors.
    return current_default().monotonic()


class MemoryState:
    """Cooldowns, circuit breakers, key rotation and rate budgets in this process (the
    default; no dependency). One instance may be shared by several executors.

    Args:
        clock: seconds on a monotonic clock; None uses the executors' default timing (real
            time, or virtual time under :func:`reliable_rules.testing.set_testing`).
    """

    def __init__(self, *, clock: Callable[[], float] | None = None) -> None:
        self._clock = clock if clock is not None else _default_clock
        self._lock = threading.Lock()
        self._cool_until: dict[str, float] = {}
        self._failures: dict[str, int] = {}
        self._open_until: dict[str, float] = {}
        self._rings: dict[str, int] = {}
        self._admitted: dict[str, deque[float]] = {}

    def __repr__(self) -> str:
        return "MemoryState()"

    def cool_down(self, scope: str, seconds: float) -> None:
        """Skip ``scope`` for ``seconds`` (keeping a longer cooldown)."""
        until = self._clock() + seconds
        with self._lock:
            self._cool_until[scope] = max(until, self._cool_until.get(scope, 0.0))

    def cooling(self, scope: str) -> float:
        """Seconds left of ``scope``'s cooldown (0.0 when none)."""
        with self._lock:
            until = self._cool_until.get(scope)
        return 0.0 if until is None else max(0.0, until - self._clock())

    def circuit_failure(self, scope: str, threshold: int, reset_after_s: float) -> bool:
        """One failure; the circuit opens at ``threshold`` in a row."""
        with self._lock:
            count = self._failures.get(scope, 0) + 1
            self._failures[scope] = count
            if count < threshold:
                return False
            self._open_until[scope] = self._clock() + reset_after_s
            self._failures[scope] = threshold - 1  # half-open after the reset
            return True

    def circuit_success(self, scope: str) -> None:
        """Close the circuit and forget its failures."""
        with self._lock:
            self._failures.pop(scope, None)
            self._open_until.pop(scope, None)

    def circuit_open(self, scope: str) -> bool:
        """Whether the circuit is open now."""
        with self._lock:
            until = self._open_until.get(scope)
        return until is not None and self._clock() < until

    def next_key(self, ring: str, count: int, cooling: Sequence[str] = ()) -> int:
        """The next index of the ring, skipping cooling keys while another is not."""
        with self._lock:
            start = self._rings.get(ring, 0)
            self._rings[ring] = start + 1
        if not cooling:
            return start % count
        for step in range(count):
            index = (start + step) % count
            if self.cooling(cooling[index]) == 0.0:
                if step:
                    with self._lock:
                        self._rings[ring] = self._rings.get(ring, 0) + step
                return index
        return start % count

    def turn_key(self, ring: str, count: int, used: int, cooling: Sequence[str] = ()) -> int:
        """The ring's current index, after one turn when a key was rate limited."""
        with self._lock:
            position = self._rings.get(ring, 0)
            if used >= 0:
                position += 1
                self._rings[ring] = position
        for step in range(len(cooling)):
            index = (position + step) % count
            if self.cooling(cooling[index]) == 0.0:
                if step and used >= 0:
                    with self._lock:
                        self._rings[ring] = self._rings.get(ring, 0) + step
                return index
        return position % count

    def blocked(self, cooling: Sequence[str], circuits: Sequence[str]) -> list[bool]:
        """Whether each candidate is cooling down or has its circuit open."""
        return [
            self.cooling(name) > 0.0 or (bool(circuits) and self.circuit_open(circuits[index]))
            for index, name in enumerate(cooling)
        ]

    def acquire(self, scope: str, budget: RateBudget) -> float:
        """A slot of the sliding window now (0.0), or the seconds until one frees up."""
        now = self._clock()
        with self._lock:
            admitted = self._admitted.setdefault(scope, deque())
            while admitted and admitted[0] <= now - budget.per_s:
                admitted.popleft()
            if len(admitted) < budget.requests:
                admitted.append(now)
                return 0.0
            return max(admitted[0] + budget.per_s - now, 1e-6)
