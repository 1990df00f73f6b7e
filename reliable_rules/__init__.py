"""reliable_rules: classify LLM provider errors with versioned YAML rules.

import reliable_rules
rules = reliable_rules.load_rules()              # builtin:default
decision = rules.classify(error)                 # never raises
decision.category, decision.action, decision.retry_after_ms
print(decision.explain())
"""

from __future__ import annotations

import typing as _typing

from ._version import __version__
from .decision import Decision
from .errors import Problem, ReliableRulesError, RuleSetError, RuleSourceError
from .failure import Failure, to_failure
from .ruleset import Policy, Rule, RuleSet, RuleTest, load_rules
from .taxonomy import DEFAULT_CATEGORIES, Action, Category

if _typing.TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "DEFAULT_CATEGORIES",
    "Action",
    "Category",
    "Decision",
    "Failure",
    "Policy",
    "Problem",
    "ReliableRulesError",
    "Rule",
    "RuleSet",
    "RuleSetError",
    "RuleSourceError",
    "RuleTest",
    "__version__",
    "classify",
    "load_rules",
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
