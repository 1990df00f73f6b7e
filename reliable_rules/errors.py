"""Exceptions raised by reliable_rules.

Every exception the library raises on purpose derives from one base, so callers can catch
the whole family with a single ``except``::

    ReliableRulesError
    ├── RuleSetError          a rule file (or a chain of ``extends``) has problems;
    │                         ``.problems`` lists every one, each with file:line:col
    └── RuleSourceError       a rule source name cannot be resolved (e.g. ``builtin:nope``)
                              before any file is read; also a RuleSetError

The original exception, where there is one, is kept as ``__cause__``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Problem", "ReliableRulesError", "RuleSetError", "RuleSourceError"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One defect found while loading a rule file.

    ``line`` and ``column`` are 1-based; ``code`` is a stable, machine-readable name for the
    kind of defect (``yaml-syntax``, ``unknown-key``, ``bad-regex``, …) that tools can filter on.
    """

    file: str
    line: int
    column: int
    message: str
    code: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"

    def sort_key(self) -> tuple[str, int, int, str]:
        """Order problems by place in the file, then message, for stable output."""
        return (self.file, self.line, self.column, self.message)


class ReliableRulesError(Exception):
    """Base class of every exception raised by reliable_rules."""


class RuleSetError(ReliableRulesError):
    """A rule set could not be loaded; ``problems`` holds every defect found, in file order."""

    problems: tuple[Problem, ...]

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(sorted(problems, key=Problem.sort_key))
        count = len(self.problems)
        head = "\n".join(str(problem) for problem in self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{count} {noun} in rule set:\n{head}" if count else "invalid rule set")


class RuleSourceError(RuleSetError):
    """A rule source name (``builtin:NAME`` or a path) does not name a loadable file."""
