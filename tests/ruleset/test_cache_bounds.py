"""The caches bound themselves on disk: old entries and old directories are removed on writes."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from helpers.corpus_decisions import fresh

import reliable_rules
from reliable_rules.ruleset import cachefiles, doccache, loader, statecache


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache base directory for this test, and no in-process rule set cache."""
    base = tmp_path / "cache"
    monkeypatch.setenv(doccache.CACHE_DIR_ENV, str(base))
    monkeypatch.delenv(doccache.CACHE_ENV, raising=False)
    monkeypatch.setattr(loader, "_builtin_cache", {})
    return base


def planted(path: Path, *, age_s: float, mode: int = 0o600, directory: bool = False) -> Path:
    """A file (or a directory holding one) last written ``age_s`` seconds ago."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not directory:
        path.write_bytes(b"old entry")
    else:
        path.mkdir(mode=0o700)
        (path / "entry.marshal").write_bytes(b"old entry")
    path.chmod(mode)
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def state_dir(cache: Path) -> Path:
    """This version's whole-set directory under ``cache``."""
    return cache / f"state-{reliable_rules.__version__}"


def test_a_whole_set_entry_keeps_only_the_newest_entries_of_its_set(cache: Path) -> None:
    """Writing builtin:seed's entry leaves the newest ENTRIES_KEPT entries of builtin:seed
    (the new one among them) and every entry of another set."""
    folder = state_dir(cache)
    old = [planted(folder / f"state-seed-0000000{i}.pickle", age_s=100 + i) for i in range(5)]
    other = planted(folder / "state-default-00000009.pickle", age_s=10_000)
    fresh("builtin:seed")
    assert len(list(folder.glob("state-seed-*.pickle"))) == statecache.ENTRIES_KEPT
    survivors = statecache.ENTRIES_KEPT - 1
    assert [p.exists() for p in old] == [True] * survivors + [False] * (5 - survivors)
    assert other.exists()
    assert statecache.load("builtin:seed") is not None


def test_the_parsed_files_directory_keeps_the_newest_entries(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past doccache.ENTRIES_KEPT parsed files, a write removes the oldest; what a load just
    wrote stays."""
    monkeypatch.setattr(doccache, "ENTRIES_KEPT", 8)
    directory = doccache.cache_dir()
    assert directory is not None
    stale = [planted(directory / f"{i:08x}-1.marshal", age_s=1_000 + i) for i in range(20)]
    fresh("builtin:seed")
    names = [p for p in directory.iterdir() if p.suffix in {".marshal", ".code"}]
    assert len(names) == 8
    written = [p for p in names if p not in stale]
    assert written, "the load's own entries are the newest and are kept"
    survivors = 8 - len(written)
    assert [p.exists() for p in stale] == [True] * survivors + [False] * (20 - survivors)


def test_a_temporary_file_left_by_a_dead_writer_is_removed_a_fresh_one_kept(
    cache: Path,
) -> None:
    """A ``.tmp`` older than an hour goes at the next write; one being written now stays."""
    folder = state_dir(cache)
    dead = planted(folder / "tmpdead.tmp", age_s=2 * 3600)
    live = planted(folder / "tmplive.tmp", age_s=5)
    fresh("builtin:seed")
    assert not dead.exists()
    assert live.exists()


def test_a_new_cache_directory_retires_all_but_the_newest_of_its_kind(cache: Path) -> None:
    """Creating this version's directories removes older ``parsed-*`` and ``state-*``
    directories beyond DIRECTORIES_KEPT, newest kept; other names are never touched."""
    def older(name: str, i: int) -> Path:
        return planted(cache / name, age_s=1_000 * (i + 1), directory=True)

    parsed = [older(f"parsed-0.0.{i}-0", i) for i in range(6)]
    states = [older(f"state-0.0.{i}", i) for i in range(6)]
    unrelated = planted(cache / "notes", age_s=99_999, directory=True)
    fresh("builtin:seed")
    kept = cachefiles.DIRECTORIES_KEPT
    assert [p.exists() for p in parsed] == [True] * kept + [False] * (6 - kept)
    assert [p.exists() for p in states] == [True] * kept + [False] * (6 - kept)
    assert unrelated.exists()
    current = doccache.cache_dir()
    assert current is not None
    assert current.exists()
    assert state_dir(cache).exists()


def test_only_what_is_ours_is_removed(cache: Path) -> None:
    """A directory or entry others can write, or a symlink, is never removed or followed."""
    shared_dir = planted(
        cache / "parsed-0.0.0-shared00", age_s=1_000_000, mode=0o777, directory=True
    )
    target = cache.parent / "elsewhere"
    target.mkdir()
    (target / "precious.marshal").write_bytes(b"keep me")
    linked = cache / "parsed-0.0.0-linked00"
    linked.symlink_to(target, target_is_directory=True)
    for i in range(cachefiles.DIRECTORIES_KEPT + 2):
        planted(cache / f"parsed-0.0.9-abcdef0{i}", age_s=10 + i, directory=True)
    folder = state_dir(cache)
    shared_entry = planted(folder / "state-seed-00000001.pickle", age_s=500, mode=0o666)
    for i in range(statecache.ENTRIES_KEPT + 2):
        planted(folder / f"state-seed-1000000{i}.pickle", age_s=10 + i)
    fresh("builtin:seed")
    assert shared_dir.exists()
    assert linked.is_symlink()
    assert (target / "precious.marshal").exists()
    assert shared_entry.exists()
    # the shared and the linked directories are not counted: the newest ones of ours are kept
    assert len(list(cache.glob("parsed-0.0.9-*"))) == cachefiles.DIRECTORIES_KEPT
    # (the planted names only: the entry just written is named by a hash, which may start
    # with a 1 as well: that made this count flaky, 1 code change in 16)
    planted_left = list(folder.glob("state-seed-1000000?.pickle"))
    assert len(planted_left) == statecache.ENTRIES_KEPT - 1


def test_a_listing_that_fails_costs_nothing_but_the_pruning(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the directory cannot be listed, the entry is still written and read back."""

    real_scandir = os.scandir

    def refuse(path: str) -> object:
        if str(path).startswith(str(cache)):
            raise PermissionError(13, "cannot list", str(path))
        return real_scandir(path)

    with monkeypatch.context() as listing_refused:
        listing_refused.setattr(os, "scandir", refuse)
        fresh("builtin:seed")
    assert len(list(state_dir(cache).glob("state-seed-*.pickle"))) == 1
    assert statecache.load("builtin:seed") is not None
