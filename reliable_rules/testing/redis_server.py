"""A throwaway ``redis-server`` on loopback, for tests and demos of ``RedisState``.

It runs the ``redis-server`` program found on ``PATH`` (Debian's ``redis-server`` package)
on ``127.0.0.1`` and a free port, with persistence off, and talks to it with a raw ``PING``
(no client library needed). :meth:`RedisServer.kill`, :meth:`pause` and :meth:`resume` let
a test take Redis away, or make it hang, in the middle of a run.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from types import TracebackType

__all__ = ["RedisServer", "redis_server_path"]

#: How long :meth:`RedisServer.start` waits for the first PONG.
START_TIMEOUT_S = 10.0


def redis_server_path() -> str | None:
    """The ``redis-server`` program on ``PATH`` (or Debian's ``/usr/bin`` one), or None."""
    return shutil.which("redis-server") or shutil.which("redis-server", path="/usr/bin:/usr/sbin")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
            conn.sendall(b"*1\r\n$4\r\nPING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """``redis-server --port N --bind 127.0.0.1 --save '' --appendonly no`` in a temporary
    directory, for as long as the ``with`` block (or until :meth:`stop`).

    Args:
        executable: the program; None looks for ``redis-server`` (FileNotFoundError when
            it is not installed: ``apt-get install redis-server``).
        port: the port; None picks a free one. :meth:`start` after :meth:`kill` reuses it,
            so clients reconnect to the same URL.
    """

    def __init__(self, *, executable: str | None = None, port: int | None = None) -> None:
        found = executable or redis_server_path()
        if found is None:
            raise FileNotFoundError("redis-server is not installed (apt-get install redis-server)")
        self.executable = found
        self.port = port if port is not None else _free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._dir = tempfile.TemporaryDirectory(prefix="reliable-rules-redis-")

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> RedisServer:
        """Start the server and wait until it answers PING; returns self."""
        if self.running:
            return self
        command = [
            self.executable, "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--daemonize", "no",
            "--dir", self._dir.name, "--loglevel", "warning",
        ]
        self._process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _pong(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not start on 127.0.0.1:{self.port}")
            time.sleep(0.01)
        return self

    def kill(self) -> None:
        """SIGKILL the server (Redis gone mid-run); :meth:`start` brings it back, empty."""
        process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGCONT)  # a paused server must not linger
            process.kill()
            process.wait()

    def pause(self) -> None:
        """SIGSTOP the server: connections stay open and commands hang (a slow Redis)."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT a paused server."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 5 s); safe to call more than once."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def close(self) -> None:
        """Stop the server and remove its directory."""
        self.stop()
        with contextlib.suppress(OSError):
            self._dir.cleanup()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RedisServer(127.0.0.1:{self.port}, {'running' if self.running else 'stopped'})"
