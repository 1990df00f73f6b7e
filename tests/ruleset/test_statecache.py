"""The whole-set cache of the shipped sets: same decisions and rules, and never trusted blindly."""

from __future__ import annotations

import dataclasses
import importlib.machinery
import json
import mmap
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from helpers.cache_tampering import TRUST_TAMPERS, break_trust
from helpers.corpus_decisions import corpus_decisions, fresh, read_all
from helpers.state_entries import write_entry
from helpers.unhurried import unhurried

import reliable_rules
from reliable_rules.ruleset import doccache, layering, loader, statecache

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache directory for this test, and no in-process rule set cache."""
    monkeypatch.setenv(doccache.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(doccache.CACHE_ENV, raising=False)
    monkeypatch.setattr(loader, "_builtin_cache", {})
    directory = doccache.cache_dir()
    assert directory is not None
    assert statecache.directory() == str(directory.parent / f"state-{reliable_rules.__version__}")
    return directory


class Builds:
    """Counts the rule sets the loader had to build (a state cache hit builds none)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = layering._build

        def build(*args: object, **kwargs: object) -> object:
            self.count += 1
            return real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(layering, "_build", build)


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Builds:
    """``layering._build``, counted."""
    return Builds(monkeypatch)


def decisions(rules: reliable_rules.RuleSet) -> list[tuple[object, ...]]:
    """Every corpus record's decision, with what a caller reads of it."""
    return corpus_decisions(rules, read_all)


def summary(rules: reliable_rules.RuleSet) -> tuple[object, ...]:
    """What a rule set says about itself besides its decisions."""
    return (
        rules.name,
        rules.revision,
        rules.source,
        rules.file,
        rules.files,
        rules.rules,
        dict(rules.categories),
        rules.policy,
        rules.conditions,
        rules.unused_conditions,
        [(i.id, i.description, i.file, i.line, i.kind, dict(i.expect)) for i in rules.invariants],
        rules.classifier.scan_kind,
        rules.classifier.indexed,
        rules.classifier.ungated_positions(),
    )


def entries(cache: Path) -> list[Path]:
    """The whole-set entries (``cache``: the directory of the per-file entries, beside them)."""
    return sorted((cache.parent / f"state-{reliable_rules.__version__}").glob("state-*.pickle"))


@pytest.mark.parametrize("name", ["builtin:default", "builtin:seed"])
def test_cold_first_and_warm_loads_agree(
    cache: Path,
    builds: Builds,
    name: str,
    used_from_files: dict[str, reliable_rules.RuleSet],
    decided_from_files: dict[str, list[tuple[object, ...]]],
) -> None:
    """Cache off, first load (writes the entry) and warm load (builds nothing) agree on every
    corpus decision and on everything the set reports."""
    # the cold load (cache off): the session's set built from its files, and its decisions
    expected = (decided_from_files[name], summary(used_from_files[name]))
    assert entries(cache) == []
    first = fresh(name)
    assert (decisions(first), summary(first)) == expected
    assert len(entries(cache)) == 1
    built = builds.count
    warm = fresh(name)
    assert builds.count == built  # read back, not built
    assert warm is not first
    assert (decisions(warm), summary(warm)) == expected


def test_a_warm_set_decodes_its_rules_only_when_asked(
    cache: Path,
    unused_default: reliable_rules.RuleSet,
    used_from_files: dict[str, reliable_rules.RuleSet],
) -> None:
    """Classifying a warm set leaves its rules (and their test cases) undecoded; asking for them
    decodes them once, and the set behaves as a frozen dataclass throughout."""
    # the entry a first load writes (the session's cold build, stored as load_rules stores it),
    # and a set built from the files to compare with
    write_entry("builtin:default", unused_default)
    built = used_from_files["builtin:default"]
    warm = fresh()
    assert type(warm.classifier).__name__ == "StoredClassifier"
    warm.classify("429 Too Many Requests")
    assert "_pending_rules" in vars(warm)
    assert warm.rules == built.rules
    assert warm.rules is warm.rules
    assert "_pending_rules" not in vars(warm)
    assert warm.rule(built.rules[0].id) == built.rules[0]
    assert [f.name for f in dataclasses.fields(warm)] == [f.name for f in dataclasses.fields(built)]
    changed = dataclasses.replace(warm, name="renamed")
    assert changed.name == "renamed"
    assert changed.rules == built.rules
    with pytest.raises(dataclasses.FrozenInstanceError):
        warm.name = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        _ = warm.no_such_attribute  # type: ignore[attr-defined]
    assert repr(warm) == repr(built)


def _layout(raw: bytes) -> tuple[int, int, int, tuple[tuple[int, int, bool, int], ...]]:
    """An entry's key size, where its first pickle starts, where that pickle ends (from its
    start) and its part table ((start, end, shared, CRC-32) from the same start)."""
    import marshal  # noqa: PLC0415 — only the layout reads the tables

    size = int.from_bytes(raw[4:8], "big")
    table = 8 + size
    head_size = int.from_bytes(raw[table : table + 4], "big")
    first_end, _, parts = marshal.loads(raw[table + 4 : table + 4 + head_size])
    return size, table + 4 + head_size, first_end, parts


def _flip(raw: bytes, position: int) -> bytes:
    return raw[:position] + bytes([raw[position] ^ 0x40]) + raw[position + 1 :]


def _plant(entry: Path, tamper: str) -> None:
    raw = entry.read_bytes()
    size, base, first_end, parts = _layout(raw)
    if tamper == "flipped byte in the key":
        entry.write_bytes(_flip(raw, 8 + size // 2))
    elif tamper == "flipped byte in the first pickle":
        entry.write_bytes(_flip(raw, base + first_end // 2))
    elif tamper == "flipped byte in a shared part":
        begin, end, _, _ = next(part for part in parts if part[2])
        entry.write_bytes(_flip(raw, base + (begin + end) // 2))
    elif tamper == "truncated":
        entry.write_bytes(raw[: len(raw) // 3])
    elif tamper == "garbage with a good checksum":
        body = os.urandom(4096)
        entry.write_bytes(zlib.crc32(body).to_bytes(4, "big") + body)
    elif tamper in ("other version", "foreign classes"):
        import marshal  # noqa: PLC0415 — only these cases read the header

        _, key = marshal.loads(raw[8 : 8 + size])
        body = raw[8 + size :]
        if tamper == "other version":
            # the same pickle under the key of another version: ignored before it is unpickled
            key = key.replace(reliable_rules.__version__, "0.0.0", 1)
        else:
            import pickle  # noqa: PLC0415 — a pickle that names a class from elsewhere

            foreign = pickle.dumps(subprocess.CompletedProcess(["x"], 0))
            head = marshal.dumps((len(foreign), zlib.crc32(foreign), ()))
            body = len(head).to_bytes(4, "big") + head + foreign
        entry.write_bytes(statecache._sealed(key, body))
    elif tamper in TRUST_TAMPERS:
        break_trust(entry, tamper)


@pytest.mark.parametrize(
    "tamper",
    [
        "flipped byte in the key",
        "flipped byte in the first pickle",
        "flipped byte in a shared part",
        "truncated",
        "garbage with a good checksum",
        "other version",
        "foreign classes",
        "group-writable",
        "shared directory",
        "symlink",
        "foreign owner",
    ],
)
def test_an_entry_not_safely_ours_is_ignored_and_the_set_built(
    cache: Path, builds: Builds, tamper: str
) -> None:
    """A damaged, foreign, other version's, shared or linked entry: never used; the set is built
    again and decides as before."""
    expected = decisions(fresh("builtin:seed"))
    (entry,) = entries(cache)
    _plant(entry, tamper)
    assert statecache.load("builtin:seed") is None
    before = builds.count
    assert decisions(fresh("builtin:seed")) == expected
    assert builds.count == before + 1


def test_a_part_damaged_after_the_load_is_built_again_when_first_used(
    cache: Path,
    builds: Builds,
    caplog: pytest.LogCaptureFixture,
    unused_default: reliable_rules.RuleSet,
    decided_from_files: dict[str, list[tuple[object, ...]]],
) -> None:
    """A part that is checked only when first decoded (a matcher, the literal table, the gate
    index) and found damaged then: the warm set takes it from the set built again (once),
    decides every record as the set built from its files, removes the entry and says so."""
    entry = write_entry("builtin:default", unused_default)  # the entry a first load writes
    raw = entry.read_bytes()
    _, base, _, parts = _layout(raw)
    lazy = [(begin, end) for begin, end, shared, _ in parts if not shared]
    assert len(lazy) > 1000  # builtin:default: the classifier's groups and each rule's matcher
    damaged = bytearray(raw)
    for begin, end in lazy:
        damaged[base + (begin + end) // 2] ^= 0x40
    entry.write_bytes(damaged)
    before = builds.count
    warm = fresh()
    assert builds.count == before  # the key, the tables, the first pickle and rules are whole
    expected = [answer[:3] for answer in decided_from_files["builtin:default"]]
    with caplog.at_level("WARNING", logger="reliable_rules"):
        assert _decisions_only(warm) == expected
    assert builds.count == before + 1
    assert not entry.exists()
    assert "damaged" in caplog.text


def test_a_warm_load_checks_a_small_share_of_the_entry(
    cache: Path, monkeypatch: pytest.MonkeyPatch, unused_default: reliable_rules.RuleSet
) -> None:
    """Loading builtin:default from its entry reads and checks its key, tables, first pickle and
    shared parts, under a quarter of the entry's bytes: the rest is checked as it is used."""
    write_entry("builtin:default", unused_default)
    (entry,) = entries(cache)
    checked: list[int] = []
    real = statecache._crc

    def crc(raw: object, start: int, end: int) -> int:
        checked.append(end - start)
        return real(raw, start, end)  # type: ignore[arg-type]

    monkeypatch.setattr(statecache, "_crc", crc)
    warm = fresh()
    assert type(warm.classifier).__name__ == "StoredClassifier"
    assert 0 < sum(checked) < entry.stat().st_size / 4, (sum(checked), entry.stat().st_size)


def test_switched_off_nothing_is_read_or_written(
    cache: Path, builds: Builds, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``RELIABLE_RULES_CACHE=0``: no entry is written, and an existing one is not read."""
    fresh("builtin:seed")
    assert len(entries(cache)) == 1
    monkeypatch.setenv(doccache.CACHE_ENV, "0")
    before = builds.count
    fresh("builtin:seed")
    assert builds.count == before + 1
    assert statecache.load("builtin:seed") is None
    for entry in entries(cache):
        entry.unlink()
    fresh("builtin:seed")
    assert entries(cache) == []


@pytest.mark.parametrize("where", ["under a file", "read-only"])
def test_an_unusable_cache_directory_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """A cache directory that cannot be created or written: sets load and decide as always."""
    monkeypatch.setattr(loader, "_builtin_cache", {})
    monkeypatch.setenv(doccache.CACHE_ENV, "0")
    expected = decisions(fresh("builtin:seed"))
    monkeypatch.delenv(doccache.CACHE_ENV)
    if where == "under a file":
        blocker = tmp_path / "file"
        blocker.write_text("not a directory")
        monkeypatch.setenv(doccache.CACHE_DIR_ENV, str(blocker / "cache"))
    else:
        monkeypatch.setenv(doccache.CACHE_DIR_ENV, str(tmp_path / "cache"))

        def refuse(entry: Path, encoded: bytes) -> None:
            raise PermissionError(13, "read-only file system", str(entry))

        # root writes through any mode bits: refuse at the write itself
        monkeypatch.setattr(os, "replace", refuse)
    assert decisions(fresh("builtin:seed")) == expected
    assert decisions(fresh("builtin:seed")) == expected


def test_the_key_covers_rule_bytes_code_version_and_accelerators(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another size or mtime of a shipped rule file, another rule file, another module mtime,
    another version, accelerator setting or accelerator build: another entry name and key."""
    name, key = statecache._key("builtin:default") or ("", "")
    assert name.startswith("state-default-")
    rules = tmp_path / "rules"
    rules.mkdir()
    shipped = rules / "default.yaml"
    shipped.write_bytes(b"format: reliable-rules/v1\n")
    monkeypatch.setattr(statecache, "_rules_root", lambda: str(rules))
    base = statecache._key("builtin:default")
    shipped.write_bytes(b"format: reliable-rules/v1 \n")
    assert statecache._key("builtin:default") != base
    base = statecache._key("builtin:default")
    os.utime(shipped, ns=(1, 1))  # an edit of the same size: another mtime
    assert statecache._key("builtin:default") != base
    (rules / "default").mkdir()
    (rules / "default" / "more.yaml").write_bytes(b"")
    changed = statecache._key("builtin:default")
    assert changed != base
    package = tmp_path / "package"
    package.mkdir()
    module = package / "module.py"
    module.write_text("x = 1\n")
    monkeypatch.setattr(statecache, "_PACKAGE", str(package))
    before = statecache._key("builtin:default")
    os.utime(module, ns=(1, 1))
    assert statecache._key("builtin:default") != before
    before = statecache._key("builtin:default")
    monkeypatch.setattr(statecache, "__version__", "0.0.0")
    assert statecache._key("builtin:default") != before
    before = statecache._key("builtin:default")
    monkeypatch.setenv("RELIABLE_RULES_ACCELERATOR", "0")
    assert statecache._key("builtin:default") != before
    before = statecache._key("builtin:default")
    other_build = tmp_path / "ahocorasick.so"
    other_build.write_bytes(b"another build")
    real_find = statecache.find

    def find(name: str) -> object:
        if name == "ahocorasick":
            return importlib.machinery.ModuleSpec(name, None, origin=str(other_build))
        return real_find(name)

    monkeypatch.setattr(statecache, "find", find)
    assert statecache._key("builtin:default") != before
    assert key != statecache._key("builtin:default")


def test_without_the_accelerator_the_sets_own_entry_is_used(
    cache: Path,
    builds: Builds,
    monkeypatch: pytest.MonkeyPatch,
    unused_default: reliable_rules.RuleSet,
    decided_from_files: dict[str, list[tuple[object, ...]]],
) -> None:
    """The pure-Python scan and the accelerated one have their own entries, each decides the
    same, and neither is read for the other."""
    # the accelerated set's entry, as its first load writes it (the session's cold build)
    write_entry("builtin:default", unused_default)
    monkeypatch.setenv("RELIABLE_RULES_ACCELERATOR", "0")
    plain = fresh()
    assert plain.classifier.scan_kind == "trie"
    assert len(entries(cache)) == 2
    built = builds.count
    again = fresh()
    assert builds.count == built
    assert again.classifier.scan_kind == "trie"
    # what the accelerated set decides (its first and warm loads: test_cold_first_and_warm_
    # loads_agree): the session's builtin:default built from its files
    assert decisions(again) == decided_from_files["builtin:default"]


def _run(code: str, cache: Path) -> str:
    environment = {**os.environ, doccache.CACHE_DIR_ENV: str(cache), "PYTHONPATH": str(ROOT)}
    environment.pop(doccache.CACHE_ENV, None)
    done = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    return done.stdout


# Two real processes, the second reading the first's entry: test_statecache_lazy.py.


def test_a_set_with_every_kind_of_built_part_round_trips(tmp_path: Path) -> None:
    """A set holding what cannot be pickled as it stands (an RE2 set scan of literal-free
    regexes, generated functions, closures, read-only mappings, sentinels) is stored and read
    back deciding every corpus record and shape text the same, its RE2 set rebuilt."""
    pytest.importorskip("re2")
    shapes = [r"\b[A-Z]{3}[0-9]{6}\b", r"\b[0-9]{2,3}-[0-9a-f]{8}\b", r"(?:[a-z]{2}[0-9]){3}"]
    document = {
        "format": "reliable-rules/v1",
        "name": "shapes",
        "revision": "1",
        "extends": ["builtin:default"],
        "rules": [
            {"id": f"shape.rule-{i}", "when": {"regex": p}, "then": {"category": "server_error"}}
            for i, p in enumerate(shapes)
        ],
    }
    path = tmp_path / "shapes.yaml"
    path.write_text(json.dumps(document), encoding="utf-8")
    # both sides decide the whole corpus: a loaded machine must not spend one side's regex
    # budget and turn its match into "no match" (helpers.unhurried)
    built = unhurried(reliable_rules.load_rules(path))
    assert built.classifier._shapes is not None
    read = unhurried(statecache._decode(statecache._encode(built)))
    assert read.classifier._shapes is not None
    assert read.classifier._shapes is not built.classifier._shapes
    texts = ["upstream said ABC123456", "trace 12-deadbeef failed", "ab1cd2ef3 id", "nothing"]
    assert [read.classify(t).rule_id for t in texts] == [built.classify(t).rule_id for t in texts]
    assert read.classify(texts[0]).rule_id == "shape.rule-0"
    assert decisions(read) == decisions(built)
    assert summary(read) == summary(built)


def _decisions_only(rules: reliable_rules.RuleSet) -> list[tuple[object, ...]]:
    """Every corpus record's category, rule and Retry-After."""
    return corpus_decisions(rules, lambda d, _: (d.category, d.rule_id, d.retry_after_ms))


@pytest.mark.skipif(os.name != "posix", reason="the entry is mapped on POSIX only")
def test_a_warm_set_decodes_its_parts_after_its_entry_is_replaced(
    cache: Path,
    unused_default: reliable_rules.RuleSet,
    decided_from_files: dict[str, list[tuple[object, ...]]],
) -> None:
    """A warm load maps its entry; another process renaming a new entry into place (as the
    writer does) changes nothing for it: every part decoded later still comes from the entry
    it loaded, and every corpus record is decided as by the set built from its files."""
    write_entry("builtin:default", unused_default)  # the entry a first load writes
    warm = fresh()
    stored = vars(warm.classifier)["_pending"]
    assert stored  # parts not decoded yet
    [entry] = entries(cache)
    with entry.open("rb") as stream:
        assert isinstance(statecache._mapped(stream), mmap.mmap)
    replacement = entry.with_suffix(".tmp")
    replacement.write_bytes(b"\0" * entry.stat().st_size)
    os.replace(replacement, entry)
    expected = [answer[:3] for answer in decided_from_files["builtin:default"]]
    assert _decisions_only(warm) == expected


def test_an_entry_read_without_a_mapping_decides_alike(
    cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    unused_default: reliable_rules.RuleSet,
    decided_from_files: dict[str, list[tuple[object, ...]]],
) -> None:
    """Where the entry is not mapped (not POSIX), it is read whole and decides the same."""
    write_entry("builtin:default", unused_default)  # the entry a first load writes
    monkeypatch.setattr(statecache, "_MAPS", False)
    [entry] = entries(cache)
    with entry.open("rb") as stream:
        assert isinstance(statecache._mapped(stream), bytes)
    warm = fresh()
    assert type(warm.classifier).__name__ == "StoredClassifier"
    expected = [answer[:3] for answer in decided_from_files["builtin:default"]]
    assert _decisions_only(warm) == expected
