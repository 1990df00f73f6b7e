"""Optional, shared provider health: rate-limit cooldowns and per-(provider, model) circuit
breakers. Both are off by default; both only ever *skip* a candidate while another one is
available, so they can make a call faster but never make it fail where it would have worked.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reliable_rules.executor.records import CircuitEvent

__all__ = ["CircuitBreakerPolicy", "Health"]

#: Categories whose failures count towards opening a circuit: the provider side is broken.
#: Context, tool-schema, auth and format failures are about the request and never count.
BREAKER_CATEGORIES = frozenset({"server_error", "timeout", "network_error"})


@dataclass(frozen=True, slots=True)
class CircuitBreakerPolicy:
    """Open a (provider, model) circuit after ``failure_threshold`` consecutive failures in
    ``categories``; skip it for ``reset_after_s``, then let one call through (half-open): a
    success closes it, a failure opens it again."""

    failure_threshold: int = 5
    reset_after_s: float = 30.0
    categories: frozenset[str] = field(default=BREAKER_CATEGORIES)


class Health:
    """The mutable, lock-protected state behind cooldowns and circuit breakers."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        cooldown: bool,
        breaker: CircuitBreakerPolicy | None,
        on_change: Callable[[CircuitEvent], Any] | None = None,
    ) -> None:
        self._clock = clock
        self._on_change = on_change
        self.cooldown_enabled = cooldown
        self.breaker = breaker
        self._lock = threading.Lock()
        self._cool_until: dict[str, float] = {}
        self._failures: dict[tuple[str, str], int] = {}
        self._open_until: dict[tuple[str, str], float] = {}

    @property
    def enabled(self) -> bool:
        """Whether any health tracking is on (the executor skips all of it otherwise)."""
        return self.cooldown_enabled or self.breaker is not None

    def cool_down(self, provider: str, seconds: float) -> None:
        """Skip ``provider`` for ``seconds`` (after a rate limit that named a Retry-After)."""
        if not self.cooldown_enabled or seconds <= 0:
            return
        until = self._clock() + seconds
        with self._lock:
            self._cool_until[provider] = max(until, self._cool_until.get(provider, 0.0))

    def cooling(self, provider: str) -> float:
        """Seconds left of ``provider``'s cooldown (0 when none)."""
        with self._lock:
            until = self._cool_until.get(provider)
        return 0.0 if until is None else max(0.0, until - self._clock())

    def circuit_open(self, provider: str, model: str) -> bool:
        """Whether the pair's circuit is open (half-open pairs report closed: one may pass)."""
        if self.breaker is None:
            return False
        with self._lock:
            until = self._open_until.get((provider, model))
        return until is not None and self._clock() < until

    def available(self, provider: str, model: str) -> bool:
        """Whether neither a cooldown nor an open circuit asks to skip the pair."""
        return self.cooling(provider) == 0.0 and not self.circuit_open(provider, model)

    def record(self, provider: str, model: str, category: str | None) -> None:
        """Feed one attempt's result (category None: success) to the breaker."""
        breaker = self.breaker
        if breaker is None:
            return
        pair = (provider, model)
        changed = None
        with self._lock:
            if category is None:
                self._failures.pop(pair, None)
                if self._open_until.pop(pair, None) is not None:
                    changed = "closed"
            elif category in breaker.categories:
                count = self._failures.get(pair, 0) + 1
                self._failures[pair] = count
                if count >= breaker.failure_threshold:
                    now = self._clock()
                    if self._open_until.get(pair, 0.0) <= now:
                        changed = "open"  # closed or half-open before: a change of state
                    self._open_until[pair] = now + breaker.reset_after_s
                    self._failures[pair] = breaker.failure_threshold - 1  # half-open after reset
        if changed is not None and self._on_change is not None:
            self._on_change(CircuitEvent(provider, model, changed))
