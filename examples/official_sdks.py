"""The official ``openai`` and ``anthropic`` SDKs under ReliableExecutor.call.

Each SDK client is built with ``max_retries=0`` so the executor, driven by the rules, is the
only thing that retries, rotates keys and falls back. Three scenes, all against a local fake
server (no network, no real keys):

1. OpenAI answers 429 (``retry-after-ms: 50``), then 200: one retry, with the next API key.
2. An Anthropic 429 ``rate_limit_error`` with ``retry-after: 1``, classified by the rules.
3. Anthropic rejects the key (401), so an OpenAI-compatible backup answers, after exactly
   one request to Anthropic.

    pip install openai anthropic
    python examples/official_sdks.py

Needs: reliable-rules and the official SDKs: `pip install . openai anthropic` (the
SDKs are not dependencies of reliable-rules; the `test` extra installs them).
"""

from __future__ import annotations

from typing import Any

import anthropic
import openai

from reliable_rules import Attempt, ChatRequest, Message, ReliableExecutor, load_rules
from reliable_rules.executor.records import key_hint
from reliable_rules.testing import FakeProviderServer, Reply

OWN_KEY = "sk-example-own-0000"
SPARE_KEYS = ["sk-example-spare-1111", "sk-example-spare-2222"]


def ask_openai(attempt: Attempt) -> str:
    """One chat completion with the attempt's base URL, model, key and messages."""
    assert attempt.request is not None
    messages: Any = [{"role": m.role, "content": m.content} for m in attempt.request.messages]
    with openai.OpenAI(
        base_url=attempt.provider["base_url"],
        api_key=attempt.api_key or attempt.provider["api_key"],
        max_retries=0,  # the executor retries, by the rules
    ) as client:
        completion = client.chat.completions.create(model=attempt.model, messages=messages)
    return completion.choices[0].message.content or ""


def ask_anthropic(attempt: Attempt) -> str:
    """One Messages call; the system prompt travels as ``system=``."""
    assert attempt.request is not None
    system = "\n".join(m.content for m in attempt.request.messages if m.role == "system")
    turns: Any = [
        {"role": m.role, "content": m.content}
        for m in attempt.request.messages
        if m.role != "system"
    ]
    with anthropic.Anthropic(
        base_url=attempt.provider["base_url"],
        api_key=attempt.api_key or attempt.provider["api_key"],
        max_retries=0,
    ) as client:
        message = client.messages.create(
            model=attempt.model,
            max_tokens=256,
            messages=turns,
            **({"system": system} if system else {}),
        )
    return "".join(block.text for block in message.content if block.type == "text")


def ask_any(attempt: Attempt) -> str:
    """Dispatch on the provider's SDK, so one executor can mix both."""
    sdk = attempt.provider["sdk"]
    return ask_anthropic(attempt) if sdk == "anthropic" else ask_openai(attempt)


def main() -> None:
    request = ChatRequest(
        [Message.system("Answer in one word."), Message.user("Capital of France?")]
    )
    with FakeProviderServer(name="openai") as oa, FakeProviderServer(name="anthropic") as an:
        # 1. A transient OpenAI rate limit: the retry uses the next key.
        oa.script(
            Reply.openai_error(
                429,
                "Rate limit reached for gpt-4o on requests per min (RPM).",
                code="rate_limit_exceeded",
                headers={"retry-after-ms": "50"},
            ),
            Reply.ok("Paris."),
        )
        openai_provider = {"sdk": "openai", "base_url": oa.openai_base_url, "api_key": OWN_KEY}
        with ReliableExecutor([("openai", openai_provider)], api_keys=SPARE_KEYS) as executor:
            outcome = executor.call_with_outcome(ask_any, model="gpt-4o", request=request)
        keys = [key_hint(recorded.api_key) for recorded in oa.requests]
        print(
            f"openai: {outcome.response!r} after {len(outcome.attempts)} attempts; "
            f"keys the server saw: {keys}"
        )

        # 2. What the rules make of an Anthropic SDK exception.
        an.script(
            Reply.anthropic_error(
                429,
                "rate_limit_error",
                "Number of request tokens has exceeded your rate limit",
                headers={"retry-after": "1"},
            )
        )
        anthropic_provider = {
            "sdk": "anthropic",
            "base_url": an.anthropic_base_url,
            "api_key": OWN_KEY,
        }
        try:
            ask_anthropic(Attempt(anthropic_provider, "anthropic", "claude", request, None, 1))
        except anthropic.RateLimitError as error:
            decision = load_rules().classify(error)
            print(
                f"anthropic: {error.body['error']['type']} -> {decision.category} "
                f"({decision.rule_id}), retry after {decision.retry_after_ms} ms"
            )

        # 3. Anthropic rejects the key; the OpenAI-compatible backup answers.
        an.script(Reply.anthropic_error(401, "authentication_error", "invalid x-api-key"))
        oa.script(Reply.ok("Bonjour."))
        before = len(an.requests)
        with ReliableExecutor(
            [("anthropic", anthropic_provider), ("openai-backup", openai_provider)]
        ) as executor:
            outcome = executor.call_with_outcome(
                ask_any, model="claude-test-model", request=request
            )
        first = outcome.attempts[0].decision
        assert first is not None
        print(
            f"fallback: {outcome.response!r} from {outcome.provider} after anthropic said "
            f"{first.category}; requests to anthropic: {len(an.requests) - before}"
        )


if __name__ == "__main__":
    main()
