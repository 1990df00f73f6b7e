"""How the concept-family tables of ``tests/rulefiles`` put their cases to builtin:default.

A case is either a dict of ``classify()`` keywords (``message`` is the positional error; an
``exception`` key raises the message as an exception of that class name), or a text with an
optional status (a body under the status, or a bare message without one).
"""

from __future__ import annotations

from collections.abc import Callable
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


TestFunction = Callable[..., None]


def family_tests(
    label: str,
    *,
    catches: list[Any],
    near_misses: list[Any],
    leaves: list[Any],
    prefix: str | None = None,
) -> tuple[TestFunction, TestFunction, TestFunction]:
    """The three tests of a concept-family table, parametrized over its rows.

    With ``prefix`` None, ``catches`` rows are ``rule_case`` s (rule and category must match)
    and ``near_misses`` rows ``(failure, category, rule)`` (the category must match, ``rule``
    must not decide); with a ``prefix``, ``catches`` rows are ``case`` s (the category must
    match) and ``near_misses`` rows ``(failure, category)`` (the category must match, no rule
    whose id starts with ``prefix`` may decide). ``leaves`` rows are ``(failure, rule)``
    (``rule`` must not decide). A module binds the three to its own test names: the tests'
    ids stay those of the functions they replace.
    """
    if prefix is None:

        @pytest.mark.parametrize(("failure", "rule", "category"), catches)
        def catches_by_rule(
            default: RuleSet, failure: dict[str, Any], rule: str, category: str
        ) -> None:
            decision = decide(default, failure)
            assert (decision.rule_id, decision.category) == (rule, category)

        @pytest.mark.parametrize(("failure", "category", "rule"), near_misses)
        def near_miss_by_rule(
            default: RuleSet, failure: dict[str, Any], category: str, rule: str
        ) -> None:
            decision = decide(default, failure)
            assert decision.category == category
            assert decision.rule_id != rule

        catch: TestFunction = catches_by_rule
        near: TestFunction = near_miss_by_rule
    else:
        family = prefix

        @pytest.mark.parametrize(("failure", "category"), catches)
        def catches_by_category(default: RuleSet, failure: dict[str, Any], category: str) -> None:
            assert decide(default, failure).category == category

        @pytest.mark.parametrize(("failure", "category"), near_misses)
        def near_miss_by_family(
            default: RuleSet, failure: dict[str, Any], category: str
        ) -> None:
            decision = decide(default, failure)
            assert decision.category == category
            assert not decision.rule_id.startswith(family)

        catch, near = catches_by_category, near_miss_by_family

    @pytest.mark.parametrize(("failure", "rule"), leaves)
    def leaves_lookalikes(default: RuleSet, failure: dict[str, Any], rule: str) -> None:
        assert decide(default, failure).rule_id != rule

    catch.__doc__ = f"Each {label} family decides its concept in wordings its records did not use."
    near.__doc__ = f"A near miss of a {label} family is decided by the family it belongs to."
    leaves_lookalikes.__doc__ = (
        f"A text with a {label} rule's gate words but not its concept is not decided by it."
    )
    return catch, near, leaves_lookalikes
