"""Turn the matcher and extractor mappings of a rule file into compiled nodes.

Every defect is recorded as a :class:`~reliable_rules.errors.Problem` pointing at the node
that caused it; a defective matcher compiles to :class:`~reliable_rules.engine.nodes.Never` so
the rest of the file is still checked and all problems are reported at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from reliable_rules._text import closest
from reliable_rules.engine.extractors import (
    Extractor,
    HeaderSource,
    JsonSource,
    PrefixSource,
    RegexSource,
)
from reliable_rules.engine.lazyregex import DeferredPattern, compiled_once, regex
from reliable_rules.engine.nodes import (
    NEAR_MAX_TERMS,
    NEAR_MAX_WITHIN,
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
    value_test,
    words,
)
from reliable_rules.errors import Problem
from reliable_rules.ruleset.sourcemap import Path, SourceMap

__all__ = [
    "MATCHER_KEYS",
    "MAX_MATCHER_DEPTH",
    "MAX_MATCHER_NODES",
    "MAX_PATTERN_LENGTH",
    "MAX_REPEAT_PRODUCT",
    "MAX_RULESET_NODES",
    "NEAR_DEFAULT_WITHIN",
    "ConditionSource",
    "MatcherCompiler",
    "compile_extractor",
]

MATCHER_KEYS = (
    "status",
    "text_status",
    "contains",
    "near",
    "regex",
    "json",
    "header",
    "exception",
    "provider",
    "model",
    "all",
    "any",
    "not",
    "condition",
)
_MAX_EXPANDED_STATUSES = 1000
#: A regex of a rule file may be this long (characters) ...
MAX_PATTERN_LENGTH = 4000
#: ... and its counted repeats, nested, may multiply to this many copies (``(a{100}){100}`` is
#: 10,000): the regex engine expands counted repeats when it compiles the pattern.
MAX_REPEAT_PRODUCT = 10_000
#: A rule's or named condition's matcher, with every condition it names written out, may hold
#: this many nodes; the engine walks (and generates code for) the expanded tree.
MAX_MATCHER_NODES = 5000
#: Nesting depth of a matcher (``all``/``any``/``not`` and condition references counted).
MAX_MATCHER_DEPTH = 48
#: All rules and named conditions of a rule set together, expanded as above.
MAX_RULESET_NODES = 200_000
#: ``near:`` without ``within`` (and its list shorthand) allows this many words in between.
NEAR_DEFAULT_WITHIN = 3
_VALUE_TESTS = ("equals", "in", "matches", "exists")
_COMPARISONS = ("lt", "lte", "gt", "gte")


class ConditionSource:
    """A named condition's raw matcher and where it was written (a plain class: creating a
    dataclass costs every fresh process about a millisecond)."""

    __slots__ = ("data", "path", "source")

    def __init__(self, data: Any, source: SourceMap, path: Path) -> None:
        self.data = data
        self.source = source
        self.path = path


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _compile_regex(
    pattern: str, *, sensitive: bool, source: SourceMap, path: Path, problems: list[Problem]
) -> regex.Pattern[str] | None:
    flags = 0 if sensitive else regex.IGNORECASE
    shown = pattern if len(pattern) <= 80 else pattern[:77] + "..."
    if len(pattern) > MAX_PATTERN_LENGTH:
        problems.append(
            source.problem(
                path,
                f"regex {shown!r} is {len(pattern):,} characters long "
                f"(limit {MAX_PATTERN_LENGTH:,})",
                "regex-too-large",
            )
        )
        return None
    product = repeat_product(pattern)
    if product > MAX_REPEAT_PRODUCT:
        problems.append(
            source.problem(
                path,
                f"regex {shown!r}: its counted repeats multiply to "
                f"{'more than 10**18' if product >= _PRODUCT_CAP else f'{product:,}'} copies "
                f"(limit {MAX_REPEAT_PRODUCT:,}); use `*`/`+` or smaller counts",
                "regex-too-large",
            )
        )
        return None
    try:
        # one object per pattern in the process: a directory's files are each loaded with the
        # vocabulary they extend (``validate rules/`` compiled 11,045 patterns, 1,884 distinct)
        return compiled_once(pattern, flags)
    except regex.error as error:
        position = getattr(error, "pos", None)
        where = f" at position {position}" if position is not None else ""
        reason = getattr(error, "msg", None) or str(error)
        problems.append(
            source.problem(path, f"bad regex {pattern!r}: {reason}{where}", "bad-regex")
        )
        return None
    except (OverflowError, RecursionError, ValueError) as error:
        problems.append(source.problem(path, f"bad regex {pattern!r}: {error}", "bad-regex"))
        return None


def _within_bounds(pattern: str) -> bool:
    """``len(pattern) <= MAX_PATTERN_LENGTH and repeat_product(pattern) <= MAX_REPEAT_PRODUCT``.

    Every counted repeat's count multiplied together bounds the product of any nesting of
    them: when that is within the limit (every shipped pattern), the scan is not needed.
    """
    if len(pattern) > MAX_PATTERN_LENGTH:
        return False
    bound = 1
    for found in _COUNTED.finditer(pattern):
        low, high = found.group(1), found.group(2)
        if low or high:
            bound *= max(int(low[:19] or 0), int((high or "")[:19] or 0), 1)
            if bound > MAX_REPEAT_PRODUCT:
                return repeat_product(pattern) <= MAX_REPEAT_PRODUCT
    return True


# the standard library's re (imported anyway): importing regex waits for a pattern to compile
_COUNTED = re.compile(r"\{(\d*)(?:,(\d*))?\}")
_PRODUCT_CAP = 10**18


def repeat_product(pattern: str) -> int:
    """The largest product of nested counted repeats (``{n}``, ``{m,n}``, ``{m,}``) in
    ``pattern``: how many copies of one atom the compiled pattern may hold (capped at 10**18).

    A conservative scan: escapes and character classes are atoms, a group is an atom ending
    at its ``)``; ``*``, ``+`` and ``?`` expand to nothing at compile time.
    """
    if "{" not in pattern:
        return 1  # no counted repeat at all (most patterns): the scan below would find none
    open_groups: list[int] = []
    # (start, end, count): the quantified atom spans pattern[start:end]
    repeats: list[tuple[int, int, int]] = []
    atom: int | None = None
    i, size = 0, len(pattern)
    while i < size:
        char = pattern[i]
        if char == "\\":
            atom, i = i, i + 2
        elif char == "[":
            j = i + 1
            j += pattern.startswith("^", j)
            j += pattern.startswith("]", j)
            while j < size and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            atom, i = i, j + 1
        elif char == "(":
            open_groups.append(i)
            atom, i = None, i + 1
        elif char == ")":
            atom, i = (open_groups.pop() if open_groups else 0), i + 1
        elif char == "{" and atom is not None and (found := _COUNTED.match(pattern, i)):
            low, high = found.group(1), found.group(2)
            if low or high:
                count = max(int(low[:19] or 0), int((high or "")[:19] or 0))
                repeats.append((atom, i, max(count, 1)))
            atom, i = None, found.end()
        else:
            atom, i = i, i + 1
    # Groups nest or are disjoint: in order of start, a stack holds the enclosing repeats.
    worst = 1
    enclosing: list[tuple[int, int]] = []  # (end, product)
    for start, end, count in sorted(repeats, key=lambda r: (r[0], -r[1])):
        while enclosing and enclosing[-1][0] <= start:
            enclosing.pop()
        product = min(count * (enclosing[-1][1] if enclosing else 1), _PRODUCT_CAP)
        enclosing.append((end, product))
        worst = max(worst, product)
    return worst


class MatcherCompiler:
    """Compiles matchers of one layered rule set, resolving named conditions late."""

    def __init__(self, conditions: Mapping[str, ConditionSource], problems: list[Problem]) -> None:
        self._conditions = conditions
        self._compiled: dict[str, Node] = {}
        self._in_progress: list[str] = []
        self.problems = problems
        self.used_conditions: set[str] = set()
        # id(node) -> (node, expanded size, depth); the node is kept so its id is not reused.
        self._extent: dict[int, tuple[Node, int, int]] = {}
        self._level = 0
        self._total = 0
        self._total_reported = False

    def condition(self, name: str) -> Node:
        """The compiled named condition ``name`` (compiled once)."""
        if name in self._compiled:
            return self._compiled[name]
        spec = self._conditions[name]
        if spec.source.is_rejected(spec.path):
            self._compiled[name] = Never()  # its schema problems are reported already
            return self._compiled[name]
        self._in_progress.append(name)
        level, self._level = self._level, 0  # a condition's bounds are its own
        try:
            node = self.compile(spec.data, spec.source, (*spec.path,))
        finally:
            self._in_progress.pop()
            self._level = level
        self._compiled[name] = node
        return node

    def compile_all_conditions(self) -> None:
        """Compile every named condition, so defects in unused ones are reported too."""
        for name in self._conditions:
            if name not in self._compiled:
                self.condition(name)

    def compile(self, data: Any, source: SourceMap, path: Path) -> Node:
        """Compile the matcher ``data`` found at ``path`` of ``source``.

        A matcher nested deeper than :data:`MAX_MATCHER_DEPTH`, or whose tree with every named
        condition written out holds more than :data:`MAX_MATCHER_NODES` nodes, is reported and
        compiled to ``Never``: shared conditions are compiled once, but the engine expands them.
        """
        if self._level >= MAX_MATCHER_DEPTH:
            self.problems.append(
                source.problem(
                    path,
                    f"{self._owner()}matcher nested deeper than {MAX_MATCHER_DEPTH} levels",
                    "matcher-too-deep",
                )
            )
            return self._measured(Never())
        self._level += 1
        try:
            node = self._measured(self._compile(data, source, path))
        finally:
            self._level -= 1
        if self._level == 0:
            _node, size, depth = self._extent[id(node)]
            if size > MAX_MATCHER_NODES or depth > MAX_MATCHER_DEPTH:
                self.problems.append(
                    source.problem(
                        path,
                        f"{self._owner()}matcher expands to {size:,} nodes, {depth} levels deep, "
                        f"with its named conditions written out (limit {MAX_MATCHER_NODES:,} "
                        f"nodes, {MAX_MATCHER_DEPTH} levels); share less or flatten it",
                        "matcher-too-large",
                    )
                )
                return self._measured(Never())
            self._total += size
            if self._total > MAX_RULESET_NODES and not self._total_reported:
                self.problems.append(
                    source.problem(
                        path,
                        f"{self._owner()}the rule set's matchers expand to more than "
                        f"{MAX_RULESET_NODES:,} nodes with their named conditions written out",
                        "matcher-too-large",
                    )
                )
                self._total_reported = True
                return self._measured(Never())
        return node

    def _owner(self) -> str:
        return f"condition {self._in_progress[-1]!r}: " if self._in_progress else ""

    def _measured(self, node: Node) -> Node:
        """``node``, its expanded size and depth recorded (its children's are recorded)."""
        if id(node) in self._extent:
            return node
        children: tuple[Node, ...] = ()
        if isinstance(node, All | Any_):
            children = node.children
        elif isinstance(node, Not):
            children = (node.child,)
        elif isinstance(node, ConditionRef):
            children = (node.target,)
        size, depth = 1, 1
        for child in children:
            known = self._extent.get(id(child))
            _child, child_size, child_depth = known if known else (child, 1, 1)
            size += child_size
            depth = max(depth, child_depth + 1)
        self._extent[id(node)] = (node, size, depth)
        return node

    def _compile(self, data: Any, source: SourceMap, path: Path) -> Node:
        if not isinstance(data, dict):
            return Never()  # the schema has reported it
        keys = [key for key in data if key in MATCHER_KEYS]
        if len(keys) != 1:
            if len(keys) > 1:
                self.problems.append(
                    source.problem(
                        path,
                        "a matcher takes exactly one of its keys, found "
                        f"{', '.join(map(repr, keys))}; "
                        "combine them with `all: [...]` or `any: [...]`",
                        "matcher-shape",
                    )
                )
            return Never()
        key = keys[0]
        value = data[key]
        case = data.get("case")
        if case is not None and key not in ("contains", "regex"):
            self.problems.append(
                source.problem(
                    (*path, "case"),
                    f"`case` applies only to `contains` and `regex`, not to `{key}`",
                    "matcher-shape",
                    at_key=True,
                )
            )
        sensitive = case == "sensitive"
        here = (*path, key)
        method = getattr(self, f"_m_{key}")
        node: Node = method(value, sensitive, source, here)
        return node

    # One method per matcher key; each receives the value, the case flag, and its location.

    def _m_status(self, value: Any, _s: bool, source: SourceMap, path: Path) -> Node:
        if value in ("none", "any"):
            return Status(value, label=value)
        if isinstance(value, bool):
            return Never()
        if isinstance(value, int):
            return Status("in", frozenset({value}), label=str(value))
        if isinstance(value, list) and all(isinstance(v, int) for v in value):
            return Status("in", frozenset(value), label=str(sorted(set(value))))
        if (
            isinstance(value, dict)
            and isinstance(value.get("min"), int)
            and isinstance(value.get("max"), int)
        ):
            low, high = value["min"], value["max"]
            excluded = frozenset(v for v in value.get("except", []) if isinstance(v, int))
            if low > high:
                self.problems.append(
                    source.problem(
                        path, f"status range is empty: min {low} > max {high}", "bad-range"
                    )
                )
                return Never()
            if high - low > _MAX_EXPANDED_STATUSES:
                self.problems.append(
                    source.problem(
                        path,
                        f"status range {low}..{high} is wider than {_MAX_EXPANDED_STATUSES}",
                        "bad-range",
                    )
                )
                return Never()
            label = f"{low}..{high}" + (f" except {sorted(excluded)}" if excluded else "")
            return Status("in", frozenset(range(low, high + 1)) - excluded, label=label)
        return Never()

    def _m_text_status(self, value: Any, _s: bool, source: SourceMap, path: Path) -> Node:
        if not (
            isinstance(value, dict)
            and isinstance(value.get("min"), int)
            and isinstance(value.get("max"), int)
        ):
            return Never()
        low, high = value["min"], value["max"]
        if low > high:
            self.problems.append(
                source.problem(
                    path, f"text_status range is empty: min {low} > max {high}", "bad-range"
                )
            )
            return Never()
        excluded = frozenset(v for v in value.get("except", []) if isinstance(v, int))
        included = value.get("in")
        chosen = (
            frozenset(v for v in included if isinstance(v, int))
            if isinstance(included, list)
            else None
        )
        if chosen is not None and excluded:
            self.problems.append(
                source.problem(
                    path, "text_status takes `in` or `except`, not both", "matcher-shape"
                )
            )
        return TextStatus(low, high, excluded, chosen)

    def _m_contains(self, value: Any, sensitive: bool, _src: SourceMap, _p: Path) -> Node:
        needles = [needle for needle in _strings(value) if needle]
        return Contains(needles, sensitive=sensitive) if needles else Never()

    def _m_near(self, value: Any, _s: bool, source: SourceMap, path: Path) -> Node:
        if isinstance(value, list):
            spec: dict[str, Any] = {"words": value}
            words_path: Path = path
        elif isinstance(value, dict):
            spec = value
            words_path = (*path, "words")
        else:
            return Never()
        raw = spec.get("words")
        within = spec.get("within", NEAR_DEFAULT_WITHIN)
        ordered = spec.get("ordered", False)
        if (
            not isinstance(raw, list)
            or not isinstance(ordered, bool)
            or isinstance(within, bool)
            or not isinstance(within, int)
        ):
            return Never()  # the schema has reported it
        valid = True
        if not 1 <= len(raw) <= NEAR_MAX_TERMS:
            self.problems.append(
                source.problem(
                    words_path,
                    f"near takes 1 to {NEAR_MAX_TERMS} terms, found {len(raw)}",
                    "matcher-shape",
                )
            )
            valid = False
        if not 0 <= within <= NEAR_MAX_WITHIN:
            self.problems.append(
                source.problem(
                    (*path, "within"),
                    f"near within must be 0 to {NEAR_MAX_WITHIN} words, found {within}",
                    "bad-range",
                )
            )
            valid = False
        terms: list[list[str]] = []
        for index, term in enumerate(raw):
            alternatives = [term] if isinstance(term, str) else term
            if not isinstance(alternatives, list) or not alternatives:
                return Never()
            for position, word in enumerate(alternatives):
                where: Path = (*words_path, index) + ((position,) if isinstance(term, list) else ())
                if not isinstance(word, str):
                    return Never()
                if words(word) != [word]:
                    self.problems.append(
                        source.problem(
                            where,
                            f"near term {word!r} is not one word: a term is a word prefix of "
                            "letters and digits only (no spaces, `_`, `-` or other "
                            "punctuation); write each word as its own term",
                            "bad-near-term",
                        )
                    )
                    valid = False
            terms.append([word for word in alternatives if isinstance(word, str)])
        return Near(terms, within, ordered=ordered) if valid else Never()

    def _m_regex(self, value: Any, sensitive: bool, source: SourceMap, path: Path) -> Node:
        if not isinstance(value, str):
            return Never()
        if source.file.startswith("builtin:") and _within_bounds(value):
            # A shipped file: the tests compile every regex of it, so compiling waits for the
            # first search (loading builtin:default compiled ~50 patterns up front).
            return Regex(value, None, flags=0 if sensitive else regex.IGNORECASE)
        compiled = _compile_regex(
            value, sensitive=sensitive, source=source, path=path, problems=self.problems
        )
        return Regex(value, compiled) if compiled is not None else Never()

    def _value_spec(
        self, value: dict[str, Any], source: SourceMap, path: Path
    ) -> tuple[Any, str] | None:
        tests = [key for key in _VALUE_TESTS if key in value]
        bounds = [key for key in _COMPARISONS if key in value]
        if len(tests) > 1 or (tests and bounds):
            self.problems.append(
                source.problem(
                    path,
                    "use one of equals/in/matches/exists, or numeric comparisons "
                    f"lt/lte/gt/gte, found {', '.join(tests + bounds)}",
                    "matcher-shape",
                )
            )
            return None
        for key in bounds:
            if isinstance(value[key], bool) or not isinstance(value[key], int | float):
                return None  # the schema has reported it
        compiled = None
        if (
            "matches" in value
            and isinstance(value["matches"], str)
            and source.file.startswith("builtin:")
            and _within_bounds(value["matches"])
        ):
            # A shipped file (its tests compile every regex): compiled on the first search
            return value_test(value, cast("regex.Pattern[str]", DeferredPattern(value["matches"])))
        if "matches" in value and isinstance(value["matches"], str):
            compiled = _compile_regex(
                value["matches"],
                sensitive=True,
                source=source,
                path=(*path, "matches"),
                problems=self.problems,
            )
            if compiled is None:
                return None
        return value_test(value, compiled)

    def _check_path(self, dotted: str, source: SourceMap, path: Path) -> bool:
        if any(not segment for segment in dotted.split(".")):
            self.problems.append(
                source.problem(path, f"JSON path {dotted!r} has an empty segment", "bad-path")
            )
            return False
        return True

    def _m_json(self, value: Any, _s: bool, source: SourceMap, path: Path) -> Node:
        if not isinstance(value, dict):
            return Never()
        if ("path" in value) == ("key" in value):
            self.problems.append(
                source.problem(
                    path,
                    "a json matcher takes exactly one of `path` (a dotted path) and "
                    "`key` (a member name anywhere)",
                    "matcher-shape",
                )
            )
            return Never()
        if "key" in value:
            names = [name for name in _strings(value["key"]) if name]
            spec = self._value_spec(value, source, path) if names else None
            if spec is None:
                return Never()
            return JsonKey(names, *spec, absent=value.get("exists") is False)
        if not isinstance(value.get("path"), str):
            return Never()
        if not self._check_path(value["path"], source, (*path, "path")):
            return Never()
        spec = self._value_spec(value, source, path)
        return Json(value["path"], *spec) if spec else Never()

    def _m_header(self, value: Any, _s: bool, source: SourceMap, path: Path) -> Node:
        if not isinstance(value, dict) or not isinstance(value.get("name"), str):
            return Never()
        spec = self._value_spec(value, source, path)
        return Header(value["name"], *spec) if spec else Never()

    def _m_exception(self, value: Any, _s: bool, _src: SourceMap, _p: Path) -> Node:
        names = _strings(value)
        return ExceptionType(names) if names else Never()

    def _m_provider(self, value: Any, _s: bool, _src: SourceMap, _p: Path) -> Node:
        patterns = _strings(value)
        return Scope("provider", patterns) if patterns else Never()

    def _m_model(self, value: Any, _s: bool, _src: SourceMap, _p: Path) -> Node:
        patterns = _strings(value)
        return Scope("model", patterns) if patterns else Never()

    def _children(self, value: Any, source: SourceMap, path: Path) -> list[Node]:
        if not isinstance(value, list):
            return []
        return [self.compile(item, source, (*path, index)) for index, item in enumerate(value)]

    def _m_all(self, value: Any, _s: bool, source: SourceMap, path: Path) -> Node:
        children = self._children(value, source, path)
        return All(children) if children else Never()

    def _m_any(self, value: Any, _s: bool, source: SourceMap, path: Path) -> Node:
        children = self._children(value, source, path)
        return Any_(children) if children else Never()

    def _m_not(self, value: Any, _s: bool, source: SourceMap, path: Path) -> Node:
        return Not(self.compile(value, source, path))

    def _m_condition(self, value: Any, _s: bool, source: SourceMap, path: Path) -> Node:
        if not isinstance(value, str):
            return Never()
        if value not in self._conditions:
            self.problems.append(
                source.problem(
                    path,
                    f"unknown condition {value!r}{closest(value, self._conditions)}",
                    "unknown-condition",
                )
            )
            return Never()
        if value in self._in_progress:
            cycle = " -> ".join([*self._in_progress[self._in_progress.index(value) :], value])
            self.problems.append(
                source.problem(path, f"condition cycle: {cycle}", "condition-cycle")
            )
            return Never()
        self.used_conditions.add(value)
        return ConditionRef(value, self.condition(value))


_EXTRACTOR_KEYS = ("header", "prefix", "regex", "json")
_DEFAULT_UNITS = {"header": "auto", "prefix": "s", "regex": "auto", "json": "auto"}


def compile_extractor(
    data: Any, source: SourceMap, path: Path, problems: list[Problem]
) -> Extractor | None:
    """Compile one ``retry_after:`` entry."""
    if not isinstance(data, dict) or source.is_rejected(path):
        return None
    keys = [key for key in _EXTRACTOR_KEYS if key in data]
    if len(keys) != 1:
        problems.append(
            source.problem(
                path,
                "a retry_after entry takes exactly one of header, prefix, regex, json"
                + (f"; found {', '.join(keys)}" if keys else ""),
                "extractor-shape",
            )
        )
        return None
    key = keys[0]
    value = data[key]
    if not isinstance(value, str):
        return None
    unit = data.get("unit", _DEFAULT_UNITS[key])
    if unit not in ("s", "ms", "auto"):
        return None
    only = data.get("only") == "rate_limited"
    if key == "header":
        return HeaderSource(value, unit, only=only)
    if key == "prefix":
        return PrefixSource(value, unit, only=only)
    if key == "json":
        return JsonSource(value, unit, only=only)
    if source.file.startswith("builtin:") and _within_bounds(value):
        # A shipped file (its tests compile every regex, and check the group): compiled on
        # the first search, so loading never imports the regex package
        return RegexSource(value, unit, only=only)
    compiled = _compile_regex(
        value, sensitive=False, source=source, path=(*path, key), problems=problems
    )
    if compiled is None:
        return None
    if compiled.groups < 1:
        problems.append(
            source.problem(
                (*path, key),
                "a retry_after regex needs one capturing group for the number",
                "bad-regex",
            )
        )
        return None
    return RegexSource(compiled, unit, only=only)
