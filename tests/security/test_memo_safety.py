"""Classification memoisation cannot be fooled by str subclasses, and chained huge exceptions
do not multiply memory (issue 13, item 12)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from helpers.rulefiles import write_rules

from reliable_rules import load_rules

MB = 1024 * 1024


class EqualToAll(str):
    """A str that claims to equal every other and hashes like ``"anthropic"``."""

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    def __hash__(self) -> int:
        return hash("anthropic")


class Shouting(Exception):
    """An exception whose text is an EqualToAll."""

    def __str__(self) -> str:
        return EqualToAll(self.args[0])


def test_a_str_subclass_message_cannot_share_a_memo_key() -> None:
    """Two exceptions whose messages claim equality are still classified apart."""
    rules = load_rules("builtin:default")
    first = rules.classify(Shouting("Rate limit exceeded, please slow down"))
    second = rules.classify(Shouting("Incorrect API key provided"))
    assert first.category == "rate_limited"
    assert second.category == "auth_failed"


def test_a_str_subclass_provider_cannot_share_a_memo_key(tmp_path: Path) -> None:
    """A provider given as a str subclass that equals everything does not answer for a
    later call with another provider."""
    path = write_rules(
        tmp_path / "scoped.yaml",
        "name: scoped\nrules:\n"
        "  - id: scoped.openai\n    when: {all: [{provider: openai}, {contains: boom}]}\n"
        "    then: {category: server_error}\n"
        "  - id: scoped.any\n    when: {contains: boom}\n    then: {category: rate_limited}\n",
    )
    rules = load_rules(path)
    error = ValueError("boom")
    assert rules.classify(error, provider=EqualToAll("openai")).category == "server_error"
    assert rules.classify(error, provider="anthropic").category == "rate_limited"
    for key in rules._memo:
        assert all(type(part) is str for part in key if isinstance(part, str))


def _chained(texts: list[str]) -> KeyError:
    """KeyError(texts[2]) from ValueError(texts[1]) from RuntimeError(texts[0])."""
    first = RuntimeError(texts[0])
    second = ValueError(texts[1])
    second.__cause__ = first
    third = KeyError(texts[2])
    third.__cause__ = second
    return third


def test_chained_50_mb_exceptions_do_not_multiply_memory() -> None:
    """Three chained exceptions of 50 MB each classify within a few MB of extra memory (the
    message keeps at most MAX_TEXT_CHARS), and the memo does not keep a 50 MB key."""
    rules = load_rules("builtin:default")
    texts = [c * (50 * MB) for c in "xyz"]
    error = _chained(texts)
    tracemalloc.start()
    decision = rules.classify(error)
    rules.classify(RuntimeError(texts[0]))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert decision.category is not None
    assert peak < 12 * MB, f"peak {peak / MB:.0f} MB"
    assert all(
        len(part) <= 1_000_000 for key in rules._memo for part in key if isinstance(part, str)
    )
