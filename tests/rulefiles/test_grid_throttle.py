"""builtin:default's rate-limit vs quota grid (rules/default/grid-throttle.yaml) generalises by concept.

The cases are generated from the concept (tests/helpers/grid_throttle_cases.py): every short
window x every throttle verdict is a rate limit, every money or long-window subject x every
spent verdict is a quota, under each status they come with, in English and eight more
languages; none is copied from a record. The near misses are where the two sides meet and
where other families own the words.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers.family_cases import decide_text
from helpers.grid_throttle_cases import QUOTA, RATE, language_cases, quota_cases, rate_cases

RATE_CASES = list(rate_cases())
QUOTA_CASES = list(quota_cases())
LANGUAGE = list(language_cases())


def test_the_grid_is_a_product_not_a_list() -> None:
    """Both sides are generated in the hundreds, all distinct, in eight more languages."""
    texts = [text for text, _s in RATE_CASES + QUOTA_CASES] + [case[2] for case in LANGUAGE]
    assert len(RATE_CASES) >= 100
    assert len(QUOTA_CASES) >= 100
    assert len({case[0] for case in LANGUAGE}) == 8
    assert len(set(texts)) == len(texts)


@pytest.mark.parametrize(("text", "status"), RATE_CASES)
def test_every_short_window_and_throttle_verdict_is_a_rate_limit(
    default: Any, text: str, status: int | None
) -> None:
    """A short window near a throttle verdict is a retryable rate limit, whatever the status."""
    decision = decide_text(default, text, status)
    assert decision.category == RATE, decision.rule_id
    assert decision.retryable


@pytest.mark.parametrize(("text", "status"), QUOTA_CASES)
def test_every_money_or_long_window_spent_is_a_quota(
    default: Any, text: str, status: int | None
) -> None:
    """Money or a long window near a spent verdict is an exhausted quota, never retried here."""
    decision = decide_text(default, text, status)
    assert decision.category == QUOTA, decision.rule_id
    assert not decision.retryable


@pytest.mark.parametrize(("language", "category", "text", "status"), LANGUAGE)
def test_every_language_decides_its_side(
    default: Any, language: str, category: str, text: str, status: int | None
) -> None:
    """The same two sides in zh, ja, ko, ru, es, pt, fr and de."""
    assert decide_text(default, text, status).category == category, language


# (text, status, the category builtin:default must decide): where the sides meet, and the
# neighbours other families own.
NEAR_MISSES = [
    pytest.param(
        "Quota exceeded for requests per minute. Try again in 30 seconds.",
        429,
        RATE,
        id="quota-word-in-a-per-minute-text",
    ),
    pytest.param(
        "Budget exhausted for requests per minute, retry in 10 seconds",
        400,
        RATE,
        id="budget-word-per-minute",
    ),
    pytest.param("Monthly request limit reached", 400, QUOTA, id="monthly-requests-are-a-quota"),
    pytest.param(
        "Daily request limit exceeded, try again tomorrow",
        429,
        QUOTA,
        id="daily-requests-are-a-quota",
    ),
    pytest.param("quota exceeded", 429, QUOTA, id="plain-quota-is-spent"),
    pytest.param(
        "Resource has been exhausted (e.g. check quota).",
        429,
        RATE,
        id="google-resource-exhausted-throttle",
    ),
    pytest.param(
        "Request too large: the request body exceeds the limit of 10 MB",
        400,
        "context_window_exceeded",
        id="request-too-large-is-context",
    ),
    pytest.param(
        "Too many images in the request: at most 10 are allowed",
        400,
        "client_error",
        id="image-count",
    ),
    pytest.param("Invalid API key provided", 401, "auth_failed", id="api-key"),
    pytest.param(
        "Your access token has expired, please sign in again",
        401,
        "auth_failed",
        id="expired-token",
    ),
    pytest.param(
        "请求体过大，超过限制", 400, "context_window_exceeded", id="zh-request-body-too-large"
    ),
    pytest.param("今日调用次数已达上限", None, QUOTA, id="zh-daily-calls-are-a-quota"),
]


@pytest.mark.parametrize(("text", "status", "expected"), NEAR_MISSES)
def test_the_grid_sides_and_neighbours(
    default: Any, text: str, status: int | None, expected: str
) -> None:
    """The period decides between the sides; oversized requests, counts and credentials are not throttles."""
    decision = decide_text(default, text, status)
    assert decision.category == expected, decision.rule_id
