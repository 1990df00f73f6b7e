"""The layered ``invariants:`` of a rule set, compiled (split out of loader.py for its size)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from reliable_rules._text import closest
from reliable_rules.errors import Problem
from reliable_rules.ruleset.compile import MatcherCompiler
from reliable_rules.ruleset.model import Invariant
from reliable_rules.ruleset.sourcemap import Path, SourceMap
from reliable_rules.taxonomy import Category

__all__ = ["broken_expectations", "compile_invariants", "refused_categories"]

_EXPECT_CATEGORY_KEYS = ("category", "not_category")


def compile_invariants(
    invariants: Mapping[str, tuple[dict[str, Any], SourceMap, Path]],
    compiler: MatcherCompiler,
    categories: Mapping[str, Category],
    problems: list[Problem],
) -> tuple[Invariant, ...]:
    """Compile the layered ``invariants:`` (``when`` with the rules' compiler)."""
    result: list[Invariant] = []
    for invariant_id, (spec, source, path) in invariants.items():
        if source.is_rejected(path):
            continue
        if "kind" in spec and spec.get("enforce") is True:
            problems.append(
                source.problem(
                    (*path, "enforce"),
                    "only an invariant with `when` and `expect` can be enforced (`kind` is "
                    "checked by lint alone)",
                    "invariant-shape",
                    at_key=True,
                )
            )
            continue
        if "kind" in spec and ("when" in spec or "expect" in spec):
            problems.append(
                source.problem(
                    (*path, "kind"),
                    "an invariant takes either `kind` or `when` and `expect`, not both",
                    "invariant-shape",
                    at_key=True,
                )
            )
            continue
        expect: dict[str, Any] = dict(spec.get("expect") or {})
        for key in _EXPECT_CATEGORY_KEYS:
            value = expect.get(key)
            for name in [value] if isinstance(value, str) else value or []:
                if name not in categories:
                    problems.append(
                        source.problem(
                            (*path, "expect", key),
                            f"unknown category {name!r}{closest(name, categories)}",
                            "unknown-category",
                        )
                    )
        when = compiler.compile(spec["when"], source, (*path, "when")) if "when" in spec else None
        line, column = source.value(path)
        result.append(
            Invariant(
                id=invariant_id,
                description=str(spec.get("description", "")),
                file=source.file,
                line=line,
                column=column,
                kind=spec.get("kind"),
                when=when,
                expect=MappingProxyType(expect),
                enforce=spec.get("enforce") is True,
            )
        )
    return tuple(result)


def broken_expectations(
    expect: Mapping[str, Any], actual: Mapping[str, Any]
) -> list[tuple[str, Any, Any]]:
    """What of ``expect`` (an invariant's) the decision ``actual`` (``Decision.as_dict()``, or
    the same keys of a category) breaks: (key of ``expect``, what it asks, what was decided);
    empty when it keeps all of it. Lint words them; the classifier's guards need only whether
    there are any (so loading a rule set imports no formatter)."""
    broken: list[tuple[str, Any, Any]] = []
    for key in ("category", "retryable", "rate_limited", "action", "reason"):
        if key in expect and actual[key] != expect[key]:
            broken.append((key, expect[key], actual[key]))
    for key, field_name in (("not_category", "category"), ("not_action", "action")):
        if key in expect and actual[field_name] in _names(expect[key]):
            broken.append((key, expect[key], actual[field_name]))
    return broken


def _names(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) else list(value or [])


def _as_decided(category: Category) -> dict[str, Any]:
    """The keys of ``Decision.as_dict()`` that every decision of ``category`` shares."""
    return {
        "category": category.name,
        "retryable": category.retryable,
        "rate_limited": category.rate_limited,
        "action": category.action.value,
        "reason": category.reason,
    }


def refused_categories(invariant: Invariant, categories: Mapping[str, Category]) -> frozenset[str]:
    """The names of the categories whose every decision breaks ``invariant``'s ``expect``."""
    return frozenset(
        name
        for name, category in categories.items()
        if broken_expectations(invariant.expect, _as_decided(category))
    )
