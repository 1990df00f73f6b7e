"""``ReloadingRuleSet`` serves what the file holds in the end, however writes race its checks."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from helpers.reloading import FakeClock, write_atomically

import reliable_rules.reloading as reloading_module
from reliable_rules.reloading import ReloadingRuleSet

HEADER = "format: reliable-rules/v1\n"


def rules_text(revision: str) -> str:
    """A valid rule file whose revision names its content."""
    return (
        f"{HEADER}name: race\nrevision: {revision!r}\nrules:\n"
        "  - id: race.probe\n    when: {contains: zq-42}\n    then: {category: timeout}\n"
    )




def test_write_between_check_and_load_is_not_mistaken_for_the_served_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write landing between the check's hash and the loader's read cannot pin the set that
    was loaded: when the file goes back to what the check hashed, that content is loaded."""
    path = tmp_path / "rules.yaml"
    path.write_text(rules_text("a"), encoding="utf-8")
    clock = FakeClock()
    live = ReloadingRuleSet(path, interval_s=1.0, clock=clock)
    real_load = reloading_module.load_rules
    calls: list[int] = []

    def load_after_another_write(source: Any) -> Any:
        if not calls:
            write_atomically(path, rules_text("c"))  # lands after the check hashed "b"
        calls.append(1)
        return real_load(source)

    monkeypatch.setattr(reloading_module, "load_rules", load_after_another_write)
    write_atomically(path, rules_text("b"))
    clock.now += 2
    assert live.reload() is True
    assert live.current.revision == "c"  # the loader read what was there
    write_atomically(path, rules_text("b"))  # back to the content the check had hashed
    clock.now += 2
    live.reload()
    assert live.current.revision == "b"


def test_file_rewritten_in_a_loop_converges_to_its_last_content(tmp_path: Path) -> None:
    """A writer thread rewriting the file while readers classify and reload: once it stops,
    the next checks serve its last content, and no check ever raised."""
    path = tmp_path / "rules.yaml"
    path.write_text(rules_text("start"), encoding="utf-8")
    live = ReloadingRuleSet(path, interval_s=0.0)
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        for number in range(400):
            write_atomically(path, rules_text(f"w{number}"))
        stop.set()

    def reader() -> None:
        try:
            while not stop.is_set():
                live.classify("probe zq-42")
                live.reload()
        except Exception as error:  # noqa: BLE001 — any failure in a reader fails the test below
            errors.append(error)

    readers = [threading.Thread(target=reader) for _ in range(3)]
    threads = [threading.Thread(target=writer), *readers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    live.reload()
    live.reload()
    assert live.current.revision == "w399"
    assert live.classify("probe zq-42").category == "timeout"
