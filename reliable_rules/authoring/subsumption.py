"""Whether one matcher subsumes another, for ``never-wins`` of ``reliable-rules lint``.

:func:`subsumes` is *sound but incomplete*: it answers True only when every failure the second
matcher matches is matched by the first; when unsure it answers False, so ``never-wins`` is
never reported for a rule that can win. :class:`Candidates` tells, cheaply, the pairs of rules
for which it cannot answer True (so that ``never-wins`` need not ask).
"""

from __future__ import annotations

from typing import Any

from reliable_rules.engine.nodes import (
    All,
    Any_,
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
    unwrap,
)

__all__ = ["Candidates", "subsumes"]


# ── subsumption ─────────────────────────────────────────────────────────────────────────


def _accepted(node: TextStatus) -> frozenset[int]:
    if node.included is not None:
        return node.included
    return frozenset(range(node.low, node.high + 1)) - node.excluded


def _leaf_subsumes(a: Node, b: Node) -> bool:
    if isinstance(a, Status) and isinstance(b, Status):
        if a.mode == "any":
            return b.mode in ("any", "in")
        if a.mode == "none":
            return b.mode == "none"
        return b.mode == "in" and b.values <= a.values
    if isinstance(a, Contains) and isinstance(b, Contains):
        if a.sensitive:
            return b.sensitive and all(any(x in y for x in a.needles) for y in b.needles)
        return all(any(x in y.lower() for x in a.lowered) for y in b.needles)
    if isinstance(a, TextStatus) and isinstance(b, TextStatus):
        return (a.low, a.high) == (b.low, b.high) and _accepted(b) <= _accepted(a)
    if isinstance(a, ExceptionType) and isinstance(b, ExceptionType):
        return b.names <= a.names
    if isinstance(a, Scope) and isinstance(b, Scope):
        return a.field == b.field and set(b.patterns) <= set(a.patterns)
    if isinstance(a, Regex) and isinstance(b, Regex):
        return a.pattern == b.pattern and a.compiled.flags == b.compiled.flags
    if isinstance(a, Json) and isinstance(b, Json):
        return (a.path, a.label) == (b.path, b.label)
    if isinstance(a, Header) and isinstance(b, Header):
        return (a.name.lower(), a.label) == (b.name.lower(), b.label)
    if isinstance(a, JsonKey) and isinstance(b, JsonKey):
        return (a.keys, a.label) == (b.keys, b.label)
    if isinstance(a, Near) and isinstance(b, Near):
        # the same terms further apart, or in any order where b wants them in order
        return (
            a.terms == b.terms and a.within >= b.within and (b.ordered or not a.ordered)
        )
    return False


def subsumes(a: Node, b: Node, depth: int = 0) -> bool:
    """True only if every failure ``b`` matches is matched by ``a`` (sound, incomplete)."""
    a, b = unwrap(a), unwrap(b)
    if a is b or isinstance(b, Never):
        return True
    if depth > 40 or isinstance(a, Never):
        return False
    if isinstance(b, Any_):
        return all(subsumes(a, child, depth + 1) for child in b.children)
    if isinstance(a, All):
        return all(subsumes(child, b, depth + 1) for child in a.children)
    if isinstance(a, Not) and isinstance(b, Not):
        return subsumes(b.child, a.child, depth + 1)
    if isinstance(a, Any_) and any(subsumes(child, b, depth + 1) for child in a.children):
        return True
    if isinstance(b, All):
        return any(subsumes(a, child, depth + 1) for child in b.children)
    return _leaf_subsumes(a, b)


# ── which pairs can subsume ─────────────────────────────────────────────────────────────
#
# ``never-wins`` asks, for every rule, which earlier rule (the first) subsumes it: ~62,000
# pairs for builtin:default, almost none of which can. :func:`subsumes` answers True only
# through (1) the same node reached on both sides, (2) a ``Never`` or an empty ``any``/``all``
# (or a leaf with nothing listed), or (3) ``_leaf_subsumes`` of a leaf of ``a`` and a leaf of
# ``b`` below as many ``not`` s each (a pair of ``not`` s swaps the sides). A :class:`_Reach`
# keeps, per side, keys such that every leaf pair ``_leaf_subsumes`` accepts shares one
# (literal substrings for ``contains``); pairs that share none are never compared, and the
# first earlier rule that subsumes is the same one.

_PARITIES = (0, 1)


def _keys_as_a(leaf: Node) -> list[Any]:
    """Keys of ``leaf`` on the subsuming side (see :func:`_leaf_subsumes`)."""
    if isinstance(leaf, Status):
        if leaf.mode in ("any", "none"):
            return [("status", leaf.mode)]
        return [("status", value) for value in leaf.values]
    if isinstance(leaf, ExceptionType):
        return [("exception", name) for name in leaf.names]
    return _keys_as_b(leaf)


def _keys_as_b(leaf: Node) -> list[Any]:
    """Keys of ``leaf`` on the subsumed side: one shared with any leaf that subsumes it."""
    if isinstance(leaf, Status):
        if leaf.mode == "none":
            return [("status", "none")]
        return [("status", "any"), *(("status", value) for value in leaf.values)]
    if isinstance(leaf, ExceptionType):
        return [("exception", name) for name in leaf.names]
    if isinstance(leaf, TextStatus):
        return [("text-status", leaf.low, leaf.high)]
    if isinstance(leaf, Scope):
        return [("scope", leaf.field)]
    if isinstance(leaf, Regex):
        return [("regex", leaf.pattern)]
    if isinstance(leaf, Json):
        return [("json", repr(leaf.path), leaf.label)]
    if isinstance(leaf, Header):
        return [("header", leaf.name.lower(), leaf.label)]
    if isinstance(leaf, JsonKey):
        return [("json-key", repr(leaf.keys), leaf.label)]
    if isinstance(leaf, Near):
        return [("near", repr(leaf.terms))]
    return []  # no other leaf pair subsumes (Contains: by substring, below)


def _always_subsumed(leaf: Node) -> bool:
    """A leaf some other leaf subsumes with no key in common (nothing listed in it)."""
    if isinstance(leaf, Status):
        return leaf.mode == "in" and not leaf.values
    if isinstance(leaf, ExceptionType):
        return not leaf.names
    if isinstance(leaf, Contains):
        return not leaf.needles
    return False


class _Reach:
    """What a rule's node can share with another's in :func:`subsumes` (sound filter)."""

    __slots__ = ("keys", "needles", "special", "texts", "wants")

    def __init__(self, node: Node) -> None:
        # Per parity (``not`` s above, mod 2): the keys as the subsuming / subsumed side; only
        # the parity-tagged sets built from them below are kept.
        as_a: tuple[set[Any], set[Any]] = (set(), set())
        as_b: tuple[set[Any], set[Any]] = (set(), set())
        #: Per parity: ``contains`` needles as the subsuming side (lowered unless
        #: case-sensitive), and the subsumed side's needles as written and lowered, joined.
        self.needles: tuple[set[str], set[str]] = (set(), set())
        texts: tuple[list[str], list[str]] = ([], [])
        self.special = False
        self._walk(node, 0, as_a, as_b, texts)
        self.texts = tuple("\x00".join(part) for part in texts)
        # one set per role, parity-tagged: a pair of `not`s swaps the sides, so below an odd
        # number this node's subsumed-side keys meet the other's subsuming-side keys
        self.keys = frozenset([(0, key) for key in as_a[0]] + [(1, key) for key in as_b[1]])
        self.wants = frozenset([(0, key) for key in as_b[0]] + [(1, key) for key in as_a[1]])

    def _walk(
        self,
        node: Node,
        parity: int,
        as_a: tuple[set[Any], set[Any]],
        as_b: tuple[set[Any], set[Any]],
        texts: tuple[list[str], list[str]],
    ) -> None:
        node = unwrap(node)
        if isinstance(node, (All, Any_)):
            if not node.children:
                self.special = True
            for child in node.children:
                self._walk(child, parity, as_a, as_b, texts)
            return
        if isinstance(node, Not):
            self._walk(node.child, 1 - parity, as_a, as_b, texts)
            return
        if isinstance(node, Never) or _always_subsumed(node):
            self.special = True
            return
        # the same leaf on both sides (a shared condition) is subsumed by identity
        mine = ("node", id(node))
        as_a[parity].update([mine, *_keys_as_a(node)])
        as_b[parity].update([mine, *_keys_as_b(node)])
        if isinstance(node, Contains):
            self.needles[parity].update(node.needles if node.sensitive else node.lowered)
            texts[parity].extend(node.needles)
            texts[parity].extend(needle.lower() for needle in node.needles)

    def may_subsume(self, other: _Reach) -> bool:
        """False only when :func:`subsumes` (this rule's node, ``other`` 's) is False."""
        if self.special or other.special or not self.keys.isdisjoint(other.wants):
            return True
        # `contains`: a needle of the subsuming side in a needle of the subsumed one (below
        # an odd number of `not`s, ``other`` subsumes)
        text = other.texts[0]
        if text and any(needle in text or "\x00" in needle for needle in self.needles[0]):
            return True
        text = self.texts[1]
        return bool(text) and any(
            needle in text or "\x00" in needle for needle in other.needles[1]
        )


def _conjuncts(node: Node) -> list[Node]:
    """The nodes an ``all`` (nested ``all`` s flattened) requires: each must subsume what the
    ``all`` subsumes (an empty ``all``, which subsumes anything, is its own one conjunct)."""
    node = unwrap(node)
    if isinstance(node, All) and node.children:
        return [part for child in node.children for part in _conjuncts(child)]
    return [node]


class Candidates:
    """A rule's node as :func:`subsumes` sees it: the whole (subsumed side) and, as the
    subsuming side, its conjuncts, each of which must be able to subsume the other rule."""

    __slots__ = ("conjuncts", "whole")

    def __init__(self, node: Node) -> None:
        self.whole = _Reach(node)
        self.conjuncts = [_Reach(part) for part in _conjuncts(node)]

    def may_subsume(self, other: Candidates) -> bool:
        """False only when :func:`subsumes` (this rule's node, ``other`` 's) is False."""
        return all(part.may_subsume(other.whole) for part in self.conjuncts)
