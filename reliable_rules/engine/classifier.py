"""Compiled classification: first match decides, with a strategy chosen per rule set.

Small rule sets (up to :data:`SCAN_THRESHOLD` distinct literals, like ``builtin:seed``) are
evaluated in order with direct substring tests on the lowercased text and stop at the first
match: a handful of C-level ``in`` tests beat any pass over the whole text.

Larger rule sets are *indexed*: one regex pass over the lowercased text finds every literal any
rule mentions (the literals are compiled into a single trie-shaped pattern), and only the
rules whose gate keys are present are evaluated. Adding rules whose literals do not occur in
an error then adds (almost) nothing to classifying it.
"""

from __future__ import annotations

import logging
import re
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from reliable_rules.decision import Decision, Verdict, new_decision
from reliable_rules.engine.bounds import BoundChecks
from reliable_rules.engine.codegen import (
    Compiler,
    compile_decider,
    compile_retry_after,
    compile_rule_matchers,
    retry_literals,
    retry_needles,
)
from reliable_rules.engine.entries import (
    TEXT_STATUS_GATE_VALUES,
    Gate,
    bit_positions,
    entry_table,
    rarest_gates,
)
from reliable_rules.engine.extractors import Extractor
from reliable_rules.engine.lazyregex import regex
from reliable_rules.engine.nodes import (
    NON_ASCII,
    WORD_KEY,
    All,
    Any_,
    ConditionRef,
    Contains,
    GateKey,
    JsonKey,
    Near,
    Never,
    Node,
    Not,
    Probe,
    Regex,
    Scope,
    Status,
    TextStatus,
    key_literal,
    unwrap,
    walk,
)
from reliable_rules.engine.prefilter import available, compile_gate
from reliable_rules.engine.probe import GATE_MAX_TEXT
from reliable_rules.engine.regex_literals import gates_hold, re2_equivalent
from reliable_rules.engine.regex_safety import REGEX_BUDGET_MS
from reliable_rules.engine.scans import (
    DoubleArrayMaskScan,
    MaskScan,
    _AhoScan,
    _DistinctLines,
    literal_scan,
    mask_scan,
)
from reliable_rules.engine.shapes import ShapeScan, re2_module
from reliable_rules.failure import Failure
from reliable_rules.sanitize import compact
from reliable_rules.taxonomy import UNKNOWN, Category

__all__ = ["OVER_WAIT_CATEGORY", "SCAN_THRESHOLD", "Classifier", "CompiledRule", "is_specific"]

#: What a retryable rate limit becomes when its Retry-After exceeds ``policy.max_wait_ms``.
OVER_WAIT_CATEGORY = "quota_exhausted"

# Measured on builtin:seed (52 literals) and the corpus: below this many literals, ordered
# evaluation is faster than scanning; above it, the index keeps cost flat as rules grow.
SCAN_THRESHOLD = 96
#: Texts longer than this have their bounded gate keys checked (bounds.py): past the RE2
#: prefilters' limit, each regex search a hit inside a word sets off reads the whole text;
#: below it, the checks cost more than the searches they spare (builtin:default over the
#: corpus: 26 -> 32 us a record, 0.6 fewer matchers called).
BOUNDED_TEXT = GATE_MAX_TEXT

_DIGITS = re.compile(r"[0-9]+")

logger = logging.getLogger("reliable_rules")


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule ready to evaluate."""

    id: str
    node: Node
    verdict: Verdict

    @property
    def match(self) -> Callable[[Probe], bool]:
        """The bound matcher, looking through a top-level named condition."""
        return unwrap(self.node).match


def _as_rule_fn(
    match: Callable[[Probe], bool],
) -> Callable[[Probe, str, str, object, int], bool]:
    return lambda probe, _text, _lower, _status, _groups: match(probe)


def is_specific(node: Node) -> bool:
    """Whether every way ``node`` can match needs more than the status: text, a JSON field, a
    header or an exception type. Status, ``text_status`` and provider/model scopes alone are
    not specific; ``all`` is when one part is, ``any`` when every branch is; ``not`` never is
    (an absence tells nothing about the error)."""
    if isinstance(node, All):
        return any(is_specific(child) for child in node.children)
    if isinstance(node, Any_):
        return all(is_specific(child) for child in node.children)
    if isinstance(node, ConditionRef):
        return is_specific(node.target)
    return not isinstance(node, Status | TextStatus | Scope | Not | Never)


#: ASCII literals of at most this many characters that no gate uses are left out of the
#: literal scan of an indexed set (see :func:`_unscanned`).
UNSCANNED_MAX_CHARS = 4


def _unscanned(
    literals: set[str], gates: Sequence[Gate | None], seconds: Sequence[Gate | None],
    retry: set[str],
) -> frozenset[str]:
    """The literals the scan of an indexed set leaves out: ASCII, at most
    :data:`UNSCANNED_MAX_CHARS` long, no rule's gate or second gate, no Retry-After literal.

    Such literals ("req", "the", "pro", "not", "for" from the regexes' needed literals) occur
    in most error texts, several times each, and every occurrence is a hit the scan reports
    and the classifier folds into its bits (about a quarter of all hits over the corpus). A
    literal no gate uses is only read by the rules' own tests, which test it with ``in`` on
    the lowercased text instead (codegen): the same answer, asked only when a rule gets there.
    """
    keyed = {key_literal(key) for gate in (*gates, *seconds) if gate for key in gate}
    return frozenset(
        literal
        for literal in literals
        if literal.isascii()
        and 0 < len(literal) <= UNSCANNED_MAX_CHARS
        and literal not in keyed
        and literal not in retry
    )


def _plain_entries(
    index: Mapping[GateKey, int], second_index: Mapping[GateKey, int], count: int
) -> dict[str, int]:
    """literal -> the entries gated on it | those second-gated on it << ``count``, for the
    plain literal keys. A bounded key (a literal needed beside non-word characters:
    bounds.py) is added as its literal by ``BoundChecks.build``; a long text's scan reads
    those apart."""
    table = {key: mask for key, mask in index.items() if isinstance(key, str)}
    for key, bits in second_index.items():
        if isinstance(key, str):
            table[key] = table.get(key, 0) | bits << count
    return table


def _bounded_keys(
    index: Mapping[GateKey, int], second_index: Mapping[GateKey, int], count: int
) -> dict[tuple[str, int], int]:
    """(literal, neighbour bits) of each bounded key -> its index bits (second gates' a rule
    count higher)."""
    bounded: dict[tuple[str, int], int] = {}
    for source, shift in ((index, 0), (second_index, count)):
        for key, bits in source.items():
            if isinstance(key, tuple) and key[0] == WORD_KEY:
                pair: tuple[str, int] = key[1]  # type: ignore[assignment]
                bounded[pair] = bounded.get(pair, 0) | bits << shift
    return bounded


def _has_bounded(gate: Gate) -> bool:
    """Whether ``gate`` holds a bounded key (judged where ``gates_hold``, as regex literals)."""
    return any(isinstance(key, tuple) and key[0] == WORD_KEY for key in gate)


def _shape_rules(
    rules: Sequence[CompiledRule], owners: Sequence[int], ungated: int
) -> list[tuple[int, str, bool, bool]]:
    """(entry, pattern, ignore case, projectable) of the ungated entries needing such a
    regex: those of rules with one entry (``owners``: each entry's rule)."""
    entries = []
    split = {position for position, count in Counter(owners).items() if count > 1}
    for entry, position in enumerate(owners):
        if not ungated >> entry & 1:
            continue
        if position in split:
            continue  # a split rule's ungated entry stays a candidate
        node = unwrap(rules[position].node)
        needed = [unwrap(child) for child in node.children] if isinstance(node, All) else [node]
        for candidate in needed:
            if isinstance(candidate, Regex) and re2_equivalent(candidate.pattern):
                ignore_case = bool(candidate.flags & regex.IGNORECASE)
                projectable = re2_equivalent(candidate.pattern, projected=True)
                entries.append((entry, candidate.pattern, ignore_case, projectable))
                break
    return entries


def _rule_literals(rules: Sequence[CompiledRule]) -> tuple[set[str], set[str], list[Regex]]:
    """Every literal the rules' matchers read from the scan, those of them a regex needs, and
    the regexes (each named after the first rule using it: one walk over the rules visits a
    shared named condition once, by the first rule using it, which its warnings name)."""
    literals: set[str] = set()
    regex_literals: set[str] = set()
    regexes: list[Regex] = []
    seen: set[int] = set()
    for rule in rules:
        for node in walk((rule.node,), seen):
            if isinstance(node, Regex):
                node.rule_id = node.rule_id or rule.id
                regexes.append(node)
            if isinstance(node, Contains):
                literals.update(node.lowered)
            elif isinstance(node, Near):
                literals.update(node.literals)  # every term is checked against the scan
            elif isinstance(node, JsonKey) and node.gate is not None:
                literals.update(str(key) for key in node.gate)
            elif isinstance(node, Regex) and node.needles is not None:
                literals.update(node.needles)
                regex_literals.update(node.needles)
            elif isinstance(node, TextStatus):
                literals.update(node.needed_digits(TEXT_STATUS_GATE_VALUES) or ())
    return literals, regex_literals, regexes


#: An enforced invariant as the classifier reads it: its id, the failures it is about, and the
#: names of the categories it refuses for them.
Guard = tuple[str, Node, frozenset[str]]


class Classifier:
    """Compiled rules of one layered rule set."""

    def __init__(
        self,
        *,
        name: str,
        revision: str,
        rules: Sequence[tuple[str, Node, Category]],
        categories: Mapping[str, Category],
        extractors: Sequence[Extractor],
        max_wait_ms: int | None = None,
        regex_budget_ms: float = REGEX_BUDGET_MS,
        compiler: Compiler | None = None,
        guards: Sequence[Guard] = (),
    ) -> None:
        # ``compiler``: how the generated matcher source becomes code (the loader passes a
        # cache for the shipped sets); the default compiles it. ``guards``: the enforced
        # invariants (``enforce: true``), each the failures it is about and the categories it
        # refuses for them: a rule whose category a guard refuses is passed over for such a
        # failure, and the next rule in order that matches decides.
        self.name = name
        #: The regex time one classification may spend on timed searches (policy).
        self.regex_budget_s = regex_budget_ms / 1000
        self.revision = revision
        self.extractors = tuple(extractors)
        self.rules = tuple(
            CompiledRule(
                rule_id, node, Verdict(category, rule_id, name, revision, self, is_specific(node))
            )
            for rule_id, node, category in rules
        )
        self._by_id = {rule.id: rule for rule in self.rules}
        self.unknown = Verdict(categories[UNKNOWN], None, name, revision, self, specific=False)
        self._verdicts = tuple(rule.verdict for rule in self.rules)
        self._guards = tuple(
            (guard_id, when, frozenset(
                position for position, rule in enumerate(self.rules)
                if rule.verdict.category.name in refused
            ))
            for guard_id, when, refused in guards
        )  # fmt: skip
        #: The positions some guard may pass over (the hot path asks only this).
        self._guarded: frozenset[int] = frozenset().union(
            *(positions for _, _, positions in self._guards)
        )
        # A retryable rate limit asking for a wait over max_wait_ms is decided as
        # quota_exhausted by the same rule (when the rule set has that category).
        quota = categories.get(OVER_WAIT_CATEGORY)
        self.max_wait_ms = max_wait_ms or None
        self._over_wait: dict[Verdict, Verdict] = (
            {
                rule.verdict: Verdict(quota, rule.id, name, revision, self, rule.verdict.specific)
                for rule in self.rules
                if rule.verdict.category.rate_limited and rule.verdict.category.retryable
            }
            if quota is not None and self.max_wait_ms is not None
            else {}
        )
        self._max_wait = self.max_wait_ms if self._over_wait else None

        literals, regex_literals, regexes = _rule_literals(self.rules)
        literals.update(retry_literals(self.extractors))
        #: Builds each regex's RE2 prefilter, which spares the searches that cannot match
        #: (extra `fast`; see prefilter.py); None without the accelerator.
        self.prefilter = compile_gate if regexes and available() else None
        self.indexed = len(literals) > SCAN_THRESHOLD
        self._scan_literals = frozenset(literals)
        # Built at the first classification (literal_scan, mask_scan): loading a rule set that
        # never classifies (a CLI check, an executor whose calls all succeed) does not pay.
        self._scan: Callable[[str], set[str]] | None = None
        self._mask_scan: Callable[[str], int] | None = None
        self._scans_built = not self.indexed
        nodes = [rule.node for rule in self.rules]
        # Candidates are selected per entry (a way a rule can match: entries.py); a rule's
        # entries have consecutive positions, and entry p belongs to rule _entry_rule[p].
        # _after: rule -> the entries of later rules, what is left once it is rejected
        entries, self._entry_rule, self._after = entry_table(nodes, split=self.indexed)
        self._all_rules = (1 << len(entries)) - 1
        gates, seconds = rarest_gates(entries)
        #: Short literals the scan leaves out (see _unscanned): tested with ``in`` when needed.
        self.unscanned = (
            _unscanned(literals, gates, seconds, retry_literals(self.extractors))
            if self.indexed
            else frozenset()
        )
        self._decide_all = None if self.indexed else compile_decider(nodes, compiler=compiler)
        generated = (
            compile_rule_matchers(nodes, compiler=compiler, unscanned=self.unscanned)
            if self.indexed
            else None
        )
        self._matchers = (
            tuple(generated[0])
            if generated is not None
            else tuple(_as_rule_fn(rule.match) for rule in self.rules)
        )
        # literal -> bits of the literal sets the generated matchers test (see codegen)
        self._literal_bits: dict[str, int] = generated[1] if generated is not None else {}
        # Sources marked `only: rate_limited` are consulted for rate-limit decisions alone.
        self._retry_rate_limited = compile_retry_after(self.extractors, compiler=compiler)
        general = [e for e in self.extractors if not e.rate_limited_only]
        self._retry_fn = (
            self._retry_rate_limited
            if len(general) == len(self.extractors)
            else compile_retry_after(general, compiler=compiler)
        )
        # A literal each Retry-After source needs, when every source but the headers has one:
        # with no header and none of them found, no source can answer (any decision).
        self._retry_needles = retry_needles(self.extractors)

        self._build_index(regex_literals, gates, seconds)

    def _build_index(
        self, regex_literals: set[str], gates: list[Gate | None], seconds: list[Gate | None]
    ) -> None:
        # Candidate rules are bit sets (bit i = rule i): one OR per key present, then the set
        # bits are visited in rule order until one rule matches.
        index: dict[GateKey, int] = {}
        ungated = 0
        ascii_gated = 0  # gated on a regex's literals: valid where gates_hold(text)
        for position, gate in enumerate(gates):
            if gate is None:
                ungated |= 1 << position
                continue
            if not regex_literals.isdisjoint(gate) or _has_bounded(gate):
                ascii_gated |= 1 << position
            for key in gate:
                index[key] = index.get(key, 0) | 1 << position
        self._index = index
        # Second gates (literals only): a candidate must also have one key of its second gate
        # present, unless it has none (_unsecured) or it came from a regex and the text holds a
        # letter case folding equates with ASCII (_second_ascii, as ascii_gated).
        count = self._rule_count = len(self._entry_rule)  # entries
        second_index: dict[GateKey, int] = {}
        unsecured = second_ascii = 0
        for position, second in enumerate(seconds):
            if second is None:
                unsecured |= 1 << position
                continue
            if not regex_literals.isdisjoint(second) or _has_bounded(second):
                second_ascii |= 1 << position
            for key in second:  # literals, plain or bounded (rarest_gates keeps those only)
                second_index[key] = second_index.get(key, 0) | 1 << position
        self._unsecured = unsecured
        self._second_ascii = second_ascii
        # literal -> (the rules gated on it) | (the rules second-gated on it) << rule count |
        # (its literal-set bits) << twice the rule count: decide() gets all three from one
        # dict lookup per literal found
        self._group_shift = 2 * count
        table = _plain_entries(index, second_index, count)
        for literal, bits in self._literal_bits.items():
            table[literal] = table.get(literal, 0) | bits << self._group_shift
        # and above the literal sets, one bit for the literals the Retry-After sources need
        self._retry_shift = self._group_shift + max(
            (bits.bit_length() for bits in self._literal_bits.values()), default=0
        )
        for literal in self._retry_needles or ():
            table[literal] = table.get(literal, 0) | 1 << self._retry_shift
        #: The long texts' bounded checks (bounds.py); None when no gate has a bounded key.
        self._bounds = BoundChecks.build(table, _bounded_keys(index, second_index, count))
        #: Longer texts are read by the set scan, which judges the bounded keys.
        self._mask_max = sys.maxsize if self._bounds is None else BOUNDED_TEXT
        self._literal_table = table
        # Ungated rules that need a literal-free regex (shapes of IDs and codes): one RE2 set
        # scan says which can match (extra `fast`; see shapes.py)
        self._shapes: ShapeScan | None = None
        shape_rules = _shape_rules(self.rules, self._entry_rule, ungated) if self.indexed else []
        module = re2_module() if shape_rules else None
        if module is not None:
            try:
                self._shapes = ShapeScan(shape_rules, module)
            except Exception:  # noqa: BLE001 — RE2 refusing a set only costs speed
                logger.debug("reliable_rules: RE2 set not built; shape rules stay ungated")
            else:
                ungated &= ~self._shapes.mask
        self._ungated = ungated
        self._ascii_gated = ascii_gated
        self._status_masks = {
            key[1]: mask
            for key, mask in index.items()
            if isinstance(key, tuple) and key[0] == "status"
        }
        self._any_status = self._status_masks.get("*", 0)
        kinds = {key[0] for key in index if isinstance(key, tuple)}
        # (name, rules gated on that header), for the failures that carry headers
        self._header_gates = tuple(
            (str(key[1]), mask)
            for key, mask in index.items()
            if isinstance(key, tuple) and key[0] == "header"
        )
        self._gates_provider = "provider" in kinds
        self._gates_model = "model" in kinds
        self._no_status = self._status_masks.get(None, 0)
        # the entries whose gate is a letter no ASCII text holds (nodes.NON_ASCII)
        self._non_ascii = index.get(NON_ASCII, 0)
        # decide() selects candidates inline unless a gate needs more than the literals found,
        # the status and the exception types (provider, model, the RE2 shape set)
        self._plain_gates = not (self._gates_provider or self._gates_model or self._shapes)

    @property
    def scan_kind(self) -> str | None:
        """Which literal scan runs: "aho-corasick" (extra `fast`: daachorse's automaton, or
        pyahocorasick's), "trie" (pure Python), or None (a small set evaluated in order).
        Builds the scans."""
        self._build_scans()
        scan = self._mask_scan or self._scan
        if scan is None:
            return None
        inner = getattr(scan, "inner", scan)
        accelerated = isinstance(inner, _AhoScan | MaskScan | DoubleArrayMaskScan)
        return "aho-corasick" if accelerated else "trie"

    def _build_scans(self) -> None:
        """decide()'s scan: the index bits of the literals found (extra `fast`: MaskScan),
        else the literals found (the trie)."""
        if not self._scans_built:
            self._mask_scan = mask_scan(self._literal_table)
            if self._mask_scan is None:
                self._built_scan()
            self._scans_built = True

    def _built_scan(self) -> Callable[[str], set[str]] | None:
        """The literal scan of an indexed set, built on first use (None when not indexed)."""
        scan = self._scan
        if scan is None and self.indexed:
            scan = self._scan = literal_scan(self._scan_literals)
        return scan

    def ungated_positions(self) -> tuple[int, ...]:
        """Positions of the rules tried on every error (none when not indexed: small sets)."""
        if not self.indexed:
            return ()
        owners = self._entry_rule
        return tuple(dict.fromkeys(owners[p] for p in range(len(owners)) if self._ungated >> p & 1))

    def literal_groups(self, found: set[str] | None) -> int:
        """The bits the generated matchers test for the literals ``found`` (see codegen)."""
        groups = 0
        bits = self._literal_bits.get
        for literal in found or ():
            groups |= bits(literal, 0)
        return groups

    def _probe(self, failure: Failure) -> Probe:
        text = failure.text
        lower = text.lower()
        scan = self._built_scan()
        probe = Probe(failure, text, lower, None if scan is None else scan(lower), self.prefilter)
        probe.regex_left_s = self.regex_budget_s
        return probe

    def _candidates(self, probe: Probe) -> int:
        """The bit set of rules (bit i: rule i) with an entry whose gate keys are present (all
        rules when not indexed)."""
        found = probe.found
        if found is None:
            return (1 << len(self.rules)) - 1
        bounds = self._bounds
        if bounds is not None and len(probe.lower) > BOUNDED_TEXT:
            # the literals the probe's scan found, each bounded key judged on the text (as
            # _scan_set judges it on the distinct lines: an occurrence's neighbours are the
            # same in both), rather than scanning the long text a second time
            combined = bounds.combined(found, self._literal_table, probe.lower)
        else:
            combined = 0
            table = self._literal_table.get
            for literal in found:
                combined |= table(literal, 0)
        mask = self._more_candidates(probe, combined & self._all_rules)
        return self._rules_of(mask & self._second(combined, probe.text))

    def _rules_of(self, entries: int) -> int:
        """The bit set of the rules owning the entries of ``entries``."""
        rules = 0
        owners = self._entry_rule
        for entry in bit_positions(entries):
            rules |= 1 << owners[entry]
        return rules

    def entry_positions(self, position: int) -> tuple[int, ...]:
        """The entries (candidate-selection positions: ``_entries``) of rule ``position``."""
        return tuple(p for p, owner in enumerate(self._entry_rule) if owner == position)

    def _second(self, combined: int, text: str) -> int:
        """The rules whose second gate is present (or who have none): see _build_index."""
        second = (combined >> self._rule_count) & self._all_rules | self._unsecured
        if not gates_hold(text):
            second |= self._second_ascii
        return second

    def _more_candidates(self, probe: Probe, mask: int) -> int:
        """``mask`` (the rules gated on the literals found) with the rules gated otherwise."""
        index = self._index
        mask |= self._ungated
        if not gates_hold(probe.text):
            mask |= self._ascii_gated
        if not probe.text.isascii():
            mask |= self._non_ascii
        if self._shapes is not None:
            mask |= self._shapes(probe.text)
        failure = probe.failure
        status = failure.status
        mask |= self._status_masks.get(status, 0)
        if status is not None:
            mask |= self._any_status
        if failure.exception_types or failure.headers:
            mask |= self._typed_mask(failure)
        if self._gates_provider and failure.provider:
            mask |= index.get(("provider", failure.provider.lower()), 0)
        if self._gates_model and failure.model:
            mask |= index.get(("model", failure.model.lower()), 0)
        return mask

    def _typed_mask(self, failure: Failure) -> int:
        """The rules gated on an exception type or a header ``failure`` carries."""
        index = self._index
        mask = 0
        for name in failure.exception_types:
            mask |= index.get(("exception", name), 0)
        if failure.headers:
            mask |= self._header_mask(failure.headers)
        return mask

    def _header_mask(self, headers: Mapping[str, str]) -> int:
        """The rules gated on a header ``headers`` holds (read as Header.match reads it)."""
        mask = 0
        for name, gated in self._header_gates:
            if headers.get(name) is not None:
                mask |= gated
        return mask

    def decide(self, failure: Failure) -> Decision:
        """Classify a normalised failure (the hot path: kept flat on purpose, with what
        :meth:`_more_candidates` and :meth:`_decision` do inlined for the common case)."""
        text = failure.text
        lower = text.lower()
        status = failure.status
        if self._decide_all is not None:
            return self._decide_ordered(failure, text, lower)
        if not self._scans_built:
            self._build_scans()
        # The OR of the table entries of the literals found gives the rules gated on them, the
        # rules second-gated on them, the literal sets the generated matchers test and the
        # Retry-After bit (see _build_index): from the mask scan in C (extra `fast`; the
        # probe then has no set of literals: every reader falls back to the text), else one
        # lookup per literal the trie found.
        # (a long text, when some gate has a bounded key, is read by the set scan, which
        # judges those keys: each regex search they spare reads the whole text)
        by_mask = self._mask_scan if len(lower) <= self._mask_max else None
        found: set[str] | None = None
        if by_mask is not None:
            combined = by_mask(lower)
        else:
            found, combined = self._scan_set(lower)
        probe = Probe(failure, text, lower, found, self.prefilter)
        probe.regex_left_s = self.regex_budget_s
        matchers = self._matchers
        verdict = self.unknown
        scanned = by_mask is not None or found is not None
        if not scanned:
            mask = self._all_rules
            groups = 0
        else:
            groups = combined >> self._group_shift
            all_rules = self._all_rules
            if self._plain_gates:
                # _more_candidates and _second for a set gated on literals, statuses and
                # exception types alone
                mask = combined & all_rules | self._ungated
                second = (combined >> self._rule_count) & all_rules | self._unsecured
                if not text.isascii():
                    mask |= self._non_ascii
                    if not gates_hold(text):
                        mask |= self._ascii_gated
                        second |= self._second_ascii
                if status is None:
                    mask |= self._no_status
                else:
                    mask |= self._status_masks.get(status, 0) | self._any_status
                if failure.exception_types or failure.headers:
                    mask |= self._typed_mask(failure)
            else:
                mask = self._more_candidates(probe, combined & all_rules)
                second = self._second(combined, text)
            mask &= second
        owners = self._entry_rule
        while mask:
            position = owners[(mask & -mask).bit_length() - 1]
            if matchers[position](probe, text, lower, status, groups):
                verdict = (
                    self._verdicts[position]
                    if position not in self._guarded
                    else self._guarded_verdict(probe, position, self._verdicts[position])
                )
                break
            mask &= self._after[position]  # the rule's other entries: tried already
        if (
            scanned
            and self._retry_needles is not None
            and not failure.headers
            and not combined >> self._retry_shift & 1
        ):
            # No Retry-After source can answer: no header, and none of the literals the
            # other sources need (what the generated function tests first)
            return new_decision(verdict, None, failure)
        return self._decision(verdict, probe, lower, failure)

    def _scan_set(self, lower: str) -> tuple[set[str] | None, int]:
        """The literals the set scan finds (None: not indexed) and their table entries' OR;
        for a long text (:data:`BOUNDED_TEXT`), a bounded key's bits only where its literal
        occurs with the neighbours it needs."""
        scan = self._built_scan()
        if scan is None:
            return None, 0
        bounds = self._bounds
        if bounds is not None and len(lower) > BOUNDED_TEXT:
            if isinstance(scan, _DistinctLines):
                # read once as the scan reads it: the distinct lines (no literal holds a line
                # break, so an occurrence and its neighbours lie within a line or beside one)
                lower = "\n".join(dict.fromkeys(lower.split("\n")))
                scan = scan.inner
            found = scan(lower)
            return found, bounds.combined(found, self._literal_table, lower)
        found = scan(lower)
        combined = 0
        table = self._literal_table.get
        for literal in found:
            combined |= table(literal, 0)
        return found, combined

    def _decide_ordered(self, failure: Failure, text: str, lower: str) -> Decision:
        """decide() for a small set: its rules in order, in one generated function."""
        probe = Probe(failure, text, lower, None, self.prefilter)
        probe.regex_left_s = self.regex_budget_s
        position = self._decide_all(probe, text, lower, failure.status)  # type: ignore[misc]
        verdict = self._verdicts[position] if position >= 0 else self.unknown
        if position in self._guarded:
            verdict = self._guarded_verdict(probe, position, verdict)
        return self._decision(verdict, probe, lower, failure)

    def _refused(self, probe: Probe) -> list[tuple[str, frozenset[int]]]:
        """The guards whose failures include this one: (id, the positions they pass over)."""
        return [
            (guard_id, positions) for guard_id, when, positions in self._guards if when.match(probe)
        ]

    def _guarded_verdict(self, probe: Probe, position: int, verdict: Verdict) -> Verdict:
        """``verdict`` (the rule at ``position`` matched), or, when a guard refuses its
        category for this failure, the verdict of the next rule in order that matches and that
        no guard refuses (the unknown verdict when none does). Rare by design (a 401 whose
        text reads as a server overload), so the rules after it are read one by one: the index
        only ever skips rules that cannot match, so the order's answer is the same."""
        refused = self._refused(probe)
        if not any(position in positions for _, positions in refused):
            return verdict
        barred = frozenset().union(*(positions for _, positions in refused))
        for later in range(position + 1, len(self.rules)):
            if later not in barred and self.rules[later].match(probe):
                return self._verdicts[later]
        return self.unknown

    def _decision(self, verdict: Verdict, probe: Probe, lower: str, failure: Failure) -> Decision:
        """The decision for ``verdict``: its Retry-After, and the policy's max_wait_ms."""
        if not verdict.category.rate_limited:
            return new_decision(verdict, self._retry_fn(probe, lower), failure)
        retry = self._retry_rate_limited(probe, lower)
        limit = self._max_wait
        if limit is not None and retry is not None and retry > limit:
            verdict = self._over_wait.get(verdict, verdict)
        return new_decision(verdict, retry, failure)

    def matches_bare(self, rule_id: str, failure: Failure) -> bool:
        """Whether rule ``rule_id`` matches ``failure`` stripped to its status, provider, model
        and the numbers of its text: True means the rule decided on the status alone."""
        rule = self._by_id.get(rule_id)
        if rule is None:
            return False
        digits = " ".join(_DIGITS.findall(failure.text))
        bare = Failure(digits, failure.status, provider=failure.provider, model=failure.model)
        return rule.match(Probe(bare, digits, digits, None))

    def explain(self, failure: Failure) -> str:
        """The evaluation trace for ``failure``: every rule tried, why it matched or not."""
        probe = self._probe(failure)
        mask = self._candidates(probe)
        candidates = {position for position in range(len(self.rules)) if mask >> position & 1}
        lines = [
            f"rule set {self.name} (revision {self.revision}), {len(self.rules)} rules",
            f"failure: status={'none' if failure.status is None else failure.status}"
            + (f" provider={failure.provider}" if failure.provider else "")
            + (f" model={failure.model}" if failure.model else ""),
            f"text: {compact(probe.text, limit=300)!s}",
        ]
        decided: Verdict = self.unknown
        skipped = 0
        for position, rule in enumerate(self.rules):
            if position not in candidates:
                skipped += 1
                continue
            trace: list[str] = []
            matched = rule.node.explain(probe, 2, trace)
            lines.append(f"  rule {rule.id}: {'MATCH' if matched else 'no match'}")
            lines.extend(trace)
            if matched and position in self._guarded:
                refusing = [gid for gid, positions in self._refused(probe) if position in positions]
                if refusing:
                    lines.append(
                        f"    passed over: invariant {', '.join(refusing)} refuses "
                        f"{rule.verdict.category.name} for this failure (enforce: true)"
                    )
                    continue
            if matched:
                decided = rule.verdict
                break
        if skipped:
            lines.append(f"  ({skipped} rules skipped by the index: none of their keys occur)")
        if probe.regex_skipped:
            lines.append(
                f"regex time budget ({self.regex_budget_s * 1000:g} ms) spent: the regex of "
                f"{len(probe.regex_skipped)} rule(s) was skipped and counted as no match "
                f"({', '.join(dict.fromkeys(probe.regex_skipped))})"
            )
        retry = None
        rate_limited = decided.category.rate_limited
        for extractor in self.extractors:
            if extractor.rate_limited_only and not rate_limited:
                continue
            retry = extractor.extract(probe)
            if retry is not None:
                lines.append(f"retry-after: {retry} ms from {extractor.describe()}")
                break
        limit = self._max_wait
        if limit is not None and retry is not None and retry > limit and decided in self._over_wait:
            lines.append(
                f"retry-after {retry} ms exceeds policy.max_wait_ms {limit} ms: not worth "
                f"waiting on this provider, decided as {OVER_WAIT_CATEGORY} "
                f"(instead of {decided.category.name})"
            )
            decided = self._over_wait[decided]
        category = decided.category
        lines.append(
            f"decision: {category.name} (reason {category.reason}, action {category.action.value}, "
            f"rule {decided.rule_id or 'none: no rule matched'})"
        )
        return "\n".join(lines)
