"""builtin:default's context-overflow grid (rules/default/grid-size.yaml) generalises by concept.

The cases are generated from the concept (tests/helpers/grid_size_cases.py): every subject
that can be too big x every verdict that says it is x both word orders, under each status the
concept comes with, in English and eight more languages; none is copied from a record. The
near misses are the grid's neighbours that other families own.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers.family_cases import decide_text
from helpers.grid_size_cases import CONTEXT, english_cases, language_cases

ENGLISH = list(english_cases())
LANGUAGE = list(language_cases())


def test_the_grid_is_a_product_not_a_list() -> None:
    """The generated English and other-language cases number in the hundreds, all distinct."""
    texts = [text for text, _status in ENGLISH] + [text for _lang, text, _status in LANGUAGE]
    assert len(ENGLISH) >= 450
    assert len({lang for lang, _text, _status in LANGUAGE}) == 8
    assert len(set(texts)) == len(texts)


@pytest.mark.parametrize(("text", "status"), ENGLISH)
def test_every_english_subject_and_verdict_is_an_overflow(
    default: Any, text: str, status: int | None
) -> None:
    """A subject that can be too big, near a verdict that it is, decides a context overflow."""
    decision = decide_text(default, text, status)
    assert decision.category == CONTEXT, decision.rule_id
    assert decision.action == "truncate_history"


@pytest.mark.parametrize(("language", "text", "status"), LANGUAGE)
def test_every_language_subject_and_verdict_is_an_overflow(
    default: Any, language: str, text: str, status: int | None
) -> None:
    """The same grid in zh, ja, ko, ru, es, pt, fr and de decides a context overflow."""
    assert decide_text(default, text, status).category == CONTEXT, language


# (text, status, the category builtin:default must decide): the grid's neighbours.
NEAR_MISSES = [
    pytest.param(
        "Too many tokens, please wait before trying again.",
        429,
        "rate_limited",
        id="too-many-tokens-throttle",
    ),
    pytest.param(
        "Rate limit reached for tokens per minute: limit 30000, used 29000",
        429,
        "rate_limited",
        id="tpm-limit",
    ),
    pytest.param(
        "You have exceeded your daily token limit. Upgrade your plan.",
        429,
        "quota_exhausted",
        id="daily-token-quota",
    ),
    pytest.param(
        "Too many requests, please slow down", None, "rate_limited", id="too-many-requests"
    ),
    pytest.param(
        "max_tokens must be at most 4096 for this model",
        400,
        "client_error",
        id="output-budget-parameter",
    ),
    pytest.param(
        "max_new_tokens (5000) should not exceed max_context_len",
        400,
        "client_error",
        id="output-vs-context-setting",
    ),
    pytest.param(
        "The number of images must be at most 20.", 400, "client_error", id="count-of-images"
    ),
    pytest.param(
        "Too many files attached: a maximum of 10 files is allowed",
        400,
        "client_error",
        id="count-of-files",
    ),
    pytest.param(
        "The image size exceeds the maximum of 20 MB", 400, "client_error", id="image-size"
    ),
    pytest.param(
        "File size is too large, max file size is 100MB", 400, "client_error", id="file-size"
    ),
    pytest.param(
        "function name is too long: must be at most 64 characters",
        400,
        "tool_schema_error",
        id="function-name-length",
    ),
    pytest.param("The request took too long to complete", None, "timeout", id="took-too-long"),
    pytest.param(
        "rpc error: code = DeadlineExceeded desc = context deadline exceeded",
        None,
        "timeout",
        id="context-deadline",
    ),
    pytest.param(
        "CUDA out of memory. Try reducing the batch size.",
        500,
        "server_error",
        id="gpu-out-of-memory",
    ),
    pytest.param("message must be at least 1 token long", 400, "client_error", id="lower-bound"),
    pytest.param(
        "temperature must be less than or equal to 2",
        400,
        "client_error",
        id="other-parameter-bound",
    ),
    pytest.param(
        "Invalid token: the access token has expired", 401, "auth_failed", id="auth-token"
    ),
    pytest.param("请求过多，请稍后再试", None, "rate_limited", id="zh-too-many-requests"),
    pytest.param(
        "每分钟token数量超过限制，请稍后重试", None, "rate_limited", id="zh-tokens-per-minute"
    ),
    pytest.param("图片大小超过限制", 400, "client_error", id="zh-image-size"),
    pytest.param(
        "Слишком много запросов, попробуйте позже", None, "rate_limited", id="ru-too-many-requests"
    ),
    pytest.param(
        "Demasiadas solicitudes, inténtelo más tarde",
        429,
        "rate_limited",
        id="es-too-many-requests",
    ),
    pytest.param(
        "The language is not supported", 400, "client_error", id="de-lang-is-not-a-verdict"
    ),
]


@pytest.mark.parametrize(("text", "status", "expected"), NEAR_MISSES)
def test_the_grid_leaves_its_neighbours_alone(
    default: Any, text: str, status: int | None, expected: str
) -> None:
    """Rate and quota limits, output budgets, counts, media sizes, field lengths and waits are not overflows."""
    decision = decide_text(default, text, status)
    assert decision.category == expected, decision.rule_id
    assert not (decision.rule_id or "").startswith("default.grid-size")
