"""Optional, shared provider health: rate-limit cooldowns and per-(provider, model) circuit
breakers. Both are off by default; both only ever *skip* a candidate while another one is
available, so they can make a call faster but never make it fail where it would have worked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reliable_rules.decision import Decision
from reliable_rules.executor.records import CircuitEvent
from reliable_rules.executor.store.base import StateStore, scope

__all__ = ["CircuitBreakerPolicy", "Health", "model_scoped"]

#: Categories whose failures count towards opening a circuit: the provider side is broken.
#: Context, tool-schema, auth and format failures are about the request and never count.
BREAKER_CATEGORIES = frozenset({"server_error", "timeout", "network_error"})

#: Categories about the model at that provider, whatever the text says.
MODEL_CATEGORIES = frozenset({"model_not_found"})
#: Text that puts a failure on the model rather than the provider ("The model is overloaded",
#: "model ... is currently unavailable", "per-model rate limit").
_MODEL_TEXT = re.compile(
    r"\bmodel\b[^.\n]{0,60}?\b(?:overloaded|unavailable|not available|"
    r"capacity|busy)\b|\bper[- ]model\b",
    re.IGNORECASE,
)


def model_scoped(decision: Decision, model: str) -> bool:
    """Whether a failure concerns only ``model`` at its provider, not the whole provider:
    its category is about the model (``model_not_found``), or its message or body names the
    model (``Rate limit reached for gpt-4o in organization ...``) or says the model is
    overloaded or unavailable. A cooldown then skips only the provider+model pair, and the
    provider's other models stay usable."""
    if decision.category in MODEL_CATEGORIES:
        return True
    text = decision.failure.text
    if not text:
        return False
    if len(model) >= 3 and _names(text, model):
        return True
    return _MODEL_TEXT.search(text) is not None


def _names(text: str, model: str) -> bool:
    """Whether ``text`` names ``model`` as a whole name: ``gpt-4o`` is not named by an error
    about ``gpt-4o-mini`` (a model name goes on with letters, digits, ``.``, ``-``, ``_`` or
    ``:``), while ``models/gpt-4o`` and `` `gpt-4o` `` name it."""
    lower, name = text.lower(), model.lower()
    start = lower.find(name)
    while start >= 0:
        end = start + len(name)
        before = lower[start - 1] if start else " "
        after = lower[end] if end < len(lower) else " "
        if not _name_char(before) and not _name_char(after):
            return True
        start = lower.find(name, start + 1)
    return False


def _name_char(char: str) -> bool:
    """Whether ``char`` can continue a model name."""
    return char.isalnum() or char in ".-_:"


@dataclass(frozen=True, slots=True)
class CircuitBreakerPolicy:
    """Open a (provider, model) circuit after ``failure_threshold`` consecutive failures in
    ``categories``; skip it for ``reset_after_s``, then let one call through (half-open): a
    success closes it, a failure opens it again."""

    failure_threshold: int = 5
    reset_after_s: float = 30.0
    categories: frozenset[str] = field(default=BREAKER_CATEGORIES)


class Health:
    """Cooldowns and circuit breakers: the policy here, the memory in a :class:`StateStore`
    (shared by every process using the same Redis namespace, with ``RedisState``)."""

    def __init__(
        self,
        store: StateStore,
        *,
        cooldown: bool,
        breaker: CircuitBreakerPolicy | None,
        on_change: Callable[[CircuitEvent], Any] | None = None,
    ) -> None:
        self.store = store
        self._on_change = on_change
        # Circuits this process saw open, to report their closing (an event per process).
        self._opened: set[str] = set()
        self.cooldown_enabled = cooldown
        self.breaker = breaker

    @property
    def enabled(self) -> bool:
        """Whether any health tracking is on (the executor skips all of it otherwise)."""
        return self.cooldown_enabled or self.breaker is not None

    def cool_down(self, provider: str, seconds: float, model: str | None = None) -> None:
        """Skip ``provider`` (with ``model``: only the provider+model pair) for ``seconds``
        (after a rate limit that named a Retry-After, or a learned reset)."""
        if not self.cooldown_enabled or seconds <= 0:
            return
        name = scope("cool", provider) if model is None else scope("cool", provider, model)
        self.store.cool_down(name, seconds)

    def cool_key(self, digest: str, seconds: float) -> None:
        """Skip the API key with this digest in every rotation for ``seconds``."""
        if not self.cooldown_enabled or seconds <= 0:
            return
        self.store.cool_down(scope("key", digest), seconds)

    def cooling(self, provider: str, model: str | None = None) -> float:
        """Seconds left of ``provider``'s cooldown (0 when none); with ``model``, the longer
        of the provider's and the provider+model pair's."""
        left = self.store.cooling(scope("cool", provider))
        if model is None:
            return left
        return max(left, self.store.cooling(scope("cool", provider, model)))

    def circuit_open(self, provider: str, model: str) -> bool:
        """Whether the pair's circuit is open (half-open pairs report closed: one may pass)."""
        if self.breaker is None:
            return False
        return self.store.circuit_open(scope("cb", provider, model))

    def available(self, provider: str, model: str) -> bool:
        """Whether neither a cooldown (of the provider or of the pair) nor an open circuit
        asks to skip the pair."""
        return self.cooling(provider, model) == 0.0 and not self.circuit_open(provider, model)

    def available_all(self, providers: Sequence[str], model: str) -> list[bool]:
        """:meth:`available` for each provider, asked of the store at once (one read of
        every provider's and pair's cooldown and circuit)."""
        count = len(providers)
        cool = [scope("cool", provider) for provider in providers]
        cool += [scope("cool", provider, model) for provider in providers]
        circuits = (
            [scope("cb", provider, model) for provider in providers] * 2 if self.breaker else []
        )
        blocked = self.store.blocked(cool, circuits)
        return [not (blocked[index] or blocked[count + index]) for index in range(count)]

    def record(self, provider: str, model: str, category: str | None) -> None:
        """Feed one attempt's result (category None: success) to the breaker."""
        breaker = self.breaker
        if breaker is None:
            return
        pair = scope("cb", provider, model)
        if category is None:
            self.store.circuit_success(pair)
            try:
                self._opened.remove(pair)  # atomic: one closing event per opening
            except KeyError:
                return
            self._changed(provider, model, "closed")
        elif category in breaker.categories:
            # Failures while the circuit is open (no other candidate was left) change nothing;
            # a failure while half-open opens it again. Only a circuit seen open is asked.
            was_open = pair in self._opened and self.store.circuit_open(pair)
            opened = self.store.circuit_failure(
                pair, breaker.failure_threshold, breaker.reset_after_s
            )
            if opened and not was_open:
                self._opened.add(pair)
                self._changed(provider, model, "open")

    def _changed(self, provider: str, model: str, state: str) -> None:
        if self._on_change is not None:
            self._on_change(CircuitEvent(provider, model, state))
