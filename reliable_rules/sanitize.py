"""Scrub secrets and bound the size of error text before it is logged or shown.

Used for every error detail the library writes into traces, logs, failure trails and
exception messages. Patterns cover the credential shapes LLM providers use: OpenAI-style
``sk-…`` keys (and ``sk-ant-``, ``sk-proj-``), Groq ``gsk_…``, xAI ``xai-…``, Google ``AIza…``,
``Bearer`` tokens, JWTs, and ``api_key=``/``key=``/``token=`` values in URLs or text.
"""

from __future__ import annotations

import re

__all__ = ["REDACTED", "compact", "sanitize"]

REDACTED = "[REDACTED]"

_PATTERNS = (
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}"),
    re.compile(r"\b(?:sk|pk|rk)-(?:[A-Za-z0-9]+-)*[A-Za-z0-9_-]{8,}"),
    re.compile(r"\b(?:gsk|xai|hf|ghp|gho|github_pat|glpat|r8)_[A-Za-z0-9_-]{8,}"),
    re.compile(r"\bxai-[A-Za-z0-9_-]{8,}"),
    re.compile(r"\bAIza[0-9A-Za-z_-]{20,}"),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    re.compile(
        r"(?i)((?:api[_-]?key|apikey|access[_-]?token|auth[_-]?token|token|key|secret|password"
        r"|x-api-key|x-goog-api-key|authorization)[\"']?\s*[:=]\s*[\"']?)[^\s&\"',;}]{4,}"
    ),
)



# Every pattern above needs one of these (lower-cased) literals, so a text holding none of them
# is returned as is. Most error texts hold no secret, and the seven substitution passes cost
# more than the rest of the error path (the key=value pattern alone ~6 us on a short body).
_MARKERS = (
    "bearer", "basic", "sk-", "pk-", "rk-", "gsk_", "xai", "hf_", "ghp_", "gho_", "github_pat_",
    "glpat_", "r8_", "aiza", "eyj", "key", "token", "secret", "password", "authorization",
)  # fmt: skip


def sanitize(text: str) -> str:
    """``text`` with every credential-looking value replaced by ``[REDACTED]``."""
    lowered = text.lower()
    if not any(marker in lowered for marker in _MARKERS):
        return text
    for pattern in _PATTERNS:
        text = pattern.sub(_keep_label if pattern.groups else REDACTED, text)
    return text


def _keep_label(match: re.Match[str]) -> str:
    label = match.group(1)
    # "Bearer abc" keeps the scheme word; "api_key=abc" keeps "api_key=".
    if label.lower() in ("bearer", "basic"):
        return f"{label} {REDACTED}"
    return f"{label}{REDACTED}"


def compact(text: str, *, limit: int = 600) -> str:
    """Sanitised text on one line, white space folded, at most ``limit`` characters."""
    folded = " ".join(sanitize(text).split())
    if len(folded) <= limit:
        return folded
    return folded[: max(0, limit - 1)] + "…"
