"""``ReloadingRuleSet``: lazy reloads on content change, last valid set wins, readers never wait."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import pytest
from helpers.reloading import FakeClock, write_atomically

from reliable_rules import RuleSetError
from reliable_rules.reloading import ReloadingRuleSet

HEADER = "format: reliable-rules/v1\n"
PROBE = "probe zq-42 happened"


def rules_text(revision: str, category: str = "timeout", extends: str | None = None) -> str:
    """A valid rule file deciding PROBE as ``category``, with the given revision."""
    base = f"extends: {extends}\n" if extends else ""
    return (
        f"{HEADER}name: live\nrevision: {revision!r}\n{base}rules:\n"
        f"  - id: live.probe\n    when: {{contains: zq-42}}\n"
        f"    then: {{category: {category}}}\n"
    )


def broken_text(tag: str) -> str:
    """An invalid rule file (a regex that does not compile); ``tag`` makes the content distinct."""
    return (
        f"{HEADER}name: live\nrevision: {tag!r}\nrules:\n"
        '  - id: live.bad\n    when: {regex: "("}\n    then: {category: timeout}\n'
    )




def warnings_of(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The WARNING records logged on the ``reliable_rules`` logger."""
    return [
        r for r in caplog.records if r.name == "reliable_rules" and r.levelno == logging.WARNING
    ]


def test_reloads_when_content_changes(tmp_path: Path) -> None:
    """A changed file is picked up at the next classify and swapped in as a new generation."""
    path = tmp_path / "rules.yaml"
    write_atomically(path, rules_text("1", "timeout"))
    seen: list[tuple[str, str]] = []
    rules = ReloadingRuleSet(
        path, interval_s=0, on_reload=lambda old, new: seen.append((old.revision, new.revision))
    )
    assert rules.classify(PROBE).category == "timeout"
    assert rules.generation == 0
    write_atomically(path, rules_text("2", "server_error"))
    decision = rules.classify(PROBE)
    assert (decision.category, decision.revision) == ("server_error", "2")
    assert rules.generation == 1
    assert rules.current.revision == "2"
    assert seen == [("1", "2")]


def test_interval_respected_with_injected_clock(tmp_path: Path) -> None:
    """Files are not checked again until ``interval_s`` has passed on the injected clock."""
    path = tmp_path / "rules.yaml"
    write_atomically(path, rules_text("1", "timeout"))
    clock = FakeClock()
    rules = ReloadingRuleSet(path, interval_s=5, clock=clock)
    write_atomically(path, rules_text("2", "server_error"))
    clock.now += 4.9
    assert rules.classify(PROBE).category == "timeout"
    assert rules.generation == 0
    clock.now += 0.1
    assert rules.classify(PROBE).category == "server_error"
    assert rules.generation == 1


def test_touch_without_change_does_not_reload(tmp_path: Path) -> None:
    """A new mtime with the same content (``touch``) does not reload."""
    path = tmp_path / "rules.yaml"
    write_atomically(path, rules_text("1"))
    rules = ReloadingRuleSet(path, interval_s=0)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    write_atomically(path, path.read_text("utf-8"))  # rewritten, same bytes, new inode
    rules.classify(PROBE)
    assert rules.reload() is False
    assert rules.generation == 0
    assert rules.last_error is None


def test_invalid_keeps_last_valid_and_logs_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Bad content keeps the last valid set serving and is logged once per distinct content."""
    path = tmp_path / "rules.yaml"
    write_atomically(path, rules_text("1", "timeout"))
    errors: list[RuleSetError] = []
    rules = ReloadingRuleSet(path, interval_s=0, on_error=errors.append)
    caplog.set_level(logging.WARNING, logger="reliable_rules")
    write_atomically(path, broken_text("bad-1"))
    for _ in range(5):
        decision = rules.classify(PROBE)
        assert (decision.category, decision.revision) == ("timeout", "1")
    assert isinstance(rules.last_error, RuleSetError)
    assert rules.generation == 0
    (record,) = warnings_of(caplog)
    assert str(path) in record.getMessage()
    assert "still serving live 1" in record.getMessage()
    assert len(errors) == 1
    write_atomically(path, broken_text("bad-2"))
    rules.classify(PROBE)
    rules.classify(PROBE)
    assert len(warnings_of(caplog)) == 2
    assert rules.reload() is False  # same bad content: not loaded, not logged again
    assert len(warnings_of(caplog)) == 2


def test_recovers_after_invalid(tmp_path: Path) -> None:
    """A valid file after an invalid one is swapped in and clears ``last_error``."""
    path = tmp_path / "rules.yaml"
    write_atomically(path, rules_text("1", "timeout"))
    rules = ReloadingRuleSet(path, interval_s=0)
    write_atomically(path, broken_text("bad"))
    rules.classify(PROBE)
    assert rules.last_error is not None
    write_atomically(path, rules_text("2", "server_error"))
    assert rules.classify(PROBE).category == "server_error"
    assert rules.last_error is None
    assert rules.generation == 1


def test_restoring_served_content_clears_error(tmp_path: Path) -> None:
    """Going back to the content being served clears the error without a new generation."""
    path = tmp_path / "rules.yaml"
    write_atomically(path, rules_text("1"))
    rules = ReloadingRuleSet(path, interval_s=0)
    write_atomically(path, broken_text("bad"))
    rules.classify(PROBE)
    write_atomically(path, rules_text("1"))
    rules.classify(PROBE)
    assert rules.last_error is None
    assert rules.generation == 0


def test_base_file_change_reloads(tmp_path: Path) -> None:
    """A change in a file that the watched file ``extends`` reloads the set."""
    base = tmp_path / "base.yaml"
    write_atomically(
        base,
        f"{HEADER}name: base\nrules:\n  - id: base.other\n    when: {{contains: other}}\n"
        "    then: {category: auth_failed}\n",
    )
    main = tmp_path / "main.yaml"
    write_atomically(main, rules_text("1", "timeout", extends="base.yaml"))
    rules = ReloadingRuleSet(main, interval_s=0)
    assert str(base) in rules.files
    assert rules.classify("other thing").category == "auth_failed"
    write_atomically(base, base.read_text("utf-8").replace("auth_failed", "model_not_found"))
    assert rules.classify("other thing").category == "model_not_found"
    assert rules.generation == 1


def test_first_load_invalid_raises(tmp_path: Path) -> None:
    """With nothing valid to serve, the constructor raises RuleSetError."""
    path = tmp_path / "rules.yaml"
    write_atomically(path, broken_text("bad"))
    with pytest.raises(RuleSetError):
        ReloadingRuleSet(path)
    with pytest.raises(RuleSetError):
        ReloadingRuleSet(tmp_path / "missing.yaml")


def test_negative_interval_rejected(tmp_path: Path) -> None:
    """``interval_s`` below 0 is a ValueError."""
    path = tmp_path / "rules.yaml"
    write_atomically(path, rules_text("1"))
    with pytest.raises(ValueError, match="interval_s"):
        ReloadingRuleSet(path, interval_s=-1)


def test_classify_does_not_wait_for_a_loading_thread(tmp_path: Path) -> None:
    """While one thread holds the load lock, classify serves the current set without waiting."""
    path = tmp_path / "rules.yaml"
    write_atomically(path, rules_text("1", "timeout"))
    rules = ReloadingRuleSet(path, interval_s=0)
    write_atomically(path, rules_text("2", "server_error"))
    with rules._lock:  # stands for a slow load in another thread
        started = time.monotonic()
        assert rules.classify(PROBE).category == "timeout"
        assert time.monotonic() - started < 1.0
    assert rules.classify(PROBE).category == "server_error"


def _wait_until(condition: object, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.0005)
    return False


def test_stress_readers_never_see_mixed_or_failing_sets(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """8 readers classify while valid and invalid files alternate 100 times: no errors, no mix."""
    caplog.set_level(logging.ERROR, logger="reliable_rules")  # 100 expected warnings: not kept
    path = tmp_path / "rules.yaml"
    expected = {"a": "timeout", "b": "server_error"}
    write_atomically(path, rules_text("a-init", expected["a"]))
    rules = ReloadingRuleSet(path, interval_s=0)
    stop = threading.Event()
    failures: list[str] = []
    revisions: set[str] = set()
    counts = [0] * 8

    def reader(index: int) -> None:
        while not stop.is_set():
            try:
                decision = rules.classify(PROBE)
            except BaseException as error:  # noqa: BLE001 — any escape is the failure under test
                failures.append(f"reader {index} raised {error!r}")
                return
            want = expected[decision.revision[0]]
            if decision.category != want:
                failures.append(f"{decision.revision}: {decision.category} != {want}")
                return
            revisions.add(decision.revision)
            counts[index] += 1
            time.sleep(0)  # let the writer have the GIL now and then

    threads = [threading.Thread(target=reader, args=(i,), daemon=True) for i in range(8)]
    for thread in threads:
        thread.start()
    last_valid = "a-init"
    try:
        for step in range(100):
            variant = "ab"[step % 2]
            revision = last_valid = f"{variant}-{step}"
            write_atomically(path, rules_text(revision, expected[variant]))
            assert _wait_until(lambda r=revision: rules.current.revision == r), revision
            write_atomically(path, broken_text(f"bad-{step}"))
            assert _wait_until(lambda: rules.last_error is not None), step
            assert not failures, failures
    finally:
        stop.set()
        for thread in threads:
            thread.join(5)
    assert not failures, failures
    assert all(count > 100 for count in counts), counts
    assert len(revisions) > 2
    assert rules.generation == 100
    assert rules.last_error is not None
    decision = rules.classify(PROBE)
    assert (decision.revision, decision.category) == (last_valid, expected["b"])
