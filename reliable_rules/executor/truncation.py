"""Shrink a conversation that overflows the context window, at turn boundaries.

A *turn* is a user message with everything that answers it: the assistant's replies, the tool
calls they make and the ``tool`` results, up to the next user message. Truncation drops whole
turns, oldest first, until at least half of the non-system messages are gone (the seed's
"oldest half", moved to the next turn boundary), and always keeps the last turn. So the first
message after the system prompt(s) is always a user message: never an assistant turn without
its question, never a tool result without its call (providers reject both). Messages before
the first user message (an assistant greeting, say) count as one turn, the oldest. System
messages are always kept, where they are.

A history that is a single turn (one question and a long chain of tool calls, say) cannot
shrink: the executor then fails with
:class:`~reliable_rules.errors.ContextWindowExceeded` instead of cutting the turn apart.
"""

from __future__ import annotations

from collections.abc import Sequence

from reliable_rules.chat import Message

__all__ = ["truncate_for_context", "turns"]


def turns(messages: Sequence[Message]) -> list[list[int]]:
    """The indices of the non-system messages, grouped by turn, oldest first."""
    groups: list[list[int]] = []
    for index, message in enumerate(messages):
        if message.role == "system":
            continue
        if message.role == "user" or not groups:
            groups.append([])
        groups[-1].append(index)
    return groups


def truncate_for_context(messages: Sequence[Message]) -> tuple[tuple[Message, ...], int]:
    """The messages left after dropping the oldest whole turns (at least half of the
    non-system messages, never the last turn), and how many were dropped (0 when the history
    is a single turn)."""
    groups = turns(messages)
    if len(groups) <= 1:
        return tuple(messages), 0
    target = max(1, sum(len(group) for group in groups) // 2)
    dropped: set[int] = set()
    for group in groups[:-1]:
        if len(dropped) >= target:
            break
        dropped.update(group)
    kept = tuple(message for index, message in enumerate(messages) if index not in dropped)
    return kept, len(dropped)
