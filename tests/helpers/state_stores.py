"""Shared by the state-store tests (tests/state/): the skip reason without a redis-server
program, and the type of the fixtures that make stores sharing one state."""

from __future__ import annotations

from collections.abc import Callable

from reliable_rules import StateStore

NO_REDIS = "redis-server is not installed (apt-get install redis-server; .ci/run installs it)"

#: The command timeout of RedisStates in tests of sharing (not of timeouts): long enough that
#: a loaded machine does not turn a slow command into a fallback to local state.
SHARING_TIMEOUT_S = 1.0

#: Makes a store object; every one made by the same factory shares one state.
StoreFactory = Callable[[], StateStore]
