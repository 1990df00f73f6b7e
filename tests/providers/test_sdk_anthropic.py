"""The official ``anthropic`` SDK against FakeProviderServer: its errors classify by status,
headers and body, and ReliableExecutor.call retries, rotates keys, falls back and truncates
through it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from helpers.ports import closed_port

anthropic = pytest.importorskip("anthropic")

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

OWN_KEY = "sk-ant-own-0000"
ROTATED_KEYS = ["sk-ant-rotated-1111", "sk-ant-rotated-2222"]
MODEL = "claude-test-model"
TOO_LONG = "prompt is too long: 212345 tokens > 200000 maximum"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback requests never go through a proxy from the environment."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def server() -> Iterator[FakeProviderServer]:
    """A fresh fake server, closed after the test."""
    with FakeProviderServer(name="anthropic-fake") as fake:
        yield fake


def _sdk_error(base_url: str) -> Exception:
    """The exception the SDK raises for the next scripted reply (SDK retries off)."""
    with (
        anthropic.Anthropic(base_url=base_url, api_key=OWN_KEY, max_retries=0) as client,
        pytest.raises(anthropic.AnthropicError) as caught,
    ):
        client.messages.create(
            model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "hi"}]
        )
    return caught.value


def _messages_fn(attempt: Attempt) -> str:
    """What ``executor.call`` runs: a client built from the attempt (base URL, rotated key),
    sending the attempt's possibly truncated request (system prompt as ``system=``)."""
    assert attempt.request is not None
    system = "\n".join(m.content for m in attempt.request.messages if m.role == "system")
    turns = [
        {"role": m.role, "content": m.content}
        for m in attempt.request.messages
        if m.role != "system"
    ]
    options: dict[str, Any] = {"system": system} if system else {}
    with anthropic.Anthropic(
        base_url=attempt.provider, api_key=attempt.api_key or OWN_KEY, max_retries=0
    ) as client:
        message = client.messages.create(
            model=attempt.model, max_tokens=256, messages=turns, **options
        )
    return "".join(block.text for block in message.content if block.type == "text")


# reply, (exception class, category, action, retry_after_ms, rule id)
CLASSIFICATION_TABLE = [
    pytest.param(
        Reply.anthropic_error(529, "overloaded_error", "Overloaded"),
        ("OverloadedError", "server_error", "retry", None, "default.server.transient-state"),
        id="529-overloaded_error",
    ),
    pytest.param(
        Reply.anthropic_error(
            429,
            "rate_limit_error",
            "Number of request tokens has exceeded your per-minute rate limit",
            headers={"retry-after": "7"},
        ),
        ("RateLimitError", "rate_limited", "retry", 7000, "default.rate.short-window"),
        id="429-rate_limit_error-retry-after",
    ),
    pytest.param(
        Reply.anthropic_error(401, "authentication_error", "invalid x-api-key"),
        ("AuthenticationError", "auth_failed", "next_provider", None, "default.auth.failed"),
        id="401-authentication_error",
    ),
    pytest.param(
        Reply.anthropic_error(400, "invalid_request_error", TOO_LONG),
        (
            "BadRequestError",
            "context_window_exceeded",
            "truncate_history",
            None,
            "default.context.overflow",
        ),
        id="400-prompt-is-too-long",
    ),
]


@pytest.mark.parametrize(
    ("reply", "expected"),
    CLASSIFICATION_TABLE,
)
def test_anthropic_sdk_errors_classify_from_status_headers_and_body(
    server: FakeProviderServer,
    reply: Reply,
    expected: tuple[str, str, str, int | None, str],
) -> None:
    """Each Anthropic SDK exception gets the builtin:default decision its response implies."""
    server.script(reply)
    error = _sdk_error(server.anthropic_base_url)
    exc_name, category, action, retry_after_ms, rule_id = expected
    assert type(error) is getattr(anthropic, exc_name)
    decision = load_rules().classify(error)
    assert (decision.category, decision.action.value, decision.retry_after_ms) == (
        category,
        action,
        retry_after_ms,
    )
    assert decision.rule_id == rule_id
    assert decision.failure.status == reply.status


def test_anthropic_connection_error_classifies_as_network_error() -> None:
    """An APIConnectionError (nothing listening on the port) is a retryable network_error."""
    error = _sdk_error(f"http://127.0.0.1:{closed_port()}")
    assert type(error) is anthropic.APIConnectionError
    decision = load_rules().classify(error)
    assert (decision.category, decision.retryable) == ("network_error", True)


def test_executor_retries_overloaded_then_succeeds(server: FakeProviderServer) -> None:
    """529 overloaded_error, then 200: the executor backs off once and returns the answer."""
    server.script(Reply.anthropic_error(529, "overloaded_error", "Overloaded"), Reply.ok("hi"))
    timing = FakeTiming()
    with ReliableExecutor(
        [("anthropic", server.anthropic_base_url)], base_backoff_ms=200, timing=timing
    ) as executor:
        text = executor.call(_messages_fn, model=MODEL, request=ChatRequest([Message.user("x")]))
    assert text == "hi"
    assert len(server.requests) == 2
    assert len(timing.sleeps) == 1


def test_executor_rotates_the_key_the_server_sees(server: FakeProviderServer) -> None:
    """429 rate_limit_error then 200: the first request carries api_keys[0], the retry
    api_keys[1]."""
    server.script(
        Reply.anthropic_error(
            429, "rate_limit_error", "rate limited", headers={"retry-after": "2"}
        ),
        Reply.ok("after rotation"),
    )
    timing = FakeTiming()
    with ReliableExecutor(
        [("anthropic", server.anthropic_base_url)], api_keys=ROTATED_KEYS, timing=timing
    ) as executor:
        text = executor.call(_messages_fn, model=MODEL, request=ChatRequest([Message.user("x")]))
    assert text == "after rotation"
    assert [request.api_key for request in server.requests] == ROTATED_KEYS
    assert timing.slept_ms == [2000]


def test_executor_moves_to_provider_b_after_one_401_on_provider_a() -> None:
    """An authentication_error from provider A: exactly one request to A, then B answers."""
    with FakeProviderServer(name="a") as server_a, FakeProviderServer(name="b") as server_b:
        server_a.script(Reply.anthropic_error(401, "authentication_error", "invalid x-api-key"))
        server_b.script(Reply.ok("from b"))
        with ReliableExecutor(
            [("a", server_a.anthropic_base_url), ("b", server_b.anthropic_base_url)],
            max_retries=3,
            timing=FakeTiming(),
        ) as executor:
            outcome = executor.call_with_outcome(
                _messages_fn, model=MODEL, request=ChatRequest([Message.user("x")])
            )
        assert (outcome.response, outcome.provider) == ("from b", "b")
        assert len(server_a.requests) == 1
        assert len(server_b.requests) == 1


def test_executor_truncates_history_after_prompt_is_too_long(server: FakeProviderServer) -> None:
    """ "prompt is too long", then a second request with fewer messages that succeeds."""
    history = [Message.system("be brief")]
    for turn in range(6):
        history += [Message.user(f"question {turn}"), Message.assistant(f"answer {turn}")]
    history.append(Message.user("final question"))
    server.script(Reply.anthropic_error(400, "invalid_request_error", TOO_LONG), Reply.ok("short"))
    with ReliableExecutor(
        [("anthropic", server.anthropic_base_url)], max_retries=0, timing=FakeTiming()
    ) as executor:
        text = executor.call(_messages_fn, model=MODEL, request=ChatRequest(history))
    assert text == "short"
    first, second = (request.json for request in server.requests)
    assert len(first["messages"]) == len(history) - 1  # the system prompt travels as system=
    assert 1 <= len(second["messages"]) < len(first["messages"])
    assert second["system"] == "be brief"
    assert second["messages"][-1] == {"role": "user", "content": "final question"}
    assert second["messages"][0]["role"] == "user"  # Anthropic requires a user turn first
