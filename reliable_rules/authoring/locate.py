"""Locate lint findings in the author's own files.

A user file that ``extends: [builtin:default]`` is linted with the shipped files under it, so a
rule of the user's that is too broad shows up as findings *in the shipped files*: the shipped
test cases it now decides break the shipped invariants, the shipped rules it shadows never win.
Those findings belong at the user's rule. :func:`locate` moves every finding whose cause (the
rule that decided, or the earlier rule that shadows) is in the author's files to that rule, with
the shipped places as related locations (SARIF ``relatedLocations``), one finding per rule and
message; findings only about shipped files are dropped unless ``include_builtins`` is set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Protocol, TypeVar

from reliable_rules._text import plural
from reliable_rules.ruleset.loader import BUILTIN_PREFIX
from reliable_rules.ruleset.model import RuleSet

__all__ = ["Related", "is_shipped", "locate"]


@dataclass(frozen=True, slots=True)
class Related:
    """A place a finding refers to besides its own (SARIF ``relatedLocations``)."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class _Finding(Protocol):
    """What :func:`locate` reads of a lint finding (lint's ``Finding``, a frozen dataclass)."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def code(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def column(self) -> int: ...
    @property
    def message(self) -> str: ...
    @property
    def rules(self) -> tuple[str, ...]: ...
    @property
    def cause(self) -> str | None: ...

    def sort_key(self) -> Any:
        """The finding's order."""
        ...


F = TypeVar("F", bound=_Finding)


def _subject(finding: _Finding) -> str:
    return repr(finding.rules[0]) if finding.rules else "(none)"


def is_shipped(file: str) -> bool:
    """Whether ``file`` (as a rule set names it) is one of the shipped rule files."""
    return file.startswith(BUILTIN_PREFIX)


def locate(findings: Iterable[F], ruleset: RuleSet, *, include_builtins: bool = False) -> list[F]:
    """``findings`` of ``ruleset`` placed in the author's files (see the module docstring).

    When the linted file is itself shipped (``lint builtin:default``), every finding is the
    author's and nothing moves.
    """
    findings = list(findings)
    top = ruleset.files[-1] if ruleset.files else ""
    if is_shipped(top) or not ruleset.files:
        return findings
    rules = {rule.id: rule for rule in ruleset.rules}
    kept: list[F] = []
    moved: dict[tuple[str, str, str], list[F]] = {}
    for finding in findings:
        if not is_shipped(finding.file):
            kept.append(finding)
            continue
        cause = rules.get(finding.cause) if finding.cause else None
        if cause is not None and not is_shipped(cause.file):
            moved.setdefault((cause.id, finding.code, finding.message), []).append(finding)
        elif include_builtins:
            kept.append(finding)
    for (rule_id, code, message), unsorted in moved.items():
        rule = rules[rule_id]
        group = sorted(unsorted, key=lambda finding: finding.sort_key())
        places = ", ".join(f"{f.file}:{f.line}" for f in group[:3])
        places += ", …" if len(group) > 3 else ""
        if code == "invariant-violated":
            text = f"{message} on {plural(len(group), 'shipped test case')} ({places})"
            notes = [f"a test case of shipped rule {_subject(f)}" for f in group]
        else:
            text = f"{message} ({places}: shipped; caused by rule {rule_id!r})"
            notes = [f"shipped rule {_subject(f)}" for f in group]
        related = tuple(
            Related(f.file, f.line, f.column, note) for f, note in zip(group, notes, strict=True)
        )
        kept.append(
            replace(
                group[0],
                file=rule.file,
                line=rule.line,
                column=rule.column,
                message=text,
                rules=(rule_id,),
                related=related,
            )
        )
    return sorted(dict.fromkeys(kept), key=lambda finding: finding.sort_key())
