"""Scrub secrets and bound the size of error text before it is logged or shown.

Used for every error detail the library writes into traces, logs, failure trails and
exception messages. Patterns cover the credential shapes LLM providers use: OpenAI-style
``sk-…`` keys (and ``sk-ant-``, ``sk-proj-``, ``sk-or-``), Stripe-style ``sk_live_``, Groq
``gsk_…``, xAI ``xai-…``, Perplexity ``pplx-``, NVIDIA ``nvapi-``, Cerebras ``csk-``, Fireworks
``fw_``, Together ``tgp_v1_``, GitHub and GitLab tokens, Slack ``xox?-``, Google ``AIza…`` and
``ya29.`` OAuth tokens, AWS ``AKIA…`` ids with a secret written after them, ``Bearer``/``Basic``
tokens, ``Authorization:`` headers of any scheme, JWTs, URL ``user:password@`` credentials, and
the value after a key-like name (``api_key``, ``token``, ``secret``, ``password``, ``pwd``,
``auth``, ``sig``, ``X-Amz-Signature``, …) in text, URLs, URL-encoded forms (``api_key%3D``) and
escaped JSON (``\\"api_key\\": \\"…\\"``). See ``docs/security.md``.
"""

from __future__ import annotations

import functools
import re

__all__ = ["REDACTED", "compact", "sanitize"]

REDACTED = "[REDACTED]"

# A value after a key-like name: up to white space or a separator; a backslash only when it
# does not escape a quote (escaped JSON: ``\\"api_key\\": \\"…\\"``).
_VALUE = r"""(?:[^\s&"',;}\\]|\\(?![\\"']))"""
_QUOTE = r"""(?:\\*["'])?"""


@functools.cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    # compiled at the first text that holds a marker, not when the package is imported
    return (
        re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}"),
        # "Authorization: Token …", "Authorization: Key …": the header's value whatever its scheme.
        re.compile(
            rf"(?i)\b(authorization{_QUOTE}\s*[:=]\s*{_QUOTE}(?:[A-Za-z-]+\s+)?){_VALUE}{{4,}}"
        ),
        # "Token …"/"Key …" schemes elsewhere: only a long value holding a digit.
        re.compile(r"(?i)\b(token|key)\s+(?=[A-Za-z._~+/=-]*\d)[A-Za-z0-9._~+/=-]{16,}"),
        re.compile(r"\b(?:sk|pk|rk)-(?:[A-Za-z0-9]+-)*[A-Za-z0-9_-]{8,}"),
        re.compile(r"\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{8,}"),
        re.compile(
            r"\b(?:gsk|xai|hf|ghp|gho|ghu|ghs|ghr|github_pat|glpat|r8|fw|tgp_v1)_[A-Za-z0-9_-]{8,}"
        ),
        re.compile(r"\b(?:xai|pplx|nvapi|csk|glpat|xox[abprs])-[A-Za-z0-9_-]{8,}"),
        re.compile(r"\bya29\.[A-Za-z0-9._-]{8,}"),
        re.compile(r"\bAIza[0-9A-Za-z_-]{20,}"),
        # AWS access key id, and a 40-character secret written right after it.
        re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}(?:[\s:/=,]+[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+]))?"),
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        # URL credentials: scheme://user:password@host keeps the user.
        re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s/:@]+:)[^\s/@]+(?=@)"),
        # URL-encoded key=value (api_key%3D…), up to the next encoded "&".
        re.compile(
            r"(?i)((?:api[_-]?key|apikey|access[_-]?token|token|key|secret|password|pwd|sig|auth)"
            r"(?:%22)?%3D(?:%22)?)(?:(?!%26|%22)[^\s&\"',;}])+"
        ),
        # Short names only as whole words (no "bypass=", "author=").
        re.compile(
            rf"(?i)(?<![A-Za-z0-9])((?:sig|signature|x-amz-signature|x-amz-credential|auth|pwd|passwd"
            rf"|pass|credentials?){_QUOTE}\s*[:=]\s*{_QUOTE}){_VALUE}{{4,}}"
        ),
        re.compile(
            r"(?i)((?:api[_-]?key|apikey|access[_-]?token|auth[_-]?token|token|key|secret|password"
            rf"|x-api-key|x-goog-api-key|authorization){_QUOTE}\s*[:=]\s*{_QUOTE}){_VALUE}{{4,}}"
        ),
    )

# Every pattern above needs one of these (lower-cased) literals, so a text holding none of them
# is returned as is. Most error texts hold no secret, and the substitution passes cost more
# than the rest of the error path (the key=value pattern alone ~6 us on a short body).
_MARKERS = (
    "bearer", "basic", "sk-", "pk-", "rk-", "sk_", "pk_", "rk_", "gsk_", "xai", "hf_", "gh",
    "glpat", "r8_", "fw_", "tgp_v1_", "pplx-", "nvapi-", "csk-", "xox", "ya29.", "aiza", "akia",
    "asia", "eyj", "://", "%3d", "sig", "auth", "pwd", "pass", "credential", "key", "token",
    "secret",
)  # fmt: skip


def sanitize(text: str) -> str:
    """``text`` with every credential-looking value replaced by ``[REDACTED]``."""
    lowered = text.lower()
    for marker in _MARKERS:  # a plain loop: no generator on every error's path
        if marker in lowered:
            break
    else:
        return text
    for pattern in _patterns():
        text = pattern.sub(_keep_label if pattern.groups else REDACTED, text)
    return text


def _keep_label(match: re.Match[str]) -> str:
    label = match.group(1)
    # "Bearer abc" keeps the scheme word; "api_key=abc" keeps "api_key=".
    if label.lower() in ("bearer", "basic", "token", "key"):
        return f"{label} {REDACTED}"
    return f"{label}{REDACTED}"


def compact(text: str, *, limit: int = 600) -> str:
    """Sanitised text on one line, white space folded, at most ``limit`` characters."""
    folded = " ".join(sanitize(text).split())
    if len(folded) <= limit:
        return folded
    return folded[: max(0, limit - 1)] + "…"
