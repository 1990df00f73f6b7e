"""The thread-based retry/fallback executor that obeys a rule set.

Three nested loops, as in the seed: the model chain (the requested model, then its
``model_fallbacks``) → providers in priority order → attempts on one (provider, model) pair.
Every failure is classified by the rules; the :class:`~reliable_rules.decision.Decision`'s
action, never the error text, says what happens next:

``retry``
    same pair again after the policy's backoff (or the provider's Retry-After, capped), with
    the next API key when the category says ``rotate_key``; when the budget is spent, the
    next provider.
``next_provider`` / ``next_model``
    no more calls on this pair (exactly one call), or on this model.
``truncate_history``
    drop the oldest whole user turns (about half the history) and try again at once; abort with
    :class:`~reliable_rules.errors.ContextWindowExceeded` when nothing can be dropped.
``switch_format``
    try again at once with the fallback format (YAML/TOML/Markdown → JSON), once.
``abort``
    stop everything (:class:`~reliable_rules.errors.AllProvidersFailed` with ``aborted_by``).

Attempts run on the caller's thread. When ``attempt_timeout_s`` or ``deadline_s`` asks for a
bound, chat attempts on this package's adapters stay there under the adapter's own bounds;
any other callable runs on a bounded pool of daemon workers (``bounded.py``,
``workers.py``). Sleeps wait on an event that
``close()`` and a :class:`CancelToken` set. Everything shared between caller threads (the key
counter, cooldowns, circuit breakers, the set of live calls) is lock-protected.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import Any, Generic, Literal, TypeVar, overload

from reliable_rules.chat import ChatRequest, ChatResponse, Message, StreamEvent
from reliable_rules.decision import Decision
from reliable_rules.errors import (
    AllProvidersFailed,
    CallCancelled,
    DeadlineExceeded,
    ExecutionError,
)
from reliable_rules.executor import observe
from reliable_rules.executor.aliases import expand_fallbacks
from reliable_rules.executor.attempt import Attempt, chat_op, open_stream_op
from reliable_rules.executor.backoff import Backoff
from reliable_rules.executor.budgets import admit, after_failure, check_budgets
from reliable_rules.executor.calls import LiveCalls, halt_if_cancelled
from reliable_rules.executor.candidates import candidates, fallback_hook
from reliable_rules.executor.capture import CaptureLog
from reliable_rules.executor.health import CircuitBreakerPolicy, Health
from reliable_rules.executor.keys import KeyRing
from reliable_rules.executor.memo import DecisionMemo
from reliable_rules.executor.prompt_tools import uses_prompt_tools
from reliable_rules.executor.records import (
    AttemptRecord,
    GiveUpEvent,
    Hooks,
    Outcome,
    RetryEvent,
    key_hint,
)
from reliable_rules.executor.state import (
    CallState,
    CancelToken,
    Failed,
    Halt,
    Pair,
    Run,
    Step,
    call_hook,
    log_info,
)
from reliable_rules.executor.store import RateBudget, StateStore, resolve_state
from reliable_rules.executor.streaming import stream, stream_capable
from reliable_rules.executor.success import succeed
from reliable_rules.executor.timing import Timing, current_default
from reliable_rules.ruleset.loader import load_rules
from reliable_rules.ruleset.model import RuleSet

__all__ = ["Attempt", "CancelToken", "ReliableExecutor"]

logger = logging.getLogger("reliable_rules.executor")

T = TypeVar("T")

#: The longest single wait on a rate-limited provider, by default and at most (seconds).
DEFAULT_MAX_WAIT_S = 10.0
MAX_WAIT_LIMIT_S = 60.0



@dataclass(frozen=True, slots=True)
class _Answer(Generic[T]):
    """A pair's attempts ended with an answer (the result, or its :class:`Outcome`)."""

    value: T | Outcome[T]


class ReliableExecutor:
    """Retry, rotate keys, truncate, switch format and fall back, as the rules decide.

    Args:
        providers: ``(name, provider)`` pairs in priority order. A provider is any object with
            ``chat(request, model, *, api_key=None)`` (see
            :class:`~reliable_rules.chat.ChatProvider`); with :meth:`call` it can be anything.
        rules: a :class:`~reliable_rules.ruleset.loader.RuleSet`, a path, or ``builtin:NAME``;
            ``builtin:default`` when None.
        max_retries: retries per (provider, model) pair after the first attempt.
        base_backoff_ms: the first backoff; None uses the rule set's policy (500 ms in the
            shipped rules). The policy's floor (50 ms) still applies.
        model_fallbacks: ``{model: [fallback, ...]}``, tried in order after every provider
            failed the requested model. A fallback's own fallbacks follow it (to depth 3;
            see :mod:`~reliable_rules.executor.aliases`); a cycle or a deeper chain raises
            :class:`~reliable_rules.errors.ModelFallbackError` here.
        api_keys: the keys to call with, passed to each attempt as ``api_key``: a list shared
            by all providers (the seed's behaviour), or ``{provider_name: [keys]}``. A
            provider's first attempt uses the key under the ring's counter (``keys[0]`` until
            a rate limit moved it), never the provider's own key; a rate limit moves to the
            next key (:meth:`~reliable_rules.executor.keys.KeyRing.after`). Providers without
            keys here use their own.
        attempt_timeout_s: bound each attempt; a late attempt becomes an
            :class:`~reliable_rules.errors.AttemptTimeout` failure that the rules classify.
        deadline_s: bound the whole call, sleeps included
            (:class:`~reliable_rules.errors.DeadlineExceeded`).
        hooks: a :class:`Hooks`, or a list of them (each sees every event in order): calls,
            attempts, retries, fallbacks, skips, circuits, give-ups.
        cooldown: after a rate limit with Retry-After, other calls skip that provider until it
            expires, while another provider is available. Off by default.
        circuit_breaker: open a (provider, model) circuit after repeated server errors,
            timeouts or network errors and skip it while another pair is available. Off by
            default.
        max_workers: the bound of the worker pool used for time-bounded attempts.
        timing: clock, sleep and randomness; real unless the testing switch is on
            (:func:`reliable_rules.testing.set_testing`).
        max_wait_s: the longest single sleep on a rate-limited provider (10 s by default, at
            most 60 s): a longer Retry-After is slept for this long, then the pair is tried
            again. A rate-limited pair is never slept on while another candidate of the
            chain is not cooling down: the call moves on at once and comes back to it, after
            the rest of its wait, only if nothing else answers.
        state: where cooldowns, circuits, key positions and budgets live: a
            :class:`~reliable_rules.MemoryState` of this executor by default; a
            :class:`~reliable_rules.RedisState` shares them between processes.
        rate_budgets: ``{provider_name: RateBudget(requests, per_s, tokens=)}``: attempts wait
            for room in the provider's windows and what its headers say is left (``state``).
        capture: a path or :class:`~reliable_rules.executor.capture.CaptureLog`: append every
            failure no specific rule recognised, as a corpus record for ``reliable-rules
            suggest`` (sanitised, size-bounded, repeats counted).
    """

    def __init__(
        self,
        providers: Sequence[tuple[str, Any]],
        *,
        rules: RuleSet | str | PathLike[str] | None = None,
        max_retries: int = 2,
        base_backoff_ms: int | None = None,
        model_fallbacks: Mapping[str, Sequence[str]] | None = None,
        api_keys: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
        attempt_timeout_s: float | None = None,
        deadline_s: float | None = None,
        hooks: Hooks | Sequence[Hooks] | None = None,
        cooldown: bool = False,
        circuit_breaker: CircuitBreakerPolicy | None = None,
        max_workers: int = 32,
        timing: Timing | None = None,
        max_wait_s: float = DEFAULT_MAX_WAIT_S,
        state: StateStore | None = None,
        rate_budgets: Mapping[str, RateBudget] | None = None,
        capture: CaptureLog | str | PathLike[str] | None = None,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if not 0 < max_wait_s <= MAX_WAIT_LIMIT_S:
            raise ValueError(f"max_wait_s must be in (0, {MAX_WAIT_LIMIT_S:g}] seconds")
        self.max_wait_s = float(max_wait_s)
        self.capture = CaptureLog.of(capture)
        for name, value in (("attempt_timeout_s", attempt_timeout_s), ("deadline_s", deadline_s)):
            if value is not None and not (value > 0 and math.isfinite(value)):
                raise ValueError(f"{name} must be a positive number of seconds")
        self.providers: tuple[tuple[str, Any], ...] = tuple(
            (str(name), provider) for name, provider in providers
        )
        self.rules = rules if isinstance(rules, RuleSet) else load_rules(rules or "builtin:default")
        self.max_retries = max_retries
        self.backoff = Backoff.from_policy(self.rules.policy, base_ms=base_backoff_ms)
        self.model_fallbacks: Mapping[str, tuple[str, ...]] = {
            model: tuple(chain) for model, chain in (model_fallbacks or {}).items()
        }
        self._chains = expand_fallbacks(self.model_fallbacks)
        self.state = resolve_state(state, self._monotonic)
        self.rate_budgets = check_budgets(rate_budgets)
        self._shared_keys: KeyRing | None = None
        self._keys: dict[str, KeyRing] = {}
        if isinstance(api_keys, Mapping):
            self._keys = {
                name: KeyRing(keys, self.state, name, skip_cooling=cooldown)
                for name, keys in api_keys.items()
            }
        elif api_keys is not None:
            self._shared_keys = KeyRing(api_keys, self.state, skip_cooling=cooldown)
        self.attempt_timeout_s = attempt_timeout_s
        self.deadline_s = deadline_s
        self.hooks = observe.merge_hooks(hooks)
        observe.watch_store(self.state, lambda: self.hooks)
        self._timing = timing
        self._calls = LiveCalls(max_workers)
        self._memo = DecisionMemo()
        self.health = Health(
            self.state, cooldown=cooldown, breaker=circuit_breaker,
            on_change=lambda event: observe.circuit_changed(self.hooks, event),
        )

    # ── lifecycle ──────────────────────────────────────────────────────────────────────

    def __enter__(self) -> ReliableExecutor:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self, *, timeout_s: float = 5.0) -> None:
        """Interrupt every call's sleep or wait (they raise CallCancelled), refuse new calls,
        and stop the worker threads. Idempotent."""
        self._calls.close(timeout_s)
        if self.capture is not None:
            self.capture.flush()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._calls.closed

    # ── capabilities (the seed forwards these) ─────────────────────────────────────────

    @property
    def supports_native_tools(self) -> bool:
        """Whether the first provider calls tools natively."""
        return bool(self.providers) and bool(
            getattr(self.providers[0][1], "supports_native_tools", False)
        )

    @property
    def supports_streaming(self) -> bool:
        """Whether any provider can stream."""
        return any(getattr(p, "supports_streaming", False) for _, p in self.providers)

    @property
    def supports_tool_events(self) -> bool:
        """Whether any provider can stream tool-call events."""
        return any(
            getattr(p, "supports_streaming", False) and getattr(p, "supports_tool_events", False)
            for _, p in self.providers
        )

    def model_chain(self, model: str) -> tuple[str, ...]:
        """The models tried for ``model``: itself, then its fallbacks (and theirs)."""
        return (model, *self._chains.get(model, ()))

    def rotate_key(self, provider: str | None = None) -> str | None:
        """The next API key for ``provider`` (round-robin, ``keys[0]`` first), or None."""
        ring = self._ring(provider)
        return None if ring is None else ring.rotate()

    def next_key(self, provider: str, used: str | None) -> str | None:
        """The key to retry ``provider`` with after ``used`` was rate limited, or None."""
        ring = self._ring(provider)
        return None if ring is None else ring.after(used)

    def _ring(self, provider: str | None) -> KeyRing | None:
        ring = self._keys.get(provider) if provider is not None else None
        return ring if ring is not None else self._shared_keys

    # ── entry points ───────────────────────────────────────────────────────────────────

    def execute(
        self,
        request: ChatRequest,
        model: str,
        *,
        cancel: CancelToken | None = None,
        deadline_s: float | None = None,
    ) -> Outcome[ChatResponse]:
        """Send ``request`` through the chain; the answer with who gave it and every attempt."""
        outcome: Outcome[ChatResponse] = self._run(
            chat_op, model, request, cancel, deadline_s, outcome=True
        )
        return outcome

    def chat(
        self,
        request: ChatRequest,
        model: str,
        *,
        cancel: CancelToken | None = None,
        deadline_s: float | None = None,
    ) -> ChatResponse:
        """Send ``request`` through the chain and return the answer."""
        response: ChatResponse = self._run(chat_op, model, request, cancel, deadline_s)
        return response

    def simple_chat(self, message: str, model: str, *, cancel: CancelToken | None = None) -> str:
        """One user message; the answer's text."""
        return self.chat_with_system(None, message, model, cancel=cancel)

    def chat_with_system(
        self,
        system: str | None,
        message: str,
        model: str,
        *,
        cancel: CancelToken | None = None,
    ) -> str:
        """An optional system prompt and one user message; the answer's text. A context
        overflow fails at once (``Request exceeds model context window.``): there is no
        history to drop."""
        messages = [Message.user(message)] if system is None else [
            Message.system(system),
            Message.user(message),
        ]
        response: ChatResponse = self._run(
            chat_op, model, ChatRequest(messages), cancel, None, single_turn=True
        )
        return response.text or ""

    def chat_with_history(
        self, messages: Sequence[Message], model: str, *, cancel: CancelToken | None = None
    ) -> str:
        """A conversation; the answer's text (truncated on context overflow as needed)."""
        return self.chat(ChatRequest(messages), model, cancel=cancel).text or ""

    def call(
        self,
        fn: Callable[[Attempt], T],
        *,
        model: str,
        request: ChatRequest | None = None,
        cancel: CancelToken | None = None,
        deadline_s: float | None = None,
    ) -> T:
        """Run ``fn(attempt)`` through the chain and return its result.

        ``fn`` gets an :class:`Attempt` (provider, provider name, model, the current request,
        the API key to use, the attempt number) and may call anything synchronous: an SDK, a
        plain ``requests`` call. Whatever it raises is classified by the rules.
        """
        result: T = self._run(fn, model, request, cancel, deadline_s)
        return result

    def call_with_outcome(
        self,
        fn: Callable[[Attempt], T],
        *,
        model: str,
        request: ChatRequest | None = None,
        cancel: CancelToken | None = None,
        deadline_s: float | None = None,
    ) -> Outcome[T]:
        """Like :meth:`call`, returning the :class:`~reliable_rules.executor.records.Outcome`."""
        outcome: Outcome[T] = self._run(fn, model, request, cancel, deadline_s, outcome=True)
        return outcome

    def stream_chat(
        self,
        request: ChatRequest,
        model: str,
        *,
        cancel: CancelToken | None = None,
        deadline_s: float | None = None,
    ) -> Iterator[StreamEvent]:
        """Stream the answer from the first provider that can (and can stream tool events when
        the request has tools, or takes them prompt-guided). Retries and fallbacks happen only
        before the first event;
        an error after it reaches the caller. A stream that ends with no text and no tool call
        is an :class:`~reliable_rules.errors.EmptyResponse` before any event is yielded (the
        first events are read ahead to the first one with content). Raises
        :class:`~reliable_rules.errors.NoStreamingProvider` when no provider qualifies."""
        needs_tool_events = request.has_tools
        capable = stream_capable(self.providers, needs_tool_events)
        return stream(
            lambda: self._run(
                open_stream_op, model, request, cancel, deadline_s, providers=capable
            ),
            capable=capable,
            needs_tool_events=needs_tool_events, calls=self._calls, cancel=cancel,
            limit=self.deadline_s if deadline_s is None else deadline_s, clock=self._clock,
        )

    # ── the loop ───────────────────────────────────────────────────────────────────────

    def _clock(self) -> Timing:
        return self._timing if self._timing is not None else current_default()

    def _monotonic(self) -> float:
        return self._clock().monotonic()

    @overload
    def _run(
        self,
        op: Callable[[Attempt], T],
        model: str,
        request: ChatRequest | None,
        cancel: CancelToken | None,
        deadline_s: float | None,
        *,
        outcome: Literal[False] = False,
        single_turn: bool = False,
        providers: tuple[tuple[str, Any], ...] | None = None,
    ) -> T: ...

    @overload
    def _run(
        self,
        op: Callable[[Attempt], T],
        model: str,
        request: ChatRequest | None,
        cancel: CancelToken | None,
        deadline_s: float | None,
        *,
        outcome: Literal[True],
        single_turn: bool = False,
        providers: tuple[tuple[str, Any], ...] | None = None,
    ) -> Outcome[T]: ...

    def _run(
        self,
        op: Callable[[Attempt], T],
        model: str,
        request: ChatRequest | None,
        cancel: CancelToken | None,
        deadline_s: float | None,
        *,
        outcome: bool = False,
        single_turn: bool = False,
        providers: tuple[tuple[str, Any], ...] | None = None,
    ) -> T | Outcome[T]:
        """Run ``op`` through the loops: its result, or with ``outcome`` the :class:`Outcome`."""
        if self._calls.closed:
            raise CallCancelled("Executor is closed.")
        timing = self._clock()
        limit = self.deadline_s if deadline_s is None else deadline_s
        run = Run(
            model=model,
            request=request,
            deadline=None if limit is None else timing.monotonic() + limit,
            state=None,
            rows=[],
            single_turn=single_turn,
        )
        if cancel is not None:
            run.state = self._calls.register(CallState())
            cancel._attach(run.state)
        # Hooks that watch calls see it start and end (observe.py); no hooks, nothing to do.
        hooks = self.hooks
        with observe.NO_WATCH if hooks is None else observe.watch_call(
            hooks, model, op, providers or self.providers, timing
        ):
            try:
                answer = self._loop(op, run, timing, outcome, providers or self.providers)
            except Halt as halt:
                error: ExecutionError = (
                    DeadlineExceeded(halt.headline, run.records())
                    if halt.kind == "deadline"
                    else CallCancelled(halt.headline, run.records())
                )
                self._give_up(error, run)
                raise error from run.last_error()
            else:
                # Each failed attempt's error holds a traceback to the frame holding this run:
                # let go of them now, freed at once instead of by the cyclic GC.
                run.rows.clear()
                return answer
            finally:
                if run.state is not None:
                    if cancel is not None:
                        cancel._detach(run.state)
                    self._calls.unregister(run.state)

    def _loop(
        self,
        op: Callable[[Attempt], T],
        run: Run,
        timing: Timing,
        outcome: bool,
        providers: tuple[tuple[str, Any], ...],
    ) -> T | Outcome[T]:
        health = self.health if self.health.enabled else None
        requested = run.model
        previous: tuple[str, str] | None = None
        models = self.model_chain(requested)
        # Pairs left while rate limited (Step.COOL_DOWN), tried again only if nothing answers.
        cooling: list[Pair] = []
        for model_index, model in enumerate(models):
            if model_index:
                log_info(
                    "Model fallback exhausted all providers, trying next fallback model",
                    original_model=requested,
                    fallback_model=model,
                )
            tried = candidates(providers, model, health, self.hooks)
            for index, (name, provider) in enumerate(tried):
                previous = fallback_hook(self.hooks, run, previous, name, model)
                pair = Pair(name, provider, model, self.max_retries + 1, self.backoff.base_ms)
                pair.api_key = ring.current() if (ring := self._ring(name)) else None
                # The names still to come, listed only if a failure asks (see _attempts).
                # Called only inside this iteration's _attempts, so the loop variables it reads
                # are this iteration's.
                def later() -> list[str]:
                    return [other for other, _ in tried[index + 1 :]] + [  # noqa: B023
                        other for other, _ in providers for _m in models[model_index + 1 :]  # noqa: B023
                    ]

                step = self._attempts(op, run, pair, timing, outcome=outcome, later=later)
                if isinstance(step, _Answer):
                    return step.value
                if step is Step.COOL_DOWN:
                    cooling.append(pair)
                    continue
                log_info(
                    "Exhausted retries, trying next provider/model", provider=name, model=model
                )
                if step is Step.NEXT_MODEL:
                    cooling = [left for left in cooling if left.model != model]
                    break
        while cooling:
            # Every candidate is cooling down: wait for the one whose wait ends first.
            pair = min(cooling, key=lambda left: left.ready_at)
            cooling.remove(pair)
            left_s = pair.ready_at - timing.monotonic()
            if left_s > 0:
                left_s = min(left_s, self.max_wait_s)
                if run.deadline is not None and timing.monotonic() + left_s > run.deadline:
                    run.deadline_cut = True
                    break
                self._sleep(left_s, run, timing)
            previous = fallback_hook(self.hooks, run, previous, pair.name, pair.model)
            names_left = [left.name for left in cooling]
            step = self._attempts(
                op, run, pair, timing, outcome=outcome, later=lambda: names_left  # noqa: B023 — called within this iteration
            )
            if isinstance(step, _Answer):
                return step.value
            if step is Step.COOL_DOWN:
                cooling.append(pair)
            elif step is Step.NEXT_MODEL:
                cooling = [left for left in cooling if left.model != pair.model]
        if run.deadline_cut:
            raise Halt("deadline", "Deadline exceeded.")
        exhausted = AllProvidersFailed(run.records())
        self._give_up(exhausted, run)
        raise exhausted from run.last_error()

    def _attempts(
        self,
        op: Callable[[Attempt], T],
        run: Run,
        pair: Pair,
        timing: Timing,
        *,
        outcome: bool,
        later: Callable[[], list[str]],
    ) -> Step | _Answer[T]:
        """The attempts on one pair: the answer, or how the loops go on."""
        health = self.health if self.health.enabled else None
        bounded = self.attempt_timeout_s is not None or run.deadline is not None
        name, provider, model = pair.name, pair.provider, pair.model
        step = Step.NEXT_PROVIDER
        names: list[str] | None = None  # the candidates after this pair, once a failure asks
        while pair.number < pair.budget:
            pair.number += 1
            if self.rate_budgets:
                admit(self, run, pair, timing)
            now = timing.monotonic()
            if run.deadline is not None and now >= run.deadline:
                raise Halt("deadline", "Deadline exceeded.")
            if run.state is not None:
                halt_if_cancelled(run.state)
            attempt = Attempt(
                provider, name, model, run.request, pair.api_key, pair.number,
                uses_prompt_tools(run.request, pair),
            )
            observe.attempt_started(self.hooks, pair)
            pair.started = now
            try:
                result = (
                    self._calls.bounded(op, attempt, run, timing, self.attempt_timeout_s)
                    if bounded else op(attempt)
                )
            except Exception as error:  # noqa: BLE001 — every failure goes to the rules
                decision = self._memo.classify(self.rules, error, name, model)
                # Only a rate limit with a wait asks whether another candidate could answer.
                if decision.retry_after_ms and decision.rate_limited:
                    if names is None:
                        names = later()
                    run.alternatives = any(
                        run.cooling.get(other, 0.0) <= now
                        and (health is None or health.cooling(other) == 0.0)
                        for other in names
                    )
                if self.capture is not None:
                    self.capture.record(decision)
                if health is not None:
                    health.record(name, model, decision.category)
                step = self._after_failure(run, pair, decision, error, timing)
                if step is Step.AGAIN:
                    continue
                return step
            else:
                if health is not None:
                    health.record(name, model, None)
                return _Answer(succeed(result, run, pair, timing, self, outcome=outcome))
        return step

    def _after_failure(
        self, run: Run, pair: Pair, decision: Decision, error: BaseException, timing: Timing
    ) -> Step:
        """What to do after one failed attempt: the handler of the decision's action answers
        (the pair updated for :attr:`Step.AGAIN`), or raises to stop the call."""
        elapsed_ms = (timing.monotonic() - pair.started) * 1000
        failed = Failed(self.hooks, run, pair, decision, error, elapsed_ms)
        return after_failure(self, failed, timing)

    # ── waiting ────────────────────────────────────────────────────────────────────────

    def _sleep(self, seconds: float, run: Run, timing: Timing) -> None:
        self._calls.sleep(seconds, run, timing)

    # ── observing ──────────────────────────────────────────────────────────────────────

    def _retry_hook(self, record: AttemptRecord, wait_ms: int, nxt: int, key: str | None) -> None:
        hooks = self.hooks
        if hooks is not None and hooks.on_retry is not None:
            call_hook(hooks.on_retry, RetryEvent(record, wait_ms, nxt, key_hint(key)))

    def _give_up(self, error: ExecutionError, run: Run) -> None:
        if logger.isEnabledFor(logging.WARNING):
            logger.warning(
                "%s (%d attempts)",
                error.headline,
                len(run.rows),
                extra={"attempts": len(run.rows), "model": run.model},
            )
        hooks = self.hooks
        if hooks is not None and hooks.on_give_up is not None:
            call_hook(hooks.on_give_up, GiveUpEvent(error, error.attempts))
