"""Bounded reading of HTTP answers: size limits, time budgets and cancellation.

The adapters never let ``requests`` read a body on its own: a hostile or broken server could
send 300 MB, a gzip bomb, or one byte every few hundred milliseconds forever. Bodies are read
here, in chunks, from the ``http.client`` response under ``requests``/``urllib3`` (the same
object in urllib3 1.26 and 2.x), decompressed here with a bound on the output of every step,
and every read waits at most until the earliest deadline of the call's :class:`Guard`.

This module is a leaf: it raises its own small exceptions (:class:`Stopped`,
:class:`TooLarge`, :class:`Broken`) that :mod:`reliable_rules.providers.base` turns into the
library's typed errors.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
import zlib
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

_T = TypeVar("_T")

__all__ = [
    "DEFAULT_LIMITS",
    "Broken",
    "Guard",
    "GuardedStream",
    "Limits",
    "LineTooLong",
    "Stopped",
    "TooLarge",
    "read_body",
    "read_chunks",
]

#: How much one read asks for, and the most one decompression step may produce.
CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """What an adapter lets one call cost (change it with ``adapter.with_limits(...)``).

    ``None`` turns a bound off; do that only on purpose.

    Attributes:
        max_body_bytes: the most a 2xx answer may hold, after decompression (10 MB).
        max_error_body_bytes: how much of a non-2xx body is kept for classification and
            trails; the rest is not read (64 KB).
        total_timeout_s: the whole of a non-streamed call, from sending the request to the
            last byte of the answer (600 s, the OpenAI and Anthropic SDKs' default).
        stream_idle_timeout_s: the longest wait for the next event of a stream, keep-alive
            comments not counting as events (120 s).
        stream_total_timeout_s: the whole of a streamed call (3,600 s).
        max_sse_line_bytes: the longest line of a server-sent event stream (1 MB).
    """

    max_body_bytes: int | None = 10 * 1024 * 1024
    max_error_body_bytes: int = 64 * 1024
    total_timeout_s: float | None = 600.0
    stream_idle_timeout_s: float | None = 120.0
    stream_total_timeout_s: float | None = 3600.0
    max_sse_line_bytes: int | None = 1024 * 1024

    def __post_init__(self) -> None:
        for name in ("total_timeout_s", "stream_idle_timeout_s", "stream_total_timeout_s"):
            value = getattr(self, name)
            if value is not None and not (
                isinstance(value, int | float) and not isinstance(value, bool) and value > 0
            ):
                raise ValueError(f"{name} must be a positive number of seconds or None")
        for name in ("max_body_bytes", "max_error_body_bytes", "max_sse_line_bytes"):
            value = getattr(self, name)
            if value is None and name == "max_error_body_bytes":
                raise ValueError("max_error_body_bytes must be a positive int")
            if value is not None and not (
                isinstance(value, int) and not isinstance(value, bool) and value > 0
            ):
                raise ValueError(f"{name} must be a positive int or None")


DEFAULT_LIMITS = Limits()


class Stopped(Exception):
    """The guard stopped the read: ``reason`` is the deadline that passed or ``cancelled``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TooLarge(Exception):
    """The body (or one line of a stream) went past ``limit`` bytes."""

    def __init__(self, what: str, limit: int) -> None:
        super().__init__(f"{what} exceeds {limit:,} bytes")
        self.what = what
        self.limit = limit


class LineTooLong(TooLarge):
    """A line of ``iter_text_lines`` went past its ``max_line_chars``."""

    def __init__(self, limit: int) -> None:
        super().__init__("a stream line", limit)


class Broken(Exception):
    """The connection broke or the body was cut short while reading (``__cause__`` says how)."""


class Guard:
    """The deadlines and the cancel switch of one call.

    Named deadlines (monotonic seconds) bound every read; the earliest one that passes
    becomes :attr:`reason`. :meth:`cancel`, from any thread, sets the reason and shuts the
    socket of the response being read, which wakes a read blocked in another thread. While
    the request waits for the response headers no socket is known yet: that wait is bounded
    by the read timeout cut to the earliest deadline (see :meth:`wait_s`).
    """

    __slots__ = ("_deadlines", "_lock", "_sock", "reason")

    def __init__(self) -> None:
        self._deadlines: dict[str, float] = {}
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self.reason: str | None = None

    def set_deadline(self, name: str, when: float | None) -> None:
        """Bound the call at monotonic time ``when`` (None removes the bound ``name``)."""
        with self._lock:
            if when is None:
                self._deadlines.pop(name, None)
            else:
                self._deadlines[name] = when

    def deadline(self, name: str) -> float | None:
        """The bound called ``name``, if set."""
        return self._deadlines.get(name)

    def cancel(self, reason: str = "cancelled") -> None:
        """Stop the call: the next read (or the one blocked now) ends with :class:`Stopped`."""
        with self._lock:
            if self.reason is None:
                self.reason = reason
            sock = self._sock
        if sock is not None:
            _shutdown(sock)

    def check(self) -> None:
        """Raise :class:`Stopped` if the call was cancelled or a deadline has passed."""
        if self.reason is None and self._deadlines:
            now = time.monotonic()
            with self._lock:
                passed = [(when, name) for name, when in self._deadlines.items() if now >= when]
                if passed and self.reason is None:
                    self.reason = min(passed)[1]
        if self.reason is not None:
            raise Stopped(self.reason)

    def wait_s(self, read_timeout: float | None) -> float | None:
        """How long the next blocking read may wait: ``read_timeout`` cut to the earliest
        deadline (at least a millisecond, so a passed deadline shows as a timeout)."""
        if not self._deadlines:
            return read_timeout
        left = min(self._deadlines.values()) - time.monotonic()
        left = max(left, 0.001)
        return left if read_timeout is None else min(read_timeout, left)

    def attach(self, response: Any) -> None:
        """Make :meth:`cancel` shut the socket under ``response`` (a ``requests.Response``)."""
        sock = _socket_of(response)
        with self._lock:
            self._sock = sock
            cancelled = self.reason == "cancelled"
        if cancelled and sock is not None:
            _shutdown(sock)

    def detach(self) -> None:
        """Forget the socket (the response is done with)."""
        with self._lock:
            self._sock = None

    @property
    def sock(self) -> socket.socket | None:
        """The socket being read, when one was found."""
        return self._sock


class GuardedStream(Iterator[_T]):
    """A stream's events with the :class:`Guard` that bounds it (``guard``), so the executor
    can extend its deadline past the first event and cancel it, and the rate-limit headers
    of its response (``rate_limit_headers``: empty until the response opens, on the first
    ``next()``), which the executor's rate budgets learn from."""

    __slots__ = ("_events", "guard", "rate_limit_headers")

    def __init__(
        self,
        events: Generator[_T, None, None],
        guard: Guard,
        rate_limit_headers: Mapping[str, str] | None = None,
    ) -> None:
        self._events = events
        self.guard = guard
        self.rate_limit_headers: Mapping[str, str] = (
            {} if rate_limit_headers is None else rate_limit_headers
        )

    def __iter__(self) -> GuardedStream[_T]:
        return self

    def __next__(self) -> _T:
        return next(self._events)

    def close(self) -> None:
        """Stop the stream and close its response."""
        self._events.close()


def _shutdown(sock: socket.socket) -> None:
    # Already closed or never connected: nothing left to wake.
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _socket_of(response: Any) -> socket.socket | None:
    """The socket a streamed ``requests.Response`` reads from, or None (a mocked response)."""
    raw = getattr(response, "raw", None)
    connection = getattr(raw, "_connection", None)
    sock = getattr(connection, "sock", None)
    if isinstance(sock, socket.socket):
        return sock
    fp = getattr(getattr(raw, "_fp", None), "fp", None)
    sock = getattr(getattr(fp, "raw", None), "_sock", None)
    return sock if isinstance(sock, socket.socket) else None


def _source(response: Any) -> Any:
    """What to read raw (still encoded) bytes from: the ``http.client`` response, which has
    ``read1`` (returns what has arrived, for streams), or urllib3's response."""
    raw = getattr(response, "raw", None)
    fp = getattr(raw, "_fp", None)
    if fp is not None and hasattr(fp, "read1"):
        return fp
    return raw


def _raw_chunks(response: Any, guard: Guard, read_timeout: float | None) -> Iterator[bytes]:
    """The encoded body in chunks of at most :data:`CHUNK_BYTES`, each read waiting at most
    until the guard's earliest deadline."""
    source = _source(response)
    if source is None:
        # A response without a raw stream (built by hand): its content is all there is.
        content = getattr(response, "_content", None) or b""
        if content:
            yield bytes(content)
        return
    read = getattr(source, "read1", None) or source.read
    while True:
        if getattr(source, "length", None) == 0:
            # http.client's read1 never closes a Content-Length body it has read to the end;
            # closing it lets the connection serve the next request.
            if isinstance(source, http.client.HTTPResponse):
                source.close()
            return
        guard.check()
        sock = guard.sock
        if sock is not None:
            sock.settimeout(guard.wait_s(read_timeout))
        try:
            data = read(CHUNK_BYTES)
        except TimeoutError as error:
            guard.check()
            raise Stopped("read") from error
        except (OSError, http.client.HTTPException, ValueError) as error:
            guard.check()
            raise Broken(f"connection broken while reading the answer: {error!r}") from error
        except Exception as error:  # urllib3/requests errors from a non-http.client source
            guard.check()
            raise Broken(f"connection broken while reading the answer: {error!r}") from error
        if not data:
            guard.check()
            left = getattr(source, "length", None)
            if isinstance(left, int) and left > 0:
                raise Broken(f"answer cut short: {left:,} bytes of its Content-Length missing")
            return
        yield data


class _Inflater:
    """Decompress gzip/deflate, never producing more than :data:`CHUNK_BYTES` per step, so
    a small bomb is stopped by the size limit before it is allocated."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        # 47: gzip or zlib header, detected; raw deflate is tried if "deflate" is not zlib.
        self._obj = zlib.decompressobj(47 if encoding == "gzip" else 15)
        self._first = True

    def feed(self, data: bytes) -> Iterator[bytes]:
        while data:
            try:
                out = self._obj.decompress(data, CHUNK_BYTES)
            except zlib.error:
                if self._first and self.encoding == "deflate":
                    self._obj = zlib.decompressobj(-15)
                    self._first = False
                    continue
                raise
            self._first = False
            if out:
                yield out
            if self._obj.eof and self._obj.unused_data:
                # Another gzip member follows (concatenated gzip is valid).
                data = self._obj.unused_data
                self._obj = zlib.decompressobj(47)
            else:
                data = self._obj.unconsumed_tail


def read_chunks(
    response: Any,
    guard: Guard,
    *,
    read_timeout: float | None,
    limit: int | None,
    what: str = "answer",
) -> Iterator[bytes]:
    """The decoded body of ``response`` in chunks; :class:`TooLarge` once more than ``limit``
    decoded bytes arrived (a declared ``Content-Length`` past the limit fails before reading).

    Handles ``Content-Encoding`` gzip, deflate and identity itself, each decompression step
    bounded; any other encoding is refused with :class:`Broken` (the adapters ask for gzip and
    deflate only).
    """
    headers = getattr(response, "headers", {}) or {}
    encoding = str(headers.get("content-encoding", "") or "").strip().lower()
    declared = str(headers.get("content-length", "") or "").strip()
    identity = encoding in ("", "identity")
    if limit is not None and identity and declared.isdigit() and int(declared) > limit:
        raise TooLarge(what, limit)
    inflater = _Inflater(encoding) if encoding in ("gzip", "x-gzip", "deflate") else None
    if inflater is None and encoding not in ("", "identity"):
        raise Broken(f"unsupported Content-Encoding {encoding[:40]!r}")
    total = 0
    for raw in _raw_chunks(response, guard, read_timeout):
        pieces: Iterator[bytes] = iter((raw,)) if inflater is None else inflater.feed(raw)
        try:
            for piece in pieces:
                total += len(piece)
                if limit is not None and total > limit:
                    raise TooLarge(what, limit)
                yield piece
        except zlib.error as error:
            raise Broken(f"answer is not valid {encoding}: {error}") from error


def read_body(
    response: Any,
    guard: Guard,
    *,
    read_timeout: float | None,
    limit: int | None,
    truncate: bool = False,
) -> bytes:
    """The whole decoded body, at most ``limit`` bytes: past it, :class:`TooLarge`, or with
    ``truncate`` the first ``limit`` bytes (the rest is not read)."""
    parts: list[bytes] = []
    size = 0
    chunks = read_chunks(
        response, guard, read_timeout=read_timeout, limit=None if truncate else limit
    )
    for piece in chunks:
        if truncate and limit is not None and size + len(piece) >= limit:
            parts.append(piece[: limit - size])
            break
        parts.append(piece)
        size += len(piece)
    else:
        # Read to the end: the connection can go back to the pool instead of being closed.
        if hasattr(response, "_content_consumed"):
            response._content_consumed = True
    return b"".join(parts)
