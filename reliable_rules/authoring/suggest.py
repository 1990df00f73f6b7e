"""Propose rules, with embedded tests, for captured failures no specific rule recognised.

The library behind ``reliable-rules suggest``. The input is what ``capture=`` writes (see
``reliable_rules.executor.capture``), or any corpus whose records have ``status``, ``body``,
``message``, ``provider``, ``model`` and ``exception``. Records are grouped by fingerprint
(provider, status, exception names and the text with ids, numbers and timestamps normalised);
each group gets one rule:

* ``provider: P`` when the records name one (or ``provider=`` is given), ``status: S`` when
  typed;
* the stable JSON fields of the body (string values without digits, ids or spaces, such as
  ``error.code: ACME_REGION_SATURATED``), at most :data:`MAX_FIELDS`;
* the stable phrases of the error text (runs of words holding no number, id, timestamp or
  redacted secret), at most :data:`MAX_PHRASES`, each at most :data:`MAX_PHRASE_WORDS` words;
* the category given, or guessed (:func:`guess_category`) and marked as a question;
* embedded tests: the captured record, and a variant of it with other numbers and ids
  (:func:`variant`) when it has any, both expected to be decided by the new rule.

A group with nothing stable to match (an empty body, only numbers) gets no rule: it is listed
as skipped, since a status-only rule is what already decided it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reliable_rules._text import GENERIC_EXCEPTIONS, error_fingerprint, stable_text
from reliable_rules.authoring.corpus import record_failure
from reliable_rules.ruleset.model import RuleSet
from reliable_rules.sanitize import REDACTED

__all__ = [
    "MAX_FIELDS",
    "MAX_PHRASES",
    "MAX_PHRASE_WORDS",
    "Captured",
    "Suggestion",
    "group_captures",
    "guess_category",
    "render_yaml",
    "suggest_rules",
    "variant",
]

MAX_FIELDS = 2
MAX_PHRASES = 2
MAX_PHRASE_WORDS = 8
#: JSON keys whose string values are codes worth matching, in order of preference.
_CODE_KEYS = ("code", "error_code", "errorcode", "type", "reason", "status", "error", "name")
_CODE_VALUE = re.compile(r"[A-Za-z][A-Za-z_.:-]{2,63}")
_EDGE_PUNCTUATION = "\"'`.,;:!?()[]{}<>*"
_WORD = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Captured:
    """One kind of failure: its first record and how often it was seen."""

    record: Mapping[str, Any]
    count: int
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A proposed rule for one :class:`Captured` group."""

    rule_id: str
    category: str
    question: str | None
    conditions: tuple[Mapping[str, Any], ...]
    tests: tuple[Mapping[str, Any], ...]
    captured: Captured


def _record_fingerprint(record: Mapping[str, Any]) -> str:
    failure = record_failure(dict(record))
    return error_fingerprint(
        failure.provider, failure.status, failure.exception_types, failure.text
    )


def group_captures(items: Iterable[Mapping[str, Any]]) -> list[Captured]:
    """The records of a capture file grouped by fingerprint, with their total counts, in
    the order first seen. Count-only lines add to their group; records without a
    fingerprint (a plain corpus) get one computed."""
    first: dict[str, Mapping[str, Any]] = {}
    counts: dict[str, int] = {}
    for item in items:
        count = item.get("count", 1)
        count = count if isinstance(count, int) and not isinstance(count, bool) else 1
        is_record = any(key in item for key in ("status", "body", "message", "text"))
        key = item.get("fingerprint")
        if not isinstance(key, str) or (is_record and "fingerprint" not in item):
            if not is_record:
                continue
            key = _record_fingerprint(item)
        counts[key] = counts.get(key, 0) + count
        if is_record and key not in first:
            first[key] = item
    return [Captured(record, counts[key], key) for key, record in first.items()]


def _message(record: Mapping[str, Any]) -> str:
    value = record.get("message", record.get("text"))
    return value if isinstance(value, str) else ""


def _body(record: Mapping[str, Any]) -> str | None:
    body = record.get("body")
    if body is None or isinstance(body, str):
        return body
    return json.dumps(body, ensure_ascii=False)


def _json_document(record: Mapping[str, Any]) -> Any:
    for text in (_body(record), _message(record)):
        if not text:
            continue
        start = min((i for i in (text.find("{"), text.find("[")) if i >= 0), default=-1)
        if start < 0:
            continue
        try:
            return json.JSONDecoder().raw_decode(text[start:])[0]
        except ValueError:
            continue
    return None


def _leaves(document: Any, path: tuple[str, ...] = ()) -> Iterable[tuple[tuple[str, ...], str]]:
    """String leaves with their dotted paths (lists are not entered: no stable index)."""
    if isinstance(document, Mapping):
        for key, value in document.items():
            yield from _leaves(value, (*path, str(key)))
    elif isinstance(document, str) and path:
        yield path, document


def _stable(value: str) -> bool:
    return REDACTED not in value and stable_text(value) == " ".join(value.split())


def _fields(document: Any) -> list[tuple[str, str]]:
    """Stable code-like JSON fields, preferred keys first."""
    found: list[tuple[int, str, str]] = []
    for path, value in _leaves(document):
        key = path[-1].lower()
        plain_path = all(part.replace("_", "").isalnum() for part in path)
        if key in _CODE_KEYS and plain_path and _CODE_VALUE.fullmatch(value) and _stable(value):
            found.append((_CODE_KEYS.index(key), ".".join(path), value))
    found.sort(key=lambda item: item[0])
    return [(path, value) for _, path, value in found[:MAX_FIELDS]]


def _phrases(texts: Sequence[str]) -> list[str]:
    """The longest runs of stable words of ``texts``, as they are written there."""
    runs: list[str] = []
    for text in texts:
        words = list(_WORD.finditer(text))
        current: list[re.Match[str]] = []
        for match in [*words, None]:
            stable = match is not None and _stable(match.group()) and "\\" not in match.group()
            if stable and match is not None and len(current) < MAX_PHRASE_WORDS:
                current.append(match)
                continue
            if current:
                phrase = text[current[0].start() : current[-1].end()].strip(_EDGE_PUNCTUATION)
                if len(phrase.split()) >= 2 or len(phrase) >= 10:
                    runs.append(phrase)
            current = [match] if stable and match is not None else []
    unique = list(dict.fromkeys(runs))
    unique.sort(key=lambda phrase: (-len(phrase.split()), -len(phrase)))
    return unique[:MAX_PHRASES]


def _texts(record: Mapping[str, Any], document: Any) -> list[str]:
    if document is not None:
        texts = [value for _, value in _leaves(document) if " " in value.strip()]
        if texts:
            return texts
    texts = [text for text in (_message(record), _body(record)) if text]
    return [text for text in texts if document is None or not text.lstrip().startswith(("{", "["))]


def guess_category(
    base: RuleSet, record: Mapping[str, Any], phrases: Sequence[str]
) -> tuple[str, str]:
    """A category for a record and why: the base rule set's concept families decide its
    stable words alone when a specific rule recognises them; otherwise the status says it
    (429 rate limit, 5xx server error, 401/403 auth, other 4xx client error); else the
    category it was captured with, unless that is ``unknown``: then ``server_error``."""
    if phrases:
        decision = base.classify(" ".join(phrases))
        if decision.specific:
            return decision.category, f"its words match {decision.rule_id}"
    status = record.get("status")
    if isinstance(status, int):
        if status == 429:
            return "rate_limited", "status 429"
        if status >= 500:
            return "server_error", f"status {status}"
        if status in (401, 403):
            return "auth_failed", f"status {status}"
        if 400 <= status < 500:
            return "client_error", f"status {status}"
    decided = record.get("decision")
    if isinstance(decided, Mapping) and decided.get("category") not in (None, "unknown"):
        return str(decided["category"]), "the decision it was captured with"
    # Nothing says what it is: server_error is retried as unknown is, and a rule should not
    # decide unknown (that is what no match means).
    return "server_error", "nothing known (retried, as unknown is)"


_DIGIT = re.compile(r"[0-9]")
_ID = re.compile(r"(?<![\w-])(?=[\w-]*[0-9])[A-Za-z0-9][\w-]{7,}(?![\w-])")


def _shift(text: str) -> str:
    """Other digits (each one plus 7), and ids with their letters' case swapped."""

    def swap_id(match: re.Match[str]) -> str:
        token = match.group()
        if stable_text(token) == "<id>":
            return token.swapcase()
        return token

    return _DIGIT.sub(lambda m: str((int(m.group()) + 7) % 10), _ID.sub(swap_id, text))


def variant(record: Mapping[str, Any]) -> dict[str, Any]:
    """``record`` with other numbers and ids in its message and body (the status, provider
    and words unchanged): a rule that generalises decides it as it decides the record."""
    changed = dict(record)
    for key in ("message", "text"):
        if isinstance(changed.get(key), str):
            changed[key] = _shift(changed[key])
    body = _body(record)
    if body is not None:
        changed["body"] = _shift(body)
    return changed


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:40].rstrip("-") or "error"


def _case(record: Mapping[str, Any], rule_id: str, description: str) -> dict[str, Any]:
    case: dict[str, Any] = {"description": description}
    message = _message(record)
    if message:
        case["text"] = message
    for key in ("status", "provider", "model"):
        if record.get(key) is not None:
            case[key] = record[key]
    body = _body(record)
    if body is not None:
        case["body"] = body
    names = record.get("exception")
    if isinstance(names, str):
        names = [names]
    if isinstance(names, list):
        kept = [str(name) for name in names if str(name) not in GENERIC_EXCEPTIONS]
        if kept:
            case["exception"] = kept
    case["rule"] = rule_id
    return case


def suggest_rules(
    captures: Sequence[Captured],
    *,
    base: RuleSet,
    category: str | None = None,
    provider: str | None = None,
    prefix: str = "suggested",
) -> tuple[list[Suggestion], list[Captured]]:
    """One rule per capture group (and the groups with nothing stable to match).

    Args:
        captures: the groups, from :func:`group_captures`.
        base: the rule set the rules will extend (for ids, categories and the guess).
        category: the category of every rule; None guesses one per rule, as a question.
        provider: scope every rule to this provider; only records from it (or naming none)
            are used.
        prefix: the first part of every rule id.
    """
    taken = {rule.id for rule in base.rules}
    suggestions: list[Suggestion] = []
    skipped: list[Captured] = []
    for captured in captures:
        record = captured.record
        named = record.get("provider")
        named = named if isinstance(named, str) and named else None
        if provider is not None and named is not None and named.lower() != provider.lower():
            continue
        scope = provider or named
        document = _json_document(record)
        fields = _fields(document)
        phrases = _phrases(_texts(record, document))
        if not fields and not phrases:
            skipped.append(captured)
            continue
        conditions: list[Mapping[str, Any]] = []
        if scope:
            conditions.append({"provider": scope})
        status = record.get("status")
        if isinstance(status, int) and not isinstance(status, bool):
            conditions.append({"status": status})
        conditions.extend({"json": {"path": path, "equals": value}} for path, value in fields)
        conditions.extend({"contains": phrase} for phrase in phrases)
        if category is not None:
            chosen, question = category, None
        else:
            chosen, why = guess_category(base, record, phrases)
            question = f"is this {chosen}? guessed from {why}; confirm it or change it"
        stem = fields[0][1] if fields else phrases[0]
        rule_id = f"{prefix}.{_slug(scope or 'any')}.{_slug(stem)}"
        number = 2
        while rule_id in taken:
            rule_id = f"{prefix}.{_slug(scope or 'any')}.{_slug(stem)}-{number}"
            number += 1
        taken.add(rule_id)
        shown = {**record, "provider": scope} if scope and not named else record
        tests = [_case(shown, rule_id, "the captured failure")]
        other = variant(shown)
        if other != shown:
            tests.append(_case(other, rule_id, "the same failure with other numbers and ids"))
        suggestions.append(
            Suggestion(rule_id, chosen, question, tuple(conditions), tuple(tests), captured)
        )
    return suggestions, skipped


def _scalar(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _flow(mapping: Mapping[str, Any]) -> str:
    parts = []
    for key, value in mapping.items():
        shown = _flow(value) if isinstance(value, Mapping) else _scalar(value)
        parts.append(f"{key}: {shown}")
    return "{" + ", ".join(parts) + "}"


def render_yaml(
    suggestions: Sequence[Suggestion],
    *,
    extends: str,
    name: str = "suggested",
    revision: str = "1",
    skipped: Sequence[Captured] = (),
) -> str:
    """A rule file extending ``extends`` with the suggested rules (questions as comments)."""
    lines = [
        "# Suggested by `reliable-rules suggest` from captured failures. Review every rule:",
        "# confirm the categories marked QUESTION, then run",
        "#   reliable-rules validate --strict FILE && reliable-rules test FILE",
        "format: reliable-rules/v1",
        f"name: {_scalar(name)}",
        f"revision: {_scalar(revision)}",
        f"extends: [{_scalar(extends)}]",
    ]
    for captured in skipped:
        lines.append(
            f"# skipped {captured.fingerprint} ({captured.count}x): nothing stable to match "
            "beyond the status"
        )
    lines.append("rules:" if suggestions else "rules: []")
    for suggestion in suggestions:
        record = suggestion.captured.record
        decided = record.get("decision")
        was = ""
        if isinstance(decided, Mapping):
            was = f", decided {decided.get('category')} by {decided.get('rule') or 'no rule'}"
        description = (
            f"Suggested from {suggestion.captured.count} captured failure(s) "
            f"(fingerprint {suggestion.captured.fingerprint}{was})."
        )
        lines.append(f"  - id: {suggestion.rule_id}")
        lines.append(f"    description: {_scalar(description)}")
        lines.append("    when:")
        lines.append("      all:")
        lines.extend(f"        - {_flow(condition)}" for condition in suggestion.conditions)
        if suggestion.question is not None:
            lines.append(f"    # QUESTION: {suggestion.question}")
        lines.append(f"    then: {{category: {suggestion.category}}}")
        lines.append("    status: experimental")
        lines.append("    tests:")
        lines.extend(f"      - {_flow(case)}" for case in suggestion.tests)
    return "\n".join(lines) + "\n"
