"""Cached positions decode their rarely used part on demand, and answer as the full table."""

from __future__ import annotations

import marshal
from pathlib import Path
from typing import Any

import pytest

import reliable_rules
from reliable_rules.ruleset import doccache, loader, statecache
from reliable_rules.ruleset.sourcemap import SourceMap
from reliable_rules.ruleset.yamlpos import parse_yaml

ROOT = Path(__file__).resolve().parent.parent.parent
SHIPPED = sorted((ROOT / "rules").rglob("*.yaml"))


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


def _round_trip(path: Path) -> tuple[SourceMap, SourceMap]:
    raw = path.read_bytes()
    document, problems = parse_yaml("f.yaml", raw.decode("utf-8"))
    assert document is not None
    assert not problems
    restored, _ = doccache._decode(doccache._encode(document), "f.yaml")
    return document.source, restored.source


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_lazy_positions_answer_every_path_as_the_parse(path: Path) -> None:
    """Every value and key position, and the nearest one of an absent path, is the parse's."""
    full, lazy = _round_trip(path)
    paths: list[Any] = [*full.values, *full.keys]
    probes = [*paths, *((*p, "absent") for p in paths[:200]), ("no", "such", "path")]
    for probe in probes:
        assert lazy.value(probe) == full.value(probe)
        assert lazy.key(probe) == full.key(probe)
    assert lazy == full
    assert dict(lazy.values) == full.values
    assert len(lazy.keys) == len(full.keys)


def test_the_eager_part_answers_what_loading_asks_without_decoding_the_rest() -> None:
    """A rule's, its id's and its tests' positions come from the eager part."""
    full, lazy = _round_trip(ROOT / "rules" / "default" / "quota.yaml")
    values = lazy.values
    assert isinstance(values, doccache._LazyPositions)
    for path in full.values:
        if doccache._eager(path):
            assert values.get(path) == full.values[path]
    assert values._rest is not None  # nothing above needed the rest
    deep = next(p for p in full.values if not doccache._eager(p))
    assert lazy.value(deep) == full.values[deep]
    assert values._rest is None


def test_a_warm_load_decodes_no_deferred_positions(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loading builtin:default from the cache never needs the deferred positions."""
    reliable_rules.load_rules("builtin:default")
    completed: list[int] = []
    original = doccache._LazyPositions._complete

    def counting(self: doccache._LazyPositions) -> None:
        if self._rest is not None:
            completed.append(1)
        original(self)

    monkeypatch.setattr(doccache._LazyPositions, "_complete", counting)
    loader._builtin_cache.clear()
    reliable_rules.load_rules("builtin:default")
    assert completed == []


def test_a_damaged_deferred_part_makes_the_entry_ignored(cache: Path) -> None:
    """Deferred bytes that fail their CRC-32: the entry is not used, the file is parsed."""
    reliable_rules.load_rules("builtin:seed")
    (entry,) = cache.glob("*.marshal")
    payload = list(marshal.loads(entry.read_bytes()))
    eager, rest, crc = payload[2]
    damaged = bytearray(rest)
    damaged[len(damaged) // 2] ^= 0x01
    payload[2] = (eager, bytes(damaged), crc)
    entry.write_bytes(marshal.dumps(tuple(payload)))
    raw = (ROOT / "rules" / "seed.yaml").read_bytes()
    assert doccache.read(raw, "builtin:seed") is None
    loader._builtin_cache.clear()
    assert len(reliable_rules.load_rules("builtin:seed").rules) > 10
