"""Locate the shipped rule sets and schemas, installed or in a source checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["builtin_names", "resolved_rules_dir", "rules_dir", "schemas_dir"]

# This module lives in reliable_rules/ruleset/; the package directory is one level up.
_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _data_dir(name: str) -> Path:
    # A wheel carries the directories under _data/ (force-include in pyproject.toml); an
    # editable install or a plain checkout finds them at the top of the repository instead.
    installed = _PACKAGE_DIR / "_data" / name
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent / name


@cache
def rules_dir() -> Path:
    """The directory holding the shipped ``builtin:NAME`` rule files."""
    return _data_dir("rules")


@cache
def resolved_rules_dir() -> Path:
    """:func:`rules_dir` with its symlinks resolved (once: every ``extends`` compares with it)."""
    return rules_dir().resolve()


@cache
def schemas_dir() -> Path:
    """The directory holding the JSON Schemas of the rule format."""
    return _data_dir("schemas")


def builtin_names() -> list[str]:
    """Names usable as ``builtin:NAME``, sorted."""
    return sorted(path.stem for path in rules_dir().glob("*.yaml"))
