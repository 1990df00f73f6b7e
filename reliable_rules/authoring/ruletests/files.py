"""Side-by-side test files: ``x.test.yaml`` next to ``x.yaml``, holding test cases for it.

A test file is YAML validated by ``schemas/ruletests.v1.json``::

    format: reliable-rules-tests/v1
    rules: ../other.yaml          # optional: a path relative to this file, or builtin:NAME
    cases:
      - {text: "429 Too Many Requests", rule: seed.rate-limit.text}
      - {text: "hello", no_match: true}
      - {status: 402, expect: quota_exhausted, todo: true, description: "not recognised yet"}

Each case has the keys of an embedded ``tests:`` case. ``rule`` names the rule that must
decide (its category is the expected one unless ``expect`` says otherwise); ``no_match: true``
(or ``rule: null``) says no rule decides, so the category is ``unknown``; a case states at
least one of ``rule``, ``no_match`` and ``expect``. ``todo: true`` cases are run and reported
but never fail.

Loading is in two steps, so that every problem is reported with its position:
:func:`load_test_file` reads, parses and schema-checks the file and finds the rule set it
tests; :func:`bind_cases` then checks the cases against that loaded rule set (unknown rule ids and
categories, contradictions) and builds :class:`~reliable_rules.RuleTest` objects.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from reliable_rules._text import closest
from reliable_rules.errors import Problem
from reliable_rules.ruleset.loader import (
    BUILTIN_PREFIX,
    no_match_conflicts,
    resolve_source,
    shown_path,
)
from reliable_rules.ruleset.model import RuleSet, RuleTest
from reliable_rules.ruleset.resources import rules_dir
from reliable_rules.ruleset.schema import validate_tests_document
from reliable_rules.ruleset.yamlpos import Path, SourceMap, decode, parse_yaml
from reliable_rules.taxonomy import UNKNOWN

__all__ = [
    "RULE_FILE_SUFFIXES",
    "SIDE_TEST_SUFFIXES",
    "RuleTestFile",
    "bind_cases",
    "is_test_file",
    "load_test_file",
    "sibling_rule_file",
    "side_test_files",
]

#: Rule files.
RULE_FILE_SUFFIXES = (".yaml", ".yml")
#: Side-by-side test files.
SIDE_TEST_SUFFIXES = (".test.yaml", ".test.yml")


@dataclass(frozen=True, slots=True)
class RuleTestFile:
    """A side-by-side test file after reading, parsing and schema validation.

    ``path`` is the file as named or discovered; problems name it so. ``rules`` is the rule
    set it tests (a path, or ``builtin:NAME``), None when that cannot be told (the file could
    not be read, or names no rule set and has no sibling rule file). ``problems`` are the
    problems found so far; ``read`` says whether the file could be read at all.
    """

    path: str
    rules: str | None
    problems: tuple[Problem, ...]
    read: bool = True
    _data: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _source: SourceMap | None = field(default=None, repr=False, compare=False)


def is_test_file(path: str) -> bool:
    """Whether ``path`` is named like a side-by-side test file (``*.test.yaml``/``.test.yml``)."""
    return path.lower().endswith(SIDE_TEST_SUFFIXES)


def _stem(path: str, suffixes: tuple[str, ...]) -> str | None:
    lowered = path.lower()
    for suffix in suffixes:
        if lowered.endswith(suffix):
            return path[: len(path) - len(suffix)]
    return None


def sibling_rule_file(test_path: str) -> str | None:
    """The rule file a test file sits next to: ``x.test.yaml`` → ``x.yaml`` (else ``x.yml``).

    The same extension is tried first. None when neither exists.
    """
    base = _stem(test_path, SIDE_TEST_SUFFIXES)
    if base is None:
        return None
    order = (".yml", ".yaml") if test_path.lower().endswith(".yml") else (".yaml", ".yml")
    for suffix in order:
        candidate = base + suffix
        if FsPath(candidate).expanduser().is_file():
            return candidate
    return None


def side_test_files(rule_file: str) -> list[str]:
    """The side-by-side test files of a rule file (``x.yaml`` → ``x.test.yaml``, ``x.test.yml``).

    ``builtin:NAME`` looks next to the shipped rule file. Only files that exist are returned.
    """
    if rule_file.startswith(BUILTIN_PREFIX):
        name = rule_file[len(BUILTIN_PREFIX) :]
        if not name or "/" in name or "\\" in name:
            return []
        return [
            shown_path(candidate, "")
            for suffix in SIDE_TEST_SUFFIXES
            if (candidate := rules_dir() / f"{name}{suffix}").is_file()
        ]
    base = _stem(rule_file, RULE_FILE_SUFFIXES)
    if base is None or is_test_file(rule_file):
        return []
    return [base + suffix for suffix in SIDE_TEST_SUFFIXES if FsPath(base + suffix).is_file()]


def load_test_file(path: str, *, default_rules: str | None = None) -> RuleTestFile:
    """Read, parse and schema-check a test file and find the rule set it tests.

    Never raises for a bad file: every problem is in :attr:`RuleTestFile.problems`.

    Args:
        path: the test file.
        default_rules: the rule set tested when the file has no ``rules:`` (by default its
            sibling rule file, see :func:`sibling_rule_file`).
    """
    fallback = default_rules if default_rules is not None else sibling_rule_file(path)
    target = FsPath(path).expanduser()
    if target.is_dir():
        return RuleTestFile(
            path, None, (Problem(path, 1, 1, f"{path!r} is a directory", "missing-file"),), False
        )
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        missing = Problem(path, 1, 1, f"test file {path!r} not found", "missing-file")
        return RuleTestFile(path, None, (missing,), False)
    except OSError as error:
        message = f"cannot read test file {path!r}: {error.strerror or error}"
        return RuleTestFile(path, None, (Problem(path, 1, 1, message, "unreadable"),), False)
    problems: list[Problem] = []
    text, found = decode(path, raw)
    problems.extend(found)
    if text is None:
        return _without_rules(path, fallback, problems)
    document, found = parse_yaml(path, text)
    problems.extend(found)
    if document is None:
        return _without_rules(path, fallback, problems)
    data, source = document.data, document.source
    schema_problems = validate_tests_document(data, source)
    problems.extend(schema_problems)
    if not isinstance(data, dict) or any(p.code == "format-version" for p in schema_problems):
        return _without_rules(path, fallback, problems)
    rules = fallback
    reference = data.get("rules")
    if isinstance(reference, str) and not source.is_rejected(("rules",)):
        resolved, why = resolve_source(reference, target.parent)
        if resolved is None:
            problems.append(source.problem(("rules",), f"rules: {why}", "missing-rules"))
            return RuleTestFile(path, None, tuple(problems), True, data, source)
        rules = (
            reference
            if reference.startswith(BUILTIN_PREFIX)
            else os.path.normpath(
                os.path.join(os.path.dirname(path), os.path.expanduser(reference))
            )
        )
    elif "rules" not in data and rules is None:
        problems.append(_no_rules_problem(path))
    return RuleTestFile(path, rules, tuple(problems), True, data, source)


def _no_rules_problem(path: str) -> Problem:
    base = _stem(path, SIDE_TEST_SUFFIXES)
    looked = f" ({base}.yaml or {base}.yml)" if base is not None else ""
    return Problem(
        path,
        1,
        1,
        f"no rule file to test: none next to it{looked} and no 'rules:' key",
        "missing-rules",
    )


def _without_rules(path: str, fallback: str | None, problems: list[Problem]) -> RuleTestFile:
    if fallback is None:
        problems.append(_no_rules_problem(path))
    return RuleTestFile(path, fallback, tuple(problems))


def bind_cases(
    test_file: RuleTestFile, ruleset: RuleSet
) -> tuple[tuple[RuleTest, ...], tuple[Problem, ...]]:
    """The cases of ``test_file`` as RuleTests against ``ruleset``, and the problems found.

    A case with a problem of its own (schema, unknown rule id or category, contradiction) is
    left out; the rest still run.
    """
    source = test_file._source
    cases = test_file._data.get("cases")
    if source is None or not isinstance(cases, list):
        return (), ()
    rule_ids = {rule.id for rule in ruleset.rules}
    categories = ruleset.categories
    result: list[RuleTest] = []
    problems: list[Problem] = []
    for index, case in enumerate(cases):
        where: Path = ("cases", index)
        if not isinstance(case, dict) or source.is_rejected(where):
            continue
        found: list[Problem] = []
        rule = case.get("rule")
        expect = case.get("expect")
        no_match = case.get("no_match") is True
        if no_match:
            found.extend(no_match_conflicts(case, source, where))
        if isinstance(rule, str) and rule not in rule_ids:
            found.append(
                source.problem(
                    (*where, "rule"),
                    f"unknown rule id {rule!r}{closest(rule, rule_ids)}",
                    "unknown-rule",
                )
            )
        if isinstance(expect, str) and expect not in categories:
            found.append(
                source.problem(
                    (*where, "expect"),
                    f"unknown category {expect!r}{closest(expect, categories)}",
                    "unknown-category",
                )
            )
        if "rule" not in case and "expect" not in case and not no_match:
            found.append(
                source.problem(
                    where,
                    f"cases[{index}]: say what must decide: 'rule: ID', 'no_match: true' "
                    "or 'expect: CATEGORY'",
                    "incomplete-case",
                )
            )
        if found:
            problems.extend(found)
            continue
        if isinstance(expect, str):
            expected = expect
        elif isinstance(rule, str):
            expected = ruleset.rule(rule).category
        else:  # no_match: true, or rule: null
            expected = UNKNOWN
        line, column = source.value(where)
        result.append(
            RuleTest.from_case(
                case,
                rule_id=rule if isinstance(rule, str) else "",
                file=test_file.path,
                line=line,
                column=column,
                expect=expected,
            )
        )
    return tuple(result), tuple(problems)
