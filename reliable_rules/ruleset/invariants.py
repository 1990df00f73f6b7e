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

__all__ = ["compile_invariants", "refused_categories"]

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


def _breaks(expect: Mapping[str, Any], category: Category) -> bool:
    """Whether a decision of ``category`` breaks ``expect`` (lint's check, on the flags every
    decision of the category shares)."""
    actual = {
        "category": category.name,
        "retryable": category.retryable,
        "rate_limited": category.rate_limited,
        "action": category.action.value,
        "reason": category.reason,
    }
    for key, value in actual.items():
        if key in expect and expect[key] != value:
            return True
    for key, field_name in (("not_category", "category"), ("not_action", "action")):
        names = expect.get(key)
        if names is not None and actual[field_name] in (
            [names] if isinstance(names, str) else names
        ):
            return True
    return False


def refused_categories(invariant: Invariant, categories: Mapping[str, Category]) -> frozenset[str]:
    """The names of the categories whose every decision breaks ``invariant``'s ``expect``."""
    return frozenset(
        name for name, category in categories.items() if _breaks(invariant.expect, category)
    )
