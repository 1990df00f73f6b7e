"""Exceptions raised by reliable_rules.

Every exception the library raises on purpose derives from one base, so callers can catch
the whole family with a single ``except``::

    ReliableRulesError
    ├── RuleSetError              a rule file (or a chain of ``extends``) has problems;
    │   │                         ``.problems`` lists every one, each with file:line:col
    │   └── RuleSourceError       a rule source name cannot be resolved (``builtin:nope``)
    ├── ExecutionError            a call through the executor did not produce an answer;
    │   │                         ``.attempts`` holds every attempt record, ``.trail`` the
    │   │                         seed-style failure lines, ``__cause__`` the last error
    │   ├── AllProvidersFailed    every model, provider and retry failed, or a rule said abort
    │   ├── ContextWindowExceeded the request overflows the context window and cannot shrink
    │   ├── DeadlineExceeded      ``deadline_s`` ran out (also a ``TimeoutError``)
    │   ├── CallCancelled         ``close()`` or a ``CancelToken`` stopped the call
    │   └── NoStreamingProvider   no provider can stream this request
    ├── AttemptTimeout            one attempt outlived ``attempt_timeout_s`` (a ``TimeoutError``);
    │                             never raised to callers: it is the failure the rules classify
    ├── MissingExtra              an optional integration's package is not installed (also an
    │                             ``ImportError``); the message names the extra to install
    ├── BadRecord                 a corpus line that cannot be read (also a ``ValueError``)
    ├── AmbiguousCorpusRules      corpora given with several rule files and no ``--rules``
    │                             (also a ``ValueError``)
    ├── ProviderHTTPError         a provider adapter got a non-2xx answer (status, headers, body)
    ├── ProviderStreamError       a provider reported an error inside a stream
    ├── MalformedResponseError    a 2xx answer that is not the expected shape
    │   └── ResponseTooLarge      a 2xx answer or stream line past the adapter's size limit
    ├── ResponseTimeout           reading an answer outlived a time bound (a ``TimeoutError``)
    ├── ResponseInterrupted       the connection broke mid-answer (a ``ConnectionError``)
    ├── EmptyResponse             a 2xx answer with no text and no tool calls (the rules classify
    │                             it: ``empty_response`` in builtin:default)
    ├── InvalidToolCall           a prompt-guided tool call in an answer is not a call of an
    │                             offered tool (``tool_schema_error`` in the shipped rules)
    ├── ModelFallbackError        ``model_fallbacks`` has a cycle or a chain deeper than 3 (also a
    │                             ``ValueError``; raised when the executor is built)
    └── ResponseFormatMismatch    the answer did not parse in the requested format (raise it
                                  from your own parsing to trigger the format fallback)

The original exception, where there is one, is kept as ``__cause__``. Messages never contain
secrets: every error detail goes through :func:`reliable_rules.sanitize.compact`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reliable_rules.sanitize import compact

if TYPE_CHECKING:
    from reliable_rules.chat import Usage
    from reliable_rules.decision import Decision

__all__ = [
    "AllProvidersFailed",
    "AmbiguousCorpusRules",
    "AttemptRecord",
    "AttemptTimeout",
    "BadRecord",
    "CallCancelled",
    "ContextWindowExceeded",
    "DeadlineExceeded",
    "EmptyResponse",
    "ExecutionError",
    "InvalidToolCall",
    "MissingExtra",
    "ModelFallbackError",
    "NoStreamingProvider",
    "Problem",
    "ReliableRulesError",
    "ResponseFormatMismatch",
    "RuleSetError",
    "RuleSourceError",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One defect found while loading a rule file.

    ``line`` and ``column`` are 1-based; ``code`` is a stable, machine-readable name for the
    kind of defect (``yaml-syntax``, ``unknown-key``, ``bad-regex``, …) that tools can filter on.
    """

    file: str
    line: int
    column: int
    message: str
    code: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        """The problem as JSON output shows it (``file, line, column, message, code``)."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "code": self.code,
        }

    def sort_key(self) -> tuple[str, int, int, str]:
        """Order problems by place in the file, then message, for stable output."""
        return (self.file, self.line, self.column, self.message)


#: How long an error detail may be in a trail line (the seed folds whitespace but does not
#: bound; provider bodies can be megabytes).
DETAIL_LIMIT = 600

@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One call to one provider and model.

    ``attempt`` counts calls on this (provider, model) pair from 1; ``max_attempts`` is the
    pair's budget (``max_retries + 1``, plus one per repair: a truncation or format switch).
    ``action`` is what the executor did next: ``success``, ``retry``, ``rotate_key``,
    ``next_provider``, ``next_model``, ``truncate_history``, ``switch_format``,
    ``prompt_tools`` (tools rejected: the same pair again with the tools in the prompt),
    ``cool_down``, ``abort`` or ``give_up`` (budget exhausted). ``wait_ms`` is the sleep
    before the next attempt. ``usage`` is the tokens the provider billed for this attempt
    (an answer, or one rejected after it was billed: an empty answer, say), when known.
    """

    provider: str
    model: str
    attempt: int
    max_attempts: int
    decision: Decision | None
    error: BaseException | None = field(default=None, repr=False, compare=False)
    action: str = "success"
    wait_ms: int = 0
    api_key_hint: str | None = None
    elapsed_ms: float = 0.0
    usage: Usage | None = None

    @property
    def failed(self) -> bool:
        """Whether the attempt raised."""
        return self.decision is not None

    @property
    def reason(self) -> str:
        """The seed's reason string (``retryable``, ``non_retryable``, ``rate_limited``, …)."""
        return "success" if self.decision is None else self.decision.reason

    @property
    def detail(self) -> str:
        """The error text, sanitised, whitespace folded and bounded (empty on success)."""
        if self.decision is None:
            return ""
        failure = self.decision.failure
        # The message already carries the cause chain (the seed's "{:#}"); a bare body is
        # what is left when the error had no text of its own.
        return compact(failure.message or failure.body or "", limit=DETAIL_LIMIT)

    @property
    def line(self) -> str:
        """The seed's trail line: ``provider=P model=M attempt A/N: REASON; error=DETAIL``
        (a success ends at ``success``: there is no error to show)."""
        head = (
            f"provider={self.provider} model={self.model} attempt "
            f"{self.attempt}/{self.max_attempts}: {self.reason}"
        )
        return head if self.decision is None else f"{head}; error={self.detail}"


#: The message of an :class:`ExecutionError` shows at most this many of the last attempts …
TRAIL_MAX_LINES = 8
#: … in at most this many bytes of UTF-8 (``.attempts`` and ``.trail`` keep every one).
TRAIL_MAX_BYTES = 2048


def bounded_trail(trail: Sequence[str]) -> str:
    """The last :data:`TRAIL_MAX_LINES` trail lines that fit in :data:`TRAIL_MAX_BYTES`
    (always the last one), after a line ``… and N earlier attempts`` when some are left out."""
    kept: list[str] = []
    size = 0
    for line in reversed(trail[-TRAIL_MAX_LINES:]):
        cost = len(line.encode()) + 1
        if kept and size + cost > TRAIL_MAX_BYTES - 64:  # room for the "… and N" line
            break
        kept.append(line)
        size += cost
    kept.reverse()
    omitted = len(trail) - len(kept)
    if omitted:
        noun = "attempt" if omitted == 1 else "attempts"
        kept.insert(0, f"… and {omitted} earlier {noun}")
    return "\n".join(kept)


class ReliableRulesError(Exception):
    """Base class of every exception raised by reliable_rules."""


class RuleSetError(ReliableRulesError):
    """A rule set could not be loaded; ``problems`` holds every defect found, in file order."""

    problems: tuple[Problem, ...]

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(sorted(problems, key=Problem.sort_key))
        count = len(self.problems)
        head = "\n".join(str(problem) for problem in self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{count} {noun} in rule set:\n{head}" if count else "invalid rule set")


class RuleSourceError(RuleSetError):
    """A rule source name (``builtin:NAME`` or a path) does not name a loadable file."""


class ExecutionError(ReliableRulesError):
    """The executor gave up on a call.

    ``attempts`` holds a frozen record of every attempt in order (provider, model, attempt
    number, decision, wait); ``trail`` the seed-style lines
    ``provider=P model=M attempt A/N: REASON; error=DETAIL`` (sanitised), which the message
    also lists, bounded: the last 8 that fit in 2,048 bytes, after ``… and N earlier
    attempts`` (:func:`bounded_trail`). ``__cause__`` is the last provider error,
    ``primary_error`` the first.
    """

    attempts: tuple[AttemptRecord, ...]

    def __init__(self, headline: str, attempts: Sequence[AttemptRecord] = ()) -> None:
        self.attempts = tuple(attempts)
        self.headline = headline
        trail = self.trail
        super().__init__(f"{headline} Attempts:\n" + bounded_trail(trail) if trail else headline)

    def __reduce__(self) -> tuple[object, ...]:
        # Attempt records hold live exceptions and rule sets that need not pickle; across a
        # process boundary the (sanitised) message is what survives.
        return (_rebuild, (type(self), str(self)))

    @property
    def trail(self) -> tuple[str, ...]:
        """One sanitised line per failed attempt, as the seed writes them."""
        return tuple(record.line for record in self.attempts if record.failed)

    @property
    def primary_error(self) -> BaseException | None:
        """The first attempt's error (what the converge seed returns when fallbacks fail)."""
        for record in self.attempts:
            if record.error is not None:
                return record.error
        return None

    @property
    def last_error(self) -> BaseException | None:
        """The last attempt's error."""
        for record in reversed(self.attempts):
            if record.error is not None:
                return record.error
        return None

    @property
    def last_decision(self) -> Decision | None:
        """How the rules classified the last failure."""
        for record in reversed(self.attempts):
            if record.decision is not None:
                return record.decision
        return None


def _rebuild(cls: type[ExecutionError], message: str) -> ExecutionError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.attempts = ()
    error.headline = message
    if isinstance(error, AllProvidersFailed):
        error.aborted_by = None
    return error


class AllProvidersFailed(ExecutionError):
    """Every model, provider and retry failed (``All providers/models failed. Attempts:``), or a
    rule's ``abort`` action stopped the call early (then ``aborted_by`` is that decision)."""

    def __init__(
        self,
        attempts: Sequence[AttemptRecord] = (),
        *,
        aborted_by: Decision | None = None,
    ) -> None:
        self.aborted_by = aborted_by
        if aborted_by is None:
            headline = "All providers/models failed."
        else:
            rule = aborted_by.rule_id or "no rule"
            headline = (
                f"Request aborted: {aborted_by.category} ({rule}) is not worth another "
                "provider or model."
            )
        super().__init__(headline, attempts)


class ContextWindowExceeded(ExecutionError):
    """The request overflows the model's context window and truncation cannot shrink it."""


class DeadlineExceeded(ExecutionError, TimeoutError):
    """The call's ``deadline_s`` ran out (sleeps included)."""


class CallCancelled(ExecutionError):
    """The call was cancelled: ``executor.close()`` or the call's ``CancelToken``."""


class NoStreamingProvider(ExecutionError):
    """No configured provider can stream (tool events, when the request has tools)."""


class AttemptTimeout(ReliableRulesError, TimeoutError):
    """One attempt did not finish within ``attempt_timeout_s``; the rules classify it (the
    default rules call it ``timeout``) and the executor moves on while the attempt's worker
    thread is left to finish on its own."""


class EmptyResponse(ReliableRulesError):
    """A provider answered 2xx with no text and no tool calls (or only reasoning content).

    The executor raises it inside the attempt, so the rules decide what happens next
    (``empty_response`` in builtin:default: retried, then the next provider); its message
    starts with ``Empty response from model``. ``usage`` is what the provider billed for it.
    """

    def __init__(self, message: str, *, usage: Usage | None = None) -> None:
        super().__init__(message)
        self.usage = usage


class InvalidToolCall(ReliableRulesError):
    """An answer to a prompt-guided tools request has a ``<tool_call>`` block that is not a
    call of an offered tool (not JSON, no name, an unknown name).

    The rules classify it (``tool_schema_error`` in the shipped rules: retried, then the next
    provider); ``usage`` is what the provider billed for the answer.
    """

    def __init__(self, message: str, *, usage: Usage | None = None) -> None:
        super().__init__(message)
        self.usage = usage


class ModelFallbackError(ReliableRulesError, ValueError):
    """``model_fallbacks`` cannot be followed: a model falls back to itself through its
    fallbacks (a cycle), or a chain of fallbacks of fallbacks is deeper than the limit (3).

    ``chain`` is the path that shows it, from the requested model (``("a", "b", "a")`` for a
    cycle).
    """

    def __init__(self, message: str, *, chain: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.chain = tuple(chain)


class ResponseFormatMismatch(ReliableRulesError):
    """The answer did not parse in the requested format.

    Raise it from your own parsing inside ``executor.call``; the rules map it to
    ``format_mismatch`` and the executor retries once with the fallback format (YAML → JSON).
    Pass the rejected answer's ``usage`` so the outcome counts the tokens it cost.
    """

    def __init__(
        self, message: str, *, expected: str | None = None, usage: Usage | None = None
    ) -> None:
        super().__init__(message)
        self.expected = expected
        self.usage = usage


class MissingExtra(ReliableRulesError, ImportError):
    """An optional integration needs a package that is not installed:
    ``pip install 'reliable-rules[EXTRA]'`` (the message names it)."""

    def __init__(self, feature: str, extra: str, package: str) -> None:
        super().__init__(
            f"{feature} needs the {package!r} package: pip install 'reliable-rules[{extra}]'",
            name=package,
        )
        self.extra = extra


class BadRecord(ReliableRulesError, ValueError):
    """A corpus line (JSONL) that cannot be read as a record; the message says what is wrong."""


class AmbiguousCorpusRules(ReliableRulesError, ValueError):
    """Corpora were given with several rule files and no rule set to classify them with."""
