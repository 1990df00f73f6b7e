"""Shared configuration of the test suite.

The tests are grouped by area: ``ruleset/``, ``engine/``, ``executor/``, ``providers/``,
``authoring/``, ``cli/``, ``integration/`` and ``rulefiles/`` (the shipped YAML's own checks);
``data/`` holds the corpora. Shared helpers live in the ``helpers`` package next to this file
(pytest's default ``prepend`` import mode puts this directory on ``sys.path`` because this
file is here), shared fixtures below. Test module names are unique across the areas, and no
module imports ``conftest`` by name: several areas have one (tests/integration/
test_test_commands.py checks both).

The slowest tests (building and installing a wheel, running subprocesses) carry the ``slow``
marker: ``python -m pytest -m 'not slow'`` skips them.

The session never touches the user's cache directory: before any test runs,
``RELIABLE_RULES_CACHE_DIR`` points at a temporary directory of this session (removed at its
end), and every process a test starts inherits it. A test that patched the engine and loaded a
built-in set once wrote a whole-set entry that later processes, the user's own CLI among them,
trusted; tests of the caches themselves still use their own ``tmp_path``.
"""

from __future__ import annotations

import gc
import io
import os
import shutil
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from helpers.session_cache import SESSION_CACHE_ROOT  # sets the session's cache directory
from helpers.unhurried import unhurried

from reliable_rules import RuleSet, load_rules
from reliable_rules.cli import main
from reliable_rules.ruleset.resources import rules_dir

#: The repository's root (``rules/``, ``schemas/``, ``docs/`` and ``examples/`` are below it).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The corpora of real provider errors.
DATA_DIR = Path(__file__).resolve().parent / "data"


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection built (8,500 test items, their modules and tables, the imported library)
    lives until the session ends: out of the cycle collector's sight (see the teardown hook)."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After a module's last test (its fixtures torn down), its garbage collected and what
    survives frozen. A full collection walks every object the collector tracks; this session
    holds many (the collected items, session fixtures' rule sets and corpus decisions, the
    library's caches), and the ~100 full collections of tests/engine and tests/ruleset took 38 s
    of their 279 s. Frozen objects are never walked again, and never freed: the survivors of a
    module are the session's long-lived objects. Each test itself runs with the collector as
    in any process."""
    yield
    if nextitem is None or nextitem.module is not getattr(item, "module", None):
        gc.collect()
        gc.freeze()


def pytest_unconfigure(config: pytest.Config) -> None:
    """The session's cache directory goes with the session."""
    shutil.rmtree(SESSION_CACHE_ROOT, ignore_errors=True)


@pytest.fixture
def project_root() -> Path:
    """The repository's root directory."""
    return PROJECT_ROOT


@pytest.fixture
def data_dir() -> Path:
    """``tests/data``: the corpora of provider errors."""
    return DATA_DIR


@pytest.fixture(scope="session")
def default_by_path() -> RuleSet:
    """builtin:default loaded once by path (its own set, not the process's shared built-in one,
    with the generous regex budget of helpers.unhurried), for the engine tests that only read
    its compiled rules and tables, or classify under the default knobs. A test that changes a
    knob (the accelerator, UNSCANNED_MAX_CHARS) before loading, or checks what loading leaves
    unbuilt, loads its own. (Here, not in tests/engine/conftest.py: a module of that name would
    shadow this one for the tests that import from ``conftest``.)"""
    return unhurried(load_rules(rules_dir() / "default.yaml"))


@pytest.fixture(scope="session")
def shipped_rules_tested() -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``reliable-rules test rules/ --coverage-threshold 100``
    run once from the project root: the tests that read its report share the run (each one
    cost 7 to 10 s). At 100% coverage the threshold adds no line to the report."""
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(PROJECT_ROOT)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["test", "rules/", "--coverage-threshold", "100"])
    finally:
        os.chdir(here)
    return code, out.getvalue(), err.getvalue()
