"""Rate budgets: an attempt on a provider with a :class:`RateBudget` first takes a slot from
the executor's store (shared by every process with ``RedisState``), waiting for one if
needed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from reliable_rules.executor.state import Halt, Run, log_info
from reliable_rules.executor.store.base import RateBudget, StateStore, scope
from reliable_rules.executor.timing import Timing

__all__ = ["Budgeted", "admit", "check_budgets"]


class Budgeted(Protocol):
    """What :func:`admit` needs of the executor."""

    @property
    def state(self) -> StateStore:
        """The store."""

    @property
    def rate_budgets(self) -> Mapping[str, RateBudget]:
        """Budgets by provider name."""

    def _sleep(self, seconds: float, run: Run, timing: Timing) -> None:
        """Wait, interruptible by a cancel or ``close()``."""


def check_budgets(budgets: Mapping[str, RateBudget] | None) -> Mapping[str, RateBudget]:
    """The executor's ``rate_budgets``, checked: provider names to :class:`RateBudget`."""
    checked = dict(budgets or {})
    for name, budget in checked.items():
        if not isinstance(budget, RateBudget):
            raise TypeError(
                f"rate_budgets[{name!r}] must be a RateBudget, got {type(budget).__name__}"
            )
    return checked


def admit(host: Budgeted, run: Run, provider: str, timing: Timing) -> None:
    """Take a slot of ``provider``'s budget, waiting (interruptibly) until one frees up; a
    wait that would overrun the call's deadline ends the call as the deadline would."""
    budget = host.rate_budgets.get(provider)
    if budget is None:
        return
    if run.deadline is not None and timing.monotonic() >= run.deadline:
        raise Halt("deadline", "Deadline exceeded.")  # no slot for an attempt that cannot run
    name = scope("rate", provider)
    while (wait_s := host.state.acquire(name, budget)) > 0:
        if run.deadline is not None and timing.monotonic() + wait_s > run.deadline:
            run.deadline_cut = True
            raise Halt("deadline", "Deadline exceeded.")
        log_info("Rate budget spent, waiting for a slot", provider=provider, wait_ms=wait_s * 1000)
        host._sleep(wait_s, run, timing)
