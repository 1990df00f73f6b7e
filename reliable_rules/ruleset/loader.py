"""``load_rules``: load, validate, layer and compile a rule set, with the caches in front.

``load_rules`` reads each file once, reports every problem of every file in the chain at once
(as :class:`~reliable_rules.errors.RuleSetError`), and returns an immutable :class:`RuleSet`
whose ``classify`` never raises. Built-in rule sets are cached: they cannot change at run time;
in the process, and across processes as whole sets (:mod:`~reliable_rules.ruleset.statecache`).
Reading, layering and compiling is :mod:`~reliable_rules.ruleset.layering`, imported only when
no cache answers: a warm load imports neither it nor what it needs (PyYAML, the schema, the
rule compiler, pathlib).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from threading import Lock

from reliable_rules.ruleset import statecache
from reliable_rules.ruleset.model import Invariant, Policy, RuleSet
from reliable_rules.ruleset.sources import (
    BUILTIN_PREFIX,
    STDIN,
    no_match_conflicts,
    register_text,
    registered_text,
    resolve_source,
    shown_path,
)

# The model and the sources are re-exported here for code written against the flat module of
# old.
__all__ = [
    "BUILTIN_PREFIX",
    "STDIN",
    "Invariant",
    "Policy",
    "Rule",
    "RuleSet",
    "RuleTest",
    "load_rules",
    "load_rules_within",
    "no_match_conflicts",
    "register_text",
    "registered_text",
    "resolve_source",
    "shown_path",
]

TYPE_CHECKING = False  # typing.TYPE_CHECKING: the same to type checkers, see __init__.py
if TYPE_CHECKING:
    from reliable_rules.ruleset.memo import LoadMemo
    from reliable_rules.ruleset.model import Rule, RuleTest
else:

    def __getattr__(name: str) -> object:
        # Rule and RuleTest on first use, as in model.py (a warm load never needs them)
        if name not in ("Rule", "RuleTest"):
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from reliable_rules.ruleset import model  # noqa: PLC0415 — see above

        value = getattr(model, name)
        globals()[name] = value
        return value


_builtin_cache: dict[str, RuleSet] = {}
_builtin_lock = Lock()


def load_rules(
    source: str | os.PathLike[str] = "builtin:default",
    *,
    allow_paths: Iterable[str | os.PathLike[str]] = (),
) -> RuleSet:
    """Load, validate, layer and compile a rule set.

    Args:
        source: ``builtin:NAME`` (``default``, ``seed``, …) or a path to a YAML rule file,
            which may ``extends:`` built-ins and other files inside its own folder.
        allow_paths: further folders (or files) its ``extends`` may read; anything else
            outside the file's folder is refused (``extends-outside``) without being read.

    Raises:
        RuleSourceError: ``source`` names no readable rule file.
        RuleSetError: the file or one of its bases has problems; ``.problems`` lists all.
    """
    reference = os.fspath(source)
    if reference.startswith(BUILTIN_PREFIX):
        with _builtin_lock:
            cached = _builtin_cache.get(reference)
        if cached is not None:
            return cached
        stored = statecache.load(reference)
        if stored is not None:
            with _builtin_lock:
                return _builtin_cache.setdefault(reference, stored)
    from reliable_rules.ruleset.layering import build  # noqa: PLC0415 — see the docstring

    ruleset = build(reference, allow_paths)
    if reference.startswith(BUILTIN_PREFIX):
        statecache.save(reference, ruleset)  # before any use: nothing built lazily yet
        with _builtin_lock:
            ruleset = _builtin_cache.setdefault(reference, ruleset)
    return ruleset


def load_rules_within(source: str, memo: LoadMemo) -> RuleSet:
    """``load_rules(source)`` for a call that loads many files (``validate``, ``test`` and
    ``lint`` of a directory): a file reached again, as the vocabulary every file of the
    directory extends, is parsed, schema checked and built once per ``memo`` (a
    :class:`~reliable_rules.ruleset.memo.LoadMemo` made for the call and dropped with it).
    Raises as :func:`load_rules` does."""
    if source.startswith(BUILTIN_PREFIX):
        return load_rules(source)
    from reliable_rules.ruleset.layering import build  # noqa: PLC0415 — as load_rules

    return build(source, (), memo=memo)
