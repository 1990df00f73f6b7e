"""The demo's results: what ``reliable-rules demo`` reports, scenario by scenario, as frozen
records that render as text or JSON (see :mod:`reliable_rules.cli._scenarios`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeAlias

from reliable_rules.executor.records import AttemptRecord, FallbackInfo

__all__ = [
    "DemoAttempt",
    "DemoEvent",
    "DemoReport",
    "DemoServer",
    "DemoStart",
    "Fact",
    "ScenarioResult",
]


@dataclass(frozen=True, slots=True)
class DemoServer:
    """One fake provider the demo started: its name, wire shape and loopback URL."""

    name: str
    api: str
    url: str


@dataclass(frozen=True, slots=True)
class DemoStart:
    """The demo is about to run: the rule set in use, the servers, and the timing mode."""

    ruleset: str
    revision: str
    servers: tuple[DemoServer, ...]
    fast: bool


@dataclass(frozen=True, slots=True)
class DemoAttempt:
    """One attempt of a scenario as the executor decided it (from its ``AttemptRecord``).

    ``status`` is the HTTP status (200 for a success: the adapters only return on 2xx; None
    when no HTTP answer arrived); ``category``, ``reason`` and ``rule`` are None on success;
    ``key_hint`` is the rotated key's hint (None: the provider's own key).
    """

    scenario: int
    provider: str
    model: str
    attempt: int
    max_attempts: int
    status: int | None
    category: str | None
    reason: str
    rule: str | None
    action: str
    wait_ms: int
    key_hint: str | None
    detail: str

    @classmethod
    def from_record(cls, scenario: int, record: AttemptRecord) -> DemoAttempt:
        """The attempt as the demo shows it."""
        decision = record.decision
        return cls(
            scenario=scenario,
            provider=record.provider,
            model=record.model,
            attempt=record.attempt,
            max_attempts=record.max_attempts,
            status=200 if decision is None else decision.failure.status,
            category=None if decision is None else decision.category,
            reason=record.reason,
            rule=None if decision is None else decision.rule_id,
            action=record.action,
            wait_ms=record.wait_ms,
            key_hint=record.api_key_hint,
            detail=record.detail,
        )

    def as_dict(self) -> dict[str, Any]:
        """The attempt as one JSON object (``"event": "attempt"``)."""
        return {
            "event": "attempt",
            "scenario": self.scenario,
            "provider": self.provider,
            "model": self.model,
            "attempt": self.attempt,
            "max_attempts": self.max_attempts,
            "status": self.status,
            "category": self.category,
            "reason": self.reason,
            "rule": self.rule,
            "action": self.action,
            "wait_ms": self.wait_ms,
            "key_hint": self.key_hint,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class Fact:
    """Something a scenario demonstrates beyond its attempts: ``key`` and ``value`` for JSON,
    ``label`` and ``text`` for people."""

    key: str
    label: str
    text: str
    value: Any


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """How one scenario went.

    ``answer``/``provider``/``model``/``fallback`` describe the answer when there was one;
    ``error`` is the executor's error message (its attempts trail included) when there was
    not. ``facts`` are what the scenario demonstrates beyond the attempts (the keys the server
    saw, message counts); ``problems`` say how the scenario did not end as scripted (empty
    when it did).
    """

    number: int
    title: str
    setup: str
    attempts: tuple[DemoAttempt, ...]
    answer: str | None = None
    provider: str | None = None
    model: str | None = None
    fallback: FallbackInfo | None = None
    error: str | None = None
    facts: tuple[Fact, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the scenario ended as scripted."""
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """The scenario's outcome as one JSON object (``"event": "scenario"``)."""
        fallback = self.fallback
        return {
            "event": "scenario",
            "scenario": self.number,
            "title": self.title,
            "ok": self.ok,
            "answer": self.answer,
            "provider": self.provider,
            "model": self.model,
            "fallback": None
            if fallback is None
            else {
                "requested_provider": fallback.requested_provider,
                "requested_model": fallback.requested_model,
                "actual_provider": fallback.actual_provider,
                "actual_model": fallback.actual_model,
                "attempts": fallback.attempts,
                "history_truncated": fallback.history_truncated,
                "format_switched": fallback.format_switched,
            },
            "error": self.error,
            "facts": {fact.key: fact.value for fact in self.facts},
            "problems": list(self.problems),
        }


@dataclass(frozen=True, slots=True)
class DemoReport:
    """The whole demo: setup, every scenario, wall time and the total wait (slept for real,
    or virtual with ``fast``)."""

    start: DemoStart
    scenarios: tuple[ScenarioResult, ...]
    elapsed_s: float
    waited_ms: int

    @property
    def ok(self) -> bool:
        """Whether every scenario ended as scripted."""
        return all(scenario.ok for scenario in self.scenarios)

    @property
    def problems(self) -> tuple[str, ...]:
        """Every problem, prefixed with its scenario (``scenario 2 (title): ...``)."""
        return tuple(
            f"scenario {scenario.number} ({scenario.title}): {problem}"
            for scenario in self.scenarios
            for problem in scenario.problems
        )

    def as_dict(self) -> dict[str, Any]:
        """The summary as one JSON object (``"event": "summary"``)."""
        return {
            "event": "summary",
            "ok": self.ok,
            "scenarios": len(self.scenarios),
            "failed": [scenario.number for scenario in self.scenarios if not scenario.ok],
            "problems": list(self.problems),
            "elapsed_ms": round(self.elapsed_s * 1000),
            "waited_ms": self.waited_ms,
            "fast": self.start.fast,
        }


DemoEvent: TypeAlias = "DemoStart | ScenarioResult"
