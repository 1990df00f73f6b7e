"""The RE2 literal set (extra `fast`) reports exactly the literals a text holds, like the
trie, and hands a text to the fallback scan whenever RE2 gives up."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reliable_rules
from reliable_rules.engine import classifier as classifier_module
from reliable_rules.engine.classifier import _LiteralScan
from reliable_rules.engine.literal_set import MAX_FAILURES, Re2LiteralScan
from reliable_rules.ruleset.resources import rules_dir

re2 = pytest.importorskip("re2")


def _scan(literals: list[str]) -> Re2LiteralScan:
    return Re2LiteralScan(literals, re2, lambda: pytest.fail("RE2 gave up"))


@settings(max_examples=400, deadline=None)
@given(
    literals=st.lists(st.text(alphabet="abrt _-", min_size=1, max_size=5), min_size=1, max_size=12),
    text=st.text(alphabet="abrtx _-", max_size=40),
)
def test_finds_exactly_the_literals_present(literals: list[str], text: str) -> None:
    """Every literal in the text (overlaps, prefixes, nesting) and no other."""
    assert _scan(literals)(text) == {literal for literal in literals if literal in text}


@settings(max_examples=400, deadline=None)
@given(
    literals=st.lists(
        st.text(alphabet="ab é限流额度\U0001f600\ud800", min_size=1, max_size=4),
        min_size=1,
        max_size=12,
    ),
    text=st.text(alphabet="abx é限流额度。\U0001f600\ud800\udc00", max_size=40),
)
def test_is_exact_across_scripts_and_lone_surrogates(literals: list[str], text: str) -> None:
    """Non-ASCII literals and texts (both sets, lone surrogates included) match exactly where
    their characters occur: the byte view changes no answer."""
    assert _scan(literals)(text) == {literal for literal in literals if literal in text}
    assert _scan(literals)(text) == _LiteralScan(literals)(text)


class _GivesUp:
    """An RE2 set's ``Match`` that answers nothing (its DFA out of memory)."""

    def __call__(self, data: bytes) -> list[int]:
        return []


def test_a_text_re2_gives_up_on_goes_to_the_fallback() -> None:
    """No sentinel in RE2's answer: the fallback (built once, on first need) scans the text;
    after MAX_FAILURES such texts it scans every text."""
    built: list[int] = []

    def fallback() -> Any:
        built.append(1)
        return _LiteralScan(["rate limit", "quota"])

    scan = Re2LiteralScan(["rate limit", "quota"], re2, fallback)
    assert scan("rate limit hit") == {"rate limit"}
    assert built == []
    scan._narrow = (_GivesUp(), scan._narrow[1])
    for _ in range(MAX_FAILURES + 2):
        assert scan("quota and rate limit") == {"rate limit", "quota"}
    assert built == [1]


def test_builtin_default_scans_with_the_re2_set_built_at_first_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the extra, builtin:default's scan is the RE2 set, built by the first
    classification rather than by loading."""
    monkeypatch.setenv(classifier_module.ACCELERATOR_ENV, "1")
    rules = reliable_rules.load_rules(rules_dir() / "default.yaml")
    classifier = rules.classifier
    assert classifier._scan is None
    assert rules.classify("rate limit exceeded", status=429).rule_id
    assert classifier._scan is not None
    assert classifier.scan_kind == "re2-set"
