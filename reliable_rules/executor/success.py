"""What the loops do when an attempt answered: the billed usage, the fallback record and log
when the answer did not come from the first try of the first provider, and the attempt's
record only when a hook or an :class:`~reliable_rules.executor.records.Outcome` reads it.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from reliable_rules.chat import ChatResponse
from reliable_rules.executor.budgets import BudgetHost, settle_answer
from reliable_rules.executor.fallback import record_provider_fallback
from reliable_rules.executor.records import AttemptRecord, FallbackInfo, Hooks, Outcome, key_hint
from reliable_rules.executor.state import Pair, Run, call_hook, log_info
from reliable_rules.executor.timing import Timing
from reliable_rules.executor.usage import with_billed_usage

__all__ = ["succeed"]

T = TypeVar("T")


class Host(BudgetHost, Protocol):
    """What an answer's record needs of the executor."""

    @property
    def providers(self) -> tuple[tuple[str, Any], ...]:
        """The providers, in priority order."""

    @property
    def hooks(self) -> Hooks | None:
        """The hooks."""


def succeed(
    result: T, run: Run, pair: Pair, timing: Timing, host: Host, *, outcome: bool
) -> T | Outcome[T]:
    """The call's answer (``result`` with the usage of every billed attempt), or its
    :class:`Outcome` with ``outcome``."""
    name, model, number = pair.name, pair.model, pair.number
    # Only an answer of the chat model has a usage; with a budget it corrects the charge.
    own_usage = settle_answer(host, run, pair, result)
    if isinstance(result, ChatResponse):
        result = with_billed_usage(result, (row.usage for row in run.rows))
    providers = host.providers
    first_provider = providers[0][0] if providers else ""
    info = None
    if (
        number > 1
        or model != run.model
        or name != first_provider
        or run.truncated
        or run.switched
    ):
        info = FallbackInfo(
            first_provider, run.model, name, model, len(run.rows) + 1,
            run.truncated, run.switched,
        )
        record_provider_fallback(info)
        log_info(
            "Provider recovered (failover/retry)",
            provider=name, model=model, attempt=number, original_model=run.model,
            context_truncated=run.truncated,
        )
    hooks = host.hooks
    if not outcome and (hooks is None or hooks.on_attempt is None):
        return result
    elapsed_ms = (timing.monotonic() - pair.started) * 1000
    record = AttemptRecord(
        name, model, number, pair.budget, None, None, "success", 0, key_hint(pair.api_key),
        elapsed_ms, own_usage,
    )
    if hooks is not None and hooks.on_attempt is not None:
        call_hook(hooks.on_attempt, record)
    if not outcome:
        return result
    return Outcome(result, name, model, (*run.records(), record), info, run.request)
