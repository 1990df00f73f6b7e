"""Helpers shared by tests that write rule files."""

from __future__ import annotations

import textwrap
from pathlib import Path


def write_rules(path: Path, body: str) -> Path:
    """Write a v1 rule file (the header is added) and return its path."""
    path.write_text(
        "format: reliable-rules/v1\n" + textwrap.dedent(body).lstrip("\n"), encoding="utf-8"
    )
    return path
