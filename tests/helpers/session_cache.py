"""This test session's own cache directory, created and exported when first imported.

tests/conftest.py imports it before any rule set is loaded (see its docstring); tests that
check the isolation import the same values from here, never from ``conftest``: under pytest's
``prepend`` import mode that name is whichever of the areas' conftest modules was imported
last, which differs between the README's one-process run and CI's two halves.
"""

from __future__ import annotations

import os
import tempfile

from reliable_rules.ruleset.cachefiles import CACHE_DIR_ENV

#: The session's temporary directory, removed at the session's end (tests/conftest.py).
SESSION_CACHE_ROOT = tempfile.mkdtemp(prefix="reliable-rules-tests-")
#: The cache directory every load of the session and every process it starts uses.
SESSION_CACHE_DIR = os.path.join(SESSION_CACHE_ROOT, "cache")
os.environ[CACHE_DIR_ENV] = SESSION_CACHE_DIR
