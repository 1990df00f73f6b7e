"""Parity with the seed's own classification tests.

Each table below is a Rust test of the seed
(``/work/shared/seeds/000_3d95f3b5cc5d1047.txt``) restated as rows. A row is a
message, optionally a typed HTTP status, and the value the seed asserts. Every
table is checked twice:

* ``test_reference_*`` checks the Python port in ``seed_reference`` (the
  oracle). These tests do not import the engine, so they run on their own.
* ``test_engine_*`` checks ``reliable_rules.load_rules("builtin:seed")``. The
  seed's predicates map onto the engine's decision as set out in the API
  contract:

  - is_context_window_exceeded(x)  <=> d.category == "context_window_exceeded"
  - is_non_retryable(x) (non-context) <=> d.reason in NON_RETRYABLE_REASONS
  - is_rate_limited(x) (non-context)  <=> d.rate_limited
  - is_non_retryable_rate_limit(x)  <=> d.category == "quota_exhausted"
    (and therefore d.reason == "rate_limited_non_retryable")
  - is_tool_schema_error(x)         <=> d.category == "tool_schema_error"
    (for text that is neither rate-limited nor a context error)
  - parse_retry_after_ms(x)         == d.retry_after_ms
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers import seed_reference as ref

NON_RETRYABLE_REASONS = ("non_retryable", "rate_limited_non_retryable")
CONTEXT = "context_window_exceeded"
EXECUTOR_BACKOFF_CAP_MS = 30_000  # `compute_backoff` caps Retry-After at 30 s


@pytest.fixture(scope="module")
def seed_rules() -> Any:
    """Load the builtin:seed rule set once for this module."""
    # Imported here, not at the top, so the test_reference_* oracle tests run without the engine.
    import reliable_rules  # noqa: PLC0415

    return reliable_rules.load_rules("builtin:seed")


# ── is_non_retryable ────────────────────────────────────────────────────────
# (message, seed's is_non_retryable, message is a context-window error)
_CODEX_CONTEXT = "OpenAI Codex stream error: Your input exceeds the context window of this model."
NON_RETRYABLE_CASES = [
    pytest.param("400 Bad Request", True, False, id="non_retryable_detects_common_patterns-400"),
    pytest.param("401 Unauthorized", True, False, id="non_retryable_detects_common_patterns-401"),
    pytest.param("403 Forbidden", True, False, id="non_retryable_detects_common_patterns-403"),
    pytest.param("404 Not Found", True, False, id="non_retryable_detects_common_patterns-404"),
    pytest.param(
        "invalid api key provided",
        True,
        False,
        id="non_retryable_detects_common_patterns-invalid_api_key",
    ),
    pytest.param(
        "authentication failed",
        True,
        False,
        id="non_retryable_detects_common_patterns-authentication_failed",
    ),
    pytest.param(
        "model glm-4.7 not found",
        True,
        False,
        id="non_retryable_detects_common_patterns-model_not_found",
    ),
    pytest.param(
        "unsupported model: glm-4.7",
        True,
        False,
        id="non_retryable_detects_common_patterns-unsupported_model",
    ),
    pytest.param(
        "429 Too Many Requests", False, False, id="non_retryable_detects_common_patterns-429"
    ),
    pytest.param(
        "408 Request Timeout", False, False, id="non_retryable_detects_common_patterns-408"
    ),
    pytest.param(
        "500 Internal Server Error", False, False, id="non_retryable_detects_common_patterns-500"
    ),
    pytest.param("502 Bad Gateway", False, False, id="non_retryable_detects_common_patterns-502"),
    pytest.param("timeout", False, False, id="non_retryable_detects_common_patterns-timeout"),
    pytest.param(
        "connection reset",
        False,
        False,
        id="non_retryable_detects_common_patterns-connection_reset",
    ),
    pytest.param(
        "model overloaded, try again later",
        False,
        False,
        id="non_retryable_detects_common_patterns-overloaded",
    ),
    pytest.param(
        _CODEX_CONTEXT, False, True, id="non_retryable_detects_common_patterns-codex_context"
    ),
    pytest.param(
        "exceeds the context window",
        False,
        True,
        id="context_window_error_is_not_non_retryable-context_window",
    ),
    pytest.param(
        "maximum context length exceeded",
        False,
        True,
        id="context_window_error_is_not_non_retryable-maximum_context_length",
    ),
    pytest.param(
        "too many tokens in the request",
        False,
        True,
        id="context_window_error_is_not_non_retryable-too_many_tokens",
    ),
    pytest.param(
        "token limit exceeded",
        False,
        True,
        id="context_window_error_is_not_non_retryable-token_limit",
    ),
    pytest.param(
        "API error (401 Unauthorized): invalid api key", True, False, id="non_retryable_detects_401"
    ),
    pytest.param(
        "API error (403 Forbidden): access denied", True, False, id="non_retryable_detects_403"
    ),
    pytest.param(
        "API error (404 Not Found): model not found", True, False, id="non_retryable_detects_404"
    ),
    pytest.param("429 Too Many Requests", False, False, id="non_retryable_does_not_flag_429"),
    pytest.param("408 Request Timeout", False, False, id="non_retryable_does_not_flag_408"),
    pytest.param("500 Internal Server Error", False, False, id="non_retryable_does_not_flag_500"),
    pytest.param("502 Bad Gateway", False, False, id="non_retryable_does_not_flag_502"),
    pytest.param(
        "400 Bad Request: tool call validation failed: "
        "attempted to call tool 'x' which was not in request",
        False,
        False,
        id="non_retryable_returns_false_for_tool_schema_400",
    ),
    pytest.param(
        "400 Bad Request: invalid api key provided",
        True,
        False,
        id="non_retryable_returns_true_for_other_400_errors",
    ),
]


@pytest.mark.parametrize(("msg", "expected", "context"), NON_RETRYABLE_CASES)
def test_reference_non_retryable(msg: str, expected: bool, context: bool) -> None:
    """The port's is_non_retryable (and context check) returns what the seed asserts."""
    assert ref.is_non_retryable(msg) is expected
    assert ref.is_context_window_exceeded(msg) is context


@pytest.mark.parametrize(("msg", "expected", "context"), NON_RETRYABLE_CASES)
def test_engine_non_retryable(seed_rules: Any, msg: str, expected: bool, context: bool) -> None:
    """builtin:seed is non-retryable exactly when the seed is (context errors: category)."""
    d = seed_rules.classify(msg)
    if context:
        assert d.category == CONTEXT, d.explain()
    else:
        assert d.category != CONTEXT, d.explain()
        assert (d.reason in NON_RETRYABLE_REASONS) is expected, d.explain()


# ── is_context_window_exceeded ──────────────────────────────────────────────
CONTEXT_WINDOW_CASES = [
    pytest.param(
        "request (8968 tokens) exceeds the available context size (8448 tokens), try increasing it",
        True,
        id="is_context_window_exceeded_detects_llamacpp",
    ),
]


@pytest.mark.parametrize(("msg", "expected"), CONTEXT_WINDOW_CASES)
def test_reference_context_window(msg: str, expected: bool) -> None:
    """The port's is_context_window_exceeded returns what the seed asserts."""
    assert ref.is_context_window_exceeded(msg) is expected


@pytest.mark.parametrize(("msg", "expected"), CONTEXT_WINDOW_CASES)
def test_engine_context_window(seed_rules: Any, msg: str, expected: bool) -> None:
    """builtin:seed says context_window_exceeded exactly when the seed detects a context error."""
    d = seed_rules.classify(msg)
    assert (d.category == CONTEXT) is expected, d.explain()


# ── parse_retry_after_ms (and compute_backoff's use of it) ─────────────────
RETRY_AFTER_CASES = [
    pytest.param("429 Too Many Requests, Retry-After: 5", 5_000, id="parse_retry_after_integer"),
    pytest.param("Rate limited. retry_after: 2.5 seconds", 2_500, id="parse_retry_after_float"),
    pytest.param("500 Internal Server Error", None, id="parse_retry_after_missing"),
    pytest.param("429 Too Many Requests, Retry-After: 0", 0, id="parse_retry_after_zero"),
    pytest.param(
        "rate limited, retry_after: 10", 10_000, id="parse_retry_after_with_underscore_separator"
    ),
    pytest.param("Retry-After 7", 7_000, id="parse_retry_after_space_separator"),
    pytest.param("429 Retry-After: 3", 3_000, id="compute_backoff_uses_retry_after"),
    pytest.param("429 Retry-After: 120", 120_000, id="compute_backoff_caps_at_30s"),
    pytest.param("500 Server Error", None, id="compute_backoff_falls_back_to_base"),
]


@pytest.mark.parametrize(("msg", "expected"), RETRY_AFTER_CASES)
def test_reference_retry_after(msg: str, expected: int | None) -> None:
    """The port's parse_retry_after_ms returns what the seed asserts."""
    assert ref.parse_retry_after_ms(msg) == expected


@pytest.mark.parametrize(("msg", "expected"), RETRY_AFTER_CASES)
def test_engine_retry_after(seed_rules: Any, msg: str, expected: int | None) -> None:
    """builtin:seed reports the same raw retry_after_ms as the seed's parse_retry_after_ms."""
    d = seed_rules.classify(msg)
    assert d.retry_after_ms == expected, d.explain()


def _seed_compute_backoff(base: int, retry_after_ms: int | None) -> int:
    """The seed's `compute_backoff`: Retry-After capped at 30 s, never below base."""
    if retry_after_ms is None:
        return base
    return max(min(retry_after_ms, EXECUTOR_BACKOFF_CAP_MS), base)


COMPUTE_BACKOFF_CASES = [
    pytest.param("429 Retry-After: 3", 3_000, id="compute_backoff_uses_retry_after"),
    pytest.param("429 Retry-After: 120", 30_000, id="compute_backoff_caps_at_30s"),
    pytest.param("500 Server Error", 500, id="compute_backoff_falls_back_to_base"),
]


@pytest.mark.parametrize(("msg", "expected"), COMPUTE_BACKOFF_CASES)
def test_reference_compute_backoff(msg: str, expected: int) -> None:
    """compute_backoff(500) on the port's retry-after gives the seed's wait (30 s cap included)."""
    assert _seed_compute_backoff(500, ref.parse_retry_after_ms(msg)) == expected


@pytest.mark.parametrize(("msg", "expected"), COMPUTE_BACKOFF_CASES)
def test_engine_compute_backoff(seed_rules: Any, msg: str, expected: int) -> None:
    """compute_backoff(500) on builtin:seed's retry_after_ms gives the seed's wait."""
    d = seed_rules.classify(msg)
    assert _seed_compute_backoff(500, d.retry_after_ms) == expected, d.explain()


# ── is_rate_limited ─────────────────────────────────────────────────────────
RATE_LIMITED_CASES = [
    pytest.param("429 Too Many Requests", True, id="rate_limited_detection-429_too_many"),
    pytest.param("HTTP 429 rate limit exceeded", True, id="rate_limited_detection-429_rate_limit"),
    pytest.param("401 Unauthorized", False, id="rate_limited_detection-401"),
    pytest.param("500 Internal Server Error", False, id="rate_limited_detection-500"),
    pytest.param("Connection refused", False, id="rate_limited_false_for_generic_error"),
]


@pytest.mark.parametrize(("msg", "expected"), RATE_LIMITED_CASES)
def test_reference_rate_limited(msg: str, expected: bool) -> None:
    """The port's is_rate_limited returns what the seed asserts."""
    assert ref.is_rate_limited(msg) is expected


@pytest.mark.parametrize(("msg", "expected"), RATE_LIMITED_CASES)
def test_engine_rate_limited(seed_rules: Any, msg: str, expected: bool) -> None:
    """builtin:seed sets rate_limited exactly when the seed's is_rate_limited does."""
    d = seed_rules.classify(msg)
    assert d.category != CONTEXT, d.explain()
    assert d.rate_limited is expected, d.explain()


# ── is_non_retryable_rate_limit ─────────────────────────────────────────────
NON_RETRYABLE_RATE_LIMIT_CASES = [
    pytest.param(
        'API error (429 Too Many Requests): {"code":1311,'
        '"message":"the current account plan does not include glm-5"}',
        True,
        id="non_retryable_rate_limit_detects_plan_restricted_model",
    ),
    pytest.param(
        'API error (429 Too Many Requests): {"code":1113,"message":"insufficient balance"}',
        True,
        id="non_retryable_rate_limit_detects_insufficient_balance",
    ),
    pytest.param(
        "429 Too Many Requests: rate limit exceeded",
        False,
        id="non_retryable_rate_limit_does_not_flag_generic_429",
    ),
]


@pytest.mark.parametrize(("msg", "expected"), NON_RETRYABLE_RATE_LIMIT_CASES)
def test_reference_non_retryable_rate_limit(msg: str, expected: bool) -> None:
    """The port's is_non_retryable_rate_limit returns what the seed asserts."""
    assert ref.is_non_retryable_rate_limit(msg) is expected


@pytest.mark.parametrize(("msg", "expected"), NON_RETRYABLE_RATE_LIMIT_CASES)
def test_engine_non_retryable_rate_limit(seed_rules: Any, msg: str, expected: bool) -> None:
    """builtin:seed says quota_exhausted / rate_limited_non_retryable exactly for business 429s."""
    d = seed_rules.classify(msg)
    assert (d.category == "quota_exhausted") is expected, d.explain()
    expected_reason = "rate_limited_non_retryable" if expected else "rate_limited"
    assert d.reason == expected_reason, d.explain()


# ── is_tool_schema_error ────────────────────────────────────────────────────
TOOL_SCHEMA_CASES = [
    pytest.param(
        'Groq API error (400 Bad Request): {"error":{"message":"tool call validation failed: '
        "attempted to call tool 'memory_recall' which was not in request\"}}",
        True,
        id="tool_schema_error_detects_groq_validation_failure",
    ),
    pytest.param(
        "tool 'search' was not in request", True, id="tool_schema_error_detects_not_in_request"
    ),
    pytest.param(
        "function 'foo' not found in tool list",
        True,
        id="tool_schema_error_detects_not_found_in_tool_list",
    ),
    pytest.param(
        "invalid_tool_call: no matching function",
        True,
        id="tool_schema_error_detects_invalid_tool_call",
    ),
    pytest.param(
        "invalid api key", False, id="tool_schema_error_ignores_unrelated_errors-invalid_api_key"
    ),
    pytest.param(
        "model not found", False, id="tool_schema_error_ignores_unrelated_errors-model_not_found"
    ),
]


@pytest.mark.parametrize(("msg", "expected"), TOOL_SCHEMA_CASES)
def test_reference_tool_schema(msg: str, expected: bool) -> None:
    """The port's is_tool_schema_error returns what the seed asserts."""
    assert ref.is_tool_schema_error(msg) is expected


@pytest.mark.parametrize(("msg", "expected"), TOOL_SCHEMA_CASES)
def test_engine_tool_schema(seed_rules: Any, msg: str, expected: bool) -> None:
    """builtin:seed says tool_schema_error exactly when the seed detects a tool-schema error."""
    d = seed_rules.classify(msg)
    assert not d.rate_limited, d.explain()
    assert d.category != CONTEXT, d.explain()
    assert (d.category == "tool_schema_error") is expected, d.explain()


# ── Executor tests: what reason the executor records ───────────────────────
# The seed's async executor tests run these mock errors through the retry
# loop. The call counts and messages they assert fix the verdict below.
_PLAN_429 = (
    'API error (429 Too Many Requests): {"code":1311,"message":"plan does not include glm-5"}'
)
EXECUTOR_CASES = [
    pytest.param("temporary", "retryable", False, id="retries_then_recovers"),
    pytest.param("primary down", "retryable", False, id="falls_back_after_retries_exhausted"),
    pytest.param(
        "p1 error", "retryable", False, id="returns_aggregated_error_when_all_providers_fail"
    ),
    pytest.param("temporary failure", "retryable", False, id="chat_retries_and_recovers"),
    pytest.param(
        "p1 chat error",
        "retryable",
        False,
        id="chat_returns_aggregated_error_when_all_providers_fail",
    ),
    pytest.param(
        "OpenAI Codex stream error: Your input exceeds the context window of this model. "
        "Please adjust your input and try again.",
        "non_retryable",
        True,
        id="context_window_error_aborts_retries_and_model_fallbacks",
    ),
    pytest.param(
        "unsupported model: glm-4.7",
        "non_retryable",
        False,
        id="aggregated_error_marks_non_retryable_model_mismatch_with_details",
    ),
    pytest.param(
        "401 Unauthorized", "non_retryable", False, id="skips_retries_on_non_retryable_error"
    ),
    pytest.param(
        "API error (401 Unauthorized): invalid key",
        "non_retryable",
        False,
        id="non_retryable_skips_retries_for_401",
    ),
    pytest.param(
        _PLAN_429,
        "rate_limited_non_retryable",
        False,
        id="non_retryable_rate_limit_skips_retries_for_plan_errors",
    ),
    pytest.param(
        "request (8968 tokens) exceeds the available context size (8448 tokens), try increasing it",
        "non_retryable",
        True,
        id="chat_with_history_truncates_on_context_overflow",
    ),
]


@pytest.mark.parametrize(("msg", "reason", "context"), EXECUTOR_CASES)
def test_reference_executor_reason(msg: str, reason: str, context: bool) -> None:
    """The port's seed_verdict gives the reason (and context flag) the executor tests imply."""
    verdict = ref.seed_verdict(msg)
    assert (verdict.context, verdict.reason) == (context, reason)


@pytest.mark.parametrize(("msg", "reason", "context"), EXECUTOR_CASES)
def test_engine_executor_reason(seed_rules: Any, msg: str, reason: str, context: bool) -> None:
    """builtin:seed gives the reason (and context category) the executor tests imply."""
    d = seed_rules.classify(msg)
    assert (d.category == CONTEXT, d.reason) == (context, reason), d.explain()


# ── Typed HTTP status: the status decides on its own ────────────────────────
# A reqwest error with a typed status: is_non_retryable returns
# `4xx && not 429/408` right after the context/tool checks, ignoring the
# numbers in the text; is_rate_limited returns `status == 429`.
# (message, typed status, the seed's verdict)
def _typed(
    msg: str,
    status: int,
    reason: str,
    test_id: str,
    *,
    context: bool = False,
    retry_after_ms: int | None = None,
) -> Any:
    return pytest.param(msg, status, ref.SeedVerdict(context, reason, retry_after_ms), id=test_id)


_RL = "rate_limited"
_RLNR = "rate_limited_non_retryable"
_NR = "non_retryable"
_R = "retryable"
TYPED_STATUS_CASES = [
    _typed("401 Unauthorized", 500, _R, "typed_500_ignores_401_text"),
    _typed("500", 401, _NR, "typed_401_ignores_500_text"),
    _typed("Too Many Requests", 429, _RL, "typed_429_rate_limited"),
    _typed("", 429, _RL, "typed_429_empty_text"),
    _typed("model not found", 404, _NR, "typed_404_model_not_found"),
    _typed("model not found", 500, _R, "typed_500_ignores_model_hint"),
    _typed("invalid api key", 503, _R, "typed_503_ignores_auth_hint"),
    _typed("429 Too Many Requests: rate limit", 500, _R, "typed_500_ignores_429_text"),
    _typed("408 Request Timeout", 408, _R, "typed_408_retryable"),
    _typed("", 400, _NR, "typed_400_empty_text"),
    _typed("", 499, _NR, "typed_499_empty_text"),
    _typed("", 399, _R, "typed_399_empty_text"),
    _typed("authentication failed", 302, _R, "typed_302_ignores_auth_hint"),
    _typed("insufficient balance", 429, _RLNR, "typed_429_business"),
    _typed('{"code":1311}', 429, _RLNR, "typed_429_code_1311"),
    _typed("insufficient balance", 402, _NR, "typed_402_business_text"),
    _typed("insufficient balance", 500, _R, "typed_500_business_text"),
    _typed("maximum context length exceeded", 400, _NR, "typed_400_context", context=True),
    _typed("maximum context length exceeded", 500, _NR, "typed_500_context", context=True),
    _typed("tool call validation failed", 400, _R, "typed_400_tool_schema"),
    _typed("tool call validation failed", 429, _RL, "typed_429_tool_schema"),
    _typed("Retry-After: 5", 429, _RL, "typed_429_retry_after", retry_after_ms=5_000),
    _typed("Retry-After: 5", 503, _R, "typed_503_retry_after", retry_after_ms=5_000),
]


@pytest.mark.parametrize(("msg", "status", "expected"), TYPED_STATUS_CASES)
def test_reference_typed_status(msg: str, status: int, expected: Any) -> None:
    """With a typed status the port follows the status and ignores numbers in the text."""
    assert ref.seed_verdict(msg, status) == expected


@pytest.mark.parametrize(("msg", "status", "expected"), TYPED_STATUS_CASES)
def test_engine_typed_status(seed_rules: Any, msg: str, status: int, expected: Any) -> None:
    """With a typed status builtin:seed follows the status exactly as the seed does."""
    d = seed_rules.classify(msg, status=status)
    got = ref.SeedVerdict(d.category == CONTEXT, d.reason, d.retry_after_ms)
    assert got == expected, d.explain()


# ── Every message above: full verdict equality ──────────────────────────────
def _all_untyped_messages() -> list[str]:
    tables = (
        NON_RETRYABLE_CASES,
        CONTEXT_WINDOW_CASES,
        RETRY_AFTER_CASES,
        RATE_LIMITED_CASES,
        NON_RETRYABLE_RATE_LIMIT_CASES,
        TOOL_SCHEMA_CASES,
        EXECUTOR_CASES,
    )
    messages = {str(row.values[0]) for table in tables for row in table}
    return sorted(messages)


@pytest.mark.parametrize("msg", _all_untyped_messages())
def test_engine_full_verdict_parity(seed_rules: Any, msg: str) -> None:
    """For each table message builtin:seed's (context, reason, retry_after_ms) equals the port's."""
    want = ref.seed_verdict(msg)
    d = seed_rules.classify(msg)
    got = ref.SeedVerdict(d.category == CONTEXT, d.reason, d.retry_after_ms)
    assert got == want, f"msg={msg!r}\nseed={want}\nengine={got}\n{d.explain()}"
