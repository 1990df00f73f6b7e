"""The rules model: :class:`Rule`, :class:`RuleSet`, :class:`RuleTest`, :class:`Policy` and
:class:`Invariant`, as :func:`~reliable_rules.load_rules` returns them. Immutable; nothing here
reads files (that is :mod:`reliable_rules.ruleset.loader`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from threading import Lock
from typing import Any

from reliable_rules.decision import Decision
from reliable_rules.engine.classifier import Classifier
from reliable_rules.engine.nodes import Node
from reliable_rules.failure import Failure, exact_str, plain_exception_key, to_failure
from reliable_rules.taxonomy import Category

__all__ = ["CASE_FLAGS", "Invariant", "Policy", "Rule", "RuleSet", "RuleTest"]

logger = logging.getLogger("reliable_rules")

TYPE_CHECKING = False  # typing.TYPE_CHECKING: the same to type checkers, see __init__.py
_pending_lock = Lock()

# Rule and RuleTest live in rulemodel.py and are imported on first use (PEP 562): a set read
# back from the state cache (statecache.py) builds them only when its ``rules`` are asked
# for, and classifying never asks, so a fresh process does not pay for creating two more
# dataclasses.
_LATER = frozenset({"CASE_FLAGS", "Rule", "RuleTest"})
if TYPE_CHECKING:
    from reliable_rules.ruleset.rulemodel import CASE_FLAGS, Rule, RuleTest
else:

    def __getattr__(name: str) -> Any:
        if name not in _LATER:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from reliable_rules.ruleset import rulemodel  # noqa: PLC0415 — see above

        value = getattr(rulemodel, name)
        globals()[name] = value
        return value

_MEMO_SIZE = 1024
# The fields a set read back from the state cache decodes on first use, and where their
# stored part waits meanwhile (RuleSet.__getattr__).
_PENDING = {"rules": "_pending_rules"}

@dataclass(frozen=True, slots=True)
class Policy:
    """Backoff and Retry-After policy that executors follow (the seed's numbers by default)."""

    backoff_base_ms: int = 500
    backoff_floor_ms: int = 50
    backoff_factor: float = 2.0
    backoff_max_ms: int = 10_000
    jitter: str = "none"
    retry_after_cap_ms: int = 30_000
    over_cap: str = "cap"
    #: A retryable rate limit asking for a longer wait is decided as ``quota_exhausted``
    #: (None or 0: never).
    max_wait_ms: int | None = 120_000
    #: The regex time one classification may spend on searches not proven cheap, in
    #: milliseconds; past it the remaining ones are skipped (counted as no match).
    regex_budget_ms: int = 20


@dataclass(frozen=True, slots=True)
class Invariant:
    """A declared property of the rule set's decisions (``invariants:``), checked by lint and,
    with ``enforce``, kept by the classifier.

    Either ``when`` (a compiled matcher) and ``expect`` (what every matching failure's decision
    must satisfy), or a structural ``kind``. Inherited from bases and replaced by id.
    """

    id: str
    description: str
    file: str
    line: int
    column: int
    kind: str | None = None
    when: Node | None = field(default=None, repr=False)
    expect: Mapping[str, Any] = field(default_factory=dict)
    #: ``enforce: true``: classification itself keeps it (a rule whose category breaks it is
    #: passed over for the failures ``when`` matches), besides lint checking it.
    enforce: bool = False


@dataclass(frozen=True, eq=False)
class RuleSet:
    """A loaded, layered, compiled rule set. Immutable and safe to share between threads.

    ``source`` is what was passed to :func:`load_rules`; ``file`` is how problems and
    ``Rule.file`` name the top file; ``files`` lists every file layered in, bases first.
    """

    name: str
    revision: str
    source: str
    file: str
    files: tuple[str, ...]
    rules: tuple[Rule, ...]
    categories: Mapping[str, Category]
    policy: Policy
    conditions: tuple[str, ...]
    classifier: Classifier = field(repr=False)
    unused_conditions: tuple[str, ...] = ()
    invariants: tuple[Invariant, ...] = ()
    # Decisions for lone exceptions, by (class, message, provider, model): an executor sees
    # the same few errors again and again (503, rate limits), and a classification is a pure
    # function of those four. Bounded; cleared when full. Dict reads and writes are atomic.
    _memo: dict[tuple[object, ...], Decision] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    if not TYPE_CHECKING:  # a __getattr__ would make every misspelt attribute type-check

        def __getattr__(self, name: str) -> Any:
            # Reached only for an attribute not set: ``rules`` of a set read back from the
            # state cache (ruleset/statecache.py) is decoded on first use: classifying never
            # needs it, and its test cases are most of the objects a set holds. (Only a field
            # without a default can wait so: a default is a class attribute, found first.)
            key = _PENDING.get(name)
            pending = None if key is None else self.__dict__.get(key)
            if pending is None:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            with _pending_lock:
                value = self.__dict__.get(name)
                if value is None:
                    value = pending()
                    if type(value) is not tuple:
                        raise TypeError(f"stored {name} are not a tuple")  # the CRC-32 held
                    object.__setattr__(self, name, value)
                    del self.__dict__[key]
            return value

    def classify(
        self,
        error: object = None,
        /,
        *,
        status: int | None = None,
        headers: Mapping[str, object] | None = None,
        body: object = None,
        provider: str | None = None,
        model: str | None = None,
    ) -> Decision:
        """Classify anything a call can fail with; never raises.

        Args:
            error: a message, bytes, an exception (cause chain included), a
                ``requests``/``urllib3`` response, or an SDK error (duck-typed).
            status: the HTTP status, when the error does not carry one.
            headers: response headers (case-insensitive names).
            body: the response body (text, bytes, or a JSON-like mapping).
            provider: the provider name, for rules scoped with ``provider:``.
            model: the model name, for rules scoped with ``model:``.
        """
        try:
            if status is None and headers is None and body is None:
                plain = plain_exception_key(error)
                if plain is not None:
                    # Exact strs and the class's identity: a str subclass (or a metaclass)
                    # with its own __eq__/__hash__ cannot make two failures share a key.
                    key = (id(plain[0]), *plain, exact_str(provider), exact_str(model))
                    decision = self._memo.get(key)
                    if decision is None:
                        decision = self.classifier.decide(
                            to_failure(error, provider=provider, model=model)
                        )
                        if len(self._memo) >= _MEMO_SIZE:
                            self._memo.clear()
                        self._memo[key] = decision
                    return decision
            failure = to_failure(
                error, status=status, headers=headers, body=body, provider=provider, model=model
            )
            return self.classifier.decide(failure)
        except Exception:  # on every error path: classification must never raise
            logger.exception("reliable_rules: classification failed; treating as unknown")
            return Decision(self.classifier.unknown, None, Failure())

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (KeyError if there is none)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)
