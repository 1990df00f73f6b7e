"""The loops' moves between candidates: which providers a model is tried on (unhealthy ones
skipped while another is available) and the ``on_fallback`` hook between two pairs."""

from __future__ import annotations

from typing import Any

from reliable_rules.executor import observe
from reliable_rules.executor.health import Health
from reliable_rules.executor.records import FallbackEvent, Hooks
from reliable_rules.executor.state import Run, call_hook, log_info

__all__ = ["candidates", "fallback_hook"]


def candidates(
    providers: tuple[tuple[str, Any], ...], model: str, health: Health | None, hooks: Hooks | None
) -> tuple[tuple[str, Any], ...]:
    """The providers to try for ``model``: all of them, minus cooling or open-circuit ones
    while at least one other is available."""
    if health is None:
        return providers
    flags = health.available_all([name for name, _ in providers], model)
    healthy = tuple(pair for pair, ok in zip(providers, flags, strict=True) if ok)
    if healthy and len(healthy) < len(providers):
        kept = {name for name, _ in healthy}
        skipped = [name for name, _ in providers if name not in kept]
        log_info("Skipping unhealthy providers", skipped=", ".join(skipped), model=model)
        observe.report_skips(hooks, health, skipped, model)
        return healthy
    return providers


def fallback_hook(
    hooks: Hooks | None, run: Run, previous: tuple[str, str] | None, name: str, model: str
) -> tuple[str, str]:
    """Show ``on_fallback`` the move from the previous pair to (name, model)."""
    if previous is not None and hooks is not None and hooks.on_fallback is not None:
        last = run.records()[-1] if run.rows else None
        call_hook(hooks.on_fallback, FallbackEvent(previous[0], previous[1], name, model, last))
    return (name, model)
