"""What the loops do when an attempt answered: the billed usage, the fallback record and log
when the answer did not come from the first try of the first provider, and the attempt's
record only when a hook or an :class:`~reliable_rules.executor.records.Outcome` reads it.
"""

from __future__ import annotations

from typing import TypeVar

from reliable_rules.chat import ChatResponse
from reliable_rules.executor.fallback import record_provider_fallback
from reliable_rules.executor.records import AttemptRecord, FallbackInfo, Hooks, Outcome, key_hint
from reliable_rules.executor.state import Pair, Run, call_hook, log_info
from reliable_rules.executor.timing import Timing
from reliable_rules.executor.usage import with_billed_usage

__all__ = ["succeed"]

T = TypeVar("T")


def succeed(
    result: T,
    run: Run,
    pair: Pair,
    timing: Timing,
    *,
    first_provider: str,
    hooks: Hooks | None,
    outcome: bool,
) -> T | Outcome[T]:
    """The call's answer (``result`` with the usage of every billed attempt), or its
    :class:`Outcome` with ``outcome``."""
    name, model, number = pair.name, pair.model, pair.number
    own_usage = result.usage if isinstance(result, ChatResponse) else None
    result = with_billed_usage(result, (row.usage for row in run.rows))
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
