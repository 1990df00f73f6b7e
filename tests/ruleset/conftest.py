"""Fixtures shared by the rule set tests."""

from __future__ import annotations

import pytest
from helpers.corpus_decisions import built_from_files, corpus_decisions, read_all

import reliable_rules

#: The corpus's decisions, each as ``helpers.corpus_decisions.read_all`` reads it.
Decided = list[tuple[object, ...]]


@pytest.fixture(scope="session")
def used_from_files() -> dict[str, reliable_rules.RuleSet]:
    """builtin:default and builtin:seed built from their files with every cache off, once for
    the session: the sets that decided ``decided_from_files``. The cache tests compare their
    loads with what these report (``summary``, ``rules``, ``repr``) and may classify with them;
    having classified, they hold RE2 objects that cannot be pickled: a test that stores a set
    (``statecache.save``, ``_encode``) uses ``unused_default``. Session-scoped, they are built
    before the first test that asks for them sets up its own patches and environment
    (function-scoped fixtures come later)."""
    return {name: built_from_files(name) for name in ("builtin:default", "builtin:seed")}


@pytest.fixture(scope="session")
def decided_from_files(
    used_from_files: dict[str, reliable_rules.RuleSet],
) -> dict[str, Decided]:
    """The corpus decided by builtin:default and builtin:seed built from their files with every
    cache off (``used_from_files``), computed once for the session: the cache tests compare
    their cold, first and warm loads with it (each test recomputing it cost a build and a
    corpus pass with explanations, 3 to 4 s)."""
    return {name: corpus_decisions(rules, read_all) for name, rules in used_from_files.items()}


@pytest.fixture(scope="session")
def unused_default() -> reliable_rules.RuleSet:
    """builtin:default built from its files with every cache off, once for the session, and
    never used: the tests whose subject is a warm load store it as the entry that load reads
    (``helpers.state_entries.write_entry``, what ``load_rules`` does with a set it has just
    built: each of them paid a cold build, 4 s, for it), and the tests of a reshaped entry
    pickle a copy of it. No test may classify with it (a used set cannot be pickled: the next
    test's ``write_entry`` or ``_encode`` would fail) or change it (copy it first)."""
    return built_from_files("builtin:default")
