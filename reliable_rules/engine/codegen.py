"""Compile a rule set's matchers into Python source: one flat function per rule set.

Interpreting a tree of matcher objects costs a method call per node, which is most of the time
of classifying a short error message. The compiled form is what a careful hand-written
classifier looks like: ``"429" in text``, ``status == 429``, ``("a" in lower or "b" in lower)``,
each named condition evaluated at most once per call (memoised in a local), rules tested top
to bottom with an early return. Matchers that need real work (regex, JSON, headers, the
text_status digit scan) are called through their compiled node.

Safety: every literal from a rule file enters the source through ``repr()`` (a str, int or
None literal); everything else is referenced by generated names bound in the namespace, so a
rule file can never inject code.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from types import CodeType
from typing import Any

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
    Header,
    JsonKey,
    Near,
    Node,
    Not,
    Probe,
    Regex,
    Status,
    TextStatus,
    unwrap,
)
from reliable_rules.engine.prefilter import AnyGate
from reliable_rules.engine.regex_literals import gates_hold

__all__ = [
    "MAX_SOURCE_CHARS",
    "Compiler",
    "DecideFn",
    "RetryFn",
    "compile_decider",
    "compile_retry_after",
    "retry_literals",
    "retry_needles",
]

# A rule set whose nested conditions would expand past this is interpreted instead.
MAX_SOURCE_CHARS = 2_000_000

DecideFn = Callable[[Probe, str, str, "int | None"], int]
RetryFn = Callable[[Probe, str], "int | None"]
#: ``(source, filename) -> code``: how generated source becomes code (a cache may answer).
Compiler = Callable[[str, str], CodeType]


class _Emitter:
    def __init__(self, *, indexed: bool, unscanned: frozenset[str] = frozenset()) -> None:
        self.indexed = indexed
        #: literals the scan does not look for: tested with ``in lower`` where needed
        self.unscanned = unscanned
        self.namespace: dict[str, Any] = {}
        self.memo: dict[str, str] = {}
        self._ids: dict[int, str] = {}
        self.groups: dict[frozenset[str], str] = {}
        #: literal -> the bits of every group holding it
        self.literal_bits: dict[str, int] = {}

    def present(self, literals: frozenset[str]) -> str:
        """A test that one of ``literals`` (lowercased) occurs in the lowercased text: the
        scan's bit for those it looks for, a substring test for the others."""
        scanned = literals - self.unscanned
        tests = [f"B & {self.group(scanned)}"] if scanned else []
        tests.extend(f"{literal!r} in lower" for literal in sorted(literals & self.unscanned))
        return tests[0] if len(tests) == 1 else "(" + " or ".join(tests) + ")"

    def group(self, literals: frozenset[str]) -> str:
        """The name of the bit that says one of ``literals`` occurs (indexed sets: see
        :func:`compile_rule_matchers`)."""
        name = self.groups.get(literals)
        if name is None:
            bit = len(self.groups)
            name = self.groups[literals] = f"B{bit}"
            self.namespace[name] = 1 << bit
            for literal in literals:
                self.literal_bits[literal] = self.literal_bits.get(literal, 0) | 1 << bit
        return name

    def constant(self, value: object, prefix: str) -> str:
        key = id(value)
        name = self._ids.get(key)
        if name is None:
            name = f"{prefix}{len(self._ids)}"
            self._ids[key] = name
            self.namespace[name] = value
        return name

    def expr(self, node: Node) -> str:
        if isinstance(node, Contains):
            return self._contains(node)
        if isinstance(node, Status):
            if node.mode == "none":
                return "status is None"
            if node.mode == "any":
                return "status is not None"
            if len(node.values) == 1:
                return f"status == {next(iter(node.values))!r}"
            return f"status in {self.constant(node.values, 'S')}"
        if isinstance(node, All):
            return "(" + " and ".join(self.expr(child) for child in node.children) + ")"
        if isinstance(node, Any_):
            return self._any(node)
        if isinstance(node, Not):
            return f"(not {self.expr(node.child)})"
        if isinstance(node, ConditionRef):
            inner = self.expr(node.target)
            if self.indexed:
                return inner
            local = self.memo.setdefault(node.name, f"c{len(self.memo)}")
            return f"({local} if {local} is not None else ({local} := {inner}))"
        if isinstance(node, Regex) and (node.requirements or node.weak):
            # None of the literals every match needs: no search (unless the text holds one of
            # the three non-ASCII letters case folding equates with ASCII: see regex_literals)
            search = self.constant(node.search, "F")
            return f"({self._regex_needs(node)} and {search}(P))"
        if isinstance(node, Regex) and node.non_ascii:
            # no literal, but a letter no ASCII text holds (Cyrillic, Greek): ASCII texts, most
            # of them, are not searched
            return f"(not text.isascii() and {self.constant(node.search, 'F')}(P))"
        if isinstance(node, Near) and self.indexed:
            # each term's alternatives as a literal set, then the word scan alone (what
            # Near.match does after testing the terms, which a mask scan's probe would test
            # again with a substring search per alternative)
            terms = " and ".join(self.present(frozenset(term)) for term in node.terms)
            return f"({terms} and {self.constant(node, 'N')}.scan_text(lower))"
        # Regex, JSON, headers, exceptions, scopes, text_status: the node does the work, after
        # an inline test that no match can skip (most failures fail it: no call at all).
        call = f"{self.constant(node.match, 'F')}(P)"
        needed = _precheck(node)
        return call if needed is None else f"({needed} and {call})"

    def _regex_needs(self, node: Regex) -> str:
        """The test that a regex's needed literals are present (or that they may not be)."""
        if node.non_ascii:
            return "(not text.isascii())"
        scanned = node.requirements if self.indexed else ()
        tests = [self.present(need) for need in scanned]
        tests.extend(
            "(" + " or ".join(f"{needle!r} in lower" for needle in sorted(need)) + ")"
            for need in (node.weak if self.indexed else node.requirements + node.weak)
        )
        holds = self.constant(gates_hold, "G")
        return f"({' and '.join(tests)} or not {holds}(text))"

    def _any(self, node: Any_) -> str:
        branches = [self.expr(child) for child in node.children]
        regexes = [i for i, child in enumerate(node.children) if isinstance(unwrap(child), Regex)]
        if len(regexes) < 2:
            return "(" + " or ".join(branches) + ")"
        # One RE2 pass says whether any regex branch can match (prefilter.AnyGate); the
        # branches are pure, so testing the regex ones together changes no answer. Asked
        # only when some regex branch has its needed literals (each branch tests its own
        # again): otherwise none can match, and the pass is spared.
        gate = self.constant(AnyGate([unwrap(node.children[i]) for i in regexes]), "A")
        nodes = [unwrap(node.children[i]) for i in regexes]
        needs = [
            self._regex_needs(regex)
            for regex in nodes
            if isinstance(regex, Regex) and (regex.requirements or regex.weak or regex.non_ascii)
        ]
        ask = f"{gate}(P)"
        if len(needs) == len(nodes):
            ask = f"({' or '.join(needs)}) and {ask}"
        grouped = f"({ask} and (" + " or ".join(branches[i] for i in regexes) + "))"
        others = [branch for i, branch in enumerate(branches) if i not in regexes]
        return "(" + " or ".join([grouped, *others]) + ")"

    def _contains(self, node: Contains) -> str:
        if node.sensitive:
            direct = " or ".join(f"{needle!r} in text" for needle in node.needles)
            if self.indexed:
                return f"({self.present(node.lowered)} and ({direct}))"
            return f"({direct})"
        if self.indexed:
            return f"({self.present(node.lowered)})"
        needles = dict.fromkeys(needle.lower() for needle in node.needles)
        return "(" + " or ".join(f"{needle!r} in lower" for needle in needles) + ")"


#: A text_status listing at most this many values is prechecked by their digits.
_MAX_STATUS_PRECHECK = 8


def _precheck(node: Node) -> str | None:
    """An expression that is true whenever ``node`` matches (so ``precheck and node.match(P)``
    is ``node.match(P)``), far cheaper than the call, or None.

    * a header or JSON-key test that fails on no value: the header must be present (for a
      name pattern, some header), the key's name must occur in the text (``JsonKey.match``
      tests the same first);
    * ``text_status`` naming a few values: a run of digits whose value is one of them holds
      that number's digits (leading zeros only add to the run).
    """
    if isinstance(node, Header) and not node.test([]):
        if node.pattern:
            return "P.failure.headers"
        return f"({node.name!r} in P.failure.headers)"
    if isinstance(node, JsonKey) and not node.test([]) and node.names:
        return "(" + " or ".join(f"{name!r} in text" for name in node.names) + ")"
    if isinstance(node, TextStatus):
        digits = node.needed_digits(_MAX_STATUS_PRECHECK)
        if digits is not None:
            return "(" + " or ".join(f"{value!r} in text" for value in sorted(digits)) + ")"
    return None


# A code object is immutable and each build executes it in a namespace of its own, so a set
# built again from the same files (a reload, a lint of each file with the bases it extends, a
# test's fresh load) compiles none of its generated matchers again: `validate --strict` of the
# shipped files compiled 318 sources for 152 builds.
@functools.lru_cache(maxsize=512)
def _compile(source: str, filename: str) -> CodeType:
    return compile(source, filename, "exec", dont_inherit=True)


def _build(
    source: str,
    namespace: dict[str, Any],
    name: str,
    *,
    capped: bool = True,
    compiler: Compiler | None = None,
) -> Any:
    if capped and len(source) > MAX_SOURCE_CHARS:
        return None
    code = (compiler or _compile)(source, f"<reliable_rules {name}>")
    exec(code, namespace)
    # The functions keep the builtins they were made with: the namespace is kept (and stored
    # whole by ruleset/statecache.py) without the interpreter's own builtins dict.
    namespace.pop("__builtins__", None)
    return namespace[name]


def compile_decider(nodes: Sequence[Node], *, compiler: Compiler | None = None) -> DecideFn | None:
    """One function ``(probe, text, lower, status) -> index of the first matching rule or -1``.

    For rule sets evaluated in order (not indexed). None when the source would be too large.
    ``compiler`` turns the source into code (default: ``compile``).
    """
    emitter = _Emitter(indexed=False)
    body = [
        f"    if {emitter.expr(node)}:\n        return {index}" for index, node in enumerate(nodes)
    ]
    head = "def decide(P, text, lower, status):\n"
    if emitter.memo:
        head += "    " + " = ".join(emitter.memo.values()) + " = None\n"
    source = head + "\n".join(body) + "\n    return -1\n"
    function: DecideFn | None = _build(source, emitter.namespace, "decide", compiler=compiler)
    return function


RuleFn = Callable[[Probe, str, str, Any, int], object]  # truthy when the rule matches


def compile_rule_matchers(
    nodes: Sequence[Node],
    *,
    compiler: Compiler | None = None,
    unscanned: frozenset[str] = frozenset(),
) -> tuple[list[RuleFn], dict[str, int]] | None:
    """One function per rule ``(probe, text, lower, status, groups) -> truthy when it
    matches``, for indexed sets, and the bits of each literal. (The value is the expression's
    own, an int for a literal-set test: the classifier only tests its truth, and a ``bool()``
    call per rule tried was a builtin call on every record's hot path.)

    The literal scan reports the set of literals found; a ``contains`` (or a regex's needed
    literals) is true when one of its literals is among them. Testing that with
    ``set.isdisjoint`` cost 0.4 us a time, eight times per evaluation of the context-overflow
    family: instead each distinct literal set is one bit, the classifier ORs the bits of the
    literals found once per classification (``groups``), and the test is ``groups & bit``.
    """
    emitter = _Emitter(indexed=True, unscanned=unscanned)
    lines = [
        f"def rule_{index}(P, text, lower, status, B):\n    return {emitter.expr(node)}\n"
        for index, node in enumerate(nodes)
    ]
    source = (
        "\n".join(lines) + "\nrules = [" + ", ".join(f"rule_{i}" for i in range(len(nodes))) + "]\n"
    )
    functions: list[RuleFn] | None = _build(
        source, emitter.namespace, "rules", compiler=compiler
    )
    return None if functions is None else (functions, emitter.literal_bits)


def retry_literals(extractors: Sequence[Extractor]) -> set[str]:
    """The literals the generated Retry-After function looks up in the scan's set."""
    found: set[str] = set()
    for extractor in extractors:
        if isinstance(extractor, PrefixSource):
            found.add(extractor.literal)
        elif isinstance(extractor, RegexSource) and extractor.needle is not None:
            found.add(extractor.needle)
        elif isinstance(extractor, JsonSource):
            found.update(key.lower() for key in extractor.keys if key.isascii())
    return found


def retry_needles(extractors: Sequence[Extractor]) -> frozenset[str] | None:
    """A literal each non-header source needs in the scan's set, or None when one needs none."""
    needed: set[str] = set()
    for extractor in extractors:
        if isinstance(extractor, HeaderSource):
            continue
        if isinstance(extractor, JsonSource) and any(key.isascii() for key in extractor.keys):
            needed.add(max((key.lower() for key in extractor.keys if key.isascii()), key=len))
        elif isinstance(extractor, PrefixSource):
            needed.add(extractor.literal)
        elif isinstance(extractor, RegexSource) and extractor.needle is not None:
            needed.add(extractor.needle)
        else:
            return None  # a source without a literal: always asked
    return frozenset(needed)


def compile_retry_after(
    extractors: Sequence[Extractor], *, compiler: Compiler | None = None
) -> RetryFn:
    """One function ``(probe, lower) -> milliseconds or None`` trying the sources in order.

    When ``probe.found`` is set, it must hold every literal of :func:`retry_literals` present.
    """
    emitter = _Emitter(indexed=False)
    lines = [
        "def retry_after(P, lower):",
        "    H = P.failure.headers",
        "    text = P.text",
        "    F = P.found",
    ]
    # When no header is present and none of the literals the sources need was found, no
    # source can answer: one set test instead of one per source (most failures).
    needed = retry_needles(extractors)
    if needed is not None:
        literals = emitter.constant(needed, "R")
        lines.append(f"    if not H and F is not None and F.isdisjoint({literals}):")
        lines.append("        return None")
    for extractor in extractors:
        guard = None
        if isinstance(extractor, HeaderSource):
            # most failures carry no headers, and few carry this one: a dict lookup
            guard = f"H and {extractor.name!r} in H"
        elif isinstance(extractor, JsonSource) and extractor.keys:
            # JSON keys occur verbatim in the text when the path can resolve; the scan's set
            # answers first (no pass over a long text) for the keys it holds
            guard = " and ".join(
                (f"(F is None or {key.lower()!r} in F) and " if key.isascii() else "")
                + f"{key!r} in text"
                for key in extractor.keys
            )
        if guard is not None:
            lines.append(f"    if {guard}:")
            lines.append(f"        value = {emitter.constant(extractor.extract, 'E')}(P)")
            lines.append("        if value is not None:\n            return value")
            continue
        needle = (
            extractor.literal
            if isinstance(extractor, PrefixSource)
            else extractor.needle
            if isinstance(extractor, RegexSource)
            else None
        )
        if needle is not None:
            # the literal every match needs: absent from nearly every failure, so the source
            # costs one substring test
            # (in the scan's set when there is one: the classifier scans for these literals)
            lines.append(f"    if {needle!r} in F if F is not None else {needle!r} in lower:")
            lines.append(f"        value = {emitter.constant(extractor.extract, 'E')}(P)")
            lines.append("        if value is not None:\n            return value")
        else:
            lines.append(f"    value = {emitter.constant(extractor.extract, 'E')}(P)")
            lines.append("    if value is not None:\n        return value")
    lines.append("    return None\n")
    # One short statement per source: never large, so never capped.
    function: RetryFn = _build(
        "\n".join(lines), emitter.namespace, "retry_after", capped=False, compiler=compiler
    )
    return function
