"""What RedisState leaves in Redis: every key under ``{namespace}:`` (one Cluster slot), every
key with a TTL, digests instead of API keys, namespaces apart."""

from __future__ import annotations

import pytest
from helpers.executor_rig import Rig, rig_fixture
from helpers.state_stores import SHARING_TIMEOUT_S

from reliable_rules import (
    AllProvidersFailed,
    ChatRequest,
    CircuitBreakerPolicy,
    Message,
    RateBudget,
    RedisState,
)
from reliable_rules.testing import RedisServer, Reply

MODEL = "test-model"
KEYS = ["sk-secret-ring-key-0000", "sk-secret-ring-key-1111"]


rig = rig_fixture(api_key="sk-secret-own-key-9999", timeout=5.0)


def test_every_key_is_namespaced_has_a_ttl_and_hides_api_keys(
    rig: Rig, own_redis_server: RedisServer, namespace: str
) -> None:
    """A workload using every feature (token budgets, learned limits and pair cooldowns
    included) leaves only ``{ns}:``-prefixed keys, each expiring, and no API key in any name
    or value."""
    primary, backup = rig.server("primary"), rig.server("backup")
    # own key: 429 -> k0: 429 Retry-After 20 (k0 and primary cool down) -> k1: ok
    # ... its answer says 5,000 tokens are left for 30 s (learned)
    primary.script(
        Reply.openai_error(429, "Rate limit reached"),
        Reply.openai_error(429, "Rate limit reached", headers={"Retry-After": "20"}),
        Reply.ok(headers={"x-ratelimit-remaining-tokens": "5000",
                          "x-ratelimit-reset-tokens": "30s"}),
    )
    backup.script(Reply.openai_error(500, "boom"), Reply.openai_error(500, "boom"))
    state = RedisState.from_url(
        own_redis_server.url, namespace=namespace, timeout_s=SHARING_TIMEOUT_S
    )
    keyed = rig.executor(
        [("primary", rig.openai(primary))], state=state, cooldown=True, api_keys=KEYS,
        rate_budgets={"primary": RateBudget(100, tokens=100_000)},
    )
    keyed.chat(ChatRequest([Message.user("hi")]), MODEL)
    # a 429 naming the model cools the provider+model pair
    third = rig.server("third")
    third.script(Reply.openai_error(
        429, f"Rate limit reached for {MODEL} in organization org-x", headers={"Retry-After": "9"}
    ))
    scoped = rig.executor([("third", rig.openai(third))], state=state, cooldown=True)
    scoped.chat(ChatRequest([Message.user("hi")]), MODEL)
    guarded = rig.executor(
        [("backup", rig.openai(backup))], state=state, max_retries=1,
        circuit_breaker=CircuitBreakerPolicy(failure_threshold=2),
    )
    with pytest.raises(AllProvidersFailed):
        guarded.chat(ChatRequest([Message.user("hi")]), MODEL)
    client = state.client
    names = sorted(name.decode() for name in client.scan_iter(match="*"))
    kinds = {name.split(":")[1] for name in names}
    assert {"cool", "key", "cb", "ring", "rate", "learn"} <= kinds
    prefix = f"{{{namespace}}}:"
    assert {f"{prefix}rate:primary:tok", f"{prefix}rate:primary:tok:sum",
            f"{prefix}learn:primary:{MODEL}:tokens", f"{prefix}cool:third:{MODEL}"} <= set(names)
    assert all(name.startswith(f"{{{namespace}}}:") for name in names)
    assert all(client.pttl(name) > 0 for name in names), names
    stored = " ".join(names) + " ".join(
        str(client.dump(name)) for name in names
    )
    assert "sk-secret" not in stored
    assert state.fallbacks == 0
    state.close()


def test_namespaces_keep_apart(redis_server: RedisServer, namespace: str) -> None:
    """A cooldown in one namespace is not seen in another."""
    first = RedisState.from_url(redis_server.url, namespace=namespace)
    second = RedisState.from_url(redis_server.url, namespace=namespace + "-other")
    first.cool_down("cool:p", 10.0)
    assert second.cooling("cool:p") == 0.0
    assert first.next_key("ring:r", 3) == second.next_key("ring:r", 3) == 0
    first.close()
    second.close()


@pytest.mark.parametrize("bad", ["", "a{b", "a}b", "with space", "line\nbreak"])
def test_a_bad_namespace_is_refused(redis_server: RedisServer, bad: str) -> None:
    """Braces would break the hash tag; empty or spaced names are mistakes."""
    with pytest.raises(ValueError, match="namespace"):
        RedisState.from_url(redis_server.url, namespace=bad)


def test_a_non_positive_timeout_is_refused() -> None:
    """The hot path's timeout must be a positive number."""
    with pytest.raises(ValueError, match="timeout_s"):
        RedisState.from_url("redis://127.0.0.1:1/0", timeout_s=0)
