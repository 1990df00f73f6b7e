"""Short literals no gate uses stay out of an indexed set's literal scan: the rules test them
with ``in`` on the lowercased text, and every decision is the one the full scan gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.unhurried import unhurried
from hypothesis import given, settings
from hypothesis import strategies as st

import reliable_rules
from reliable_rules.engine import classifier as classifier_module
from reliable_rules.engine import scans
from reliable_rules.ruleset.resources import rules_dir

CORPUS = Path(__file__).resolve().parents[1] / "data" / "provider_errors.jsonl"


def _indexed_set(path: Path) -> Path:
    """A set indexed by its many literals whose regexes need the short words "req", "the"."""
    rules = [
        {
            "id": f"filler.{index}",
            "when": {"contains": [f"acme filler phrase {index}"]},
            "then": {"category": "server_error"},
        }
        for index in range(120)
    ]
    rules.insert(
        0,
        {
            "id": "short.words",
            # needs "throttl", "gateway", "the" and "req": the longer two are its gates, the
            # short two stay out of the scan
            "when": {"regex": r"\breq\w*\W+throttl\w*\W+(?:by\W+)?the\W+gateway"},
            "then": {"category": "rate_limited"},
        },
    )
    document = {
        "format": "reliable-rules/v1",
        "name": "short-literals",
        "revision": "1",
        "extends": ["builtin:seed"],
        "rules": rules,
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_builtin_default_leaves_short_ungated_literals_out_of_its_scan(
    default_by_path: reliable_rules.RuleSet,
) -> None:
    """builtin:default's short ungated words ("req", "the", "for": dozens) are not scanned; no
    gate or Retry-After literal is among them, and none has an entry in the scan's table."""
    classifier = default_by_path.classifier
    unscanned = classifier.unscanned
    # a floor, not the list: new rule files may make one of these words some rule's gate
    assert len(unscanned) >= 40
    assert all(
        literal.isascii() and len(literal) <= classifier_module.UNSCANNED_MAX_CHARS
        for literal in unscanned
    )
    gates = {key for key in classifier._index if isinstance(key, str)}
    assert not unscanned & gates
    assert not unscanned & set(classifier._literal_table)
    assert not unscanned & (classifier._retry_needles or frozenset())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Request throttled by the gateway", "short.words"),
        ("REQS: throttling, by THE gateway", "short.words"),
        ("Request throttled by a gateway", None),  # "the" absent: no search
        ("Response throttled by the gateway", None),  # "req" absent
    ],
)
def test_a_regex_needing_unscanned_literals_decides_as_before(
    tmp_path: Path, text: str, expected: str | None
) -> None:
    """A regex whose needed literals are unscanned is searched exactly when they occur."""
    rules = reliable_rules.load_rules(_indexed_set(tmp_path / "short.yaml"))
    classifier = rules.classifier
    assert classifier.indexed
    assert {"req", "the"} <= classifier.unscanned
    decision = rules.classify(text)
    assert (decision.rule_id if decision.rule_id == "short.words" else None) == expected


def _decisions(
    rules: reliable_rules.RuleSet, texts: list[tuple[str, int | None]]
) -> list[tuple[object, ...]]:
    out = []
    for text, status in texts:
        decision = rules.classify(text, status=status)
        out.append((decision.rule_id, decision.category, decision.retry_after_ms))
    return out


@pytest.mark.parametrize("accelerated", ["1", "0"])
def test_every_corpus_decision_is_the_one_of_the_full_scan(
    monkeypatch: pytest.MonkeyPatch, accelerated: str
) -> None:
    """builtin:default decides every corpus record alike with the short literals scanned (no
    literal unscanned) and unscanned, with and without the accelerator."""
    monkeypatch.setenv(scans.ACCELERATOR_ENV, accelerated)
    monkeypatch.setenv("RELIABLE_RULES_CACHE", "0")
    records = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    texts = [(record["body"], record.get("status")) for record in records if record]
    # each set built once (cache off), under the knobs of its half of the comparison; the
    # set of the second half is the one checked to have no literal unscanned
    default = unhurried(reliable_rules.load_rules(rules_dir() / "default.yaml"))
    assert default.classifier.unscanned
    unscanned = _decisions(default, texts)
    monkeypatch.setattr(classifier_module, "UNSCANNED_MAX_CHARS", 0)
    rules = unhurried(reliable_rules.load_rules(rules_dir() / "default.yaml"))
    assert not rules.classifier.unscanned
    assert _decisions(rules, texts) == unscanned


_WORDS = ["req", "request", "the", "model", "not", "found", "for", "rate", "limit", "too",
          "many", "tokens", "invalid", "api", "key", "quota", "429", "500", "context", "."]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=14), st.sampled_from([None, 400, 429, 500]))
def test_random_wordings_decide_alike_with_and_without_unscanned_literals(
    default_by_path: reliable_rules.RuleSet, words: list[str], status: int | None
) -> None:
    """Texts made of the short words and the family words around them decide alike."""
    text = " ".join(words)
    with_unscanned = default_by_path.classify(text, status=status)
    full = _FULL.classify(text, status=status)
    assert (with_unscanned.rule_id, with_unscanned.retry_after_ms) == (
        full.rule_id,
        full.retry_after_ms,
    )


def _load_full() -> reliable_rules.RuleSet:
    """builtin:default built with every literal scanned (no cache: a fresh build)."""
    saved = classifier_module.UNSCANNED_MAX_CHARS
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RELIABLE_RULES_CACHE", "0")
        classifier_module.UNSCANNED_MAX_CHARS = 0
        try:
            return unhurried(reliable_rules.load_rules(rules_dir() / "default.yaml"))
        finally:
            classifier_module.UNSCANNED_MAX_CHARS = saved


_FULL = _load_full()
