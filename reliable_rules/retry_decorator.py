"""A tenacity-style decorator for any callable, driven by the same rules and policy.

    @retrying(rules="my-rules.yaml", max_retries=3)
    def fetch(url):
        return requests.get(url, timeout=5).raise_for_status()

Each failure is classified; ``retry`` actions back off (Retry-After honoured, capped) and
try again, anything else gives up. Giving up re-raises the function's own last exception (as
stamina does), so callers keep catching what they already catch; the sanitised trail is
attached as a note. Deadlines and cancellation raise the executor's own exceptions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from os import PathLike
from typing import Any, ParamSpec, TypeVar, overload

from reliable_rules.errors import CallCancelled, DeadlineExceeded, ExecutionError
from reliable_rules.executor.capture import CaptureLog
from reliable_rules.executor.loops import Attempt, ReliableExecutor
from reliable_rules.executor.records import Hooks
from reliable_rules.executor.timing import Timing
from reliable_rules.ruleset.model import RuleSet

__all__ = ["retrying"]

P = ParamSpec("P")
R = TypeVar("R")


@overload
def retrying(fn: Callable[P, R], /) -> Callable[P, R]: ...


@overload
def retrying(
    fn: None = None,
    /,
    *,
    rules: RuleSet | str | PathLike[str] | None = None,
    max_retries: int = 2,
    base_backoff_ms: int | None = None,
    attempt_timeout_s: float | None = None,
    deadline_s: float | None = None,
    hooks: Hooks | None = None,
    timing: Timing | None = None,
    name: str | None = None,
    capture: CaptureLog | str | PathLike[str] | None = None,
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def retrying(
    fn: Callable[P, R] | None = None,
    /,
    *,
    rules: RuleSet | str | PathLike[str] | None = None,
    max_retries: int = 2,
    base_backoff_ms: int | None = None,
    attempt_timeout_s: float | None = None,
    deadline_s: float | None = None,
    hooks: Hooks | None = None,
    timing: Timing | None = None,
    name: str | None = None,
    capture: CaptureLog | str | PathLike[str] | None = None,
) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
    """Retry ``fn`` as the rules decide; usable bare (``@retrying``) or with options.

    Args:
        rules: rule set, path or ``builtin:NAME`` (``builtin:default`` when None).
        max_retries: retries after the first call.
        base_backoff_ms: first backoff; None uses the rule set's policy.
        attempt_timeout_s: bound each call (it then runs on a worker thread).
        deadline_s: bound all calls and sleeps together.
        hooks: observers, as for :class:`~reliable_rules.executor.loops.ReliableExecutor`.
        timing: clock/sleep/random; None follows the testing switch.
        name: the name shown in trails and logs (the function's qualified name by default).
        capture: a path or :class:`~reliable_rules.executor.capture.CaptureLog`: append every
            failure no specific rule recognised, for ``reliable-rules suggest``.
    """

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        label = name or getattr(function, "__qualname__", None) or repr(function)
        executor = ReliableExecutor(
            [(label, function)],
            rules=rules,
            max_retries=max_retries,
            base_backoff_ms=base_backoff_ms,
            attempt_timeout_s=attempt_timeout_s,
            deadline_s=deadline_s,
            hooks=hooks,
            timing=timing,
            capture=capture,
        )

        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            def once(_attempt: Attempt) -> R:
                return function(*args, **kwargs)

            try:
                return executor.call(once, model=label)
            except (DeadlineExceeded, CallCancelled):
                raise
            except ExecutionError as gave_up:
                original = gave_up.last_error
                if original is None:
                    raise
                _add_note(original, gave_up)
                # Keep the function's own cause; hide the executor's error as context.
                raise original from original.__cause__

        wrapper.executor = executor  # type: ignore[attr-defined]  # for tests and introspection
        return wrapper

    if fn is not None:
        return decorate(fn)
    return decorate


def _add_note(error: BaseException, gave_up: ExecutionError) -> None:
    add_note: Any = getattr(error, "add_note", None)  # Python 3.11+
    if add_note is not None:
        add_note(f"reliable_rules gave up after {len(gave_up.attempts)} attempts:")
        for line in gave_up.trail:
            add_note(f"  {line}")
