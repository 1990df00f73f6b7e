"""Letters without case (category Lo: Chinese, Japanese, Korean...) are part of a regex's
needed literals, so a regex of such words is not searched in a text without them; exact for
every code point, since case mapping never produces nor equates such a letter."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

import reliable_rules
from reliable_rules.engine.lazyregex import regex
from reliable_rules.engine.regex_literals import caseless, gates_of, weight


def test_no_other_character_maps_to_a_caseless_letter() -> None:
    """Lowercasing, uppercasing or case-folding any code point never yields a letter of
    category Lo it is not; every such letter maps to itself."""
    for point in range(0x110000):
        char = chr(point)
        for mapped in (char.lower(), char.upper(), char.casefold()):
            if mapped != char:
                assert not any(caseless(each) for each in mapped), hex(point)


def test_regex_ignoring_case_matches_a_caseless_letter_with_itself_alone() -> None:
    """``regex``'s full case folding knows no other case of any letter of category Lo."""
    from regex import _regex  # noqa: PLC0415 — the package's own table of cases

    flags = regex.IGNORECASE | regex.FULLCASE | regex.UNICODE | regex.VERSION1
    for point in range(0x110000):
        char = chr(point)
        if unicodedata.category(char) == "Lo":
            assert _regex.get_all_cases(flags, point) == [point], hex(point)


def test_caseless_words_are_needed_literals() -> None:
    """A pattern of Chinese or Japanese words needs them; a cased non-ASCII letter (Cyrillic)
    or a modifier letter (the katakana prolonged sound mark) ends a literal."""
    needs = gates_of("(?:无法|不能)解析(?:为|成)?json")[0]
    assert set(needs) == {frozenset({"解析"}), frozenset({"json"}), frozenset({"无法", "不能"})}
    assert gates_of("モデルが無効")[0] == (frozenset({"モデルが無効"}),)
    assert gates_of("модель не найдена")[0] == ()  # cased letters: only " " between them
    assert frozenset({"トされていません"}) in gates_of("サポートされていません")[0]
    assert weight("模型") == 4
    assert gates_of("未找到")[0] == (frozenset({"未找到"}),)
    assert gates_of("(?:未|无)x")[0] == ()  # one character: too common to gate on


@pytest.mark.parametrize(
    ("text", "decided"),
    [
        ("上下文长度超过上限", True),
        ("错误 上下文长度超过上限 KELVIN", True),
        ("the context is too long", False),
        ("长度 ok", False),
        ("\u212a 上下文长度超过上限", True),  # a letter folding to ASCII: gates step aside
    ],
)
def test_a_regex_of_caseless_words_still_decides(
    tmp_path: Path, text: str, decided: bool
) -> None:
    """A rule whose regex needs Chinese words decides the texts holding them in its shape,
    and no other (the gate on those words drops no match)."""
    filler = [{"id": f"r.filler-{i}", "when": {"contains": f"filler phrase {i}"},
               "then": {"category": "server_error"}} for i in range(120)]  # fmt: skip
    rule = {"id": "r.it", "then": {"category": "context_window_exceeded"},
            "when": {"regex": "(?i)(?:上下文|输入)(?:长度)?超过(?:上限|限制)"}}  # fmt: skip
    document = {"format": "reliable-rules/v1", "name": "t", "revision": "1",
                "extends": ["builtin:seed"], "rules": [rule, *filler]}  # fmt: skip
    path = tmp_path / "caseless.yaml"
    path.write_text(json.dumps(document), encoding="utf-8")
    rules = reliable_rules.load_rules(path)
    assert rules.classifier.indexed
    assert (rules.classify(text).rule_id == "r.it") is decided
