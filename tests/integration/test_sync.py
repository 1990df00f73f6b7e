"""Things that must change together, checked (see docs/architecture.md's checklists).

Adding a matcher, an action, a category flag or an exception on one side only fails here.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil

import reliable_rules
from reliable_rules import errors
from reliable_rules.executor.actions import HANDLERS
from reliable_rules.ruleset.compile import MATCHER_KEYS, MatcherCompiler
from reliable_rules.ruleset.schema import schema_document
from reliable_rules.taxonomy import Action, Category, failure_reason

#: Keys of a matcher mapping that modify a sibling matcher rather than match on their own.
MATCHER_MODIFIERS = {"case"}


def _package_modules() -> list[object]:
    names = [
        info.name
        for info in pkgutil.walk_packages(reliable_rules.__path__, "reliable_rules.")
        if info.name != "reliable_rules.__main__"
    ]
    return [reliable_rules, *(importlib.import_module(name) for name in names)]


def _public(name: str, value: type) -> bool:
    """A class of the package that users can see: its name and its module's path are not
    private (the CLI's internal control-flow exceptions live in ``cli/_common.py``). Only
    ``Exception`` subclasses count: the executor's ``Halt`` derives from ``BaseException`` on
    purpose, so that no provider's error handling swallows it, and never leaves the loops."""
    parts = value.__module__.split(".")
    return parts[0] == "reliable_rules" and not any(p.startswith("_") for p in [name, *parts])


def test_every_action_has_exactly_one_executor_handler() -> None:
    assert set(HANDLERS) == set(Action)


def test_schema_actions_are_the_code_actions() -> None:
    assert set(schema_document()["$defs"]["action"]["enum"]) == {a.value for a in Action}


def test_schema_category_keys_are_the_category_fields() -> None:
    fields = {field.name for field in dataclasses.fields(Category)} - {"name"}
    assert set(schema_document()["$defs"]["category"]["properties"]) == fields


def test_schema_reasons_are_the_code_reasons() -> None:
    reasons = {
        failure_reason(rate_limited=limited, retryable=retryable)
        for limited in (False, True)
        for retryable in (False, True)
    }
    assert set(schema_document()["$defs"]["case"]["properties"]["reason"]["enum"]) == reasons


def test_schema_matcher_keys_are_the_compiler_matchers() -> None:
    schema_keys = set(schema_document()["$defs"]["matcher"]["properties"])
    assert schema_keys - MATCHER_MODIFIERS == set(MATCHER_KEYS)


def test_every_matcher_key_has_a_compiler_method() -> None:
    methods = {
        name.removeprefix("_m_") for name, _ in inspect.getmembers(MatcherCompiler)
        if name.startswith("_m_")
    }
    assert methods == set(MATCHER_KEYS)


def test_every_exception_class_is_drawn_in_the_errors_docstring() -> None:
    """errors.py's tree names every public exception class the package defines."""
    doc = errors.__doc__ or ""
    drawn = {line.split("──", 1)[1].split()[0] for line in doc.splitlines() if "──" in line}
    drawn.add("ReliableRulesError")
    defined = {
        name
        for module in _package_modules()
        for name, value in vars(module).items()
        if inspect.isclass(value)
        and issubclass(value, Exception)
        and _public(name, value)
    }
    assert defined, "no exception classes found"
    assert defined == drawn, f"missing: {sorted(defined - drawn)}, stale: {sorted(drawn - defined)}"


def test_every_public_exception_derives_from_the_one_base() -> None:
    for module in _package_modules():
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, Exception)
                and _public(name, value)
            ):
                assert issubclass(value, errors.ReliableRulesError), name
