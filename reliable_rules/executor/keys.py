"""Round-robin API key rotation shared by every thread that uses one executor, and by every
process that shares its :class:`~reliable_rules.executor.store.StateStore`."""

from __future__ import annotations

from collections.abc import Sequence

from reliable_rules.executor.store.base import StateStore, key_digest, scope
from reliable_rules.executor.store.memory import MemoryState

__all__ = ["KeyRing"]


class KeyRing:
    """Hands out keys in order, ``keys[0]`` first, wrapping around.

    One counter serves all threads (the seed's ``AtomicUsize``), and all processes with a
    shared store. The executor starts every (provider, model) pair on :meth:`current` and,
    after a rate limit, moves on with :meth:`after`, which takes a turn of the ring:
    concurrent calls (threads or processes) limited on one key spread over the keys, and over
    many limits every key is handed out within one turn of the others (a retry lands on the
    key just limited only when other calls' turns went round the ring meanwhile; with
    cooldowns on, a key cooling down is skipped while another is not). The next call starts
    where the ring is. :meth:`rotate` is the
    seed's operation (hand out the key under the counter, then advance). The store sees
    digests of the keys, never the keys.
    """

    __slots__ = ("_cooling", "_keys", "_ring", "_store")

    def __init__(
        self,
        keys: Sequence[str],
        store: StateStore | None = None,
        name: str = "shared",
        *,
        skip_cooling: bool = False,
    ) -> None:
        self._keys = tuple(keys)
        self._store: StateStore = store if store is not None else MemoryState()
        self._ring = scope("ring", name, key_digest(*self._keys))
        self._cooling = (
            tuple(scope("key", key_digest(key)) for key in self._keys) if skip_cooling else ()
        )

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"KeyRing({len(self._keys)} keys)"  # never the keys themselves

    def rotate(self) -> str | None:
        """The next key, or None when there are none."""
        if not self._keys:
            return None
        index = self._store.next_key(self._ring, len(self._keys), self._cooling)
        return self._keys[index]

    def current(self) -> str | None:
        """The key under the counter (what a first attempt uses), or None when there are none."""
        if not self._keys:
            return None
        return self._keys[self._store.turn_key(self._ring, len(self._keys), -1, self._cooling)]

    def after(self, used: str | None) -> str | None:
        """The key to use after ``used`` was rate limited: the ring's next turn."""
        if not self._keys:
            return None
        position = self._keys.index(used) if used in self._keys else -1
        index = self._store.turn_key(self._ring, len(self._keys), position, self._cooling)
        return self._keys[index]
