"""``stream_chat``'s side of the executor: which providers can stream the request, and the
stream itself (retries and fallbacks only before its first event, then
:func:`~reliable_rules.executor.bounded.follow` keeps the deadline and the cancel in force)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from reliable_rules.chat import StreamEvent
from reliable_rules.errors import NoStreamingProvider
from reliable_rules.executor.bounded import follow
from reliable_rules.executor.calls import LiveCalls
from reliable_rules.executor.state import CancelToken
from reliable_rules.executor.timing import Timing

__all__ = ["stream", "stream_capable"]


def stream_capable(
    providers: tuple[tuple[str, Any], ...], needs_tool_events: bool
) -> tuple[tuple[str, Any], ...]:
    """The providers that can stream (and stream tool events when ``needs_tool_events``, or
    take the tools prompt-guided)."""
    return tuple(
        (name, provider)
        for name, provider in providers
        if getattr(provider, "supports_streaming", False)
        and (not needs_tool_events or getattr(provider, "supports_tool_events", False)
             or getattr(provider, "supports_native_tools", None) is False)  # prompt-guided
    )


def stream(
    open_first: Callable[[], tuple[StreamEvent | None, Iterator[StreamEvent]]],
    *,
    capable: tuple[tuple[str, Any], ...],
    needs_tool_events: bool,
    calls: LiveCalls,
    cancel: CancelToken | None,
    limit: float | None,
    clock: Callable[[], Timing],
) -> Iterator[StreamEvent]:
    """The events: ``open_first()`` runs the loops up to the first event, bounded by the
    call's deadline (``limit`` seconds from now), then :func:`follow` reads the rest."""
    if not capable:
        what = "streaming tool events" if needs_tool_events else "streaming"
        raise NoStreamingProvider(f"No provider supports {what}")
    timing = clock()
    deadline = None if limit is None else timing.monotonic() + limit
    first, events = open_first()
    yield from follow(
        first, events, register=calls.register, unregister=calls.unregister,
        cancel=cancel, deadline=deadline, timing=timing,
    )
