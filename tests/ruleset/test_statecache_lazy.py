"""The state cache decodes a stored set by parts: what classifying needs at load, each rule's
matcher when its gate first holds, the condition trees when asked; and it never uses an entry
whose shape is not the one this code builds."""

from __future__ import annotations

import copy
import gc
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers.corpus_decisions import (
    CHILD_DECISIONS,
    REBUILT_EVERY,
    corpus_decisions,
    fresh,
    read_all,
)
from helpers.state_entries import entry_path, write_entry

import reliable_rules
from reliable_rules.engine.classifier import BOUNDED_TEXT, Classifier
from reliable_rules.ruleset import doccache, layering, loader, statecache, statelayout
from reliable_rules.ruleset.lazyparts import LAZY_ATTRIBUTES, LazyMatcher, StoredClassifier

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache directory for this test, and no in-process rule set cache."""
    monkeypatch.setenv(doccache.CACHE_DIR_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(doccache.CACHE_ENV, raising=False)
    monkeypatch.setattr(loader, "_builtin_cache", {})
    return tmp_path / "cache"


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """``layering._build``, counted (one item per set built)."""
    count: list[int] = []
    real = layering._build

    def build(*args: object, **kwargs: object) -> object:
        count.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(layering, "_build", build)
    return count


def decisions(rules: reliable_rules.RuleSet, *, every: int = 1) -> list[tuple[object, ...]]:
    """Every corpus record's decision (with ``every``, one in that many), with its
    explanation."""
    return corpus_decisions(rules, read_all, every=every)


def decoded(classifier: Classifier) -> int:
    """How many of the classifier's matchers are decoded."""
    return sum(not isinstance(m, LazyMatcher) or m.decoded for m in classifier._matchers)


def eager(name: str, monkeypatch: pytest.MonkeyPatch) -> reliable_rules.RuleSet:
    """``name`` built from its files (every cache off)."""
    monkeypatch.setenv(doccache.CACHE_ENV, "0")
    built = fresh(name)
    monkeypatch.delenv(doccache.CACHE_ENV)
    loader._builtin_cache.clear()
    return built


def test_a_lazily_decoded_set_decides_the_corpus_as_an_eagerly_built_one(
    cache: Path,
    unused_default: reliable_rules.RuleSet,
    used_from_files: dict[str, reliable_rules.RuleSet],
    decided_from_files: dict[str, list[tuple[object, ...]]],
) -> None:
    """A warm builtin:default decodes no matcher and no condition tree at load, one error
    decodes only the matchers of the rules its gates select, and the whole corpus is decided
    (and explained) exactly as by the set built from its files."""
    # the set built from its files (cache off: the session's), and the entry its first load
    # writes (the session's other cold build, stored as load_rules stores a set it built)
    built = used_from_files["builtin:default"]
    write_entry("builtin:default", unused_default)
    warm = fresh()
    classifier = warm.classifier
    assert type(classifier) is StoredClassifier
    rule_count = len(built.classifier.rules)
    assert decoded(classifier) == 0
    lazy = {name for group in LAZY_ATTRIBUTES for name in group}
    assert set(vars(classifier)["_pending"]) == lazy
    assert warm.classify("429 Too Many Requests: rate limit reached").category == "rate_limited"
    assert 0 < decoded(classifier) < rule_count // 4
    assert "rules" in vars(classifier)["_pending"]  # classifying never reads the trees
    # what `built` decides: the session's builtin:default built from its files, every cache off
    assert decisions(warm) == decided_from_files["builtin:default"]
    assert decoded(classifier) > rule_count // 4
    assert "rules" not in vars(classifier)["_pending"]  # explain() read them
    assert [r.id for r in classifier.rules] == [r.id for r in built.classifier.rules]
    assert all(
        rule.verdict is verdict
        for rule, verdict in zip(classifier.rules, classifier._verdicts, strict=True)
    )
    assert classifier.ungated_positions() == built.classifier.ungated_positions()


def _objects_decoded(extra: int, tmp_path: Path) -> int:
    """The objects the collector tracks after decoding a set of builtin:default and ``extra``
    rules of its own (each with a regex, a literal and a test case)."""
    document = {
        "format": "reliable-rules/v1",
        "name": "grown",
        "revision": "1",
        "extends": ["builtin:default"],
        "rules": [
            {
                "id": f"grown.rule-{i}",
                "when": {"all": [{"contains": f"gadget{i} failure"}, {"regex": f"code [0-9]+{i}"}]},
                "then": {"category": "server_error"},
                "tests": [{"text": f"gadget{i} failure code 77{i}"}],
            }
            for i in range(extra)
        ],
    }
    path = tmp_path / f"grown-{extra}.yaml"
    path.write_text(json.dumps(document), encoding="utf-8")
    encoded = statecache._encode(reliable_rules.load_rules(path))
    gc.collect()
    before = len(gc.get_objects())
    read = statecache._decode(encoded)
    count = len(gc.get_objects()) - before
    if extra:
        assert read.classify("gadget7 failure code 777").rule_id == "grown.rule-7"
    return count


def test_what_a_load_decodes_grows_by_a_few_objects_per_rule(
    cache: Path, tmp_path: Path
) -> None:
    """Decoding a stored set creates a few objects per rule (its verdict and the stand-ins of
    its parts), not its condition tree: 400 more rules cost under 6 objects each."""
    small = _objects_decoded(0, tmp_path)
    large = _objects_decoded(400, tmp_path)
    assert (large - small) / 400 < 6, (small, large)


def _plant(reference: str, ruleset: reliable_rules.RuleSet) -> Path:
    """``ruleset`` written as the entry of ``reference`` under this code's key, unchecked."""
    entry, key = entry_path(reference)
    entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    entry.write_bytes(statecache._sealed(key, statecache._encode(ruleset)))
    return entry


def _reshape(ruleset: reliable_rules.RuleSet, how: str) -> None:
    """``ruleset`` changed in place to the attribute layout ``how`` says."""
    state = vars(ruleset.classifier)
    if how == "classifier attribute missing":
        del state["regex_budget_s"]
    elif how == "classifier attribute of another layout":
        state["_budget_of_old"] = state.pop("regex_budget_s")
    elif how == "rule set field missing":
        del vars(ruleset)["conditions"]
    else:
        raise ValueError(how)


@pytest.mark.parametrize(
    "how",
    [
        "classifier attribute missing",
        "classifier attribute of another layout",
        "rule set field missing",
    ],
)
def test_an_entry_of_another_shape_is_rebuilt_and_decides_exactly(
    cache: Path,
    builds: list[int],
    unused_default: reliable_rules.RuleSet,
    how: str,
    decided_from_files: dict[str, list[tuple[object, ...]]],
) -> None:
    """An entry under the right key whose set has another attribute layout is ignored (not
    decided ``unknown``), the set is built again, and every corpus decision is exact."""
    expected = decided_from_files["builtin:default"][::REBUILT_EVERY]
    # a copy (its own classifier too) of the session's cold build: the reshaping stays here
    odd = copy.copy(unused_default)
    object.__setattr__(odd, "classifier", copy.copy(unused_default.classifier))
    _reshape(odd, how)
    assert statelayout.mismatch(unused_default) is None
    assert statelayout.mismatch(odd) is not None
    _plant("builtin:default", odd)
    assert statecache.load("builtin:default") is None
    before = len(builds)
    assert decisions(fresh(), every=REBUILT_EVERY) == expected
    assert len(builds) == before + 1
    assert type(fresh().classifier) is StoredClassifier  # the entry was written again


def test_a_set_of_another_shape_is_not_stored(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``save`` refuses a set whose classifier lacks an attribute this code gives one."""
    odd = eager("builtin:seed", monkeypatch)
    _reshape(odd, "classifier attribute missing")
    statecache.save("builtin:seed", odd)
    assert not list(cache.glob("state-*/state-*.pickle"))
    statecache.save("builtin:seed", eager("builtin:seed", monkeypatch))
    assert len(list(cache.glob("state-*/state-*.pickle"))) == 1


def test_a_class_patched_at_run_time_writes_under_a_key_of_its_own(
    cache: Path,
    builds: list[int],
    monkeypatch: pytest.MonkeyPatch,
    decided_from_files: dict[str, list[tuple[object, ...]]],
) -> None:
    """A process whose Classifier has a property swallowing an attribute (what a test's patch
    once did) stores its sets under another key: an unpatched process never reads them."""
    expected = decided_from_files["builtin:default"]
    base = statecache._key("builtin:default")
    with monkeypatch.context() as patch:
        patch.setattr(
            Classifier, "regex_budget_s", property(lambda self: 1.0, lambda self, v: None),
            raising=False,
        )
        assert statecache._key("builtin:default") != base
        fresh()
        loader._builtin_cache.clear()
    assert statecache._key("builtin:default") == base
    before = len(builds)
    assert decisions(fresh(), every=REBUILT_EVERY) == expected[::REBUILT_EVERY]
    assert len(builds) == before + 1


def test_stored_fields_of_a_frozen_dataclass_must_be_the_classs(cache: Path) -> None:
    """A verdict stored with other field names than the class has is refused as it decodes."""
    verdict = fresh("builtin:seed").classifier.unknown
    names = statelayout.field_names(type(verdict))
    values = tuple(getattr(verdict, name) for name in names)
    assert statecache._frozen(type(verdict), names, values) == verdict
    with pytest.raises(Exception, match="stored fields"):
        statecache._frozen(type(verdict), (*names[:-1], "other"), values)


_PROCESS = f"""
import json, sys
import reliable_rules
rules = reliable_rules.load_rules()
pending = sorted(vars(rules.classifier).get("_pending", ()))
{CHILD_DECISIONS}
modules = sorted(m for m in ("yaml", "jsonschema", "pathlib", "reliable_rules.errors",
                              "reliable_rules.ruleset.layering", "reliable_rules.ruleset.compile",
                              "reliable_rules.ruleset.rulemodel")
                 if m in sys.modules)
print(json.dumps([out, pending, type(rules.classifier).__name__, modules,
                  "_pending_rules" in vars(rules)]))
"""


#: The first process: builds builtin:default (no entry yet), which writes its entry.
_WRITER = """
import json
import reliable_rules
print(json.dumps(type(reliable_rules.load_rules().classifier).__name__))
"""


def test_a_fresh_process_reads_and_decodes_parts_of_the_entry_another_wrote(
    tmp_path: Path, decided_from_files: dict[str, list[tuple[object, ...]]]
) -> None:
    """Real processes: the second reads the first's entry with every lazy part pending,
    decides every corpus record as the set built from its files (the first process built it),
    never decodes the rules, and never imports the parser, the schema checker, the loader's
    building half, the rule compiler, the rules' own classes or pathlib."""
    cache = tmp_path / "cache"
    environment = {**os.environ, doccache.CACHE_DIR_ENV: str(cache), "PYTHONPATH": str(ROOT)}
    environment.pop(doccache.CACHE_ENV, None)

    def run(code: str) -> Any:
        done = subprocess.run(
            [sys.executable, "-c", code], env=environment, capture_output=True, text=True,
            check=True,
        )
        return json.loads(done.stdout)

    assert run(_WRITER) == "Classifier"  # built: no entry was there
    assert list(cache.glob("*/state-default-*.pickle"))
    second = run(_PROCESS)
    assert second[2] == "StoredClassifier"
    assert second[1] == sorted(name for group in LAZY_ATTRIBUTES for name in group)
    # what the first process decides (it built the set from its files, as the session did)
    assert second[0] == [list(answer[:3]) for answer in decided_from_files["builtin:default"]]
    assert second[3] == []
    assert second[4] is True  # classification never decoded the rules


def test_the_bounded_key_checks_decode_only_for_a_long_text(
    cache: Path,
    unused_default: reliable_rules.RuleSet,
    used_from_files: dict[str, reliable_rules.RuleSet],
) -> None:
    """A warm builtin:default leaves its bounded-key checks (megabytes of masks) stored until
    a text past BOUNDED_TEXT needs them, and then decides that text as the set built from its
    files does."""
    built = used_from_files["builtin:default"]  # cache off: the session's
    assert built.classifier._bounds is not None  # the set has bounded keys to defer
    write_entry("builtin:default", unused_default)  # the entry a first load writes
    warm = fresh()
    pending = vars(warm.classifier)["_pending"]
    assert "_bounds" in pending
    short = "upstream connect error: 503 Service Unavailable"
    assert warm.classify(short, status=503) == built.classify(short, status=503)
    assert "_bounds" in pending  # a short text is scanned without them
    long = "log line without a verdict\n" * (BOUNDED_TEXT // 20) + "429 rate limit reached: stream"
    assert len(long) > BOUNDED_TEXT
    assert warm.classify(long, status=429) == built.classify(long, status=429)
    assert "_bounds" not in pending
    assert vars(warm.classifier)["_bounds"] is not None
