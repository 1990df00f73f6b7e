"""The quick schema check answers as jsonschema does, or not at all; validation stays the same."""

from __future__ import annotations

import copy
import datetime
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from reliable_rules.ruleset import schemacheck
from reliable_rules.ruleset.schema import ruletests_schema_document, schema_document

ROOT = Path(__file__).resolve().parent.parent.parent
SHIPPED = sorted((ROOT / "rules").rglob("*.yaml"))
TEST_FILE: dict[str, Any] = {
    "format": "reliable-rules-tests/v1",
    "rules": "builtin:default",
    "cases": [
        {"text": "Rate limit reached", "status": 429, "expect": "rate_limited"},
        {"text": "boom", "headers": {"retry-after": 3}, "body": {"a": [1]}, "no_match": True},
        {"exception": ["TimeoutError"], "provider": "openai", "expect": "network_error"},
    ],
}


@cache
def documents() -> list[tuple[dict[str, Any], Any]]:
    """(schema, document) for every shipped rule file and a side-by-side test file."""
    shipped = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in SHIPPED]
    return [(schema_document(), data) for data in shipped] + [
        (ruletests_schema_document(), TEST_FILE)
    ]


def agrees(schema: dict[str, Any], document: Any) -> bool | None:
    """The quick answer, asserted to be None or jsonschema's."""
    quick = schemacheck.is_valid(schema, document)
    if quick is not None:
        assert quick == _validator(id(schema), schema).is_valid(document), document
    return quick


_VALIDATORS: dict[int, Draft202012Validator] = {}


def _validator(key: int, schema: dict[str, Any]) -> Draft202012Validator:
    """One validator per schema (the shipped two are cached objects; others are small)."""
    if key not in _VALIDATORS or _VALIDATORS[key].schema is not schema:
        _VALIDATORS[key] = Draft202012Validator(schema)
    return _VALIDATORS[key]


@pytest.mark.parametrize("index", range(len(SHIPPED) + 1))
def test_every_shipped_file_is_found_valid_without_jsonschema(index: int) -> None:
    """The shipped rule files (and a full test file) are answered True: the quick path."""
    schema, document = documents()[index]
    assert agrees(schema, document) is True


def _keys(schema: Any) -> set[str]:
    """Every property name the schema mentions, so random mappings hit real branches."""
    found: set[str] = set()
    stack = [schema]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            properties = value.get("properties")
            found.update(properties if isinstance(properties, dict) else ())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found


KEYS = sorted(_keys(schema_document()) | _keys(ruletests_schema_document()))
WORDS = ["reliable-rules/v1", "rate_limited", "server_error", "retry", "", "x" * 300, "a b"]
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-5, max_value=10**7)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.sampled_from([0.0, 1.0, 2.5, -1.0])
    | st.sampled_from(WORDS)
    | st.text(max_size=6)
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), children, max_size=3),
    max_leaves=8,
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*path, index))
    return out


@st.composite
def mutated(draw: st.DrawFn) -> tuple[dict[str, Any], Any]:
    """A shipped document with one node replaced, removed or given a new key."""
    schema, original = draw(st.sampled_from(documents()))
    document = copy.deepcopy(original)
    paths = _paths(document)
    path = draw(st.sampled_from(paths[1:]))
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    operation = draw(st.sampled_from(["replace", "remove", "add"]))
    if operation == "replace":
        parent[path[-1]] = draw(VALUES)
    elif operation == "remove":
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[draw(st.sampled_from(KEYS))] = draw(VALUES)
    else:
        parent.append(draw(VALUES))
    return schema, document


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_a_mutated_document_is_answered_as_jsonschema_answers(case: tuple[Any, Any]) -> None:
    """Whatever a document holds, the quick answer is jsonschema's or None."""
    agrees(*case)


@settings(max_examples=200, deadline=None)
@given(VALUES)
def test_any_value_at_the_top_is_answered_as_jsonschema_answers(value: Any) -> None:
    """Random values against both schemas: jsonschema's answer or None."""
    agrees(schema_document(), value)
    agrees(ruletests_schema_document(), value)


def test_a_mutation_is_usually_answered() -> None:
    """The check decides invalid documents too (False), not only valid ones."""
    schema, document = documents()[0]
    bad = copy.deepcopy(document)
    bad["rules"] = [{"id": "x.y", "when": {"contains": 3}, "then": {"category": "x"}}]
    assert agrees(schema, bad) is False


@pytest.mark.parametrize(
    "value",
    [
        datetime.date(2026, 1, 1),
        {1: "a non-string key"},
        {"a set": {1, 2}},
        b"bytes",
        (1, 2),
    ],
)
def test_values_that_are_not_plain_json_are_left_to_jsonschema(value: Any) -> None:
    """A YAML date, a non-string key, a set, bytes, a tuple: no answer."""
    schema, document = documents()[0]
    changed = copy.deepcopy(document)
    changed["description"] = value
    assert schemacheck.is_valid(schema, changed) is None


def test_deep_documents_and_unknown_keywords_are_left_to_jsonschema() -> None:
    """Past MAX_DEPTH, or a schema keyword the check does not know, or a foreign $ref: None."""
    deep: Any = "leaf"
    for _ in range(schemacheck.MAX_DEPTH + 1):
        deep = [deep]
    document = {"format": "reliable-rules/v1", "x": deep}
    assert schemacheck.is_valid(schema_document(), document) is None
    assert schemacheck.is_valid({"uniqueItems": True}, [1, 1]) is None
    assert schemacheck.is_valid({"format": "email"}, "x") is None
    assert schemacheck.is_valid({"$ref": "https://example.com/s.json"}, 1) is None
    assert schemacheck.is_valid({"$ref": "#/$defs/missing"}, 1) is None


@pytest.mark.parametrize(
    ("schema", "value", "expected"),
    [
        ({"type": "integer"}, 1.0, True),
        ({"type": "integer"}, True, False),
        ({"type": "number"}, False, False),
        ({"enum": [1]}, True, False),
        ({"const": 0}, False, False),
        ({"const": [1, "a"]}, [1, "a"], True),
        ({"oneOf": [{"type": "string"}, {"minLength": 1}]}, "a", False),
        ({"if": {"type": "string"}, "else": {"minimum": 3}}, 2, False),
        ({"if": {"type": "string"}, "else": {"minimum": 3}}, "2", True),
        ({"properties": {"a": False}, "additionalProperties": False}, {"a": 1}, False),
        ({"propertyNames": {"pattern": "^[a-z]+$"}}, {"A": 1}, False),
        ({"minItems": 2, "maxItems": 2, "minProperties": 1}, [1, 2], True),
    ],
)
def test_keyword_semantics_match_jsonschema(schema: Any, value: Any, expected: bool) -> None:
    """JSON Schema's rules, as jsonschema applies them (bool is no number, 1.0 an integer)."""
    assert agrees(schema, value) is expected


def test_validate_of_a_valid_file_imports_no_jsonschema(tmp_path: Path) -> None:
    """`reliable-rules validate` of a valid file, in a fresh process, never imports jsonschema;
    of an invalid one it does, and reports the problem."""
    good = tmp_path / "good.yaml"
    good.write_text(
        "format: reliable-rules/v1\nname: good\nextends: [builtin:seed]\n"
        "rules:\n  - id: good.one\n    when: {contains: acme overload}\n"
        "    then: {category: server_error}\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text(encoding="utf-8").replace("acme overload", "3"), "utf-8")
    bad.write_text(bad.read_text(encoding="utf-8").replace("{contains: 3}", "{contains: [3]}"))
    code = (
        "import sys\nfrom reliable_rules.cli import main\ncode = main(sys.argv[1:])\n"
        "print('jsonschema' in sys.modules, code)\n"
    )
    environment = {**os.environ, "RELIABLE_RULES_CACHE_DIR": str(tmp_path / "cache")}
    runs = {}
    for path in (good, bad):
        runs[path.name] = subprocess.run(
            [sys.executable, "-c", code, "validate", str(path)],
            capture_output=True,
            text=True,
            env=environment,
            check=False,
        )
    assert runs["good.yaml"].stdout.strip().splitlines()[-1] == "False 0"
    assert runs["bad.yaml"].stdout.strip().splitlines()[-1] == "True 1"
    assert "rules[0].when.contains" in runs["bad.yaml"].stdout
