"""Provider adapters over ``requests``: OpenAI-compatible ``/chat/completions`` and Anthropic
``/v1/messages``, with streaming, and the exceptions they raise.

Non-2xx answers raise :class:`ProviderHTTPError` (``status_code``, ``headers``, ``body`` and
``response`` are there for the rules, via ``to_failure``); a 2xx body of the wrong shape raises
:class:`MalformedResponseError`; an error reported inside a stream raises
:class:`ProviderStreamError`. Connection errors and timeouts propagate from ``requests``
unchanged; while the body is read, sizes and times are bounded (:class:`Limits`) and
failures are the library's own (:class:`ResponseTooLarge`, :class:`ResponseTimeout`,
:class:`ResponseInterrupted`).
"""

from __future__ import annotations

from reliable_rules.providers._transport import DEFAULT_LIMITS, Guard, Limits
from reliable_rules.providers.anthropic import Anthropic
from reliable_rules.providers.base import (
    MalformedResponseError,
    ProviderHTTPError,
    ProviderStreamError,
    ResponseInterrupted,
    ResponseTimeout,
    ResponseTooLarge,
)
from reliable_rules.providers.openai import OpenAICompatible
from reliable_rules.providers.sse import SSEMessage, iter_sse, iter_text_lines

__all__ = [
    "DEFAULT_LIMITS",
    "Anthropic",
    "Guard",
    "Limits",
    "MalformedResponseError",
    "OpenAICompatible",
    "ProviderHTTPError",
    "ProviderStreamError",
    "ResponseInterrupted",
    "ResponseTimeout",
    "ResponseTooLarge",
    "SSEMessage",
    "iter_sse",
    "iter_text_lines",
]
