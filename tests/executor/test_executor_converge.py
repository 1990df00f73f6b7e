"""The converge seed's ResilientChatBackend tests, ported onto ``builtin:converge``: the
same behaviour expressed as rules and category actions instead of code."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from reliable_rules import (
    AllProvidersFailed,
    ChatRequest,
    ChatResponse,
    Message,
    ReliableExecutor,
    ResponseFormatMismatch,
)
from reliable_rules.testing import FakeTiming


# Python stand-ins for the seed's LlmError variants; the profile matches them by class name.
class RateLimited(Exception):
    """LlmError::RateLimited."""


class ProviderError(Exception):
    """LlmError::ProviderError."""


class NetworkError(Exception):
    """LlmError::NetworkError."""


class AuthDenied(Exception):
    """LlmError::AuthDenied."""


@dataclass
class FormatAwareBackend:
    """Fails YAML with a format mismatch; answers JSON unless ``fail_json``."""

    fail_json: bool = False
    seen_formats: list[str | None] = field(default_factory=list)

    def chat(self, request: ChatRequest, model: str, *, api_key: str | None = None) -> ChatResponse:
        """Answer or fail by the requested format."""
        self.seen_formats.append(request.response_format)
        if request.response_format == "yaml":
            raise ResponseFormatMismatch("yaml parse failed", expected="yaml")
        if self.fail_json:
            raise ResponseFormatMismatch("json parse failed", expected="json")
        return ChatResponse('{"facts":[]}')


@dataclass
class FailingBackend:
    """Always raises ``error``."""

    error: Exception
    calls: int = 0

    def chat(self, request: ChatRequest, model: str, *, api_key: str | None = None) -> ChatResponse:
        """Fail."""
        self.calls += 1
        raise self.error


@dataclass
class SuccessBackend:
    """Always answers ``fallback response``."""

    calls: int = 0

    def chat(self, request: ChatRequest, model: str, *, api_key: str | None = None) -> ChatResponse:
        """Answer."""
        self.calls += 1
        return ChatResponse("fallback response")


def request(response_format: str) -> ChatRequest:
    """The seed's test request: one user message asking for structured output."""
    return ChatRequest([Message.user("Return structured output")], response_format=response_format)


def resilient(primary: object, fallback: object | None = None) -> ReliableExecutor:
    """``ResilientChatBackend::new(primary).with_fallback(fallback)`` as an executor."""
    providers = [("primary", primary)] + ([("fallback", fallback)] if fallback else [])
    return ReliableExecutor(
        providers, rules="builtin:converge", max_retries=0, timing=FakeTiming()
    )


def test_retries_with_json_after_format_mismatch() -> None:
    """A YAML parse failure retries the same backend once with JSON."""
    primary = FormatAwareBackend()
    outcome = resilient(primary).execute(request("yaml"), "m")
    assert outcome.response.text == '{"facts":[]}'
    assert primary.seen_formats == ["yaml", "json"]
    assert outcome.format_switched
    assert outcome.request is not None
    assert outcome.request.response_format == "json"


def test_preserves_json_format_mismatch_when_no_fallback_exists() -> None:
    """JSON has no fallback format: the JSON mismatch is what the caller gets."""
    primary = FormatAwareBackend(fail_json=True)
    with pytest.raises(AllProvidersFailed) as caught:
        resilient(primary).execute(request("json"), "m")
    error = caught.value.primary_error
    assert isinstance(error, ResponseFormatMismatch)
    assert error.expected == "json"
    assert primary.seen_formats == ["json"]


@pytest.mark.parametrize(
    "error",
    [
        RateLimited("rate limited"),
        ProviderError("internal error"),
        NetworkError("connection refused"),
    ],
    ids=["falls_back_on_rate_limit", "falls_back_on_provider_error", "falls_back_on_network_error"],
)
def test_falls_back_on_model_failure(error: Exception) -> None:
    """Rate limit, provider error and network error go to the fallback backend at once."""
    primary = FailingBackend(error)
    response = resilient(primary, SuccessBackend()).chat(request("json"), "m")
    assert response.text == "fallback response"
    assert primary.calls == 1


def test_no_fallback_configured_returns_original_error() -> None:
    """Without a fallback backend the rate limit itself is reported."""
    with pytest.raises(AllProvidersFailed) as caught:
        resilient(FailingBackend(RateLimited("rate limited"))).chat(request("json"), "m")
    assert isinstance(caught.value.primary_error, RateLimited)
    assert isinstance(caught.value.__cause__, RateLimited)


def test_fallback_also_fails_returns_primary_error() -> None:
    """When the fallback fails too, the primary's error is still at hand."""
    executor = resilient(
        FailingBackend(RateLimited("rate limited")), FailingBackend(ProviderError("internal"))
    )
    with pytest.raises(AllProvidersFailed) as caught:
        executor.chat(request("json"), "m")
    assert isinstance(caught.value.primary_error, RateLimited)
    assert isinstance(caught.value.last_error, ProviderError)


def test_auth_denied_is_not_retryable_with_model_change() -> None:
    """AuthDenied aborts: the fallback backend is never called."""
    fallback = SuccessBackend()
    with pytest.raises(AllProvidersFailed) as caught:
        resilient(FailingBackend(AuthDenied("invalid key")), fallback).chat(request("json"), "m")
    assert isinstance(caught.value.primary_error, AuthDenied)
    assert caught.value.aborted_by is not None
    assert caught.value.aborted_by.category == "auth_failed"
    assert str(caught.value).startswith("Request aborted: auth_failed (converge.auth-denied)")
    assert fallback.calls == 0


def test_format_fallback_happens_once_then_moves_on() -> None:
    """A second format failure after the switch does not switch again: next backend."""
    primary = FormatAwareBackend(fail_json=True)
    fallback = SuccessBackend()
    response = resilient(primary, fallback).chat(request("yaml"), "m")
    assert response.text == "fallback response"
    assert primary.seen_formats == ["yaml", "json"]


def test_default_rules_also_switch_format_on_the_library_mismatch_error() -> None:
    """builtin:default maps ResponseFormatMismatch to format_mismatch → switch_format."""
    primary = FormatAwareBackend()
    executor = ReliableExecutor([("primary", primary)], max_retries=0, timing=FakeTiming())
    assert executor.chat(request("yaml"), "m").text == '{"facts":[]}'
    assert primary.seen_formats == ["yaml", "json"]
