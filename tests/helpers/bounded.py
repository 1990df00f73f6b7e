"""Run a snippet in a child interpreter with a wall-clock timeout and an address-space cap."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass

_PRELUDE = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
_start = time.perf_counter()
_result = {{}}
try:
{body}
except MemoryError:
    _result["error"] = "MemoryError"
_result["seconds"] = time.perf_counter() - _start
_result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("RESULT " + json.dumps(_result))
"""


@dataclass(frozen=True)
class Outcome:
    """What the child reported (``result``), or None when it timed out or crashed."""

    result: dict[str, object] | None
    stderr: str


def run_bounded(body: str, *, timeout_s: float = 20.0, memory_mb: int = 1024) -> Outcome:
    """Run ``body`` (it fills the dict ``_result``) with at most ``timeout_s`` and ``memory_mb``."""
    code = _PRELUDE.format(limit=memory_mb * 1024 * 1024, body=textwrap.indent(body, "    "))
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Outcome(None, f"timed out after {timeout_s} s")
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return Outcome(json.loads(line[len("RESULT ") :]), done.stderr)
    return Outcome(None, done.stderr)
