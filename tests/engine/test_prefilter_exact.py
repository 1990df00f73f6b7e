"""The literal prefilter changes speed, never answers: accelerator or not, regex gates or not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import regex
from helpers.one_by_one import Answer, corpus_records
from helpers.unhurried import unhurried
from hypothesis import given, settings
from hypothesis import strategies as st

import reliable_rules
from reliable_rules.engine import classifier as classifier_module
from reliable_rules.engine import scans
from reliable_rules.engine.regex_literals import required_all, required_any
from reliable_rules.ruleset.resources import rules_dir


def decisions(rules: reliable_rules.RuleSet) -> list[Answer]:
    """Rule, category and Retry-After of every corpus record, with its status and headers."""
    answers: list[Answer] = []
    for record in corpus_records():
        decision = rules.classify(
            record["body"],
            status=record.get("status"),  # type: ignore[arg-type]
            headers=record.get("headers"),  # type: ignore[arg-type]
        )
        answers.append((decision.rule_id, decision.category, decision.retry_after_ms))
    return answers


def load_default() -> reliable_rules.RuleSet:
    """builtin:default loaded by path: no cache, so the knobs in force apply; the regex budget
    cannot turn a match into "no match" on one side only (helpers.unhurried)."""
    return unhurried(reliable_rules.load_rules(rules_dir() / "default.yaml"))


@pytest.fixture(scope="module")
def reference(corpus_read_one_by_one: list[Answer]) -> list[Answer]:
    """The corpus decided with no prefilter at all: the rules read one by one, top to bottom,
    every regex searched (conftest.py; the same answers test_decide_inline.py compares)."""
    return corpus_read_one_by_one


def test_the_pure_python_scan_decides_the_whole_corpus_like_no_prefilter(
    monkeypatch: pytest.MonkeyPatch, reference: list[Answer]
) -> None:
    """Without the accelerator, the regex gates change no decision of the 1,748 records."""
    monkeypatch.setenv(scans.ACCELERATOR_ENV, "0")
    rules = load_default()
    assert rules.classifier.scan_kind == "trie"
    assert len(reference) >= 1700
    assert decisions(rules) == reference


def test_the_accelerated_scan_decides_the_whole_corpus_identically(
    monkeypatch: pytest.MonkeyPatch, reference: list[Answer]
) -> None:
    """With pyahocorasick (extra `fast`), every decision of the corpus is the same."""
    pytest.importorskip("ahocorasick")
    monkeypatch.setenv(scans.ACCELERATOR_ENV, "1")
    rules = load_default()
    assert rules.classifier.scan_kind == "aho-corasick"
    assert decisions(rules) == reference


@pytest.mark.parametrize("accelerator", ["0", "1"], ids=["pure", "accelerated"])
def test_bounded_gates_checked_on_every_text_decide_the_corpus_alike(
    monkeypatch: pytest.MonkeyPatch, reference: list[Answer], accelerator: str
) -> None:
    """Bounded literal gates (bounds.py) judged on every record, not only long texts: every
    decision of the corpus is the one without any regex gate."""
    monkeypatch.setenv(scans.ACCELERATOR_ENV, accelerator)
    monkeypatch.setattr(classifier_module, "BOUNDED_TEXT", 0)
    rules = load_default()
    assert rules.classifier._bounds is not None
    assert decisions(rules) == reference


def test_both_scans_find_the_same_literals_in_every_record(monkeypatch: pytest.MonkeyPatch) -> None:
    """The automaton and the trie report the same literal set for every lowercased body."""
    pytest.importorskip("ahocorasick")
    literals = list(load_default().classifier._scan_literals)
    fast = scans._AhoScan(set(literals), scans.accelerator())
    pure = scans._LiteralScan(literals)
    for record in corpus_records():
        lower = str(record["body"]).lower()
        assert fast(lower) == pure(lower), record["body"]


def test_the_accelerator_is_not_imported_when_switched_off() -> None:
    """RELIABLE_RULES_ACCELERATOR=0 keeps ahocorasick out of sys.modules, answers unchanged."""
    code = (
        "import sys, reliable_rules\n"
        "rules = reliable_rules.load_rules('builtin:default')\n"
        "print(rules.classify('Rate limit reached', status=429).category)\n"
        "print('ahocorasick' in sys.modules)\n"
    )
    environment = {**os.environ, scans.ACCELERATOR_ENV: "0"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True
    )
    assert result.stdout.split() == ["rate_limited", "False"]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        # the rarest requirement by engine/rarity.py's table of error texts, not the longest:
        # "rate" and "quota" (8% of errors together) before " limit" (in "limits", "limited")
        ("(rate|quota) limit", {"rate", "quota"}),
        ("(?:rate|quota)[ _]exceeded", {"exceeded"}),
        (r"\b(?:invalid|expired) key", {" key"}),  # "invalid" is in 20% of errors
        ("abc|defg", {"abc", "defg"}),
        ("(?:token|tokens) exceeded", {"token"}),
        ("Token(?:s)? usage", {" usage"}),
        ("a|bcd", None),  # a branch without a usable literal gates nothing
        (r"\d+ms", None),
        ("x?yz", None),
        ("(?:abc)?def", {"def"}),
        ("(?:abc)+", {"abc"}),
        (r"[[:alpha:]]+xyz", None),  # POSIX class: read differently by re, refused
        ("(?:quota){e<=1}", None),  # fuzzy matching: regex-only, refused
        (r"\p{L}+ limit", None),
        (r"(a)bc\1", None),
        ("(?x) a b c d", None),
    ],
)
def test_required_literals_of_a_pattern(pattern: str, expected: set[str] | None) -> None:
    """The gate of a regex: literals one of which every match contains."""
    assert required_any(pattern) == (None if expected is None else frozenset(expected))


def test_every_requirement_of_a_conjunction_is_reported() -> None:
    """`token ... exceed ... (max|limit)` needs all three: the search runs only if all occur."""
    needs = required_all(r"\btokens?\b.{0,40}?\bexceed\w*\b.{0,20}(?:max|limit)")
    assert set(needs) == {frozenset({"token"}), frozenset({"exceed"}), frozenset({"max", "limit"})}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        # a requirement every branch has holds as it is; the others pair up rank by rank
        (
            r"(?:daily|monthly)\W+tokens?\W+limit|tokens?\W+limit\W+per\W+day",
            [{"token"}, {"limit"}, {"daily", "monthly", "per"}],  # not {..., "day"}: short
        ),
        (
            r"(?:rate|quota)\W+limit\W+(?:exceeded|reached)"
            r"|limit\W+(?:exceeded|reached)\W+(?:on|for)\W+(?:requests|tokens)",
            [{"limit"}, {"exceeded", "reached"}, {"rate", "quota", "requests", "tokens"}],
        ),
        (r"abcd\W+efgh|efgh\W+ijkl", [{"efgh"}, {"abcd", "ijkl"}]),
        (r"quota\W+exceeded|exceeded\W+your\W+quota", [{"quota"}, {"exceeded"}]),
        (r"a|bcd efg", []),  # a branch without a usable literal: nothing is known
    ],
)
def test_every_requirement_of_an_alternation_is_reported(
    pattern: str, expected: list[set[str]]
) -> None:
    """Each requirement of an alternation is the union of one requirement of every branch."""
    assert {frozenset(need) for need in required_all(pattern, limit=10)} == {
        frozenset(need) for need in expected
    }


_PIECES = st.sampled_from(
    ["rate", "quota", "limit", " ", "-", "_", "ed", "x", "ab", "[a-z]", r"\d", ".", "(?:", ")", "|"]
)
_TEXT = st.text(alphabet="rateqoulimxd _-bLRAIQ0123456789.\u017f\u212a", max_size=40)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=10), st.lists(_TEXT, min_size=1, max_size=5))
def test_a_match_in_an_ascii_text_always_contains_each_requirement(
    pieces: list[str], texts: list[str]
) -> None:
    """For any pattern and ASCII text it matches, every requirement has a literal present."""
    pattern = "".join(pieces)
    try:
        compiled = regex.compile(pattern, regex.IGNORECASE)
    except regex.error:
        return
    needs = required_all(pattern, weak=True, limit=10)
    for text in texts:
        if text.isascii() and compiled.search(text):
            lower = text.lower()
            for need in needs:
                assert any(literal in lower for literal in need), (pattern, text, need)


def test_a_non_ascii_text_is_searched_even_when_the_literal_is_missing(tmp_path: Path) -> None:
    """U+017F matches "s" case-insensitively: the gate steps aside for non-ASCII texts."""
    path = tmp_path / "rules.yaml"
    filler = [{"id": f"r.filler-{i}", "when": {"contains": f"filler phrase {i}"},
               "then": {"category": "server_error"}} for i in range(120)]
    document = {
        "format": "reliable-rules/v1", "name": "t", "revision": "1",
        "extends": ["builtin:seed"],
        "rules": [{"id": "r.status", "when": {"regex": "status exhausted"},
                   "then": {"category": "quota_exhausted"}}, *filler],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    rules = reliable_rules.load_rules(path)
    assert rules.classifier.indexed
    assert rules.classify("the \u017ftatus exhausted").rule_id == "r.status"
    assert rules.classify("the status exhausted").rule_id == "r.status"
    assert rules.classify("the stat exhausted").rule_id != "r.status"


def test_a_long_body_is_scanned_by_distinct_lines_with_the_same_answer() -> None:
    """A 1 MB body of repeated lines: the literals found equal a scan of the whole text."""
    scan = load_default().classifier._built_scan()
    assert isinstance(scan, scans._DistinctLines)
    line = '{"level":"warn","msg":"Rate limit reached","detail":"retry after 2 s"}\n'
    body = (line * 20_000 + "context length exceeded\n" + line * 10).lower()
    assert len(body) > scans.LONG_TEXT
    assert scan(body) == scan.inner(body)
    assert "context length exceeded" in scan(body)
