"""The RE2 regex prefilter (extra `fast`) only ever spares searches that would find nothing."""

from __future__ import annotations

import bisect
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

import reliable_rules
from reliable_rules.engine import scans
from reliable_rules.engine.nodes import Regex, walk
from reliable_rules.engine.prefilter import compile_gate, re2_superset
from reliable_rules.engine.probe import Probe
from reliable_rules.failure import Failure

re2 = pytest.importorskip("re2")
CORPUS = Path(__file__).resolve().parents[1] / "data" / "provider_errors.jsonl"


def _ignore_case() -> object:
    options = re2.Options()
    options.case_sensitive = False
    return options


def default_regexes(rules: reliable_rules.RuleSet) -> list[Regex]:
    """Every regex node of builtin:default (``rules``)."""
    nodes = walk(rule.node for rule in rules.classifier.rules)
    return [node for node in nodes if isinstance(node, Regex)]


@pytest.mark.parametrize(
    ("pattern", "flags", "translated"),
    [
        ("ab", 0, r"\x{61}\x{62}"),
        (r"a(?=b)", 0, r"\x{61}"),  # a look-ahead is dropped: more matches
        (r"(?<!x)a", 0, r"\x{61}"),
        (r"a{2,5}?", 0, r"(?:\x{61})+"),  # counted, lazy: open and greedy
        (r"a{0,80}", 0, r"(?:\x{61})*"),
        (r"a$", 0, r"\x{61}"),  # `$` also matches before a final newline: dropped
        (r"\Aa\Z", 0, r"\A\x{61}\z"),
        (r"\s", 0, r"[\t-\r\x20]"),  # regex's \s on ASCII (with \v), not RE2's
        (r"[^\s\d]", 0, r"[^\t-\r\x200-9]"),
        (r"a.b", 0, r"\x{61}[^\n]\x{62}"),
        (r"(?s)a.b", 0, r"\x{61}(?s:.)\x{62}"),
        (r"\bx|y\B", regex.IGNORECASE, r"(?:\b\x{78}|\x{79}\B)"),
        (r"\[[0-9]\]", 0, r"\x{5b}[\x{30}-\x{39}]\x{5d}"),  # an escaped "[" before a class
    ],
)
def test_translation_of_a_pattern(pattern: str, flags: int, translated: str) -> None:
    """Each construct becomes its RE2 spelling, or a superset of it."""
    pair = re2_superset(pattern, flags)
    assert pair is not None
    assert pair[0] == translated
    assert pair[1] is bool(flags & regex.IGNORECASE or "(?i)" in pattern)


@pytest.mark.parametrize(
    ("pattern", "flags"),
    [
        (r"(a)\1", 0),  # a back-reference
        (r"(?(1)a|b)", 0),  # a conditional
        (r"[[:alpha:]]", 0),  # read differently by regex
        (r"[a[:alpha:]]", 0),  # a POSIX class inside a class, for regex
        (r"a\\[[:alpha:]]", 0),  # an escaped backslash, then a set with a POSIX class
        (r"rate limit{e<=1}", 0),  # fuzzy: once read by `re` as the literal "{e<=1}"
        (r"\p{L}", 0),
        ("\u212a", regex.IGNORECASE),  # equals k case-insensitively in regex
        ("[\u0100-\u0200]x", regex.IGNORECASE),  # a range holding U+017F (long s)
        (r"[^\S]", 0),
        (r"a(?i:b)", 0),  # flags inside a group
        ("a", regex.ASCII),
    ],
)
def test_patterns_without_a_proof_have_no_prefilter(pattern: str, flags: int) -> None:
    """What the translation does not prove is searched as always."""
    assert re2_superset(pattern, flags) is None
    assert compile_gate(pattern, flags) is None


def test_a_non_ascii_letter_that_folds_to_no_ascii_letter_keeps_the_prefilter() -> None:
    """Chinese alternatives beside English ones: the RE2 pattern still answers ASCII texts."""
    gate = compile_gate("不合法|invalid request", regex.IGNORECASE)
    assert gate is not None
    assert gate(b"an INVALID REQUEST was sent")
    assert not gate(b"all fine")


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"\d[^\s]", "0\x1c"),  # \x1c-\x1f are not \s for regex (they are for re)
        (r"a\sb", "a\x0bb"),  # \v is \s for regex, not for RE2
        (r"x\b", "x-"),
        (r"(?<!a)b", "cb"),
        (r"\w+$", "ab\n"),  # $ before a final newline
    ],
)
def test_the_gate_lets_through_what_the_regex_matches(pattern: str, text: str) -> None:
    """Cases where the engines' defaults differ: the gate never answers "no match"."""
    assert regex.search(pattern, text)
    gate = compile_gate(pattern, 0)
    assert gate is not None
    assert gate(text.encode("ascii")) is not False


_PIECES = st.sampled_from(
    [
        "a", "b", "ab", " ", "-", r"\d", r"\w", r"\W", r"\s", r"\S", r"\b", r"\B", ".", "^", "$",
        "(?:", "(?=", "(?!", "(?<=a)", "(?<!b)", ")", "|", "?", "*", "+", "{1,3}", "{0,2}?",
        "[a-c]", r"[^\s]", r"[^\W_]", "[^a]", "x", r"\.", "(?>a+)", "a++",
    ]
)  # fmt: skip
_TEXT = st.text(alphabet="abxAB \t\n\x0b\x1c-._0129", max_size=30)


@settings(max_examples=600, deadline=None)
@given(
    st.lists(_PIECES, min_size=1, max_size=10),
    st.sampled_from([0, regex.IGNORECASE, regex.DOTALL | regex.MULTILINE]),
    st.lists(_TEXT, min_size=1, max_size=6),
)
def test_the_prefilter_never_refuses_a_text_the_regex_matches(
    pieces: list[str], flags: int, texts: list[str]
) -> None:
    """For any pattern and ASCII text the regex matches, its RE2 superset matches too."""
    pattern = "".join(pieces)
    try:
        compiled = regex.compile(pattern, flags)
    except regex.error:
        return
    gate = compile_gate(pattern, flags)
    if gate is None:
        return
    for text in texts:
        answer = gate(text.encode("ascii"))
        if compiled.search(text):
            assert answer is not False, (pattern, flags, text)
        else:
            assert answer is not True, (pattern, flags, text)


@settings(max_examples=600, deadline=None)
@given(
    st.lists(_PIECES, min_size=1, max_size=10),
    st.sampled_from([0, regex.IGNORECASE, regex.DOTALL]),
    st.lists(_TEXT, min_size=1, max_size=6),
)
def test_an_exact_translation_agrees_with_the_regex_on_every_ascii_text(
    pieces: list[str], flags: int, texts: list[str]
) -> None:
    """Where RE2 decides alone (an exact translation), it answers as `regex` does."""
    pattern = "".join(pieces)
    try:
        compiled = regex.compile(pattern, flags)
    except regex.error:
        return
    pair = re2_superset(pattern, flags, exact=True)
    if pair is None:
        return
    exact = re2.compile(pair[0], re2.Options() if not pair[1] else _ignore_case())
    for text in texts:
        assert (exact.search(text) is not None) == (compiled.search(text) is not None), (
            pattern, pair[0], flags, text,
        )  # fmt: skip


def test_every_regex_of_builtin_default_has_a_prefilter_that_agrees_on_the_corpus(
    default_by_path: reliable_rules.RuleSet,
) -> None:
    """Every regex of builtin:default has a gate, and no gate answers wrongly on a corpus text
    that holds the regex's required literals: the texts the classifier asks a gate about (the
    literal scan settles the others before any search, tests/engine/test_unscanned_literals.py;
    the Hypothesis tests above cover arbitrary texts). All 14 million pairs took 81 s."""
    nodes = default_regexes(default_by_path)
    gates = {id(node): compile_gate(node.pattern, node.flags) for node in nodes}
    assert all(gate is not None for gate in gates.values())
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    texts = [str(json.loads(line)["body"]) for line in lines if line.strip()]
    # the ASCII texts, lowered and as bytes once, not once per regex
    ascii_texts = [(text, text.lower(), text.encode("ascii")) for text in texts if text.isascii()]
    # every lowered text in one string (no literal holds NUL), to find a literal's texts at C
    # speed: a literal is in few texts, and the ~4,000 literals are looked up once each
    joined = "\0".join(lower for _, lower, _ in ascii_texts)
    starts = list(itertools.accumulate((len(lower) + 1 for _, lower, _ in ascii_texts), initial=0))
    holding: dict[str, frozenset[int]] = {}

    def texts_holding(literal: str) -> frozenset[int]:
        if literal not in holding:
            found = set()
            at = joined.find(literal)
            while at != -1:
                index = bisect.bisect_right(starts, at) - 1
                found.add(index)
                at = joined.find(literal, starts[index + 1])
            holding[literal] = frozenset(found)
        return holding[literal]

    everything = frozenset(range(len(ascii_texts)))
    asked = 0
    for node in nodes:
        gate = gates[id(node)]
        assert gate is not None
        if node.non_ascii:
            continue  # it needs a non-ASCII letter: never searched in an ASCII text
        chosen = everything
        for need in node.requirements:
            chosen = chosen & frozenset().union(*(texts_holding(literal) for literal in need))
        if not node.requirements and node.needles:  # its literals, or a non-ASCII text
            chosen = frozenset().union(*(texts_holding(literal) for literal in node.needles))
        search = node.compiled.search
        for index in sorted(chosen):
            text, _, data = ascii_texts[index]
            answer = gate(data)
            matched = search(text) is not None
            assert answer is None or answer is matched, (node.pattern, text)
        asked += len(chosen)
    assert asked >= 100_000  # the check still reaches a good share of the pairs


def test_a_probe_without_the_prefilter_searches_and_a_probe_with_it_skips() -> None:
    """The node consults the gate only through a probe that carries the gate builder."""
    node = Regex(r"rate\W+limit", regex.compile(r"rate\W+limit", regex.IGNORECASE))
    text = "quota exhausted"
    plain = Probe(Failure(text), text, text.lower(), None)
    gated = Probe(Failure(text), text, text.lower(), None, compile_gate)
    assert not node.search(plain)
    assert not node.search(gated)
    assert gated.gate_data() == b"quota exhausted"
    hit = "Rate -- limit"
    assert node.search(Probe(Failure(hit), hit, hit.lower(), None, compile_gate))
    # a non-ASCII text is not prefiltered: the search decides
    wide = "Rate — limit"
    assert node.search(Probe(Failure(wide), wide, wide.lower(), None, compile_gate))


def test_re2_is_not_imported_when_the_accelerator_is_switched_off() -> None:
    """RELIABLE_RULES_ACCELERATOR=0 keeps re2 out of sys.modules, answers unchanged."""
    code = (
        "import sys, reliable_rules\n"
        "rules = reliable_rules.load_rules('builtin:default')\n"
        "print(rules.classify('This model maximum context length is 8192 tokens. However, you"
        " requested 9000 tokens', status=400).category)\n"
        "print(rules.classifier.prefilter is None, 're2' in sys.modules)\n"
    )
    environment = {**os.environ, scans.ACCELERATOR_ENV: "0"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True
    )
    assert result.stdout.split() == ["context_window_exceeded", "True", "False"]


def test_one_gate_serves_every_rule_set_of_a_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same regex and flags get the same (immutable) gate object, so a set built again
    compiles no RE2 pattern; switched off, no gate is asked for."""
    pattern, flags = r"quota (?:limit )?reached", int(regex.IGNORECASE)
    first = compile_gate(pattern, flags)
    assert first is not None
    assert compile_gate(pattern, flags) is first
    assert compile_gate(pattern, 0) is not first  # the flags are part of the key
    monkeypatch.setenv("RELIABLE_RULES_ACCELERATOR", "0")
    assert compile_gate(pattern, flags) is None
