"""The shape of what the state cache (:mod:`statecache`) stores, so an entry of another shape
is never used.

An entry's key covers the package version and the size and mtime of every module that builds
a set; yet a process whose classes were changed at run time (a test patching a property onto
``Classifier``) builds, and would store, sets of another attribute layout under the same key,
and a fresh process reading one decided ``unknown`` where an attribute was missing (an
``AttributeError`` inside classification, which never raises). Two checks close that:

* :func:`digest`, part of every entry's key: the names and kinds of the class attributes of
  every class an entry stores (slots, fields, methods, properties), as this process has them;
  a process with a patched class writes and reads entries of its own key.
* :func:`mismatch`, run on a set before it is stored and on every set read back: the rule set
  has each of its fields, and its classifier has exactly the attributes this code gives a
  classifier (those of an empty one built now: ``Classifier.__init__`` sets every attribute
  whatever the rules); a set that differs is not stored, or is ignored and built again.
  Slotted frozen dataclasses (verdicts, compiled rules, policies, categories) are checked as
  they are decoded (``statecache._frozen``: the stored field names must be the class's).
"""

from __future__ import annotations

import importlib
import zlib
from typing import Any

__all__ = ["FIELD_NAMES", "LAYOUT", "digest", "field_names", "mismatch"]

#: Raised by hand when the way an entry is laid out changes without any class changing.
LAYOUT = 1

# The modules whose classes an entry stores, all imported by a warm load before it reads one
# (rulemodel's Rule and RuleTest are decoded with the rules, and checked then: _frozen);
# digest() imports them all, so that the key is the same whatever was imported before.
_MODULES = (
    "reliable_rules.taxonomy",
    "reliable_rules.decision",
    "reliable_rules.engine.nodes",
    "reliable_rules.engine.extractors",
    "reliable_rules.engine.prefilter",
    "reliable_rules.engine.shapes",
    "reliable_rules.engine.classifier",
    "reliable_rules.ruleset.model",
    "reliable_rules.ruleset.lazyparts",
)


#: The field names of each dataclass stored, looked up once per class.
FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def field_names(cls: type) -> tuple[str, ...]:
    """The names of a dataclass's fields, in order."""
    names = FIELD_NAMES.get(cls)
    if names is None:
        import dataclasses  # noqa: PLC0415 — imported already by every dataclass module

        names = FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


# Class attributes written at run time by the standard library, not by the class: pickling an
# object with slots caches their names on its class (copyreg._slotnames).
_CACHES = frozenset({"__slotnames__"})


def digest() -> str:
    """The CRC-32 of the names and kinds of the class attributes of every stored class."""
    parts = [str(LAYOUT)]
    for name in _MODULES:
        module = importlib.import_module(name)
        for value in list(vars(module).values()):
            if isinstance(value, type) and value.__module__ == name:
                attributes = ",".join(
                    f"{key}:{type(item).__name__}"
                    for key, item in sorted(vars(value).items())
                    if key not in _CACHES
                )
                parts.append(f"{value.__qualname__}[{attributes}]")
    return f"{zlib.crc32('|'.join(parts).encode('utf-8', 'surrogatepass')):08x}"


def _classifier_layout(categories: Any) -> frozenset[str]:
    """The attributes this code gives a classifier (those of an empty one, built now)."""
    from reliable_rules.engine.classifier import Classifier  # noqa: PLC0415 — imported already

    empty = Classifier(name="", revision="", rules=(), categories=categories, extractors=())
    return frozenset(vars(empty))


def mismatch(ruleset: Any) -> str | None:
    """What in ``ruleset`` (built now, or read back) differs from the shape this code gives a
    rule set, or None when nothing does."""
    from reliable_rules.ruleset.lazyparts import StoredClassifier  # noqa: PLC0415
    from reliable_rules.ruleset.model import RuleSet  # noqa: PLC0415 — imported already

    if type(ruleset) is not RuleSet:
        return f"a {type(ruleset).__name__}, not a rule set"
    state = vars(ruleset)
    missing = [
        name
        for name in field_names(RuleSet)
        if name not in state and f"_pending_{name}" not in state
    ]
    if missing:
        return f"the rule set has no {', '.join(missing)}"
    classifier = state["classifier"]
    names = set(vars(classifier))
    if type(classifier) is StoredClassifier:
        names.discard("_pending")
        names.update(vars(classifier).get("_pending") or ())
    try:
        expected = _classifier_layout(state["categories"])
    except Exception as error:  # noqa: BLE001 — categories without `unknown`: not ours
        return f"no classifier can be built to compare with: {error}"
    if names != expected:
        return (
            f"the classifier's attributes differ (missing {sorted(expected - names)}, "
            f"unknown {sorted(names - expected)})"
        )
    return None
