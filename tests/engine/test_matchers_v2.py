"""Matchers that make families short: ``near``, numeric header/JSON tests, JSON keys anywhere."""

from __future__ import annotations

import itertools
import json
import math
import textwrap
from pathlib import Path
from typing import Any

import pytest
from helpers.rulefiles import write_rules
from hypothesis import given, settings
from hypothesis import strategies as st

from reliable_rules import RuleSetError, load_rules
from reliable_rules.authoring.diff import diff_rulesets
from reliable_rules.authoring.lint import lint_file, subsumes
from reliable_rules.engine.classifier import SCAN_THRESHOLD
from reliable_rules.engine.nodes import (
    JSON_WALK_MAX_DEPTH,
    JSON_WALK_MAX_NODES,
    JsonKey,
    Near,
    Probe,
    find_keys,
    key_literal,
    parse_number,
    words,
)
from reliable_rules.failure import Failure
from reliable_rules.ruleset.model import RuleSet


def one_rule(tmp_path: Path, when: str, *, extra: str = "") -> RuleSet:
    """A rule set with one rule ``r`` deciding rate_limited when ``when`` (flow YAML) matches."""
    body = f"""
        name: t
        rules:
          - id: r
            when: {when}
            then: {{category: rate_limited}}
        {extra}
    """
    return load_rules(write_rules(tmp_path / "rules.yaml", textwrap.dedent(body)))


def problems_of(tmp_path: Path, when: str) -> list[tuple[str, int, int, str]]:
    """The (code, line, column, message) of every problem loading a one-rule file."""
    with pytest.raises(RuleSetError) as caught:
        one_rule(tmp_path, when)
    return [(p.code, p.line, p.column, p.message) for p in caught.value.problems]


def matches(ruleset: RuleSet, text: str = "", **kwargs: Any) -> bool:
    """Whether rule ``r`` decides ``text`` (with classify keyword arguments)."""
    return ruleset.classify(text, **kwargs).rule_id == "r"


# ── near ────────────────────────────────────────────────────────────────────────────────

NEAR_RATE_LIMIT = "{near: {words: [rate, [limit, throttl]], within: 3}}"
NEAR_TOO_LONG = "{near: {words: [[too, exceed], [long, larg, many]], within: 2, ordered: true}}"


@pytest.mark.parametrize(
    ("when", "text", "expected"),
    [
        (NEAR_RATE_LIMIT, "rate_limit_exceeded", True),
        (NEAR_RATE_LIMIT, '{"error": "rate-limit"}', True),
        (NEAR_RATE_LIMIT, "Rate Limit reached", True),
        (NEAR_RATE_LIMIT, "RATE LIMITED", True),
        (NEAR_RATE_LIMIT, "you are being throttled: request rate too high", True),
        (NEAR_RATE_LIMIT, "limits apply to the rate", True),
        (NEAR_RATE_LIMIT, "rate a b c limit", True),
        (NEAR_RATE_LIMIT, "rate a b c d limit", False),
        (NEAR_RATE_LIMIT, "the ratelimit was hit", False),
        (NEAR_RATE_LIMIT, "accurate limit", False),
        (NEAR_RATE_LIMIT, "generate limit", False),
        (NEAR_RATE_LIMIT, "rate only", False),
        (NEAR_TOO_LONG, "prompt is too long", True),
        (NEAR_TOO_LONG, "input exceeds the maximum, way larger", False),
        (NEAR_TOO_LONG, "exceeded: too many tokens", True),
        (NEAR_TOO_LONG, "Too  many  requests", True),
        (NEAR_TOO_LONG, "too a b long", True),
        (NEAR_TOO_LONG, "too a b c long", False),
        (NEAR_TOO_LONG, "long too", False),
        ("{near: [quota, exceed]}", "Quota exceeded for metric", True),
        ("{near: [quota, exceed]}", "exceeded your current quota", True),
        ("{near: [quota, exceed]}", "quota a b c d exceeded", False),
        ("{near: {words: [rate, limit], within: 0}}", "rate-limit", True),
        ("{near: {words: [rate, limit], within: 0}}", "rate of limit", False),
        ("{near: [limit, limit]}", "limit", False),
        ("{near: [limit, limit]}", "limit limited", True),
        ("{near: [überlast]}", "Server ÜBERLASTET", True),
        ("{near: [请求]}", "请求过多", True),
    ],
)
def test_near_matches_words_in_proximity(
    tmp_path: Path, when: str, text: str, expected: bool
) -> None:
    """near: word prefixes, any punctuation between, within N words, ordered when asked."""
    assert matches(one_rule(tmp_path, when), text) is expected


WHEN_LINE = 5  # the line of `when:` in one_rule's file
WHEN_COLUMN = len("    when: ") + 1  # the column of its value


@pytest.mark.parametrize(
    ("when", "code", "at", "message"),
    [
        ("{near: [per minute, limit]}", "bad-near-term", "per minute", "'per minute'"),
        ("{near: {words: [rate, [limit, rate_limit]]}}", "bad-near-term", "rate_limit", "_"),
        ("{near: {words: [rate], within: 21}}", "schema", "21", "20"),
        ("{near: [a, b, c, d, e, f, g]}", "schema", "", ""),
        ("{near: {words: []}}", "schema", "", ""),
        ("{near: {words: [rate], within: -1}}", "schema", "", ""),
        ("{near: {words: [rate], ordered: 1}}", "schema", "", ""),
    ],
)
def test_near_rejects_bad_terms_with_positions(
    tmp_path: Path, when: str, code: str, at: str, message: str
) -> None:
    """A near term with a separator, too many terms or a bad `within` is a positioned problem."""
    found = problems_of(tmp_path, when)
    assert found, when
    assert all(line == WHEN_LINE for _, line, _, _ in found), found
    if at:
        assert [(c, col) for c, _, col, _ in found] == [(code, WHEN_COLUMN + when.index(at))]
        assert message in found[0][3]


def test_near_reports_every_bad_term_at_once(tmp_path: Path) -> None:
    """Two bad terms in one matcher: two problems, each at its own column."""
    when = "{near: {words: [a-b, [c.d, ok]], within: 8}}"
    found = problems_of(tmp_path, when)
    assert sorted((code, col - WHEN_COLUMN) for code, _, col, _ in found) == [
        ("bad-near-term", when.index("a-b")),
        ("bad-near-term", when.index("c.d")),
    ]


def test_near_is_gated_on_its_terms_and_counts_as_literals(tmp_path: Path) -> None:
    """A near rule is skipped by the index when a term is absent; its terms join the scan."""
    filler = "\n".join(
        f"  - {{id: f{i}, when: {{contains: filler{i}word}}, then: {{category: server_error}}}}"
        for i in range(SCAN_THRESHOLD + 1)
    )
    path = tmp_path / "big.yaml"
    path.write_text(
        "format: reliable-rules/v1\nname: big\nrules:\n"
        + filler
        + "\n  - {id: r, when: {near: [rate, limit]}, then: {category: rate_limited}}\n",
        encoding="utf-8",
    )
    ruleset = load_rules(path)
    classifier = ruleset.classifier
    assert classifier.indexed
    node = classifier.rules[-1].node
    assert isinstance(node, Near)
    assert node.gate is not None
    # a term at the start of a word (bounded: no ASCII letter or digit before it)
    assert {key_literal(key) for key in node.gate} <= {"rate", "limit"}
    assert ruleset.classify("Rate-limited, slow down").rule_id == "r"
    assert "rules skipped by the index" in ruleset.classifier.explain(
        Failure(message="nothing relevant here")
    )
    calls: list[int] = []
    original = Near.scan_text

    def counting(self: Near, lower: str) -> bool:
        calls.append(len(lower))
        return original(self, lower)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Near, "scan_text", counting)
        assert ruleset.classify("limit only, no r-word").rule_id is None
        assert ruleset.classify("rates only, no l-word").rule_id is None
        assert calls == []
        assert ruleset.classify("the rate of growth has no bound; it is unlimited").rule_id is None
        assert calls  # both terms present as substrings: the word scan ran


def test_near_small_sets_prefilter_on_substrings(tmp_path: Path) -> None:
    """In an ordered (unindexed) set, a near rule whose term is absent never scans words."""
    ruleset = one_rule(tmp_path, "{near: [rate, limit]}")
    assert not ruleset.classifier.indexed
    calls: list[int] = []
    original = Near.scan_text

    def counting(self: Near, lower: str) -> bool:
        calls.append(len(lower))
        return original(self, lower)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Near, "scan_text", counting)
        assert not matches(ruleset, "limit without the other word")
        assert calls == []


def test_near_explain_and_describe(tmp_path: Path) -> None:
    """explain() shows the near matcher readably."""
    ruleset = one_rule(tmp_path, NEAR_TOO_LONG)
    trace = ruleset.classify("prompt is too long").explain()
    assert "✓ near [['too', 'exceed'], ['long', 'larg', 'many']] within 2 words, in order" in trace


def _near_reference(
    tokens: list[str], terms: list[tuple[str, ...]], within: int, ordered: bool
) -> bool:
    """Brute force: some choice of distinct words, one per term, satisfies the definition."""
    candidates = [
        [i for i, token in enumerate(tokens) if token.startswith(term)] for term in terms
    ]
    for choice in itertools.product(*candidates):
        if len(set(choice)) != len(choice):
            continue
        if ordered and list(choice) != sorted(choice):
            continue
        positions = sorted(choice)
        if all(b - a - 1 <= within for a, b in itertools.pairwise(positions)):
            return True
    return False


@settings(max_examples=300, deadline=None)
@given(
    tokens=st.lists(st.sampled_from(["ra", "rate", "lim", "limit", "x", "quota"]), max_size=12),
    terms=st.lists(
        st.lists(st.sampled_from(["ra", "rat", "lim", "limit", "q", "x"]), min_size=1, max_size=2),
        min_size=1,
        max_size=4,
    ),
    within=st.integers(min_value=0, max_value=4),
    ordered=st.booleans(),
)
def test_near_scan_agrees_with_brute_force(
    tokens: list[str], terms: list[list[str]], within: int, ordered: bool
) -> None:
    """The windowed scan decides exactly what trying every choice of words decides."""
    node = Near(terms, within, ordered=ordered)
    expected = _near_reference(tokens, list(node.terms), within, ordered)
    assert node._scan(tokens) is expected


@settings(max_examples=500, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(["rate", "lim", "limit", "ac", "x", " ", "_", "-", ".", "é", "Ü"]),
        max_size=30,
    ).map("".join),
    terms=st.lists(
        st.lists(st.sampled_from(["ra", "rate", "lim", "limit", "x", "é"]), min_size=1, max_size=2),
        min_size=1,
        max_size=3,
    ),
    within=st.integers(min_value=0, max_value=3),
    ordered=st.booleans(),
)
def test_near_text_scan_agrees_with_word_scan(
    text: str, terms: list[list[str]], within: int, ordered: bool
) -> None:
    """Scanning only the words that start with a term decides as scanning every word does."""
    node = Near(terms, within, ordered=ordered)
    lower = text.lower()
    assert node.scan_text(lower) is node._scan(words(lower))


def test_near_text_scan_counts_long_gaps() -> None:
    """Words far apart (more than 20 others between) never match, however long the gap."""
    node = Near([["rate"], ["limit"]], 20, ordered=False)
    assert node.scan_text("rate " + "x " * 20 + "limit")
    assert not node.scan_text("rate " + "x " * 21 + "limit")
    assert not node.scan_text("rate " + "x " * 5000 + "limit")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from([*"ab_-. \"'{}:", "é", "Ü", "请", "٣", "\u0301"])))
def test_words_are_letter_and_digit_runs(text: str) -> None:
    """words() is exactly the maximal runs of alphanumeric characters, `_` separating."""
    expected: list[str] = []
    run = ""
    for char in text:
        if char.isalnum():
            run += char
        elif run:
            expected.append(run)
            run = ""
    if run:
        expected.append(run)
    assert words(text) == expected


# ── numeric comparisons, header globs ───────────────────────────────────────────────────


REMAINING = "{header: {name: x-ratelimit-remaining-requests, lte: 0}}"
ANY_REMAINING = "{header: {name: x-ratelimit-remaining-*, lte: 0}}"


@pytest.mark.parametrize(
    ("when", "headers", "expected"),
    [
        (REMAINING, {"x-ratelimit-remaining-requests": "0"}, True),
        (REMAINING, {"X-RateLimit-Remaining-Requests": " 0 "}, True),
        (REMAINING, {"x-ratelimit-remaining-requests": "1"}, False),
        (REMAINING, {"x-ratelimit-remaining-requests": "-1.5"}, True),
        (REMAINING, {"x-ratelimit-remaining-requests": "0s"}, False),
        (REMAINING, {"x-ratelimit-remaining-requests": "none"}, False),
        (REMAINING, {}, False),
        (ANY_REMAINING, {"x-ratelimit-remaining-t": "0", "x-ratelimit-remaining-r": "9"}, True),
        (ANY_REMAINING, {"x-ratelimit-remaining-t": "5", "x-ratelimit-remaining-r": "9"}, False),
        (ANY_REMAINING, {"x-ratelimit-limit-tokens": "0"}, False),
        ("{header: {name: x-ratelimit-*, exists: true}}", {"X-RateLimit-Reset": "1"}, True),
        ("{header: {name: retry-after, gt: 60}}", {"retry-after": "61"}, True),
        ("{header: {name: retry-after, gt: 60}}", {"retry-after": "60"}, False),
        ("{header: {name: retry-after, gte: 60}}", {"retry-after": "60"}, True),
        ("{header: {name: retry-after, lt: 1}}", {"retry-after": "0.5"}, True),
        ("{header: {name: retry-after, lt: 1}}", {"retry-after": "1e3"}, False),
        ("{header: {name: retry-after, gte: 1, lt: 10}}", {"retry-after": "5"}, True),
        ("{header: {name: retry-after, gte: 1, lt: 10}}", {"retry-after": "10"}, False),
        ("{header: {name: retry-after, gte: 1, lt: 10}}", {"retry-after": "0"}, False),
    ],
)  # fmt: skip
def test_header_numeric_comparisons_and_globs(
    tmp_path: Path, when: str, headers: dict[str, str], expected: bool
) -> None:
    """lt/lte/gt/gte compare plain numbers only; a glob name is satisfied by any header."""
    assert matches(one_rule(tmp_path, when), "x", status=429, headers=headers) is expected


@pytest.mark.parametrize(
    ("when", "body", "expected"),
    [
        ("{json: {path: error.retry_in, gt: 60}}", {"error": {"retry_in": 61}}, True),
        ("{json: {path: error.retry_in, gt: 60}}", {"error": {"retry_in": "61"}}, True),
        ("{json: {path: error.retry_in, gt: 60}}", {"error": {"retry_in": 60.0}}, False),
        ("{json: {path: error.retry_in, gt: 60}}", {"error": {"retry_in": True}}, False),
        ("{json: {path: error.retry_in, gt: 60}}", {"error": {"retry_in": "61s"}}, False),
        ("{json: {path: error.retry_in, gt: 60}}", {"error": {"retry_in": 10**400}}, False),
        ("{json: {path: 'items.*.left', lte: 0}}", {"items": [{"left": 3}, {"left": 0}]}, True),
    ],
)
def test_json_numeric_comparisons(tmp_path: Path, when: str, body: Any, expected: bool) -> None:
    """JSON numbers and numeric strings compare; booleans, durations and huge ints do not."""
    assert matches(one_rule(tmp_path, when), "x", body=json.dumps(body)) is expected


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=20), st.integers(), st.floats(), st.booleans(), st.none()))
def test_parse_number_never_raises_and_accepts_only_plain_numbers(value: Any) -> None:
    """parse_number: finite floats for numbers and plain numeric strings, None otherwise."""
    number = parse_number(value)
    if number is not None:
        assert math.isfinite(number)
        assert not isinstance(value, bool)
        assert value is not None
        if isinstance(value, str):
            assert float(value.strip()) == number


@pytest.mark.parametrize(
    "when",
    [
        "{header: {name: a, equals: '1', lt: 2}}",
        "{json: {path: a, exists: true, gte: 2}}",
    ],
)
def test_comparisons_do_not_mix_with_other_tests(tmp_path: Path, when: str) -> None:
    """A comparison beside equals/in/matches/exists is a matcher-shape problem at the matcher."""
    found = problems_of(tmp_path, when)
    assert [code for code, *_ in found] == ["matcher-shape"]
    assert "lt/lte/gt/gte" in found[0][3]


def test_comparison_bound_must_be_a_number(tmp_path: Path) -> None:
    """`lte: zero` is a schema problem."""
    found = problems_of(tmp_path, "{header: {name: a, lte: zero}}")
    assert found
    assert all(line == WHEN_LINE for _, line, _, _ in found), found


# ── json keys anywhere ──────────────────────────────────────────────────────────────────

FINISH = "{json: {key: [finishReason, finish_reason], in: [SAFETY, RECITATION]}}"


@pytest.mark.parametrize(
    ("when", "body", "expected"),
    [
        (FINISH, {"candidates": [{"finishReason": "SAFETY"}]}, True),
        (FINISH, {"choices": [{"x": [{"finish_reason": "RECITATION"}]}]}, True),
        (FINISH, {"candidates": [{"finishReason": "STOP"}, {"finishReason": "SAFETY"}]}, True),
        (FINISH, {"candidates": [{"finishReason": "safety"}]}, False),
        (FINISH, {"candidates": [{"FinishReason": "SAFETY"}]}, False),
        (FINISH, {"candidates": [{"finishReason": "STOP"}]}, False),
        (FINISH, [{"deep": {"deeper": {"finishReason": "SAFETY"}}}], True),
        ("{json: {key: blockReason}}", {"promptFeedback": {"blockReason": "OTHER"}}, True),
        ("{json: {key: blockReason, exists: false}}", {"promptFeedback": {}}, True),
        ("{json: {key: blockReason, exists: false}}", {"a": {"blockReason": 1}}, False),
        ("{json: {key: code, equals: 1311}}", {"error": {"code": "1311"}}, True),
        ("{json: {key: code, matches: '^13'}}", {"error": {"code": 1311}}, True),
        ("{json: {key: left, lte: 0}}", {"limits": [{"left": 4}, {"left": 0}]}, True),
    ],
)  # fmt: skip
def test_json_key_anywhere(tmp_path: Path, when: str, body: Any, expected: bool) -> None:
    """json key: any object at any depth with that (case-sensitive) name satisfies the test."""
    assert matches(one_rule(tmp_path, when), "x", body=json.dumps(body)) is expected


def test_json_key_finds_json_embedded_in_the_message(tmp_path: Path) -> None:
    """JSON inside the exception text is searched like the body, as `path` does."""
    ruleset = one_rule(tmp_path, FINISH)
    assert matches(ruleset, 'Error 400: {"candidates": [{"finishReason": "SAFETY"}]}')


def test_json_key_agrees_with_path_semantics(tmp_path: Path) -> None:
    """For a top-level field, `key` and `path` decide alike on the same values."""
    for value in ["1311", 1311, 1311.0, True, "true", None, [1311], {"a": 1}]:
        body = json.dumps({"code": value})
        by_key = one_rule(tmp_path, "{json: {key: code, in: [1311, 'true']}}")
        by_path = one_rule(tmp_path, "{json: {path: code, in: [1311, 'true']}}")
        assert matches(by_key, "x", body=body) == matches(by_path, "x", body=body), value


@pytest.mark.parametrize(
    "when",
    [
        "{json: {path: a, key: a, exists: true}}",
        "{json: {equals: 1}}",
    ],
)
def test_json_takes_exactly_one_of_path_and_key(tmp_path: Path, when: str) -> None:
    """Both or neither of path/key is one clear problem on the json matcher's line."""
    found = problems_of(tmp_path, when)
    assert [(code, line) for code, line, _, _ in found] == [("matcher-shape", WHEN_LINE)]
    assert "exactly one of `path`" in found[0][3]


def test_json_key_walk_is_bounded() -> None:
    """find_keys stops at the depth and node limits: hostile JSON costs little."""
    deep: Any = {"k": 1}
    for _ in range(JSON_WALK_MAX_DEPTH + 5):
        deep = {"x": deep}
    assert find_keys(deep, frozenset({"k"})) == []
    shallow: Any = {"k": 1}
    for _ in range(JSON_WALK_MAX_DEPTH - 1):
        shallow = {"x": shallow}
    assert find_keys(shallow, frozenset({"k"})) == [1]
    wide = [[{"k": i}] for i in range(JSON_WALK_MAX_NODES * 2)]
    assert 0 < len(find_keys(wide, frozenset({"k"}))) < JSON_WALK_MAX_NODES


def test_json_key_is_gated_on_its_name(tmp_path: Path) -> None:
    """A json key rule never parses JSON when its name is absent; exists: false is ungated."""
    ruleset = one_rule(tmp_path, FINISH)
    node = ruleset.classifier.rules[0].node
    assert isinstance(node, JsonKey)
    assert node.gate == {"finishreason", "finish_reason"}
    probe = Probe(Failure(message='{"other": 1}'), '{"other": 1}', '{"other": 1}', None)
    assert not node.match(probe)
    assert probe._json.__class__ is object  # the sentinel: the JSON was never parsed
    absent = one_rule(tmp_path, "{json: {key: blockReason, exists: false}}").classifier.rules[0]
    assert absent.node.gate is None


# ── lint and diff ───────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("when", "broad"),
    [
        ("{near: [ra, limit]}", 1),
        ("{near: {words: [[r, ra], limit], within: 9}}", 3),
        ("{near: {words: [rate, limit], within: 8}}", 0),
        ("{near: [rate, limit]}", 0),
    ],
)
def test_lint_warns_about_broad_near(tmp_path: Path, when: str, broad: int) -> None:
    """Short near terms and a wide `within` are broad-matcher warnings."""
    path = write_rules(
        tmp_path / "rules.yaml",
        f"name: t\nrules:\n  - id: r\n    when: {when}\n    then: {{category: rate_limited}}\n"
        "    tests:\n      - {text: rate limit}\n",
    )
    found = [f for f in lint_file(path) if f.code == "broad-matcher"]
    assert len(found) == broad, found
    assert all(f.line == 5 for f in found), found


def test_lint_subsumes_near_and_json_key() -> None:
    """A wider, unordered near subsumes a narrower ordered one; equal json keys subsume."""
    wide = Near([["rate"], ["limit"]], 5, ordered=False)
    narrow = Near([["rate"], ["limit"]], 2, ordered=True)
    assert subsumes(wide, narrow)
    assert not subsumes(narrow, wide)
    a = JsonKey(["k"], bool, "exists", absent=False)
    assert subsumes(a, JsonKey(["k"], bool, "exists", absent=False))
    assert not subsumes(a, JsonKey(["j"], bool, "exists", absent=False))


def test_diff_shows_new_matchers_readably(tmp_path: Path) -> None:
    """A when change to near/json key/header comparison reads as its YAML would."""
    old = write_rules(
        tmp_path / "old.yaml",
        "name: t\nrules:\n"
        "  - {id: r, when: {contains: rate limit}, then: {category: rate_limited}}\n",
    )
    new = write_rules(
        tmp_path / "new.yaml",
        "name: t\nrules:\n  - id: r\n    when:\n      any:\n"
        "        - {near: {words: [rate, [limit, throttl]], within: 2}}\n"
        "        - {header: {name: x-ratelimit-remaining-*, lte: 0}}\n"
        "        - {json: {key: [finishReason, finish_reason], equals: SAFETY}}\n"
        "    then: {category: rate_limited}\n",
    )
    changes = diff_rulesets(load_rules(old), load_rules(new)).changes
    (when,) = [change for change in changes if change.kind == "rule-when"]
    text = "\n".join(when.details)
    assert "near ['rate', ['limit', 'throttl']] within 2 words" in text
    assert "header x-ratelimit-remaining-* <= 0" in text
    assert "json key ['finishReason', 'finish_reason'] anywhere equals 'SAFETY'" in text
    assert "-contains any of ['rate limit']" in text
