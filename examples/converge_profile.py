"""The converge profile (``rules="builtin:converge"``): format fallback and no fallback on auth.

1. We ask for YAML and parse the answer ourselves; the provider's YAML does not parse, so we
   raise ``ResponseFormatMismatch`` and the executor asks the same provider again for JSON.
2. A 401 aborts the call at once: converge never tries another backend with bad credentials.

    python examples/converge_profile.py

Needs: reliable-rules installed (`pip install .` from the repository root); nothing else.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from reliable_rules import (
    AllProvidersFailed,
    Attempt,
    AttemptRecord,
    ChatRequest,
    Hooks,
    Message,
    ReliableExecutor,
    ResponseFormatMismatch,
)
from reliable_rules.providers import OpenAICompatible
from reliable_rules.testing import FakeProviderServer, Reply


def ask_for_city(attempt: Attempt) -> dict[str, Any]:
    """One attempt: call the adapter with the (possibly format-switched) request and parse."""
    request = attempt.request
    assert request is not None
    response = attempt.provider.chat(request, attempt.model, api_key=attempt.api_key)
    text = response.text or ""
    try:
        data = json.loads(text) if request.response_format == "json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        raise ResponseFormatMismatch(
            f"{request.response_format} parse failed: {error}", expected=request.response_format
        ) from error
    if not isinstance(data, dict) or "city" not in data:
        raise ResponseFormatMismatch(
            f"{request.response_format} answer has no 'city' mapping: {text!r}",
            expected=request.response_format,
        )
    return data


def show(record: AttemptRecord) -> None:
    decision = record.decision
    why = "success" if decision is None else f"{decision.category} ({decision.rule_id})"
    where = f"{record.provider} attempt {record.attempt}/{record.max_attempts}"
    print(f"  {where}: {why} -> {record.action}")


def main() -> None:
    with FakeProviderServer(name="primary") as primary, FakeProviderServer(name="backup") as backup:
        executor = ReliableExecutor(
            [
                ("primary", OpenAICompatible(primary.openai_base_url, "sk-example-primary-0001")),
                ("backup", OpenAICompatible(backup.openai_base_url, "sk-example-backup-0002")),
            ],
            rules="builtin:converge",
            max_retries=0,  # the converge seed's exact call counts
            hooks=Hooks(on_attempt=show),  # print every attempt as it is decided
        )
        request = ChatRequest(
            [Message.user("Give the capital of France as {city, country}.")],
            response_format="yaml",
        )

        print("1. YAML that does not parse -> the same provider again, asking for JSON")
        primary.script(
            Reply.ok("Sure! Here it is:\ncity: Paris\n  country: France"),  # broken YAML
            Reply.ok('{"city": "Paris", "country": "France"}'),
        )
        city = executor.call(ask_for_city, model="gpt-4o", request=request)
        # The adapter sends no response_format for YAML (the prompt asks for it) and JSON mode
        # for JSON.
        sent = [r.json.get("response_format") for r in primary.requests]
        print(f"  parsed: {city}")
        print(f"  response_format in the two request bodies: {sent}")

        print("2. 401 -> abort, no fallback")
        primary.clear()
        primary.script(
            Reply.openai_error(401, "Incorrect API key provided.", code="invalid_api_key")
        )
        try:
            executor.call(ask_for_city, model="gpt-4o", request=request)
        except AllProvidersFailed as error:
            print(f"  {error.headline}")
            decision = error.aborted_by  # the decision whose action was abort
            if decision is not None:
                print(f"  aborted by: {decision.category} ({decision.rule_id})")
        print(f"  requests the backup received: {len(backup.requests)}")
        executor.close()


if __name__ == "__main__":
    main()
