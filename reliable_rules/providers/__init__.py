"""Provider adapters over ``requests``: OpenAI-compatible ``/chat/completions`` and Anthropic
``/v1/messages``, with streaming, and the exceptions they raise.

Non-2xx answers raise :class:`ProviderHTTPError` (``status_code``, ``headers``, ``body`` and
``response`` are there for the rules, via ``to_failure``); a 2xx body of the wrong shape raises
:class:`MalformedResponseError`; an error reported inside a stream raises
:class:`ProviderStreamError`. Connection errors and timeouts propagate from ``requests``
unchanged.
"""

from __future__ import annotations

from reliable_rules.providers.anthropic import Anthropic
from reliable_rules.providers.base import (
    MalformedResponseError,
    ProviderHTTPError,
    ProviderStreamError,
    SSEMessage,
    iter_sse,
    iter_text_lines,
)
from reliable_rules.providers.openai import OpenAICompatible

__all__ = [
    "Anthropic",
    "MalformedResponseError",
    "OpenAICompatible",
    "ProviderHTTPError",
    "ProviderStreamError",
    "SSEMessage",
    "iter_sse",
    "iter_text_lines",
]
