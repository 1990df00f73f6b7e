"""PrometheusHooks: counters, gauges and histograms read back from a fresh CollectorRegistry
after real calls to FakeProviderServer (virtual time)."""

from __future__ import annotations

import threading

import pytest
from helpers.executor_rig import Rig, rig_fixture
from prometheus_client import CollectorRegistry, generate_latest

from reliable_rules import (
    AllProvidersFailed,
    ChatRequest,
    CircuitBreakerPolicy,
    Message,
    PrometheusHooks,
    ReliableExecutor,
)
from reliable_rules.executor.observe import store_fell_back
from reliable_rules.testing import FakeTiming, Reply

MODEL = "test-model"
SECRET_KEY = "sk-live-SECRETSECRETSECRET-1234"
SECRET_TEXT = "customer-password-hunter2"
#: Every label any metric may have: all low-cardinality.
ALLOWED_LABELS = {
    "provider", "model", "category", "action", "outcome", "operation", "reason", "state",
    "store", "le",
}


rig = rig_fixture(api_key=SECRET_KEY, timeout=5.0)


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


def ask() -> ChatRequest:
    """A one-message request."""
    return ChatRequest([Message.user("hello")])


def value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    """A sample's value, 0 when it does not exist."""
    found = registry.get_sample_value(name, labels)
    return 0.0 if found is None else found


def fallback_call(rig: Rig, registry: CollectorRegistry) -> None:
    """primary: 503 twice (retry, give up); backup: 429 with Retry-After 2 then 200."""
    primary = rig.server("primary", default=Reply.openai_error(503, f"down {SECRET_TEXT}"))
    backup = rig.server("backup")
    backup.script(Reply.error(429, headers={"Retry-After": "2"}), Reply.ok("fine"))
    executor = rig.executor(
        [("primary", rig.openai(primary)), ("backup", rig.openai(backup))],
        hooks=PrometheusHooks(registry=registry), max_retries=1,
    )
    assert executor.chat(ask(), MODEL).text == "fine"


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ({"provider": "primary", "category": "server_error", "action": "retry",
          "outcome": "failure"}, 1),
        ({"provider": "primary", "category": "server_error", "action": "give_up",
          "outcome": "failure"}, 1),
        ({"provider": "backup", "category": "rate_limited", "action": "retry",
          "outcome": "failure"}, 1),
        ({"provider": "backup", "category": "none", "action": "success", "outcome": "success"}, 1),
        ({"provider": "primary", "category": "none", "action": "success", "outcome": "success"}, 0),
    ],
)
def test_attempts_are_counted_by_provider_category_action_and_outcome(
    rig: Rig, registry: CollectorRegistry, labels: dict[str, str], expected: int
) -> None:
    """reliable_rules_attempts_total has one series per (provider, model, category, action,
    outcome) with the number of attempts."""
    fallback_call(rig, registry)
    assert value(registry, "reliable_rules_attempts_total", model=MODEL, **labels) == expected


def test_retries_fallbacks_and_durations(rig: Rig, registry: CollectorRegistry) -> None:
    """Two retries (one per category), one fallback away from primary, one call whose
    duration holds the virtual waits (0.5 s + 2 s), four attempt durations."""
    fallback_call(rig, registry)
    retries = "reliable_rules_retries_total"
    assert value(registry, retries, provider="primary", model=MODEL, category="server_error") == 1
    assert value(registry, retries, provider="backup", model=MODEL, category="rate_limited") == 1
    assert value(
        registry, "reliable_rules_fallbacks_total",
        provider="primary", model=MODEL, category="server_error",
    ) == 1
    call = {"operation": "chat", "model": MODEL, "outcome": "success"}
    assert value(registry, "reliable_rules_call_duration_seconds_count", **call) == 1
    assert value(registry, "reliable_rules_call_duration_seconds_sum", **call) >= 2.5
    # The call took more than 2.5 s of (virtual) time: not in the 2.5 s bucket, in the 5 s one.
    assert value(registry, "reliable_rules_call_duration_seconds_bucket", le="2.5", **call) == 0
    assert value(registry, "reliable_rules_call_duration_seconds_bucket", le="5.0", **call) == 1
    attempts = sum(
        value(registry, "reliable_rules_attempt_duration_seconds_count",
              provider=provider, model=MODEL, outcome=outcome)
        for provider in ("primary", "backup") for outcome in ("success", "failure")
    )
    assert attempts == 4


def test_a_failed_call_is_counted_with_its_outcome(rig: Rig, registry: CollectorRegistry) -> None:
    """Every provider fails: the call's duration series has outcome exhausted."""
    server = rig.server("down", default=Reply.error(503))
    executor = rig.executor(
        [("down", rig.openai(server))], hooks=PrometheusHooks(registry=registry), max_retries=0
    )
    with pytest.raises(AllProvidersFailed):
        executor.chat(ask(), MODEL)
    assert value(
        registry, "reliable_rules_call_duration_seconds_count",
        operation="chat", model=MODEL, outcome="exhausted",
    ) == 1


def test_circuits_and_skips(rig: Rig, registry: CollectorRegistry) -> None:
    """A 503 opens the circuit (change counted, gauge 1), the next call skips it (reason
    circuit_open); after the reset a success closes it (gauge 0)."""
    flaky = rig.server("flaky")
    flaky.script(Reply.error(503))
    spare = rig.server("spare")
    timing = FakeTiming()
    executor = rig.executor(
        [("flaky", rig.openai(flaky)), ("spare", rig.openai(spare))],
        hooks=PrometheusHooks(registry=registry), max_retries=0, timing=timing,
        circuit_breaker=CircuitBreakerPolicy(failure_threshold=1, reset_after_s=10),
    )
    pair = {"provider": "flaky", "model": MODEL}
    executor.chat(ask(), MODEL)
    assert value(registry, "reliable_rules_circuit_changes_total", state="open", **pair) == 1
    assert value(registry, "reliable_rules_circuit_open", **pair) == 1
    executor.chat(ask(), MODEL)
    assert value(registry, "reliable_rules_skips_total", reason="circuit_open", **pair) == 1
    timing.sleep(11, threading.Event())
    executor.chat(ask(), MODEL)
    assert value(registry, "reliable_rules_circuit_changes_total", state="closed", **pair) == 1
    assert value(registry, "reliable_rules_circuit_open", **pair) == 0


def test_cooldown_skips(rig: Rig, registry: CollectorRegistry) -> None:
    """A 429 with Retry-After 30 makes the next call skip the provider: reason cooldown."""
    limited = rig.server("limited")
    limited.script(Reply.error(429, headers={"Retry-After": "30"}))
    spare = rig.server("spare")
    executor = rig.executor(
        [("limited", rig.openai(limited)), ("spare", rig.openai(spare))],
        hooks=PrometheusHooks(registry=registry), cooldown=True,
    )
    executor.chat(ask(), MODEL)
    executor.chat(ask(), MODEL)
    assert value(
        registry, "reliable_rules_skips_total", provider="limited", model=MODEL, reason="cooldown"
    ) == 1


def test_labels_are_low_cardinality_and_hold_no_secret(
    rig: Rig, registry: CollectorRegistry
) -> None:
    """Every label name is in the allowed set; no key, key hint or error text anywhere in
    the exposition text."""
    fallback_call(rig, registry)
    names = {
        label for metric in registry.collect() for sample in metric.samples
        for label in sample.labels
    }
    assert names <= ALLOWED_LABELS
    text = generate_latest(registry).decode()
    assert 'reliable_rules_attempts_total{action="success"' in text
    # a sample's value is a number (a duration, a creation timestamp) that may hold the key's
    # four-digit hint by chance ("2.5123479..."): the hint is looked for in everything but the
    # values (names, labels, HELP and TYPE lines), the whole key and the text everywhere
    without_values = "\n".join(
        line if line.startswith("#") else line.rpartition(" ")[0] for line in text.splitlines()
    )
    for secret in (SECRET_KEY, SECRET_TEXT):
        assert secret not in text
    assert SECRET_KEY[-4:] not in without_values


def test_hooks_on_one_registry_share_their_metrics(registry: CollectorRegistry) -> None:
    """Two executors with their own PrometheusHooks count into the same series (no
    duplicate registration); other buckets on the same namespace are a ValueError."""
    for _ in range(2):
        with ReliableExecutor(
            [("fn", None)], hooks=PrometheusHooks(registry=registry), timing=FakeTiming()
        ) as executor:
            executor.call(lambda _attempt: 1, model="m")
    assert value(
        registry, "reliable_rules_attempts_total",
        provider="fn", model="m", category="none", action="success", outcome="success",
    ) == 2
    with pytest.raises(ValueError, match="buckets"):
        PrometheusHooks(registry=registry, buckets=(1.0, 2.0))
    other = PrometheusHooks(registry=registry, namespace="other", buckets=(1.0, 2.0))
    assert other.metrics is not PrometheusHooks(registry=registry).metrics


def test_store_fallbacks_are_counted(registry: CollectorRegistry) -> None:
    """Through the hook (what the state store calls) and the method alike."""
    hooks = PrometheusHooks(registry=registry)
    store_fell_back(hooks, "redis", "unavailable")
    hooks.record_store_fallback(reason="timeout")
    total = "reliable_rules_store_fallbacks_total"
    assert value(registry, total, store="redis", reason="unavailable") == 1
    assert value(registry, total, store="redis", reason="timeout") == 1

