"""Fixtures shared by the engine's corpus-wide exactness tests."""

from __future__ import annotations

import pytest
from helpers.one_by_one import Answer, default_read_one_by_one

from reliable_rules import RuleSet


@pytest.fixture(scope="session")
def corpus_read_one_by_one(default_by_path: RuleSet) -> list[Answer]:
    """builtin:default's answer for every corpus record (body, status, headers) with its
    rules read one by one without any index; computed once for the tests that compare with it
    (test_decide_inline.py, test_prefilter_exact.py): each used to read them itself. The rules
    are the session's builtin:default loaded by path (tests/conftest.py), which a dozen engine
    tests load anyway: a load of its own was one more cold build (stop 44)."""
    return default_read_one_by_one(default_by_path)
