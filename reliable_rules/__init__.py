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
    FallbackEvent,
    FallbackInfo,
    GiveUpEvent,
    Hooks,
    Outcome,
    RetryEvent,
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

__all__ = [
    "DEFAULT_CATEGORIES",
    "Action",
    "AllProvidersFailed",
    "Attempt",
    "AttemptRecord",
    "AttemptTimeout",
    "CallCancelled",
    "CancelToken",
    "Category",
    "ChatProvider",
    "ChatRequest",
    "ChatResponse",
    "CircuitBreakerPolicy",
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
    "Outcome",
    "Policy",
    "Problem",
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
    "StateStore",
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
    # PEP 562: RedisState's module (and with it the redis client) loads on first use only.
    if name == "RedisState":
        from reliable_rules.executor.store.redis import (  # noqa: PLC0415 — lazy on purpose
            RedisState,
        )

        return RedisState
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
