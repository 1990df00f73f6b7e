"""Differential test: the Python port of the seed against builtin:seed.

For every input, ``seed_reference.seed_verdict(msg, status)`` and
``load_rules("builtin:seed").classify(msg, status=status)`` must agree on
(context, reason, retry_after_ms). The engine's context flag is
``d.category == "context_window_exceeded"``. Zero disagreements are allowed.

Inputs come from the public provider-error corpus (typed and untyped view of
each record) and from Hypothesis. Hypothesis builds messages out of fragments
that reach every branch of the seed, and separately tries arbitrary Unicode
text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import seed_reference as ref
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CONTEXT = "context_window_exceeded"
CORPUS = Path(__file__).resolve().parents[1] / "data" / "provider_errors.public.jsonl"


def _load_records() -> list[dict[str, Any]]:
    with CORPUS.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


RECORDS = _load_records()


@pytest.fixture(scope="module")
def seed_rules() -> Any:
    """Load the builtin:seed rule set once for this module."""
    # Imported here so a missing engine fails these tests one by one, at setup.
    import reliable_rules  # noqa: PLC0415

    return reliable_rules.load_rules("builtin:seed")


def assert_same_verdict(rules: Any, msg: str, status: int | None) -> None:
    """Fail with both verdicts and the engine's explanation if the port and the engine disagree."""
    want = ref.seed_verdict(msg, status)
    d = rules.classify(msg, status=status)
    got = ref.SeedVerdict(
        context=d.category == CONTEXT,
        reason=d.reason,
        retry_after_ms=d.retry_after_ms,
    )
    assert got == want, (
        f"seed/engine disagreement\n"
        f"  msg    = {msg!r}\n"
        f"  status = {status!r}\n"
        f"  seed   = {want}\n"
        f"  engine = {got} (category={d.category!r}, rule_id={d.rule_id!r})\n"
        f"{d.explain()}"
    )


# ── Public corpus ───────────────────────────────────────────────────────────
def _record_id(record: dict[str, Any]) -> str:
    return f"{record['provider']}-{record['status']}-{record['expected']}"


def test_corpus_is_present() -> None:
    """The public corpus loads and has records (so the corpus tests below cannot pass vacuously)."""
    assert len(RECORDS) > 0
    for record in RECORDS:
        assert isinstance(record["body"], str)
        assert record["status"] is None or isinstance(record["status"], int)


@pytest.mark.parametrize("record", RECORDS, ids=[_record_id(r) for r in RECORDS])
def test_corpus_typed_status(seed_rules: Any, record: dict[str, Any]) -> None:
    """The engine and the port agree on each corpus body (msg=body) with its typed status."""
    assert_same_verdict(seed_rules, record["body"], record["status"])


@pytest.mark.parametrize("record", RECORDS, ids=[_record_id(r) for r in RECORDS])
def test_corpus_untyped(seed_rules: Any, record: dict[str, Any]) -> None:
    """The engine and the port agree on each corpus body as a plain string error (no status)."""
    assert_same_verdict(seed_rules, record["body"], None)


# ── Hypothesis: fragments that reach every branch of the seed ───────────────
def _case_variants(words: tuple[str, ...]) -> list[str]:
    return sorted({v for w in words for v in (w, w.lower(), w.upper(), w.title())})


_SEED_WORDS = (
    *ref.CONTEXT_WINDOW_HINTS,
    *ref.TOOL_SCHEMA_HINTS,
    *ref.AUTH_FAILURE_HINTS,
    *ref.MODEL_FAILURE_HINTS,
    *ref.BUSINESS_HINTS,
    "model",
    "Too Many",
    "Too Many Requests",
    "rate",
    "limit",
    "rate limit exceeded",
    "Unauthorized",
    "Bad Request",
    "Not Found",
    "model glm-4.7 not found",
    "unsupported model: glm-4.7",
    "The model `gpt-x` does not exist",
    "invalid model",
    "unknown model",
    "model overloaded, try again later",
    "429 Too Many Requests",
    "HTTP 429 rate limit exceeded",
)
hint_fragments = st.sampled_from(_case_variants(_SEED_WORDS))

status_numbers = st.sampled_from(
    [
        "400",
        "401",
        "403",
        "404",
        "408",
        "409",
        "422",
        "429",
        "499",
        "500",
        "502",
        "503",
        "529",
        "1113",
        "1311",
    ]
)
any_numbers = st.integers(min_value=0, max_value=70_000).map(str)
zero_padded = st.builds(
    lambda zeros, n: "0" * zeros + str(n),
    st.integers(min_value=1, max_value=8),
    st.sampled_from([0, 408, 429, 401, 404, 499, 1113, 1311, 65535, 65536, 400, 4290]),
)
glued_digits = st.builds(
    lambda a, n, b: a + n + b,
    st.sampled_from(["", "HTTP", "e", "v", "code", "x", "_", "٤", "\uff14"]),
    st.sampled_from(["401", "429", "408", "404", "1113", "1311", "0429", "65536", "429429"]),
    st.sampled_from(["", "x", "ms", "s", "Too Many", "rate", "limit", "_", ".", "٢"]),
)
huge_digit_runs = st.sampled_from(
    [
        "9" * 30,
        "0" * 5000 + "429",
        "0" * 5000 + "401",
        "1" * 4400,
        "4" * 5000,
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999999",
    ]
)

retry_prefixes = st.sampled_from(
    [
        *_case_variants(ref.RETRY_AFTER_PREFIXES),
        # near misses: no separator, "=", a JSON key, a newline, a space before ':'
        "Retry-After",
        "retry-after=",
        'retry_after":',
        "Retry-After:\n",
        "RETRY-AFTER :",
    ]
)
# Rust's trim() set, plus characters Python or other tools treat as space but Rust does not.
_NOT_RUST_WHITESPACE = ["\x1c", "\x1d", "\x1e", "\x1f", "\u180e", "\u200b", "\ufeff"]
retry_spaces = st.text(
    alphabet=st.sampled_from([*ref.RUST_WHITESPACE, *_NOT_RUST_WHITESPACE]),
    max_size=4,
)
retry_numbers = st.one_of(
    st.text(alphabet="0123456789.", max_size=25),
    st.integers(min_value=0, max_value=10**25).map(str),
    st.floats(min_value=0, allow_nan=False, allow_infinity=False).map(repr),
    st.decimals(min_value=0, max_value=10**6, allow_nan=False, allow_infinity=False, places=9).map(
        str
    ),
    st.sampled_from(
        [
            "0",
            "5",
            "2.5",
            "5.",
            ".5",
            ".",
            "..",
            "1.2.3",
            "0.0005",
            "0.0015",
            "0.000999999",
            "0.0009995",
            "0.0009765625",
            "18446744073709551.615",
            "18446744073709551.616",
            "18446744073709552",
            "18446744073709551615",
            "18446744073709551616",
            "1" + "0" * 400,
            "9" * 310,
            "1e5",
            "-1",
            "+1",
            "inf",
            "NaN",
            "\uff13",
        ]
    ),
)
retry_after_fragments = st.builds(
    lambda p, sp, n, tail: p + sp + n + tail,
    retry_prefixes,
    retry_spaces,
    retry_numbers,
    st.sampled_from(["", " seconds", "s", ",", "}", "\n", "x"]),
)

json_fragments = st.sampled_from(
    [
        '{"error":{"code":1311,"message":"the current account plan does not include glm-5"}}',
        '{"error":{"code":"1113","message":"Insufficient balance"}}',
        '{"error":{"message":"tool call validation failed: attempted to call tool '
        "'x' which was not in request\"}}",
        '{"type":"error","error":{"type":"rate_limit_error","message":"429 rate limit"}}',
        '{"retry_after": 5}',
        '{"retry_after":"7"}',
        '{"error":{"type":"invalid_request_error",'
        '"message":"maximum context length is 8192 tokens"}}',
        '{"code":429,"status":"RESOURCE_EXHAUSTED"}',
        "{'error': {'code': '1113', 'message': '余额不足或无可用资源包,请充值。'}}",
    ]
)

unicode_specials = st.sampled_from(
    [
        "İ",
        "\u212a",
        "\u212b",
        "ß",
        "ẞ",
        "Σ",
        "ΑΣ",
        "ﬃ",
        "Ⅻ",
        "Ⓜ",
        "\u0307",
        "\x85",
        "\u3000",
        "\x1c",
        "💥",
        "ǅ",
    ]
)

fragments = st.one_of(
    hint_fragments,
    status_numbers,
    any_numbers,
    zero_padded,
    glued_digits,
    huge_digit_runs,
    retry_after_fragments,
    json_fragments,
    unicode_specials,
    st.text(max_size=12),
)
separators = st.sampled_from(
    ["", " ", "  ", ": ", ", ", "\n", "\t", "(", ")", "-", "_", ".", "/", "\u3000", "\xa0"]
)
messages = st.lists(st.tuples(fragments, separators), max_size=12).map(
    lambda parts: "".join(fragment + sep for fragment, sep in parts)
)
statuses = st.one_of(st.none(), st.integers(min_value=100, max_value=599))


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(msg=messages, status=statuses)
def test_fragments_agree(seed_rules: Any, msg: str, status: int | None) -> None:
    """The engine and the port agree on messages built from fragments covering every seed branch."""
    assert_same_verdict(seed_rules, msg, status)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    msg=st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF)), status=statuses
)
def test_arbitrary_text_agrees(seed_rules: Any, msg: str, status: int | None) -> None:
    """The engine and the port agree on arbitrary Unicode text, with or without a typed status."""
    assert_same_verdict(seed_rules, msg, status)
