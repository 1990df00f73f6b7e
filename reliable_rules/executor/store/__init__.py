"""Where the executor keeps what it remembers between calls: :class:`StateStore`, with
:class:`MemoryState` (this process, the default) and :class:`RedisState` (shared through
Redis; needs the ``redis`` extra and is imported only when asked for)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from reliable_rules.executor.store.base import RateBudget, StateStore
from reliable_rules.executor.store.memory import MemoryState

if TYPE_CHECKING:
    from reliable_rules.executor.store.redis import RedisState

__all__ = ["MemoryState", "RateBudget", "RedisState", "StateStore", "resolve_state"]


def resolve_state(state: StateStore | None, clock: Callable[[], float]) -> StateStore:
    """The executor's ``state=``, checked; None gives a :class:`MemoryState` on ``clock``."""
    if state is None:
        return MemoryState(clock=clock)
    if not isinstance(state, StateStore):
        raise TypeError(
            f"state must be a StateStore (MemoryState, RedisState), got {type(state).__name__}"
        )
    return state


def __getattr__(name: str) -> object:
    # PEP 562: `redis` is imported only by those who use RedisState.
    if name == "RedisState":
        from reliable_rules.executor.store.redis import RedisState  # noqa: PLC0415 — lazy on purpose

        return RedisState
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
