"""Round-robin API key rotation shared by every thread that uses one executor."""

from __future__ import annotations

import threading
from collections.abc import Sequence

__all__ = ["KeyRing"]


class KeyRing:
    """Hands out keys in order, ``keys[0]`` first, wrapping around.

    One counter serves all threads (the seed's ``AtomicUsize``), so concurrent rate-limited
    calls spread over the keys instead of all jumping to the same one.
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
