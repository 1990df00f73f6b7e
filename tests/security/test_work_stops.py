"""Work stops when the caller stops (issue 13, item 9; issue 14, item 6): a timed-out HTTP
attempt closes its connection, a queued call whose caller gave up is never sent, close() is
bounded overall, and time-bounded HTTP attempts need no worker thread."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable

from helpers.hostile_server import HostileServer, Responder, send_all

from reliable_rules import AllProvidersFailed, Attempt, ChatRequest, Message, ReliableExecutor
from reliable_rules.errors import AttemptTimeout
from reliable_rules.executor.timing import SystemTiming
from reliable_rules.executor.workers import WorkerPool
from reliable_rules.providers import OpenAICompatible

Start = Callable[[Responder], HostileServer]


def ask() -> ChatRequest:
    return ChatRequest([Message.user("hi")])


def dripping(hung_up: threading.Event) -> Responder:
    """A never-ending body, one byte every 50 ms; ``hung_up`` is set when the client closes."""

    def respond(sock: socket.socket, stop: threading.Event) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"
        if not send_all(sock, head, stop):
            hung_up.set()
            return
        while not stop.wait(0.05):
            if not send_all(sock, b" ", stop):
                hung_up.set()
                return

    return respond


def executor_for(server: HostileServer, **options: object) -> ReliableExecutor:
    adapter = OpenAICompatible(server.url + "/v1", api_key="sk-test", timeout=30)
    return ReliableExecutor(
        [("hostile", adapter)], max_retries=0, timing=SystemTiming(), **options  # type: ignore[arg-type]
    )


def test_a_timed_out_http_attempt_closes_its_connection(hostile: Start) -> None:
    """attempt_timeout_s ends the download itself: the server sees the client hang up within
    a second of the timeout, and the attempt is classified as a timeout."""
    hung_up = threading.Event()
    server = hostile(dripping(hung_up))
    with executor_for(server, attempt_timeout_s=0.5) as executor:
        started = time.monotonic()
        try:
            executor.chat(ask(), "m")
        except AllProvidersFailed as failed:
            record = failed.attempts[0]
        else:
            raise AssertionError("the drip cannot succeed")
        assert time.monotonic() - started < 2
        assert record.decision is not None
        assert record.decision.category == "timeout"
        assert isinstance(record.error, AttemptTimeout)
        assert hung_up.wait(2), "the client kept downloading after the attempt timed out"


def test_a_callable_using_the_attempts_provider_is_stopped_too(hostile: Start) -> None:
    """executor.call(fn) runs fn on a worker; when its attempt times out, the guarded provider
    fn was handed closes its response, so the worker stops downloading."""
    hung_up = threading.Event()
    server = hostile(dripping(hung_up))

    def fn(attempt: Attempt) -> str:
        return str(attempt.provider.chat(ask(), attempt.model).text)

    with executor_for(server, attempt_timeout_s=0.5) as executor:
        with contextlib.suppress(AllProvidersFailed):
            executor.call(fn, model="m")
        assert hung_up.wait(2), "the worker kept downloading after the attempt timed out"


def test_queued_work_whose_caller_gave_up_never_runs() -> None:
    """With every worker busy, a call that times out while queued is dropped: its callable
    is never run (never sent) after its caller gave up."""
    release = threading.Event()
    ran: list[str] = []

    def blocker(attempt: Attempt) -> str:
        release.wait(5)
        return "late"

    def queued(attempt: Attempt) -> str:
        ran.append("queued")
        return "sent"

    executor = ReliableExecutor(
        [("p", object())], max_retries=0, attempt_timeout_s=0.3, max_workers=1,
        timing=SystemTiming(),
    )
    try:
        first = threading.Thread(target=lambda: _swallow(executor, blocker))
        first.start()
        time.sleep(0.05)
        _swallow(executor, queued)  # queued behind blocker, times out there
        release.set()
        first.join(5)
        time.sleep(0.2)  # the freed worker would pick the queued task up now
        assert ran == []
    finally:
        release.set()
        executor.close()


def _swallow(executor: ReliableExecutor, fn: Callable[[Attempt], str]) -> None:
    with contextlib.suppress(AllProvidersFailed):
        executor.call(fn, model="m")


def test_pool_close_is_bounded_overall() -> None:
    """close(timeout_s=0.5) with four stuck workers returns in about 0.5 s, not 4 x 0.5 s."""
    release = threading.Event()
    pool = WorkerPool(4)
    for _ in range(4):
        pool.submit(lambda: release.wait(10), threading.Event())
    time.sleep(0.1)
    started = time.monotonic()
    try:
        assert pool.close(0.5) is False
        assert time.monotonic() - started < 0.9
    finally:
        release.set()


def test_time_bounded_http_attempts_start_no_worker(hostile: Start) -> None:
    """A successful chat with attempt_timeout_s runs on the caller's thread: no worker."""
    body = (
        b'{"id":"c","object":"chat.completion","model":"m","choices":[{"index":0,'
        b'"message":{"role":"assistant","content":"fine"},"finish_reason":"stop"}]}'
    )

    def ok(sock: socket.socket, stop: threading.Event) -> None:
        send_all(sock, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n%s" % (len(body), body), stop)

    server = hostile(ok)
    # Workers of an earlier test's pool may still be winding down after their release (a
    # daemon thread exits on its own time): only a worker this call starts counts.
    before = set(threading.enumerate())
    with executor_for(server, attempt_timeout_s=5.0, deadline_s=10.0) as executor:
        assert executor.chat(ask(), "m").text == "fine"
        assert executor._calls.pool is None
        started = [t for t in threading.enumerate() if t not in before]
        assert not [t for t in started if t.name.startswith("reliable-rules")]
