"""What every command of the command line shares: streams, exit codes, input and usage
errors, reading rules, stdin and corpora."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from reliable_rules._text import plural as _plural
from reliable_rules.errors import RuleSetError, RuleSourceError
from reliable_rules.ruleset.loader import STDIN, load_rules, register_text
from reliable_rules.ruleset.model import RuleSet

__all__ = [
    "DEBUG_ENV",
    "DEMO_EXIT_CODES",
    "DIFF_EXIT_CODES",
    "EXIT_BROKEN_PIPE",
    "EXIT_CODES",
    "EXIT_FINDINGS",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "PROG",
    "TEST_EXIT_CODES",
    "InputError",
    "Streams",
    "UsageError",
    "add_rule_paths",
    "corpus_lines",
    "load_rules_or_exit",
    "one_line",
    "read_stdin",
    "stdin_paths",
    "wrap",
]

PROG = "reliable-rules"
DEBUG_ENV = "RELIABLE_RULES_DEBUG"

#: The exit codes (docs/cli.md documents each; a test checks that it does).
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141

EXIT_CODES = """\
exit codes:
  0    ok
  1    findings: validation problems or failing rule tests
  2    usage error or unreadable input (missing file, bad corpus line, rules that do not load)
  3    internal error (a bug); set RELIABLE_RULES_DEBUG=1 for a traceback
  130  interrupted
  141  stdout was closed early (e.g. piped into head)
"""

DEMO_EXIT_CODES = """\
exit codes:
  0    every scenario ended as scripted
  1    a scenario did not end as scripted (the rules decided differently)
  2    usage error, or --rules that cannot be loaded
  3    internal error (a bug); set RELIABLE_RULES_DEBUG=1 for a traceback
  130  interrupted
  141  stdout was closed early (e.g. piped into head)
"""

TEST_EXIT_CODES = """\
exit codes:
  0    every test case passed (and every corpus and coverage gate)
  1    a test case failed, a corpus missed (or is below --corpus-min-accuracy or
       --corpus-min-behaviour-accuracy), or a file's coverage is below --coverage-threshold
  2    usage error, or a rule file, test file or corpus that cannot be loaded
  3    internal error (a bug); set RELIABLE_RULES_DEBUG=1 for a traceback
  130  interrupted
  141  stdout was closed early (e.g. piped into head)
"""

DIFF_EXIT_CODES = """\
exit codes:
  0    compared (and, with --fail-on, the verdict is below LEVEL)
  1    the verdict is --fail-on LEVEL or higher
  2    usage error, a side that cannot be loaded, an unreadable corpus or a bad corpus line
  3    internal error (a bug); set RELIABLE_RULES_DEBUG=1 for a traceback
  130  interrupted
  141  stdout was closed early (e.g. piped into head)
"""


@dataclass(frozen=True, slots=True)
class Streams:
    """Where a command writes and reads (the process's streams, or a test's)."""

    out: TextIO
    err: TextIO
    inp: TextIO


class InputError(Exception):
    """Unreadable input: print ``lines`` to stderr and exit 2."""

    def __init__(self, *lines: str) -> None:
        super().__init__(lines[0] if lines else "")
        self.lines = lines


class UsageError(Exception):
    """Arguments that argparse accepts but that do not make sense together."""

    def __init__(self, command: str, message: str) -> None:
        super().__init__(message)
        self.command = command


def one_line(error: BaseException) -> str:
    """``Type: first line of the message``, bounded (``str()`` may even raise)."""
    try:
        text = str(error).strip().splitlines()
    except Exception:  # noqa: BLE001 — a __str__ that raises must not hide the error itself
        text = []
    detail = text[0] if text else ""
    summary = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    return summary if len(summary) <= 300 else summary[:297] + "..."


def wrap(text: str) -> str:
    """A help paragraph, filled to 78 columns."""
    return textwrap.fill(text, width=78)


def load_rules_or_exit(reference: str) -> RuleSet:
    """The rule set ``--rules`` names, or its problems as an :class:`InputError` (exit 2)."""
    try:
        return load_rules(reference)
    except RuleSourceError as error:
        raise InputError(
            *(f"{PROG}: error: {problem.message}" for problem in error.problems)
        ) from None
    except RuleSetError as error:
        count = _plural(len(error.problems), "problem")
        raise InputError(
            *(str(problem) for problem in error.problems),
            f"{PROG}: error: cannot load rules from {reference!r}: {count}",
        ) from None


def read_stdin(streams: Streams) -> str:
    """All of stdin as text; bytes that are not UTF-8 become U+FFFD rather than an error."""
    buffer = getattr(streams.inp, "buffer", None)
    try:
        if buffer is not None:
            data = buffer.read()
            if isinstance(data, bytes):
                return data.decode("utf-8", "replace")
        return streams.inp.read()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{PROG}: error: cannot read stdin: {one_line(error)}") from None


def stdin_paths(paths: list[str], streams: Streams) -> list[str]:
    """``paths`` with ``-`` standing for a rule file read from stdin: the file is read once
    and registered as ``<stdin>``, the name its problems and findings carry."""
    if "-" not in paths:
        return paths
    buffer = getattr(streams.inp, "buffer", None)
    try:
        raw = buffer.read() if buffer is not None else None
        data = raw if isinstance(raw, bytes) else streams.inp.read().encode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{PROG}: error: cannot read stdin: {one_line(error)}") from None
    register_text(STDIN, data)
    return [STDIN if path == "-" else path for path in dict.fromkeys(paths)]


def corpus_lines(name: str, streams: Streams) -> Iterator[tuple[int, bytes | str]]:
    """The numbered lines of corpus ``name`` (``-``: stdin); unreadable: :class:`InputError`."""
    if name == "-":
        source: Any = getattr(streams.inp, "buffer", None) or streams.inp
        yield from enumerate(source, 1)
        return
    path = Path(name).expanduser()
    if path.is_dir():
        raise InputError(f"{PROG}: error: cannot read corpus {name!r}: is a directory")
    try:
        handle = path.open("rb")
    except OSError as error:
        raise InputError(
            f"{PROG}: error: cannot read corpus {name!r}: {error.strerror or error}"
        ) from None
    with handle:
        try:
            yield from enumerate(handle, 1)
        except OSError as error:
            raise InputError(
                f"{PROG}: error: cannot read corpus {name!r}: {error.strerror or error}"
            ) from None


def add_rule_paths(parser: argparse.ArgumentParser, *, formats: tuple[str, ...]) -> None:
    """``PATH...`` (rule files, directories, ``builtin:NAME``) and ``--format`` (the first of
    ``formats`` by default): the arguments of ``validate`` and ``lint``."""
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="rule file, directory or builtin:NAME"
    )
    parser.add_argument(
        "--format",
        choices=formats,
        default=formats[0],
        help=f"output format (default: {formats[0]})",
    )
