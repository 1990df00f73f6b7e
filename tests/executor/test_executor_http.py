"""The executor end to end over real HTTP: the ``requests``-based adapters (OpenAICompatible,
Anthropic) inside ReliableExecutor with builtin:default, against FakeProviderServer on
127.0.0.1. Time is virtual (FakeTiming): nothing really sleeps."""

from __future__ import annotations

import json
import logging
import traceback
from pathlib import Path
from typing import Any

import pytest
import requests
from helpers.executor_rig import Rig, rig_fixture
from helpers.rulefiles import write_rules

from reliable_rules import (
    AllProvidersFailed,
    ChatRequest,
    Hooks,
    Message,
    ReliableRulesError,
)
from reliable_rules.providers import ResponseInterrupted
from reliable_rules.testing import FakeTiming, Reply

MODEL = "test-model"
LLAMACPP_OVERFLOW_BODY = {
    "error": {
        "code": 500,
        "message": "request (8968 tokens) exceeds the available context size (8448 tokens), "
        "try increasing it",
        "type": "exceed_context_size_error",
    }
}
ZAI_QUOTA_BODY = {"error": {"code": "1113", "message": "余额不足或无可用资源包,请充值。"}}
ZAI_PLAN_BODY = {"code": 1311, "message": "plan does not include glm-5"}


rig = rig_fixture(api_key="sk-test-openai-0000", timeout=5.0)


def ask(text: str = "hello") -> ChatRequest:
    """A one-message request."""
    return ChatRequest([Message.user(text)])


def long_history(turns: int = 9) -> list[Message]:
    """A system prompt then ``turns`` alternating user/assistant messages, ending on a user."""
    messages = [Message.system("system prompt")]
    for index in range(turns):
        role = Message.user if index % 2 == 0 else Message.assistant
        messages.append(role(f"message {index}"))
    return messages


def utf8_json(status: int, body: object, **options: Any) -> Reply:
    """An error reply whose JSON body is sent as raw UTF-8 (not ASCII-escaped), as Z.AI does."""
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", **options.pop("headers", {})}
    return Reply.error(status, payload, headers=headers, **options)


# ── retries and fallbacks ─────────────────────────────────────────────────────────────────


def test_retries_then_recovers_over_http(rig: Rig) -> None:
    """A 500 then a 200: the answer comes from the retry, after one backoff sleep."""
    server = rig.server("a")
    server.script(Reply.openai_error(500, "temporary"), Reply.ok("recovered"))
    timing = FakeTiming()
    executor = rig.executor([("primary", rig.openai(server))], max_retries=2, timing=timing)
    outcome = executor.execute(ask(), MODEL)
    assert outcome.response.text == "recovered"
    assert len(server.requests) == 2
    assert [record.action for record in outcome.attempts] == ["retry", "success"]
    assert outcome.attempts[0].decision is not None
    assert outcome.attempts[0].decision.category == "server_error"
    assert timing.slept_ms == [500]


def test_falls_back_to_a_second_server_after_retries_exhausted(rig: Rig) -> None:
    """The primary server gets max_retries+1 requests, then the fallback server answers."""
    primary = rig.server("primary", default=Reply.openai_error(503, "primary down"))
    fallback = rig.server("fallback")
    executor = rig.executor(
        [("primary", rig.openai(primary)), ("fallback", rig.openai(fallback))], max_retries=1
    )
    outcome = executor.execute(ask(), MODEL)
    assert outcome.response.text == "ok from fallback"
    assert outcome.provider == "fallback"
    assert (len(primary.requests), len(fallback.requests)) == (2, 1)
    assert [record.action for record in outcome.attempts] == ["retry", "give_up", "success"]
    assert outcome.fallback is not None
    assert outcome.fallback.actual_provider == "fallback"


@pytest.mark.parametrize(("status", "category"), [(503, "do_not_retry"), (429, "quota_exhausted")])
def test_x_should_retry_false_moves_on_after_one_request(
    rig: Rig, status: int, category: str
) -> None:
    """A 503 or 429 the server marks x-should-retry: false is not retried: the next provider
    answers after exactly one request to the first."""
    primary = rig.server(
        "primary",
        default=Reply.openai_error(status, "busy", headers={"x-should-retry": "false"}),
    )
    fallback = rig.server("fallback")
    executor = rig.executor(
        [("primary", rig.openai(primary)), ("fallback", rig.openai(fallback))], max_retries=3
    )
    outcome = executor.execute(ask(), MODEL)
    assert outcome.provider == "fallback"
    assert (len(primary.requests), len(fallback.requests)) == (1, 1)
    first = outcome.attempts[0]
    assert first.decision is not None
    assert (first.decision.category, first.action) == (category, "next_provider")


def test_aggregated_error_lists_both_providers_in_seed_format(rig: Rig) -> None:
    """Both servers fail: the error lists one seed-format line per attempt, in order."""
    first = rig.server("p1", default=Reply.error(500, "p1 error"))
    second = rig.server("p2", default=Reply.error(502, "p2 error"))
    executor = rig.executor([("p1", rig.openai(first)), ("p2", rig.openai(second))], max_retries=0)
    with pytest.raises(AllProvidersFailed) as caught:
        executor.chat(ask(), MODEL)
    assert str(caught.value) == (
        "All providers/models failed. Attempts:\n"
        "provider=p1 model=test-model attempt 1/1: retryable; "
        "error=127.0.0.1 API error (500 Internal Server Error): p1 error\n"
        "provider=p2 model=test-model attempt 1/1: retryable; "
        "error=127.0.0.1 API error (502 Bad Gateway): p2 error"
    )
    assert caught.value.trail == tuple(str(caught.value).splitlines()[1:])
    assert isinstance(caught.value.__cause__, Exception)
    assert "p2 error" in str(caught.value.__cause__)


def test_unauthorized_moves_on_after_exactly_one_request(rig: Rig) -> None:
    """A 401 is never retried: one request to the primary, then the fallback answers."""
    primary = rig.server(
        "primary", default=Reply.openai_error(401, "Incorrect API key provided", code="invalid")
    )
    fallback = rig.server("fallback")
    executor = rig.executor(
        [("primary", rig.openai(primary)), ("fallback", rig.openai(fallback))], max_retries=3
    )
    outcome = executor.execute(ask(), MODEL)
    assert outcome.response.text == "ok from fallback"
    assert (len(primary.requests), len(fallback.requests)) == (1, 1)
    first = outcome.attempts[0]
    assert (first.reason, first.action) == ("non_retryable", "next_provider")
    assert first.decision is not None
    assert first.decision.category == "auth_failed"


@pytest.mark.parametrize(
    ("reply", "detail"),
    [
        pytest.param(utf8_json(429, ZAI_QUOTA_BODY), "余额不足或无可用资源包", id="zai-1113"),
        pytest.param(Reply.error(429, ZAI_PLAN_BODY), "plan does not include glm-5", id="1311"),
    ],
)
def test_quota_429_moves_on_after_one_request(rig: Rig, reply: Reply, detail: str) -> None:
    """A 429 business error (Z.AI 1113 balance, 1311 plan) is not retried and names the reason
    rate_limited_non_retryable; the next provider answers."""
    primary = rig.server("primary", default=reply)
    fallback = rig.server("fallback")
    timing = FakeTiming()
    executor = rig.executor(
        [("zai", rig.openai(primary)), ("fallback", rig.openai(fallback))],
        max_retries=5,
        timing=timing,
    )
    outcome = executor.execute(ask(), "glm-5")
    assert outcome.response.text == "ok from fallback"
    assert (len(primary.requests), len(fallback.requests)) == (1, 1)
    first = outcome.attempts[0]
    assert (first.reason, first.action) == ("rate_limited_non_retryable", "next_provider")
    assert first.line.startswith(
        "provider=zai model=glm-5 attempt 1/6: rate_limited_non_retryable; "
        "error=127.0.0.1 API error (429 Too Many Requests): "
    )
    assert detail in first.line
    assert timing.sleeps == []


# ── keys and Retry-After ──────────────────────────────────────────────────────────────────


def test_the_rotated_key_reaches_the_server(rig: Rig) -> None:
    """The first request carries keys[0] (not the provider's own key), after a 429 the next
    keys[1], after another keys[0] again."""
    keys = ["sk-rot-aaaaaaaaaaaa1111", "sk-rot-bbbbbbbbbbbb2222"]
    server = rig.server("a")
    rate_limited = Reply.openai_error(429, "Rate limit reached", headers={"Retry-After": "0"})
    server.script(rate_limited, rate_limited, Reply.ok("third time"))
    executor = rig.executor(
        [("a", rig.openai(server, api_key="sk-own-cccccccccccc3333"))],
        max_retries=3,
        api_keys=keys,
    )
    outcome = executor.execute(ask(), MODEL)
    assert outcome.response.text == "third time"
    assert [request.api_key for request in server.requests] == [keys[0], keys[1], keys[0]]
    assert [record.api_key_hint for record in outcome.attempts] == [
        "...1111", "...2222", "...1111",
    ]  # fmt: skip
    assert [record.reason for record in outcome.attempts] == [
        "rate_limited",
        "rate_limited",
        "success",
    ]


def test_retry_after_120s_is_capped_at_30s(rig: Rig) -> None:
    """``Retry-After: 120`` sleeps exactly the policy's 30 s cap (with ``max_wait_s=60``), and
    the record says 30000 ms."""
    server = rig.server("a")
    server.script(
        Reply.openai_error(429, "Rate limit reached", headers={"Retry-After": "120"}),
        Reply.ok("after the wait"),
    )
    timing = FakeTiming()
    executor = rig.executor([("a", rig.openai(server))], timing=timing, max_wait_s=60)
    outcome = executor.execute(ask(), MODEL)
    assert outcome.response.text == "after the wait"
    assert timing.sleeps == [30.0]
    first = outcome.attempts[0]
    assert (first.action, first.wait_ms) == ("retry", 30_000)
    assert first.decision is not None
    assert first.decision.retry_after_ms == 120_000  # what the server asked, uncapped
    assert len(server.requests) == 2


def test_retry_after_ms_header_is_honoured(rig: Rig) -> None:
    """``retry-after-ms: 1500`` sleeps 1.5 s (longer than the 500 ms backoff)."""
    server = rig.server("a")
    server.script(
        Reply.openai_error(429, "Rate limit reached", headers={"retry-after-ms": "1500"}),
        Reply.ok(),
    )
    timing = FakeTiming()
    executor = rig.executor([("a", rig.openai(server))], timing=timing)
    outcome = executor.execute(ask(), MODEL)
    assert timing.sleeps == [1.5]
    assert outcome.attempts[0].wait_ms == 1_500
    assert len(server.requests) == 2


@pytest.fixture
def over_cap_rules(tmp_path: Path) -> Path:
    return write_rules(
        tmp_path / "over-cap.yaml",
        """
        name: over-cap
        extends: [builtin:default]
        policy: {over_cap: next_provider}
        """,
    )


def test_over_cap_next_provider_moves_on_without_sleeping(rig: Rig, over_cap_rules: Path) -> None:
    """Under ``over_cap: next_provider`` a Retry-After beyond the cap moves to the next provider
    at once: one request to the first server, no sleep."""
    primary = rig.server(
        "primary",
        default=Reply.openai_error(429, "Rate limit reached", headers={"Retry-After": "120"}),
    )
    fallback = rig.server("fallback")
    timing = FakeTiming()
    executor = rig.executor(
        [("primary", rig.openai(primary)), ("fallback", rig.openai(fallback))],
        rules=over_cap_rules,
        timing=timing,
    )
    outcome = executor.execute(ask(), MODEL)
    assert outcome.response.text == "ok from fallback"
    assert timing.sleeps == []
    assert (len(primary.requests), len(fallback.requests)) == (1, 1)
    assert outcome.attempts[0].action == "next_provider"


def test_over_cap_next_provider_still_waits_within_the_cap(rig: Rig, over_cap_rules: Path) -> None:
    """Under ``over_cap: next_provider`` a Retry-After within the cap is still slept and the
    same provider retried when no other provider can answer."""
    primary = rig.server("primary")
    primary.script(
        Reply.openai_error(429, "Rate limit reached", headers={"Retry-After": "2"}),
        Reply.ok("same provider"),
    )
    timing = FakeTiming()
    executor = rig.executor(
        [("primary", rig.openai(primary))], rules=over_cap_rules, timing=timing
    )
    outcome = executor.execute(ask(), MODEL)
    assert outcome.response.text == "same provider"
    assert timing.sleeps == [2.0]
    assert len(primary.requests) == 2


# ── repairs and transport failures ────────────────────────────────────────────────────────


def test_context_overflow_truncates_the_history_over_http(rig: Rig) -> None:
    """llama.cpp's HTTP 500 ``exceed_context_size_error``: the second request carries fewer
    messages (system prompt and last message kept) and its answer is returned."""
    server = rig.server("llama")
    server.script(Reply.error(500, LLAMACPP_OVERFLOW_BODY), Reply.ok("fits now"))
    executor = rig.executor([("llama", rig.openai(server))], max_retries=0)
    history = long_history()
    outcome = executor.execute(ChatRequest(history), MODEL)
    assert outcome.response.text == "fits now"
    assert outcome.history_truncated
    sent = [request.json["messages"] for request in server.requests]
    assert [len(messages) for messages in sent] == [10, 6]
    assert sent[1][0] == {"role": "system", "content": "system prompt"}
    assert sent[1][-1] == {"role": "user", "content": "message 8"}
    first = outcome.attempts[0]
    assert first.decision is not None
    assert (first.decision.category, first.action) == (
        "context_window_exceeded",
        "truncate_history",
    )


def test_dropped_connection_is_a_network_error_and_is_retried(rig: Rig) -> None:
    """A connection closed without any response is classified network_error and retried."""
    server = rig.server("a")
    server.script(Reply.disconnect(), Reply.ok("reconnected"))
    executor = rig.executor([("a", rig.openai(server))], max_retries=1)
    outcome = executor.execute(ask(), MODEL)
    assert outcome.response.text == "reconnected"
    assert len(server.requests) == 2
    first = outcome.attempts[0]
    assert first.decision is not None
    assert (first.decision.category, first.action) == ("network_error", "retry")
    assert isinstance(first.error, requests.ConnectionError)


def test_anthropic_overloaded_529_then_success(rig: Rig) -> None:
    """The Anthropic adapter: a 529 overloaded_error is retried and the next answer returned."""
    server = rig.server("claude")
    server.script(Reply.anthropic_error(529, "overloaded_error", "Overloaded"), Reply.ok("hi"))
    executor = rig.executor([("anthropic", rig.anthropic(server))])
    outcome = executor.execute(ask(), "claude-test")
    assert outcome.response.text == "hi"
    assert [request.path for request in server.requests] == ["/v1/messages"] * 2
    assert [request.api_key for request in server.requests] == ["sk-ant-test-000000000000"] * 2
    first = outcome.attempts[0]
    assert first.decision is not None
    assert (first.decision.category, first.reason) == ("server_error", "retryable")
    assert "529" in first.line
    assert "overloaded_error" in first.line


# ── streaming ─────────────────────────────────────────────────────────────────────────────


def test_stream_retries_a_503_before_the_first_event(rig: Rig) -> None:
    """A 503 before the stream starts is retried; the second reply's SSE events arrive."""
    server = rig.server("a")
    server.script(Reply.openai_error(503, "busy"), Reply.stream_openai(["hel", "lo"]))
    executor = rig.executor([("a", rig.openai(server))])
    events = list(executor.stream_chat(ask(), MODEL))
    assert [(event.kind, event.text) for event in events] == [
        ("text", "hel"),
        ("text", "lo"),
        ("final", ""),
    ]
    assert events[-1].finish_reason == "stop"
    assert [request.stream for request in server.requests] == [True, True]


def test_stream_failure_after_the_first_event_reaches_the_caller(rig: Rig) -> None:
    """A stream cut off after its first event raises to the caller, as the library's
    ResponseInterrupted (never a raw ChunkedEncodingError); nothing is retried."""
    server = rig.server("a")
    server.script(
        Reply.stream_openai(["first ", "second ", "third"], sse_drop_after=2),
        Reply.stream_openai(["never sent"]),
    )
    executor = rig.executor([("a", rig.openai(server))], max_retries=3)
    stream = executor.stream_chat(ask(), MODEL)
    first = next(stream)
    assert (first.kind, first.text) == ("text", "first ")
    with pytest.raises(ResponseInterrupted) as caught:
        next(stream)
    assert not isinstance(caught.value, requests.exceptions.RequestException)
    assert isinstance(caught.value, ReliableRulesError)
    assert isinstance(caught.value, ConnectionError)
    assert len(server.requests) == 1
    assert server.pending == 1


# ── secrets ───────────────────────────────────────────────────────────────────────────────

LIVE_KEY = "sk-live-SECRETSECRETSECRET1234"
ROTATED_KEY = "sk-live-ROTATEDsecretROTATED5678"
GOOGLE_KEY = "AIzaSyD-GOOGLEsecretGOOGLEsecret12"
PROJECT_KEY = "sk-proj-PROJECTsecretPROJECTsecret99"
ANTHROPIC_KEY = "sk-ant-api03-ANTHROPICsecretANTHROPIC77"
SECRETS = (
    LIVE_KEY,
    "SECRETSECRETSECRET",
    ROTATED_KEY,
    "ROTATEDsecretROTATED",
    GOOGLE_KEY,
    "GOOGLEsecretGOOGLEsecret",
    PROJECT_KEY,
    "PROJECTsecretPROJECTsecret",
    ANTHROPIC_KEY,
    "ANTHROPICsecretANTHROPIC",
)
_STANDARD_LOG_FIELDS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def _leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def test_no_secret_in_any_trail_log_line_or_exception_text(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    """Keys sent by the adapters and echoed back in error bodies (Bearer header, a URL with
    api_key=AIza..., sk-proj-...) never appear in the exception, its trail, the records, the
    hook events or any log message or log field."""
    caplog.set_level(logging.DEBUG, logger="reliable_rules")
    openai_server = rig.server("openai")
    openai_server.script(
        Reply.openai_error(
            429,
            f"Rate limit reached for Authorization: Bearer {LIVE_KEY}",
            headers={"Retry-After": "1"},
        ),
        Reply.openai_error(
            500,
            "upstream https://generativelanguage.googleapis.com/v1beta/models"
            f"?api_key={GOOGLE_KEY} failed",
        ),
        Reply.error(
            401,
            f"Incorrect API key provided: {ROTATED_KEY}. Project key {PROJECT_KEY} is not "
            f"allowed either (header was 'Bearer {LIVE_KEY}')",
        ),
    )
    anthropic_server = rig.server(
        "anthropic",
        default=Reply.anthropic_error(
            401, "authentication_error", f"invalid x-api-key: {ANTHROPIC_KEY}"
        ),
    )
    events: list[object] = []
    hooks = Hooks(
        on_attempt=events.append,
        on_retry=events.append,
        on_fallback=events.append,
        on_give_up=events.append,
    )
    executor = rig.executor(
        [
            ("openai", rig.openai(openai_server, api_key=LIVE_KEY)),
            ("anthropic", rig.anthropic(anthropic_server, api_key=ANTHROPIC_KEY)),
        ],
        api_keys={"openai": [LIVE_KEY, ROTATED_KEY]},
        hooks=hooks,
    )
    with pytest.raises(AllProvidersFailed) as caught:
        executor.chat(ask(), MODEL)
    error = caught.value

    # The scenario really sent and echoed the secrets (else this test could not fail).
    assert [request.api_key for request in openai_server.requests] == [
        LIVE_KEY,
        ROTATED_KEY,
        ROTATED_KEY,
    ]
    assert anthropic_server.requests[0].api_key == ANTHROPIC_KEY
    raw_bodies = " ".join(
        getattr(record.error, "body", "") for record in error.attempts if record.failed
    )
    assert set(_leaks(raw_bodies)) == set(SECRETS)
    assert len(error.attempts) == 4
    assert caplog.records

    texts = [str(error), repr(error), "".join(traceback.format_exception(error))]
    texts += [str(error.__cause__), repr(error.__cause__)]
    for record in error.attempts:
        texts += [record.line, record.detail, repr(record)]
    assert len(events) == 4 + 2 + 1 + 1  # attempts, retries, one fallback, the give-up
    for event in events:
        texts += [str(event), repr(event)]
    for log in caplog.records:
        texts.append(log.getMessage())
        texts += [
            repr(value) for name, value in vars(log).items() if name not in _STANDARD_LOG_FIELDS
        ]
        if log.exc_info is not None:
            texts.append("".join(traceback.format_exception(*log.exc_info)))
    leaked = {text: _leaks(text) for text in texts if _leaks(text)}
    assert leaked == {}
    assert "[REDACTED]" in str(error)
