"""The ``reliable-rules`` command line: validate, classify with and test rule sets, and demo
the executor against fake providers.

Run it as ``reliable-rules`` (console script) or ``python -m reliable_rules``. Other tools
parse its output, so everything below is a contract.

Exit codes
----------
``0``
    Success: everything valid, every test passed, or the classification was printed.
``1``
    Findings: validation problems, failing rule tests, a demo scenario that did not end as
    scripted.
``2``
    Usage error or unreadable input: bad arguments, a missing file or directory, a directory
    without rule files, an unreadable corpus or body file, a corpus line that is not a JSON
    object, ``--rules`` that cannot be loaded, or (``test``) a rule file that cannot be
    loaded. When both findings and input errors occur, ``2`` wins.
``3``
    Internal error (a bug). stderr gets one line,
    ``reliable-rules: internal error: <Type>: <message>; set RELIABLE_RULES_DEBUG=1 for a
    traceback``. No traceback is printed unless ``RELIABLE_RULES_DEBUG=1`` is set.
``130``
    Interrupted (Ctrl-C); nothing more is printed.
``141``
    stdout was closed early (``| head``); nothing more is printed.

Paths
-----
Wherever a path is accepted, ``builtin:NAME`` is too. A directory stands for every ``*.yaml``
and ``*.yml`` file below it (recursively, sorted by path), except side-by-side test files
``*.test.yaml``/``*.test.yml``. A file named twice (also as ``builtin:NAME`` and as its path)
is processed once.

``validate PATH... [--format text|json|github]``
------------------------------------------------
Loads each file with ``load_rules(path)`` (following ``extends``). A problem found in a base
file is reported once however many validated files extend it.

* ``text``: stdout has one line per problem, ``FILE:LINE:COL: message`` (``str(problem)``;
  FILE is the loader's name of the file, ``builtin:NAME`` for the shipped rule sets), sorted
  by file, line, column, message. Input errors (missing path, empty directory) go to stderr as
  ``reliable-rules: error: <message>``. stderr ends with a summary: ``ok: M file(s) valid``,
  or ``N problem(s) in M file(s)`` where M counts the files the problems are in (plurals are
  spelled out: ``1 problem in 1 file``, ``3 problems in 2 files``).
* ``json``: stdout is one JSON document,
  ``{"ok": bool, "files": [{"path": str, "ok": bool, "rules": int|null,
  "problems": [{"file", "line", "column", "message", "code"}]}]}``. ``path`` is the file as
  named on the command line (directories expanded); ``rules`` is the number of rules of its
  effective (layered) rule set, null when it did not load; ``problems`` holds the problems
  first reported while loading that file. Input errors appear as entries whose problem code
  is ``missing-file``, ``unreadable`` or ``no-rule-files``.
* ``github``: one workflow command per problem on stdout,
  ``::error file=F,line=L,col=C,title=reliable-rules (CODE)::message``, with ``%``, CR and LF
  escaped (and ``:`` and ``,`` in property values), as GitHub Actions requires.

``classify [TEXT] [options]``
-----------------------------
Classifies one failure with ``--rules`` (default ``builtin:default``). ``TEXT`` is the error
message (``-`` reads it from stdin; trailing newlines are dropped). ``--status N``,
``--header NAME:VALUE`` (repeatable), ``--body TEXT`` or ``--body @FILE`` (``@-``: stdin),
``--provider``, ``--model`` and ``--exception NAME`` (repeatable: the failure carries these
exception class names) describe the failure further. Output, one line on stdout::

    category=X reason=Y retryable=yes|no action=A retry_after_ms=N|- rule=ID|- (NAME REVISION)

``--json`` prints ``json.dumps(decision.as_dict())`` instead, with exactly the keys
``category, reason, retryable, rate_limited, action, retry_after_ms, rule, ruleset,
revision``. ``--explain`` adds the decision trace: after the line on stdout, or on stderr
with ``--json`` (stdout stays one JSON document).

Batch: ``--corpus FILE.jsonl`` (``-``: stdin) reads one JSON object per line with the
optional keys ``message`` (string), ``status`` (integer), ``headers`` (object), ``body``
(string or any JSON value), ``provider``, ``model`` (strings), ``exception`` (string or list
of strings) and ``expected`` (a category name, or an object of ``as_dict()`` keys and
values); other keys are ignored. stdout gets one JSON object per non-blank input line, in
order: ``decision.as_dict()``, plus ``"expected"`` and ``"match": bool`` when the record has
``expected``. Blank lines produce no output. A line that is not valid UTF-8 JSON, not an
object, or has a key of the wrong type produces ``{"line": N, "error": "..."}`` in its place
and ``FILE:N: <error>`` on stderr; processing continues and the exit code is ``2``. The
corpus is streamed (one line in memory at a time). When any record has ``expected``, stderr
gets a summary ``corpus: M of K expected decisions matched (R record(s))``. Mismatches do not
change the exit code. TEXT and the single-failure options cannot be combined with
``--corpus``; ``--explain`` writes each record's trace to stderr after a ``FILE:N:`` line.

``test PATH... [--format text|json]``
-------------------------------------
Runs the embedded ``tests:`` written in each file against that file's effective rule set
(see :mod:`reliable_rules.ruletests` for when a case passes and what coverage counts).

* ``text``: for each failing case, ``PATH:LINE:COL: FAIL rule <id>: <differences>`` where
  PATH is the file as named (directories expanded) and differences read
  ``key: expected X, got Y`` joined by ``; `` (keys: ``category``, then ``reason``,
  ``retryable``, ``rate_limited``, ``action``, ``retry_after_ms``, ``rule``; values spelled
  as in YAML: ``null``, ``true``, ``false``), followed by the decision trace indented by four
  spaces. Then per file ``PATH: P/T passed, coverage C/R rules (PCT%)`` (PCT rounded down, so
  100% means every rule is covered) and, when not every rule is covered,
  ``  uncovered: id1, id2``. A file that cannot be loaded prints its problems as
  ``validate`` does instead. stderr ends with ``ok: P case(s) passed in M file(s)`` or
  ``F case(s) failed, P passed in M file(s)`` (and ``, K file(s) could not be loaded``).
* ``json``: one document, ``{"ok": bool, "files": [{"path", "file", "ok", "loaded",
  "ruleset", "revision", "cases", "passed", "failed", "failures": [{"file", "line",
  "column", "rule", "description", "expect", "differences": [{"key", "expected",
  "actual"}], "decision", "explain"}], "coverage": {"covered", "rules", "percent"},
  "uncovered": [ids], "problems": [...]}]}``.

``demo [--rules PATH|builtin:NAME] [--json] [--fast]``
-----------------------------------------------------
Starts three fake providers on ``127.0.0.1`` (no network, no real keys) and runs the executor
with ``--rules`` (default ``builtin:default``) through scripted scenarios (see
:mod:`reliable_rules.demo`): a 429 with Retry-After and key rotation, 5xx then fallback, a
context overflow and truncation, a 401, a Z.AI quota 429, and a total failure. For each attempt
it prints provider, model, attempt A/N, HTTP status, category, rule, action, wait and the
rotated key's hint (never a key); then the answer and the fallback record, or the aggregated
error. ``--json`` prints one JSON object per line instead: ``{"event": "start", ...}``, then per
scenario one ``{"event": "attempt", ...}`` per attempt and one ``{"event": "scenario", ...}``,
then ``{"event": "summary", "ok": bool, ...}``. ``--fast`` uses virtual time: waits are shown
but not slept. Exit ``0`` when every scenario ended as scripted; ``1`` when one did not (stderr
says how: the demo is a smoke test of the rule set); ``2`` when ``--rules`` cannot be loaded.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import textwrap
import traceback
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TextIO

from ._version import __version__
from .decision import Decision
from .errors import Problem, RuleSetError, RuleSourceError
from .failure import Failure, to_failure, with_exception_types
from .ruleset import RuleSet, load_rules
from .ruletests import (
    FileReport,
    expand_paths,
    own_file,
    run_ruleset,
    show_value,
    summarize,
)

if TYPE_CHECKING:
    from .demo import DemoEvent

__all__ = ["main"]

PROG = "reliable-rules"
DEBUG_ENV = "RELIABLE_RULES_DEBUG"

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141

_EXIT_CODES = """\
exit codes:
  0    ok
  1    findings: validation problems or failing rule tests
  2    usage error or unreadable input (missing file, bad corpus line, rules that do not load)
  3    internal error (a bug); set RELIABLE_RULES_DEBUG=1 for a traceback
  130  interrupted
  141  stdout was closed early (e.g. piped into head)
"""

_DEMO_EXIT_CODES = """\
exit codes:
  0    every scenario ended as scripted
  1    a scenario did not end as scripted (the rules decided differently)
  2    usage error, or --rules that cannot be loaded
  3    internal error (a bug); set RELIABLE_RULES_DEBUG=1 for a traceback
  130  interrupted
  141  stdout was closed early (e.g. piped into head)
"""

_TEST_EXIT_CODES = """\
exit codes:
  0    every test case passed
  1    a test case failed
  2    usage error, or a rule file that cannot be loaded
  3    internal error (a bug); set RELIABLE_RULES_DEBUG=1 for a traceback
  130  interrupted
  141  stdout was closed early (e.g. piped into head)
"""


# ── plumbing ────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class _Streams:
    out: TextIO
    err: TextIO
    inp: TextIO


class _InputError(Exception):
    """Unreadable input: print ``lines`` to stderr and exit 2."""

    def __init__(self, *lines: str) -> None:
        super().__init__(lines[0] if lines else "")
        self.lines = lines


class _UsageError(Exception):
    """Arguments that argparse accepts but that do not make sense together."""

    def __init__(self, command: str, message: str) -> None:
        super().__init__(message)
        self.command = command


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _debug() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip() not in ("", "0", "false", "no")


class _StderrLogHandler(logging.Handler):
    """Library warnings as one line each on the CLI's stderr (a traceback only in debug mode)."""

    def __init__(self, err: TextIO, *, debug: bool) -> None:
        super().__init__(logging.WARNING)
        self._err = err
        self._debug = debug

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = f"{PROG}: {record.levelname.lower()}: {record.getMessage()}\n"
            if self._debug and record.exc_info:
                line += "".join(traceback.format_exception(*record.exc_info))
            self._err.write(line)
        except Exception:  # noqa: BLE001 — logging's own contract: report via handleError
            self.handleError(record)


def _one_line(error: BaseException) -> str:
    try:
        text = str(error).strip().splitlines()
    except Exception:  # noqa: BLE001 — a __str__ that raises must not hide the error itself
        text = []
    detail = text[0] if text else ""
    summary = f"{type(error).__name__}: {detail}" if detail else type(error).__name__
    return summary if len(summary) <= 300 else summary[:297] + "..."


def _silence_stdout(out: IO[str]) -> None:
    """After EPIPE, point the real stdout at /dev/null so the exit-time flush stays quiet."""
    if out is not sys.__stdout__:
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
    except (OSError, ValueError):
        pass


def _tolerate_unencodable(stream: object) -> None:
    """Let a console that cannot encode a character (cp1252, ascii) show an escape instead."""
    if stream is not sys.__stdout__ and stream is not sys.__stderr__:
        return
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        with contextlib.suppress(ValueError, OSError):
            reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    streams = _Streams(out=sys.stdout, err=sys.stderr, inp=sys.stdin)
    _tolerate_unencodable(streams.out)
    _tolerate_unencodable(streams.err)
    debug = _debug()
    logger = logging.getLogger("reliable_rules")
    handler = _StderrLogHandler(streams.err, debug=debug)
    logger.addHandler(handler)
    try:
        return _main(argv, streams)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout(streams.out)
        return EXIT_BROKEN_PIPE
    except Exception as error:  # noqa: BLE001 — the last line of defence: exit 3, no traceback
        try:
            if debug:
                traceback.print_exception(type(error), error, error.__traceback__, file=streams.err)
            streams.err.write(
                f"{PROG}: internal error: {_one_line(error)}; set {DEBUG_ENV}=1 for a traceback\n"
            )
            streams.err.flush()
        except Exception:  # noqa: BLE001 — stderr itself is broken: nothing left to tell
            pass
        return EXIT_INTERNAL
    finally:
        logger.removeHandler(handler)


def _main(argv: list[str] | None, streams: _Streams) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, argparse errors
        streams.out.flush()
        code = exit_.code
        return code if isinstance(code, int) else (EXIT_OK if code is None else EXIT_USAGE)
    command = getattr(args, "command", None)
    if command is None:
        parser.print_usage(streams.err)
        streams.err.write(
            f"{PROG}: error: a command is required (validate, classify, test, demo)\n"
        )
        return EXIT_USAGE
    try:
        if command == "validate":
            code = _cmd_validate(args, streams)
        elif command == "classify":
            code = _cmd_classify(args, streams)
        elif command == "demo":
            code = _cmd_demo(args, streams)
        else:
            code = _cmd_test(args, streams)
    except _UsageError as error:
        streams.err.write(f"{PROG} {error.command}: error: {error}\n")
        return EXIT_USAGE
    except _InputError as error:
        streams.out.flush()
        for line in error.lines:
            streams.err.write(line + "\n")
        return EXIT_USAGE
    streams.out.flush()
    return code


# ── argument parsing ────────────────────────────────────────────────────────────────────


def _header(value: str) -> tuple[str, str]:
    name, sep, content = value.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME:VALUE, got {value!r}")
    return name.strip(), content.strip()


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=78)


def _parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=_wrap(
            "Validate, test and apply reliable_rules rule sets (YAML) that classify "
            "LLM provider errors, and demo the executor that retries and falls back by them."
        ),
        epilog=_EXIT_CODES + "\nRun 'reliable-rules COMMAND --help' for a command's options.",
        formatter_class=formatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    validate = commands.add_parser(
        "validate",
        help="check rule files against the schema and the loader",
        description=_wrap(
            "Load each rule file (following 'extends') and report every problem as "
            "FILE:LINE:COL: message. PATH may be a file, a directory (every *.yaml/*.yml below "
            "it, except *.test.yaml/*.test.yml) or builtin:NAME."
        ),
        epilog="output:\n"
        "  text    FILE:LINE:COL: message per problem on stdout; summary on stderr\n"
        '  json    {"ok", "files": [{"path", "ok", "rules", "problems"}]}\n'
        "  github  ::error file=F,line=L,col=C,title=reliable-rules (CODE)::message\n\n"
        + _EXIT_CODES,
        formatter_class=formatter,
    )
    validate.add_argument(
        "paths", nargs="+", metavar="PATH", help="rule file, directory or builtin:NAME"
    )
    validate.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="output format (default: text)",
    )

    classify = commands.add_parser(
        "classify",
        help="classify one failure, or a JSONL corpus of failures",
        description=_wrap(
            "Classify a failure with a rule set and print the decision. Describe the "
            "failure with TEXT (the error message; '-' reads stdin) and the options below, or "
            "give --corpus FILE.jsonl for one decision per line."
        ),
        epilog="output:\n"
        "  category=X reason=Y retryable=yes|no action=A retry_after_ms=N|- rule=ID|-"
        " (NAME REVISION)\n"
        '  --json: {"category", "reason", "retryable", "rate_limited", "action",\n'
        '           "retry_after_ms", "rule", "ruleset", "revision"}\n'
        '  --corpus: one such JSON object per record (plus "expected" and "match"), or\n'
        '            {"line": N, "error": "..."} for a bad line (exit 2 at the end)\n\n'
        + _EXIT_CODES,
        formatter_class=formatter,
    )
    classify.add_argument(
        "text", nargs="?", metavar="TEXT", help="the error message ('-': read stdin)"
    )
    classify.add_argument("--status", type=int, metavar="N", help="the HTTP status of the response")
    classify.add_argument(
        "--header",
        type=_header,
        action="append",
        default=[],
        metavar="NAME:VALUE",
        help="a response header (repeatable)",
    )
    classify.add_argument(
        "--body", metavar="TEXT|@FILE", help="the response body, or @FILE to read it (@-: stdin)"
    )
    classify.add_argument("--provider", metavar="P", help="the provider the failure came from")
    classify.add_argument("--model", metavar="M", help="the model the failure came from")
    classify.add_argument(
        "--exception",
        action="append",
        default=[],
        metavar="NAME",
        help="an exception class name the failure carries (repeatable), e.g. ReadTimeout",
    )
    classify.add_argument(
        "--rules",
        default="builtin:default",
        metavar="PATH|builtin:NAME",
        help="the rule set to classify with (default: builtin:default)",
    )
    classify.add_argument(
        "--json", action="store_true", help="print the decision as one JSON object"
    )
    classify.add_argument(
        "--explain",
        action="store_true",
        help="also print the decision trace (to stderr with --json or --corpus)",
    )
    classify.add_argument(
        "--corpus",
        metavar="FILE.jsonl",
        help="classify every JSON record of FILE ('-': stdin), one answer per line",
    )

    test = commands.add_parser(
        "test",
        help="run the rules' embedded tests and report rule coverage",
        description=_wrap(
            "Run the 'tests:' written in each rule file against that file's effective "
            "rule set, print every failing case with its decision trace, and report how many of "
            "the file's own rules the tests cover. PATH may be a file, a directory or builtin:NAME."
        ),
        epilog="output:\n"
        "  FILE:LINE:COL: FAIL rule ID: key: expected X, got Y   (then the indented trace)\n"
        "  FILE: P/T passed, coverage C/R rules (PCT%)\n"
        "    uncovered: id1, id2\n\n" + _TEST_EXIT_CODES,
        formatter_class=formatter,
    )
    test.add_argument(
        "paths", nargs="+", metavar="PATH", help="rule file, directory or builtin:NAME"
    )
    test.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )

    demo = commands.add_parser(
        "demo",
        help="run the executor against scripted fake providers and show every decision",
        description=_wrap(
            "Start fake providers on 127.0.0.1 (no network, no API keys) and run the retry/"
            "fallback executor through scripted scenarios: a 429 with Retry-After and key "
            "rotation, 5xx then fallback, a context overflow, a 401, a Z.AI quota 429 and a "
            "total failure. Each attempt shows provider, model, attempt, HTTP status, category, "
            "rule, action, wait and key hint; each scenario its answer and fallback record."
        ),
        epilog="output:\n"
        "  text    a table of attempts per scenario, its answer, fallback record or error\n"
        '  --json  one object per line: {"event": "start"|"attempt"|"scenario"|"summary", ...}\n\n'
        + _DEMO_EXIT_CODES,
        formatter_class=formatter,
    )
    demo.add_argument(
        "--rules",
        default="builtin:default",
        metavar="PATH|builtin:NAME",
        help="the rule set the executor obeys (default: builtin:default)",
    )
    demo.add_argument("--json", action="store_true", help="print one JSON object per line")
    demo.add_argument(
        "--fast", action="store_true", help="virtual time: show the waits without sleeping"
    )
    return parser


# ── validate ────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True, slots=True)
class _Loaded:
    """One named rule file after loading: its rule set or its problems."""

    path: str
    ruleset: RuleSet | None
    problems: tuple[Problem, ...]
    input_error: bool


def _load_named(path: str) -> _Loaded:
    try:
        ruleset = load_rules(path)
    except RuleSourceError as error:
        return _Loaded(path, None, error.problems, True)
    except RuleSetError as error:
        shown = own_file(path)
        unreadable = any(p.code == "unreadable" and p.file == shown for p in error.problems)
        return _Loaded(path, None, error.problems, unreadable)
    return _Loaded(path, ruleset, (), False)


def _problem_dict(problem: Problem) -> dict[str, Any]:
    return {
        "file": problem.file,
        "line": problem.line,
        "column": problem.column,
        "message": problem.message,
        "code": problem.code,
    }


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def _github(problem: Problem) -> str:
    return (
        f"::error file={_gh_property(problem.file)},line={problem.line},col={problem.column},"
        f"title={_gh_property(f'{PROG} ({problem.code})')}::{_gh_data(problem.message)}"
    )


def _is_input(item: _Loaded, problem: Problem) -> bool:
    """Whether ``problem`` says the named file itself could not be read (exit 2, stderr)."""
    return item.input_error and problem.code in ("missing-file", "no-rule-files", "unreadable")


def _write_input_errors(
    pairs: Sequence[tuple[_Loaded, tuple[Problem, ...]]], streams: _Streams
) -> None:
    for item, problems in pairs:
        for problem in problems:
            if _is_input(item, problem):
                streams.err.write(f"{PROG}: error: {problem.message}\n")


def _collect(
    paths: Sequence[str],
) -> tuple[list[_Loaded], list[tuple[_Loaded, tuple[Problem, ...]]]]:
    """Load every named file; pair each with the problems it reports first (deduplicated)."""
    files, empty = expand_paths(paths)
    loaded = [
        _Loaded(
            directory,
            None,
            (
                Problem(
                    directory,
                    1,
                    1,
                    f"{directory!r} contains no rule files (*.yaml, *.yml)",
                    "no-rule-files",
                ),
            ),
            True,
        )
        for directory in empty
    ]
    loaded += [_load_named(path) for path in files]
    seen: set[Problem] = set()
    fresh: list[tuple[_Loaded, tuple[Problem, ...]]] = []
    for item in loaded:
        new = tuple(problem for problem in item.problems if problem not in seen)
        seen.update(new)
        fresh.append((item, new))
    return loaded, fresh


def _write_problems(
    pairs: Sequence[tuple[_Loaded, tuple[Problem, ...]]], streams: _Streams, *, fmt: str
) -> None:
    """Problems as ``validate`` prints them (text or github); input errors go to stderr."""
    findings: list[Problem] = []
    for item, problems in pairs:
        for problem in problems:
            if _is_input(item, problem):
                streams.err.write(f"{PROG}: error: {problem.message}\n")
                if fmt == "github":
                    streams.out.write(
                        f"::error title={_gh_property(f'{PROG} ({problem.code})')}::"
                        f"{_gh_data(problem.file + ': ' + problem.message)}\n"
                    )
            else:
                findings.append(problem)
    for problem in sorted(findings, key=Problem.sort_key):
        streams.out.write((_github(problem) if fmt == "github" else str(problem)) + "\n")


def _cmd_validate(args: argparse.Namespace, streams: _Streams) -> int:
    fmt = str(args.format)
    loaded, pairs = _collect(list(args.paths))
    problems = [p for item, new in pairs for p in new if not _is_input(item, p)]
    input_error = any(item.input_error for item in loaded)
    if fmt == "json":
        document = {
            "ok": not problems
            and not input_error
            and all(item.ruleset is not None for item in loaded),
            "files": [
                {
                    "path": item.path,
                    "ok": item.ruleset is not None,
                    "rules": len(item.ruleset.rules) if item.ruleset is not None else None,
                    "problems": [
                        _problem_dict(problem) for problem in sorted(new, key=Problem.sort_key)
                    ],
                }
                for item, new in pairs
            ],
        }
        streams.out.write(json.dumps(document, indent=2) + "\n")
        _write_input_errors(pairs, streams)
    else:
        _write_problems(pairs, streams, fmt=fmt)
    streams.out.flush()
    if problems:
        files = {problem.file for problem in problems}
        streams.err.write(f"{_plural(len(problems), 'problem')} in {_plural(len(files), 'file')}\n")
    elif not input_error:
        streams.err.write(f"ok: {_plural(len(loaded), 'file')} valid\n")
    if input_error:
        return EXIT_USAGE
    return EXIT_FINDINGS if problems or any(item.ruleset is None for item in loaded) else EXIT_OK


# ── classify ────────────────────────────────────────────────────────────────────────────


def _load_for_classify(reference: str) -> RuleSet:
    try:
        return load_rules(reference)
    except RuleSourceError as error:
        raise _InputError(
            *(f"{PROG}: error: {problem.message}" for problem in error.problems)
        ) from None
    except RuleSetError as error:
        count = _plural(len(error.problems), "problem")
        raise _InputError(
            *(str(problem) for problem in error.problems),
            f"{PROG}: error: cannot load rules from {reference!r}: {count}",
        ) from None


def _read_stdin(streams: _Streams) -> str:
    """All of stdin as text; bytes that are not UTF-8 become U+FFFD rather than an error."""
    buffer = getattr(streams.inp, "buffer", None)
    try:
        if buffer is not None:
            data = buffer.read()
            if isinstance(data, bytes):
                return data.decode("utf-8", "replace")
        return streams.inp.read()
    except (OSError, UnicodeDecodeError) as error:
        raise _InputError(f"{PROG}: error: cannot read stdin: {_one_line(error)}") from None


def _read_body(spec: str, streams: _Streams) -> object:
    if not spec.startswith("@"):
        return spec
    name = spec[1:]
    if name == "-":
        return _read_stdin(streams)
    try:
        return Path(name).expanduser().read_bytes()
    except OSError as error:
        raise _InputError(
            f"{PROG}: error: cannot read body file {name!r}: {error.strerror or error}"
        ) from None


def _human(decision: Decision) -> str:
    retry = "-" if decision.retry_after_ms is None else str(decision.retry_after_ms)
    return (
        f"category={decision.category} reason={decision.reason} "
        f"retryable={'yes' if decision.retryable else 'no'} action={decision.action.value} "
        f"retry_after_ms={retry} rule={decision.rule_id or '-'} "
        f"({decision.ruleset} {decision.revision})"
    )


def _cmd_classify(args: argparse.Namespace, streams: _Streams) -> int:
    single = {
        "TEXT": args.text is not None,
        "--status": args.status is not None,
        "--header": bool(args.header),
        "--body": args.body is not None,
        "--exception": bool(args.exception),
        "--provider": args.provider is not None,
        "--model": args.model is not None,
    }
    if args.corpus is not None:
        given = [name for name, present in single.items() if present]
        if given:
            raise _UsageError("classify", f"--corpus cannot be combined with {', '.join(given)}")
        rules = _load_for_classify(str(args.rules))
        return _classify_corpus(rules, str(args.corpus), streams, explain=bool(args.explain))
    if not any(single.values()):
        raise _UsageError(
            "classify",
            "nothing to classify: give TEXT ('-' for stdin), --status, --header, "
            "--body or --exception, or --corpus FILE.jsonl",
        )
    if args.text == "-" and isinstance(args.body, str) and args.body == "@-":
        raise _UsageError("classify", "TEXT '-' and --body @- cannot both read stdin")
    rules = _load_for_classify(str(args.rules))
    text = _read_stdin(streams).rstrip("\r\n") if args.text == "-" else args.text
    body = _read_body(str(args.body), streams) if args.body is not None else None
    headers: dict[str, str] = {}
    for name, value in args.header:
        key = str(name).lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else str(value)
    failure = to_failure(
        text if text is not None else "",
        status=args.status,
        headers=headers or None,
        body=body,
        provider=args.provider,
        model=args.model,
    )
    decision = rules.classify(with_exception_types(failure, [str(name) for name in args.exception]))
    if args.json:
        streams.out.write(json.dumps(decision.as_dict()) + "\n")
        if args.explain:
            streams.out.flush()
            streams.err.write(decision.explain() + "\n")
    else:
        streams.out.write(_human(decision) + "\n")
        if args.explain:
            streams.out.write(decision.explain() + "\n")
    return EXIT_OK


class _BadRecord(Exception):
    """A corpus line that cannot be classified."""


def _optional_str(record: Mapping[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None or isinstance(value, str):
        return value
    raise _BadRecord(f"{key!r} must be a string or null, got {_json_type(value)}")


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _record_failure(record: Mapping[str, Any]) -> Failure:
    status = record.get("status")
    if status is not None and (isinstance(status, bool) or not isinstance(status, int)):
        raise _BadRecord(f"'status' must be an integer or null, got {_json_type(status)}")
    headers = record.get("headers")
    if headers is not None and not isinstance(headers, dict):
        raise _BadRecord(f"'headers' must be an object or null, got {_json_type(headers)}")
    exception = record.get("exception")
    names: list[str]
    if exception is None:
        names = []
    elif isinstance(exception, str):
        names = [exception]
    elif isinstance(exception, list) and all(isinstance(name, str) for name in exception):
        names = list(exception)
    else:
        raise _BadRecord("'exception' must be a string or a list of strings")
    failure = to_failure(
        _optional_str(record, "message") or "",
        status=status,
        headers=headers,
        body=record.get("body"),
        provider=_optional_str(record, "provider"),
        model=_optional_str(record, "model"),
    )
    return with_exception_types(failure, names)


def _expected_match(answer: Mapping[str, Any], expected: object) -> bool:
    if isinstance(expected, str):
        return bool(answer["category"] == expected)
    if isinstance(expected, dict):
        return all(key in answer and answer[key] == value for key, value in expected.items())
    raise _BadRecord(f"'expected' must be a category name or an object, got {_json_type(expected)}")


def _corpus_lines(name: str, streams: _Streams) -> Iterator[tuple[int, bytes | str]]:
    if name == "-":
        source: Any = getattr(streams.inp, "buffer", None) or streams.inp
        yield from enumerate(source, 1)
        return
    path = Path(name).expanduser()
    if path.is_dir():
        raise _InputError(f"{PROG}: error: cannot read corpus {name!r}: is a directory")
    try:
        handle = path.open("rb")
    except OSError as error:
        raise _InputError(
            f"{PROG}: error: cannot read corpus {name!r}: {error.strerror or error}"
        ) from None
    with handle:
        try:
            yield from enumerate(handle, 1)
        except OSError as error:
            raise _InputError(
                f"{PROG}: error: cannot read corpus {name!r}: {error.strerror or error}"
            ) from None


def _decode_line(raw: bytes | str, number: int) -> str:
    if isinstance(raw, str):
        return raw.lstrip("\ufeff") if number == 1 else raw
    try:
        return raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as error:
        raise _BadRecord(f"line is not valid UTF-8 (byte offset {error.start})") from None


def _parse_record(line: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise _BadRecord(f"invalid JSON: {error.msg} (column {error.colno})") from None
    except (ValueError, RecursionError) as error:  # e.g. an integer too long to convert
        raise _BadRecord(f"invalid JSON: {_one_line(error)}") from None
    if not isinstance(record, dict):
        raise _BadRecord(f"record must be a JSON object, got {_json_type(record)}")
    return record


def _classify_corpus(rules: RuleSet, name: str, streams: _Streams, *, explain: bool) -> int:
    shown = "<stdin>" if name == "-" else name
    interactive = name == "-"
    bad_lines = 0
    records = expected_count = matched = 0
    for number, raw in _corpus_lines(name, streams):
        try:
            line = _decode_line(raw, number)
            if not line.strip():
                continue
            record = _parse_record(line)
            decision = rules.classify(_record_failure(record))
            answer = decision.as_dict()
            if "expected" in record:
                match = _expected_match(answer, record["expected"])
                answer["expected"] = record["expected"]
                answer["match"] = match
                expected_count += 1
                matched += match
        except _BadRecord as error:
            bad_lines += 1
            streams.out.write(json.dumps({"line": number, "error": str(error)}) + "\n")
            streams.out.flush()
            streams.err.write(f"{shown}:{number}: {error}\n")
            continue
        records += 1
        streams.out.write(json.dumps(answer) + "\n")
        if explain:
            streams.out.flush()
            streams.err.write(f"{shown}:{number}:\n{decision.explain()}\n")
        if interactive:
            streams.out.flush()
    streams.out.flush()
    if expected_count:
        streams.err.write(
            f"corpus: {matched} of {expected_count} expected decisions matched "
            f"({_plural(records, 'record')})\n"
        )
    if bad_lines:
        streams.err.write(f"{shown}: {_plural(bad_lines, 'bad line')} (see above)\n")
        return EXIT_USAGE
    return EXIT_OK


# ── test ────────────────────────────────────────────────────────────────────────────────


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line if line else line for line in text.splitlines())


def _coverage_line(report: FileReport) -> str:
    covered, total = len(report.covered), len(report.rules)
    percent = covered * 100 // total if total else 100
    return (
        f"{report.path}: {report.passed}/{report.total} passed, "
        f"coverage {covered}/{total} rules ({percent}%)"
    )


def _report_dict(report: FileReport, problems: Sequence[Problem]) -> dict[str, Any]:
    ruleset = report.ruleset
    covered, total = len(report.covered), len(report.rules)
    return {
        "path": report.path,
        "file": report.file,
        "ok": report.ok,
        "loaded": report.loaded,
        "ruleset": ruleset.name if ruleset is not None else None,
        "revision": ruleset.revision if ruleset is not None else None,
        "cases": report.total,
        "passed": report.passed,
        "failed": len(report.failures),
        "failures": [
            {
                "file": report.path,
                "line": result.case.line,
                "column": result.case.column,
                "rule": result.case.rule_id,
                "description": result.case.description,
                "expect": result.expected_category,
                "differences": [
                    {"key": d.key, "expected": d.expected, "actual": d.actual}
                    for d in result.differences
                ],
                "decision": result.decision.as_dict(),
                "explain": result.decision.explain(),
            }
            for result in report.failures
        ],
        "coverage": {
            "covered": covered,
            "rules": total,
            "percent": round(100.0 * covered / total, 1) if total else 100.0,
        },
        "uncovered": list(report.uncovered),
        "problems": [_problem_dict(problem) for problem in sorted(problems, key=Problem.sort_key)],
    }


def _cmd_test(args: argparse.Namespace, streams: _Streams) -> int:
    fmt = str(args.format)
    _, pairs = _collect(list(args.paths))
    reports = [
        run_ruleset(item.ruleset, path=item.path)
        if item.ruleset is not None
        else FileReport(item.path, own_file(item.path), None, item.problems, (), (), ())
        for item, _ in pairs
    ]
    if fmt == "json":
        document = {
            "ok": all(report.ok for report in reports),
            "files": [
                _report_dict(report, new) for report, (_, new) in zip(reports, pairs, strict=True)
            ],
        }
        streams.out.write(json.dumps(document, indent=2, default=show_value) + "\n")
        _write_input_errors(pairs, streams)
    else:
        for report, pair in zip(reports, pairs, strict=True):
            if not report.loaded:
                _write_problems([pair], streams, fmt="text")
                continue
            for result in report.failures:
                case = result.case
                where = f"{report.path}:{case.line}:{case.column}"
                streams.out.write(f"{where}: FAIL rule {case.rule_id}: {result.summary}\n")
                streams.out.write(_indent(result.decision.explain()) + "\n")
            streams.out.write(_coverage_line(report) + "\n")
            if report.uncovered:
                streams.out.write(f"  uncovered: {', '.join(report.uncovered)}\n")
    streams.out.flush()
    passed, failed, unloadable_count = summarize(reports)
    files = _plural(len(reports), "file")
    if failed:
        summary = f"{_plural(failed, 'case')} failed, {passed} passed in {files}"
    elif unloadable_count:
        summary = f"{_plural(passed, 'case')} passed in {files}"
    else:
        summary = f"ok: {_plural(passed, 'case')} passed in {files}"
    if unloadable_count:
        summary += f", {_plural(unloadable_count, 'file')} could not be loaded"
    streams.err.write(summary + "\n")
    if unloadable_count:
        return EXIT_USAGE
    return EXIT_FINDINGS if failed else EXIT_OK


# ── demo ────────────────────────────────────────────────────────────────────────────────


@contextlib.contextmanager
def _quiet_executor() -> Iterator[None]:
    """The demo shows every give-up itself: keep the executor's warnings off stderr."""
    executor_logger = logging.getLogger("reliable_rules.executor")
    level = executor_logger.level
    executor_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        executor_logger.setLevel(level)


def _cmd_demo(args: argparse.Namespace, streams: _Streams) -> int:
    from .demo import (  # noqa: PLC0415 — requests and the fake servers load only for demo
        render_event,
        render_summary,
        run_demo,
    )

    rules = _load_for_classify(str(args.rules))
    as_json = bool(args.json)

    def show(event: DemoEvent) -> None:
        for line in render_event(event, as_json=as_json):
            streams.out.write(line + "\n")
        streams.out.flush()

    with _quiet_executor():
        report = run_demo(rules, fast=bool(args.fast), on_event=show)
    for line in render_summary(report, as_json=as_json):
        streams.out.write(line + "\n")
    streams.out.flush()
    if report.ok:
        return EXIT_OK
    for problem in report.problems:
        streams.err.write(f"{PROG} demo: error: {problem}\n")
    failed = sum(not scenario.ok for scenario in report.scenarios)
    streams.err.write(
        f"{PROG} demo: {_plural(failed, 'scenario')} of {len(report.scenarios)} did not end "
        f"as scripted with rules {rules.name} {rules.revision}\n"
    )
    return EXIT_FINDINGS
