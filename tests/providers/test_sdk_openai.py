"""The official ``openai`` SDK against FakeProviderServer: its errors classify by status, headers
and body, and ReliableExecutor.call retries, rotates keys, falls back and truncates through it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.ports import closed_port

openai = pytest.importorskip("openai")

from reliable_rules import (  # noqa: E402 — the SDK must be importable before anything else
    Attempt,
    ChatRequest,
    Message,
    ReliableExecutor,
    load_rules,
)
from reliable_rules.testing import (  # noqa: E402 — same reason as above
    FakeProviderServer,
    FakeTiming,
    Reply,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
OWN_KEY = "sk-own-key-0000"
ROTATED_KEYS = ["sk-rotated-1111", "sk-rotated-2222"]
MODEL = "gpt-4o"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback requests never go through a proxy from the environment."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def server() -> Iterator[FakeProviderServer]:
    """A fresh fake server, closed after the test."""
    with FakeProviderServer(name="openai-fake") as fake:
        yield fake


def _create(base_url: str, *, api_key: str = OWN_KEY, timeout: float = 10.0) -> Any:
    """One chat completion through a real SDK client with the SDK's own retries off."""
    with openai.OpenAI(
        base_url=base_url, api_key=api_key, max_retries=0, timeout=timeout
    ) as client:
        return client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "hi"}]
        )


def _sdk_error(base_url: str, **options: Any) -> Exception:
    """The exception the SDK raises for the next scripted reply."""
    with pytest.raises(openai.OpenAIError) as caught:
        _create(base_url, **options)
    return caught.value


def _chat_fn(attempt: Attempt) -> str:
    """What ``executor.call`` runs: a client built from the attempt (base URL, rotated key),
    sending the attempt's possibly truncated request."""
    assert attempt.request is not None
    messages = [{"role": m.role, "content": m.content} for m in attempt.request.messages]
    with openai.OpenAI(
        base_url=attempt.provider, api_key=attempt.api_key or OWN_KEY, max_retries=0
    ) as client:
        completion = client.chat.completions.create(model=attempt.model, messages=messages)
    text: str = completion.choices[0].message.content or ""
    return text


def _ask(text: str = "hello") -> ChatRequest:
    return ChatRequest([Message.user(text)])


QUOTA_MESSAGE = "You exceeded your current quota, please check your plan and billing details."
CONTEXT_MESSAGE = (
    "This model's maximum context length is 128000 tokens. However, your messages resulted "
    "in 210000 tokens. Please reduce the length of the messages."
)

# reply, (exception class, category, action, retry_after_ms, rule id)
CLASSIFICATION_TABLE = [
    pytest.param(
        Reply.openai_error(
            429,
            "Rate limit reached for gpt-4o on requests per min (RPM): Limit 3, Used 3.",
            code="rate_limit_exceeded",
            headers={"retry-after-ms": "1500"},
        ),
        ("RateLimitError", "rate_limited", "retry", 1500, "default.rate.short-window"),
        id="429-rate_limit_exceeded-retry-after-ms",
    ),
    pytest.param(
        Reply.openai_error(
            429, QUOTA_MESSAGE, type="insufficient_quota", code="insufficient_quota"
        ),
        (
            "RateLimitError",
            "quota_exhausted",
            "next_provider",
            None,
            "default.quota.billing",
        ),
        id="429-insufficient_quota",
    ),
    pytest.param(
        Reply.openai_error(401, "Incorrect API key provided: sk-own.", code="invalid_api_key"),
        ("AuthenticationError", "auth_failed", "next_provider", None, "default.auth.failed"),
        id="401-invalid_api_key",
    ),
    pytest.param(
        # The seed called every typed 404 client_error; builtin:default reads the body.
        Reply.openai_error(
            404,
            "The model `gpt-5-turbo` does not exist or you do not have access to it.",
            type="invalid_request_error",
            code="model_not_found",
        ),
        (
            "NotFoundError",
            "model_not_found",
            "next_provider",
            None,
            "default.model.unavailable",
        ),
        id="404-model_not_found",
    ),
    pytest.param(
        Reply.openai_error(400, CONTEXT_MESSAGE, code="context_length_exceeded", param="messages"),
        (
            "BadRequestError",
            "context_window_exceeded",
            "truncate_history",
            None,
            "default.context.overflow",
        ),
        id="400-context_length_exceeded",
    ),
    pytest.param(
        Reply.openai_error(500, "The server had an error while processing your request."),
        ("InternalServerError", "server_error", "retry", None, "seed.status.server-error"),
        id="500-server_error",
    ),
]


@pytest.mark.parametrize(
    ("reply", "expected"),
    CLASSIFICATION_TABLE,
)
def test_openai_sdk_errors_classify_from_status_headers_and_body(
    server: FakeProviderServer,
    reply: Reply,
    expected: tuple[str, str, str, int | None, str],
) -> None:
    """Each OpenAI SDK exception gets the builtin:default decision its status/headers/body imply."""
    server.script(reply)
    error = _sdk_error(server.openai_base_url)
    exc_name, category, action, retry_after_ms, rule_id = expected
    assert type(error) is getattr(openai, exc_name)
    decision = load_rules().classify(error)
    assert (decision.category, decision.action.value, decision.retry_after_ms) == (
        category,
        action,
        retry_after_ms,
    )
    assert decision.rule_id == rule_id
    assert decision.failure.status == reply.status


def test_openai_connection_error_classifies_as_network_error() -> None:
    """An APIConnectionError (nothing listening on the port) is a retryable network_error."""
    error = _sdk_error(f"http://127.0.0.1:{closed_port()}/v1")
    assert type(error) is openai.APIConnectionError
    decision = load_rules().classify(error)
    assert (decision.category, decision.retryable) == ("network_error", True)


def test_openai_timeout_classifies_as_timeout(server: FakeProviderServer) -> None:
    """An APITimeoutError (a slow reply and a small client timeout) is a retryable timeout."""
    server.script(Reply.hang(10))
    error = _sdk_error(server.openai_base_url, timeout=0.3)
    assert type(error) is openai.APITimeoutError
    decision = load_rules().classify(error)
    assert (decision.category, decision.retryable) == ("timeout", True)


def test_executor_retries_a_429_and_the_rotated_key_reaches_the_server(
    server: FakeProviderServer,
) -> None:
    """429 then 200: api_keys[0] first (never the own key), one retry after Retry-After with
    api_keys[1]."""
    server.script(
        Reply.openai_error(
            429, "Rate limit reached", code="rate_limit_exceeded", headers={"retry-after-ms": "800"}
        ),
        Reply.ok("recovered"),
    )
    timing = FakeTiming()
    with ReliableExecutor(
        [("openai", server.openai_base_url)], api_keys=ROTATED_KEYS, timing=timing
    ) as executor:
        text = executor.call(_chat_fn, model=MODEL, request=_ask())
    assert text == "recovered"
    assert [request.api_key for request in server.requests] == ROTATED_KEYS
    assert timing.slept_ms == [800]


def test_executor_moves_to_provider_b_after_one_401_on_provider_a() -> None:
    """A 401 from provider A is not retried: exactly one request to A, then B answers."""
    with FakeProviderServer(name="a") as server_a, FakeProviderServer(name="b") as server_b:
        server_a.script(
            Reply.openai_error(401, "Incorrect API key provided", code="invalid_api_key")
        )
        server_b.script(Reply.ok("from b"))
        with ReliableExecutor(
            [("a", server_a.openai_base_url), ("b", server_b.openai_base_url)],
            max_retries=3,
            timing=FakeTiming(),
        ) as executor:
            outcome = executor.call_with_outcome(_chat_fn, model=MODEL, request=_ask())
        assert (outcome.response, outcome.provider) == ("from b", "b")
        assert len(server_a.requests) == 1
        assert len(server_b.requests) == 1


def test_executor_truncates_history_after_context_overflow(server: FakeProviderServer) -> None:
    """context_length_exceeded, then a second request with fewer messages that succeeds."""
    history = [Message.system("be brief")]
    for turn in range(8):
        history += [Message.user(f"question {turn}"), Message.assistant(f"answer {turn}")]
    history.append(Message.user("final question"))
    server.script(
        Reply.openai_error(400, CONTEXT_MESSAGE, code="context_length_exceeded"),
        Reply.ok("short answer"),
    )
    with ReliableExecutor(
        [("openai", server.openai_base_url)], max_retries=0, timing=FakeTiming()
    ) as executor:
        text = executor.call(_chat_fn, model=MODEL, request=ChatRequest(history))
    assert text == "short answer"
    first, second = (request.json["messages"] for request in server.requests)
    assert len(first) == len(history)
    assert 1 < len(second) < len(first)
    assert second[0] == {"role": "system", "content": "be brief"}
    assert second[-1] == {"role": "user", "content": "final question"}


@pytest.mark.slow
def test_official_sdks_example_runs() -> None:
    """examples/official_sdks.py exits 0, prints its key lines, and nothing on stderr."""
    pytest.importorskip("anthropic")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "NO_PROXY": "127.0.0.1,localhost"}
    env.pop("RELIABLE_RULES_DEBUG", None)
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "examples" / "official_sdks.py")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROJECT_ROOT,
        env=env,
        encoding="utf-8",
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    for line in (
        "openai: 'Paris.' after 2 attempts; keys the server saw: ['...1111', '...2222']",
        "anthropic: rate_limit_error -> rate_limited (default.rate.throttled), "
        "retry after 1000 ms",
        "fallback: 'Bonjour.' from openai-backup after anthropic said auth_failed; "
        "requests to anthropic: 1",
    ):
        assert line in result.stdout
