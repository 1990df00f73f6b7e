"""The mask scan (extra `fast`) ORs exactly the table entries of the literals a text holds:
the same bits as looking up each literal the set scans find."""

from __future__ import annotations

import json
from functools import reduce
from operator import or_
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reliable_rules
from reliable_rules.engine import scans

ahocorasick = pytest.importorskip("ahocorasick")
CORPUS = Path(__file__).resolve().parents[1] / "data" / "provider_errors.jsonl"


def _expected(values: dict[str, int], text: str) -> int:
    return reduce(or_, (value for literal, value in values.items() if literal in text), 0)


@settings(max_examples=400, deadline=None)
@given(
    values=st.dictionaries(
        st.text(alphabet="ab r限流\n", min_size=1, max_size=4),
        st.integers(min_value=0, max_value=2**200),
        min_size=1,
        max_size=12,
    ),
    text=st.text(alphabet="abx r限流。\n", max_size=40),
)
def test_the_or_of_the_values_of_every_literal_present(values: dict[str, int], text: str) -> None:
    """Overlapping, nested and non-ASCII-initial literals each add their value once found."""
    assert scans.MaskScan(values, ahocorasick)(text) == _expected(values, text)


def test_a_long_text_is_scanned_by_distinct_lines_with_the_same_answer() -> None:
    """Over LONG_TEXT characters, the distinct lines give the whole text's answer."""
    values = {"rate limit": 1, "context length exceeded": 2, "retry after": 4}
    line = '{"msg":"rate limit reached","detail":"retry after 2 s"}\n'
    body = line * 20_000 + "context length exceeded\n" + line * 10
    assert len(body) > scans.LONG_TEXT
    assert scans.MaskScan(values, ahocorasick)(body) == 7


def test_builtin_default_gets_the_table_entries_of_the_set_scan(
    monkeypatch: pytest.MonkeyPatch, default_by_path: reliable_rules.RuleSet
) -> None:
    """For every corpus record, the mask scan of builtin:default's table equals the OR of the
    entries of the literals the set scan finds."""
    monkeypatch.setenv(scans.ACCELERATOR_ENV, "1")
    classifier = default_by_path.classifier  # its table and literals, built by loading
    table = classifier._literal_table
    fast = scans.MaskScan(table, ahocorasick)
    pure = scans.literal_scan(classifier._scan_literals)
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    for line in lines:
        if line.strip():
            lower = str(json.loads(line)["body"]).lower()
            expected = reduce(or_, (table.get(literal, 0) for literal in pure(lower)), 0)
            assert fast(lower) == expected, lower[:200]
