"""Fixtures shared by the engine's tests."""

from __future__ import annotations

import pytest
from helpers.unhurried import unhurried

import reliable_rules
from reliable_rules.ruleset.resources import rules_dir


@pytest.fixture(scope="session")
def default_by_path() -> reliable_rules.RuleSet:
    """builtin:default loaded once by path (its own set, not the process's shared built-in one,
    with the generous regex budget of helpers.unhurried), for the tests that only read its
    compiled rules and tables, or classify under the default knobs. A test that changes a knob
    (the accelerator, UNSCANNED_MAX_CHARS) before loading, or checks what loading leaves unbuilt,
    loads its own."""
    return unhurried(reliable_rules.load_rules(rules_dir() / "default.yaml"))
