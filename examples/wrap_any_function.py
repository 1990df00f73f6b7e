"""Not an LLM call at all: retry any function by the same rules.

1. ``@reliable_rules.retrying`` on a plain ``requests.get``: a status endpoint answers 503
   twice, then 200; a hook prints each retry.
2. ``executor.call`` on an arbitrary function that takes ``attempt.api_key``: a 429 makes the
   executor rotate to the next key, and the server sees it.

    python examples/wrap_any_function.py

Needs: reliable-rules installed (`pip install .` from the repository root); nothing else
(requests is one of its dependencies).
"""

from __future__ import annotations

from typing import Any

import requests

import reliable_rules
from reliable_rules import Attempt, Hooks, ReliableExecutor, RetryEvent
from reliable_rules.testing import FakeProviderServer, Reply

OWN_KEY = "sk-example-own-key-0000"  # what the function uses when the executor has no keys
SPARE_KEYS = ["sk-example-key-one-1111", "sk-example-key-two-2222"]


def print_retry(event: RetryEvent) -> None:
    decision = event.record.decision
    assert decision is not None  # only failures are retried
    print(
        f"  attempt {event.record.attempt} failed: HTTP {decision.failure.status} "
        f"{decision.category} ({decision.rule_id}); retry {event.next_attempt} "
        f"in {event.wait_ms} ms" + (f" with key {event.api_key_hint}" if event.api_key_hint else "")
    )


@reliable_rules.retrying(max_retries=3, base_backoff_ms=50, hooks=Hooks(on_retry=print_retry))
def fetch_status(url: str) -> Any:
    response = requests.get(url, timeout=5)
    response.raise_for_status()
    return response.json()


def main() -> None:
    with FakeProviderServer(name="status") as server:
        print("1. @retrying around requests.get")
        server.script(
            Reply(status=503, body="upstream busy"),
            Reply(status=503, body="upstream busy"),
            Reply(body={"status": "ok"}),
            path="/status",
        )
        print(f"  result: {fetch_status(f'{server.url}/status')}")

        print("2. executor.call with rotated API keys")
        server.clear()
        server.script(
            Reply(status=429, body={"error": "rate limit exceeded"}),
            Reply(body={"items": 3}),
            path="/items",
        )

        def list_items(attempt: Attempt) -> Any:
            # attempt.provider is whatever we registered: here, the base URL.
            key = attempt.api_key or OWN_KEY
            response = requests.get(
                f"{attempt.provider}/items", headers={"Authorization": f"Bearer {key}"}, timeout=5
            )
            response.raise_for_status()
            return response.json()

        with ReliableExecutor(
            [("items-api", server.url)],
            api_keys=SPARE_KEYS,
            base_backoff_ms=50,
            hooks=Hooks(on_retry=print_retry),
        ) as executor:
            print(f"  result: {executor.call(list_items, model='items')}")
        hints = [f"...{r.api_key[-4:]}" for r in server.requests if r.api_key]
        print(f"  keys the server saw: {hints}")


if __name__ == "__main__":
    main()
