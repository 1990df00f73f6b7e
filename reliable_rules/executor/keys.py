"""Round-robin API key rotation shared by every thread that uses one executor."""

from __future__ import annotations

import threading
from collections.abc import Sequence

__all__ = ["KeyRing"]


class KeyRing:
    """Hands out keys in order, ``keys[0]`` first, wrapping around.

    One counter serves all threads (the seed's ``AtomicUsize``). The executor starts every
    (provider, model) pair on :meth:`current` and, after a rate limit, moves on with
    :meth:`after`: the counter advances only if it still points at the key that was rate
    limited, so concurrent calls that hit the limit on the same key move the ring on once,
    to a fresh key, instead of skipping over several. :meth:`rotate` is the seed's operation
    (hand out the key under the counter, then advance).
    """

    __slots__ = ("_index", "_keys", "_lock")

    def __init__(self, keys: Sequence[str]) -> None:
        self._keys = tuple(keys)
        self._index = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"KeyRing({len(self._keys)} keys)"  # never the keys themselves

    def rotate(self) -> str | None:
        """The next key, or None when there are none."""
        if not self._keys:
            return None
        with self._lock:
            index = self._index
            self._index = index + 1
        return self._keys[index % len(self._keys)]

    def current(self) -> str | None:
        """The key under the counter (what a first attempt uses), or None when there are none."""
        if not self._keys:
            return None
        with self._lock:
            return self._keys[self._index % len(self._keys)]

    def after(self, used: str | None) -> str | None:
        """The key to use after ``used`` was rate limited: the next one if the counter still
        points at ``used`` (it advances), else the one another call already moved it to."""
        if not self._keys:
            return None
        with self._lock:
            if self._keys[self._index % len(self._keys)] == used:
                self._index += 1
            return self._keys[self._index % len(self._keys)]
