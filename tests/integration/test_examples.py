"""The scripts in examples/ run on their own, exit 0 and print what they demonstrate."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reliable_rules.testing.redis_server import redis_server_path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = PROJECT_ROOT / "examples"

EXPECTED: dict[str, list[str]] = {
    "metrics.py": [
        "answer: 'Paris.'",
        "  span chat gpt-4o-mini (CLIENT): primary attempt 1: server_error "
        "(default.server.transient-state) -> retry [status_code=503]",
        "  span chat gpt-4o-mini (CLIENT): backup attempt 1: rate_limited "
        "(default.rate.throttled) -> retry [status_code=429, retry_after_ms=1000]",
        "  span chat gpt-4o-mini (CLIENT): backup attempt 2: ok -> success",
        "span reliable_rules.call (INTERNAL): outcome=success attempts=4 "
        "answered_by=backup/gpt-4o-mini events=['reliable_rules.retry', "
        "'reliable_rules.fallback', 'reliable_rules.retry']",
        'reliable_rules_attempts_total{action="give_up",category="server_error",'
        'model="gpt-4o-mini",outcome="failure",provider="primary"} 1.0',
        'reliable_rules_fallbacks_total{category="server_error",model="gpt-4o-mini",'
        'provider="primary"} 1.0',
        'reliable_rules_call_duration_seconds_count{model="gpt-4o-mini",operation="chat",'
        'outcome="success"} 1.0',
    ],
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
        "openai: 'Paris.' after 2 attempts; keys the server saw: ['...1111', '...2222']",
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
    "fleet.py": [
        "worker 0 meets a 429 with Retry-After: 30:",
        "  worker-0: no skip; tried primary rate_limited -> cool_down, backup ok -> success",
        *["  worker-3: skipped primary (cooling down); tried backup ok -> success"] * 2,
        "requests: primary 1, backup 7",
        "4 workers at once, each a ~500-token prompt to metered, RateBudget(tokens=2000) a "
        "minute:",
        "metered answered 3 of 4 calls, 1578 tokens of its 2000 a minute",
        "worker 0's answer from limited says 0 requests left, reset in 20s:",
        "  worker-0: no skip; tried limited ok -> success",
        "  worker-3: skipped limited (learned: 0 requests left until its reset); tried backup "
        "ok -> success",
        "requests: limited 1",
        "redis-server killed; worker 1 calls again:",
        "  worker-1: no skip; tried primary ok -> success",
        "  worker-1: answered in under 100 ms; local state: True",
    ],
    "wrap_any_function.py": [
        "  attempt 1 failed: HTTP 503 server_error (seed.status.server-error); retry 2 in 50 ms",
        "  attempt 2 failed: HTTP 503 server_error (seed.status.server-error); retry 3 in 100 ms",
        "  result: {'status': 'ok'}",
        "  attempt 1 failed: HTTP 429 rate_limited (default.rate.throttled); retry 2 in 50 ms "
        "with key ...2222",
        "  result: {'items': 3}",
        "  keys the server saw: ['...1111', '...2222']",
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
    if name == "fleet.py" and redis_server_path() is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
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
    if name == "fleet.py":
        # Which worker finds the token budget full depends on who reaches Redis first.
        refused = [line for line in lines if line.endswith("gave up at its deadline, nothing sent")]
        assert len(refused) == 1, lines
