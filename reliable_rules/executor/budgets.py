"""Rate budgets: an attempt on a provider with a :class:`RateBudget` first takes one request
and its estimated tokens from the executor's store (shared by every process with
``RedisState``), waiting for room if needed; its answer then corrects the token charge with
the usage it reports, and teaches the store what the provider's ``x-ratelimit-*`` headers say
is left (:mod:`~reliable_rules.executor.ratelimits`).

What is learned from headers belongs to the provider+model pair (OpenAI, Groq and Anthropic
count their limits per model) and expires at the stated reset (:data:`LEARNED_TTL_S` when
none is stated). When a count reaches 0, every process's attempts on that pair wait for the
reset (when it is at most the executor's ``max_wait_s``; a longer one is left to the
provider's own 429 and its Retry-After), and with ``cooldown=True`` the pair is cooled down
until then, so calls go to another candidate while one can answer.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Protocol

from reliable_rules.chat import ChatRequest, ChatResponse, Usage
from reliable_rules.executor.actions import HANDLERS, Host
from reliable_rules.executor.attempt import OpenedStream
from reliable_rules.executor.health import Health
from reliable_rules.executor.ratelimits import Limit, parse_rate_limits
from reliable_rules.executor.state import Failed, Halt, Pair, Run, Step, log_info
from reliable_rules.executor.store.base import Quota, RateBudget, StateStore, scope
from reliable_rules.executor.timing import Timing
from reliable_rules.executor.usage import billed

__all__ = [
    "Budgeted",
    "admit",
    "after_failure",
    "check_budgets",
    "estimate_tokens",
    "settle_answer",
]

#: How long a learned count is kept when the headers give no reset.
LEARNED_TTL_S = 60.0
#: A count is stored only when less than this share of its limit is left (or the limit is
#: not stated): with plenty left nothing would wait, and the store write is saved.
SCARCE_SHARE = 0.1
#: Characters per token of the estimate (the usual rule of thumb for English and code).
CHARS_PER_TOKEN = 4
#: Characters counted per message for its role and framing.
MESSAGE_OVERHEAD_CHARS = 16


class Budgeted(Protocol):
    """What :func:`admit` needs of the executor."""

    @property
    def state(self) -> StateStore:
        """The store."""

    @property
    def rate_budgets(self) -> Mapping[str, RateBudget]:
        """Budgets by provider name."""

    @property
    def max_wait_s(self) -> float:
        """The longest single wait on a rate-limited provider."""

    def _sleep(self, seconds: float, run: Run, timing: Timing) -> None:
        """Wait, interruptible by a cancel or ``close()``."""


class BudgetHost(Budgeted, Host, Protocol):
    """What settling and learning need: the budgets and the health."""

    @property
    def health(self) -> Health:
        """Cooldowns and circuit breakers."""


def check_budgets(budgets: Mapping[str, RateBudget] | None) -> Mapping[str, RateBudget]:
    """The executor's ``rate_budgets``, checked: provider names to :class:`RateBudget`."""
    checked = dict(budgets or {})
    for name, budget in checked.items():
        if not isinstance(budget, RateBudget):
            raise TypeError(
                f"rate_budgets[{name!r}] must be a RateBudget, got {type(budget).__name__}"
            )
    return checked


def estimate_tokens(request: ChatRequest | None) -> int:
    """The tokens an attempt will use, before it is sent: its text (messages, tool calls,
    tool specs) at :data:`CHARS_PER_TOKEN` characters a token, plus ``max_tokens`` (what it
    may answer: providers count it against a token limit the same way). 0 without a request
    (``executor.call``); the answer's usage corrects the estimate either way."""
    if request is None:
        return 0
    chars = 0
    for message in request.messages:
        chars += len(message.content) + MESSAGE_OVERHEAD_CHARS
        for call in message.tool_calls:
            chars += len(call.name) + len(call.arguments)
    if request.tools:
        chars += len(json.dumps(request.tools, default=str))
    return math.ceil(chars / CHARS_PER_TOKEN) + (request.max_tokens or 0)


def admit(host: Budgeted, run: Run, pair: Pair, timing: Timing) -> None:
    """Take one request and the estimated tokens of ``pair``'s provider budget (and of what
    was learned of the pair), waiting (interruptibly) until they fit; a wait that would
    overrun the call's deadline ends the call as the deadline would."""
    budget = host.rate_budgets.get(pair.name)
    if budget is None:
        return
    if run.deadline is not None and timing.monotonic() >= run.deadline:
        raise Halt("deadline", "Deadline exceeded.")  # no slot for an attempt that cannot run
    name = scope("rate", pair.name)
    learned = scope("learn", pair.name, pair.model) if budget.learn else ""
    tokens = estimate_tokens(run.request) if budget.tokens is not None or learned else 0
    while True:
        wait_s, ticket = host.state.take(name, budget, tokens, learned, host.max_wait_s)
        if wait_s <= 0:
            run.ticket = ticket
            return
        if run.deadline is not None and timing.monotonic() + wait_s > run.deadline:
            run.deadline_cut = True
            raise Halt("deadline", "Deadline exceeded.")
        log_info(
            "Rate budget spent, waiting for a slot", provider=pair.name, wait_ms=wait_s * 1000
        )
        host._sleep(wait_s, run, timing)


def settle_answer(host: BudgetHost, run: Run, pair: Pair, result: object) -> Usage | None:
    """The answer's own usage; with a budget on its provider, the attempt's token charge is
    corrected to it and the answer's rate-limit headers are learned.

    A stream (:class:`~reliable_rules.executor.attempt.OpenedStream`) has no usage yet: its
    headers are learned now, as it opens, and its charge is corrected when its ``final``
    event passes with a usage (OpenAI's ``stream_options.include_usage`` chunk, Anthropic's
    ``message_start`` and ``message_delta`` counts); a stream that breaks, is closed early
    or reports no usage keeps its estimate."""
    usage = result.usage if isinstance(result, ChatResponse) else None
    if not host.rate_budgets:
        return usage
    budget = host.rate_budgets.get(pair.name)
    if budget is None:
        return usage
    if isinstance(result, OpenedStream):
        ticket, run.ticket = run.ticket, ""
        replay = result.events
        if ticket and budget.tokens is not None:
            replay.on_final = lambda final: _charge(host, pair, budget, ticket, final)
        learn(host, pair, budget, replay.rate_limit_headers)
        return None
    _settle(host, run, pair, budget, usage)
    if isinstance(result, ChatResponse) and result.rate_limit_headers:
        learn(host, pair, budget, result.rate_limit_headers)
    return usage


def after_failure(host: BudgetHost, failed: Failed, timing: Timing) -> Step:
    """Settle and learn from a failed attempt (its billed usage, its rate-limit headers),
    then let the handler of the decision's action say what happens next."""
    if host.rate_budgets:
        pair = failed.pair
        budget = host.rate_budgets.get(pair.name)
        if budget is not None:
            # Without a usage the estimate stays charged: the provider may count the attempt.
            _settle(host, failed.run, pair, budget, billed(failed.error))
            learn(host, pair, budget, failed.decision.failure.headers)
    return HANDLERS[failed.decision.verdict.category.action](host, failed, timing)


def _settle(
    host: BudgetHost, run: Run, pair: Pair, budget: RateBudget, usage: Usage | None
) -> None:
    ticket, run.ticket = run.ticket, ""
    # Only a token window is worth a round trip: a learned count is replaced by the next
    # answer's headers anyway.
    if ticket and budget.tokens is not None:
        _charge(host, pair, budget, ticket, usage)


def _charge(
    host: BudgetHost, pair: Pair, budget: RateBudget, ticket: str, usage: Usage | None
) -> None:
    """Correct the token charge ``ticket`` to ``usage`` (kept as estimated without one)."""
    if usage is None or (usage.input_tokens is None and usage.output_tokens is None):
        return
    used = (usage.input_tokens or 0) + (usage.output_tokens or 0)
    learned = scope("learn", pair.name, pair.model) if budget.learn else ""
    host.state.settle(scope("rate", pair.name), ticket, used, learned)


def _quota(limit: Limit | None) -> Quota | None:
    if limit is None or limit.remaining is None:
        return None
    if limit.limit and limit.remaining >= limit.limit * SCARCE_SHARE:
        return None
    return (limit.remaining, LEARNED_TTL_S if limit.reset_s is None else limit.reset_s)


def learn(
    host: BudgetHost, pair: Pair, budget: RateBudget, headers: Mapping[str, str] | None
) -> None:
    """Store what ``headers`` say is left of the pair's limits; a spent one (0 left) cools
    the pair down until its reset (with ``cooldown=True``)."""
    if not budget.learn or not headers:
        return
    limits = parse_rate_limits(headers)
    requests, tokens = _quota(limits.requests), _quota(limits.tokens)
    if requests is None and tokens is None:
        return
    host.state.learn(scope("learn", pair.name, pair.model), requests, tokens)
    spent = [quota[1] for quota in (requests, tokens) if quota is not None and quota[0] <= 0]
    if spent and max(spent) > 0:
        log_info(
            "Provider says its rate limit is spent; waiting for its reset",
            provider=pair.name, model=pair.model, reset_ms=round(max(spent) * 1000),
        )
        host.health.cool_down(pair.name, max(spent), model=pair.model)
