"""The seed's task-local "which provider really answered" record, with ``contextvars``.

Code that serves many users on threads wraps each request in :func:`scope_provider_fallback`
and reads the record with :func:`take_last_provider_fallback` to tell the user that a fallback
answered. The executor writes the record on the caller's thread (never on a worker), so one
request's record cannot leak into another's. Outside a scope, nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from reliable_rules.executor.records import FallbackInfo

__all__ = ["record_provider_fallback", "scope_provider_fallback", "take_last_provider_fallback"]

_SLOT: ContextVar[list[FallbackInfo | None] | None] = ContextVar(
    "reliable_rules_fallback", default=None
)


@contextmanager
def scope_provider_fallback() -> Iterator[None]:
    """Within this block, the executor records fallbacks for :func:`take_last_provider_fallback`."""
    token = _SLOT.set([None])
    try:
        yield
    finally:
        _SLOT.reset(token)


def take_last_provider_fallback() -> FallbackInfo | None:
    """The last fallback recorded in the current scope, consumed (a second take gives None)."""
    slot = _SLOT.get()
    if slot is None:
        return None
    info, slot[0] = slot[0], None
    return info


def record_provider_fallback(info: FallbackInfo) -> None:
    """Store ``info`` in the current scope, if there is one."""
    slot = _SLOT.get()
    if slot is not None:
        slot[0] = info
