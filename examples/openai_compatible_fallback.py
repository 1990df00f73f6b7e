"""Two OpenAI-compatible endpoints and a fallback model: who answered, and why.

The primary endpoint is overloaded (503) and the backup does not serve gpt-4o (404
model_not_found), so the executor falls back to gpt-4o-mini, which the primary answers.
Everything runs against a local fake server: no network, no real keys.

    python examples/openai_compatible_fallback.py

Needs: reliable-rules installed (`pip install .` from the repository root); nothing else.
"""

from __future__ import annotations

import reliable_rules
from reliable_rules import ChatRequest, Message, ReliableExecutor
from reliable_rules.providers import OpenAICompatible
from reliable_rules.testing import FakeProviderServer, Reply


def main() -> None:
    with FakeProviderServer(name="primary") as primary, FakeProviderServer(name="backup") as backup:
        # The primary is overloaded for gpt-4o but answers gpt-4o-mini.
        overloaded = Reply.openai_error(503, "The engine is currently overloaded.")
        primary.script(overloaded, overloaded, model="gpt-4o")
        primary.script(Reply.ok("Paris."), model="gpt-4o-mini")
        # The backup does not serve gpt-4o at all.
        backup.script(
            Reply.openai_error(
                404,
                "The model `gpt-4o` does not exist or you do not have access to it.",
                code="model_not_found",
            ),
            model="gpt-4o",
        )

        executor = ReliableExecutor(
            [
                ("primary", OpenAICompatible(primary.openai_base_url, "sk-example-primary-0001")),
                ("backup", OpenAICompatible(backup.openai_base_url, "sk-example-backup-0002")),
            ],
            max_retries=1,  # one retry per (provider, model) pair
            base_backoff_ms=50,  # keep the example fast (the policy floor is 50 ms)
            model_fallbacks={"gpt-4o": ["gpt-4o-mini"]},
        )
        request = ChatRequest([Message.user("What is the capital of France?")])

        # A web app wraps each user request in a scope and reads the fallback record after
        # the call, e.g. to tell the user that a smaller model answered.
        with reliable_rules.scope_provider_fallback():
            outcome = executor.execute(request, "gpt-4o")
            record = reliable_rules.take_last_provider_fallback()
            second_take = reliable_rules.take_last_provider_fallback()  # consumed: None
        executor.close()

    print(f"answer: {outcome.response.text!r} from {outcome.provider}/{outcome.model}")
    print("attempts:")
    for attempt in outcome.attempts:
        decision = attempt.decision
        # The backup's 404 "model does not exist" is model_not_found: next_provider.
        why = "ok" if decision is None else f"{decision.category} ({decision.rule_id})"
        print(
            f"  {attempt.provider}/{attempt.model} {attempt.attempt}/{attempt.max_attempts}: "
            f"{why} -> {attempt.action}"
        )
    fallback = outcome.fallback
    assert fallback is not None  # another model answered
    print(
        f"fallback: requested {fallback.requested_provider}/{fallback.requested_model}, "
        f"answered by {fallback.actual_provider}/{fallback.actual_model} "
        f"after {fallback.attempts} attempts"
    )
    print(f"take_last_provider_fallback() in the scope: {record}")
    print(f"a second take: {second_take}")


if __name__ == "__main__":
    main()
