"""The default store: the executor's memory in this process, on the executor's clock."""

from __future__ import annotations

import itertools
import math
import threading
from collections import deque
from collections.abc import Callable, Sequence

from reliable_rules.executor.store.base import Quota, RateBudget
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
        # Token charges in the window: [time, tokens, ticket number], oldest first, and sums.
        self._charged: dict[str, deque[list[float]]] = {}
        self._charged_sum: dict[str, float] = {}
        # Learned counts: name -> [remaining, until].
        self._learned: dict[str, list[float]] = {}
        self._tickets = itertools.count(1)

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
        return self.take(scope, budget)[0]

    def take(
        self,
        scope: str,
        budget: RateBudget,
        tokens: int = 0,
        learned: str = "",
        learned_max_s: float = math.inf,
    ) -> tuple[float, str]:
        """One request and ``tokens`` of the budget's windows (and of the learned counts),
        all or nothing: ``(0.0, ticket)``, or the seconds until everything fits."""
        now = self._clock()
        cost = max(0, tokens) if budget.tokens is None else min(max(0, tokens), budget.tokens)
        with self._lock:
            wait = 0.0
            if learned:
                for name in (f"{learned}:requests", f"{learned}:tokens"):
                    entry = self._learned.get(name)
                    if entry is not None and entry[1] <= now:
                        del self._learned[name]
                    elif entry is not None and entry[0] <= 0 and entry[1] - now <= learned_max_s:
                        wait = max(wait, entry[1] - now)
            admitted = self._admitted.setdefault(scope, deque())
            while admitted and admitted[0] <= now - budget.per_s:
                admitted.popleft()
            if budget.requests is not None and len(admitted) >= budget.requests:
                wait = max(wait, admitted[0] + budget.per_s - now)
            if budget.tokens is not None:
                wait = max(wait, self._token_wait(scope, budget, cost, now))
            if wait > 0:
                return max(wait, 1e-6), ""
            admitted.append(now)
            number = 0
            if budget.tokens is not None:
                number = next(self._tickets)
                self._charged[scope].append([now, cost, number])
                self._charged_sum[scope] += cost
            if learned:
                self._spend(f"{learned}:requests", 1, now)
                self._spend(f"{learned}:tokens", cost, now)
            return 0.0, f"{number}:{cost}"

    def _token_wait(self, scope: str, budget: RateBudget, cost: int, now: float) -> float:
        """Seconds until ``cost`` more tokens fit the window (0.0: now). Holds the lock."""
        charged = self._charged.setdefault(scope, deque())
        total = self._charged_sum.get(scope, 0.0)
        while charged and charged[0][0] <= now - budget.per_s:
            total -= charged.popleft()[1]
        self._charged_sum[scope] = total = max(0.0, total) if charged else 0.0
        limit = budget.tokens or 0
        excess = total + cost - limit
        if excess <= 0:
            return 0.0
        for when, spent, _number in charged:
            excess -= spent
            if excess <= 0:
                return max(when + budget.per_s - now, 1e-6)
        return budget.per_s  # unreachable: cost <= limit, so the whole window frees enough

    def _spend(self, name: str, amount: float, now: float) -> None:
        entry = self._learned.get(name)
        if entry is not None and entry[1] > now:
            entry[0] -= amount

    def settle(self, scope: str, ticket: str, tokens: int, learned: str = "") -> None:
        """Correct the charge ``ticket`` to ``tokens`` in the window and the learned count."""
        number_text, _, old_text = ticket.partition(":")
        try:
            number, old = int(number_text), int(old_text)
        except ValueError:
            return
        now = self._clock()
        delta = max(0, tokens) - old
        with self._lock:
            # Newest first: the charge settled is nearly always among the last ones.
            for entry in reversed(self._charged.get(scope, ())) if number else ():
                if entry[2] == number:
                    entry[1] += delta
                    self._charged_sum[scope] = self._charged_sum.get(scope, 0.0) + delta
                    break
            else:
                # The charge left the window already: what it used beyond it counts now.
                if delta > 0 and number and self._charged.get(scope):
                    self._charged[scope].append([now, delta, 0])
                    self._charged_sum[scope] = self._charged_sum.get(scope, 0.0) + delta
            if learned:
                self._spend(f"{learned}:tokens", delta, now)

    def learn(
        self, learned: str, requests: Quota | None = None, tokens: Quota | None = None
    ) -> None:
        """Remember the remaining counts until their resets (replacing what was learned)."""
        now = self._clock()
        with self._lock:
            for kind, quota in (("requests", requests), ("tokens", tokens)):
                if quota is not None:
                    self._learned[f"{learned}:{kind}"] = [float(quota[0]), now + quota[1]]
