"""reliable_rules: classify LLM provider errors with versioned YAML rules, and retry and fall
back as they decide.

import reliable_rules
rules = reliable_rules.load_rules()              # builtin:default
decision = rules.classify(error)                 # never raises
decision.category, decision.action, decision.retry_after_ms
print(decision.explain())

executor = reliable_rules.ReliableExecutor([("openai", provider), ("backup", other)])
answer = executor.chat(reliable_rules.ChatRequest([reliable_rules.Message.user("hi")]), "gpt-4o")
"""

from __future__ import annotations

import importlib as _importlib
import logging as _logging
import typing as _typing

from reliable_rules._version import __version__
from reliable_rules.authoring.diff import RuleSetDiff, diff_rulesets
from reliable_rules.chat import (
    ChatProvider,
    ChatRequest,
    ChatResponse,
    Message,
    StreamEvent,
    ToolCall,
    Usage,
)
from reliable_rules.decision import Decision
from reliable_rules.errors import (
    AllProvidersFailed,
    AttemptTimeout,
    CallCancelled,
    ContextWindowExceeded,
    DeadlineExceeded,
    ExecutionError,
    MissingExtra,
    NoStreamingProvider,
    Problem,
    ReliableRulesError,
    ResponseFormatMismatch,
    RuleSetError,
    RuleSourceError,
)
from reliable_rules.executor.fallback import (
    scope_provider_fallback,
    take_last_provider_fallback,
)
from reliable_rules.executor.health import CircuitBreakerPolicy
from reliable_rules.executor.loops import Attempt, CancelToken, ReliableExecutor
from reliable_rules.executor.records import (
    AttemptRecord,
    AttemptStartEvent,
    CallEndEvent,
    CallStartEvent,
    CircuitEvent,
    FallbackEvent,
    FallbackInfo,
    GiveUpEvent,
    Hooks,
    Outcome,
    RetryEvent,
    SkipEvent,
    StoreFallbackEvent,
)
from reliable_rules.executor.store import MemoryState, RateBudget, StateStore
from reliable_rules.failure import Failure, to_failure
from reliable_rules.reloading import ReloadingRuleSet
from reliable_rules.retrying import retrying
from reliable_rules.ruleset.loader import load_rules
from reliable_rules.ruleset.model import Policy, Rule, RuleSet, RuleTest
from reliable_rules.taxonomy import DEFAULT_CATEGORIES, Action, Category
from reliable_rules.urllib3_retry import RulesRetry

# A library logs, the application decides where logs go (no "No handlers" fallback to stderr).
_logging.getLogger("reliable_rules").addHandler(_logging.NullHandler())

if _typing.TYPE_CHECKING:
    from collections.abc import Mapping

    from reliable_rules.executor.store.redis import RedisState
    from reliable_rules.observability import OpenTelemetryHooks, PrometheusHooks

# PEP 562: the metrics and traces hooks and RedisState load on first use, so ``import
# reliable_rules`` never imports them (nor, until one is built, opentelemetry,
# prometheus_client or redis).
_LAZY = {
    "OpenTelemetryHooks": "reliable_rules.observability.otel",
    "PrometheusHooks": "reliable_rules.observability.prometheus",
    "RedisState": "reliable_rules.executor.store.redis",
}

__all__ = [
    "DEFAULT_CATEGORIES",
    "Action",
    "AllProvidersFailed",
    "Attempt",
    "AttemptRecord",
    "AttemptStartEvent",
    "AttemptTimeout",
    "CallCancelled",
    "CallEndEvent",
    "CallStartEvent",
    "CancelToken",
    "Category",
    "ChatProvider",
    "ChatRequest",
    "ChatResponse",
    "CircuitBreakerPolicy",
    "CircuitEvent",
    "ContextWindowExceeded",
    "DeadlineExceeded",
    "Decision",
    "ExecutionError",
    "Failure",
    "FallbackEvent",
    "FallbackInfo",
    "GiveUpEvent",
    "Hooks",
    "MemoryState",
    "Message",
    "MissingExtra",
    "NoStreamingProvider",
    "OpenTelemetryHooks",
    "Outcome",
    "Policy",
    "Problem",
    "PrometheusHooks",
    "RateBudget",
    "RedisState",
    "ReliableExecutor",
    "ReliableRulesError",
    "ReloadingRuleSet",
    "ResponseFormatMismatch",
    "RetryEvent",
    "Rule",
    "RuleSet",
    "RuleSetDiff",
    "RuleSetError",
    "RuleSourceError",
    "RuleTest",
    "RulesRetry",
    "SkipEvent",
    "StateStore",
    "StoreFallbackEvent",
    "StreamEvent",
    "ToolCall",
    "Usage",
    "__version__",
    "classify",
    "diff_rulesets",
    "load_rules",
    "retrying",
    "scope_provider_fallback",
    "take_last_provider_fallback",
    "to_failure",
]


def classify(
    error: object = None,
    /,
    *,
    status: int | None = None,
    headers: Mapping[str, object] | None = None,
    body: object = None,
    provider: str | None = None,
    model: str | None = None,
) -> Decision:
    """Classify with ``builtin:default``; see :meth:`RuleSet.classify`. Never raises."""
    return load_rules().classify(
        error, status=status, headers=headers, body=body, provider=provider, model=model
    )


def __getattr__(name: str) -> object:
    """Load a lazily exported name (:data:`_LAZY`) on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'reliable_rules' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
