"""The scripts in examples/ run on their own, exit 0 and print what they demonstrate."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = PROJECT_ROOT / "examples"

EXPECTED: dict[str, list[str]] = {
    "openai_compatible_fallback.py": [
        "answer: 'Paris.' from primary/gpt-4o-mini",
        "  primary/gpt-4o 1/2: server_error (default.server.transient-state) -> retry",
        "  primary/gpt-4o 2/2: server_error (default.server.transient-state) -> give_up",
        "  backup/gpt-4o 1/2: model_not_found (default.model.unavailable) -> next_provider",
        "  primary/gpt-4o-mini 1/2: ok -> success",
        "fallback: requested primary/gpt-4o, answered by primary/gpt-4o-mini after 4 attempts",
        "take_last_provider_fallback() in the scope: FallbackInfo(requested_provider='primary', "
        "requested_model='gpt-4o', actual_provider='primary', actual_model='gpt-4o-mini', "
        "attempts=4, history_truncated=False, format_switched=False)",
        "a second take: None",
    ],
    "converge_profile.py": [
        "  primary attempt 1/2: format_mismatch (converge.format-mismatch) -> switch_format",
        "  primary attempt 2/2: success -> success",
        "  parsed: {'city': 'Paris', 'country': 'France'}",
        "  response_format in the two request bodies: [None, {'type': 'json_object'}]",
        "  primary attempt 1/1: auth_failed (default.auth.failed) -> abort",
        "  aborted by: auth_failed (default.auth.failed)",
        "  requests the backup received: 0",
    ],
    "official_sdks.py": [
        "openai: 'Paris.' after 2 attempts; keys the server saw: ['...0000', '...1111']",
        "anthropic: rate_limit_error -> rate_limited (default.rate.throttled), "
        "retry after 1000 ms",
        "fallback: 'Bonjour.' from openai-backup after anthropic said auth_failed; "
        "requests to anthropic: 1",
    ],
    "requests_rules_retry.py": [
        "503 then 200: status 200 after 2 requests",
        "  waiting 30.0 s (Retry-After, per the policy)",
        "quota 429: status 429 after 1 request",
        "  body still readable: error code 1113",
    ],
    "wrap_any_function.py": [
        "  attempt 1 failed: HTTP 503 server_error (seed.status.server-error); retry 2 in 50 ms",
        "  attempt 2 failed: HTTP 503 server_error (seed.status.server-error); retry 3 in 100 ms",
        "  result: {'status': 'ok'}",
        "  attempt 1 failed: HTTP 429 rate_limited (default.rate.throttled); retry 2 in 50 ms "
        "with key ...1111",
        "  result: {'items': 3}",
        "  keys the server saw: ['...0000', '...1111']",
    ],
}


def test_every_example_is_tested_and_documented() -> None:
    """Each examples/*.py has expected output here and a paragraph in examples/README.md."""
    scripts = sorted(path.name for path in EXAMPLES.glob("*.py"))
    assert scripts == sorted(EXPECTED)
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for name in scripts:
        assert f"**`{name}`**" in readme


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs(name: str) -> None:
    """The example exits 0 within 30 s, prints its key lines, and nothing on stderr."""
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), NO_PROXY="127.0.0.1,localhost")
    env.pop("RELIABLE_RULES_DEBUG", None)
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    for expected in EXPECTED[name]:
        assert expected in lines
