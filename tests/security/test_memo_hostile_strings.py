"""Classification's memo cannot be fooled by hostile strings, and huge exception chains cost
one bounded message, not one copy per link (issue 13, item 12)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from reliable_rules import load_rules


class Liar(str):
    """A str that claims to equal every string, hashes like ``twin`` and prints as itself."""

    twin = ""

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    def __hash__(self) -> int:
        return hash(self.twin)

    def __str__(self) -> str:
        return self


def test_str_subclass_message_cannot_borrow_another_messages_decision() -> None:
    """Two exceptions whose messages compare equal only by a lying ``__eq__`` get their own
    decisions, not the memoised decision of the first."""
    rules = load_rules("builtin:default")
    assert rules.classify(RuntimeError("Rate limit exceeded, slow down")).category == "rate_limited"

    class Twin(Liar):
        twin = "Rate limit exceeded, slow down"

    decision = rules.classify(RuntimeError(Twin("Incorrect API key provided")))
    assert decision.category == "auth_failed"


def test_str_subclass_provider_cannot_borrow_another_providers_decision(tmp_path: Path) -> None:
    """A provider name that lies about equality does not reuse a provider-scoped decision."""
    path = tmp_path / "rules.yaml"
    path.write_text(
        "format: reliable-rules/v1\nname: scoped\nrules:\n"
        "  - id: acme.boom\n    when: {all: [{provider: acme}, {contains: zq-boom}]}\n"
        "    then: {category: quota_exhausted}\n",
        encoding="utf-8",
    )
    rules = load_rules(path)
    assert rules.classify(RuntimeError("zq-boom"), provider="acme").category == "quota_exhausted"

    class Other(Liar):
        twin = "acme"

    assert rules.classify(RuntimeError("zq-boom"), provider=Other("other")).category == "unknown"


def test_chain_of_huge_messages_costs_one_bounded_message() -> None:
    """Six chained exceptions of 50 MB each are classified within a few MB of new memory
    (the message is bounded before the links are joined, not after)."""
    size = 50_000_000
    error: BaseException | None = None
    for letter in "abcdef":
        link = RuntimeError(letter * size)
        link.__cause__ = error
        error = link
    assert error is not None
    rules = load_rules("builtin:default")
    rules.classify("warm up")
    tracemalloc.start()
    try:
        decision = rules.classify(error)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert decision.category == "unknown"
    assert peak < 20_000_000, f"classification allocated {peak / 1e6:.0f} MB at its peak"

