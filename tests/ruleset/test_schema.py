"""The JSON Schema of the rule format: valid 2020-12, stable id, documented, closed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from reliable_rules.ruleset.resources import rules_dir
from reliable_rules.ruleset.schema import schema_document


def _object_schemas(node: Any, path: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            yield path, node
        for key, value in node.items():
            yield from _object_schemas(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _object_schemas(value, f"{path}/{index}")


def test_schema_is_valid_draft_2020_12_with_a_stable_id() -> None:
    """The schema itself validates against the 2020-12 meta-schema and keeps its $id."""
    schema = schema_document()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "urn:reliable-rules:schema:ruleset:v1"


def test_every_property_has_a_description_for_editors() -> None:
    """Every property of every object in the schema carries a description (editor help)."""
    missing = [
        f"{path}/properties/{name}"
        for path, node in _object_schemas(schema_document())
        for name, prop in node["properties"].items()
        if "description" not in prop
    ]
    assert not missing


def test_every_object_rejects_unknown_keys() -> None:
    """Every object with declared properties forbids keys it does not declare."""
    open_objects = [
        path
        for path, node in _object_schemas(schema_document())
        if node.get("additionalProperties") is not False
    ]
    assert not open_objects


@pytest.mark.parametrize("name", ["seed", "default"])
def test_shipped_rule_files_validate_and_point_editors_at_the_schema(name: str) -> None:
    """Each shipped file starts with the yaml-language-server schema comment and validates."""
    text = (rules_dir() / f"{name}.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schemas/ruleset.v1.json\n")
    errors = list(Draft202012Validator(schema_document()).iter_errors(yaml.safe_load(text)))
    assert not errors
