"""A loopback HTTP server that misbehaves on purpose: huge bodies, gzip bombs, slow drips,
stalled streams. ``FakeProviderServer`` answers like a provider; this one answers like an
attacker or a broken network, byte by byte, through a real socket.

Each connection reads one request (headers and a ``Content-Length`` body) and hands the
socket to ``respond(sock, stop)``; ``stop`` is set when the server closes, and every
responder must return soon after it is (the fixture joins the threads).
"""

from __future__ import annotations

import socket
import threading
import zlib
from collections.abc import Callable, Iterator

import pytest

Responder = Callable[[socket.socket, threading.Event], None]

SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
    b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
)


class HostileServer:
    """One listening socket on 127.0.0.1; ``url`` is its base URL."""

    def __init__(self, respond: Responder) -> None:
        self.respond = respond
        self.stop = threading.Event()
        self.requests = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._threads: list[threading.Thread] = []
        self._accepter = threading.Thread(target=self._accept, daemon=True)
        self._accepter.start()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    piece = conn.recv(65536)
                    if not piece:
                        return
                    data += piece
                head, _, rest = data.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                while len(rest) < length:
                    piece = conn.recv(65536)
                    if not piece:
                        return
                    rest += piece
                self.requests += 1
                self.respond(conn, self.stop)
            except OSError:
                pass  # the client hung up, which is what most of these tests provoke

    def close(self) -> None:
        """Stop accepting, wake the responders and join every thread."""
        self.stop.set()
        self._listener.close()
        self._accepter.join(5)
        for thread in self._threads:
            thread.join(5)


@pytest.fixture
def hostile() -> Iterator[Callable[[Responder], HostileServer]]:
    """Start hostile servers for a test (``hostile(respond)``); all are closed after it."""
    servers: list[HostileServer] = []

    def start(respond: Responder) -> HostileServer:
        server = HostileServer(respond)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def send_all(sock: socket.socket, data: bytes, stop: threading.Event) -> bool:
    """Send ``data``; False when the client went away or the server is closing."""
    if stop.is_set():
        return False
    try:
        sock.sendall(data)
    except OSError:
        return False
    return True


def chunk(data: bytes) -> bytes:
    """``data`` as one HTTP/1.1 chunk."""
    return b"%x\r\n%s\r\n" % (len(data), data)


def huge_body(total: int, *, status: int = 200, declare_length: bool = True) -> Responder:
    """``total`` bytes of JSON-looking filler, announced by Content-Length or chunked."""

    def respond(sock: socket.socket, stop: threading.Event) -> None:
        framing = (
            f"Content-Length: {total}\r\n" if declare_length else "Transfer-Encoding: chunked\r\n"
        )
        head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{framing}\r\n"
        if not send_all(sock, head.encode(), stop):
            return
        block = b'{"a":"' + b"x" * (1024 * 1024 - 8) + b'"}'
        sent = 0
        while sent < total:
            piece = block[: total - sent]
            if not send_all(sock, piece if declare_length else chunk(piece), stop):
                return
            sent += len(piece)
        if not declare_length:
            send_all(sock, b"0\r\n\r\n", stop)

    return respond


def gzip_bomb(expanded: int) -> bytes:
    """A gzip body that expands to ``expanded`` zero bytes (concatenated gzip members of
    16 MiB each, which is valid gzip): about 1 KB per MiB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip member
    zeros = bytes(1024 * 1024)  # compressed a MiB at a time: building it stays small
    member = b"".join(packer.compress(zeros) for _ in range(16)) + packer.flush()
    return member * max(1, expanded // (16 * 1024 * 1024))


def gzip_body(payload: bytes, *, status: int = 200) -> Responder:
    """``payload`` sent with ``Content-Encoding: gzip`` (already compressed)."""

    def respond(sock: socket.socket, stop: threading.Event) -> None:
        head = (
            f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
            f"Content-Encoding: gzip\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        send_all(sock, head.encode() + payload, stop)

    return respond


def slow_drip(every_s: float, *, status: int = 200) -> Responder:
    """Headers, then one byte of a never-ending body every ``every_s`` seconds."""

    def respond(sock: socket.socket, stop: threading.Event) -> None:
        # No Content-Length: the body ends when the connection does (never, here).
        head = (
            f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
            "Connection: close\r\n\r\n"
        )
        if not send_all(sock, head.encode() + b"{", stop):
            return
        while not stop.wait(every_s):
            if not send_all(sock, b" ", stop):
                return

    return respond


def sse_then(events: list[bytes], after: Responder) -> Responder:
    """A chunked event stream: ``events`` (each one SSE message, sent as one chunk), then
    ``after`` (stall, drip keep-alives, ...)."""

    def respond(sock: socket.socket, stop: threading.Event) -> None:
        if not send_all(sock, SSE_HEAD, stop):
            return
        for event in events:
            if not send_all(sock, chunk(event), stop):
                return
        after(sock, stop)

    return respond


def stall(sock: socket.socket, stop: threading.Event) -> None:
    """Send nothing more until the server closes."""
    stop.wait(60)


def keepalive_every(every_s: float) -> Responder:
    """Send an SSE comment (not an event) every ``every_s`` seconds, forever."""

    def after(sock: socket.socket, stop: threading.Event) -> None:
        while not stop.wait(every_s):
            if not send_all(sock, chunk(b": keep-alive\n\n"), stop):
                return

    return after


def openai_delta(text: str) -> bytes:
    """One OpenAI chat.completion.chunk event carrying ``text``."""
    return (
        b'data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,'
        b'"delta":{"content":"' + text.encode() + b'"},"finish_reason":null}]}\n\n'
    )
