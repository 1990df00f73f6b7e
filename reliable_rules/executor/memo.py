"""A per-executor memo of the decisions for repeated provider errors.

Providers answer the same failure again and again (the same 503 body, the same status), and a
retry loop classifies each one anew. When a failed attempt raised an exception that carries its
own status, headers and body (:func:`~reliable_rules.failure.carrier_parts`), the decision's
:class:`~reliable_rules.decision.Verdict` is kept under a digest of everything the
classification reads: the exception class names, its message, status, body, the provider and
model, and of the headers only those the rule set can read
(:func:`~reliable_rules.engine.header_reads.header_reads`: its ``header:`` conditions, exact
names or patterns, and its Retry-After header sources). Real providers stamp every answer with
a request id, a date or a timing header of its own; no rule reads them, so they do not keep two
otherwise identical failures apart. The next such failure gets a
:class:`~reliable_rules.decision.Decision` of that verdict around its own
:class:`~reliable_rules.failure.Failure` (all its headers), equal to the one the rules would
build, without running them. Decisions with a Retry-After are not kept (a wait read from an
HTTP-date depends on the clock).

Exact: a hit needs every input of the classification to be the same (the class names, the
status, the provider and model, which read headers are present, the length of every text and a
BLAKE2b-256 digest of them all). A rule set with a reader that may read any header keys on all
headers, names and values in order. Bounded: at most :data:`MEMO_SIZE` entries (cleared when
full), and only failures whose texts total at most :data:`MAX_MEMO_CHARS`. Nothing of a
failure is kept but that key and the verdict, so no body, header value or secret echoed in one
outlives the call. A new rule set (a hot reload assigns ``executor.rules``) starts a new memo.
Other failures (a cause chain, a response object) are normalised by ``to_failure`` as
``rules.classify`` would, then looked up the same way; a lone exception goes to
``rules.classify``, which memoises those itself.
"""

from __future__ import annotations

from hashlib import blake2b
from types import MappingProxyType

from reliable_rules.decision import Decision, Verdict, new_decision
from reliable_rules.engine.header_reads import HeaderReads, header_reads
from reliable_rules.failure import (
    Failure,
    carrier_parts,
    new_failure,
    plain_exception_key,
    to_failure,
)
from reliable_rules.ruleset.model import RuleSet

__all__ = ["MAX_MEMO_CHARS", "MEMO_SIZE", "DecisionMemo"]

#: Entries kept before the memo is cleared.
MEMO_SIZE = 256
#: Failures with longer texts (message, body and headers together) are not memoised: the
#: digest would cost about as much as the classification.
MAX_MEMO_CHARS = 16_384

_Key = tuple[object, ...]

class DecisionMemo:
    """Decisions of one executor's repeated provider errors (see the module's docstring)."""

    __slots__ = ("_state",)

    def __init__(self) -> None:
        # The rule set, its entries and the headers it reads, swapped together: a thread
        # still classifying with the old rules writes into the old dict, never the new set's.
        self._state: tuple[RuleSet | None, dict[_Key, Verdict], HeaderReads] = (
            None, {}, HeaderReads((), (), every=True),
        )  # fmt: skip

    def classify(self, rules: RuleSet, error: BaseException, provider: str, model: str) -> Decision:
        """``rules.classify(error, provider=provider, model=model)``, from the memo when an
        identical failure was classified by the same rules."""
        parts = carrier_parts(error)
        if parts is not None:
            # The walk over a chain of one, done by carrier_parts: the same Failure.
            failure = new_failure(
                parts[0], parts[1], headers=MappingProxyType(parts[2]), body=parts[3],
                exception_types=parts[4], provider=provider, model=model,
            )  # fmt: skip
        elif plain_exception_key(error) is not None:
            return rules.classify(error, provider=provider, model=model)  # memoised there
        else:
            failure = to_failure(error, provider=provider, model=model)
        state = self._state
        if state[0] is not rules:
            state = self._state = (rules, {}, header_reads(rules.classifier))
        status, body, message = failure.status, failure.body, failure.message
        shape, read = state[2].material(failure.headers)
        if read:
            texts = [message, "" if body is None else body, *read]
            lengths = tuple(map(len, texts))
            joined = "".join(texts)
        else:
            # Most answers: no header a rule reads (a request id, a date, a content type).
            lengths = (len(message), 0 if body is None else len(body))
            joined = message if body is None else message + body
        if (
            len(joined) > MAX_MEMO_CHARS
            or (status is not None and type(status) is not int)
            or type(provider) is not str
            or type(model) is not str
        ):
            return self._decide(rules, failure, error)
        # Exact: the lengths of every part fix where each one starts in the digested join.
        digest = blake2b(joined.encode("utf-8", "surrogatepass"), digest_size=32)
        key: _Key = (
            status, body is None, provider, model, failure.exception_types, shape, lengths,
            digest.digest(),
        )
        entries = state[1]
        verdict = entries.get(key)
        if verdict is not None:
            return new_decision(verdict, None, failure)
        decision = self._decide(rules, failure, error)
        # A decision with a Retry-After is not kept: a wait read from an HTTP-date depends on
        # the clock. Nor is the fall-back of a classification that failed inside.
        if decision.retry_after_ms is None and decision.failure is failure:
            if len(entries) >= MEMO_SIZE:
                entries.clear()
            entries[key] = decision.verdict
        return decision

    @staticmethod
    def _decide(rules: RuleSet, failure: Failure, error: BaseException) -> Decision:
        """What ``rules.classify`` answers for ``error``, from its Failure already built."""
        try:
            return rules.classifier.decide(failure)
        except Exception:  # noqa: BLE001 — rules.classify logs it and answers "unknown"
            return rules.classify(error, provider=failure.provider, model=failure.model)
