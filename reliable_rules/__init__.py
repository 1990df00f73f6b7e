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

from reliable_rules._version import __version__

# A library logs, the application decides where logs go (no "No handlers" fallback to stderr).
_logging.getLogger("reliable_rules").addHandler(_logging.NullHandler())

# Not typing.TYPE_CHECKING: importing typing costs `reliable-rules --version` a tenth of its
# time, and type checkers treat any constant named TYPE_CHECKING the same way.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

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
    from reliable_rules.executor.store.redis import RedisState
    from reliable_rules.failure import Failure, to_failure
    from reliable_rules.observability import OpenTelemetryHooks, PrometheusHooks
    from reliable_rules.reloading import ReloadingRuleSet
    from reliable_rules.retry_decorator import retrying
    from reliable_rules.ruleset.loader import load_rules
    from reliable_rules.ruleset.model import Policy, Rule, RuleSet, RuleTest
    from reliable_rules.taxonomy import DEFAULT_CATEGORIES, Action, Category
    from reliable_rules.urllib3_retry import RulesRetry

# PEP 562: every public name loads on first use, so ``import reliable_rules`` costs what its
# caller uses (a CLI's `--version` imports nothing else; classifying never imports the executor,
# requests, urllib3, nor, until one is built, opentelemetry, prometheus_client or redis).
_LAZY: dict[str, str] = {
    'Action': 'reliable_rules.taxonomy',
    'AllProvidersFailed': 'reliable_rules.errors',
    'Attempt': 'reliable_rules.executor.loops',
    'AttemptRecord': 'reliable_rules.executor.records',
    'AttemptStartEvent': 'reliable_rules.executor.records',
    'AttemptTimeout': 'reliable_rules.errors',
    'CallCancelled': 'reliable_rules.errors',
    'CallEndEvent': 'reliable_rules.executor.records',
    'CallStartEvent': 'reliable_rules.executor.records',
    'CancelToken': 'reliable_rules.executor.loops',
    'Category': 'reliable_rules.taxonomy',
    'ChatProvider': 'reliable_rules.chat',
    'ChatRequest': 'reliable_rules.chat',
    'ChatResponse': 'reliable_rules.chat',
    'CircuitBreakerPolicy': 'reliable_rules.executor.health',
    'CircuitEvent': 'reliable_rules.executor.records',
    'ContextWindowExceeded': 'reliable_rules.errors',
    'DEFAULT_CATEGORIES': 'reliable_rules.taxonomy',
    'DeadlineExceeded': 'reliable_rules.errors',
    'Decision': 'reliable_rules.decision',
    'ExecutionError': 'reliable_rules.errors',
    'Failure': 'reliable_rules.failure',
    'FallbackEvent': 'reliable_rules.executor.records',
    'FallbackInfo': 'reliable_rules.executor.records',
    'GiveUpEvent': 'reliable_rules.executor.records',
    'Hooks': 'reliable_rules.executor.records',
    'MemoryState': 'reliable_rules.executor.store',
    'Message': 'reliable_rules.chat',
    'MissingExtra': 'reliable_rules.errors',
    'NoStreamingProvider': 'reliable_rules.errors',
    'OpenTelemetryHooks': 'reliable_rules.observability.otel',
    'Outcome': 'reliable_rules.executor.records',
    'Policy': 'reliable_rules.ruleset.model',
    'Problem': 'reliable_rules.errors',
    'PrometheusHooks': 'reliable_rules.observability.prometheus',
    'RateBudget': 'reliable_rules.executor.store',
    'RedisState': 'reliable_rules.executor.store.redis',
    'ReliableExecutor': 'reliable_rules.executor.loops',
    'ReliableRulesError': 'reliable_rules.errors',
    'ReloadingRuleSet': 'reliable_rules.reloading',
    'ResponseFormatMismatch': 'reliable_rules.errors',
    'RetryEvent': 'reliable_rules.executor.records',
    'Rule': 'reliable_rules.ruleset.model',
    'RuleSet': 'reliable_rules.ruleset.model',
    'RuleSetDiff': 'reliable_rules.authoring.diff',
    'RuleSetError': 'reliable_rules.errors',
    'RuleSourceError': 'reliable_rules.errors',
    'RuleTest': 'reliable_rules.ruleset.model',
    'RulesRetry': 'reliable_rules.urllib3_retry',
    'SkipEvent': 'reliable_rules.executor.records',
    'StateStore': 'reliable_rules.executor.store',
    'StoreFallbackEvent': 'reliable_rules.executor.records',
    'StreamEvent': 'reliable_rules.chat',
    'ToolCall': 'reliable_rules.chat',
    'Usage': 'reliable_rules.chat',
    'diff_rulesets': 'reliable_rules.authoring.diff',
    'load_rules': 'reliable_rules.ruleset.loader',
    'retrying': 'reliable_rules.retry_decorator',
    'scope_provider_fallback': 'reliable_rules.executor.fallback',
    'take_last_provider_fallback': 'reliable_rules.executor.fallback',
    'to_failure': 'reliable_rules.failure',
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
    from reliable_rules.ruleset.loader import load_rules  # noqa: PLC0415 — lazy, see _LAZY

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


del TYPE_CHECKING


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
