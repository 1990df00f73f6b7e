"""What the executor does after a failed attempt: one handler per :class:`~reliable_rules.Action`.

:data:`HANDLERS` maps every action to its handler (a test checks that it covers
:class:`~reliable_rules.Action` exactly). A handler gets the executor (as :class:`Host`), the
failed attempt and the clock; it notes the attempt's row and answers a :class:`Step`, or raises
the error that ends the call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Protocol

from reliable_rules.chat import fallback_format
from reliable_rules.errors import (
    AllProvidersFailed,
    AttemptRecord,
    ContextWindowExceeded,
    ExecutionError,
)
from reliable_rules.executor.backoff import Backoff
from reliable_rules.executor.health import Health, model_scoped
from reliable_rules.executor.prompt_tools import switch_to_prompt_tools
from reliable_rules.executor.records import key_hint
from reliable_rules.executor.state import (
    CONTEXT_CANNOT_REDUCE,
    CONTEXT_SINGLE_TURN,
    Failed,
    Run,
    Step,
    log_failure,
    log_info,
    logger,
)
from reliable_rules.executor.store.base import key_digest
from reliable_rules.executor.timing import Timing
from reliable_rules.executor.truncation import truncate_for_context
from reliable_rules.taxonomy import Action

__all__ = ["HANDLERS", "Handler", "Host"]


class Host(Protocol):
    """What the handlers need of the executor (:class:`~reliable_rules.ReliableExecutor`)."""

    @property
    def backoff(self) -> Backoff:
        """The backoff policy."""

    @property
    def health(self) -> Health:
        """Cooldowns and circuit breakers."""

    @property
    def max_wait_s(self) -> float:
        """The longest single wait on a rate-limited provider."""

    def next_key(self, provider: str, used: str | None) -> str | None:
        """The key after ``used`` for ``provider`` (None without keys)."""

    def _give_up(self, error: ExecutionError, run: Run) -> None:
        """Log and show ``error`` to ``on_give_up`` before it is raised."""

    def _retry_hook(self, record: AttemptRecord, wait_ms: int, nxt: int, key: str | None) -> None:
        """Show ``on_retry`` the retry after ``record``."""

    def _sleep(self, seconds: float, run: Run, timing: Timing) -> None:
        """Wait, interruptible by a cancel or ``close()``."""


Handler = Callable[[Host, Failed, Timing], Step]


def _retry(host: Host, failed: Failed, timing: Timing) -> Step:
    """``retry``: after rejected tools, the tools in the prompt at once; otherwise rotate the key
    when the category says so, wait (backoff or Retry-After) and go again, or move on when the
    budget is spent or the wait is too long."""
    switched = switch_to_prompt_tools(failed)
    if switched is not None:
        return switched
    pair, category = failed.pair, failed.decision.verdict.category
    decision = failed.decision
    if decision.retry_after_ms and host.health.cooldown_enabled:
        # Remembered whatever the retry budget: the next call must not go straight back,
        # and no rotation (here or in another process) hands out this key before its wait.
        # A failure of the model alone (a per-model limit, the model overloaded) cools only
        # the provider+model pair and leaves the key alone: other models may use both.
        wait_s = decision.retry_after_ms / 1000
        if model_scoped(decision, pair.model):
            host.health.cool_down(pair.name, wait_s, model=pair.model)
        elif decision.rate_limited:
            host.health.cool_down(pair.name, wait_s)
            if pair.api_key is not None:
                host.health.cool_key(key_digest(pair.api_key), wait_s)
    rotated = pair.api_key
    if category.rotate_key and category.retryable:
        new_key = host.next_key(pair.name, pair.api_key)
        if new_key is not None:
            rotated = new_key
            log_info(
                "Rate limited; rotated to the next API key",
                provider=pair.name, key=key_hint(new_key),
            )
    if not category.retryable:
        return _next_provider(host, failed, timing)
    if pair.number >= pair.budget:
        failed.note("give_up")
        return Step.NEXT_PROVIDER
    return _wait_and_retry(host, failed, rotated, timing)


def _wait_and_retry(host: Host, failed: Failed, rotated: str | None, timing: Timing) -> Step:
    run, pair, decision = failed.run, failed.pair, failed.decision
    backoff = host.backoff
    retry_after_ms = decision.retry_after_ms
    wait_ms, over_cap = backoff.wait(pair.backoff_ms, retry_after_ms, timing.random)
    too_long = over_cap and backoff.over_cap == "next_provider"
    if (
        not too_long
        and retry_after_ms
        and decision.rate_limited
        and rotated == pair.api_key  # a fresh key has its own quota: waiting is the seed's way
        and run.alternatives
    ):
        return _cool_down(failed, wait_ms, timing)
    if retry_after_ms:  # a single wait on a rate-limited provider is bounded by max_wait_s
        wait_ms = min(wait_ms, round(host.max_wait_s * 1000))
    if run.deadline is not None and timing.monotonic() + wait_ms / 1000 > run.deadline:
        too_long = run.deadline_cut = True
    if too_long:
        if rotated != pair.api_key:
            # A fresh key has its own quota: try it at once instead of waiting.
            record = failed.note("rotate_key")
            if record is not None:
                host._retry_hook(record, 0, pair.number + 1, rotated)
            pair.api_key = rotated
            return Step.AGAIN
        failed.note("next_provider", wait_ms=wait_ms)
        log_failure(
            "Retry-After exceeds the cap or the deadline, moving on",
            pair.name, pair.model, decision,
        )
        return Step.NEXT_PROVIDER
    record = failed.note("retry", wait_ms=wait_ms)
    if logger.isEnabledFor(logging.INFO):
        log_failure(
            "Provider call failed, retrying", pair.name, pair.model, decision,
            attempt=pair.number, backoff_ms=wait_ms,
        )
    if record is not None:
        host._retry_hook(record, wait_ms, pair.number + 1, rotated)
    if wait_ms > 0:  # no sleep call at all for a zero wait (a sleep(0) costs ~50 us)
        host._sleep(wait_ms / 1000, run, timing)
    pair.backoff_ms = backoff.next_backoff(pair.backoff_ms)
    pair.api_key = rotated
    return Step.AGAIN


def _cool_down(failed: Failed, wait_ms: int, timing: Timing) -> Step:
    """A rate limit while another candidate can answer: never sleep on this pair; the loops
    come back to it after ``wait_ms`` only if nothing else answers."""
    run, pair = failed.run, failed.pair
    pair.ready_at = timing.monotonic() + wait_ms / 1000
    run.cooling[pair.name] = max(run.cooling.get(pair.name, 0.0), pair.ready_at)
    failed.note("cool_down", wait_ms=wait_ms)
    log_failure(
        "Rate limited while another provider can answer, moving on",
        pair.name, pair.model, failed.decision, cool_down_ms=wait_ms,
    )
    return Step.COOL_DOWN


def _next_provider(_host: Host, failed: Failed, _timing: Timing) -> Step:
    """``next_provider``: no more calls on this pair (exactly one call)."""
    failed.note("next_provider")
    pair = failed.pair
    log_failure("Non-retryable error, moving on", pair.name, pair.model, failed.decision)
    return Step.NEXT_PROVIDER


def _next_model(_host: Host, failed: Failed, _timing: Timing) -> Step:
    """``next_model``: no more calls on this model."""
    failed.note("next_model")
    pair = failed.pair
    log_failure("Non-retryable error, trying next model", pair.name, pair.model, failed.decision)
    return Step.NEXT_MODEL


def _truncate_history(host: Host, failed: Failed, _timing: Timing) -> Step:
    """``truncate_history``: drop the oldest whole turns (about half of the history) and go
    again, or fail: the history is a single turn."""
    run, pair = failed.run, failed.pair
    request = run.request
    kept, dropped = (
        ((), 0) if request is None or run.single_turn
        else truncate_for_context(request.messages)
    )
    if dropped and request is not None:
        failed.note("truncate_history", extra_budget=1)
        run.request = request.with_messages(kept)
        run.truncated = True
        pair.budget += 1
        log_info(
            "Context window exceeded; truncated history and retrying",
            provider=pair.name, model=pair.model, dropped=dropped, remaining=len(kept),
        )
        return Step.AGAIN
    failed.note("abort")
    headline = CONTEXT_SINGLE_TURN if run.single_turn else CONTEXT_CANNOT_REDUCE
    context_error = ContextWindowExceeded(headline, run.records())
    host._give_up(context_error, run)
    raise context_error from failed.error


def _switch_format(host: Host, failed: Failed, timing: Timing) -> Step:
    """``switch_format``: ask for the fallback format once, at once; without one (or when it
    was tried), the next provider."""
    run, pair = failed.run, failed.pair
    request = run.request
    target = None if request is None or run.switched else fallback_format(request.response_format)
    if request is None or target is None:
        return _next_provider(host, failed, timing)
    failed.note("switch_format", extra_budget=1)
    run.request = request.with_format(target)
    run.switched = True
    pair.budget += 1
    log_info(
        "Format failure, retrying with fallback format",
        provider=pair.name, model=pair.model, original_format=request.response_format,
        fallback_format=target,
    )
    return Step.AGAIN


def _abort(host: Host, failed: Failed, _timing: Timing) -> Step:
    """``abort``: stop the whole call (:class:`AllProvidersFailed` with ``aborted_by``)."""
    failed.note("abort")
    run = failed.run
    aborted = AllProvidersFailed(run.records(), aborted_by=failed.decision)
    host._give_up(aborted, run)
    raise aborted from failed.error


#: Every action's handler.
HANDLERS: Mapping[Action, Handler] = MappingProxyType(
    {
        Action.RETRY: _retry,
        Action.NEXT_PROVIDER: _next_provider,
        Action.NEXT_MODEL: _next_model,
        Action.TRUNCATE_HISTORY: _truncate_history,
        Action.SWITCH_FORMAT: _switch_format,
        Action.ABORT: _abort,
    }
)
