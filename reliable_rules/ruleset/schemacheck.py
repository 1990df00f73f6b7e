"""Whether a document is valid against one of the format's JSON Schemas, without jsonschema.

Importing ``jsonschema`` (referencing, attrs, rpds, ...) and building its validator costs a
fresh process more than loading a rule file does, and nearly every file a process loads is
valid. :func:`is_valid` answers for the keywords the shipped schemas use, exactly as
``jsonschema``'s Draft 2020-12 validator decides them; the schema module asks ``jsonschema``
for the errors (and their messages) only when this check does not answer ``True``.

It never answers ``True`` for a document ``jsonschema`` would reject: a keyword it does not
know, a ``$ref`` that is not a pointer into the schema itself, a value that is not plain JSON
(a YAML date, a set, a non-string key) or a document nested deeper than :data:`MAX_DEPTH`
makes it answer ``None`` ("ask jsonschema"). tests/ruleset/test_schemacheck.py compares both
on every rule and test file of the repository and on mutated documents.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["MAX_DEPTH", "is_valid"]

#: Documents nested deeper are left to jsonschema (which reports them as too deep).
MAX_DEPTH = 64

# Keywords that never make a document invalid (annotations, and $defs, reached by $ref).
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "$defs", "title", "description", "default", "examples"}
)
_JSON_SCALARS = (str, int, float, bool, type(None))


class _Unsupported(Exception):
    """A schema or value this check does not decide: jsonschema must."""


def _plain(document: Any) -> bool:
    """Whether ``document`` holds only JSON values (string keys), at most MAX_DEPTH deep."""
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        value, depth = stack.pop()
        kind = type(value)
        if kind is dict:
            if depth >= MAX_DEPTH or not all(type(key) is str for key in value):
                return False
            stack.extend((item, depth + 1) for item in value.values())
        elif kind is list:
            if depth >= MAX_DEPTH:
                return False
            stack.extend((item, depth + 1) for item in value)
        elif kind not in _JSON_SCALARS:
            return False
    return True


def _is_type(value: Any, name: str) -> bool:
    # jsonschema's Draft 2020-12 type checker: bool is no number, 1.0 is an integer
    if name == "string":
        return isinstance(value, str)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if name == "integer":
        if isinstance(value, bool):
            return False
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    raise _Unsupported(name)


def _equal(one: Any, two: Any) -> bool:
    # jsonschema's _utils.equal: True is not 1, False is not 0, at any depth
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(map(_equal, one, two))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(_equal(one[key], two[key]) for key in one)
    if isinstance(one, bool) or isinstance(two, bool):
        return type(one) is type(two) and one == two
    return bool(one == two)


class _Checker:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root

    def resolve(self, reference: Any) -> Any:
        if not isinstance(reference, str) or not reference.startswith("#/"):
            raise _Unsupported(reference)
        target: Any = self.root
        for escaped in reference[2:].split("/"):
            part = escaped.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                raise _Unsupported(reference)
            target = target[part]
        return target

    def valid(self, schema: Any, value: Any) -> bool:
        if schema is True:
            return True
        if schema is False:
            return False
        if not isinstance(schema, dict):
            raise _Unsupported(schema)
        for keyword, argument in schema.items():
            if keyword in _ANNOTATIONS:
                continue
            if keyword == "$ref":
                if not self.valid(self.resolve(argument), value):
                    return False
            elif keyword == "type":
                names = argument if isinstance(argument, list) else [argument]
                if not any(_is_type(value, name) for name in names):
                    return False
            elif keyword == "enum":
                if not any(_equal(option, value) for option in argument):
                    return False
            elif keyword == "const":
                if not _equal(value, argument):
                    return False
            elif keyword in ("then", "else"):
                continue  # decided with "if"
            elif keyword == "if":
                branch = "then" if self.valid(argument, value) else "else"
                if branch in schema and not self.valid(schema[branch], value):
                    return False
            elif keyword == "oneOf":
                if sum(self.valid(option, value) for option in argument) != 1:
                    return False
            elif keyword == "anyOf":
                if not any(self.valid(option, value) for option in argument):
                    return False
            elif keyword == "allOf":
                if not all(self.valid(option, value) for option in argument):
                    return False
            elif keyword == "not":
                if self.valid(argument, value):
                    return False
            elif isinstance(value, dict):
                if not self._object(keyword, argument, schema, value):
                    return False
            elif isinstance(value, list):
                if not self._array(keyword, argument, schema, value):
                    return False
            elif isinstance(value, str):
                if not self._string(keyword, argument, value):
                    return False
            elif _is_type(value, "number"):
                if not self._number(keyword, argument, value):
                    return False
            elif keyword not in _ANY_TYPE:
                raise _Unsupported(keyword)
        return True

    def _object(
        self, keyword: str, argument: Any, schema: dict[str, Any], value: dict[str, Any]
    ) -> bool:
        if keyword == "properties":
            return all(self.valid(argument[key], value[key]) for key in argument if key in value)
        if keyword == "additionalProperties":
            if "patternProperties" in schema:
                raise _Unsupported(keyword)
            known = schema.get("properties", {})
            return all(self.valid(argument, value[key]) for key in value if key not in known)
        if keyword == "required":
            return all(key in value for key in argument)
        if keyword == "minProperties":
            return bool(len(value) >= argument)
        if keyword == "maxProperties":
            return bool(len(value) <= argument)
        if keyword == "propertyNames":
            return all(self.valid(argument, key) for key in value)
        if keyword in _ANY_TYPE:
            return True
        raise _Unsupported(keyword)

    def _array(self, keyword: str, argument: Any, schema: dict[str, Any], value: list[Any]) -> bool:
        if keyword == "items":
            if "prefixItems" in schema:
                raise _Unsupported(keyword)
            return all(self.valid(argument, item) for item in value)
        if keyword == "minItems":
            return bool(len(value) >= argument)
        if keyword == "maxItems":
            return bool(len(value) <= argument)
        if keyword in _ANY_TYPE:
            return True
        raise _Unsupported(keyword)

    @staticmethod
    def _string(keyword: str, argument: Any, value: str) -> bool:
        if keyword == "minLength":
            return bool(len(value) >= argument)
        if keyword == "maxLength":
            return bool(len(value) <= argument)
        if keyword == "pattern":
            return re.search(argument, value) is not None
        if keyword in _ANY_TYPE:
            return True
        raise _Unsupported(keyword)

    @staticmethod
    def _number(keyword: str, argument: Any, value: float) -> bool:
        if keyword == "minimum":
            return not bool(value < argument)
        if keyword == "maximum":
            return not bool(value > argument)
        if keyword in _ANY_TYPE:
            return True
        raise _Unsupported(keyword)


# The type-specific keywords this check knows: on a value of another type each says nothing.
_ANY_TYPE = frozenset(
    {
        "properties",
        "additionalProperties",
        "required",
        "minProperties",
        "maxProperties",
        "propertyNames",
        "items",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "pattern",
        "minimum",
        "maximum",
    }
)


def is_valid(schema: Mapping[str, Any], document: Any) -> bool | None:
    """True when ``document`` is valid against ``schema``, False when it is not, None when
    this check cannot tell (only ``jsonschema`` can: see the module's docstring)."""
    if not _plain(document):
        return None
    try:
        return _Checker(schema).valid(schema, document)
    except (_Unsupported, RecursionError, TypeError, re.error):
        return None
