"""Which response headers a compiled rule set can read, so a memo can ignore the rest.

Real providers stamp every answer with headers of its own (``x-request-id``, ``cf-ray``,
``date``, ``openai-processing-ms``...). No rule reads them, but a memo keyed on every header
would never see the same failure twice. The readers of ``failure.headers`` in a
classification are the ``header:`` conditions (an exact name, or a shell-style pattern such as
``x-ratelimit-remaining-*`` matched against each lowercased name) and the Retry-After
``header:`` sources (an exact name). :func:`header_reads` collects them once per rule set;
:meth:`HeaderReads.material` gives, for one failure, exactly the header values those readers
see. Two failures equal in everything else and in that material get the same decision.

Any node or source of a kind not known here (a subclass, a new matcher) might read any header:
the whole rule set then falls back to every header, in order (``every``).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from reliable_rules.engine.classifier import Classifier
from reliable_rules.engine.extractors import (
    Extractor,
    HeaderSource,
    JsonSource,
    PrefixSource,
    RegexSource,
)
from reliable_rules.engine.nodes import (
    All,
    Any_,
    ConditionRef,
    Contains,
    ExceptionType,
    Header,
    Json,
    JsonKey,
    Near,
    Never,
    Node,
    Not,
    Regex,
    Scope,
    Status,
    TextStatus,
    walk,
)

__all__ = ["HeaderReads", "header_reads"]

# Nodes that read the text, the body, the status, the exception names, the provider or the
# model, never a header. Exact types: a subclass may override ``match``.
_HEADERLESS: frozenset[type[Node]] = frozenset(
    {Contains, ExceptionType, Json, JsonKey, Near, Never, Regex, Status, TextStatus}
)
_COMPOSITES: frozenset[type[Node]] = frozenset({All, Any_, Not, ConditionRef})
_SCOPE_FIELDS = frozenset({"provider", "model"})
_TEXT_SOURCES: frozenset[type[Extractor]] = frozenset({JsonSource, PrefixSource, RegexSource})


#: Header names whose relevance is remembered per rule set (names only, never a value).
_MAX_REMEMBERED = 1024
_MAX_NAME_CHARS = 256


@dataclass(frozen=True, slots=True)
class HeaderReads:
    """The headers one rule set's classification can read."""

    #: Exact lowercased names (``header:`` conditions without a pattern, Retry-After sources).
    names: tuple[str, ...]
    #: Lowercased shell-style patterns of ``header:`` conditions, matched against each
    #: lowercased header name.
    patterns: tuple[str, ...]
    #: Some reader may read any header: every header counts, names and values in order.
    every: bool
    # Whether a header name is read by any reader, remembered: the same few names (content-type,
    # x-request-id, date...) arrive on every answer, and most are read by none.
    _read: dict[str, bool] = field(default_factory=dict, init=False, compare=False, repr=False)
    _none: tuple[tuple[int, ...], tuple[str, ...]] = field(
        default=((), ()), init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_none", ((0,) * (len(self.names) + len(self.patterns)), ()))

    def material(self, headers: Mapping[str, str]) -> tuple[tuple[int, ...], Sequence[str]]:
        """What the readers see of ``headers``: a shape (for each name whether it is present,
        for each pattern how many names match it; with ``every``, the header count) and the
        texts (those values in order; with ``every``, all names then all values)."""
        if self.every:
            return (len(headers),), [*headers, *headers.values()]
        remembered = self._read
        for key in headers:
            if type(key) is not str:
                break
            read = remembered.get(key)
            if read is None:
                read = self._reads(key)
                if len(remembered) < _MAX_REMEMBERED and len(key) <= _MAX_NAME_CHARS:
                    remembered[key] = read
            if read:
                break
        else:
            # No header is read by any reader: every name absent, every pattern empty.
            return self._none
        shape: list[int] = []
        texts: list[str] = []
        get = headers.get
        for name in self.names:
            value = get(name)
            if value is None:
                shape.append(0)
            else:
                shape.append(1)
                texts.append(value)
        for pattern in self.patterns:
            # The same values, in the same order, as the ``header:`` condition collects.
            values = [v for k, v in headers.items() if fnmatch.fnmatchcase(k.lower(), pattern)]
            shape.append(len(values))
            texts.extend(values)
        return tuple(shape), texts

    def _reads(self, key: str) -> bool:
        """Whether a reader reads the header ``key``: ``headers.get(name)`` finds it, or a
        pattern matches its lowercased name."""
        lowered = key.lower()
        return key in self.names or any(fnmatch.fnmatchcase(lowered, p) for p in self.patterns)


def header_reads(classifier: Classifier) -> HeaderReads:
    """The headers ``classifier``'s rules and Retry-After sources can read."""
    names: set[str] = set()
    patterns: set[str] = set()
    every = False
    for node in walk(rule.node for rule in classifier.rules):
        if type(node) is Header:
            (patterns if node.pattern else names).add(node.name)
        elif type(node) is Scope:
            every = every or node.field not in _SCOPE_FIELDS
        elif type(node) not in _HEADERLESS and type(node) not in _COMPOSITES:
            every = True
    for extractor in classifier.extractors:
        if type(extractor) is HeaderSource:
            names.add(extractor.name)
        elif type(extractor) not in _TEXT_SOURCES:
            every = True
    return HeaderReads(tuple(sorted(names)), tuple(sorted(patterns)), every)

