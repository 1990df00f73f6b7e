"""Issue 16, item 9: with api_keys the first attempt uses keys[0], and a rate limit moves on."""

from __future__ import annotations

import threading

import pytest
from helpers.executor_rig import Rig, rig_fixture

from reliable_rules import ChatRequest, Message
from reliable_rules.executor.keys import KeyRing
from reliable_rules.providers import OpenAICompatible
from reliable_rules.testing import Reply

MODEL = "test-model"
KEYS = ["sk-pool-aaaaaaaaaaaa1111", "sk-pool-bbbbbbbbbbbb2222"]


rig = rig_fixture(api_key="sk-test-keys-first-0000", timeout=10.0)


def test_an_adapter_without_a_key_of_its_own_uses_the_pool(rig: Rig) -> None:
    """An adapter built without api_key: the first request carries keys[0] (it used to carry no
    key, get a 401 and never reach the pool) and the record shows its hint."""
    server = rig.server("a")
    adapter = OpenAICompatible(server.openai_base_url)
    rig.adapters.append(adapter)
    outcome = rig.executor([("a", adapter)], api_keys=KEYS).execute(
        ChatRequest([Message.user("hi")]), MODEL
    )
    assert [request.api_key for request in server.requests] == [KEYS[0]]
    assert outcome.attempts[0].api_key_hint == "...1111"


def test_the_next_call_starts_on_the_key_a_rate_limit_moved_to(rig: Rig) -> None:
    """After a 429 on keys[0] the ring points at keys[1]: the next call starts there."""
    server = rig.server("a")
    server.script(Reply.openai_error(429, "Rate limit reached", headers={"Retry-After": "0"}))
    executor = rig.executor([("a", rig.openai(server))], api_keys=KEYS)
    executor.chat(ChatRequest([Message.user("one")]), MODEL)
    executor.chat(ChatRequest([Message.user("two")]), MODEL)
    assert [request.api_key for request in server.requests] == [KEYS[0], KEYS[1], KEYS[1]]


def test_providers_without_pool_keys_keep_their_own(rig: Rig) -> None:
    """Keys given for one provider only: the other sends its own key."""
    a = rig.server("a", default=Reply.openai_error(500, "boom"))
    b = rig.server("b")
    executor = rig.executor(
        [("a", rig.openai(a)), ("b", rig.openai(b, api_key="sk-own-b-cccccccccccc"))],
        api_keys={"a": KEYS},
        max_retries=0,
    )
    executor.chat(ChatRequest([Message.user("hi")]), MODEL)
    assert [r.api_key for r in a.requests] == [KEYS[0]]
    assert [r.api_key for r in b.requests] == ["sk-own-b-cccccccccccc"]


def test_calls_limited_on_the_same_key_spread_over_the_others() -> None:
    """Eight threads limited on keys[0] at once each take a turn of the ring: the turns go
    round it (keys[1], keys[2], keys[0], ...), three, three and two of each."""
    ring = KeyRing(["k0", "k1", "k2"])
    start = threading.Barrier(8)
    got: list[str | None] = []
    lock = threading.Lock()

    def limited() -> None:
        start.wait()
        key = ring.after("k0")
        with lock:
            got.append(key)

    threads = [threading.Thread(target=limited) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert sorted(got) == ["k0"] * 2 + ["k1"] * 3 + ["k2"] * 3


@pytest.mark.parametrize(
    ("keys", "used", "expected", "current"),
    [
        (["k0", "k1"], "k0", "k1", "k1"),
        (["k0", "k1"], "k1", "k1", "k1"),  # another call's turn went round: a plain turn
        (["k0"], "k0", "k0", "k0"),  # one key: the same key again (the retry waits)
        ([], "k0", None, None),
    ],
)
def test_after_takes_one_turn_of_the_ring(
    keys: list[str], used: str, expected: str | None, current: str | None
) -> None:
    """after(used) returns the ring's next turn, and the next call starts there."""
    ring = KeyRing(keys)
    assert ring.after(used) == expected
    assert ring.current() == current
