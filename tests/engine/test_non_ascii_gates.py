"""A regex that needs a letter no ASCII character equals ignoring case (Cyrillic, Greek...) is
gated on the text not being ASCII, and an alternation of such branches and branches with
literals on either; exact for every code point, and every decision is the search's own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reliable_rules
from reliable_rules.engine import nodes
from reliable_rules.engine.lazyregex import regex
from reliable_rules.engine.nodes import NON_ASCII
from reliable_rules.engine.regex_literals import (
    _foreign_char,
    needs_non_ascii,
    non_ascii_or_literals,
)
from reliable_rules.failure import to_failure

RUSSIAN = r"ошибк\w\s+(?:сетевого\s+)?соединения|не\s+удалось\s+подключиться"
MIXED = r"сбой\s+сети|network\s+fault\s+detected|[ΑΩ]λφα\s+fault"


def test_no_ascii_text_can_match_a_foreign_character() -> None:
    """For every code point the gate calls foreign, ``regex``'s full case folding knows no
    ASCII case of it and folds it to no ASCII character."""
    from regex import _regex  # noqa: PLC0415 — the package's own table of cases

    flags = regex.IGNORECASE | regex.FULLCASE | regex.UNICODE | regex.VERSION1
    foreign = 0
    for point in range(0x110000):
        if not _foreign_char(point):
            continue
        foreign += 1
        cases = _regex.get_all_cases(flags, point) or []  # None: no other case (surrogates)
        assert all(case >= 0x80 for case in cases if case is not None), hex(point)
        assert not any(char.isascii() for char in _regex.fold_case(flags, chr(point))), hex(point)
    assert foreign > 100_000


@pytest.mark.parametrize(
    ("pattern", "gated", "ascii_match"),
    [
        (RUSSIAN, True, None),
        (r"[а-я]+\s+сети", True, None),
        (r"(?i)ΩΜΕΓΑ", True, None),
        (r"straße", False, "STRASSE"),  # ß folds to "ss"
        ("\u212a", False, "k"),  # the Kelvin sign equals "k"
        (r"[^а-я]+", False, "error"),
        (r"(?:сети)?\s*error", False, "error"),
        (r"сеть|error", False, "error"),
        (r"(?=сеть)\w+", False, None),  # lookarounds are not read: no gate, to be safe
    ],
)
def test_needs_non_ascii(pattern: str, gated: bool, ascii_match: str | None) -> None:
    """Only a pattern every match of which holds a foreign character is gated; those an ASCII
    text can match (ignoring case with full case folding) are not."""
    assert needs_non_ascii(pattern) is gated
    if ascii_match is not None:
        flags = regex.IGNORECASE | regex.FULLCASE | regex.VERSION1
        assert regex.search(pattern, ascii_match, flags)


def test_mixed_alternation_is_gated_on_its_literals_or_non_ascii() -> None:
    """Branches with literals give them; branches needing a foreign letter give the
    non-ASCII key; a branch with neither leaves the regex ungated."""
    # its rarest literal by engine/rarity.py's table: "network" in 0.6% of errors, "detected" 0.7%
    assert non_ascii_or_literals(MIXED) == frozenset({"network"})
    assert non_ascii_or_literals(r"сбой|\w+ fault") is not None
    assert non_ascii_or_literals(r"сбой|\d+") is None
    assert non_ascii_or_literals(r"network|error") is None  # no foreign branch: required_all's
    node = nodes.Regex(MIXED, None)
    assert node.gate is not None
    assert NON_ASCII in node.gate
    assert node.needles == frozenset({"network"})  # scanned like a regex's needed literals


def _indexed_set(directory: Path) -> reliable_rules.RuleSet:
    """An indexed set (many literals) whose first rules are the Russian and mixed regexes."""
    filler = [
        {
            "id": f"filler.{index}",
            "when": {"contains": [f"acme filler phrase {index}"]},
            "then": {"category": "server_error"},
        }
        for index in range(120)
    ]
    rules = [
        {"id": "r.russian", "when": {"regex": RUSSIAN}, "then": {"category": "network_error"}},
        {"id": "r.mixed", "when": {"regex": MIXED}, "then": {"category": "server_error"}},
        *filler,
    ]
    document = {"format": "reliable-rules/v1", "name": "non-ascii", "revision": "1",
                "extends": ["builtin:seed"], "rules": rules}  # fmt: skip
    path = directory / "non-ascii.yaml"
    path.write_text(json.dumps(document), encoding="utf-8")
    return reliable_rules.load_rules(path)


@pytest.mark.parametrize(
    ("text", "candidates", "decided"),
    [
        ("Ошибка сетевого соединения", {"r.russian", "r.mixed"}, "r.russian"),
        ("не удалось подключиться к серверу", {"r.russian", "r.mixed"}, "r.russian"),
        ("сбой сети", {"r.russian", "r.mixed"}, "r.mixed"),
        ("upstream: network fault detected", {"r.mixed"}, "r.mixed"),
        ("ΑΛΦΑ FAULT", {"r.russian", "r.mixed"}, "r.mixed"),  # Greek, ignoring no case
        ("connection error", set(), None),  # ASCII, no literal: neither is tried
    ],
)
def test_the_gates_select_exactly_the_rules_that_can_match(
    tmp_path: Path, text: str, candidates: set[str], decided: str | None
) -> None:
    """An ASCII text reaches the mixed rule through its literals alone and the Russian one
    never; a text that is not ASCII reaches both; each decides as its regex says."""
    rules = _indexed_set(tmp_path)
    classifier = rules.classifier
    assert classifier.indexed
    probe = classifier._probe(to_failure(text))
    mask = classifier._candidates(probe)
    tried = {rule.id for position, rule in enumerate(classifier.rules) if mask >> position & 1}
    assert tried & {"r.russian", "r.mixed"} == candidates
    decision = rules.classify(text)
    assert (decision.rule_id if decision.rule_id in {"r.russian", "r.mixed"} else None) == decided


ALPHABET = st.sampled_from(
    [*"ошибкасетвгдянуплзьОШИБКА ", "сети", "сбой", "network fault detected", "ΑΛΦΑ fault",
     "\u1c80", "\u017f", "\u212a", "ß", "x", "\n"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(ALPHABET, max_size=30))
def test_every_text_is_decided_as_the_regexes_search_it(parts: list[str]) -> None:
    """For any text mixing ASCII, Cyrillic, Greek and the letters that fold across scripts,
    the indexed set decides what searching each regex in order decides."""
    text = "".join(parts)
    rules = _RULES
    decision = rules.classify(text)
    expected = None
    for rule_id, pattern in (("r.russian", RUSSIAN), ("r.mixed", MIXED)):
        if regex.search(pattern, text, regex.IGNORECASE):  # rule files ignore case
            expected = rule_id
            break
    got = decision.rule_id if decision.rule_id in {"r.russian", "r.mixed"} else None
    assert got == expected, text


def test_builtin_default_searches_no_foreign_regex_in_an_ascii_text() -> None:
    """builtin:default's Russian, Greek and mixed regexes (round 12's languages) are no
    candidates for an ASCII text without their literals, under any status."""
    rules = reliable_rules.load_rules("builtin:default")
    classifier = rules.classifier
    foreign = {
        rule.id
        for rule in classifier.rules
        for node in nodes.walk((rule.node,), set())
        if isinstance(node, nodes.Regex) and node.gate is not None and NON_ASCII in node.gate
    }
    assert {
        "default.r12.wait-time-exceeded",
        "default.r12.region-unsupported-languages",
        "default.r12.connection-error-languages",
    } <= foreign
    for status in (None, 408, 500, 503):
        probe = classifier._probe(to_failure("upstream replied in 812 ms", status=status))
        mask = classifier._candidates(probe)
        tried = {rule.id for position, rule in enumerate(classifier.rules) if mask >> position & 1}
        assert not tried & {
            "default.r12.wait-time-exceeded",
            "default.r12.region-unsupported-languages",
            "default.r12.connection-error-languages",
        }, status
    decision = rules.classify("Ошибка соединения с сервером")
    assert decision.rule_id == "default.r12.connection-error-languages"


_RULES: reliable_rules.RuleSet


@pytest.fixture(autouse=True, scope="module")
def _load(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The indexed set of the property test, loaded once."""
    global _RULES  # noqa: PLW0603 — hypothesis's given cannot take a function-scoped fixture
    _RULES = _indexed_set(tmp_path_factory.mktemp("non-ascii"))
