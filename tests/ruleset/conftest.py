"""Fixtures shared by the rule set tests."""

from __future__ import annotations

import pytest
from helpers.corpus_decisions import from_files

#: The corpus's decisions, each as ``helpers.corpus_decisions.read_all`` reads it.
Decided = list[tuple[object, ...]]


@pytest.fixture(scope="session")
def decided_from_files() -> dict[str, Decided]:
    """The corpus decided by builtin:default and builtin:seed built from their files with every
    cache off, computed once for the session: the cache tests compare their cold, first and
    warm loads with it (each test recomputing it cost a build and a corpus pass with
    explanations, 3 to 4 s). Session-scoped, it is computed before the first test that asks
    for it sets up its own patches and environment (function-scoped fixtures come later)."""
    return {name: from_files(name) for name in ("builtin:default", "builtin:seed")}
