"""A loopback port nothing listens on, for the tests of refused connections and unreachable
servers (HTTP providers, SDKs, Redis)."""

from __future__ import annotations

import socket


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: bound, read and released."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
