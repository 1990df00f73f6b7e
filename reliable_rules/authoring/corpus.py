"""Measure a rule set against a JSONL corpus of real failures with expected categories.

The library behind ``reliable-rules test --corpus``. Each non-blank line of the corpus is one
JSON object describing a failure, with the keys ``classify --corpus`` reads:

=========== ==================================================================
key         meaning
=========== ==================================================================
message     the error message (string)
status      the HTTP status (integer)
headers     response headers (object)
body        the response body (string, or any JSON value, sent as JSON)
provider    the provider name (string)
model       the model name (string)
exception   exception class names (string or list of strings)
expected    **required**: the category the rule set must decide, or an object of
            ``Decision.as_dict()`` keys and values that must all match (its
            ``category`` is required and is the one the confusion table uses)
also        a second acceptable label for a borderline case: a list of category
            names, each allowed beside ``expected`` by :data:`ALLOWED_ALSO`
            (a decision in ``also`` counts as right, and so does its behaviour)
id          a record id shown in reports (string or integer)
source      where the failure was seen (string, shown in JSON reports)
note        a remark on the record or its label (string; not scored)
todo        ``true``: a known miss; reported, never counted as a miss
=========== ==================================================================

Other keys are ignored. A capture file (``capture=``, ``classify --capture``) is a corpus
without ``expected``: its count lines (``{"fingerprint", "count", "time"}``, no failure keys)
are skipped like blank lines. A line that is not a JSON object, has a key of the wrong type, or
expects a category the rule set does not define is a *problem* (the corpus could not be
read); the other lines are still classified.

Besides the category, each record is scored by *behaviour*: what an executor does with the
category (:func:`behaviour_of`, one of :data:`BEHAVIOURS`). The expected behaviour is that
of the expected category under the same rule set, the decided one that of the decision's
category, so a miss between two categories the executor treats alike (``timeout`` decided
as ``server_error``) still counts as a correct behaviour.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from reliable_rules._text import closest
from reliable_rules.decision import Decision
from reliable_rules.errors import BadRecord, Problem
from reliable_rules.failure import Failure, to_failure, with_exception_types
from reliable_rules.ruleset.model import RuleSet
from reliable_rules.sanitize import compact
from reliable_rules.taxonomy import Action, Category

__all__ = [
    "ALLOWED_ALSO",
    "BEHAVIOURS",
    "TEXT_LIMIT",
    "BadRecord",
    "CorpusRecord",
    "CorpusReport",
    "behaviour_of",
    "iter_records",
    "json_type",
    "parse_line",
    "record_failure",
    "run_corpus",
]

T = TypeVar("T")

#: How many characters of a record's (sanitised) text a report shows.
TEXT_LIMIT = 100

#: The behaviours :func:`behaviour_of` returns, in the order reports list them.
BEHAVIOURS = ("context_overflow", "give_up", "retry_rate_limited", "retry")

_ALSO_PAIRS = (
    # a request alone over a per-minute token limit: context, or a quota on this provider
    ("context_window_exceeded", "quota_exhausted"),
    # a broken tool history is the caller's bug; a tool-schema reading is accepted
    ("client_error", "tool_schema_error"),
    # a rate limit whose wait exceeds policy.max_wait_ms: give up here, or wait
    ("quota_exhausted", "rate_limited"),
    # a gateway timeout: a server error or a timeout
    ("server_error", "timeout"),
    # auth, missing models and content filters worded as plain bad requests
    ("auth_failed", "client_error"),
    ("model_not_found", "client_error"),
    ("content_filtered", "client_error"),
    # a model's tool call the provider refused (Groq's tool_use_failed, Gemini's
    # MALFORMED_FUNCTION_CALL): native tools failed (the seed falls back to prompt-guided
    # tools) or the output failed to parse (a format switch); both are retried
    ("tool_schema_error", "format_mismatch"),
)
#: The (``expected``, ``also``) label pairs a corpus record may carry (DESIGN.md, "Behaviour
#: labels"): each pair in both directions.
ALLOWED_ALSO: frozenset[tuple[str, str]] = frozenset(
    pair for a, b in _ALSO_PAIRS for pair in ((a, b), (b, a))
)


def behaviour_of(category: Category) -> str:
    """What an executor will do with a failure of ``category``, from its policy alone.

    ``context_overflow`` when the category's action is ``truncate_history`` (drop history
    and retry); otherwise ``give_up`` when it is not retryable (give up on this provider);
    otherwise ``retry_rate_limited`` when it is rate limited (back off, rotate keys);
    otherwise ``retry``. Always one of :data:`BEHAVIOURS`.
    """
    if category.action == Action.TRUNCATE_HISTORY:
        return "context_overflow"
    if not category.retryable:
        return "give_up"
    if category.rate_limited:
        return "retry_rate_limited"
    return "retry"


@dataclass(frozen=True, slots=True)
class CorpusRecord:
    """One classified corpus record.

    ``decision`` is kept only for records that did not match or are ``todo`` (reports show
    their trace); matched records keep just what the confusion table and coverage need.
    ``expected_behaviour`` and ``actual_behaviour`` are :func:`behaviour_of` the expected and
    the decided category (under the rule set the record was classified with).
    """

    line: int
    id: str | int | None
    source: str | None
    expected: str
    actual: str
    rule: str | None
    matched: bool
    todo: bool
    text: str
    expectation: Any
    decision: Decision | None
    expected_behaviour: str
    actual_behaviour: str
    #: The record's ``also`` labels, and the behaviours they lead to.
    also: tuple[str, ...] = ()
    also_behaviours: tuple[str, ...] = ()
    #: Whether the decision matched only thanks to ``also`` (not ``expected``).
    matched_by_also: bool = False
    #: The record's provider (per-provider accuracy in reports).
    provider: str | None = None

    @property
    def behaviour_matched(self) -> bool:
        """Whether the decided category leads to the expected behaviour (or an ``also`` one)."""
        actual = self.actual_behaviour
        return self.expected_behaviour == actual or actual in self.also_behaviours

    @property
    def behaviour_by_also(self) -> bool:
        """Whether the behaviour is right only thanks to ``also``."""
        return self.behaviour_matched and self.expected_behaviour != self.actual_behaviour


@dataclass(frozen=True, slots=True)
class CorpusReport:
    """How a rule set classified one corpus file.

    ``path`` is the corpus as named; ``rules`` the rule file it was classified with (as
    named). ``min_accuracy`` and ``min_behaviour_accuracy`` (percent) are the gates: with
    neither, every miss fails; with either or both, each one given must be met.
    """

    path: str
    rules: str
    records: tuple[CorpusRecord, ...]
    problems: tuple[Problem, ...]
    min_accuracy: float | None = None
    min_behaviour_accuracy: float | None = None

    @property
    def loaded(self) -> bool:
        """Whether every line could be read and checked (no problems)."""
        return not self.problems

    @property
    def scored(self) -> tuple[CorpusRecord, ...]:
        """The records that count for accuracy (every record not marked ``todo``)."""
        return tuple(record for record in self.records if not record.todo)

    @property
    def correct(self) -> int:
        """Number of scored records whose decision matched ``expected``."""
        return sum(1 for record in self.scored if record.matched)

    @property
    def misses(self) -> tuple[CorpusRecord, ...]:
        """The scored records whose decision did not match, in file order."""
        return tuple(record for record in self.scored if not record.matched)

    @property
    def right_by_also(self) -> tuple[CorpusRecord, ...]:
        """Scored records whose category or behaviour is right only by their ``also`` label."""
        return tuple(
            record
            for record in self.scored
            if record.matched_by_also or record.behaviour_by_also
        )

    @property
    def todo(self) -> tuple[CorpusRecord, ...]:
        """The ``todo`` records (matched or not), in file order."""
        return tuple(record for record in self.records if record.todo)

    @property
    def accuracy(self) -> float:
        """Share of scored records that matched, 0.0 to 1.0 (1.0 when none is scored)."""
        scored = len(self.scored)
        return self.correct / scored if scored else 1.0

    @property
    def behaviour_correct(self) -> int:
        """Number of scored records whose decided behaviour is the expected one."""
        return sum(1 for record in self.scored if record.behaviour_matched)

    @property
    def behaviour_accuracy(self) -> float:
        """Share of scored records with the expected behaviour, 0.0 to 1.0 (1.0 when none)."""
        scored = len(self.scored)
        return self.behaviour_correct / scored if scored else 1.0

    @property
    def passed_accuracy_gate(self) -> bool:
        """``min_accuracy`` is not given, or the accuracy is at least that many percent."""
        return self.min_accuracy is None or self.accuracy * 100.0 >= self.min_accuracy

    @property
    def passed_behaviour_gate(self) -> bool:
        """``min_behaviour_accuracy`` is not given, or the behaviour accuracy reaches it."""
        minimum = self.min_behaviour_accuracy
        return minimum is None or self.behaviour_accuracy * 100.0 >= minimum

    @property
    def gated(self) -> bool:
        """Whether an accuracy gate is given (then a miss alone does not fail)."""
        return self.min_accuracy is not None or self.min_behaviour_accuracy is not None

    @property
    def passed_gate(self) -> bool:
        """No miss; or, with ``min_accuracy`` and/or ``min_behaviour_accuracy``, each given
        accuracy reaches its minimum (percent)."""
        if not self.gated:
            return not self.misses
        return self.passed_accuracy_gate and self.passed_behaviour_gate

    @property
    def ok(self) -> bool:
        """Read without problems and through the gate."""
        return self.loaded and self.passed_gate

    @property
    def confusion(self) -> dict[str, dict[str, int]]:
        """Counts of scored records by expected category, then decided category (sorted)."""
        table: dict[str, dict[str, int]] = {}
        for record in self.scored:
            row = table.setdefault(record.expected, {})
            row[record.actual] = row.get(record.actual, 0) + 1
        return {expected: dict(sorted(row.items())) for expected, row in sorted(table.items())}

    @property
    def behaviour_confusion(self) -> dict[str, dict[str, int]]:
        """Counts of scored records by expected behaviour, then decided behaviour: every one
        of :data:`BEHAVIOURS` as row and column (4x4, zeros included), in that order."""
        table = {expected: dict.fromkeys(BEHAVIOURS, 0) for expected in BEHAVIOURS}
        for record in self.scored:
            table[record.expected_behaviour][record.actual_behaviour] += 1
        return table


def json_type(value: object) -> str:
    """The JSON type name of ``value`` (for messages about a key of the wrong type)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _optional_str(record: Mapping[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None or isinstance(value, str):
        return value
    raise BadRecord(f"{key!r} must be a string or null, got {json_type(value)}")


def record_failure(record: Mapping[str, Any]) -> Failure:
    """The failure a corpus record describes (BadRecord for a key of the wrong type)."""
    status = record.get("status")
    if status is not None and (isinstance(status, bool) or not isinstance(status, int)):
        raise BadRecord(f"'status' must be an integer or null, got {json_type(status)}")
    headers = record.get("headers")
    if headers is not None and not isinstance(headers, dict):
        raise BadRecord(f"'headers' must be an object or null, got {json_type(headers)}")
    exception = record.get("exception")
    names: list[str]
    if exception is None:
        names = []
    elif isinstance(exception, str):
        names = [exception]
    elif isinstance(exception, list) and all(isinstance(name, str) for name in exception):
        names = list(exception)
    else:
        raise BadRecord("'exception' must be a string or a list of strings")
    failure = to_failure(
        _optional_str(record, "message") or "",
        status=status,
        headers=headers,
        body=record.get("body"),
        provider=_optional_str(record, "provider"),
        model=_optional_str(record, "model"),
    )
    return with_exception_types(failure, names)


def _expected_category(record: Mapping[str, Any], ruleset: RuleSet) -> str:
    if "expected" not in record:
        raise BadRecord("'expected' is required: the category the rule set must decide")
    expected = record["expected"]
    if isinstance(expected, dict):
        category = expected.get("category")
        if not isinstance(category, str):
            raise BadRecord("an 'expected' object needs a 'category' string")
    elif isinstance(expected, str):
        category = expected
    else:
        raise BadRecord(
            f"'expected' must be a category name or an object, got {json_type(expected)}"
        )
    if category not in ruleset.categories:
        hint = closest(category, ruleset.categories)
        raise BadRecord(
            f"'expected' names unknown category {category!r}{hint} "
            f"(rule set {ruleset.name} defines {', '.join(sorted(ruleset.categories))})"
        )
    return category


def _also(record: Mapping[str, Any], expected: str, ruleset: RuleSet) -> tuple[str, ...]:
    if "also" not in record:
        return ()
    value = record["also"]
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise BadRecord(f"'also' must be a list of category names, got {json_type(value)}")
    for name in value:
        if name not in ruleset.categories:
            hint = closest(name, ruleset.categories)
            raise BadRecord(f"'also' names unknown category {name!r}{hint}")
        if (expected, name) not in ALLOWED_ALSO:
            raise BadRecord(
                f"'also' label {name!r} is not allowed beside expected {expected!r} "
                "(see corpus.ALLOWED_ALSO and docs/rule-format.md, label conventions)"
            )
    return tuple(dict.fromkeys(value))


def _note(record: Mapping[str, Any]) -> None:
    value = record.get("note")
    if value is not None and not isinstance(value, str):
        raise BadRecord(f"'note' must be a string, got {json_type(value)}")


def _matches(answer: Mapping[str, Any], expected: object) -> bool:
    if isinstance(expected, dict):
        return all(key in answer and answer[key] == value for key, value in expected.items())
    return bool(answer["category"] == expected)


def _record_id(record: Mapping[str, Any]) -> str | int | None:
    value = record.get("id")
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise BadRecord(f"'id' must be a string, an integer or null, got {json_type(value)}")


def _todo(record: Mapping[str, Any]) -> bool:
    value = record.get("todo", False)
    if not isinstance(value, bool):
        raise BadRecord(f"'todo' must be true or false, got {json_type(value)}")
    return value


def _lines(path: str) -> Iterator[tuple[int, bytes]]:
    with Path(path).expanduser().open("rb") as handle:
        yield from enumerate(handle, 1)


#: The keys that describe a failure (a line with none of them and a ``fingerprint`` is a
#: capture file's count line, skipped like a blank line).
_FAILURE_KEYS = frozenset({"message", "text", "status", "headers", "body", "exception"})


def parse_line(raw: bytes | str, number: int) -> dict[str, Any] | None:
    """The JSON object on corpus line ``number`` (1-based; a BOM on line 1 is dropped), None
    for a blank line; BadRecord when it is not UTF-8, not JSON, or not an object."""
    if isinstance(raw, str):
        line = raw.lstrip("\ufeff") if number == 1 else raw
    else:
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            raise BadRecord(f"line is not valid UTF-8 (byte offset {error.start})") from None
    if not line.strip():
        return None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise BadRecord(f"invalid JSON: {error.msg} (column {error.colno})") from None
    except (ValueError, RecursionError) as error:  # e.g. an integer too long to convert
        detail = " ".join(str(error).split())[:200] or type(error).__name__
        raise BadRecord(f"invalid JSON: {detail}") from None
    if not isinstance(record, dict):
        raise BadRecord(f"record must be a JSON object, got {json_type(record)}")
    if "fingerprint" in record and not _FAILURE_KEYS.intersection(record):
        return None  # a capture file's count line: more occurrences of a record above
    return record


def iter_records(
    lines: Iterable[tuple[int, bytes | str]], build: Callable[[dict[str, Any]], T]
) -> Iterator[tuple[int, T | BadRecord]]:
    """The one loop over a corpus: for every numbered JSONL line that is not blank, in order,
    ``build(record)``, or the :class:`BadRecord` that the line or ``build`` raised (the line is
    not a JSON object, or the record is not valid). Lazy, so a corpus on stdin streams.
    ``test --corpus`` (:func:`run_corpus`), ``classify --corpus``, ``diff --corpus`` and
    ``lint --corpus`` read corpora through it."""
    for number, raw in lines:
        try:
            record = parse_line(raw, number)
            if record is None:
                continue
            item = build(record)
        except BadRecord as error:
            yield number, error
            continue
        yield number, item


def run_corpus(
    ruleset: RuleSet,
    path: str,
    *,
    rules: str = "",
    min_accuracy: float | None = None,
    min_behaviour_accuracy: float | None = None,
) -> CorpusReport:
    """Classify every record of the JSONL file ``path`` with ``ruleset``; never raises for bad
    input (an unreadable file or bad lines are :attr:`CorpusReport.problems`).

    Args:
        ruleset: the rule set to classify with.
        path: the corpus file.
        rules: the rule file as named, kept for reports (default ``ruleset.source``).
        min_accuracy: the accuracy gate in percent.
        min_behaviour_accuracy: the behaviour accuracy gate in percent (with neither gate,
            every miss fails).
    """
    records: list[CorpusRecord] = []
    problems: list[Problem] = []
    shown_rules = rules or ruleset.source
    target = Path(path).expanduser()
    if target.is_dir():
        problem = Problem(path, 1, 1, f"cannot read corpus {path!r}: is a directory", "unreadable")
        return CorpusReport(
            path, shown_rules, (), (problem,), min_accuracy, min_behaviour_accuracy
        )
    def scored(record: dict[str, Any]) -> CorpusRecord:
        """The record checked (BadRecord), classified and scored; its line is set below."""
        expected = _expected_category(record, ruleset)
        also = _also(record, expected, ruleset)
        _note(record)
        record_id = _record_id(record)
        todo = _todo(record)
        failure = record_failure(record)
        decision = ruleset.classify(failure)
        matched = _matches(decision.as_dict(), record["expected"])
        by_also = not matched and decision.category in also
        matched = matched or by_also
        source = record.get("source")
        return CorpusRecord(
            line=0,
            id=record_id,
            source=source if isinstance(source, str) else None,
            expected=expected,
            actual=decision.category,
            rule=decision.rule_id,
            matched=matched,
            todo=todo,
            text=compact(failure.text, limit=TEXT_LIMIT),
            expectation=record["expected"],
            decision=None if matched and not todo else decision,
            expected_behaviour=behaviour_of(ruleset.categories[expected]),
            actual_behaviour=behaviour_of(decision.verdict.category),
            also=also,
            also_behaviours=tuple(
                dict.fromkeys(behaviour_of(ruleset.categories[name]) for name in also)
            ),
            matched_by_also=by_also,
            provider=failure.provider,
        )

    try:
        for number, item in iter_records(_lines(path), scored):
            if isinstance(item, BadRecord):
                problems.append(Problem(path, number, 1, str(item), "bad-record"))
            else:
                records.append(replace(item, line=number))
    except OSError as error:
        code = "missing-file" if isinstance(error, FileNotFoundError) else "unreadable"
        message = f"cannot read corpus {path!r}: {error.strerror or error}"
        problems.append(Problem(path, 1, 1, message, code))
    return CorpusReport(
        path, shown_rules, tuple(records), tuple(problems), min_accuracy, min_behaviour_accuracy
    )
