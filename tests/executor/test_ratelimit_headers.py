"""Rate-limit headers of every family read into requests and tokens left, and never a raise
on odd headers (Hypothesis)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reliable_rules.chat import rate_limit_headers
from reliable_rules.executor.ratelimits import MAX_RESET_S, Limit, RateLimits, parse_rate_limits

#: A fixed wall clock, so absolute resets give exact waits.
NOW = 1_899_936_000.0  # 2030-03-17T00:00:00Z


def wall() -> float:
    """The test's wall clock."""
    return NOW


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param(
            {"x-ratelimit-limit-requests": "60", "x-ratelimit-remaining-requests": "0",
             "x-ratelimit-reset-requests": "6m0s", "x-ratelimit-limit-tokens": "150000",
             "x-ratelimit-remaining-tokens": "149984", "x-ratelimit-reset-tokens": "6ms"},
            RateLimits(Limit(60, 0, 360.0), Limit(150000, 149984, 0.006)), id="openai",
        ),
        pytest.param(
            {"X-RateLimit-Remaining-Requests": "14370", "X-RateLimit-Reset-Requests": "2m59.56s",
             "x-ratelimit-remaining-tokens": "5996", "x-ratelimit-reset-tokens": "40ms"},
            RateLimits(Limit(None, 14370, 179.56), Limit(None, 5996, 0.04)), id="groq",
        ),
        pytest.param(
            {"x-ratelimit-remaining-requests-day": "100",
             "x-ratelimit-reset-requests-day": "33011.3",
             "x-ratelimit-remaining-tokens-minute": "0",
             "x-ratelimit-reset-tokens-minute": "11.38"},
            RateLimits(Limit(None, 100, 33011.3), Limit(None, 0, 11.38)), id="cerebras",
        ),
        pytest.param(
            {"anthropic-ratelimit-requests-limit": "50",
             "anthropic-ratelimit-requests-remaining": "0",
             "anthropic-ratelimit-requests-reset": "2030-03-17T00:00:30Z",
             "anthropic-ratelimit-input-tokens-remaining": "4000",
             "anthropic-ratelimit-output-tokens-remaining": "900",
             "anthropic-ratelimit-output-tokens-reset": "2030-03-17T00:00:05+00:00"},
            RateLimits(Limit(50, 0, 30.0), Limit(None, 900, 5.0)), id="anthropic",
        ),
        pytest.param(
            {"ratelimit-limit": "100", "ratelimit-remaining": "7", "ratelimit-reset": "12"},
            RateLimits(Limit(100, 7, 12.0), None), id="ietf-fields",
        ),
        pytest.param(
            {"RateLimit": '"default";r=0;t=30', "RateLimit-Policy": '"default";q=100;w=60'},
            RateLimits(Limit(100, 0, 30.0), None), id="ietf-structured",
        ),
        pytest.param(
            {"RateLimit": "limit=100, remaining=50, reset=5"},
            RateLimits(Limit(100, 50, 5.0), None), id="ietf-old-draft",
        ),
        pytest.param(
            {"x-ratelimit-limit": "20", "x-ratelimit-remaining": "3",
             "x-ratelimit-reset": str(int((NOW + 20) * 1000))},
            RateLimits(Limit(20, 3, 20.0), None), id="openrouter-epoch-ms",
        ),
        pytest.param(
            {"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": str(NOW + 9)},
            RateLimits(Limit(None, 0, 9.0), None), id="epoch-seconds",
        ),
        pytest.param(
            {"ratelimit-remaining": "0", "ratelimit-reset": "Sun, 17 Mar 2030 00:00:10 GMT"},
            RateLimits(Limit(None, 0, 10.0), None), id="http-date",
        ),
        pytest.param(
            {"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "99999h"},
            RateLimits(Limit(None, 0, MAX_RESET_S), None), id="reset-capped-at-a-day",
        ),
        pytest.param(
            {"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": str(NOW - 50)},
            RateLimits(Limit(None, 0, 0.0), None), id="reset-in-the-past",
        ),
        pytest.param(
            {"x-ratelimit-remaining-requests": "lots", "x-ratelimit-reset-requests": "soon"},
            RateLimits(), id="unreadable",
        ),
        pytest.param({"content-type": "application/json"}, RateLimits(), id="none"),
    ],
)
def test_every_family_is_read(headers: dict[str, str], expected: RateLimits) -> None:
    """Each provider family's headers give the requests and tokens left and the reset."""
    parsed = parse_rate_limits(headers, wall=wall)
    assert _rounded(parsed) == _rounded(expected)


def _rounded(limits: RateLimits) -> tuple[object, ...]:
    return tuple(
        None if limit is None else (
            limit.limit, limit.remaining,
            None if limit.reset_s is None else round(limit.reset_s, 3),
        )
        for limit in (limits.requests, limits.tokens)
    )


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1s", 1.0), ("6m0s", 360.0), ("20ms", 0.02), ("1h2m3.5s", 3723.5), ("1.5", 1.5),
     ("500us", 0.0005), ("0s", 0.0)],
)
def test_go_durations_and_plain_seconds(text: str, seconds: float) -> None:
    """Resets written as Go durations or as plain seconds."""
    parsed = parse_rate_limits(
        {"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": text}, wall=wall
    )
    assert parsed.requests is not None
    assert parsed.requests.reset_s == pytest.approx(seconds)


def test_the_tightest_window_wins() -> None:
    """With a per-minute and a per-day window, the one with less left is the limit."""
    parsed = parse_rate_limits({
        "x-ratelimit-remaining-requests-minute": "5", "x-ratelimit-reset-requests-minute": "3s",
        "x-ratelimit-remaining-requests-day": "0", "x-ratelimit-reset-requests-day": "1h",
    })
    assert parsed.requests == Limit(None, 0, 3600.0)


def test_an_answer_keeps_only_rate_limit_headers() -> None:
    """``rate_limit_headers`` keeps the rate-limit families, lower-cased, values cut short."""
    kept = rate_limit_headers({
        "X-RateLimit-Remaining-Requests": "1", "Anthropic-RateLimit-Tokens-Reset": "x" * 1000,
        "RateLimit": "r=1", "Content-Type": "application/json", "Set-Cookie": "secret",
    })
    assert sorted(kept) == [
        "anthropic-ratelimit-tokens-reset", "ratelimit", "x-ratelimit-remaining-requests",
    ]
    assert len(kept["anthropic-ratelimit-tokens-reset"]) == 256


_NAMES = st.sampled_from([
    "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests",
    "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens", "x-ratelimit-remaining",
    "x-ratelimit-reset", "x-ratelimit-remaining-tokens-minute", "ratelimit", "ratelimit-policy",
    "ratelimit-remaining", "ratelimit-reset", "anthropic-ratelimit-requests-remaining",
    "anthropic-ratelimit-requests-reset", "anthropic-ratelimit-output-tokens-remaining",
])
_VALUES = st.one_of(
    st.text(max_size=40),
    st.from_regex(r"-?[0-9]{0,20}(\.[0-9]{0,5})?([eE][+-]?[0-9]{1,4})?", fullmatch=True),
    st.from_regex(r"([0-9.]{0,6}(h|m|s|ms|us|ns)){0,4}", fullmatch=True),
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})?",
                  fullmatch=True),
    st.floats().map(str),
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.one_of(_NAMES, st.text(max_size=30)), _VALUES, max_size=8))
def test_odd_headers_never_raise_and_give_sane_limits(headers: dict[str, str]) -> None:
    """Whatever the headers hold, parsing answers; counts are >= 0 and resets finite and
    within [0, a day]."""
    parsed = parse_rate_limits(headers, wall=wall)
    for limit in (parsed.requests, parsed.tokens):
        if limit is None:
            continue
        for count in (limit.limit, limit.remaining):
            assert count is None or count >= 0
        if limit.reset_s is not None:
            assert math.isfinite(limit.reset_s)
            assert 0.0 <= limit.reset_s <= MAX_RESET_S


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 30), st.integers(0, 59), st.integers(0, 59), st.integers(0, 999),
)
def test_any_go_duration_is_read_exactly(hours: int, minutes: int, secs: int, ms: int) -> None:
    """``<h>h<m>m<s>s<ms>ms`` reads as its seconds (capped at a day)."""
    text = f"{hours}h{minutes}m{secs}s{ms}ms"
    parsed = parse_rate_limits({"x-ratelimit-remaining-tokens": "1",
                                "x-ratelimit-reset-tokens": text})
    expected = min(hours * 3600 + minutes * 60 + secs + ms / 1000, MAX_RESET_S)
    assert parsed.tokens is not None
    assert parsed.tokens.reset_s == pytest.approx(expected)


class _Hostile:
    """A header mapping whose items() raises."""

    def items(self) -> object:
        raise RuntimeError("no")


def test_a_hostile_mapping_gives_nothing() -> None:
    """A mapping that raises is read as no headers, never an exception."""
    assert parse_rate_limits(_Hostile()).empty  # type: ignore[arg-type]
    assert dict(rate_limit_headers(_Hostile())) == {}  # type: ignore[arg-type]
