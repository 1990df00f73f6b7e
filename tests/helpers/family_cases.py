"""How the concept-family tables of ``tests/rulefiles`` put their cases to builtin:default.

A case is either a dict of ``classify()`` keywords (``message`` is the positional error; an
``exception`` key raises the message as an exception of that class name), or a text with an
optional status (a body under the status, or a bare message without one).
"""

from __future__ import annotations

from typing import Any

import pytest

from reliable_rules import Decision, RuleSet


def decide(ruleset: RuleSet, failure: dict[str, Any]) -> Decision:
    """The set's decision for a failure given as ``classify()`` keywords."""
    failure = dict(failure)
    message: Any = failure.pop("message", None)
    exception = failure.pop("exception", None)
    if exception is not None:
        message = type(exception, (Exception,), {})(message)
    return ruleset.classify(message, **failure)


def decide_text(ruleset: RuleSet, text: str, status: int | None) -> Decision:
    """The set's decision for a text, as a body under a status or as a bare message."""
    if status is None:
        return ruleset.classify(text)
    return ruleset.classify(None, status=status, body=text)


def case(category: str, name: str, **failure: Any) -> Any:
    """One table row: the failure as classify() keywords and the category it must get."""
    return pytest.param(failure, category, id=name)


def rule_case(rule: str, category: str, name: str, **failure: Any) -> Any:
    """One table row: the failure as classify() keywords, the rule and category it must get."""
    return pytest.param(failure, rule, category, id=name)
