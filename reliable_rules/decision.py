"""The immutable answer of a classification."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from reliable_rules.failure import Failure
from reliable_rules.taxonomy import Action, Category

__all__ = ["Decision", "Explainer", "Verdict", "new_decision"]


class Explainer(Protocol):
    """What a :class:`Decision` asks for its trace: the engine's classifier provides it (a
    protocol, so this vocabulary module does not import the engine)."""

    def explain(self, failure: Failure) -> str:
        """The evaluation trace for ``failure``."""
        ...

    def matches_bare(self, rule_id: str, failure: Failure) -> bool:
        """Whether rule ``rule_id`` still matches ``failure`` stripped to its status, scope
        and the numbers of its text (no words, body, headers or exception names)."""
        ...


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a rule (or the fall-through) decides, independent of the particular failure.

    Built once per rule when the rule set compiles; every :class:`Decision` that rule makes
    shares it.
    """

    category: Category
    rule_id: str | None
    ruleset: str
    revision: str
    classifier: Explainer | None = field(default=None, repr=False, compare=False)
    #: Whether every way the rule can match needs more than the status (text, JSON, a
    #: header, an exception type); False for status-only and catch-all rules, for rules with
    #: a status-only branch, and for no match.
    specific: bool = True


@dataclass(frozen=True, slots=True)
class Decision:
    """How to treat one failure: category, retry policy, wait, and the rule that decided.

    ``retryable``, ``rate_limited``, ``action`` and ``rotate_key`` come from the category;
    ``reason`` is the seed's failure-reason string derived from the two flags;
    ``retry_after_ms`` is what the provider asked for (uncapped: executors apply the policy's cap).
    """

    verdict: Verdict
    retry_after_ms: int | None
    failure: Failure = field(repr=False, compare=False)

    @property
    def category(self) -> str:
        """The category name, e.g. ``rate_limited``."""
        return self.verdict.category.name

    @property
    def reason(self) -> str:
        """``rate_limited_non_retryable``, ``rate_limited``, ``non_retryable`` or ``retryable``."""
        return self.verdict.category.reason

    @property
    def retryable(self) -> bool:
        """Whether retrying the same provider and model can succeed."""
        return self.verdict.category.retryable

    @property
    def rate_limited(self) -> bool:
        """Whether the failure is a rate or quota limit."""
        return self.verdict.category.rate_limited

    @property
    def action(self) -> Action:
        """What an executor should do next."""
        return self.verdict.category.action

    @property
    def rotate_key(self) -> bool:
        """Whether to switch to the next API key before retrying."""
        return self.verdict.category.rotate_key

    @property
    def rule_id(self) -> str | None:
        """The id of the deciding rule; None when no rule matched."""
        return self.verdict.rule_id

    @property
    def specific(self) -> bool:
        """Whether a specific rule recognised the failure: False when nothing matched, or when
        the deciding rule matched on the status alone (``status: {min: 500, max: 599}``,
        ``text_status``, ``status: any``, or a status-only branch of an ``any``: the rule
        still matches the failure stripped of its words, body, headers and exception names).
        Such failures are what ``capture=`` records for new rules."""
        verdict = self.verdict
        if verdict.rule_id is None:
            return False
        if verdict.specific or verdict.classifier is None:
            return verdict.specific
        return not verdict.classifier.matches_bare(verdict.rule_id, self.failure)

    @property
    def ruleset(self) -> str:
        """Name of the rule set that decided."""
        return self.verdict.ruleset

    @property
    def revision(self) -> str:
        """Revision of the rule set that decided."""
        return self.verdict.revision

    def as_dict(self) -> dict[str, Any]:
        """The decision as the JSON object the CLI prints (stable keys)."""
        return {
            "category": self.category,
            "reason": self.reason,
            "retryable": self.retryable,
            "rate_limited": self.rate_limited,
            "action": self.action.value,
            "retry_after_ms": self.retry_after_ms,
            "rule": self.rule_id,
            "ruleset": self.ruleset,
            "revision": self.revision,
        }

    def explain(self) -> str:
        """A human-readable trace of how the rule set reached this decision (secrets scrubbed)."""
        classifier = self.verdict.classifier
        if classifier is None:
            return f"decision: {self.category} (no trace available)"
        return classifier.explain(self.failure)

    def __repr__(self) -> str:
        return (
            f"Decision(category={self.category!r}, reason={self.reason!r}, "
            f"retryable={self.retryable!r}, action={self.action.value!r}, "
            f"retry_after_ms={self.retry_after_ms!r}, "
            f"rule_id={self.rule_id!r}, ruleset={self.ruleset!r}, revision={self.revision!r})"
        )


# Decision is a frozen dataclass: its __init__ sets each field through object.__setattr__
# (0.5-0.6 us). Its slots' own setters build the same object in half that, once per
# classification and once per memo hit.
_SET_VERDICT = Decision.__dict__["verdict"].__set__
_SET_RETRY = Decision.__dict__["retry_after_ms"].__set__
_SET_FAILURE = Decision.__dict__["failure"].__set__


def new_decision(verdict: Verdict, retry_after_ms: int | None, failure: Failure) -> Decision:
    """``Decision(verdict, retry_after_ms, failure)``, built faster (see above)."""
    decision = object.__new__(Decision)
    _SET_VERDICT(decision, verdict)
    _SET_RETRY(decision, retry_after_ms)
    _SET_FAILURE(decision, failure)
    return decision
