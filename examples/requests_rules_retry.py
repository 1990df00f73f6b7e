"""requests + RulesRetry: urllib3's Retry, deciding by the rules.

Starts its own fake provider on 127.0.0.1, mounts ``RulesRetry`` on a ``requests.Session``
and shows three outcomes: a 503 retried into a 200, a Retry-After honoured (capped at the
policy's 30 s), and a Z.AI quota 429 handed back at once instead of being retried. The demo
subclass prints each wait and sleeps only a hundredth of it.

Needs: reliable-rules installed (`pip install .` from the repository root); nothing else
(requests and urllib3 are its dependencies).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import requests
from requests.adapters import HTTPAdapter

from reliable_rules.testing import FakeProviderServer, Reply
from reliable_rules.urllib3_retry import RulesRetry

if TYPE_CHECKING:
    from urllib3.response import BaseHTTPResponse

PAYLOAD = {"model": "glm-4", "messages": [{"role": "user", "content": "hi"}]}
QUOTA = {"error": {"code": "1113", "message": "余额不足或无可用资源包,请充值。"}}


class QuickRulesRetry(RulesRetry):
    """RulesRetry that prints each wait and sleeps a hundredth of it (for the demo only)."""

    def sleep_for_retry(self, response: BaseHTTPResponse) -> bool:
        wait = self.get_retry_after(response)
        if not wait:
            return False
        print(f"  waiting {wait:.1f} s (Retry-After, per the policy)")
        time.sleep(wait / 100)
        return True

    def _sleep_backoff(self) -> None:
        wait = self.get_backoff_time()
        print(f"  waiting {wait:.1f} s (the policy's backoff)")
        time.sleep(wait / 100)


def main() -> None:
    """Run the three scenarios against a fake provider."""
    with FakeProviderServer() as server:
        session = requests.Session()
        # peek_body: requests streams bodies; read small error bodies so quota 429s are seen.
        retry = QuickRulesRetry(total=3, provider="zai", peek_body=True)
        session.mount("http://", HTTPAdapter(max_retries=retry))
        url = f"{server.openai_base_url}/chat/completions"

        server.script(Reply.openai_error(503, "overloaded"), Reply.ok(text="hello"))
        response = session.post(url, json=PAYLOAD, timeout=5)
        print(f"503 then 200: status {response.status_code} after {len(server.requests)} requests")
        final = response.raw.retries  # the RulesRetry of the last attempt
        print(f"  last decision: {final.last_decision if isinstance(final, RulesRetry) else None}")

        server.clear()
        server.script(
            Reply.openai_error(429, "slow down", headers={"Retry-After": "120"}),
            Reply.ok(text="hello again"),
        )
        response = session.post(url, json=PAYLOAD, timeout=5)
        print(f"429 Retry-After 120: status {response.status_code}")

        server.clear()
        server.script(Reply.error(429, body=QUOTA), Reply.ok())
        response = session.post(url, json=PAYLOAD, timeout=5)
        count = len(server.requests)
        print(f"quota 429: status {response.status_code} after {count} request")
        print(f"  body still readable: error code {response.json()['error']['code']}")


if __name__ == "__main__":
    main()
