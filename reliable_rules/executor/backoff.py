"""How long to wait before the next attempt: the policy's exponential backoff and Retry-After.

Pure functions of the rule set's :class:`~reliable_rules.Policy` (the seed's numbers by
default: floor 50 ms, doubling, cap 10 s; Retry-After capped at 30 s and never below the
current backoff), shared by the executor and the ``retrying`` decorator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reliable_rules.ruleset.model import Policy

__all__ = ["Backoff"]


@dataclass(frozen=True, slots=True)
class Backoff:
    """The backoff schedule of one executor: base, factor, ceiling, jitter, Retry-After cap."""

    base_ms: int
    factor: float
    max_ms: int
    jitter: str
    retry_after_cap_ms: int
    over_cap: str

    @classmethod
    def from_policy(cls, policy: Policy, *, base_ms: int | None = None) -> Backoff:
        """The schedule a rule set's policy describes; ``base_ms`` overrides the policy's base
        (the floor still applies, as the seed's ``base_backoff_ms.max(50)`` does)."""
        base = policy.backoff_base_ms if base_ms is None else base_ms
        return cls(
            base_ms=max(int(base), policy.backoff_floor_ms),
            factor=policy.backoff_factor,
            max_ms=policy.backoff_max_ms,
            jitter=policy.jitter,
            retry_after_cap_ms=policy.retry_after_cap_ms,
            over_cap=policy.over_cap,
        )

    def next_backoff(self, backoff_ms: int) -> int:
        """The backoff after one more retry: multiplied by the factor, capped at ``max_ms``."""
        return min(int(backoff_ms * self.factor), self.max_ms)

    def wait(
        self,
        backoff_ms: int,
        retry_after_ms: int | None,
        random: Callable[[], float] | None = None,
    ) -> tuple[int, bool]:
        """The wait in ms for this retry — the (jittered) backoff, or Retry-After capped at the
        cap and never below the current backoff — and whether the provider asked for more
        than the cap (under ``over_cap: next_provider`` the executor then moves on)."""
        base = backoff_ms
        if self.jitter != "none" and base > 0 and random is not None:
            if self.jitter == "full":
                base = int(base * random())
            else:  # "equal": half fixed, half random, so waits never collapse to zero
                half = base / 2
                base = int(half + half * random())
        if retry_after_ms is None:
            return base, False
        cap = self.retry_after_cap_ms
        return max(min(retry_after_ms, cap), base), retry_after_ms > cap
