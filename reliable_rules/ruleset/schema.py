"""Validate a rule file against the JSON Schema and point every error at its YAML node."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from reliable_rules._text import closest
from reliable_rules.errors import Problem
from reliable_rules.ruleset import schemacheck
from reliable_rules.ruleset.resources import schemas_dir
from reliable_rules.ruleset.sourcemap import Path, SourceMap, iter_paths

if TYPE_CHECKING:  # jsonschema is imported when a document is validated, not at import time
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

__all__ = [
    "FORMAT",
    "TESTS_FORMAT",
    "ruletests_schema_document",
    "ruletests_schema_path",
    "schema_document",
    "schema_path",
    "validate_document",
    "validate_tests_document",
]

FORMAT = "reliable-rules/v1"
#: The format of side-by-side test files (``x.test.yaml``).
TESTS_FORMAT = "reliable-rules-tests/v1"


def schema_path() -> str:
    """Filesystem path of the v1 JSON Schema."""
    return str(schemas_dir() / "ruleset.v1.json")


@cache
def schema_document() -> dict[str, Any]:
    """The v1 JSON Schema as a mapping."""
    import json  # noqa: PLC0415 — on first use: loading a shipped set never needs json
    with open(schema_path(), encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


@cache
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator  # noqa: PLC0415 — lazy: costly to import

    return Draft202012Validator(schema_document())


def ruletests_schema_path() -> str:
    """Filesystem path of the JSON Schema of side-by-side test files."""
    return str(schemas_dir() / "ruletests.v1.json")


@cache
def ruletests_schema_document() -> dict[str, Any]:
    """The JSON Schema of side-by-side test files as a mapping."""
    import json  # noqa: PLC0415 — on first use: loading a shipped set never needs json
    with open(ruletests_schema_path(), encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


@cache
def _ruletests_validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator  # noqa: PLC0415 — lazy: costly to import

    return Draft202012Validator(ruletests_schema_document())


def dotted(path: Path) -> str:
    """``rules[3].when.contains`` for a path tuple; ``(top level)`` for the root."""
    text = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def _problems_for(error: ValidationError, source: SourceMap) -> Iterable[Problem]:
    import json  # noqa: PLC0415 — on first use: loading a shipped set never needs json
    path: Path = tuple(error.absolute_path)
    where = dotted(path)
    keyword = error.validator
    # jsonschema types these as "maybe unset"; on a reported error they are always set.
    subschema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    expected_value: Any = error.validator_value
    instance: Any = error.instance
    if keyword == "additionalProperties" and isinstance(instance, dict):
        allowed = list(subschema.get("properties", {}))
        for key in instance:
            if key in allowed:
                continue
            where_key = (
                f"{where}: unknown key {key!r}" if path else f"unknown key {key!r} at the top level"
            )
            yield source.problem(
                (*path, key),
                f"{where_key}{closest(str(key), allowed)}",
                "unknown-key",
                at_key=True,
            )
        return
    if keyword == "propertyNames":
        name = instance
        yield source.problem(
            (*path, name),
            f"{where}: invalid name {name!r}: use letters, digits and underscores",
            "bad-name",
            at_key=True,
        )
        return
    if keyword == "required" and isinstance(instance, dict):
        missing = [key for key in expected_value if key not in instance]
        for key in missing:
            yield source.problem(path, f"{where}: missing required key {key!r}", "schema")
        return
    if keyword in ("oneOf", "anyOf"):
        description = subschema.get("description")
        nested = [e for e in error.context or () if e.validator not in ("type", "enum", "const")]
        deeper = [e for e in nested if len(e.absolute_path) > len(error.absolute_path)]
        if deeper:
            # One alternative matched the shape but failed inside: that inner error is the news.
            from jsonschema.exceptions import best_match  # noqa: PLC0415 — lazy, as above

            yield from _problems_for(best_match(deeper), source)
            return
        shown = json.dumps(instance, default=str)[:80]
        yield source.problem(
            path,
            f"{where}: invalid value {shown}"
            + (f"; expected {description}" if description else ""),
            "schema",
        )
        return
    if keyword == "enum":
        options = [str(option) for option in expected_value]
        value = instance
        hint = closest(str(value), options) if isinstance(value, str) else ""
        yield source.problem(
            path,
            f"{where}: {json.dumps(value, default=str)} is not one of {', '.join(options)}{hint}",
            "schema",
        )
        return
    if keyword == "type":
        expected = expected_value
        expected_text = " or ".join(expected) if isinstance(expected, list) else expected
        actual = type(instance).__name__
        hint = ""
        if expected_text == "string" and actual in ("float", "int", "date", "datetime"):
            hint = " (quote it in YAML to keep it text)"
        yield source.problem(
            path,
            f"{where}: expected {expected_text}, got {actual} "
            f"{json.dumps(instance, default=str)[:60]}{hint}",
            "schema",
        )
        return
    yield source.problem(path, f"{where}: {error.message}", "schema")


def validate_document(data: Any, source: SourceMap) -> list[Problem]:
    """Schema problems of one rule file, each at the node it concerns."""
    return _validate(
        data, source, schema=schema_document(), validator=_validator, fmt=FORMAT, kind="a rule file"
    )


def validate_tests_document(data: Any, source: SourceMap) -> list[Problem]:
    """Schema problems of one side-by-side test file, each at the node it concerns."""
    return _validate(
        data,
        source,
        schema=ruletests_schema_document(),
        validator=_ruletests_validator,
        fmt=TESTS_FORMAT,
        kind="a test file",
    )


def _validate(
    data: Any,
    source: SourceMap,
    *,
    schema: dict[str, Any],
    validator: Callable[[], Draft202012Validator],
    fmt: str,
    kind: str,
) -> list[Problem]:
    import json  # noqa: PLC0415 — on first use: loading a shipped set never needs json
    problems: list[Problem] = []
    if not isinstance(data, dict):
        problems.append(
            source.problem(
                (),
                f"{kind} must be a mapping at the top level, got {type(data).__name__}",
                "not-a-mapping",
            )
        )
        return problems
    version = data.get("format")
    family = fmt.rsplit("/", 1)[0] + "/"
    if isinstance(version, str) and version != fmt and version.startswith(family):
        problems.append(
            source.problem(
                ("format",),
                f"unsupported format version {version!r}: "
                f"this version of reliable_rules reads {fmt!r}",
                "format-version",
            )
        )
        return problems  # another version's keys would only produce noise
    if "format" in data and version != fmt:
        problems.append(
            source.problem(
                ("format",),
                f"format must be {fmt!r}, got {json.dumps(version, default=str)}",
                "format-version",
            )
        )
    try:
        # jsonschema (costly to import and to build) is asked only about a document the quick
        # check does not find valid: the problems and their messages are always its own
        errors = () if schemacheck.is_valid(schema, data) else validator().iter_errors(data)
        for error in errors:
            if error.validator == "const" and tuple(error.absolute_path) == ("format",):
                continue  # reported above with a clearer message
            error_path = tuple(error.absolute_path)
            source.reject(error_path)
            if any(error_path[:end] in source.unreadable for end in range(len(error_path) + 1)):
                continue  # YAML already reported this node
            problems.extend(_problems_for(error, source))
    except RecursionError:
        problems.append(source.problem((), "the document nests too deeply to validate", "schema"))
    for path, value in iter_paths(data):
        # YAML reads .nan and .inf as floats; JSON Schema has no such numbers and NaN slips
        # through every numeric bound because it compares false.
        if isinstance(value, float) and not math.isfinite(value):
            source.reject(path)
            problems.append(
                source.problem(path, f"{dotted(path)}: {value} is not a finite number", "schema")
            )
    return problems
