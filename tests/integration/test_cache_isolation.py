"""The test session keeps its caches to itself: the user's cache directory is never written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpers.session_cache import SESSION_CACHE_DIR, SESSION_CACHE_ROOT

from reliable_rules.ruleset.cachefiles import CACHE_DIR_ENV, base_dir


def _user_cache_dir() -> str:
    """Where the caches would live without the session's override."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    return os.path.join(xdg or os.path.join(os.path.expanduser("~"), ".cache"), "reliable_rules")


def test_the_session_resolves_its_own_cache_directory() -> None:
    """In the test process the caches live under the session's temporary directory."""
    resolved = base_dir()
    assert resolved == SESSION_CACHE_DIR
    assert Path(SESSION_CACHE_DIR).is_relative_to(SESSION_CACHE_ROOT)
    assert resolved != _user_cache_dir()


def test_a_process_started_by_a_test_writes_its_entries_in_the_session_directory() -> None:
    """A child process inherits the override: its built-in load is cached under the session."""
    code = (
        "import reliable_rules\n"
        "from reliable_rules.ruleset.cachefiles import base_dir\n"
        "reliable_rules.load_rules('builtin:seed')\n"
        "print(base_dir())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ),
        check=True, timeout=120,
    )
    assert result.stdout.strip() == SESSION_CACHE_DIR
    assert os.environ[CACHE_DIR_ENV] == SESSION_CACHE_DIR
    written = [name for _root, _dirs, files in os.walk(SESSION_CACHE_DIR) for name in files]
    assert written, "the child's load left no cache entry in the session directory"
