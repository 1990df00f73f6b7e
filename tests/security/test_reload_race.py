"""A reloading rule set never sticks on an old set when its file changes while it loads:
what is served is compared with what was read, not with what was hashed before (issue 13,
item 10)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from reliable_rules import load_rules
from reliable_rules.reloading import ReloadingRuleSet


def _version(category: str) -> str:
    return (
        "format: reliable-rules/v1\nname: live\nrules:\n  - id: live.r\n"
        f"    when: {{contains: boom}}\n    then: {{category: {category}}}\n"
    )


def _write(path: Path, category: str) -> None:
    """Replace the file atomically, as the module documents."""
    temporary = path.with_suffix(f".{threading.get_ident()}.tmp")
    temporary.write_text(_version(category), encoding="utf-8")
    os.replace(temporary, path)


def test_a_write_between_hashing_and_reading_does_not_stick(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file changes to B; while B is being loaded it is C for a moment (C is what the
    loader reads), then B again. B must be served after the next check (it used to stay on
    C for good: the file's hash was B's, which looked like what was served)."""
    path = tmp_path / "live.yaml"
    _write(path, "server_error")
    rules = ReloadingRuleSet(path, interval_s=0)
    _write(path, "rate_limited")  # B
    real_load = load_rules

    def load_during_a_rewrite(source: str) -> object:
        _write(path, "auth_failed")  # C, written after the check hashed B
        try:
            return real_load(source)
        finally:
            _write(path, "rate_limited")  # B again, before any later check

    monkeypatch.setattr("reliable_rules.reloading.load_rules", load_during_a_rewrite)
    assert rules.reload() is True
    monkeypatch.setattr("reliable_rules.reloading.load_rules", real_load)
    assert rules.classify("boom").category == "rate_limited"
    assert rules.current.classify("boom").category == "rate_limited"


def test_a_file_rewritten_in_a_loop_ends_on_its_last_version(tmp_path: Path) -> None:
    """A writer alternates two versions as fast as it can while readers classify; once it
    stops on a third, the next check serves the third, every time."""
    path = tmp_path / "live.yaml"
    _write(path, "server_error")
    rules = ReloadingRuleSet(path, interval_s=0)
    for _ in range(3):
        stop = threading.Event()

        def writer(stop: threading.Event = stop) -> None:
            flip = False
            while not stop.is_set():
                _write(path, "rate_limited" if flip else "server_error")
                flip = not flip

        threads = [threading.Thread(target=writer)] + [
            threading.Thread(target=lambda: [rules.classify("boom") for _ in range(300)])
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads[1:]:
            thread.join(30)
        stop.set()
        threads[0].join(5)
        _write(path, "auth_failed")
        deadline = time.monotonic() + 5
        while rules.classify("boom").category != "auth_failed" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert rules.classify("boom").category == "auth_failed"
        _write(path, "server_error")
        rules.reload()
        assert rules.classify("boom").category == "server_error"
