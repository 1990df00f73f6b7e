"""Shrink a conversation that overflows the context window.

The seed's rule: drop the oldest half of the non-system messages and keep at least the last
one. Added here: never separate an assistant turn that calls tools from the ``tool`` turns
that answer it (providers reject a tool result whose call is gone), so the cut moves forward
past any tool results that would be orphaned.
"""

from __future__ import annotations

from collections.abc import Sequence

from reliable_rules.chat import Message

__all__ = ["truncate_for_context"]


def truncate_for_context(messages: Sequence[Message]) -> tuple[tuple[Message, ...], int]:
    """The messages left after dropping the oldest half of the non-system ones, and how many
    were dropped (0 when nothing can be dropped without losing the last turn)."""
    non_system = [index for index, message in enumerate(messages) if message.role != "system"]
    if len(non_system) <= 1:
        return tuple(messages), 0
    half = len(non_system) // 2
    drop = _cut(messages, non_system, half)
    if drop == 0:
        return tuple(messages), 0
    dropped = set(non_system[:drop])
    kept = tuple(message for index, message in enumerate(messages) if index not in dropped)
    return kept, drop


def _cut(messages: Sequence[Message], non_system: list[int], half: int) -> int:
    """How many of the oldest non-system messages to drop: ``half`` moved forward over tool
    results (whose call would otherwise be gone), or back before their call when the results
    run to the end; 0 when no cut keeps every tool result with its call."""
    last = len(non_system) - 1
    drop: int
    for drop in (*range(half, last + 1), *range(half - 1, 0, -1)):
        if messages[non_system[drop]].role != "tool":
            return drop
    return 0
