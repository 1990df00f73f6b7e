"""Fixtures shared by the shipped rule files' tests."""

from __future__ import annotations

import pytest

from reliable_rules import RuleSet, load_rules


@pytest.fixture(scope="module")
def default() -> RuleSet:
    """builtin:default, loaded once for the module."""
    return load_rules("builtin:default")
