"""Shared fixtures of the engine tests."""

from __future__ import annotations

import pytest

from reliable_rules.engine.classifier import Classifier


@pytest.fixture(autouse=True)
def unhurried_regexes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every classification here may spend a minute on its regexes.

    These tests compare answers (prefilter or none, accelerator or none) over the whole
    corpus; their references search every regex of builtin:default for every record, which on a
    loaded 2-core machine can outrun the per-classification budget of 20 ms and turn a match into
    "no match". The budget itself is tested in tests/security/test_regex_budget.py.
    """
    monkeypatch.setattr(
        Classifier,
        "regex_budget_s",
        property(lambda _self: 60.0, lambda _self, _value: None),
        raising=False,
    )
