"""RulesRetry: a urllib3 Retry driven by the rules, exercised through real requests/urllib3."""

from __future__ import annotations

import gzip
import json
import os
import pickle
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import urllib3
from helpers.ports import closed_port
from requests.adapters import HTTPAdapter
from urllib3.util.retry import RequestHistory, Retry

from reliable_rules import load_rules
from reliable_rules.testing import FakeProviderServer, Reply
from reliable_rules.urllib3_retry import DEFAULT_ALLOWED_METHODS, RulesRetry

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PAYLOAD = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}
ZAI_QUOTA = {"error": {"code": "1113", "message": "余额不足或无可用资源包,请充值。"}}


@pytest.fixture
def server() -> Iterator[FakeProviderServer]:
    """A fake provider on loopback."""
    with FakeProviderServer() as fake:
        yield fake


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the sleeps urllib3/RulesRetry ask for instead of sleeping."""
    recorded: list[float] = []
    monkeypatch.setattr(time, "sleep", recorded.append)
    return recorded


def _session(retry: RulesRetry) -> requests.Session:
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=retry))
    return session


def _post(session: requests.Session, server: FakeProviderServer) -> requests.Response:
    return session.post(f"{server.openai_base_url}/chat/completions", json=PAYLOAD, timeout=5)


def _final_retry(response: requests.Response) -> Any:
    return response.raw.retries


def test_503_then_200_is_retried(server: FakeProviderServer, sleeps: list[float]) -> None:
    """A 503 is retried after the policy's first backoff (500 ms) and the 200 comes back."""
    server.script(Reply.openai_error(503, "overloaded"), Reply.ok(text="hello"))
    response = _post(_session(RulesRetry()), server)
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "hello"
    assert len(server.requests) == 2
    assert sleeps == [0.5]
    retry = _final_retry(response)
    assert isinstance(retry, RulesRetry)
    assert retry.last_decision is not None
    assert retry.last_decision.category == "server_error"


def test_backoff_doubles_per_policy(server: FakeProviderServer, sleeps: list[float]) -> None:
    """Consecutive failures wait the policy's doubling backoff: 500, 1000, 2000 ms."""
    server.script(*[Reply.openai_error(502, "bad gateway")] * 3, Reply.ok())
    response = _post(_session(RulesRetry(total=3)), server)
    assert response.status_code == 200
    assert sleeps == [0.5, 1.0, 2.0]


def test_retry_after_is_honoured(server: FakeProviderServer, sleeps: list[float]) -> None:
    """A 429 with Retry-After: 1 waits one second, then succeeds."""
    server.script(Reply.openai_error(429, "slow down", headers={"Retry-After": "1"}), Reply.ok())
    response = _post(_session(RulesRetry()), server)
    assert response.status_code == 200
    assert sleeps == [1.0]
    assert _final_retry(response).last_decision.category == "rate_limited"


def test_retry_after_never_below_backoff(server: FakeProviderServer, sleeps: list[float]) -> None:
    """retry-after-ms: 100 is raised to the current backoff (500 ms)."""
    server.script(
        Reply.openai_error(429, "slow down", headers={"retry-after-ms": "100"}), Reply.ok()
    )
    assert _post(_session(RulesRetry()), server).status_code == 200
    assert sleeps == [0.5]


def test_retry_after_is_capped(server: FakeProviderServer, sleeps: list[float]) -> None:
    """Retry-After: 120 is capped at the policy's retry_after_cap_ms (30 s)."""
    server.script(Reply.openai_error(429, "slow down", headers={"Retry-After": "120"}), Reply.ok())
    assert _post(_session(RulesRetry()), server).status_code == 200
    assert sleeps == [30.0]


def test_401_is_not_retried(server: FakeProviderServer, sleeps: list[float]) -> None:
    """A 401 comes back at once: the server sees one request and nothing sleeps."""
    server.script(Reply.openai_error(401, "bad key"), Reply.ok())
    response = _post(_session(RulesRetry()), server)
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "bad key"
    assert len(server.requests) == 1
    assert sleeps == []


@pytest.mark.parametrize("status", [400, 403])
def test_other_client_errors_are_not_retried(
    server: FakeProviderServer, sleeps: list[float], status: int
) -> None:
    """400 and 403 are handed back without a retry."""
    server.script(Reply.openai_error(status, "no"), Reply.ok())
    assert _post(_session(RulesRetry()), server).status_code == status
    assert len(server.requests) == 1


def test_zai_quota_429_not_retried_with_peek(
    server: FakeProviderServer, sleeps: list[float]
) -> None:
    """With peek_body, a Z.AI 1113 quota 429 is not retried and its body still reads whole."""
    server.script(Reply.error(429, body=ZAI_QUOTA), Reply.ok())
    response = _post(_session(RulesRetry(peek_body=True)), server)
    assert response.status_code == 429
    assert response.json() == ZAI_QUOTA
    assert len(server.requests) == 1
    assert sleeps == []


def test_openai_insufficient_quota_not_retried_with_peek(
    server: FakeProviderServer, sleeps: list[float]
) -> None:
    """With peek_body, an OpenAI insufficient_quota 429 is handed back at once."""
    body = {
        "error": {"message": "quota", "type": "insufficient_quota", "code": "insufficient_quota"}
    }
    server.script(Reply.error(429, body=body), Reply.ok())
    response = _post(_session(RulesRetry(peek_body=True)), server)
    assert (response.status_code, response.json()) == (429, body)
    assert len(server.requests) == 1


def test_quota_body_unseen_without_peek(server: FakeProviderServer, sleeps: list[float]) -> None:
    """requests streams bodies, so without peek_body a quota 429 is retried like any 429."""
    server.script(Reply.error(429, body=ZAI_QUOTA), Reply.ok())
    assert _post(_session(RulesRetry()), server).status_code == 200
    assert len(server.requests) == 2


def test_quota_body_seen_when_preloaded(server: FakeProviderServer, sleeps: list[float]) -> None:
    """urllib3 with preloaded content shows the body: the Z.AI quota 429 is not retried."""
    server.script(Reply.error(429, body=ZAI_QUOTA), Reply.ok())
    with urllib3.PoolManager(retries=RulesRetry()) as http:
        response = http.request(
            "POST",
            f"{server.openai_base_url}/chat/completions",
            body=json.dumps(PAYLOAD).encode(),
            headers={"Content-Type": "application/json"},
        )
    assert response.status == 429
    assert json.loads(response.data) == ZAI_QUOTA
    assert len(server.requests) == 1


def test_peeked_gzip_body_is_classified_and_kept(
    server: FakeProviderServer, sleeps: list[float]
) -> None:
    """A gzip quota body is decompressed for the rules and the caller still decodes it."""
    raw = gzip.compress(json.dumps(ZAI_QUOTA).encode())
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    server.script(Reply.error(429, body=raw, headers=headers), Reply.ok())
    response = _post(_session(RulesRetry(peek_body=True)), server)
    assert (response.status_code, response.json()) == (429, ZAI_QUOTA)
    assert len(server.requests) == 1


@pytest.mark.parametrize("status", [429, 503])
def test_x_should_retry_false_is_honoured(
    server: FakeProviderServer, sleeps: list[float], status: int
) -> None:
    """A 429 or 503 carrying x-should-retry: false is returned at once, not retried."""
    decision = load_rules().classify(status=status, headers={"x-should-retry": "false"})
    assert not decision.retryable
    server.script(
        Reply.openai_error(status, "slow down", headers={"x-should-retry": "false"}), Reply.ok()
    )
    assert _post(_session(RulesRetry()), server).status_code == status
    assert len(server.requests) == 1
    assert sleeps == []


def test_x_should_retry_true_leaves_the_rules_to_decide(
    server: FakeProviderServer, sleeps: list[float]
) -> None:
    """x-should-retry: true on a 503 changes nothing: the 503 is retried as before."""
    server.script(
        Reply.openai_error(503, "busy", headers={"x-should-retry": "true"}), Reply.ok()
    )
    assert _post(_session(RulesRetry()), server).status_code == 200
    assert len(server.requests) == 2


def test_exhausted_raises_retry_error(server: FakeProviderServer, sleeps: list[float]) -> None:
    """Four 503s against total=3 raise requests' RetryError after three retries."""
    server.script(*[Reply.openai_error(503, "down")] * 4)
    with pytest.raises(requests.exceptions.RetryError):
        _post(_session(RulesRetry(total=3)), server)
    assert len(server.requests) == 4


def test_exhausted_returns_response_without_raise_on_status(
    server: FakeProviderServer, sleeps: list[float]
) -> None:
    """With raise_on_status=False the final 503 response is returned."""
    server.script(*[Reply.openai_error(503, "down")] * 3)
    response = _post(_session(RulesRetry(total=2, raise_on_status=False)), server)
    assert response.status_code == 503
    assert len(server.requests) == 3


def test_history_records_each_attempt(server: FakeProviderServer, sleeps: list[float]) -> None:
    """history holds one RequestHistory per failed attempt, with its status."""
    server.script(
        Reply.openai_error(503, "down"),
        Reply.openai_error(429, "slow", headers={"Retry-After": "1"}),
        Reply.ok(),
    )
    response = _post(_session(RulesRetry()), server)
    retry = _final_retry(response)
    assert [h.status for h in retry.history] == [503, 429]
    assert all(isinstance(h, RequestHistory) and h.method == "POST" for h in retry.history)
    assert retry.total == 1
    assert retry.last_decision.category == "rate_limited"


def test_dropped_connection_is_retried(server: FakeProviderServer, sleeps: list[float]) -> None:
    """A connection dropped without a response is retried (POST allowed) and then succeeds."""
    server.script(Reply(drop=True), Reply.ok(text="back"))
    response = _post(_session(RulesRetry()), server)
    assert response.json()["choices"][0]["message"]["content"] == "back"
    retry = _final_retry(response)
    assert retry.history[0].error is not None
    assert retry.last_decision.category == "network_error"


def test_post_excluded_when_configured(server: FakeProviderServer, sleeps: list[float]) -> None:
    """allowed_methods=Retry.DEFAULT_ALLOWED_METHODS stops POST retries."""
    server.script(Reply.openai_error(503, "down"), Reply.ok())
    retry = RulesRetry(allowed_methods=Retry.DEFAULT_ALLOWED_METHODS)
    assert _post(_session(retry), server).status_code == 503
    assert len(server.requests) == 1


def test_connection_refused_is_retried_per_rules(sleeps: list[float]) -> None:
    """A refused connection is classified network_error, retried, and ends in ConnectionError."""
    url = f"http://127.0.0.1:{closed_port()}/v1/chat/completions"
    session = _session(RulesRetry(total=2))
    with pytest.raises(requests.exceptions.ConnectionError):
        session.post(url, json=PAYLOAD, timeout=2)
    assert sleeps == [0.5, 1.0]


def test_non_retryable_error_stops_at_once() -> None:
    """An error the rules call non-retryable raises MaxRetryError without using the counters."""
    retry = RulesRetry(total=5)
    error = urllib3.exceptions.ProxyError("407 Proxy Authentication Required", OSError("407"))
    assert not retry.classify_error(error).retryable
    with pytest.raises(urllib3.exceptions.MaxRetryError) as raised:
        retry.increment("POST", "/x", error=error)
    assert raised.value.reason is error


def test_non_2xx_below_400_and_success_never_retried() -> None:
    """is_retry is False for 2xx/3xx (the rules' fall-through would say retry)."""
    retry = RulesRetry()
    assert not retry.is_retry("POST", 200)
    assert not retry.is_retry("GET", 304)
    assert retry.is_retry("POST", 503)
    assert not retry.is_retry("POST", 401)


def test_status_forcelist_still_forces() -> None:
    """A status in status_forcelist is retried whatever the rules say."""
    assert RulesRetry(status_forcelist={401}).is_retry("POST", 401)


def test_new_keeps_rules_and_options() -> None:
    """new() carries the rule set, provider, model and options to the next Retry."""
    rules = load_rules("builtin:default")
    retry = RulesRetry(rules=rules, provider="zai", model="glm-4", peek_body=True)
    copy = retry.new(total=1)
    assert (copy.rules, copy.provider, copy.model, copy.peek_body) == (
        rules,
        "zai",
        "glm-4",
        True,
    )
    assert copy.total == 1
    assert copy.allowed_methods == DEFAULT_ALLOWED_METHODS
    assert "POST" in DEFAULT_ALLOWED_METHODS


def test_pickle_keeps_rules() -> None:
    """A pickled RulesRetry reloads its rule set by source and keeps its options."""
    retry = RulesRetry(total=4, rules="builtin:default", provider="openai", model="gpt-4o")
    clone = pickle.loads(pickle.dumps(retry))
    assert clone.rules.source == "builtin:default"
    assert (clone.total, clone.provider, clone.model) == (4, "openai", "gpt-4o")
    assert clone.is_retry("POST", 503)
    assert not clone.is_retry("POST", 401)


def test_increment_is_immutable() -> None:
    """increment returns a new Retry; the original keeps its counters and history."""
    retry = RulesRetry(total=3)
    error = urllib3.exceptions.NewConnectionError(None, "refused")  # type: ignore[arg-type]
    after = retry.increment("POST", "/x", error=error)
    assert (retry.total, retry.history, retry.last_decision) == (3, (), None)
    assert after.total == 2
    assert after.last_decision is not None
    assert after.last_decision.category == "network_error"


@pytest.mark.slow
def test_example_script_runs() -> None:
    """examples/requests_rules_retry.py exits 0 and prints its outcomes."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "examples" / "requests_rules_retry.py")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "503 then 200: status 200 after 2 requests" in result.stdout
    assert "quota 429: status 429 after 1 request" in result.stdout
