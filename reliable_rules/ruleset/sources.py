"""Rule sources: what ``load_rules`` and the tools accept as a rule file, and how problems
name it (``builtin:NAME``, a path, standard input).

Light on purpose: :mod:`reliable_rules.ruleset.loader` imports it for a warm load of a built-in
set, which reads no file (pathlib is imported by the functions that need it).
"""

from __future__ import annotations

import os

from reliable_rules._text import closest
from reliable_rules.ruleset.resources import builtin_names, rules_dir
from reliable_rules.sanitize import compact
from reliable_rules.taxonomy import UNKNOWN

TYPE_CHECKING = False  # typing.TYPE_CHECKING: the same to type checkers, see __init__.py
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path as FsPath
    from typing import Any

    from reliable_rules.errors import Problem
    from reliable_rules.ruleset.sourcemap import Path, SourceMap

__all__ = [
    "BUILTIN_PREFIX",
    "STDIN",
    "no_match_conflicts",
    "register_text",
    "registered_text",
    "resolve_source",
    "shown_path",
]

BUILTIN_PREFIX = "builtin:"

#: The name of a rule file read from standard input (``reliable-rules validate -``).
STDIN = "<stdin>"
# Rule files that are not on disk, by the name problems give them: the command line
# registers what it reads from standard input, and every reader (the loader, lint, the
# excerpts of text findings) finds it under that name. Relative `extends` resolve from the
# current directory.
_texts: dict[str, bytes] = {}


def register_text(name: str, data: bytes) -> None:
    """Make ``load_rules(name)`` read ``data`` (for ``-``: standard input as ``<stdin>``)."""
    _texts[name] = data


def registered_text(name: str) -> bytes | None:
    """The bytes registered under ``name``, or None."""
    return _texts.get(name)


def shown_path(path: FsPath, reference: str) -> str:
    """How problems name a file: ``builtin:NAME`` when reached that way, else a short path.

    A shipped file validated by its path (``rules/seed.yaml`` in a checkout) keeps its path, so
    editors and GitHub annotations can attach problems to it.
    """
    if reference.startswith(BUILTIN_PREFIX):
        return reference
    from pathlib import Path as FsPath  # noqa: PLC0415 — see the module's docstring

    relative = os.path.relpath(path)
    return path.as_posix() if relative.startswith("..") else FsPath(relative).as_posix()


def resolve_source(reference: str, relative_to: FsPath | None) -> tuple[FsPath | None, str | None]:
    """A rule source reference → (path, error message); the message quotes the reference
    sanitized (a path can carry a secret as well as anything else)."""
    from pathlib import Path as FsPath  # noqa: PLC0415 — see the module's docstring

    if reference in _texts:
        return FsPath.cwd() / reference, None
    if reference.startswith(BUILTIN_PREFIX):
        name = reference[len(BUILTIN_PREFIX) :]
        path = rules_dir() / f"{name}.yaml"
        if name and "/" not in name and "\\" not in name and path.is_file():
            return path.resolve(), None
        names = builtin_names()
        return None, (
            f"unknown built-in rule set {compact(reference, limit=200)!r}"
            f"{closest(name, names)}; "
            f"available: {', '.join(BUILTIN_PREFIX + n for n in names)}"
        )
    path = FsPath(reference).expanduser()
    if relative_to is not None and not path.is_absolute():
        path = relative_to / path
    if path.is_file():
        return path.resolve(), None
    # Only a message quotes the reference, sanitized (compiling the secret patterns is
    # not worth paying on every load)
    shown = compact(reference, limit=200)
    if path.is_dir():
        return None, f"{shown!r} is a directory, not a rule file"
    return None, f"rule file {shown!r} not found" + (
        f" (looked in {relative_to.as_posix()})" if relative_to is not None else ""
    )


def no_match_conflicts(case: Mapping[str, Any], source: SourceMap, where: Path) -> list[Problem]:
    """``no_match: true`` next to an ``expect``/``rule`` that says something else."""
    problems: list[Problem] = []
    expect = case.get("expect")
    if isinstance(expect, str) and expect != UNKNOWN:
        problems.append(
            source.problem(
                (*where, "expect"),
                f"no_match: true means the category is {UNKNOWN!r}, but expect is {expect!r}",
                "conflicting-expectations",
            )
        )
    rule = case.get("rule")
    if isinstance(rule, str):
        problems.append(
            source.problem(
                (*where, "rule"),
                f"no_match: true means no rule decides, but rule is {rule!r}",
                "conflicting-expectations",
            )
        )
    return problems
