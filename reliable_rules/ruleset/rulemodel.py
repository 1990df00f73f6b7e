"""The rules of a loaded rule set and their embedded test cases: :class:`Rule` and
:class:`RuleTest` (re-exported by :mod:`reliable_rules.ruleset.model`, which imports this
module on first use: a rule set read back from the state cache decodes its rules only when
they are asked for)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from reliable_rules.failure import Failure, to_failure, with_exception_types

__all__ = ["CASE_FLAGS", "Rule", "RuleTest"]

#: The expectations a test case may state besides its category (``expect``).
CASE_FLAGS = ("reason", "retryable", "rate_limited", "action", "retry_after_ms", "rule")


@dataclass(frozen=True, slots=True)
class RuleTest:
    """One embedded test case of a rule, with its expectations."""

    rule_id: str
    file: str
    line: int
    column: int
    text: str | None = None
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    provider: str | None = None
    model: str | None = None
    exception: tuple[str, ...] = ()
    description: str = ""
    expect: str | None = None
    expectations: Mapping[str, Any] = field(default_factory=dict)
    #: ``no_match: true``: no rule may decide; the failure falls through to ``unknown``.
    no_match: bool = False
    #: ``todo: true``: a known gap; the case is run and reported but never fails.
    todo: bool = False

    @classmethod
    def from_case(
        cls,
        case: Mapping[str, Any],
        *,
        rule_id: str,
        file: str,
        line: int,
        column: int,
        expect: str | None,
    ) -> RuleTest:
        """The one way to build a case from its YAML mapping (a rule's ``tests:`` or a test
        file's ``cases:``), once the caller has checked it and decided what it expects."""
        exception = case.get("exception", ())
        raw_headers = case.get("headers")
        headers: dict[Any, Any] = raw_headers if isinstance(raw_headers, dict) else {}
        return cls(
            rule_id=rule_id,
            file=file,
            line=line,
            column=column,
            text=case.get("text"),
            status=case.get("status"),
            headers=MappingProxyType({str(k): str(v) for k, v in headers.items()}),
            body=case.get("body"),
            provider=case.get("provider"),
            model=case.get("model"),
            exception=(exception,) if isinstance(exception, str) else tuple(exception),
            description=str(case.get("description", "")),
            expect=expect,
            expectations=MappingProxyType({key: case[key] for key in CASE_FLAGS if key in case}),
            no_match=case.get("no_match") is True,
            todo=case.get("todo") is True,
        )

    def failure(self) -> Failure:
        """The failure this case describes."""
        base = to_failure(
            self.text or "",
            status=self.status,
            headers=dict(self.headers) if self.headers else None,
            body=self.body,
            provider=self.provider,
            model=self.model,
        )
        return with_exception_types(base, self.exception)


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule of a loaded rule set, with where it was written."""

    id: str
    category: str
    description: str
    file: str
    line: int
    column: int
    ruleset: str
    tests: tuple[RuleTest, ...] = ()
    references: tuple[str, ...] = ()
    status: str = "stable"
    #: Lint codes ``reliable-rules lint`` does not report for this rule (``lint: {ignore}``).
    lint_ignore: tuple[str, ...] = ()
