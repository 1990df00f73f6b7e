"""Shipped rule files are schema-valid, so loading them as ``builtin:NAME`` skips the check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import reliable_rules
from reliable_rules.ruleset import layering, loader
from reliable_rules.ruleset.resources import rules_dir
from reliable_rules.ruleset.schema import validate_document
from reliable_rules.ruleset.yamlpos import decode, parse_yaml


def test_every_shipped_rule_file_is_schema_valid() -> None:
    """Each YAML file under the shipped rules directory passes the JSON Schema unchanged."""
    paths = sorted(p for p in rules_dir().rglob("*.yaml") if not p.name.endswith(".test.yaml"))
    assert len(paths) >= 20
    for path in paths:
        text, problems = decode(path.name, path.read_bytes())
        assert text is not None, path
        assert not problems, path
        document, problems = parse_yaml(path.name, text)
        assert document is not None, path
        assert not problems, path
        assert validate_document(document.data, document.source) == [], path


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = layering.validate_document

    def validate(data: Any, source: Any) -> Any:
        seen.append(str(data.get("name")) if isinstance(data, dict) else "?")
        return real(data, source)

    monkeypatch.setattr(layering, "validate_document", validate)
    monkeypatch.setattr(loader, "_builtin_cache", {})
    return seen


def test_builtin_sets_load_without_schema_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    """``builtin:default`` loads every shipped file without one schema check."""
    seen = _counting(monkeypatch)
    reliable_rules.load_rules("builtin:default")
    assert seen == []


def test_shipped_files_by_path_are_still_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same files reached by path (``validate rules/``) get the full schema check."""
    seen = _counting(monkeypatch)
    reliable_rules.load_rules(Path(rules_dir() / "default.yaml"))
    assert len(seen) >= 15


def test_user_file_extending_a_builtin_is_validated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user's file is checked even when it extends a built-in set (which is not)."""
    seen = _counting(monkeypatch)
    path = tmp_path / "mine.yaml"
    path.write_text(
        "format: reliable-rules/v1\nname: mine\nextends: [builtin:seed]\nrules: []\n",
        encoding="utf-8",
    )
    reliable_rules.load_rules(path)
    assert seen == ["mine"]
