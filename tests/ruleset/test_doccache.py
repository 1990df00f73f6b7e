"""The parsed-file cache of the shipped rule sets: same rule sets, and never trusted blindly."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest

import reliable_rules
from reliable_rules._version import __version__
from reliable_rules.ruleset import doccache, loader, statecache


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache directory for this test, and no in-process rule set cache."""
    monkeypatch.setenv(doccache.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(doccache.CACHE_ENV, raising=False)
    monkeypatch.setattr(loader, "_builtin_cache", {})
    # the whole-set entries (statecache) would answer first: these are about the entries beneath
    monkeypatch.setattr(statecache, "load", lambda reference: None)
    directory = doccache.cache_dir()
    assert directory is not None
    return directory


def summary(rules: reliable_rules.RuleSet) -> list[tuple[object, ...]]:
    """What a loaded set is made of, and how it decides a few errors."""
    texts = ["Rate limit reached", "context length exceeded", "invalid api key", "boom"]
    decided = [(rules.classify(t, status=s).rule_id) for t in texts for s in (None, 400, 429)]
    rules_seen = [(r.id, r.file, r.line, r.category) for r in rules.rules]
    return [tuple(rules_seen), tuple(decided), rules.files, rules.revision]


def test_a_cached_load_builds_the_same_rule_set(cache: Path) -> None:
    """The second load reads every shipped file from the cache and yields the same set."""
    first = summary(reliable_rules.load_rules("builtin:default"))
    entries = sorted(cache.glob("*.marshal"))
    assert len(entries) >= 10
    assert __version__ in cache.name
    loader._builtin_cache.clear()
    assert summary(reliable_rules.load_rules("builtin:default")) == first


def test_entries_are_private_and_only_for_the_same_bytes(cache: Path) -> None:
    """Entries are 0600 in a 0700 directory, named by the CRC-32 and length of the bytes."""
    reliable_rules.load_rules("builtin:seed")
    (entry,) = cache.glob("*.marshal")
    assert entry.stat().st_mode & 0o777 == 0o600
    assert cache.stat().st_mode & 0o777 == 0o700
    assert doccache.read(b"other bytes", "builtin:seed") is None


def test_a_planted_entry_in_a_private_cache_is_used_so_the_checks_are_what_protects(
    cache: Path,
) -> None:
    """The counterpart of the test below: an untampered-looking private entry is trusted."""
    reliable_rules.load_rules("builtin:seed")
    (entry,) = cache.glob("*.marshal")
    planted = marshal.loads(entry.read_bytes())
    planted[1]["rules"] = planted[1]["rules"][:1]
    entry.write_bytes(marshal.dumps(planted))
    loader._builtin_cache.clear()
    assert len(reliable_rules.load_rules("builtin:seed").rules) == 1


@pytest.mark.parametrize("tamper", ["world-writable dir", "foreign owner", "garbage", "symlink"])
def test_a_cache_not_safely_ours_is_ignored(cache: Path, tamper: str) -> None:
    """A shared, foreign, linked or corrupt entry is never used: the file is parsed again."""
    reliable_rules.load_rules("builtin:seed")
    (entry,) = cache.glob("*.marshal")
    planted = marshal.loads(entry.read_bytes())
    planted[1]["rules"] = []  # a cache that would silently drop every rule
    entry.write_bytes(marshal.dumps(planted))
    if tamper == "world-writable dir":
        cache.chmod(0o777)
    elif tamper == "foreign owner":
        if os.getuid() != 0:
            pytest.skip("changing a file's owner needs root")
        os.chown(entry, 65534, 65534)
    elif tamper == "garbage":
        entry.write_text("{not json", encoding="utf-8")
    else:
        target = entry.with_suffix(".real")
        entry.rename(target)
        entry.symlink_to(target)
    loader._builtin_cache.clear()
    assert len(reliable_rules.load_rules("builtin:seed").rules) > 10


def test_the_cache_can_be_switched_off(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """RELIABLE_RULES_CACHE=0 writes and reads nothing."""
    monkeypatch.setenv(doccache.CACHE_ENV, "0")
    reliable_rules.load_rules("builtin:seed")
    assert not cache.exists()


def test_a_warm_process_neither_imports_yaml_nor_the_executor(tmp_path: Path) -> None:
    """With the cache warm, import + load_rules() pulls in no PyYAML, requests or urllib3."""
    environment = {**os.environ, doccache.CACHE_DIR_ENV: str(tmp_path / "cache")}
    code = (
        "import sys, reliable_rules\n"
        "reliable_rules.load_rules()\n"
        "heavy = ('yaml', 'requests', 'urllib3', 'jsonschema', 'reliable_rules.executor.loops')\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
    )
    command = [sys.executable, "-c", code]
    cold = subprocess.run(command, capture_output=True, text=True, env=environment, check=True)
    warm = subprocess.run(command, capture_output=True, text=True, env=environment, check=True)
    assert cold.stdout.strip() == "['yaml']"
    assert warm.stdout.strip() == "[]"
