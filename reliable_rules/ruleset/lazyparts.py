"""The parts of a stored rule set (:mod:`~reliable_rules.ruleset.statecache`) decoded on first
use: what classifying needs is read with the set, the rest when something asks for it.

A fresh process that loads ``builtin:default`` and classifies a few errors needs the literal
table, the gates and masks, the verdicts and the Retry-After functions: small, flat data. Each
rule's matcher (its generated function and the nodes it calls) is decoded the first time the
rule is a candidate, i.e. the first time its gate holds (:class:`LazyMatcher`); the rules'
condition trees and ids (``Classifier.rules``, read by ``explain``, lint and the authoring
tools) the first time they are asked for (:class:`StoredClassifier`). So loading costs the
same however many rules a set has, and the objects the collector walks (at every collection,
and at exit) are those of the parts in use.

A :class:`Part` holds where its pickle starts in the entry's bytes; decoding it again gives an
equal, separate object (parts are pure data: a matcher decoded twice by two threads at once
answers the same). A part whose bytes no longer match their CRC-32 when it is first decoded
(:class:`_DamagedPart`) is taken from the set built again
from its files instead (:meth:`Part.rebuilt`): the same matcher or attributes, so a damaged
entry never changes a decision.
"""

from __future__ import annotations

from _pickle import UnpicklingError
from collections.abc import Callable
from threading import Lock
from typing import Any, Protocol

from reliable_rules.engine.classifier import Classifier

__all__ = ["LAZY_ATTRIBUTES", "SHARED_ATTRIBUTES", "LazyMatcher", "Part", "StoredClassifier"]

TYPE_CHECKING = False  # typing.TYPE_CHECKING: the same to type checkers, see __init__.py
_lock = Lock()


class _DamagedPart(UnpicklingError):
    """A part of a stored entry whose bytes no longer match their CRC-32, found when it is first
    decoded (``statecache._Stored.decode``): the same part of the set built again is used
    instead. Never leaves this package (statecache raises it, this module catches it)."""


class Decoder(Protocol):
    """The entry a part was read from (``statecache._Stored``)."""

    def decode(self, start: int) -> Any:
        """The part whose pickle starts at ``start``."""

    def rebuilt(self) -> Any:
        """The set the entry holds, built again from its files (once)."""


class Part:
    """One pickle of a stored entry, decoded when called (each call decodes it anew):
    ``decode(start)`` of the entry that holds it."""

    __slots__ = ("_entry", "_start")

    def __init__(self, entry: Decoder, start: int) -> None:
        self._entry = entry
        self._start = start

    def __call__(self) -> Any:
        return self._entry.decode(self._start)

    def rebuilt(self) -> Any:
        """The set this part's entry holds, built again (the part was found damaged)."""
        return self._entry.rebuilt()


class LazyMatcher:
    """Stands for rule ``position``'s matcher in ``Classifier._matchers`` (a list) until its
    first call, which decodes the matcher, puts it in its place and calls it."""

    __slots__ = ("_function", "_part", "_position", "_table")

    def __init__(self, table: list[Any], position: int, part: Part) -> None:
        self._table = table
        self._position = position
        self._part = part
        self._function: Callable[..., bool] | None = None

    def __call__(self, *arguments: Any) -> bool:
        function = self._function
        if function is None:
            try:
                function = self._part()
            except _DamagedPart:
                function = self._part.rebuilt().classifier._matchers[self._position]
            if not callable(function):
                raise TypeError("a stored matcher is not callable")  # the CRC-32 held: a bug
            self._function = function
            self._table[self._position] = function
        return function(*arguments)

    @property
    def decoded(self) -> bool:
        """Whether the matcher was decoded (for tests and the benchmarks)."""
        return self._function is not None


def matchers(parts: tuple[Any, ...]) -> list[Any]:
    """``Classifier._matchers`` of a stored set: its decoded functions, and a
    :class:`LazyMatcher` for each part still stored."""
    table: list[Any] = list(parts)
    for position, item in enumerate(parts):
        if type(item) is Part:
            table[position] = LazyMatcher(table, position, item)
    return table


#: The attributes of a classifier stored as parts of their own, each group decoded when one
#: of its names is first read: the condition trees and ids (``explain``, lint, the authoring
#: tools), the literal table (read when the scan is built, at the first classification), the
#: gate index (read for exception, provider and model gates), the literal groups (the
#: authoring tools), the set of literals (the pure-Python scan's build) and the bounded-key
#: checks (read only for a text past ``classifier.BOUNDED_TEXT`` or by the pure-Python scan:
#: builtin:default's are a few megabytes of masks, most of what a load would decode).
LAZY_ATTRIBUTES = (
    ("rules", "_by_id"),
    ("_literal_table",),
    ("_index",),
    ("_literal_bits",),
    ("_scan_literals",),
    ("_bounds",),
)
#: The groups that refer to objects decoded at load (the rules' verdicts and the classifier):
#: stored with the first pickle's memo. The others are plain data (strings, numbers) and are
#: stored alone, in the denser pickle protocol.
SHARED_ATTRIBUTES = frozenset({"rules", "_by_id"})


class StoredClassifier(Classifier):
    """A :class:`Classifier` read back from the state cache: the attributes of
    :data:`LAZY_ATTRIBUTES` are decoded on first use (``_pending`` maps each name still
    stored to its group's names and part); everything else is the classifier as built."""

    def __setstate__(self, state: dict[str, Any]) -> None:
        parts = state.get("_matchers")
        if type(parts) is tuple and any(type(part) is Part for part in parts):
            state["_matchers"] = matchers(parts)
        self.__dict__.update(state)

    if not TYPE_CHECKING:  # a __getattr__ would make every misspelt attribute type-check

        def __getattr__(self, name: str) -> Any:
            # Reached only for an attribute not set (see the class docstring).
            state = self.__dict__
            pending = state.get("_pending")
            if pending is None or name not in pending:
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            with _lock:
                group = pending.get(name)
                if group is not None:  # not decoded by another thread meanwhile
                    names, part = group
                    try:
                        values = part()
                    except _DamagedPart:
                        fresh = part.rebuilt().classifier
                        values = tuple(getattr(fresh, each) for each in names)
                    if type(values) is not tuple or len(values) != len(names):
                        raise TypeError("a stored part does not fit")  # the CRC-32 held: a bug
                    for each, value in zip(names, values, strict=True):
                        state[each] = value
                        del pending[each]
            return state[name]
