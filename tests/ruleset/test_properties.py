"""Hypothesis: classification never raises, and the loader raises nothing but RuleSetError."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reliable_rules
from reliable_rules import (
    Decision,
    Failure,
    Problem,
    RuleSet,
    RuleSetError,
    load_rules,
    to_failure,
)
from reliable_rules.ruleset.compile import MATCHER_KEYS as COMPILER_MATCHER_KEYS

SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MAX_MS = 2**64 - 1
RULE_SETS = {name: load_rules(name) for name in ("builtin:default", "builtin:seed")}

# ── odd inputs for classify ─────────────────────────────────────────────────────────────

json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
status_like = st.one_of(
    st.none(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.sampled_from([429, 401, 403, 404, 408, 500, 503, 529, 200, 0, 9999, 10000]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
)
headers_like = st.one_of(
    st.none(),
    st.dictionaries(
        st.text(max_size=20) | st.sampled_from(["Retry-After", "retry-after-ms", "RETRY-AFTER"]),
        st.text(max_size=40)
        | st.integers()
        | st.floats()
        | st.sampled_from(["5", "1e400", "-1", "nan", "Wed, 21 Oct 2015 07:28:00 GMT", "6m0s"]),
        max_size=4,
    ),
    st.lists(st.tuples(st.text(max_size=10), st.text(max_size=10)), max_size=3),
    st.integers(),
)
message_like = st.one_of(
    st.text(),
    st.text(alphabet="0123456789 .:-_{}[]\"'retyaTRYAfoMnqsuwk", max_size=80),
    st.sampled_from(
        [
            "429 Too Many Requests, Retry-After: 5",
            'API error (429 Too Many Requests): {"code":1311,"message":"plan"}',
            "retry-after: 99999999999999999999999999",
            "retry_after " + "9" * 400,
            "maximum context length exceeded",
            "{" * 500,
            "[" * 500 + "]" * 500,
        ]
    ),
)


class RaisingAttributes:
    """Every attribute access raises (a dead lazy proxy)."""

    def __getattribute__(self, name: str) -> Any:
        raise RuntimeError(name)


class RaisingDunderStr(Exception):
    """An exception whose __str__ and __repr__ raise."""

    def __str__(self) -> str:
        raise ValueError("no str")

    def __repr__(self) -> str:
        raise ValueError("no repr")


class StrReturnsNonString(Exception):
    """An exception whose __str__ returns an int (so str() raises TypeError)."""

    def __str__(self) -> Any:
        return 42  # noqa: PLE0307 — a broken __str__ is the point of this class


class RaisingProperties:
    """status_code, response, headers and body all raise."""

    @property
    def status_code(self) -> int:
        raise RuntimeError("status_code")

    @property
    def response(self) -> Any:
        raise KeyError("response")

    @property
    def headers(self) -> Any:
        raise OSError("headers")

    @property
    def body(self) -> Any:
        raise MemoryError("body")


class HeadersThatExplode:
    """A headers container whose items() raises half-way through."""

    def items(self) -> Any:
        yield ("retry-after", "1")
        raise RuntimeError("mid-iteration")


def _sdk_error(message: str, status: Any, headers: Any, body: Any) -> BaseException:
    class FakeResponse:
        def __init__(self) -> None:
            self.status_code = status
            self.headers = headers
            self.text = body if isinstance(body, str) else None

    error = Exception(message)
    error.status_code = status  # type: ignore[attr-defined]
    error.response = FakeResponse()  # type: ignore[attr-defined]
    error.body = body  # type: ignore[attr-defined]
    return error


def _cause_cycle(message: str, length: int) -> BaseException:
    errors = [RuntimeError(f"{message} #{i}") for i in range(length)]
    for current, following in zip(errors, [*errors[1:], errors[0]], strict=True):
        current.__cause__ = following
        current.__context__ = following
    return errors[0]


def _self_context(message: str) -> BaseException:
    error = ValueError(message)
    error.__context__ = error
    error.__cause__ = error
    return error


def _args_cycle(message: str) -> BaseException:
    error = OSError(message)
    error.args = (message, error)
    return error


def _deep_chain(message: str, depth: int) -> BaseException:
    error: BaseException = TimeoutError(message)
    for index in range(depth):
        wrapper = RuntimeError(f"level {index}")
        wrapper.__cause__ = error
        error = wrapper
    return error


def _deep_list(depth: int) -> list[Any]:
    root: list[Any] = []
    current = root
    for _ in range(depth):
        child: list[Any] = []
        current.append(child)
        current = child
    return root


def _self_dict(message: str) -> dict[str, Any]:
    loop: dict[str, Any] = {"message": message}
    loop["self"] = loop
    return loop


odd_objects: st.SearchStrategy[Any] = st.one_of(
    st.builds(RaisingAttributes),
    st.builds(RaisingDunderStr),
    st.builds(StrReturnsNonString),
    st.just(RaisingProperties()),
    st.builds(
        _sdk_error, message_like, status_like, headers_like, json_like | st.binary(max_size=50)
    ),
    st.builds(_sdk_error, message_like, status_like, st.just(HeadersThatExplode()), st.none()),
    st.builds(_cause_cycle, message_like, st.integers(1, 40)),
    st.builds(_self_context, message_like),
    st.builds(_args_cycle, message_like),
    st.builds(_deep_chain, message_like, st.integers(1, 3000)),
    st.builds(_deep_list, st.integers(1, 5000)),
    st.builds(_self_dict, message_like),
    st.sampled_from([object(), type, Ellipsis, NotImplemented, math.nan, math.inf, 10**400, 1j]),
    st.builds(bytearray, st.binary(max_size=50)),
    st.builds(memoryview, st.binary(max_size=50)),
    st.builds(Failure, message_like),
)
anything: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    message_like,
    st.binary(),
    st.integers(),
    st.floats(),
    json_like,
    odd_objects,
)


def _check_decision(rules: RuleSet, decision: Any) -> None:
    assert isinstance(decision, Decision)
    assert decision.category in rules.categories
    assert decision.retry_after_ms is None or 0 <= decision.retry_after_ms <= MAX_MS
    assert isinstance(decision.reason, str)
    assert isinstance(decision.as_dict(), dict)


@pytest.mark.parametrize("name", sorted(RULE_SETS))
@SETTINGS
@given(error=anything)
def test_classify_never_raises(name: str, error: Any) -> None:
    """classify(anything) returns a Decision whose category the rule set knows."""
    rules = RULE_SETS[name]
    _check_decision(rules, rules.classify(error))


@pytest.mark.parametrize("name", sorted(RULE_SETS))
@SETTINGS
@given(
    error=anything,
    status=status_like,
    headers=headers_like,
    body=st.none() | json_like | st.binary(max_size=100) | message_like,
    provider=st.none() | st.text(max_size=10) | st.integers(),
    model=st.none() | st.text(max_size=10) | st.just(object()),
)
def test_classify_with_keywords_never_raises(
    name: str, *, error: Any, status: Any, headers: Any, body: Any, provider: Any, model: Any
) -> None:
    """classify with odd status/headers/body/provider/model keywords still returns a Decision."""
    rules = RULE_SETS[name]
    decision = rules.classify(
        error, status=status, headers=headers, body=body, provider=provider, model=model
    )
    _check_decision(rules, decision)


@SETTINGS
@given(error=anything.filter(lambda value: not isinstance(value, RaisingAttributes)))
def test_explain_never_raises(error: Any) -> None:
    """Decision.explain() gives a text trace for any input."""
    assert isinstance(reliable_rules.classify(error).explain(), str)


@SETTINGS
@given(
    # RaisingAttributes is covered by test_failure.py's unit test; leaving it out here keeps
    # this property able to find other defects.
    error=anything.filter(lambda value: not isinstance(value, RaisingAttributes)),
    status=status_like,
    headers=headers_like,
    body=st.none() | json_like | st.binary(max_size=100),
)
def test_to_failure_never_raises(error: Any, status: Any, headers: Any, body: Any) -> None:
    """to_failure normalises anything into a Failure with a str message and lower-case headers."""
    failure = to_failure(error, status=status, headers=headers, body=body)
    assert isinstance(failure, Failure)
    assert isinstance(failure.message, str)
    assert failure.status is None or isinstance(failure.status, int)
    assert all(name == name.lower() for name in failure.headers)
    assert failure.body is None or isinstance(failure.body, str)
    assert isinstance(failure.text, str)


@pytest.mark.parametrize("name", sorted(RULE_SETS))
@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: "x" * 10_000_000, id="plain"),
        pytest.param(
            lambda: ("429 Too Many Requests retry-after: 5 " * 300_000)[:10_000_000], id="hits"
        ),
        pytest.param(lambda: "1" * 10_000_000, id="one-digit-run"),
        pytest.param(lambda: "{" * 10_000_000, id="json-openers"),
        pytest.param(lambda: b"\xff" * 10_000_000, id="bytes"),
    ],
)
def test_ten_megabyte_input_classifies_in_under_two_seconds(
    name: str, make: Callable[[], Any]
) -> None:
    """A 10 MB string (or bytes) classifies in under 2 s."""
    rules = RULE_SETS[name]
    text = make()
    started = time.perf_counter()
    decision = rules.classify(text)
    elapsed = time.perf_counter() - started
    _check_decision(rules, decision)
    assert elapsed < 2.0, f"{elapsed:.2f} s"


# ── the loader on arbitrary input ───────────────────────────────────────────────────────

TOP_KEYS = [
    "format",
    "name",
    "revision",
    "description",
    "extends",
    "disable",
    "conditions",
    "categories",
    "rules",
    "retry_after",
    "policy",
    "rulez",
    "extend",
]
# Every matcher key the compiler knows (so a new matcher is fuzzed too), its modifier, a typo.
MATCHER_KEYS = [*COMPILER_MATCHER_KEYS, "case", "contain"]
INNER_KEYS = [
    "id",
    "when",
    "then",
    "tests",
    "category",
    "min",
    "max",
    "except",
    "in",
    "path",
    "equals",
    "matches",
    "exists",
    "name",
    "text",
    "expect",
    "rule",
    "retryable",
    "rate_limited",
    "action",
    "rotate_key",
    "backoff",
    "base_ms",
    "factor",
    "jitter",
    "retry_after_cap_ms",
    "over_cap",
    "header",
    "prefix",
    "unit",
    "references",
]
VALUES = [
    "reliable-rules/v1",
    "reliable-rules/v2",
    "builtin:default",
    "builtin:seed",
    "builtin:nope",
    "other.yaml",
    "fuzz.yaml",
    "missing.yaml",
    "rate_limited",
    "unknown",
    "server_error",
    "rate_limit",
    "seed.status.auth",
    "auth_hint",
    "sensitive",
    "retry",
    "abort",
    "ms",
    "auto",
    "(",
    "a(b",
    "[0-9]+",
    "(x)",
    "error.code",
    "error..code",
    "*",
    "none",
    "any",
    429,
    500,
    400,
    -1,
    0,
    10**30,
    1.5,
    float("nan"),
    float("inf"),
    True,
    False,
    None,
    "",
]

scalars = st.sampled_from(VALUES) | st.text(max_size=12) | st.integers() | st.floats()
keys = st.sampled_from(TOP_KEYS + MATCHER_KEYS + INNER_KEYS) | st.text(max_size=8)
yamlish = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=40,
)


def _one(key: str, value: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(lambda v: {key: v}, value)


statuses = st.sampled_from([429, 500, 401, -1, 10**30, "none", "any", "x", True]) | st.lists(
    st.sampled_from([401, 403, 429, "a"]), max_size=3
)
ranges = st.fixed_dictionaries(
    {
        "min": st.sampled_from([400, 500, 0, -5, 10**30]),
        "max": st.sampled_from([499, 400, 599, 10**6]),
    },
    optional={
        "except": st.lists(st.sampled_from([408, 429, "x"]), max_size=2),
        "in": st.lists(st.sampled_from([401, 429]), max_size=2),
    },
)
patterns = st.sampled_from(
    ["(", "a(b", "[0-9]+", "(x)", "a{99999999999}", "(?<=a+)b", "\\", ""]
) | st.text(alphabet="()[]{}*+?|\\^$.ab09", max_size=8)
value_tests = st.fixed_dictionaries(
    {"path": st.sampled_from(["error.code", "error..code", "*", "a.0.b", ""])},
    optional={
        "equals": scalars,
        "in": st.lists(scalars, max_size=2),
        "matches": patterns,
        "exists": st.booleans() | scalars,
    },
)
leaf_matchers = st.one_of(
    _one("status", statuses | ranges),
    _one("text_status", ranges | scalars),
    _one(
        "contains", st.sampled_from(["429", "rate", ""]) | st.lists(st.text(max_size=5), max_size=3)
    ),
    st.builds(
        lambda p, c: {"regex": p, "case": c},
        patterns,
        st.sampled_from(["sensitive", "insensitive", 1]),
    ),
    _one("regex", patterns),
    _one("json", value_tests),
    _one("header", value_tests.map(lambda v: {"name": v.pop("path"), **v})),
    _one("exception", st.sampled_from(["Timeout", ""]) | st.lists(st.text(max_size=5), max_size=2)),
    _one("provider", st.sampled_from(["zai", "azure*", "["])),
    _one("model", st.sampled_from(["glm-*", "?"])),
    _one("condition", st.sampled_from(["a", "b", "auth_hint", "rate_limited", "nope", "a b"])),
    st.dictionaries(st.sampled_from(MATCHER_KEYS), scalars, min_size=1, max_size=2),
)
matchers = st.recursive(
    leaf_matchers,
    lambda children: (
        _one("all", st.lists(children, max_size=3))
        | _one("any", st.lists(children, max_size=3))
        | _one("not", children)
    ),
    max_leaves=12,
)
rule_like = st.fixed_dictionaries(
    {"id": st.sampled_from(["r1", "r2", "seed.status.auth", "x", "bad id"])},
    optional={
        "when": matchers,
        "then": st.fixed_dictionaries({"category": st.sampled_from(VALUES[8:13]) | scalars}),
        "tests": st.lists(
            st.dictionaries(st.sampled_from(INNER_KEYS), scalars, max_size=3), max_size=2
        ),
        "description": scalars,
    },
)
extractors = st.one_of(
    st.builds(
        lambda k, v, u: {k: v, "unit": u},
        st.sampled_from(["header", "prefix", "regex", "json"]),
        st.sampled_from(["retry-after", "(\\d+)", "wait", "error..x", "("]) | patterns,
        st.sampled_from(["s", "ms", "auto", "h"]),
    ),
    st.dictionaries(
        st.sampled_from(["header", "prefix", "regex", "json", "unit"]), scalars, max_size=2
    ),
)
document = st.fixed_dictionaries(
    {},
    optional={
        "format": st.sampled_from(["reliable-rules/v1"] * 8 + ["reliable-rules/v2", 1]),
        "name": st.sampled_from(["fuzz"] * 4 + ["a b", ""]) | scalars,
        "extends": st.sampled_from(["builtin:seed", "other.yaml", "fuzz.yaml", "missing.yaml"])
        | st.lists(
            st.sampled_from(["builtin:seed", "builtin:nope", "other.yaml", "fuzz.yaml"]), max_size=3
        )
        | yamlish,
        "disable": st.lists(st.sampled_from(["seed.status.auth", "r1"]) | scalars, max_size=3)
        | yamlish,
        "conditions": st.dictionaries(
            st.sampled_from(["a", "b", "auth_hint", "rate_limited", "bad name"]),
            matchers | yamlish,
            max_size=3,
        ),
        "categories": st.dictionaries(
            st.sampled_from(["rate_limited", "mine", "Bad"]),
            st.fixed_dictionaries(
                {"retryable": st.booleans()},
                optional={
                    "action": st.sampled_from(["retry", "abort", "fly"]),
                    "rate_limited": st.booleans(),
                },
            )
            | yamlish,
            max_size=2,
        ),
        "rules": st.lists(rule_like, max_size=4) | st.lists(rule_like | yamlish, max_size=3),
        "retry_after": st.lists(extractors, max_size=3) | yamlish,
        "policy": st.fixed_dictionaries(
            {},
            optional={
                "backoff": st.dictionaries(st.sampled_from(INNER_KEYS[20:25]), scalars, max_size=3),
                "retry_after_cap_ms": scalars,
                "over_cap": scalars,
            },
        )
        | yamlish,
    },
).flatmap(
    lambda fixed: st.one_of(st.just({}), st.dictionaries(keys, yamlish, max_size=1)).map(
        lambda extra: {**fixed, **extra}
    )
)

_LINE_BREAKS = re.compile(rb"\r\n|\r|\n")
SEED_TEXT = (Path(reliable_rules.__file__).parent.parent / "rules" / "seed.yaml").read_text(
    encoding="utf-8"
)


@st.composite
def mutated_seed(draw: st.DrawFn) -> str:
    """builtin:seed's text with a few random edits: cut, insert, duplicate or re-indent lines."""
    text = SEED_TEXT
    for _ in range(draw(st.integers(1, 3))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 40)))
        edit = draw(st.sampled_from(["cut", "insert", "duplicate", "indent"]))
        if edit == "cut":
            text = text[:start] + text[end:]
        elif edit == "insert":
            filler = draw(
                st.text(alphabet=" -:{}[]&*!|>#'\"\n\t0123456789abcxyz\x00\x85\u2028", max_size=12)
            )
            text = text[:start] + filler + text[start:]
        elif edit == "duplicate":
            text = text[:end] + text[start:end] + text[end:]
        else:
            text = text[:start] + "  " + text[start:]
    return text


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding the fuzzed file and a valid base it may extend."""
    directory = tmp_path_factory.mktemp("fuzz")
    (directory / "other.yaml").write_text(
        "format: reliable-rules/v1\nname: other\nextends: builtin:seed\n"
        "rules:\n  - id: other.r\n    when: {contains: other}\n    then: {category: timeout}\n",
        encoding="utf-8",
    )
    return directory


def _load_only_rule_set_error(directory: Path, raw: bytes) -> None:
    path = directory / "fuzz.yaml"
    path.write_bytes(raw)
    try:
        rules = load_rules(path)
    except RuleSetError as error:
        _check_problems(error.problems, raw)
        return
    except Exception as error:  # noqa: BLE001 — anything but RuleSetError is the defect sought
        pytest.fail(
            f"load_rules raised {type(error).__name__}: {error!r}\n"
            f"input ({len(raw)} bytes): {raw[:2000]!r}"
        )
    assert isinstance(rules, RuleSet)
    _check_decision(rules, rules.classify("429 Too Many Requests"))


def _check_problems(problems: tuple[Problem, ...], raw: bytes) -> None:
    assert problems, "RuleSetError without problems"
    # Editors count "\r\n", "\r" and "\n" as line breaks (YAML 1.2 and editors do not count
    # U+0085/U+2028/U+2029); an end-of-input error may point one line past the last.
    limit = len(_LINE_BREAKS.split(raw)) + 1
    for problem in problems:
        assert problem.line >= 1, problem
        assert problem.column >= 1, problem
        assert problem.message.strip(), problem
        assert problem.code, problem
        assert problem.file, problem
        if Path(problem.file).name == "fuzz.yaml":
            assert problem.line <= limit, f"line {problem.line} beyond the file's end: {problem}"


@SETTINGS
@given(text=st.text())
def test_loader_on_arbitrary_text(fuzz_dir: Path, text: str) -> None:
    """load_rules on arbitrary text raises nothing but RuleSetError, with sane positions."""
    _load_only_rule_set_error(fuzz_dir, text.encode("utf-8", "surrogatepass"))


@SETTINGS
@given(raw=st.binary())
def test_loader_on_arbitrary_bytes(fuzz_dir: Path, raw: bytes) -> None:
    """load_rules on arbitrary bytes raises nothing but RuleSetError."""
    _load_only_rule_set_error(fuzz_dir, raw)


@pytest.mark.slow
@SETTINGS
@given(data=document, flow=st.booleans())
def test_loader_on_rule_shaped_yaml(fuzz_dir: Path, data: dict[Any, Any], flow: bool) -> None:
    """load_rules on random rule-format-shaped YAML raises nothing but RuleSetError."""
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True, sort_keys=False)
    _load_only_rule_set_error(fuzz_dir, text.encode("utf-8", "surrogatepass"))


@pytest.mark.slow
@SETTINGS
@given(data=yamlish)
def test_loader_on_random_yaml_documents(fuzz_dir: Path, data: Any) -> None:
    """load_rules on any YAML document built from rule-format words raises only RuleSetError."""
    text = yaml.safe_dump(data, allow_unicode=True)
    _load_only_rule_set_error(fuzz_dir, text.encode("utf-8", "surrogatepass"))


@pytest.mark.slow
@SETTINGS
@given(text=mutated_seed())
def test_loader_on_mutated_builtin_seed(fuzz_dir: Path, text: str) -> None:
    """load_rules on builtin:seed's text with random edits raises only RuleSetError."""
    _load_only_rule_set_error(fuzz_dir, text.encode("utf-8", "surrogatepass"))
