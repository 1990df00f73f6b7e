"""Fixtures of the state-store tests: a real ``redis-server`` on loopback (started here,
persistence off, stopped at teardown) and the stores under test.

Without a ``redis-server`` program the Redis tests are skipped with the reason; ``.ci/run``
installs Debian's ``redis-server`` package first, so CI runs them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from helpers.state_stores import NO_REDIS, SHARING_TIMEOUT_S, StoreFactory

from reliable_rules import MemoryState, RedisState, StateStore
from reliable_rules.testing import RedisServer
from reliable_rules.testing.redis_server import redis_server_path


def _need_redis_server() -> None:
    if redis_server_path() is None:
        pytest.skip(NO_REDIS)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One redis-server for the session (tests keep apart by namespace)."""
    _need_redis_server()
    with RedisServer() as server:
        yield server


@pytest.fixture
def own_redis_server() -> Iterator[RedisServer]:
    """A redis-server of this test alone (it may kill, pause or restart it)."""
    _need_redis_server()
    with RedisServer() as server:
        yield server


@pytest.fixture
def namespace() -> str:
    """A namespace no other test uses."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def redis_stores(redis_server: RedisServer, namespace: str) -> Iterator[StoreFactory]:
    """Makes RedisStates on one namespace, each with its own client (as separate processes
    would have); closes them at teardown."""
    made: list[RedisState] = []

    def make() -> StateStore:
        # Sharing is under test here, not timeouts: a loaded machine must not turn a slow
        # command into a fallback (test_redis_outage.py tests the 50 ms default).
        store = RedisState.from_url(
            redis_server.url, namespace=namespace, timeout_s=SHARING_TIMEOUT_S
        )
        made.append(store)
        return store

    yield make
    for store in made:
        assert store.fallbacks == 0, "Redis was reachable: nothing should have fallen back"
        store.close()


@pytest.fixture(params=["memory", "redis"])
def stores(request: pytest.FixtureRequest) -> StoreFactory:
    """Makes stores that share one state: the same MemoryState (one process), or RedisStates
    on one namespace (many processes). Real time: MemoryState on ``time.monotonic``."""
    if request.param == "memory":
        shared = MemoryState(clock=time.monotonic)
        return lambda: shared
    factory: StoreFactory = request.getfixturevalue("redis_stores")
    return factory
