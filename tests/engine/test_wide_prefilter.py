"""The wide RE2 prefilter (extra `fast`): texts that are not ASCII, read as UTF-8, are spared
only the `regex` searches that would find nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

import reliable_rules
from reliable_rules.engine.nodes import Regex, walk
from reliable_rules.engine.prefilter import AnyGate, compile_gate, re2_superset
from reliable_rules.engine.probe import Probe
from reliable_rules.engine.regex_literals import FOLDS_TO_ASCII, gates_hold
from reliable_rules.failure import Failure

pytest.importorskip("re2")
CORPUS = Path(__file__).resolve().parents[1] / "data" / "provider_errors.jsonl"


@pytest.mark.parametrize(
    ("pattern", "flags", "translated"),
    [
        (r"\d", 0, r"[0-9\x{80}-\x{10ffff}]"),  # regex's \d holds every Unicode digit
        (r"\w", 0, r"[0-9A-Za-z_\x{80}-\x{10ffff}]"),
        (r"\s", 0, r"[\t-\r\x20\x{80}-\x{10ffff}]"),
        (r"\W\D", 0, r"\W\D"),  # RE2's already hold every non-ASCII character
        (r"[\w-]", 0, r"[0-9A-Za-z_\x{80}-\x{10ffff}\x{2d}]"),
        (r"[^\w.]", 0, r"[^0-9A-Za-z_\x{2e}]"),  # fewer excluded than regex's: a superset
        (r"\bab\B", 0, r"\x{61}\x{62}"),  # RE2's word boundaries are ASCII's: dropped
        ("\u8bf7\u6c42", regex.IGNORECASE, r"\x{8bf7}\x{6c42}"),  # no case: folded alike
        ("\u00e9", 0, r"\x{e9}"),  # case-sensitive: the same letter
    ],
)
def test_wide_translation_of_a_pattern(pattern: str, flags: int, translated: str) -> None:
    """Each construct becomes an RE2 spelling that matches at least what regex does on UTF-8."""
    pair = re2_superset(pattern, flags, wide=True)
    assert pair is not None
    assert pair[0] == translated


@pytest.mark.parametrize(
    ("pattern", "flags"),
    [
        ("\u00e9", regex.IGNORECASE),  # a letter with case: the engines may fold it apart
        ("[\u00e0-\u00ff]", regex.IGNORECASE),
        ("[^\u00e9]", regex.IGNORECASE),
        (r"[^\W_]", 0),  # regex's holds the non-ASCII letters, RE2's none
        (r"[^\D]", 0),
    ],
)
def test_patterns_without_a_wide_proof_have_no_wide_translation(pattern: str, flags: int) -> None:
    """What the wide translation cannot prove a superset of is refused (the search decides)."""
    assert re2_superset(pattern, flags, wide=True) is None
    assert re2_superset("a", 0, exact=True, wide=True) is None  # wide is a superset only


_PIECES = st.sampled_from(
    [
        "a", "b", "ab", " ", "-", r"\d", r"\w", r"\W", r"\s", r"\S", r"\D", r"\b", r"\B", ".",
        "^", "$", "(?:", "(?=", "(?!", "(?<=a)", "(?<!b)", ")", "|", "?", "*", "+", "{1,3}",
        "{0,2}?", "[a-c]", r"[^\s]", r"[^\W_]", "[^a]", "x", r"\.", "(?>a+)", "a++", "k", "s",
        "i", "\u00e9", "\u8bf7", "\u3002", "[\u00e0-\u00ff]", "[^\u00e9]", r"[\w-]", r"[^\w.]",
        r"[\d\s]", "[^\u3002]", "\u00df",
    ]
)  # fmt: skip
_TEXT = st.text(
    alphabet="abkisAB \t\n-._09\u00e9\u00c9\u00df\u8bf7\u3002\u0663\u3000\u00a0\u2019\u0301"
    + FOLDS_TO_ASCII,
    max_size=30,
)


def _wide(text: str) -> bytes | None:
    probe = Probe(Failure(text), text, text.lower(), None)
    return probe.wide_data()


@settings(max_examples=800, deadline=None)
@given(
    st.lists(_PIECES, min_size=1, max_size=10),
    st.sampled_from([0, regex.IGNORECASE, regex.DOTALL | regex.MULTILINE]),
    st.lists(_TEXT, min_size=1, max_size=6),
)
def test_the_wide_prefilter_never_refuses_a_text_the_regex_matches(
    pieces: list[str], flags: int, texts: list[str]
) -> None:
    """For any pattern and non-ASCII text the regex matches, the wide superset matches too."""
    pattern = "".join(pieces)
    try:
        compiled = regex.compile(pattern, flags)
    except regex.error:
        return
    gate = compile_gate(pattern, flags)
    if gate is None:
        return
    for text in texts:
        data = _wide(text)
        if data is None:
            # ASCII (gate_data's), or a letter case folding equates with ASCII: no wide gate
            assert text.isascii() or not gates_hold(text)
            continue
        if compiled.search(text):
            assert not gate.refuses_wide(data), (pattern, flags, text)


def test_every_regex_of_builtin_default_refuses_no_corpus_text_it_matches(
    default_by_path: reliable_rules.RuleSet,
) -> None:
    """On every non-ASCII corpus text, a wide gate of builtin:default refuses only texts its
    regex does not match; and it refuses most of those it can."""
    rules = default_by_path
    roots = (rule.node for rule in rules.classifier.rules)
    nodes = [node for node in walk(roots) if isinstance(node, Regex)]
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    texts = [str(json.loads(line)["body"]) for line in lines if line.strip()]
    wide = [(text, _wide(text)) for text in texts if not text.isascii()]
    assert sum(data is not None for _, data in wide) > 100
    refused = searched = 0
    for node in nodes:
        gate = compile_gate(node.pattern, node.flags)
        assert gate is not None
        for text, data in wide:
            if data is None:
                continue
            matched = node.compiled.search(text) is not None
            if gate.refuses_wide(data):
                assert not matched, (node.pattern, text)
                refused += 1
            elif not matched:
                searched += 1
    assert refused > 10 * searched  # the gate spares nearly every futile search


def test_a_regex_node_skips_the_search_of_a_non_ascii_text_the_wide_gate_refuses() -> None:
    """Regex.search answers False from the wide gate alone, and searches when it may match."""
    pattern = r"\brate\W+limit"
    node = Regex(pattern, regex.compile(pattern, regex.IGNORECASE))

    class NoSearch:
        """A compiled pattern that must not be searched."""

        flags = regex.IGNORECASE

        def search(self, *_args: object, **_kwargs: object) -> None:
            raise AssertionError("searched")

    spared = Regex(pattern, NoSearch())  # type: ignore[arg-type]
    miss = "请求过多 — quota exhausted"
    probe = Probe(Failure(miss), miss, miss.lower(), None, compile_gate)
    assert probe.gate_data() is None
    assert probe.wide_data() == miss.encode("utf-8")
    assert not spared.search(probe)
    assert not node.search(Probe(Failure(miss), miss, miss.lower(), None))  # the search agrees
    hit = "请求过多 — Rate — limit"
    assert node.search(Probe(Failure(hit), hit, hit.lower(), None, compile_gate))
    # a letter equal to an ASCII one case-insensitively: no wide gate, the search decides
    folded = "请求 Rate \u212a limit"
    assert Probe(Failure(folded), folded, folded, None, compile_gate).wide_data() is None
    # a lone surrogate has no UTF-8: the search decides
    lone = "请求 \ud800 rate limit"
    assert Probe(Failure(lone), lone, lone, None, compile_gate).wide_data() is None
    assert node.search(Probe(Failure(lone), lone, lone, None, compile_gate))


def test_an_any_gate_reads_a_non_ascii_text_through_its_wide_set() -> None:
    """AnyGate says False for a non-ASCII text none of its regexes can match, True otherwise
    (and True when the text holds a letter case folding equates with ASCII)."""
    patterns = [r"\brate\W+limit", r"too\s+many\s+requests"]
    gate = AnyGate([Regex(p, regex.compile(p, regex.IGNORECASE)) for p in patterns])

    def asks(text: str) -> bool:
        return gate(Probe(Failure(text), text, text.lower(), None, compile_gate))

    assert not asks("请求过多 — quota exhausted")
    assert asks("请求过多 — Too many\u3000requests")  # \s holds U+3000 for regex
    assert asks("请求过多 — RATE LIMIT")
    assert asks("请求过多 — \u212a rate")  # no wide gate: the branches decide
    assert not asks("quota exhausted")  # ASCII: the superset set, as before
