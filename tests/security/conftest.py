"""Fixtures of the hostile-input tests: the misbehaving loopback server."""

from __future__ import annotations

from helpers.hostile_server import hostile

__all__ = ["hostile"]
