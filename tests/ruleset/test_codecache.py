"""The compiled-code cache of the shipped sets: same decisions, and never trusted blindly."""

from __future__ import annotations

import marshal
import zlib
from pathlib import Path
from typing import Any

import pytest
from helpers.cache_tampering import TRUST_TAMPERS, break_trust
from helpers.corpus_decisions import corpus_decisions, fresh

import reliable_rules
from reliable_rules.ruleset import codecache, doccache, loader, statecache


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


class Compiles:
    """Counts the sources the cache had to compile (a hit compiles none)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.count += 1
        return compile(*args, **kwargs)


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> Compiles:
    """``compile`` as codecache sees it, counted."""
    counter = Compiles()
    monkeypatch.setattr(codecache, "compile", counter, raising=False)
    return counter


def decisions(rules: reliable_rules.RuleSet) -> list[tuple[object, ...]]:
    """Every corpus record's decision: category, rule, Retry-After."""
    return corpus_decisions(
        rules, lambda decision, _: (decision.category, decision.rule_id, decision.retry_after_ms)
    )


@pytest.mark.parametrize("name", ["builtin:default", "builtin:seed"])
def test_a_cache_hit_decides_every_corpus_record_as_a_cold_load(
    cache: Path,
    compiles: Compiles,
    name: str,
    decided_from_files: dict[str, list[tuple[object, ...]]],
) -> None:
    """Cold (cache off), first (writes) and warm (reads, compiles nothing) loads agree."""
    # the cold load: the session's set built from its files with every cache off
    cold = [decided[:3] for decided in decided_from_files[name]]
    compiles.count = 0
    first = decisions(fresh(name))
    written = compiles.count
    assert written >= 1
    assert len(list(cache.glob("*.code"))) == written
    warm = decisions(fresh(name))
    assert compiles.count == written  # every generated function came from the cache
    assert cold == first == warm


def test_entries_are_private_and_hold_their_source(cache: Path) -> None:
    """Entries are 0600 in a 0700 directory, and name the exact source they compile."""
    fresh("builtin:seed")
    entries = list(cache.glob("*.code"))
    assert entries
    for entry in entries:
        assert entry.stat().st_mode & 0o777 == 0o600
        payload = marshal.loads(entry.read_bytes()[4:])
        source = payload[4]
        assert entry.name == codecache._key(source)
        assert codecache._load(entry.read_bytes(), source, payload[3]) is not None
        assert codecache._load(entry.read_bytes(), source + "\n", payload[3]) is None
    assert cache.stat().st_mode & 0o777 == 0o700


def _plant(entry: Path, tamper: str) -> None:
    raw = entry.read_bytes()
    payload = list(marshal.loads(raw[4:]))
    if tamper == "other python":
        payload[1] += 1
        body = marshal.dumps(tuple(payload))
        entry.write_bytes(zlib.crc32(body).to_bytes(4, "big") + body)
    elif tamper == "other source":
        # a valid entry whose code is not that of the source it sits under
        payload[5] = compile("rules = []\ndecide = retry_after = None\n", "x", "exec")
        payload[4] = payload[4] + "# planted"
        body = marshal.dumps(tuple(payload))
        entry.write_bytes(zlib.crc32(body).to_bytes(4, "big") + body)
    elif tamper == "flipped byte":
        position = len(raw) // 2
        entry.write_bytes(raw[:position] + bytes([raw[position] ^ 0x40]) + raw[position + 1 :])
    elif tamper == "truncated":
        entry.write_bytes(raw[: len(raw) // 3])
    elif tamper in TRUST_TAMPERS:
        break_trust(entry, tamper)


@pytest.mark.parametrize(
    "tamper",
    [
        "other python",
        "other source",
        "flipped byte",
        "truncated",
        "group-writable",
        "shared directory",
        "symlink",
        "foreign owner",
    ],
)
def test_an_entry_not_safely_ours_is_ignored_and_the_source_compiled(
    cache: Path, compiles: Compiles, tamper: str
) -> None:
    """Another Python's, another source's, a damaged, shared or foreign entry: compiled anew,
    and the set decides as before."""
    expected = decisions(fresh("builtin:seed"))
    before = compiles.count
    for entry in cache.glob("*.code"):
        _plant(entry, tamper)
    assert decisions(fresh("builtin:seed")) == expected
    assert compiles.count == 2 * before  # none of the entries was used


def test_a_damaged_entry_is_rewritten(cache: Path, compiles: Compiles) -> None:
    """After a load that found an entry damaged, the next load reads a good one again."""
    fresh("builtin:seed")
    for entry in cache.glob("*.code"):
        _plant(entry, "flipped byte")
    fresh("builtin:seed")
    count = compiles.count
    fresh("builtin:seed")
    assert compiles.count == count


def test_user_rule_sets_and_a_switched_off_cache_write_no_code(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only sets reached as builtin:NAME are cached; RELIABLE_RULES_CACHE=0 writes nothing."""
    user = tmp_path / "user.yaml"
    user.write_text(
        "format: reliable-rules/v1\nname: user\nextends: [builtin:seed]\n"
        "rules:\n  - id: user.one\n    when: {contains: acme overload}\n"
        "    then: {category: server_error}\n",
        encoding="utf-8",
    )
    reliable_rules.load_rules(user)
    fresh("builtin:seed")
    seed_entries = set(cache.glob("*.code"))
    loader._builtin_cache.clear()
    reliable_rules.load_rules(user)
    assert set(cache.glob("*.code")) == seed_entries
    monkeypatch.setenv(doccache.CACHE_ENV, "0")
    for entry in seed_entries:
        entry.unlink()
    fresh("builtin:seed")
    assert not list(cache.glob("*.code"))
