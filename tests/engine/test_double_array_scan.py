"""The daachorse mask scan (extra `fast`) gives exactly the bits of the pyahocorasick one and of
the pure-Python set scan: the longest literal at each position, its suffixes' values folded in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import reduce
from operator import or_
from pathlib import Path

import pytest
from helpers.unhurried import unhurried
from hypothesis import given, settings
from hypothesis import strategies as st

import reliable_rules
from reliable_rules.engine import scans
from reliable_rules.ruleset.resources import rules_dir

daachorse = pytest.importorskip("daachorse")
CORPUS = Path(__file__).resolve().parents[1] / "data" / "provider_errors.jsonl"


def _expected(values: dict[str, int], text: str) -> int:
    return reduce(or_, (value for literal, value in values.items() if literal in text), 0)


def _scan(values: dict[str, int]) -> scans.DoubleArrayMaskScan:
    kept = {literal: value for literal, value in values.items() if literal and value}
    return scans.DoubleArrayMaskScan(kept, daachorse, scans._SetScanMask(kept))


@settings(max_examples=500, deadline=None)
@given(
    values=st.dictionaries(
        st.text(alphabet="ab r限流\n", min_size=1, max_size=5),
        st.integers(min_value=0, max_value=2**200),
        min_size=1,
        max_size=12,
    ),
    text=st.text(alphabet="abx r限流。\n\ud800", max_size=40),
)
def test_the_or_of_the_values_of_every_literal_present(values: dict[str, int], text: str) -> None:
    """Overlapping, nested, suffix and non-ASCII literals each add their value once found,
    and a text daachorse refuses (a lone surrogate) gets the same answer from the fallback."""
    assert _scan(values)(text) == _expected(values, text)


def test_suffixes_ending_where_a_longer_literal_ends_keep_their_bits() -> None:
    """Only "rate limit exceeded" is reported where it ends; "limit exceeded" and "exceeded"
    end there too and are suffixes of it: their bits come with it."""
    values = {"rate limit exceeded": 1, "limit exceeded": 2, "exceeded": 4, "rate": 8, "xyz": 16}
    scan = _scan(values)
    assert len(daachorse.CharwiseDoubleArrayAhoCorasick(sorted(values)).find_overlapping_no_suffix(
        "rate limit exceeded"
    )) == 2  # "rate" and the longest literal ending at the last character
    assert scan("rate limit exceeded") == 15
    assert scan("quota exceeded") == 4


def test_a_long_text_is_scanned_by_distinct_lines_with_the_same_answer() -> None:
    """Over LONG_TEXT characters, the distinct lines give the whole text's answer."""
    values = {"rate limit": 1, "context length exceeded": 2, "retry after": 4}
    line = '{"msg":"rate limit reached","detail":"retry after 2 s"}\n'
    body = line * 20_000 + "context length exceeded\n" + line * 10
    assert len(body) > scans.LONG_TEXT
    assert _scan(values)(body) == 7


def test_builtin_default_gets_the_same_bits_from_every_scan(
    monkeypatch: pytest.MonkeyPatch, default_by_path: reliable_rules.RuleSet
) -> None:
    """For every corpus record, daachorse's mask of builtin:default's table equals the OR of
    the entries of the literals the pure-Python set scan finds, and pyahocorasick's mask."""
    monkeypatch.setenv(scans.ACCELERATOR_ENV, "1")
    classifier = default_by_path.classifier  # its table and literals, built by loading
    table = classifier._literal_table
    fast = _scan(table)
    pure = scans.literal_scan(classifier._scan_literals)
    ahocorasick = scans.accelerator()
    other = scans.MaskScan(table, ahocorasick) if ahocorasick is not None else None
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    for record in (json.loads(line) for line in lines if line.strip()):
        lower = str(record["body"]).lower()
        expected = reduce(or_, (table.get(literal, 0) for literal in pure(lower)), 0)
        assert fast(lower) == expected, record["body"]
        if other is not None:
            assert other(lower) == expected


def test_the_classifier_prefers_daachorse_and_decides_alike_without_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With daachorse installed the mask scan is its automaton; without it (pyahocorasick's
    automaton, or none) every corpus decision is the same."""
    monkeypatch.setenv(scans.ACCELERATOR_ENV, "1")
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line.strip()]

    def decisions() -> list[tuple[object, ...]]:
        rules = unhurried(reliable_rules.load_rules(rules_dir() / "default.yaml"))
        out = []
        for record in records:
            decision = rules.classify(
                record["body"], status=record.get("status"), headers=record.get("headers")
            )
            out.append((decision.rule_id, decision.category, decision.retry_after_ms))
        kinds.append(type(rules.classifier._mask_scan).__name__)
        return out

    kinds: list[str] = []
    with_daachorse = decisions()
    monkeypatch.setattr(scans, "double_array", lambda: None)
    without = decisions()
    assert kinds[0] == "DoubleArrayMaskScan"
    assert kinds[1] in ("MaskScan", "NoneType")
    assert with_daachorse == without


def test_daachorse_is_imported_only_when_a_large_set_classifies() -> None:
    """Loading builtin:default imports no daachorse; its first classification does (and
    RELIABLE_RULES_ACCELERATOR=0 never does)."""
    code = (
        "import sys, reliable_rules\n"
        "rules = reliable_rules.load_rules('builtin:default')\n"
        "print('daachorse' in sys.modules)\n"
        "print(rules.classify('Rate limit reached', status=429).category)\n"
        "print('daachorse' in sys.modules)\n"
    )
    for switch, expected in (("1", ["False", "rate_limited", "True"]),
                             ("0", ["False", "rate_limited", "False"])):
        environment = {**os.environ, scans.ACCELERATOR_ENV: switch}
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=environment,
            check=True,
        )
        assert result.stdout.split() == expected
