"""Ways to make a cache entry untrustworthy without touching its bytes, shared by the tests
of every on-disk cache (parsed files, compiled code, whole rule sets)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

TRUST_TAMPERS = ("group-writable", "shared directory", "symlink", "foreign owner")


def break_trust(entry: Path, tamper: str) -> None:
    """Apply one of TRUST_TAMPERS to ``entry`` (skips the test where it needs root)."""
    if tamper == "group-writable":
        entry.chmod(0o660)
    elif tamper == "shared directory":
        entry.parent.chmod(0o777)
    elif tamper == "symlink":
        target = entry.with_suffix(".real")
        entry.rename(target)
        entry.symlink_to(target)
    elif tamper == "foreign owner":
        if os.getuid() != 0:
            pytest.skip("changing a file's owner needs root")
        os.chown(entry, 65534, 65534)
    else:
        raise ValueError(f"unknown tamper {tamper!r}")
