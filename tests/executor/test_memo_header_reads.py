"""The executor's memo keys on the headers the rule set can read (issue 14, row 7): a request id,
a date or a timing header of each answer's own does not keep identical errors apart, and the
memo's decisions stay exactly the rules' own."""

from __future__ import annotations

import fnmatch
import json
import random
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from helpers.rulefiles import write_rules
from hypothesis import given, settings
from hypothesis import strategies as st

from reliable_rules import load_rules
from reliable_rules.engine.extractors import HeaderSource, PrefixSource
from reliable_rules.engine.header_reads import HeaderReads, header_reads
from reliable_rules.engine.nodes import Contains, Header
from reliable_rules.executor.memo import DecisionMemo
from reliable_rules.failure import Failure
from reliable_rules.providers import ProviderHTTPError

CORPUS = Path(__file__).resolve().parent.parent / "data" / "provider_errors.jsonl"
# What real providers stamp on every answer: no rule reads them.
VOLATILE = (
    "x-request-id", "request-id", "cf-ray", "date", "x-amzn-requestid",
    "openai-processing-ms", "x-envoy-upstream-service-time", "apim-request-id",
)  # fmt: skip

READERS = """
name: readers
rules:
  - id: readers.exact
    when: {all: [{header: {name: X-Flag, equals: "stop"}}, {contains: boom}]}
    then: {category: auth_failed}
  - id: readers.pattern
    when: {header: {name: "x-limit-*", matches: "^0$"}}
    then: {category: rate_limited}
  - id: readers.any
    when: {contains: boom}
    then: {category: server_error}
retry_after:
  - header: x-wait
    unit: s
"""


@pytest.fixture(scope="module")
def readers(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A rule set with header readers of every kind (module-scoped: Hypothesis reuses it)."""
    return load_rules(write_rules(tmp_path_factory.mktemp("readers") / "r.yaml", READERS))


class PeekingContains(Contains):
    """A matcher of a kind the memo cannot know (it might read any header)."""

    __slots__ = ()


class PeekingSource(PrefixSource):
    """A Retry-After source of a kind the memo cannot know."""

    __slots__ = ()


def error_with(record: dict[str, Any], extra: dict[str, str]) -> ProviderHTTPError:
    """The corpus record as a provider error, with ``extra`` headers after its own."""
    headers = dict(record.get("headers") or {})
    headers.update(extra)
    return ProviderHTTPError(
        record.get("provider") or "p", record["status"], headers=headers, body=record["body"]
    )


def same(memo: DecisionMemo, rules: Any, error: Any) -> bool:
    """The memo's decision for ``error`` is the rules' own (verdict, wait and Failure)."""
    left = memo.classify(rules, error, "p", "m")
    right = rules.classify(error, provider="p", model="m")
    return bool(
        left.verdict == right.verdict
        and left.retry_after_ms == right.retry_after_ms
        and left.failure == right.failure
    )


def counting(rules: Any, monkeypatch: pytest.MonkeyPatch) -> list[Failure]:
    """The Failures the rules classify from now on."""
    calls: list[Failure] = []
    decide = rules.classifier.decide
    monkeypatch.setattr(rules.classifier, "decide", lambda f: calls.append(f) or decide(f))
    return calls


def test_builtin_default_reads_its_header_conditions_and_sources_only() -> None:
    """builtin:default reads x-should-retry, the x-ratelimit-remaining* counters and its
    Retry-After headers, and none of the headers providers stamp on every answer."""
    reads = header_reads(load_rules("builtin:default").classifier)
    assert not reads.every
    assert {"x-should-retry", "retry-after", "retry-after-ms"} <= set(reads.names)
    assert "x-ratelimit-remaining*" in reads.patterns
    assert not set(VOLATILE) & set(reads.names)


def test_errors_differing_only_in_request_ids_are_classified_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Three 503s each with its own request id, ray and date: one classification, and each
    decision holds its own Failure, all headers included."""
    rules = load_rules("builtin:default")
    calls = counting(rules, monkeypatch)
    memo = DecisionMemo()
    for index in range(3):
        headers = {"x-request-id": f"req_{index}", "cf-ray": f"8f{index}-SJC", "date": str(index)}
        error = ProviderHTTPError("openai", 503, headers=headers, body="The server is overloaded")
        decision = memo.classify(rules, error, "p", "m")
        assert decision.category == "server_error"
        assert decision.failure.headers["x-request-id"] == f"req_{index}"
    assert len(calls) == 1


@pytest.mark.parametrize("name", ["builtin:default", "builtin:seed"])
def test_corpus_with_volatile_headers_decides_as_the_rules(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every corpus record with a status, twice with random volatile headers of its own: each
    memo decision is the rules' own, and the second of each is answered by the memo."""
    rules = load_rules(name)
    chance = random.Random(14)
    records = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    records = [record for record in records if record.get("status") is not None]
    assert len(records) > 100
    memo = DecisionMemo()
    calls = counting(rules, monkeypatch)
    kept = 0
    for record in records:
        for again in (False, True):
            extra = {
                header: f"{chance.getrandbits(64):x}"
                for header in chance.sample(VOLATILE, chance.randint(1, 4))
            }
            error = error_with(record, extra)
            before = len(calls)
            decision = memo.classify(rules, error, "p", "m")
            kept += again and len(calls) == before
            expected = rules.classify(error, provider="p", model="m")
            assert decision.verdict == expected.verdict
            assert decision.retry_after_ms == expected.retry_after_ms
            assert decision.failure == expected.failure
    assert kept > len(records) * 0.8


@settings(max_examples=300, deadline=None)
@given(
    first=st.dictionaries(
        st.sampled_from(["X-Flag", "x-flag", "x-limit-a", "X-Limit-B", "x-wait", "x-request-id"]),
        st.sampled_from(["", "0", "1", "stop", "2"]),
        max_size=5,
    ),
    second=st.dictionaries(
        st.sampled_from(["x-flag", "x-limit-b", "x-limit-a", "x-wait", "date", "cf-ray"]),
        st.sampled_from(["", "0", "1", "stop", "Stop"]),
        max_size=5,
    ),
    status=st.sampled_from([400, 429, 503]),
)
def test_memo_decides_as_the_rules_whatever_the_headers(
    readers: Any, first: dict[str, str], second: dict[str, str], status: int
) -> None:
    """Header conditions by name (any case) and by pattern, and a Retry-After header: through
    one memo, any sequence of headers gets the rules' own decisions."""
    memo = DecisionMemo()
    for headers in (first, second, first, {**second, **first}, second):
        error = ProviderHTTPError("acme", status, headers=headers, body="boom")
        assert same(memo, readers, error)


def test_the_readers_rule_set_reads_exactly_its_headers(readers: Any) -> None:
    """Names are lowercased; a pattern stays a pattern; the Retry-After source is a name."""
    expected = HeaderReads(("x-flag", "x-wait"), ("x-limit-*",), every=False)
    assert header_reads(readers.classifier) == expected


@pytest.mark.parametrize(
    ("nodes", "extractors"),
    [
        ([PeekingContains(["boom"], sensitive=False)], []),
        ([Contains(["boom"], sensitive=False)], [PeekingSource("wait ", "s")]),
    ],
)
def test_a_reader_of_unknown_kind_reads_every_header(
    nodes: list[Any], extractors: list[Any]
) -> None:
    """A node or source whose kind is not known (a subclass may read anything) makes every
    header count, names and values in order."""
    classifier: Any = SimpleNamespace(
        rules=[SimpleNamespace(node=node) for node in nodes], extractors=extractors
    )
    reads = header_reads(classifier)
    assert reads.every
    assert reads.material({"a": "1", "b": "2"}) == ((2,), ["a", "b", "1", "2"])


def test_material_is_what_the_readers_see() -> None:
    """Present names give their values, absent ones a 0 in the shape; a pattern gives the
    values of every matching name, in order."""
    reads = HeaderReads(("retry-after",), (Header("x-r-*", lambda v: True, "").name,), every=False)
    headers = {"x-r-b": "2", "date": "now", "x-r-a": "1"}
    assert reads.material(headers) == ((0, 2), ["2", "1"])
    assert reads.material({"retry-after": ""}) == ((1, 0), [""])
    assert reads.material({"date": "now", "cf-ray": "1"}) == ((0, 0), ())
    assert HeaderSource("Retry-After", "s").name == "retry-after"


def naive_material(
    reads: HeaderReads, headers: dict[str, str]
) -> tuple[tuple[int, ...], list[str]]:
    """What the readers see, straight from the ``header:`` condition's and the source's reads."""
    shape: list[int] = []
    texts: list[str] = []
    for name in reads.names:
        value = headers.get(name)
        shape.append(value is not None)
        texts.extend([] if value is None else [value])
    for pattern in reads.patterns:
        values = [v for k, v in headers.items() if fnmatch.fnmatchcase(k.lower(), pattern)]
        shape.append(len(values))
        texts.extend(values)
    return tuple(shape), texts


header_names = st.sampled_from(["a", "A", "ab", "x-r-1", "X-R-2", "x-r", "date", "b?", "[a]"])


@settings(max_examples=300, deadline=None)
@given(
    names=st.lists(st.sampled_from(["a", "ab", "x-r", "date"]), unique=True, max_size=3),
    patterns=st.lists(st.sampled_from(["x-r-*", "a?", "[ab]*", "*"]), unique=True, max_size=2),
    batches=st.lists(st.dictionaries(header_names, st.text(max_size=3), max_size=5), max_size=4),
)
def test_material_equals_the_readers_reads(
    names: list[str], patterns: list[str], batches: list[dict[str, str]]
) -> None:
    """For any names, patterns and headers (any case), asked again and again (the remembered
    names answer then), the material is what the readers read, in their order."""
    reads = HeaderReads(tuple(names), tuple(patterns), every=False)
    for headers in batches + batches:
        shape, texts = reads.material(headers)
        assert (shape, list(texts)) == naive_material(reads, headers)
