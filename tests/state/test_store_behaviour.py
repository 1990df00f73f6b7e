"""One behaviour suite for every store: MemoryState and RedisState (real redis-server) must
answer the same. Each test uses two store objects sharing one state (two clients on one
namespace for Redis), so what one learns the other must see."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from helpers.state_stores import StoreFactory

from reliable_rules import RateBudget, StateStore


def test_a_cooldown_is_seen_by_every_user(stores: StoreFactory) -> None:
    """A cooldown set through one store is reported, with its time left, by another."""
    first, second = stores(), stores()
    first.cool_down("cool:openai", 2.0)
    assert 1.5 < second.cooling("cool:openai") <= 2.0
    assert second.cooling("cool:other") == 0.0


def test_a_shorter_cooldown_keeps_the_longer_one(stores: StoreFactory) -> None:
    """Cooling down again for less time does not shorten the wait."""
    first, second = stores(), stores()
    first.cool_down("cool:openai", 3.0)
    second.cool_down("cool:openai", 0.5)
    assert first.cooling("cool:openai") > 2.5
    second.cool_down("cool:openai", 5.0)
    assert first.cooling("cool:openai") > 4.5


def test_a_cooldown_ends(stores: StoreFactory) -> None:
    """After its wait, a scope is not cooling any more."""
    store = stores()
    store.cool_down("cool:openai", 0.05)
    assert store.cooling("cool:openai") > 0
    time.sleep(0.08)
    assert store.cooling("cool:openai") == 0.0


def test_a_circuit_opens_at_the_threshold_for_everyone(stores: StoreFactory) -> None:
    """Failures counted through different stores add up; the one reaching the threshold
    opens the circuit, and every store sees it open."""
    first, second = stores(), stores()
    assert first.circuit_failure("cb:p:m", 3, 30.0) is False
    assert second.circuit_failure("cb:p:m", 3, 30.0) is False
    assert not first.circuit_open("cb:p:m")
    assert first.circuit_failure("cb:p:m", 3, 30.0) is True
    assert second.circuit_open("cb:p:m")
    assert not second.circuit_open("cb:p:other")


def test_a_success_closes_the_circuit_and_forgets_failures(stores: StoreFactory) -> None:
    """A success anywhere closes the circuit; counting starts again from zero."""
    first, second = stores(), stores()
    for _ in range(2):
        first.circuit_failure("cb:p:m", 2, 30.0)
    assert first.circuit_open("cb:p:m")
    second.circuit_success("cb:p:m")
    assert not first.circuit_open("cb:p:m")
    assert first.circuit_failure("cb:p:m", 2, 30.0) is False


def test_an_open_circuit_half_opens_after_its_reset(stores: StoreFactory) -> None:
    """After ``reset_after_s`` the circuit lets calls through, and one more failure opens it
    again at once."""
    store = stores()
    for _ in range(2):
        store.circuit_failure("cb:p:m", 2, 0.05)
    time.sleep(0.08)
    assert not store.circuit_open("cb:p:m")
    assert store.circuit_failure("cb:p:m", 2, 30.0) is True
    assert store.circuit_open("cb:p:m")


def test_blocked_reads_every_candidate_at_once(stores: StoreFactory) -> None:
    """``blocked`` answers, per candidate, cooling down or circuit open, as the single reads
    would; without circuits only cooldowns count."""
    first, second = stores(), stores()
    first.cool_down("cool:a", 5.0)
    for _ in range(2):
        first.circuit_failure("cb:b:m", 2, 30.0)
    cool = ["cool:a", "cool:b", "cool:c"]
    assert second.blocked(cool, ["cb:a:m", "cb:b:m", "cb:c:m"]) == [True, True, False]
    assert second.blocked(cool, []) == [True, False, False]
    assert second.blocked([], []) == []


def test_keys_rotate_round_robin_through_every_user(stores: StoreFactory) -> None:
    """One ring position for everyone: two users alternating see 0, 1, 2, 0, 1, 2."""
    first, second = stores(), stores()
    seen = [(first if turn % 2 else second).next_key("ring:r", 3) for turn in range(6)]
    assert seen == [0, 1, 2, 0, 1, 2]
    assert first.next_key("ring:other", 3) == 0


def test_cooling_keys_are_skipped_while_another_is_not(stores: StoreFactory) -> None:
    """A key cooling down (anywhere) is never handed out while another key is free; when all
    are cooling the ring goes on as if none were."""
    first, second = stores(), stores()
    scopes = ["key:a", "key:b", "key:c"]
    first.cool_down("key:b", 5.0)
    assert [second.next_key("ring:r", 3, scopes) for _ in range(4)] == [0, 2, 0, 2]
    first.cool_down("key:a", 5.0)
    first.cool_down("key:c", 5.0)
    assert [second.next_key("ring:r", 3, scopes) for _ in range(3)] == [0, 1, 2]


def test_a_budget_admits_its_requests_then_says_how_long_to_wait(stores: StoreFactory) -> None:
    """``RateBudget(3, per_s=0.3)``: three slots, then a wait no longer than the window; after
    it, a slot again. Budgets of other scopes are apart."""
    first, second = stores(), stores()
    budget = RateBudget(3, per_s=0.3)
    started = time.monotonic()
    assert [first.acquire("rate:p", budget), second.acquire("rate:p", budget)] == [0.0, 0.0]
    assert first.acquire("rate:p", budget) == 0.0
    wait = second.acquire("rate:p", budget)
    assert 0 < wait <= 0.3
    # The first slot was taken after `started`: it cannot free up before started + 0.3.
    assert time.monotonic() + wait >= started + 0.3 - 0.005
    assert first.acquire("rate:q", budget) == 0.0
    time.sleep(wait + 0.01)
    assert second.acquire("rate:p", budget) == 0.0


def test_concurrent_rotations_are_exactly_fair(stores: StoreFactory) -> None:
    """8 threads x 50 rotations over 3 keys: every rotation counted once (134/133/133)."""
    users = [stores() for _ in range(8)]
    counts: Counter[int] = Counter()
    lock = threading.Lock()

    def rotate(store: StateStore) -> None:
        for _ in range(50):
            index = store.next_key("ring:r", 3)
            with lock:
                counts[index] += 1

    threads = [threading.Thread(target=rotate, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts.values()) == [133, 133, 134]


def test_concurrent_acquires_never_exceed_the_budget(stores: StoreFactory) -> None:
    """8 threads taking slots of ``RateBudget(20, per_s=60)``: exactly 20 are admitted."""
    users = [stores() for _ in range(8)]
    budget = RateBudget(20, per_s=60.0)
    admitted: list[int] = []
    lock = threading.Lock()

    def take(store: StateStore) -> None:
        for _ in range(10):
            if store.acquire("rate:p", budget) == 0.0:
                with lock:
                    admitted.append(1)

    threads = [threading.Thread(target=take, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(admitted) == 20


@pytest.mark.parametrize(
    ("requests", "per_s", "tokens", "learn", "error"),
    [(0, 60.0, None, True, ValueError), (1, 0.0, None, True, ValueError),
     (1, float("inf"), None, True, ValueError), (True, 60.0, None, True, TypeError),
     (1.5, 60.0, None, True, TypeError), (None, 60.0, 0, True, ValueError),
     (None, 60.0, 2.5, True, TypeError), (None, 60.0, None, False, ValueError)],
)
def test_a_bad_budget_is_refused(
    requests: object, per_s: float, tokens: object, learn: bool, error: type[Exception]
) -> None:
    """RateBudget checks its numbers when it is built (and needs something to count)."""
    with pytest.raises(error):
        RateBudget(requests, per_s=per_s, tokens=tokens, learn=learn)  # type: ignore[arg-type]


# -- token budgets, learned limits (issue 15 item 1) --------------------------------------


def test_a_token_budget_admits_tokens_then_says_how_long_to_wait(stores: StoreFactory) -> None:
    """``RateBudget(tokens=100, per_s=0.3)``: 60 + 30 tokens fit, 20 more wait (no longer than
    the window, for everyone); after the wait they fit."""
    first, second = stores(), stores()
    budget = RateBudget(tokens=100, per_s=0.3)
    assert first.take("rate:p", budget, 60)[0] == 0.0
    assert second.take("rate:p", budget, 30)[0] == 0.0
    wait, ticket = first.take("rate:p", budget, 20)
    assert 0 < wait <= 0.3
    assert ticket == ""
    assert second.take("rate:p", budget, 10)[0] == 0.0  # what still fits is taken
    assert first.take("rate:q", budget, 100)[0] == 0.0
    time.sleep(wait + 0.01)
    assert second.take("rate:p", budget, 20)[0] == 0.0


def test_a_charge_larger_than_the_budget_is_cut_to_it(stores: StoreFactory) -> None:
    """A request estimated past the whole budget is charged the budget (it runs alone in its
    window) instead of waiting for ever."""
    store = stores()
    budget = RateBudget(tokens=100, per_s=0.3)
    assert store.take("rate:p", budget, 5_000)[0] == 0.0
    assert store.take("rate:p", budget, 1)[0] > 0


@pytest.mark.parametrize(
    ("estimate", "used", "then", "fits"),
    [(80, 20, 80, True), (80, 20, 81, False), (10, 90, 10, True), (10, 90, 11, False)],
)
def test_settle_corrects_a_charge_to_what_was_used(
    stores: StoreFactory, estimate: int, used: int, then: int, fits: bool
) -> None:
    """After ``settle``, the window holds the tokens used, not the estimate: a refund makes
    room, an overrun takes it, for every user of the store."""
    first, second = stores(), stores()
    budget = RateBudget(tokens=100, per_s=60.0)
    wait, ticket = first.take("rate:p", budget, estimate)
    assert wait == 0.0
    second.settle("rate:p", ticket, used)
    assert (first.take("rate:p", budget, then)[0] == 0.0) is fits


def test_requests_and_tokens_are_charged_together_or_not_at_all(stores: StoreFactory) -> None:
    """``RateBudget(2, tokens=100)``: a take refused for tokens takes no request either."""
    store = stores()
    budget = RateBudget(2, per_s=60.0, tokens=100)
    assert store.take("rate:p", budget, 90)[0] == 0.0
    assert store.take("rate:p", budget, 20)[0] > 0  # tokens: refused, no request charged
    assert store.take("rate:p", budget, 5)[0] == 0.0  # the second request
    assert store.take("rate:p", budget, 1)[0] > 0  # requests spent


def test_concurrent_token_takes_never_exceed_the_budget(stores: StoreFactory) -> None:
    """8 threads x 10 takes of 10 tokens on ``RateBudget(tokens=200)``: exactly 20 fit."""
    users = [stores() for _ in range(8)]
    budget = RateBudget(tokens=200, per_s=60.0)
    admitted: list[int] = []
    lock = threading.Lock()

    def take(store: StateStore) -> None:
        for _ in range(10):
            if store.take("rate:p", budget, 10)[0] == 0.0:
                with lock:
                    admitted.append(1)

    threads = [threading.Thread(target=take, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(admitted) == 20


def test_a_learned_count_is_spent_by_everyone_then_waits_for_its_reset(
    stores: StoreFactory,
) -> None:
    """Headers said 2 requests are left until a reset in 0.3 s: two takes (through either
    store) pass, the third waits until the reset, then the learned count is gone."""
    first, second = stores(), stores()
    budget = RateBudget()
    first.learn("learn:p:m", requests=(2, 0.3))
    assert first.take("rate:p", budget, 0, "learn:p:m")[0] == 0.0
    assert second.take("rate:p", budget, 0, "learn:p:m")[0] == 0.0
    wait = first.take("rate:p", budget, 0, "learn:p:m")[0]
    assert 0.1 < wait <= 0.3
    assert second.take("rate:p", budget, 0, "learn:p:other")[0] == 0.0
    assert second.take("rate:p", budget, 0)[0] == 0.0  # not asked to honour it
    time.sleep(wait + 0.01)
    assert second.take("rate:p", budget, 0, "learn:p:m")[0] == 0.0


def test_learned_tokens_are_charged_and_a_long_reset_is_not_waited(stores: StoreFactory) -> None:
    """A learned token count is charged each take's tokens; once spent, takes wait for its
    reset unless that is longer than ``learned_max_s``."""
    first, second = stores(), stores()
    budget = RateBudget()
    first.learn("learn:p:m", tokens=(50, 30.0))
    assert first.take("rate:p", budget, 40, "learn:p:m")[0] == 0.0
    assert second.take("rate:p", budget, 40, "learn:p:m")[0] == 0.0  # 10 left: still > 0
    assert 29.0 < second.take("rate:p", budget, 1, "learn:p:m")[0] <= 30.0
    assert first.take("rate:p", budget, 1, "learn:p:m", 10.0)[0] == 0.0


def test_the_newest_learned_values_replace_older_ones_and_expire(stores: StoreFactory) -> None:
    """Learning again replaces the count; a learned count ends with its reset."""
    first, second = stores(), stores()
    budget = RateBudget()
    first.learn("learn:p:m", requests=(0, 30.0))
    assert second.take("rate:p", budget, 0, "learn:p:m")[0] > 29.0
    second.learn("learn:p:m", requests=(5, 30.0))
    assert first.take("rate:p", budget, 0, "learn:p:m")[0] == 0.0
    first.learn("learn:p:m", requests=(0, 0.05), tokens=(0, 0.05))
    assert second.take("rate:p", budget, 0, "learn:p:m")[0] > 0
    time.sleep(0.08)
    assert second.take("rate:p", budget, 0, "learn:p:m")[0] == 0.0


def test_a_pair_cooldown_is_apart_from_the_providers(stores: StoreFactory) -> None:
    """``cool:<provider>:<model>`` cools the pair only; ``blocked`` reads pairs like any
    scope."""
    first, second = stores(), stores()
    first.cool_down("cool:p:m", 5.0)
    assert second.cooling("cool:p:m") > 4.5
    assert second.cooling("cool:p") == 0.0
    assert second.blocked(["cool:p", "cool:p:m", "cool:p:other"], []) == [False, True, False]
