"""What the executor remembers between calls, behind one small protocol.

Everything is expressed in durations, never in absolute times: ``cooling`` answers the seconds
left, ``acquire`` the seconds to wait. So each store keeps its own clock (the executor's for
:class:`~reliable_rules.executor.store.memory.MemoryState`, Redis ``TIME`` and key TTLs for
:class:`~reliable_rules.executor.store.redis.RedisState`) and hosts never compare clocks.

Scopes are short strings that name what is remembered (:func:`scope` builds them):
``cool:<provider>``, ``cool:<provider>:<model>``, ``key:<digest>``, ``cb:<provider>:<model>``,
``ring:<name>:<digest>``, ``rate:<provider>``, ``learn:<provider>:<model>``. A store treats
them as opaque names.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable
from urllib.parse import quote

__all__ = ["Quota", "RateBudget", "StateStore", "key_digest", "scope"]


@dataclass(frozen=True, slots=True)
class RateBudget:
    """A provider's rate budget: at most ``requests`` attempts and ``tokens`` tokens in any
    ``per_s`` seconds (sliding windows: no window of that length, wherever it starts, holds
    more), and, with ``learn``, what the provider's ``x-ratelimit-*`` headers say is left.

    ``RateBudget(60)`` is 60 requests a minute; ``RateBudget(tokens=90_000)`` 90,000 tokens a
    minute; ``RateBudget()`` only what the headers teach. An attempt is charged 1 request and
    its estimated tokens (see :func:`~reliable_rules.executor.budgets.estimate_tokens`), then
    the tokens its answer reports; attempts past the budget wait for room (interruptibly, and
    bounded by the call's deadline).
    """

    requests: int | None = None
    per_s: float = 60.0
    tokens: int | None = None
    learn: bool = True

    def __post_init__(self) -> None:
        for name in ("requests", "tokens"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"RateBudget.{name} must be an int")
            if value < 1:
                raise ValueError(f"RateBudget.{name} must be >= 1")
        if not (self.per_s > 0 and math.isfinite(self.per_s)):
            raise ValueError("RateBudget.per_s must be a positive number of seconds")
        if self.requests is None and self.tokens is None and not self.learn:
            raise ValueError("RateBudget needs requests, tokens or learn=True")


#: What a provider's headers say is left: ``(remaining, seconds until it resets)``.
Quota = tuple[int, float]


@runtime_checkable
class StateStore(Protocol):
    """Shared, thread-safe memory of provider health, key rotation and rate budgets.

    Implementations must be safe to call from many threads; shared ones (Redis) must make
    every update atomic and must never raise: when their backend is unavailable they answer
    from local state instead.
    """

    def cool_down(self, scope: str, seconds: float) -> None:
        """Remember that ``scope`` must be skipped for ``seconds`` (a longer cooldown already
        there is kept)."""
        ...

    def cooling(self, scope: str) -> float:
        """Seconds left of ``scope``'s cooldown (0.0 when none)."""
        ...

    def circuit_failure(self, scope: str, threshold: int, reset_after_s: float) -> bool:
        """Count one failure of ``scope``'s circuit; after ``threshold`` in a row open it for
        ``reset_after_s`` (then half-open: one more failure opens it again). True when this
        failure opened it."""
        ...

    def circuit_success(self, scope: str) -> None:
        """A success closes ``scope``'s circuit and forgets its failures."""
        ...

    def circuit_open(self, scope: str) -> bool:
        """Whether ``scope``'s circuit is open now."""
        ...

    def next_key(self, ring: str, count: int, cooling: Sequence[str] = ()) -> int:
        """The index (0 <= i < count) of the ring's next key, round-robin from 0 and shared by
        every user of the store. With ``cooling`` (one scope per key), keys whose scope is
        cooling down are skipped while another key is not."""
        ...

    def turn_key(self, ring: str, count: int, used: int, cooling: Sequence[str] = ()) -> int:
        """The index of the ring's current key. ``used = -1`` only looks (a first attempt);
        with ``used`` (0 <= used < count, the key that was rate limited) the ring takes one
        turn first, so concurrent limits spread over the keys and every key is handed out
        within one turn of the others, whichever process turns. Keys whose
        ``cooling`` scope is cooling down are skipped while another key is not (the ring moves
        past them only when it turned)."""
        ...

    def acquire(self, scope: str, budget: RateBudget) -> float:
        """Take one slot of ``budget`` for ``scope``: 0.0 when taken, else the seconds until
        one frees up (nothing was taken). ``take(scope, budget)[0]``."""
        ...

    def take(
        self,
        scope: str,
        budget: RateBudget,
        tokens: int = 0,
        learned: str = "",
        learned_max_s: float = math.inf,
    ) -> tuple[float, str]:
        """Charge one request and ``tokens`` (cut to ``budget.tokens``) to ``scope``'s budget,
        all or nothing: ``(0.0, ticket)`` when charged (the ticket names the token charge for
        :meth:`settle`), else ``(seconds, "")``: the wait until everything fits. With
        ``learned`` (a ``learn:`` scope), what :meth:`learn` stored there is honoured too (a
        spent count waits for its reset, unless that is longer than ``learned_max_s``) and
        charged."""
        ...

    def settle(self, scope: str, ticket: str, tokens: int, learned: str = "") -> None:
        """Correct the token charge ``ticket`` of :meth:`take` to ``tokens`` (what the answer
        reported), in ``scope``'s window and in ``learned``'s count."""
        ...

    def learn(
        self, learned: str, requests: Quota | None = None, tokens: Quota | None = None
    ) -> None:
        """Remember what a provider said is left of its requests and tokens, each
        ``(remaining, reset_s)``, until its reset (the newest answer wins)."""
        ...

    def blocked(self, cooling: Sequence[str], circuits: Sequence[str]) -> list[bool]:
        """For each position, whether ``cooling[i]`` is cooling down or ``circuits[i]`` (when
        given: the lists are the same length, or ``circuits`` is empty) is open: the reads of
        :meth:`cooling` and :meth:`circuit_open` for many candidates at once (one round trip)."""
        ...


def scope(kind: str, *parts: str) -> str:
    """``kind:part:part``, each part quoted so that no two different tuples give one name."""
    return ":".join([kind, *(quote(part, safe="/-._~@") for part in parts)])


def key_digest(*keys: str) -> str:
    """A short, stable digest of API keys: what the stores see instead of a key."""
    digest = hashlib.sha256("\x00".join(keys).encode("utf-8")).hexdigest()
    return digest[:16]
