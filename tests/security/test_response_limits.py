"""Hostile answers end fast, in bounded memory, with a typed error (issue 13, items 6 and 8)."""

from __future__ import annotations

import gzip
import json
import pickle
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from helpers.hostile_server import (
    HostileServer,
    Responder,
    gzip_body,
    gzip_bomb,
    huge_body,
    slow_drip,
)

from reliable_rules import ChatRequest, Message, load_rules
from reliable_rules.providers import (
    DEFAULT_LIMITS,
    Limits,
    OpenAICompatible,
    ProviderHTTPError,
    ResponseTimeout,
    ResponseTooLarge,
)

Start = Callable[[Responder], HostileServer]
MB = 1024 * 1024


def ask() -> ChatRequest:
    return ChatRequest([Message.user("hi")])


@contextmanager
def measured(budget_s: float, budget_mb: float) -> Iterator[None]:
    """Fail unless the block ends within ``budget_s`` and its peak Python allocation stays
    under ``budget_mb``."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        yield
    finally:
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1] / MB
        tracemalloc.stop()
    assert elapsed < budget_s, f"took {elapsed:.1f}s"
    assert peak < budget_mb, f"peak {peak:.0f} MB"


def adapter(server: HostileServer, **limits: object) -> OpenAICompatible:
    base = OpenAICompatible(server.url + "/v1", api_key="sk-test", timeout=10)
    return base.with_limits(**limits) if limits else base


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "chunked"])
def test_a_300_mb_answer_stops_at_the_body_limit(hostile: Start, declare_length: bool) -> None:
    """A 300 MB 2xx answer is refused past 10 MB with ResponseTooLarge, in bounded memory."""
    server = hostile(huge_body(300 * MB, declare_length=declare_length))
    with measured(budget_s=10, budget_mb=40), pytest.raises(ResponseTooLarge) as caught:
        adapter(server).chat(ask(), "m")
    assert caught.value.limit == DEFAULT_LIMITS.max_body_bytes == 10 * MB
    assert "exceeds the limit of 10,485,760 bytes" in str(caught.value)


def test_the_body_limit_is_configurable_per_adapter(hostile: Start) -> None:
    """with_limits(max_body_bytes=...) changes one adapter's bound, not its original's."""
    server = hostile(huge_body(3 * MB))
    base = adapter(server)
    small = base.with_limits(max_body_bytes=MB)
    with pytest.raises(ResponseTooLarge) as caught:
        small.chat(ask(), "m")
    assert caught.value.limit == MB
    assert base.limits.max_body_bytes == DEFAULT_LIMITS.max_body_bytes
    assert small.session is base.session


def test_a_gzip_bomb_is_stopped_before_it_is_allocated(hostile: Start) -> None:
    """A 1 MB gzip body that expands to 1 GB fails at the limit, counted after
    decompression, without allocating the gigabyte."""
    bomb = gzip_bomb(1024 * MB)
    assert len(bomb) < 2 * MB
    server = hostile(gzip_body(bomb))
    with measured(budget_s=10, budget_mb=48), pytest.raises(ResponseTooLarge):
        adapter(server).chat(ask(), "m")


def test_a_gzip_answer_under_the_limit_is_decoded(hostile: Start) -> None:
    """Compressed answers still work: the adapter decompresses gzip itself."""
    body = {
        "id": "c", "object": "chat.completion", "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "zipped"},
                     "finish_reason": "stop"}],
    }
    server = hostile(gzip_body(gzip.compress(json.dumps(body).encode())))
    assert adapter(server).chat(ask(), "m").text == "zipped"


def test_an_error_body_is_kept_up_to_64_kb(hostile: Start) -> None:
    """A 300 MB 500 answer gives a ProviderHTTPError holding the first 64 KB of its body."""
    server = hostile(huge_body(300 * MB, status=500))
    with measured(budget_s=10, budget_mb=16), pytest.raises(ProviderHTTPError) as caught:
        adapter(server).chat(ask(), "m")
    assert caught.value.status_code == 500
    assert len(caught.value.body) == DEFAULT_LIMITS.max_error_body_bytes == 64 * 1024


def test_a_gzip_bomb_as_an_error_body_is_cut_at_64_kb(hostile: Start) -> None:
    """The error-body cap applies after decompression too."""
    server = hostile(gzip_body(gzip_bomb(1024 * MB), status=503))
    with measured(budget_s=10, budget_mb=16), pytest.raises(ProviderHTTPError) as caught:
        adapter(server).chat(ask(), "m")
    assert len(caught.value.body) == 64 * 1024


def test_a_slow_drip_ends_at_the_total_budget(hostile: Start) -> None:
    """A server sending one byte every 0.3 s fails the call once the total budget is spent,
    with ResponseTimeout (a TimeoutError the rules classify as a timeout)."""
    server = hostile(slow_drip(0.3))
    started = time.monotonic()
    with pytest.raises(ResponseTimeout) as caught:
        adapter(server, total_timeout_s=1.5).chat(ask(), "m")
    elapsed = time.monotonic() - started
    assert 1.4 <= elapsed < 4, elapsed
    assert caught.value.bound == "total"
    assert isinstance(caught.value, TimeoutError)
    decision = load_rules("builtin:default").classify(caught.value)
    assert decision.category == "timeout"


def test_with_timeout_bounds_a_call_in_total(hostile: Start) -> None:
    """with_timeout(s) is the total budget for chat and streams alike."""
    server = hostile(slow_drip(0.2))
    bounded = adapter(server).with_timeout(0.8)
    assert bounded.limits.total_timeout_s == bounded.limits.stream_total_timeout_s == 0.8
    started = time.monotonic()
    with pytest.raises(ResponseTimeout):
        bounded.chat(ask(), "m")
    assert time.monotonic() - started < 3


def test_adapters_have_a_default_total_budget() -> None:
    """The defaults bound every call: 600 s in total, 120 s between stream events."""
    limits = OpenAICompatible("http://127.0.0.1:9", api_key="k").limits
    assert limits == DEFAULT_LIMITS
    assert limits.total_timeout_s == 600.0
    assert limits.stream_idle_timeout_s == 120.0
    assert limits.stream_total_timeout_s == 3600.0


@pytest.mark.parametrize(
    "changes",
    [{"total_timeout_s": 0}, {"total_timeout_s": -1.0}, {"max_body_bytes": 0},
     {"max_error_body_bytes": None}, {"stream_idle_timeout_s": "5"}],
)
def test_limits_refuse_nonsense(changes: dict[str, object]) -> None:
    """Limits accept positive numbers or None (only where a bound may be off)."""
    with pytest.raises((ValueError, TypeError)):
        Limits(**changes)  # type: ignore[arg-type]


def test_the_new_errors_are_classified_and_pickle(hostile: Start) -> None:
    """ResponseTooLarge is a malformed answer for the rules and survives pickling."""
    server = hostile(huge_body(2 * MB))
    with pytest.raises(ResponseTooLarge) as caught:
        adapter(server, max_body_bytes=MB).chat(ask(), "m")
    decision = load_rules("builtin:default").classify(caught.value)
    assert decision.rule_id is not None
    again = pickle.loads(pickle.dumps(caught.value))
    assert type(again) is ResponseTooLarge
    assert str(again) == str(caught.value)
    assert again.limit == MB
    timeout = pickle.loads(pickle.dumps(ResponseTimeout("p", "idle", 2.0)))
    assert (timeout.bound, timeout.seconds, str(timeout)) == ("idle", 2.0, str(timeout))


def test_a_body_cut_short_is_an_interrupted_answer(hostile: Start) -> None:
    """A body shorter than its Content-Length raises ResponseInterrupted, whatever urllib3
    enforces itself (1.x does not)."""
    import socket  # noqa: PLC0415
    import threading  # noqa: PLC0415

    from reliable_rules.providers import ResponseInterrupted  # noqa: PLC0415

    def short(sock: socket.socket, stop: threading.Event) -> None:
        sock.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n"
            b'\r\n{"id": "c", '
        )

    server = hostile(short)
    with pytest.raises(ResponseInterrupted) as caught:
        adapter(server).chat(ask(), "m")
    assert "cut short" in str(caught.value)
    assert load_rules("builtin:default").classify(caught.value).category == "network_error"
