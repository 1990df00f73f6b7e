"""Candidate selection's units: the *entries* of a rule (one per way it can match) and the
gates each can use; the classifier (``classifier.py``) indexes them.

A rule is tried when one of its entries has its gate and its second gate present (keys of
the literal scan, a status, a header, an exception type). Every gate of an entry is needed by
each match through it, and every match goes through one entry, so the selection is exact.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from reliable_rules.engine.nodes import (
    WORD_KEY,
    All,
    Any_,
    GateKey,
    Near,
    Node,
    Regex,
    TextStatus,
    key_literal,
    unwrap,
)
from reliable_rules.engine.rarity import key_share

__all__ = [
    "MAX_ENTRIES",
    "TEXT_STATUS_GATE_VALUES",
    "Gate",
    "bit_positions",
    "entries",
    "entry_table",
    "gate_options",
    "rarest_gates",
    "rule_entries",
]

Gate = frozenset[GateKey]
#: A ``text_status`` naming at most this many values is gated on their digits.
TEXT_STATUS_GATE_VALUES = 8


def bit_positions(mask: int) -> Iterator[int]:
    """The positions of the bits set in ``mask`` (an entry or rule bit set), lowest first."""
    while mask:
        lowest = mask & -mask
        yield lowest.bit_length() - 1
        mask ^= lowest


def gate_options(node: Node) -> list[frozenset[GateKey]]:
    """Gates ``node`` could use: its own, and each requirement of a regex it needs."""
    node = unwrap(node)
    options = [] if node.gate is None else [node.gate]
    if isinstance(node, Regex):
        options.extend(node.keyed[1:])
    elif isinstance(node, TextStatus):
        # the digits of one of its few values ("429"), which the scan looks for
        digits = node.needed_digits(TEXT_STATUS_GATE_VALUES)
        if digits is not None:
            options.append(frozenset[GateKey](digits))
    elif isinstance(node, Near):
        # every term must occur (Near.match tests each against the scan first)
        terms = (Near.term_keys(term) for term in node.terms)
        options.extend(term for term in terms if term not in options)
    elif isinstance(node, All):
        for child in node.children:
            options.extend(option for option in gate_options(child) if option not in options)
    return options


#: A rule splits into at most this many entries (see :func:`entries`); past it, the part
#: that would split further is gated as a whole.
MAX_ENTRIES = 40


def entries(node: Node) -> list[list[Gate]]:
    """The gate options (:func:`gate_options`) of each way ``node`` can match: one entry per
    branch of an ``any:`` (also under ``all:``, with the options of the other parts), one entry
    for anything else.

    The candidate selection needs one entry's gates present, not one gate of the whole rule:
    an ``any:`` of five wordings, each a ``contains`` and a regex, was a candidate whenever one
    wording's first literal occurred ("below", "system"), even with its second one absent,
    and was rejected inside its matcher (builtin:default over the corpus: 11.3 matchers called
    per classification, 10.3 of them rejected; 4.9 called per entry). Each entry's gates are
    needed by every match through it, and every match goes through one entry, so selecting
    the rules with one entry's gates present is exact.
    """
    node = unwrap(node)
    if isinstance(node, Any_):
        split: list[list[Gate]] = []
        for child in node.children:
            split.extend(entries(child))
            if len(split) > MAX_ENTRIES:
                return [gate_options(node)]
        return split
    if isinstance(node, All):
        combos: list[list[Gate]] = [[]]
        for child in node.children:
            parts = entries(child)
            if len(parts) > 1 and (
                len(combos) * len(parts) > MAX_ENTRIES or not _has_literal(parts)
            ):
                # past the cap, or branches without literals (a status either absent or in a
                # range): gated as a whole, which leaves the room to the literal branches
                parts = [gate_options(child)]
            combos = [
                [*combo, *(option for option in part if option not in combo)]
                for combo in combos
                for part in parts
            ]
        return combos
    return [gate_options(node)]


def _has_literal(parts: list[list[Gate]]) -> bool:
    """Whether one of the entries ``parts`` has a gate option holding a literal."""
    return any(
        key_literal(key) is not None for part in parts for option in part for key in option
    )


def rule_entries(node: Node) -> list[list[Gate]]:
    """:func:`entries` of a rule; a rule that does not split keeps :func:`gate_options`."""
    split = entries(node)
    return split if len(split) > 1 else [gate_options(node)]


def entry_table(
    nodes: Sequence[Node], *, split: bool
) -> tuple[list[list[Gate]], tuple[int, ...], tuple[int, ...]]:
    """Every rule's entries in rule order (one per rule unless ``split``), the rule of each
    entry, and for each rule the bit set of the entries after its own."""
    table: list[list[Gate]] = []
    owners: list[int] = []
    after: list[int] = []
    for position, node in enumerate(nodes):
        parts = rule_entries(node) if split else [gate_options(node)]
        table.extend(parts)
        owners.extend([position] * len(parts))
        after.append(len(table))
    every = (1 << len(table)) - 1
    return table, tuple(owners), tuple(every >> end << end for end in after)


def _counted(key: GateKey) -> GateKey:
    literal = key_literal(key)
    return key if literal is None else literal


def _bounds(gate: Gate) -> int:
    """How many neighbour bits the bounded keys of ``gate`` hold (a plain literal: none)."""
    count = 0
    for key in gate:
        if isinstance(key, tuple) and key[0] == WORD_KEY:
            bounded: tuple[str, int] = key[1]  # type: ignore[assignment]
            count += bin(bounded[1]).count("1")
    return count


def _strongest(choices: list[Gate]) -> list[Gate]:
    """``choices`` with one gate per set of literals: the one whose keys hold the most
    neighbour bits (a regex's ``\\bmessage`` beside a ``contains: message``: both are
    needed, and the bounded one holds in fewer texts). Other gates are kept as they are."""
    best: dict[object, Gate] = {}
    for gate in choices:
        literals = frozenset(map(key_literal, gate))
        same: object = gate if None in literals else literals
        kept = best.get(same)
        if kept is None or _bounds(gate) > _bounds(kept):
            best[same] = gate
    return list(best.values())


def rarest_gates(
    options: Sequence[list[Gate]],
) -> tuple[list[Gate | None], list[Gate | None]]:
    """Each entry's gate: of the keys it could be gated on, those the fewest error texts hold
    (:func:`~reliable_rules.engine.rarity.key_share`), then those fewest entries share; and its
    second gate: of its other gates made of literals alone, the rarest (None when it has none).

    ``options``: the gate options of each entry (:func:`rule_entries`).
    "request" is in 29% of errors and a missing status in 41%; a literal many rules need
    ("exceeded") occurs in many texts too, and an ID only one rule names is the better gate
    when the table knows neither. Every gate of an entry is needed by each of its matches, so
    an entry is a candidate only when both are present.
    """
    # counted by literal: a bounded key ("stream" as a word) is rarer than its literal, but
    # how much is not known here, and the literal's count is what the choices were tuned on
    shared: dict[GateKey, int] = {}
    for choices in options:
        for key in {_counted(key) for choice in choices for key in choice}:
            shared[key] = shared.get(key, 0) + 1

    def rarity(gate: Gate) -> tuple[float, int, int]:
        # the estimated share of error texts holding the gate first (engine/rarity.py: a
        # status absent is in 41% of errors, "request" in 29%), then how many entries share it
        share = min(1.0, sum(key_share(key) for key in gate))
        return round(share, 6), sum(shared[_counted(key)] for key in gate), len(gate)

    gates: list[Gate | None] = []
    seconds: list[Gate | None] = []
    for choices in map(_strongest, options):
        if len(choices) < 2:
            gates.append(choices[0] if choices else None)
            seconds.append(None)
            continue
        first = min(choices, key=rarity)
        gates.append(first)
        others = [
            gate
            for gate in choices
            if gate != first and all(key_literal(key) is not None for key in gate)
        ]
        seconds.append(min(others, key=rarity) if others else None)
    return gates, seconds
