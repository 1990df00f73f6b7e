"""Every common credential shape is scrubbed: nothing of a secret but its last 4 characters
survives ``sanitize``, and an executor ``Attempt`` never prints its ``api_key``."""

from __future__ import annotations

import pytest

from reliable_rules.executor.attempt import Attempt
from reliable_rules.sanitize import sanitize

# (text around the secret with {s} where it goes, the secret)
SHAPES = [
    ("invalid key {s} (request 1)", "sk-abcdefghijklmnopqrstuv1234"),
    ("invalid key {s}", "sk-proj-AbCdEfGhIjKlMnOp5678"),
    ("invalid key {s}", "sk-ant-api03-AbCdEfGhIjKlMnOp9012"),
    ("invalid key {s}", "sk-or-v1-0123456789abcdef0123"),
    ("stripe said {s}", "sk_live_51AbCdEfGhIjKlMn"),
    ("key {s} rejected", "gsk_AbCdEfGhIjKlMnOpQr3456"),
    ("key {s} rejected", "xai-AbCdEfGhIjKlMnOpQr7890"),
    ("key {s} rejected", "pplx-AbCdEfGhIjKlMnOpQr1122"),
    ("key {s} rejected", "nvapi-AbCdEfGhIjKlMnOpQr3344"),
    ("key {s} rejected", "csk-AbCdEfGhIjKlMnOpQr5566"),
    ("key {s} rejected", "fw_AbCdEfGhIjKlMnOpQr7788"),
    ("key {s} rejected", "tgp_v1_AbCdEfGhIjKlMnOpQr9900"),
    ("token {s} expired", "glpat-AbCdEfGhIjKlMnOp1357"),
    ("token {s} expired", "ghp_AbCdEfGhIjKlMnOpQrSt2468"),
    ("token {s} expired", "github_pat_11AbCdEfGhIjKlMn"),
    ("token {s} expired", "hf_AbCdEfGhIjKlMnOpQr1470"),
    ("token {s} expired", "r8_AbCdEfGhIjKlMnOpQr2581"),
    ("token {s} expired", "xoxb-1234567890-AbCdEfGhIj"),
    ("google key {s} invalid", "AIzaSyA1234567890abcdefghijklmnop"),
    ("oauth {s} expired", "ya29.a0AfH6SMBxYzAbCdEfGh3692"),
    ("jwt {s} bad", "eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4"),
    ("aws id {s} denied", "AKIAIOSFODNN7EXAMPLE"),
    ("aws AKIAIOSFODNN7EXAMPLE:{s} denied", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("aws_secret_access_key={s}", "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"),
    ("Authorization: Bearer {s}", "abcDEF123456ghiJKL7890"),
    ("Authorization: Basic {s}", "dXNlcjpwYXNzd29yZDEyMzQ="),
    ("Authorization: Token {s}", "tok0123456789abcdefXYZ"),
    ("Authorization: Key {s}", "fal0123456789abcdefUVW"),
    ("GET https://alice:{s}@api.example.com/v1", "hunter2Secret99"),
    ("GET https://x.blob.core.windows.net/c?sv=2021&sig={s}&se=1", "AbCdEf%2BGhIjKl%3D9876"),
    ("GET /o?X-Amz-Algorithm=A&X-Amz-Signature={s}&x=1", "fe5f80f77d5fa3beca038a248ff027d0"),
    ("GET /v1/models?auth={s}", "AbCdEfGhIjKlMn4321"),
    ("GET /login?user=bob&pwd={s}", "CorrectHorse8765"),
    ("POST body=api_key%3D{s}%26model%3Dx", "AbCdEfGhIjKlMnOp2468"),
    ('{{\\"api_key\\": \\"{s}\\"}}', "AbCdEfGhIjKlMnOp1357"),
    ('{{"api_key": "{s}"}}', "AbCdEfGhIjKlMnOp9753"),
    ("GET /v1?api_key={s}&x=1", "abcd1234efgh5678"),
    ("x-api-key: {s}", "AbCdEfGhIjKlMnOp8642"),
    ("x-goog-api-key: {s}", "AbCdEfGhIjKlMnOp0864"),
    ("api-key: {s}", "0123456789abcdef0123456789abcdef"),
    ("Ocp-Apim-Subscription-Key: {s}", "fedcba9876543210fedcba9876543210"),
    ("access_token={s}", "AbCdEfGhIjKlMnOp1212"),
    ("X-Amz-Security-Token={s}", "FwoGZXIvYXdzEBAaDAbCdEfGh3434"),
    ("client_secret={s}", "AbCdEfGhIjKlMnOp5656"),
    ("password: {s}", "P4ssw0rd!Long7878"),
    ("'secret': '{s}'", "AbCdEfGhIjKlMnOp9090"),
]


def _leaks(secret: str, text: str) -> list[str]:
    """Windows of 5 characters of ``secret`` (all but its last 4 characters) found in ``text``."""
    head = secret[:-4]
    return [head[i : i + 5] for i in range(max(0, len(head) - 4)) if head[i : i + 5] in text] + (
        [head] if len(head) < 5 and head and head in text else []
    )


def test_the_table_has_at_least_40_shapes() -> None:
    """The table covers at least 40 distinct shapes."""
    assert len({template for template, _ in SHAPES} | {s for _, s in SHAPES}) >= 40
    assert len(SHAPES) >= 40


@pytest.mark.parametrize(("template", "secret"), SHAPES)
def test_no_more_than_the_last_4_characters_of_a_secret_survive(template: str, secret: str) -> None:
    """Nothing of the secret but its last 4 characters appears after sanitising."""
    out = sanitize("error: " + template.format(s=secret) + " (request 42)")
    assert _leaks(secret, out) == [], out


def test_plain_error_texts_are_left_alone() -> None:
    """Texts that only mention keys and authors keep their words."""
    for text in (
        "Incorrect API key provided. You can find your API key at https://example.com.",
        "author=Jane bypass=true design=flat",
        "Rate limit reached for requests, please retry after 20s",
    ):
        assert sanitize(text) == text


def test_attempt_repr_and_str_do_not_print_the_api_key() -> None:
    """``repr()``/``str()`` of an Attempt shows at most the key's last 4 characters."""
    key = "sk-proj-AbCdEfGhIjKlMnOpQrSt1234"
    attempt = Attempt(None, "openai", "gpt-x", None, key, 1)
    for text in (repr(attempt), str(attempt), f"{attempt}", repr([attempt])):
        assert _leaks(key, text) == [], text
        assert "openai" in text
    assert attempt.api_key == key
    assert "None" in repr(attempt._replace(api_key=None))
