"""Locate the shipped rule sets and schemas, installed or in a source checkout."""

from __future__ import annotations

import os
from functools import cache

TYPE_CHECKING = False  # typing.TYPE_CHECKING: the same to type checkers, see __init__.py
if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["builtin_names", "resolved_rules_dir", "rules_dir", "rules_path", "schemas_dir"]

# This module lives in reliable_rules/ruleset/; the package directory is one level up.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


@cache
def _data_dir(name: str) -> str:
    # A wheel carries the directories under _data/ (force-include in pyproject.toml); an
    # editable install or a plain checkout finds them at the top of the repository instead.
    # Plain strings (os.path): a warm load of a built-in set (ruleset/statecache.py) needs
    # this directory and nothing of pathlib.
    installed = os.path.join(_PACKAGE_DIR, "_data", name)
    if os.path.isdir(installed):
        return installed
    return os.path.join(os.path.dirname(_PACKAGE_DIR), name)


def rules_path() -> str:
    """:func:`rules_dir` as a string."""
    return _data_dir("rules")


@cache
def rules_dir() -> Path:
    """The directory holding the shipped ``builtin:NAME`` rule files."""
    from pathlib import Path  # noqa: PLC0415 — see _data_dir

    return Path(_data_dir("rules"))


@cache
def resolved_rules_dir() -> Path:
    """:func:`rules_dir` with its symlinks resolved (once: every ``extends`` compares with it)."""
    return rules_dir().resolve()


@cache
def schemas_dir() -> Path:
    """The directory holding the JSON Schemas of the rule format."""
    from pathlib import Path  # noqa: PLC0415 — see _data_dir

    return Path(_data_dir("schemas"))


def builtin_names() -> list[str]:
    """Names usable as ``builtin:NAME``, sorted."""
    return sorted(path.stem for path in rules_dir().glob("*.yaml"))
