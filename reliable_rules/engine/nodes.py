"""Compiled matchers: the nodes a rule's ``when:`` becomes (the per-call probe: ``probe.py``).

Every node is built once when a rule set loads. Text matchers do not search the text
themselves: the classifier scans the lowercased text once for *all* literals of the rule set
(one pass of a trie-shaped regex) and hands the set of literals found to the nodes in a
:class:`Probe`, so ``contains`` is a set lookup. Each node also exposes a *gate*: keys of which
at least one must be present for the node to match, used to skip rules without evaluating them.
"""

from __future__ import annotations

import fnmatch
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from typing import Any

from reliable_rules.engine.lazyregex import CompiledOnFirstUse, regex
from reliable_rules.engine.probe import (
    JSON_WALK_MAX_DEPTH,
    JSON_WALK_MAX_NODES,
    WORD,
    Probe,
    find_keys,
    parse_number,
    resolve_path,
    words,
)
from reliable_rules.engine.regex_literals import (
    LEFT_ALNUM,
    gates_hold,
    gates_of,
    needs_non_ascii,
    non_ascii_or_literals,
)
from reliable_rules.engine.regex_safety import (
    REGEX_TIMEOUT_S,
    search_bounded,
    untimed_max_length,
)

__all__ = [
    "JSON_WALK_MAX_DEPTH",
    "JSON_WALK_MAX_NODES",
    "NEAR_MAX_TERMS",
    "NEAR_MAX_WITHIN",
    "NON_ASCII",
    "REGEX_TIMEOUT_S",
    "WORD_KEY",
    "GateKey",
    "Node",
    "Probe",
    "bounded_key",
    "find_keys",
    "key_literal",
    "parse_number",
    "resolve_path",
    "walk",
    "words",
]

logger = logging.getLogger("reliable_rules")

GateKey = str | tuple[str, object]
#: The gate key of a regex that cannot match a pure-ASCII text (see ``needs_non_ascii``):
#: present when the text is not ASCII.
NON_ASCII: GateKey = ("text", "non-ascii")
_UNBUILT = object()
#: The kind of a gate key for a literal that counts only beside characters that are not
#: word characters: ``("word", (literal, bits))``, ``bits`` of ``regex_literals.LEFT``,
#: ``RIGHT`` and ``LEFT_ALNUM`` (the classifier checks them after a scan hit: bounds.py).
WORD_KEY = "word"


def bounded_key(literal: str, bits: int) -> GateKey:
    """The gate key of ``literal`` needed with neighbours ``bits`` (the literal when 0)."""
    return (WORD_KEY, (literal, bits)) if bits else literal


def key_literal(key: GateKey) -> str | None:
    """The literal a text gate key needs present (plain or bounded), else None."""
    if isinstance(key, str):
        return key
    if key[0] == WORD_KEY:
        bounded: tuple[str, int] = key[1]  # type: ignore[assignment]
        return bounded[0]
    return None
#: ``near:`` takes 1 to this many terms, at most this many other words apart.
NEAR_MAX_TERMS = 6
NEAR_MAX_WITHIN = 20


def _scalar_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float | str):
        return str(value)
    return None


class Node:
    """A compiled matcher."""

    __slots__ = ("gate",)
    gate: frozenset[GateKey] | None

    def match(self, probe: Probe) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def explain(self, probe: Probe, depth: int, lines: list[str]) -> bool:
        """Evaluate like :meth:`match`, writing one line per node into ``lines``."""
        matched = self.match(probe)
        lines.append(f"{'  ' * depth}{'✓' if matched else '✗'} {self.describe()}")
        return matched


class Contains(Node):
    __slots__ = ("_search", "lowered", "needles", "sensitive")

    def __init__(self, needles: Iterable[str], *, sensitive: bool) -> None:
        self.needles = tuple(needles)
        self.lowered = frozenset(needle.lower() for needle in self.needles)
        self.sensitive = sensitive
        self.gate = frozenset[GateKey](self.lowered)
        self._search = tuple(dict.fromkeys(needle.lower() for needle in self.needles))

    def match(self, probe: Probe) -> bool:
        found = probe.found
        if self.sensitive:
            if found is not None and found.isdisjoint(self.lowered):
                return False
            text = probe.text
            for needle in self.needles:  # noqa: SIM110 — a plain loop: no generator on the hot path
                if needle in text:
                    return True
            return False
        if found is not None:
            return not found.isdisjoint(self.lowered)
        lower = probe.lower
        for needle in self._search:  # noqa: SIM110 — a plain loop: no generator on the hot path
            if needle in lower:
                return True
        return False

    def describe(self) -> str:
        case = " (case-sensitive)" if self.sensitive else ""
        return f"contains any of {list(self.needles)!r}{case}"


class Status(Node):
    """A typed HTTP status: a set of values, or present/absent."""

    __slots__ = ("label", "mode", "values")

    def __init__(self, mode: str, values: frozenset[int] = frozenset(), label: str = "") -> None:
        self.mode = mode  # "in", "none", "any"
        self.values = values
        self.label = label
        if mode == "none":
            self.gate = frozenset({("status", None)})
        elif mode == "any":
            self.gate = frozenset({("status", "*")})
        else:
            self.gate = frozenset(("status", value) for value in values)

    def match(self, probe: Probe) -> bool:
        status = probe.status
        mode = self.mode
        if mode == "in":
            return status in self.values
        if mode == "none":
            return status is None
        return status is not None

    def describe(self) -> str:
        return f"status {self.label}"

    def explain(self, probe: Probe, depth: int, lines: list[str]) -> bool:
        matched = self.match(probe)
        shown = "none" if probe.status is None else probe.status
        lines.append(f"{'  ' * depth}{'✓' if matched else '✗'} status {self.label} (is {shown})")
        return matched


class TextStatus(Node):
    """The first integer in [low, high] found in the text decides (the seed's untyped fallback)."""

    __slots__ = ("excluded", "high", "included", "low")

    def __init__(
        self, low: int, high: int, excluded: frozenset[int], included: frozenset[int] | None
    ) -> None:
        self.low = low
        self.high = high
        self.excluded = excluded
        self.included = included
        self.gate = None

    def needed_digits(self, most: int) -> frozenset[str] | None:
        """The values this node can match on as digit strings, one of which every text it
        matches holds (a run of ASCII digits whose value is one of them holds its digits:
        leading zeros only add to the run); None when there are more than ``most``."""
        values = (
            sorted(v for v in self.included if self.low <= v <= self.high)
            if self.included is not None
            else [self.low]
            if self.low == self.high and self.low not in self.excluded
            else None
        )
        if values is None or not 0 < len(values) <= most:
            return None
        return frozenset(str(value) for value in values)

    def first(self, probe: Probe) -> int | None:
        low, high = self.low, self.high
        for value in probe.digit_runs():
            if value is not None and low <= value <= high:
                return value
        return None

    def match(self, probe: Probe) -> bool:
        value = self.first(probe)
        if value is None:
            return False
        if self.included is not None:
            return value in self.included
        return value not in self.excluded

    def describe(self) -> str:
        detail = f"text_status {self.low}..{self.high}"
        if self.included is not None:
            detail += f" in {sorted(self.included)}"
        elif self.excluded:
            detail += f" except {sorted(self.excluded)}"
        return detail

    def explain(self, probe: Probe, depth: int, lines: list[str]) -> bool:
        matched = self.match(probe)
        found = self.first(probe)
        lines.append(
            f"{'  ' * depth}{'✓' if matched else '✗'} {self.describe()} "
            f"(first in range: {'none' if found is None else found})"
        )
        return matched


def untimed_for(compiled: regex.Pattern[str]) -> int:
    """The longest text ``compiled`` may search without a timeout (see ``regex_safety``)."""
    return untimed_max_length(compiled.pattern, ignore_case=bool(compiled.flags & regex.IGNORECASE))


class Regex(Node, CompiledOnFirstUse):
    """A regex search over the text.

    ``needles`` (see :mod:`regex_literals`) are literals of which every match contains one in
    the lowercased text (unless :func:`gates_hold` says otherwise): the node's gate, and a set
    lookup that spares the search when the classifier's scan found none of them.
    """

    __slots__ = (
        "_compiled", "_gate", "flags", "keyed", "needles", "non_ascii", "pattern",
        "requirements", "rule_id", "untimed_max", "weak",
    )  # fmt: skip

    def __init__(
        self, pattern: str, compiled: regex.Pattern[str] | None, *, flags: int | None = None
    ) -> None:
        self.pattern = pattern
        # None: compiled at the first search (shipped files, proven valid by the tests, so a
        # process that loads builtin:default does not pay for ~50 compilations up front)
        self._compiled = compiled
        self.flags = compiled.flags if compiled is not None else (flags or 0)
        self.untimed_max = -1  # proven on first use: loading does not pay for the proof
        self._gate: Any = _UNBUILT  # its RE2 prefilter, built at the first search that may use it
        self.rule_id = ""  # the first rule using it (set by the classifier): for messages
        self.requirements, self.weak, bounds = gates_of(
            pattern, verbose=bool(self.flags & regex.VERBOSE)
        )
        self.needles = frozenset().union(*self.requirements) if self.requirements else None
        # each requirement as gate keys: a literal the match needs beside non-word
        # characters (\bstream) is a bounded key, which "upstream" does not give (bounds.py)
        bits = dict(bounds)
        self.keyed = tuple(
            frozenset(bounded_key(literal, bits.get(literal, 0)) for literal in need)
            for need in self.requirements
        )
        # no literal gate: maybe one of the text's characters (Cyrillic, Greek letters)
        self.non_ascii = not self.requirements and needs_non_ascii(
            pattern, verbose=bool(self.flags & regex.VERBOSE)
        )
        self.gate = (
            self.keyed[0]
            if self.requirements
            else frozenset({NON_ASCII})
            if self.non_ascii
            else None
        )
        if self.gate is None and not self.flags & regex.VERBOSE:
            # an alternation of such branches and branches with literals: gated on either
            # (the literals scanned as needles; the search itself tests nothing first)
            mixed = non_ascii_or_literals(pattern)
            if mixed is not None:
                self.needles = mixed
                self.gate = frozenset[GateKey]({*mixed, NON_ASCII})


    def match(self, probe: Probe) -> bool:
        if self.non_ascii and probe.text.isascii():
            return False
        found = probe.found
        if found is not None and self.requirements and gates_hold(probe.text):
            for need in self.requirements:
                if found.isdisjoint(need):
                    return False
        return self.search(probe)

    def search(self, probe: Probe) -> bool:
        """The search itself, without the needle check (generated code does that inline)."""
        if probe.prefilter is not None:
            gate = self._gate
            if gate is _UNBUILT:
                gate = self._gate = probe.prefilter(self.pattern, self.flags)
            if gate is not None:
                data = probe.gate_data()
                if data is not None:
                    answer = gate(data)  # RE2's answer, when it is proven (prefilter.py)
                    if answer is not None:
                        return answer  # type: ignore[no-any-return]
                else:
                    # not ASCII: the wide superset (UTF-8) can only say "no match"
                    wide = probe.wide_data()
                    if wide is not None and gate.refuses_wide(wide):
                        return False
        limit = self.untimed_max
        if limit < 0:
            limit = self.untimed_max = untimed_for(self.compiled)
        return search_bounded(self.compiled, probe.text, limit, probe, self.rule_id)

    def describe(self) -> str:
        return f"regex {self.pattern!r}"


ValueTest = Callable[[list[Any]], bool]
_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "lt": float.__lt__,
    "lte": float.__le__,
    "gt": float.__gt__,
    "gte": float.__ge__,
}
_SYMBOLS = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


def value_test(
    spec: Mapping[str, Any], compiled: regex.Pattern[str] | None
) -> tuple[ValueTest, str]:
    """A predicate over the values found at a JSON path or header, and its description."""
    if "exists" in spec:
        wanted = bool(spec["exists"])
        return (lambda values: bool(values) == wanted), f"exists={wanted}"
    if "equals" in spec or "in" in spec:
        options = [spec["equals"]] if "equals" in spec else list(spec["in"])
        texts = frozenset(t for t in (_scalar_text(option) for option in options) if t is not None)
        label = f"equals {options[0]!r}" if "equals" in spec else f"in {options!r}"
        return (lambda values: any(_scalar_text(v) in texts for v in values)), label
    bounds = [(key, spec[key]) for key in _COMPARISONS if key in spec]
    if bounds:
        checks = tuple((_COMPARISONS[key], float(limit)) for key, limit in bounds)
        label = " and ".join(f"{_SYMBOLS[key]} {limit!r}" for key, limit in bounds)

        def compare(values: list[Any]) -> bool:
            for value in values:
                number = parse_number(value)
                if number is not None and all(check(number, limit) for check, limit in checks):
                    return True
            return False

        return compare, label
    if compiled is not None:
        pattern = compiled
        untimed = [-1]  # proven on first use, as in Regex

        def matches(values: list[Any]) -> bool:
            if untimed[0] < 0:
                untimed[0] = untimed_for(pattern)
            for value in values:
                text = _scalar_text(value)
                if text is not None and search_bounded(pattern, text, untimed[0]):
                    return True
            return False

        return matches, f"matches {spec.get('matches')!r}"
    return bool, "exists"


class Json(Node):
    __slots__ = ("label", "path", "segments", "test")

    def __init__(self, path: str, test: ValueTest, label: str) -> None:
        self.path = path
        self.segments = tuple(path.split("."))
        self.test = test
        self.label = label
        self.gate = None

    def match(self, probe: Probe) -> bool:
        document = probe.json()
        values = [] if document is None else resolve_path(document, self.segments)
        return self.test(values)

    def describe(self) -> str:
        return f"json {self.path} {self.label}"


class JsonKey(Node):
    """``json: {key: ...}``: a member of that name in any object at any depth of the JSON."""

    __slots__ = ("keys", "label", "names", "test")

    def __init__(self, names: Iterable[str], test: ValueTest, label: str, *, absent: bool) -> None:
        self.names = tuple(dict.fromkeys(names))
        self.keys = frozenset(self.names)
        self.test = test
        self.label = label
        # JSON keys are case-sensitive and occur verbatim in the text: a key is a literal every
        # match needs (unless the test is for the key's absence).
        self.gate = None if absent else frozenset[GateKey](name.lower() for name in self.names)

    def match(self, probe: Probe) -> bool:
        text = probe.text
        for name in self.names:
            if name in text:
                break
        else:
            return self.test([])
        document = probe.json()
        return self.test([] if document is None else find_keys(document, self.keys))

    def describe(self) -> str:
        shown = self.names[0] if len(self.names) == 1 else list(self.names)
        return f"json key {shown!r} anywhere {self.label}"


class Header(Node):
    __slots__ = ("label", "name", "pattern", "test")

    def __init__(self, name: str, test: ValueTest, label: str) -> None:
        self.name = name.lower()
        self.pattern = any(char in self.name for char in "*?[")
        self.test = test
        self.label = label
        # A test that fails on no value needs the header: the index tries the rule only for a
        # failure that has it (``headers.get(name) is not None``, as match() reads it).
        needed = not self.pattern and not test([])
        self.gate = frozenset[GateKey]({("header", self.name)}) if needed else None

    def match(self, probe: Probe) -> bool:
        if self.pattern:
            name = self.name
            values = [v for k, v in probe.headers.items() if fnmatch.fnmatchcase(k.lower(), name)]
            return self.test(values)
        value = probe.headers.get(self.name)
        return self.test([] if value is None else [value])

    def describe(self) -> str:
        return f"header {self.name} {self.label}"


class Near(Node):
    """``near:``: words starting with each term, close together, in any order or in order.

    A term is a tuple of alternative lowercased word prefixes. A match is one distinct word per
    term with at most ``within`` other words between neighbours (in the order of the terms
    when ``ordered``). The rule is gated on the alternatives of its most selective term; the
    match first checks every term occurs as a substring, then scans the words.
    """

    __slots__ = ("_full", "_hits", "literals", "ordered", "terms", "within")

    def __init__(self, terms: Iterable[Iterable[str]], within: int, *, ordered: bool) -> None:
        self.terms = tuple(tuple(dict.fromkeys(a.lower() for a in term)) for term in terms)
        self.within = within
        self.ordered = ordered
        self.literals = frozenset(a for term in self.terms for a in term)
        self._full = (1 << len(self.terms)) - 1
        selective = max(self.terms, key=lambda term: min(len(a) for a in term))
        self.gate = self.term_keys(selective)
        # The words starting with any term: the scan visits only these, in C, and counts the
        # words between two of them only while an unfinished match is within reach.
        alternatives = "|".join(re.escape(a) for a in sorted(self.literals, key=len, reverse=True))
        self._hits = re.compile(rf"(?:{alternatives})[^\W_]*")

    @staticmethod
    def term_keys(term: Iterable[str]) -> frozenset[GateKey]:
        """The gate keys of a term: each alternative at the start of a word (no ASCII letter
        or digit before it: what :meth:`_positions` skips)."""
        return frozenset(bounded_key(alternative, LEFT_ALNUM) for alternative in term)

    def match(self, probe: Probe) -> bool:
        found = probe.found
        if found is not None:
            for term in self.terms:
                if found.isdisjoint(term):
                    return False
        else:
            lower = probe.lower
            for term in self.terms:
                if not any(a in lower for a in term):
                    return False
        return self.scan_text(probe.lower)

    def scan_text(self, lower: str) -> bool:
        """Whether the words of ``lower`` match, every term known to occur in it or not (the
        fast path of :meth:`_scan`)."""
        return self._chain(self._positions(lower))

    def _positions(self, lower: str) -> Iterator[tuple[int, str]]:
        position = 0
        end = -1
        cap = NEAR_MAX_WITHIN + 1  # a gap of more words breaks every chain alike
        for hit in self._hits.finditer(lower):
            start = hit.start()
            if start and lower[start - 1].isalnum():
                continue  # inside a word: a term must start the word
            if end >= 0:
                # the words strictly between the previous hit and this one, counted up to cap
                between = sum(1 for _ in islice(WORD.finditer(lower, end, start), cap))
                position += 1 + between
            end = hit.end()
            yield position, hit.group()

    def _scan(self, tokens: list[str]) -> bool:
        """Whether the word sequence ``tokens`` matches (the definition, for tests)."""
        return self._chain(enumerate(tokens))

    def _chain(self, items: Iterable[tuple[int, str]]) -> bool:
        terms = self.terms
        full = self._full
        ordered = self.ordered
        reach = self.within + 1
        # (position, masks of terms covered by a chain of words ending at that position)
        recent: list[tuple[int, set[int]]] = []
        for position, token in items:
            hits = [i for i, term in enumerate(terms) if token.startswith(term)]
            if not hits:
                continue
            while recent and position - recent[0][0] > reach:
                recent.pop(0)
            masks: set[int] = set()
            for i in hits:
                if not ordered or i == 0:
                    masks.add(1 << i)
            for _, previous in recent:
                for mask in previous:
                    for i in hits:
                        bit = 1 << i
                        if mask & bit:
                            continue
                        if ordered and mask != bit - 1:
                            continue
                        masks.add(mask | bit)
            if full in masks:
                return True
            if masks:
                recent.append((position, masks))
        return False

    def describe(self) -> str:
        shown = [term[0] if len(term) == 1 else list(term) for term in self.terms]
        order = ", in order" if self.ordered else ""
        return f"near {shown!r} within {self.within} words{order}"


class ExceptionType(Node):
    __slots__ = ("names",)

    def __init__(self, names: Iterable[str]) -> None:
        self.names = frozenset(names)
        self.gate = frozenset(("exception", name) for name in self.names)

    def match(self, probe: Probe) -> bool:
        return not probe.failure.exception_types.isdisjoint(self.names)

    def describe(self) -> str:
        return f"exception any of {sorted(self.names)!r}"


class Scope(Node):
    """``provider:`` or ``model:`` — shell-style patterns, case-insensitive."""

    __slots__ = ("field", "patterns")

    def __init__(self, field: str, patterns: Iterable[str]) -> None:
        self.field = field
        self.patterns = tuple(pattern.lower() for pattern in patterns)
        literal = all(not any(c in p for c in "*?[") for p in self.patterns)
        self.gate = frozenset((field, p) for p in self.patterns) if literal else None

    def match(self, probe: Probe) -> bool:
        value = getattr(probe.failure, self.field)
        if not value:
            return False
        lowered = value.lower()
        return any(fnmatch.fnmatchcase(lowered, pattern) for pattern in self.patterns)

    def describe(self) -> str:
        return f"{self.field} any of {list(self.patterns)!r}"


def _choose_gate(children: list[Node]) -> frozenset[GateKey] | None:
    # Any gated child is a necessary condition of the whole conjunction; text literals are the
    # most selective, then the smallest key set.
    gated = [child.gate for child in children if child.gate is not None]
    if not gated:
        return None
    return min(
        gated, key=lambda gate: (all(key_literal(k) is None for k in gate), len(gate))
    )


def unwrap(node: Node) -> Node:
    """The node a (chain of) named-condition reference(s) stands for; other nodes unchanged."""
    while isinstance(node, ConditionRef):
        node = node.target
    return node


def _matchers(children: Iterable[Node]) -> tuple[Callable[[Probe], bool], ...]:
    """Bound ``match`` methods of the children, looking through named-condition references."""
    return tuple(unwrap(child).match for child in children)


class All(Node):
    __slots__ = ("_fns", "children")

    def __init__(self, children: list[Node]) -> None:
        self.children = tuple(children)
        self.gate = _choose_gate(children)
        self._fns = _matchers(self.children)

    def match(self, probe: Probe) -> bool:
        for fn in self._fns:  # noqa: SIM110 — a plain loop: no generator on the hot path
            if not fn(probe):
                return False
        return True

    def describe(self) -> str:
        return "all of"

    def explain(self, probe: Probe, depth: int, lines: list[str]) -> bool:
        index = len(lines)
        lines.append("")
        matched = True
        for child in self.children:
            if not child.explain(probe, depth + 1, lines):
                matched = False
                break  # evaluation stops at the first failing condition, like match()
        lines[index] = f"{'  ' * depth}{'✓' if matched else '✗'} all of"
        return matched


class Any_(Node):
    __slots__ = ("_fns", "children")

    def __init__(self, children: list[Node]) -> None:
        self.children = tuple(children)
        gates = [child.gate for child in children]
        self.gate = None if any(g is None for g in gates) else frozenset().union(*gates)  # type: ignore[arg-type]
        self._fns = _matchers(self.children)

    def match(self, probe: Probe) -> bool:
        for fn in self._fns:  # noqa: SIM110 — a plain loop: no generator on the hot path
            if fn(probe):
                return True
        return False

    def describe(self) -> str:
        return "any of"

    def explain(self, probe: Probe, depth: int, lines: list[str]) -> bool:
        index = len(lines)
        lines.append("")
        matched = False
        for child in self.children:
            if child.explain(probe, depth + 1, lines):
                matched = True
                break
        lines[index] = f"{'  ' * depth}{'✓' if matched else '✗'} any of"
        return matched


class Not(Node):
    __slots__ = ("_fn", "child")

    def __init__(self, child: Node) -> None:
        self.child = child
        self.gate = None
        (self._fn,) = _matchers((child,))

    def match(self, probe: Probe) -> bool:
        return not self._fn(probe)

    def describe(self) -> str:
        return "not"

    def explain(self, probe: Probe, depth: int, lines: list[str]) -> bool:
        index = len(lines)
        lines.append("")
        matched = not self.child.explain(probe, depth + 1, lines)
        lines[index] = f"{'  ' * depth}{'✓' if matched else '✗'} not"
        return matched


class ConditionRef(Node):
    __slots__ = ("name", "target")

    def __init__(self, name: str, target: Node) -> None:
        self.name = name
        self.target = target
        self.gate = target.gate

    def match(self, probe: Probe) -> bool:
        return self.target.match(probe)

    def describe(self) -> str:
        return f"condition {self.name}"

    def explain(self, probe: Probe, depth: int, lines: list[str]) -> bool:
        index = len(lines)
        lines.append("")
        matched = self.target.explain(probe, depth + 1, lines)
        lines[index] = f"{'  ' * depth}{'✓' if matched else '✗'} condition {self.name}"
        return matched


class Never(Node):
    """Stands in for a matcher that failed to compile, so loading can report every problem."""

    __slots__ = ()

    def __init__(self) -> None:
        self.gate = None

    def match(self, probe: Probe) -> bool:
        return False

    def describe(self) -> str:
        return "invalid matcher"


def walk(roots: Iterable[Node], seen: set[int] | None = None) -> Iterator[Node]:
    """Every node under ``roots``, a shared one (a named condition used by several rules) only
    the first time: ``seen`` (node ids) can be kept across calls so a later root skips what an
    earlier one reached."""
    seen = set() if seen is None else seen
    stack = list(roots)
    stack.reverse()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, All | Any_):
            stack.extend(reversed(node.children))
        elif isinstance(node, Not):
            stack.append(node.child)
        elif isinstance(node, ConditionRef):
            stack.append(node.target)
