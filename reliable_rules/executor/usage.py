"""Token usage of every billed attempt, so cost reports are honest.

A provider bills an answer the executor (or your code) then rejects: an empty answer
(:class:`~reliable_rules.errors.EmptyResponse`), an invalid prompt-guided tool call
(:class:`~reliable_rules.errors.InvalidToolCall`), an answer in the wrong format
(:class:`~reliable_rules.errors.ResponseFormatMismatch`, when you pass its ``usage``). Any
exception with a :class:`~reliable_rules.chat.Usage` in its ``usage`` attribute counts. Each
attempt's record carries its own usage; the answer's ``usage`` and
:attr:`~reliable_rules.executor.records.Outcome.usage` are the sum over every attempt of the call.
Counts a provider did not report stay None unless another attempt reported them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TypeVar

from reliable_rules.chat import ChatResponse, Usage

__all__ = ["add_usage", "billed", "total_usage", "with_billed_usage"]

T = TypeVar("T")


def billed(error: BaseException | None) -> Usage | None:
    """The usage a failed attempt's error says the provider billed, or None."""
    usage = getattr(error, "usage", None)
    return usage if isinstance(usage, Usage) else None


def _plus(left: int | None, right: int | None) -> int | None:
    if left is None:
        return right
    return left if right is None else left + right


def add_usage(left: Usage | None, right: Usage | None) -> Usage | None:
    """The sum of two usages (a count unknown on one side is the other side's)."""
    if left is None:
        return right
    if right is None:
        return left
    return Usage(
        _plus(left.input_tokens, right.input_tokens),
        _plus(left.output_tokens, right.output_tokens),
    )


def total_usage(usages: Iterable[Usage | None]) -> Usage | None:
    """The sum of ``usages`` (None when none is known)."""
    total: Usage | None = None
    for usage in usages:
        total = add_usage(total, usage)
    return total


def with_billed_usage(result: T, earlier: Iterable[Usage | None]) -> T:
    """``result`` with the usage of the earlier, rejected attempts added, when it is a
    :class:`~reliable_rules.chat.ChatResponse` and any of them was billed."""
    if not isinstance(result, ChatResponse):
        return result
    before = total_usage(earlier)
    if before is None:
        return result
    summed: T = replace(result, usage=add_usage(before, result.usage))
    return summed
