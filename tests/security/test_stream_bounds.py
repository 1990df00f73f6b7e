"""Streams obey idle and total bounds, the call's deadline and cancel after their first event,
and fail with the library's errors (issue 13, item 7)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from helpers.hostile_server import (
    HostileServer,
    Responder,
    chunk,
    keepalive_every,
    openai_delta,
    send_all,
    sse_then,
    stall,
)

from reliable_rules import (
    CallCancelled,
    CancelToken,
    ChatRequest,
    DeadlineExceeded,
    Message,
    ReliableExecutor,
)
from reliable_rules.executor.timing import SystemTiming
from reliable_rules.providers import OpenAICompatible, ResponseTimeout, ResponseTooLarge

Start = Callable[[Responder], HostileServer]


def ask() -> ChatRequest:
    return ChatRequest([Message.user("hi")])


def adapter(server: HostileServer, **limits: object) -> OpenAICompatible:
    base = OpenAICompatible(server.url + "/v1", api_key="sk-test", timeout=30)
    return base.with_limits(**limits) if limits else base


@pytest.fixture
def executors() -> Iterator[Callable[..., ReliableExecutor]]:
    """Executors on real time, closed after the test."""
    made: list[ReliableExecutor] = []

    def make(provider: OpenAICompatible, **options: object) -> ReliableExecutor:
        executor = ReliableExecutor(
            [("hostile", provider)], max_retries=0, timing=SystemTiming(), **options  # type: ignore[arg-type]
        )
        made.append(executor)
        return executor

    yield make
    for executor in made:
        executor.close()


def stalled_after_first(hostile: Start) -> HostileServer:
    return hostile(sse_then([openai_delta("first")], stall))


def test_a_stall_after_the_first_event_ends_at_the_idle_bound(hostile: Start) -> None:
    """No event for stream_idle_timeout_s after the first: ResponseTimeout (bound 'idle')."""
    stream = adapter(stalled_after_first(hostile), stream_idle_timeout_s=0.5).stream(ask(), "m")
    assert next(stream).text == "first"
    started = time.monotonic()
    with pytest.raises(ResponseTimeout) as caught:
        next(stream)
    assert 0.4 <= time.monotonic() - started < 3
    assert caught.value.bound == "idle"


def test_keep_alive_comments_do_not_count_as_events(hostile: Start) -> None:
    """A server sending only keep-alive comments after the first event still hits the idle
    bound: bytes arriving are not progress."""
    server = hostile(sse_then([openai_delta("first")], keepalive_every(0.1)))
    stream = adapter(server, stream_idle_timeout_s=0.6).stream(ask(), "m")
    next(stream)
    started = time.monotonic()
    with pytest.raises(ResponseTimeout):
        next(stream)
    assert time.monotonic() - started < 3


def test_a_stream_that_never_ends_stops_at_its_total_bound(hostile: Start) -> None:
    """Events every 0.1 s forever: stream_total_timeout_s ends the stream."""

    def forever(sock: object, stop: threading.Event) -> None:
        while not stop.wait(0.1):
            if not send_all(sock, chunk(openai_delta("more")), stop):  # type: ignore[arg-type]
                return

    server = hostile(sse_then([openai_delta("first")], forever))
    started = time.monotonic()
    with pytest.raises(ResponseTimeout) as caught:
        for _ in adapter(server, stream_total_timeout_s=0.8).stream(ask(), "m"):
            pass
    assert caught.value.bound == "total"
    assert time.monotonic() - started < 3


def test_an_endless_stream_line_is_refused(hostile: Start) -> None:
    """A 'line' of 2 MB without a line break fails at the 1 MB line bound."""

    def endless(sock: object, stop: threading.Event) -> None:
        block = chunk(b"x" * 65536)
        for _ in range(40):
            if not send_all(sock, block, stop):  # type: ignore[arg-type]
                return
        stall(sock, stop)  # type: ignore[arg-type]

    server = hostile(sse_then([openai_delta("first"), b"data: "], endless))
    stream = adapter(server).stream(ask(), "m")
    next(stream)
    with pytest.raises(ResponseTooLarge) as caught:
        next(stream)
    assert caught.value.limit == 1024 * 1024


def test_many_short_data_lines_do_not_add_up_without_bound(hostile: Start) -> None:
    """One event made of endless short data: lines fails at max_body_bytes."""

    def lines(sock: object, stop: threading.Event) -> None:
        block = chunk(b"data: xxxxxxxxxxxxxxxx\n" * 4096)
        for _ in range(64):
            if not send_all(sock, block, stop):  # type: ignore[arg-type]
                return
        stall(sock, stop)  # type: ignore[arg-type]

    server = hostile(sse_then([openai_delta("first")], lines))
    stream = adapter(server, max_body_bytes=512 * 1024).stream(ask(), "m")
    next(stream)
    with pytest.raises(ResponseTooLarge):
        next(stream)


def test_the_deadline_holds_after_the_first_event(
    hostile: Start, executors: Callable[..., ReliableExecutor]
) -> None:
    """stream_chat(deadline_s=1) with a server stalled after its first event raises
    DeadlineExceeded about a second in, not when the server (or the 120 s idle bound) says."""
    executor = executors(adapter(stalled_after_first(hostile)))
    started = time.monotonic()
    stream = executor.stream_chat(ask(), "m", deadline_s=1.0)
    assert next(stream).text == "first"
    with pytest.raises(DeadlineExceeded):
        next(stream)
    assert 0.8 <= time.monotonic() - started < 3


def test_cancel_stops_a_stalled_stream_at_once(
    hostile: Start, executors: Callable[..., ReliableExecutor]
) -> None:
    """CancelToken.cancel() from another thread after the first event wakes the blocked
    read: CallCancelled within a fraction of a second."""
    executor = executors(adapter(stalled_after_first(hostile)))
    token = CancelToken()
    stream = executor.stream_chat(ask(), "m", cancel=token)
    next(stream)
    timer = threading.Timer(0.3, token.cancel)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(CallCancelled):
            next(stream)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 1.5


def test_close_stops_a_stalled_stream(
    hostile: Start, executors: Callable[..., ReliableExecutor]
) -> None:
    """executor.close() after the first event ends the stream with CallCancelled."""
    executor = executors(adapter(stalled_after_first(hostile)))
    stream = executor.stream_chat(ask(), "m")
    next(stream)
    timer = threading.Timer(0.3, executor.close)
    timer.start()
    started = time.monotonic()
    try:
        with pytest.raises(CallCancelled, match="closed"):
            next(stream)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 1.5
