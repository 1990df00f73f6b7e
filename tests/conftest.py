"""Shared configuration of the test suite.

The tests are grouped by area: ``ruleset/``, ``engine/``, ``executor/``, ``providers/``,
``authoring/``, ``cli/``, ``integration/`` and ``rulefiles/`` (the shipped YAML's own checks);
``data/`` holds the corpora. Shared helpers live in the ``helpers`` package next to this file
(pytest's default ``prepend`` import mode puts this directory on ``sys.path`` because this
file is here), shared fixtures below. Test module names are unique across the areas.

The slowest tests (building and installing a wheel, running subprocesses) carry the ``slow``
marker: ``python -m pytest -m 'not slow'`` skips them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

#: The repository's root (``rules/``, ``schemas/``, ``docs/`` and ``examples/`` are below it).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The corpora of real provider errors.
DATA_DIR = Path(__file__).resolve().parent / "data"


@pytest.fixture
def project_root() -> Path:
    """The repository's root directory."""
    return PROJECT_ROOT


@pytest.fixture
def data_dir() -> Path:
    """``tests/data``: the corpora of provider errors."""
    return DATA_DIR
