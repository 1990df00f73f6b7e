"""The demo's issue-16 scenarios: no sleep on a rate-limited provider while another can answer
(7), an empty answer (8), prompt-guided tools (9)."""

from __future__ import annotations

import pytest

from reliable_rules.cli._scenarios import ScenarioResult, render_event, run_demo


@pytest.fixture(scope="module")
def scenarios() -> dict[int, ScenarioResult]:
    """One fast demo run with the default rules, by scenario number."""
    report = run_demo(fast=True)
    assert report.ok, report.problems
    return {scenario.number: scenario for scenario in report.scenarios}


def facts(scenario: ScenarioResult) -> dict[str, object]:
    """The scenario's facts by key."""
    return {fact.key: fact.value for fact in scenario.facts}


def test_a_long_retry_after_moves_on_without_sleeping(
    scenarios: dict[int, ScenarioResult],
) -> None:
    """Scenario 7: openai's 429 asks 20 s; the call cools it down and zai answers, 0 ms slept."""
    seven = scenarios[7]
    assert [(a.provider, a.action, a.wait_ms) for a in seven.attempts] == [
        ("openai", "cool_down", 20_000), ("zai", "success", 0),
    ]  # fmt: skip
    assert seven.provider == "zai"
    assert facts(seven) == {"asked_wait_ms": 20_000, "slept_ms": 0}
    text = "\n".join(render_event(seven))
    assert "cool_down  20000 ms" in text
    assert "the call slept: 0 ms" in text


def test_an_empty_answer_is_retried_and_counted(scenarios: dict[int, ScenarioResult]) -> None:
    """Scenario 8: two reasoning-only 200s are empty_response failures; anthropic answers and
    the 2 x 256 billed tokens are in the call's usage."""
    eight = scenarios[8]
    assert [(a.provider, a.category, a.action) for a in eight.attempts] == [
        ("zai", "empty_response", "retry"),
        ("zai", "empty_response", "give_up"),
        ("anthropic", None, "success"),
    ]
    assert "Empty response from model" in eight.attempts[0].detail
    billed = facts(eight)["billed_tokens"]
    assert isinstance(billed, list)
    assert billed[0] >= 24
    assert billed[1] >= 512


def test_rejected_tools_are_retried_in_the_prompt(scenarios: dict[int, ScenarioResult]) -> None:
    """Scenario 9: a tool_schema_error switches to prompt-guided tools on the same provider;
    the answer's block comes back as a get_weather call."""
    nine = scenarios[9]
    assert [(a.provider, a.category, a.action) for a in nine.attempts] == [
        ("openai", "tool_schema_error", "prompt_tools"), ("openai", None, "success"),
    ]  # fmt: skip
    assert nine.answer == "Let me check."
    assert facts(nine) == {
        "tool_calls": ['get_weather {"city": "Paris"}'],
        "native_tools": [True, False],
    }
    assert "request body had a tools field: yes -> no" in "\n".join(render_event(nine))


def test_seed_rules_retry_the_long_wait_as_the_seed_does() -> None:
    """With builtin:seed (which ignores Retry-After headers) scenario 7 retries openai after the
    backoff, and every scenario still ends as scripted."""
    report = run_demo("builtin:seed", fast=True)
    assert report.ok, report.problems
    seven = next(s for s in report.scenarios if s.number == 7)
    assert [(a.provider, a.action) for a in seven.attempts] == [
        ("openai", "retry"), ("openai", "success"),
    ]  # fmt: skip
