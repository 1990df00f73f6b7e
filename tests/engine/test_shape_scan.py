"""Regexes with no literal: the RE2 set scan (extra `fast`) only ever spares searches that fail."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import regex
from helpers.unhurried import unhurried
from hypothesis import given, settings
from hypothesis import strategies as st

import reliable_rules
from reliable_rules.engine import scans
from reliable_rules.engine.regex_literals import FOLDS_TO_ASCII, gates_hold, re2_equivalent
from reliable_rules.engine.shapes import ShapeScan

re2 = pytest.importorskip("re2")
CORPUS = Path(__file__).resolve().parents[1] / "data" / "provider_errors.jsonl"
SHAPES = [
    r"\b[A-Z]{3}[0-9]{6}\b",
    r"\b[0-9]{2,3}-[0-9a-f]{8}\b",
    r"^\[[0-9]{4}\]",
    r"[^\W_]{4}[0-9]{3}\b",
    r"(?:[a-z]{2}[0-9]){3}",
]
TEXTS = [
    "upstream said ABC123456 and gave up",
    "trace 12-deadbeef failed",
    "[2024] the worker crashed",
    "中文ABC123456中文",  # no boundary between 中 and A: no match, in regex as in the scan
    "\uff0cABC123456\uff0c",  # full-width commas are not word characters: a match
    "ab1cd2ef3 id",
    "\u212aB1cd2ef3",  # KELVIN SIGN equals k case-insensitively
    "x\u017f1ab2cd3",  # LONG S equals s case-insensitively
    "ab\uff11cd2ef3",  # a full-width digit is \d for regex
    "nothing to see here",
]


def shape_rules_file(tmp_path: Path) -> Path:
    """builtin:default plus one rule per shape (no literal to gate on)."""
    rules = [
        {"id": f"shape.rule-{i}", "when": {"regex": p}, "then": {"category": "server_error"}}
        for i, p in enumerate(SHAPES)
    ]
    document = {
        "format": "reliable-rules/v1", "name": "shapes", "revision": "1",
        "extends": ["builtin:default"], "rules": rules,
    }
    path = tmp_path / "shapes.yaml"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def decide_all(rules: reliable_rules.RuleSet) -> list[tuple[object, ...]]:
    """Rule and category of every corpus record and every text above."""
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    answers = [
        rules.classify(r["body"], status=r.get("status"), headers=r.get("headers"))
        for r in records
    ]
    answers.extend(rules.classify(text) for text in TEXTS)
    return [(d.rule_id, d.category) for d in answers]


def test_the_set_scan_decides_like_searching_every_shape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Corpus plus shape-matching texts: identical decisions with and without the RE2 set."""
    path = shape_rules_file(tmp_path)
    scanned = unhurried(reliable_rules.load_rules(path))
    assert scanned.classifier._shapes is not None
    monkeypatch.setenv(scans.ACCELERATOR_ENV, "0")
    plain = unhurried(reliable_rules.load_rules(path))
    assert plain.classifier._shapes is None
    assert decide_all(scanned) == decide_all(plain)
    assert scanned.classify(TEXTS[4]).rule_id == "shape.rule-0"
    assert scanned.classify(TEXTS[6]).rule_id == "shape.rule-4"


def test_without_the_sentinel_every_shape_rule_stays_a_candidate() -> None:
    """RE2 answering nothing (its DFA out of memory) must not read as "no shape matches"."""

    class GivingUp:
        def __init__(self, _options: object) -> None:
            pass

        @classmethod
        def SearchSet(cls, options: object) -> GivingUp:
            return cls(options)

        def Add(self, _pattern: str) -> None:
            pass

        def Compile(self) -> None:
            pass

        def Match(self, _text: str) -> list[int]:
            return []

    module = SimpleNamespace(Options=SimpleNamespace, Set=GivingUp)
    scan = ShapeScan([(0, SHAPES[0], True, True), (3, SHAPES[1], True, True)], module)
    assert scan("ABC123456") == 0b1001


def test_long_texts_skip_the_set() -> None:
    """Past MAX_TEXT characters every shape rule is a candidate (searched as before)."""
    scan = ShapeScan([(2, SHAPES[0], True, True)], re2)
    assert scan("nothing " * 10) == 0
    assert scan("nothing " * 10_000) == 0b100


def test_only_three_non_ascii_characters_equal_an_ascii_letter_ignoring_case() -> None:
    """Every code point: the literal gates' exception list (FOLDS_TO_ASCII) is complete."""
    letter = regex.compile(r"(?i)[a-z]")
    found = [
        chr(code)
        for code in range(128, sys.maxunicode + 1)
        if not 0xD800 <= code <= 0xDFFF and letter.fullmatch(chr(code))
    ]
    assert sorted(found) == sorted(FOLDS_TO_ASCII)
    assert not gates_hold("a \u212a here")
    assert gates_hold("中文 only")
    assert gates_hold("ascii")


_ATOMS = st.sampled_from(
    ["a", "k", "s", "_", "0", "[a-z]", "[0-9]", r"\d", r"\w", r"\W", r"\D", "[^a]", "[^\\W_]",
     "[^k]", ".", r"\b", r"\B", "^", "-"]
)
_QUANT = st.sampled_from(["", "", "+", "*", "?", "{2}", "{1,3}"])
_CHARS = "ak s_0-9\u212a\u017f\u0130\u0131\u4e2d\uff13\uff0c\u00e9\u0663 "


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.tuples(_ATOMS, _QUANT), min_size=1, max_size=6),
    st.booleans(),
    st.lists(st.text(alphabet=_CHARS, max_size=12), min_size=1, max_size=4),
)
def test_a_regex_match_is_never_missed_by_the_scan(
    parts: list[tuple[str, str]], ignore_case: bool, texts: list[str]
) -> None:
    """Any pattern the subset accepts, any text (ASCII or not): a match sets the rule's bit."""
    anchors = (r"\b", r"\B", "^")
    pattern = "".join(atom + ("" if atom in anchors else quant) for atom, quant in parts)
    try:
        compiled = regex.compile(pattern, regex.IGNORECASE if ignore_case else 0)
    except regex.error:
        return
    if not re2_equivalent(pattern):
        return
    try:
        scan = ShapeScan([(0, pattern, ignore_case, re2_equivalent(pattern, projected=True))], re2)
    except re2.error:
        return
    for text in texts:
        if compiled.search(text):
            assert scan(text) & 1, (pattern, ignore_case, text)
