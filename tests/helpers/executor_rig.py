"""What an end-to-end executor test builds — fake servers, adapters, executors — closed after
the test in a safe order: servers first (releasing any hanging request), then executors, then
adapters."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from reliable_rules import ReliableExecutor
from reliable_rules.providers import Anthropic, OpenAICompatible
from reliable_rules.testing import FakeProviderServer, FakeTiming, Reply


class Rig:
    """One test's servers, adapters and executors.

    ``virtual_time``: executors get a :class:`FakeTiming` unless the test passes ``timing=``;
    without it every test must choose its timing (the thread tests measure real time).
    """

    def __init__(self, *, virtual_time: bool, api_key: str, timeout: float) -> None:
        self.virtual_time = virtual_time
        self.api_key = api_key
        self.timeout = timeout
        self.servers: list[FakeProviderServer] = []
        self.adapters: list[OpenAICompatible | Anthropic] = []
        self.executors: list[ReliableExecutor] = []

    def server(self, name: str, default: Reply | None = None) -> FakeProviderServer:
        """A started server; ``default`` answers every request no scripted reply takes."""
        server = FakeProviderServer(name=name, default=default).start()
        self.servers.append(server)
        return server

    def openai(
        self, server: FakeProviderServer, api_key: str | None = None
    ) -> OpenAICompatible:
        """An OpenAI-compatible adapter pointed at ``server`` (the rig's key by default)."""
        adapter = OpenAICompatible(
            server.openai_base_url, api_key=api_key or self.api_key, timeout=self.timeout
        )
        self.adapters.append(adapter)
        return adapter

    def anthropic(
        self, server: FakeProviderServer, api_key: str = "sk-ant-test-000000000000"
    ) -> Anthropic:
        """An Anthropic adapter pointed at ``server``."""
        adapter = Anthropic(server.anthropic_base_url, api_key=api_key, timeout=self.timeout)
        self.adapters.append(adapter)
        return adapter

    def executor(self, providers: list[tuple[str, Any]], **options: Any) -> ReliableExecutor:
        """An executor over ``providers``, closed with the rig."""
        if self.virtual_time:
            options.setdefault("timing", FakeTiming())
        executor = ReliableExecutor(providers, **options)
        self.executors.append(executor)
        return executor

    def close(self) -> None:
        """Close everything the rig made."""
        for server in self.servers:
            server.close()
        for executor in self.executors:
            executor.close()
        for adapter in self.adapters:
            adapter.close()


def rig_fixture(
    *, api_key: str, timeout: float = 5.0, virtual_time: bool = True
) -> Callable[[], Iterator[Rig]]:
    """A ``rig`` fixture: a :class:`Rig` with these settings, closed after the test."""

    @pytest.fixture
    def rig() -> Iterator[Rig]:
        made = Rig(virtual_time=virtual_time, api_key=api_key, timeout=timeout)
        try:
            yield made
        finally:
            made.close()

    return rig
