"""The ``reliable-rules`` command line: validate, classify with and test rule sets, and demo
the executor against fake providers.

Run it as ``reliable-rules`` (console script) or ``python -m reliable_rules``. Other tools
parse its output, so everything below is a contract.

Exit codes
----------
``0``
    Success: everything valid, every test passed, or the classification was printed.
``1``
    Findings: validation problems, failing rule tests (or, for ``test``, a corpus miss or
    accuracy below ``--corpus-min-accuracy`` or ``--corpus-min-behaviour-accuracy``,
    coverage below ``--coverage-threshold``), a demo scenario that did not end as scripted, a
    ``diff`` verdict at or above ``--fail-on``.
``2``
    Usage error or unreadable input: bad arguments, a missing file or directory, a directory
    without rule files, an unreadable corpus or body file, a corpus line that is not a JSON
    object, ``--rules`` that cannot be loaded, or (``test``) a rule file, test file or corpus
    that cannot be loaded, or (``diff``) a side that cannot be loaded. When both findings and
    input errors occur, ``2`` wins.
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

``validate PATH... [--format text|json|github|sarif] [--strict]``
------------------------------------------------------------------
Loads each file with ``load_rules(path)`` (following ``extends``). A problem found in a base
file is reported once however many validated files extend it. ``--strict`` also lints each
file that loads (as ``lint`` with default settings): its ``error`` findings are reported and
counted as problems (code = the lint code; a file's json ``ok`` is then false), warnings and
infos are not.

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
* ``sarif``: one SARIF 2.1.0 log on stdout (as for ``lint``), every problem an ``error``
  result whose ``ruleId`` is the problem code. Input errors go to stderr only.

``lint PATH... [--format text|json|github|sarif] [--severity CODE=LEVEL]... [--exclude RULE_ID]...``
---------------------------------------------------------------------------------------------------
``[--corpus FILE.jsonl]... [--fail-on error|warning]``. Loads each file (as ``validate``) and
reports findings: rules that load but are probably wrong (see :mod:`reliable_rules.lint`).
Codes and default severities: ``duplicate-id`` (error; a loader problem), ``noop-override``
(warning: an override with the base rule's ``when`` and ``then``), ``never-wins`` (warning:
an earlier rule matches all the rule matches, or none of its own test cases is decided by
it), ``unused-condition``, ``unproduced-category``, ``broad-matcher`` (a one-word
``contains`` of at most four letters not narrowed by an ``all``; a regex that matches the
empty string), ``regex-backtracking`` (nested quantifiers) (all warning), ``unknown-disable``
(error), ``invariant-violated`` (error: a test case, ``--corpus`` record or structural
``kind`` breaks one of the rule set's ``invariants:``). A file that does not load reports
each load problem as an ``error`` finding with the problem's code. ``--severity CODE=LEVEL``
(``error``, ``warning``, ``info``, ``off``) overrides a code's severity; ``--exclude
RULE_ID`` and a rule's ``lint: {ignore: [codes]}`` drop findings about that rule.
``--corpus`` (the ``classify --corpus`` format) adds records to check the invariants
against; a finding for a record is at ``FILE:N:1``. Findings of a base file are reported
once however many linted files extend it.

* ``text``: one line per finding on stdout, sorted by file, line, column, code,
  ``FILE:LINE:COL: SEVERITY[CODE]: message (hint: HINT)``. stderr ends with ``lint: E
  error(s), W warning(s), I info in M file(s)``.
* ``json``: ``{"ok": bool, "findings": [{"file", "line", "column", "code", "severity",
  "message", "hint", "rules"}]}``.
* ``github``: ``::error|warning|notice file=F,line=L,col=C,title=reliable-rules
  (CODE)::message (hint: HINT)``, escaped as for ``validate``.
* ``sarif``: one SARIF 2.1.0 log, ``{"$schema", "version": "2.1.0", "runs": [{"tool":
  {"driver": {"name": "reliable-rules", "version", "informationUri", "rules": [{"id",
  "name", "shortDescription", "defaultConfiguration": {"level"}}]}}, "results": [{"ruleId",
  "ruleIndex", "level" (error|warning|note), "message": {"text"}, "locations":
  [{"physicalLocation": {"artifactLocation": {"uri"}, "region": {"startLine",
  "startColumn"}}}]}]}]}``; ``rules`` lists every lint code first, then other codes found.

Exit ``1`` when a finding is at least as severe as ``--fail-on`` (default ``error``), ``2``
for a missing path, an empty directory, an unreadable corpus or bad corpus line (``FILE:N:
error`` on stderr), or a malformed ``--severity``; otherwise ``0``.

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
``expected`` (and ``"also"`` and ``"match_by_also"`` when it has ``also``: a decided category
in ``also`` matches too). Blank lines produce no output. A line that is not valid UTF-8 JSON, not an
object, or has a key of the wrong type produces ``{"line": N, "error": "..."}`` in its place
and ``FILE:N: <error>`` on stderr; processing continues and the exit code is ``2``. The
corpus is streamed (one line in memory at a time). When any record has ``expected``, stderr
gets a summary ``corpus: M of K expected decisions matched (R record(s))``. Mismatches do not
change the exit code. TEXT and the single-failure options cannot be combined with
``--corpus``; ``--explain`` writes each record's trace to stderr after a ``FILE:N:`` line.

``test [PATH...] [--corpus FILE.jsonl]... [options] [--format text|json|junit]``
------------------------------------------------------------------------------
Runs the embedded ``tests:`` written in each rule file, then the cases of its side-by-side
test files, against that file's effective rule set (see :mod:`reliable_rules.ruletests` for
when a case passes and what coverage counts, :mod:`reliable_rules.testfiles` for the test
file format). PATH is a rule file, a directory, ``builtin:NAME`` or a test file.

* Side-by-side test files: ``NAME.test.yaml`` and ``NAME.test.yml`` next to ``NAME.yaml``
  (for ``builtin:NAME``, next to the shipped file) run whenever that rule file is tested.
  Format (``schemas/ruletests.v1.json``): ``format: reliable-rules-tests/v1``, optional
  ``rules:`` (a path relative to the test file, or ``builtin:NAME``; default: the sibling
  ``NAME.yaml``, else ``NAME.yml``) and ``cases:``, each with the keys of an embedded case;
  ``rule: ID`` names the rule that must decide (its category is expected unless ``expect``
  is given), ``no_match: true`` (or ``rule: null``) says no rule decides (category
  ``unknown``), and a case needs one of ``rule``, ``no_match``, ``expect``. A test file named
  as PATH runs against the rule set it tests, without that file's embedded tests or other
  test files. A directory also contributes the test files below it that have no sibling rule
  file. The cases of a test file count for the rule file they test; problems in them
  (including an unknown ``rule`` id or ``expect`` category, and ``no_match: true`` next to
  another ``expect`` or a rule id, in embedded cases too) are reported as
  ``FILE:LINE:COL: message`` and make the exit code ``2``; the other cases still run.
* ``no_match: true`` and ``todo: true`` are accepted by embedded and side-by-side cases. A
  ``todo`` case never fails: while it fails it is reported as ``TODO``, once it passes as
  ``TODO PASSED`` (remove the flag); it is not counted in ``P/T``.
* ``--corpus FILE.jsonl`` (repeatable) classifies every record of FILE (the ``classify
  --corpus`` keys, plus ``id`` (string or integer), ``source`` (string) and ``todo``
  (boolean); ``expected`` is required: a category of the rule set, or an object of
  ``as_dict()`` keys whose ``category`` is required) with ``--rules PATH|builtin:NAME``;
  default: the only rule file tested, or ``builtin:default`` when no PATH is given (several
  rule files without ``--rules`` is a usage error). A record that does not decide as
  expected is a miss; ``todo`` records are reported but never miss. Matching records count
  for the coverage of the rule file they were classified with. Each record is also scored
  by *behaviour* (:func:`reliable_rules.corpus.behaviour_of`, from the category's policy:
  ``context_overflow`` for action ``truncate_history``, else ``give_up`` when not
  retryable, else ``retry_rate_limited`` when rate limited, else ``retry``): the expected
  category's behaviour against the decided one's. Any miss makes the exit code ``1``; with
  ``--corpus-min-accuracy P`` and/or ``--corpus-min-behaviour-accuracy P`` (percent, 0-100)
  only an accuracy (category or behaviour) below its P does, for each corpus. An unreadable
  corpus or a bad line (``FILE:N: <error>`` on stderr; the other lines still count) makes it
  ``2``. ``--rules``, ``--corpus-min-accuracy`` and ``--corpus-min-behaviour-accuracy`` need
  ``--corpus``.
* ``--coverage-threshold N`` (percent, 0-100): exit ``1`` when a loaded file's coverage
  (covered/rules, exactly) is below N; stderr gets ``PATH: coverage PCT% is below
  --coverage-threshold N%; uncovered: id1, id2`` for each.
* ``text``: per file, in order: its problems (as ``validate`` prints them; a file that
  cannot be loaded prints only these); for each failing case
  ``WHERE: FAIL LABEL: <differences>`` followed by the decision trace indented by four
  spaces; ``WHERE: TODO LABEL: <differences>``; ``WHERE: TODO PASSED LABEL: remove 'todo:
  true'``. WHERE is ``PATH:LINE:COL`` with PATH the rule file as named (directories
  expanded) or, for a side-by-side case, the test file as named or found (``x.test.yaml``
  next to the named ``x.yaml``); LABEL is ``rule <id>`` (the rule holding the case, or the
  one it names), else ``no_match`` or ``expect <category>``; differences read
  ``key: expected X, got Y`` joined by ``; `` (keys: ``category``, then ``reason``,
  ``retryable``, ``rate_limited``, ``action``, ``retry_after_ms``, ``rule``; values spelled
  as in YAML: ``null``, ``true``, ``false``). Then ``PATH: P/T passed, coverage C/R rules
  (PCT%)`` (PCT rounded down, so 100% means every rule is covered) and, when not every rule
  is covered, ``  uncovered: id1, id2``. Then per corpus classified with the file
  ``corpus FILE (rules PATH): C/S categories correct (A%), B/S behaviours correct (BA%), M
  misses`` (S: records not ``todo``; A and BA rounded down to one decimal; ``, T todo``,
  ``; min accuracy P% met|NOT met`` and ``; min behaviour accuracy P% met|NOT met`` when
  they apply), one line per miss or ``todo`` record, ``  FILE:N[ id=ID]: MISS|TODO expected
  X, got Y (rule ID|-) [behaviour ok]: TEXT`` (``[behaviour EXPECTED -> DECIDED]`` when the
  behaviour differs too) or ``  FILE:N[ id=ID]: TODO PASSED expected X (remove "todo":
  true): TEXT`` (TEXT: the failure's text on one line, secrets redacted, at most 100
  characters), ``  confusion (rows: expected, columns: decided):`` with a table indented by
  four spaces: a header ``expected \\ decided`` and the categories seen, then one row per
  expected category with the count for each decided one, and ``  behaviour confusion (rows:
  expected, columns: decided):`` with the same table over the four behaviours (every row and
  column, in the order ``context_overflow``, ``give_up``, ``retry_rate_limited``,
  ``retry``). stderr ends with ``ok: P case(s) passed in
  M file(s)`` when the exit code is ``0``, else ``F case(s) failed, P passed in M file(s)``
  (or ``P case(s) passed in M file(s)``); `` (T todo, U todo passed)`` follows the case
  counts when there are any, and ``, corpus: C of S record(s) correct``, ``, coverage below
  N% in K file(s)``, ``, K file(s) could not be loaded``, ``, K test file(s) could not be
  loaded``, ``, K corpus file(s) could not be read`` follow when they apply.
* ``json``: one document on stdout (stderr as for ``text``, without the stdout lines),
  ``{"ok": bool, "coverage_threshold": N|null, "files": [{"path", "file", "ok", "loaded",
  "ruleset", "revision", "cases", "passed", "failed", "todo", "todo_passed", "failures":
  [RESULT], "results": [RESULT], "test_files": [paths], "coverage": {"covered", "rules",
  "percent"}, "below_threshold": bool, "uncovered": [ids], "corpus": [CORPUS], "problems":
  [...]}], "problems": [...]}`` where RESULT is ``{"file", "line", "column", "rule",
  "label", "description", "status", "expect", "differences": [{"key", "expected",
  "actual"}], "decision", "explain"}`` (``status``: ``passed``, ``failed``, ``todo``, ``todo
  passed``; ``explain`` only when not ``passed``; ``failures`` lists the failed results and
  ``results`` every case) and CORPUS is ``{"path", "rules", "ok", "loaded", "records",
  "scored", "correct", "missed", "todo", "accuracy" (percent), "min_accuracy", "confusion":
  {expected: {decided: count}}, "behaviour_correct", "behaviour_missed",
  "behaviour_accuracy" (percent), "min_behaviour_accuracy", "behaviour_confusion":
  {expected: {decided: count}} (4x4), "misses": [RECORD], "todo_records": [RECORD],
  "right_by_also": [RECORD],
  "problems": [...]}`` with RECORD ``{"line", "id", "source", "expected", "category",
  "actual", "rule", "matched", "expected_behaviour", "actual_behaviour",
  "behaviour_matched", "also", "matched_by_also", "behaviour_by_also", "todo", "text",
  "explain"}``. A file's ``problems`` are those first reported
  while loading it or its test files; the top-level ``problems`` those of test files that
  test no rule file that could be told (unreadable, or no ``rules:`` and no sibling).
* ``junit``: JUnit XML on stdout (stderr as for ``json``): ``<testsuites name="reliable-rules
  test" tests failures errors skipped>`` holding a ``<testsuite name=PATH>`` per rule file
  with a ``<testcase classname=PATH name="LABEL at WHERE" file line>`` per case (a
  ``<failure message type="mismatch">`` with the differences and the trace when it fails,
  ``<skipped message="todo: ...">`` or ``<skipped message="todo passed: ...">`` for ``todo``
  cases), a ``load FILE`` testcase with an ``<error type="load-error">`` per file that could
  not be loaded, a ``coverage >= N%`` testcase with ``--coverage-threshold`` and the coverage
  line as ``<system-out>``; then a ``<testsuite name="corpus FILE (rules PATH)">`` per corpus
  with a testcase per record (misses fail, their message saying ``[behaviour ok]`` or
  ``[behaviour EXPECTED -> DECIDED]``; with ``--corpus-min-accuracy`` or
  ``--corpus-min-behaviour-accuracy`` they carry their miss in ``<system-out>`` and an
  ``accuracy >= P%`` or ``behaviour accuracy >= P%`` testcase fails instead; ``todo``
  records are skipped; bad lines are errors) and the accuracy line and both confusion tables
  as ``<system-out>``. Every suite and the root carry ``tests``, ``failures``, ``errors`` and
  ``skipped`` counts; characters XML 1.0 cannot hold are written as ``\\x{HEX}``.

``diff OLD NEW [--corpus FILE.jsonl]... [--format text|json|markdown] [--fail-on LEVEL]``
-----------------------------------------------------------------------------------------
Compares two rule sets (see :mod:`reliable_rules.diff`). The records compared are the
embedded test cases of both sides (a failure both carry counts once, named by its place in
NEW) and every record of each ``--corpus`` (the ``classify --corpus`` format; ``-``: stdin,
once). A record *changes* when its category, ``retryable``, ``action``, ``rate_limited``,
``retry_after_ms`` or deciding rule differs. The verdict is ``major`` (a record's
``retryable`` flips or its ``action`` changes; a rule removed or renamed; a rule's ``then``
moved to a category with another ``retryable``/``action``; a category's ``retryable``/
``action`` changed or a category removed), ``minor`` (any other record change; rules or
categories added; ``when``, ``then`` or rule order changed; category ``rate_limited``/
``rotate_key``; policy; ``retry_after`` extractors), ``patch`` (metadata only: the set's
name or revision, a rule's description, references, status or tests, a category's
description) or ``none``.

* ``text`` (stdout)::

      verdict: LEVEL                       (``verdict: none (no differences)`` when equal)
        because REASON                     (one per transition/change at the verdict's level)
      old: SOURCE (NAME REVISION, N rules)
      new: SOURCE (NAME REVISION, N rules)
      records: K of N decided differently (T test cases, C corpus records)

      transitions (K records):             (or ``transitions: none``)
        OLD_CAT → NEW_CAT: COUNT  [LEVEL: EFFECT]
          FILE:LINE  SHORT_TEXT  OLD_RULE → NEW_RULE[; retry_after_ms A → B]

      structural changes (M):              (or ``structural changes: none``)
        [LEVEL] MESSAGE
            DETAIL LINE                    (a ``when`` or ``retry_after`` diff)

  Transitions are sorted by level (major first), then count (largest first), then label;
  structural changes by level, then set metadata, rules, rule order, categories, policy,
  ``retry_after``. SHORT_TEXT is the failure on one line, secrets
  redacted, ``[STATUS] `` first when it has one; a rule is ``(no rule)`` when none matched.
  At most ``--max-records N`` records (default 20, ``0``: all) are listed per transition,
  then ``… K more``.
* ``markdown``: the same report for a pull-request comment (a heading with the verdict,
  a transitions table, one ``<details>`` table of records per transition, a list of changes).
* ``json``: one document, ``{"verdict", "reasons": [str], "old": {"source", "name",
  "revision", "rules"}, "new": {...}, "records": {"compared", "tests", "corpus", "changed"},
  "transitions": [{"from", "to", "count", "level", "changes": {FLAG: {"old", "new"}},
  "records": [{"source", "kind", "text", "fields", "old", "new"}]}], "changes": [{"kind",
  "subject", "level", "message", "details", "old", "new"}]}`` (every record listed;
  ``old``/``new`` of a record are ``decision.as_dict()``).

stderr ends with ``reliable-rules diff: verdict LEVEL: K of N records decided differently, M
structural changes`` (plus `` (--fail-on LEVEL)`` when failing). A bad corpus line is
skipped and reported on stderr as ``FILE:N: <error>``; the exit code is then ``2``. A side
that cannot be loaded prints its problems on stderr as ``FILE:LINE:COL: message`` and
``reliable-rules: error: cannot load OLD|NEW rules 'REF': N problems``, exit ``2``. Exit
``1`` when ``--fail-on LEVEL`` is given and the verdict is LEVEL or higher, else ``0``.

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

``schema [--path] [--tests]``
-----------------------------
Prints the installed JSON Schema of rule files (``ruleset.v1.json``), or with ``--tests`` of
side-by-side test files (``ruletests.v1.json``); with ``--path`` only its file path (inside the
installed package), for editors and ``check-jsonschema``. Exit ``0``; ``2`` on a usage error.
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

from ._resources import schemas_dir
from ._version import __version__
from .corpus import BadRecord, json_type, parse_line, record_failure
from .decision import Decision
from .diff import LEVELS, Record, diff_rulesets, level_at_least
from .errors import Problem, RuleSetError, RuleSourceError
from .failure import Failure, to_failure, with_exception_types
from .lint import (
    Finding,
    LintOptions,
    corpus_failures,
    gh_data,
    gh_property,
    github_line,
    lint_paths,
    parse_severity,
    sarif_document,
)
from .ruleset import RuleSet, load_rules
from .ruletests import AmbiguousCorpusRules, expand_paths, own_file, run_tests
from .testreport import assess, json_document, junit_xml, text_lines

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
  0    every test case passed (and every corpus and coverage gate)
  1    a test case failed, a corpus missed (or is below --corpus-min-accuracy or
       --corpus-min-behaviour-accuracy), or a file's coverage is below --coverage-threshold
  2    usage error, or a rule file, test file or corpus that cannot be loaded
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
            f"{PROG}: error: a command is required "
            "(validate, lint, classify, test, diff, demo, schema)\n"
        )
        return EXIT_USAGE
    try:
        if command == "validate":
            code = _cmd_validate(args, streams)
        elif command == "classify":
            code = _cmd_classify(args, streams)
        elif command == "demo":
            code = _cmd_demo(args, streams)
        elif command == "lint":
            code = _cmd_lint(args, streams)
        elif command == "diff":
            code = _cmd_diff(args, streams)
        elif command == "schema":
            code = _cmd_schema(args, streams)
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
        choices=("text", "json", "github", "sarif"),
        default="text",
        help="output format (default: text)",
    )
    validate.add_argument(
        "--strict",
        action="store_true",
        help="also run lint; its error findings count as problems",
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
        help="run the rules' tests (embedded, side-by-side, corpora) and report rule coverage",
        description=_wrap(
            "Run the 'tests:' written in each rule file and the cases of its side-by-side test "
            "files (NAME.test.yaml next to NAME.yaml) against that file's effective rule set, "
            "print every failing case with its decision trace, and report how many of the "
            "file's own rules the tests cover. PATH may be a rule file, a test file (run "
            "against the rule set it tests), a directory or builtin:NAME. --corpus classifies "
            "a JSONL corpus with expected categories and reports category and behaviour "
            "accuracy (what the executor does: retry, retry_rate_limited, give_up, "
            "context_overflow), confusion tables and every miss."
        ),
        epilog="output:\n"
        "  FILE:LINE:COL: FAIL rule ID: key: expected X, got Y   (then the indented trace)\n"
        "  FILE:LINE:COL: TODO rule ID: ...  /  FILE:LINE:COL: TODO PASSED rule ID: ...\n"
        "  FILE: P/T passed, coverage C/R rules (PCT%)\n"
        "    uncovered: id1, id2\n"
        "  corpus FILE (rules R): C/S categories correct (A%), B/S behaviours correct (A%),\n"
        "    M misses  (then misses, confusion tables)\n"
        '  json   {"ok", "coverage_threshold", "files": [...], "problems"}\n'
        "  junit  testsuites > testsuite per file/corpus > testcase per case/record\n\n"
        + _TEST_EXIT_CODES,
        formatter_class=formatter,
    )
    test.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="rule file, test file (*.test.yaml), directory or builtin:NAME",
    )
    test.add_argument(
        "--format",
        choices=("text", "json", "junit"),
        default="text",
        help="output format (default: text)",
    )
    test.add_argument(
        "--corpus",
        action="append",
        default=[],
        metavar="FILE.jsonl",
        help="a JSONL corpus with an 'expected' category per record (repeatable)",
    )
    test.add_argument(
        "--rules",
        metavar="PATH|builtin:NAME",
        help="the rule set that classifies the corpus (default: the only rule file tested; "
        "builtin:default without PATH)",
    )
    test.add_argument(
        "--corpus-min-accuracy",
        type=_percent,
        metavar="P",
        help="fail only when a corpus' accuracy is below P percent (default: any miss fails)",
    )
    test.add_argument(
        "--corpus-min-behaviour-accuracy",
        type=_percent,
        metavar="P",
        help="fail only when a corpus' behaviour accuracy (retry, retry_rate_limited, give_up, "
        "context_overflow) is below P percent (default: any miss fails)",
    )
    test.add_argument(
        "--coverage-threshold",
        type=_percent,
        metavar="N",
        help="fail when a file's rule coverage is below N percent",
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
    _add_diff_parser(commands, formatter)
    _add_lint_parser(commands, formatter)
    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of rule files (or its path) for editors and CI",
        description=_wrap(
            "Print the installed JSON Schema of rule files (ruleset.v1.json) or of side-by-side "
            "test files (--tests), or with --path only its file path, e.g. for "
            "`# yaml-language-server: $schema=...` or check-jsonschema."
        ),
        epilog="exit codes:\n  0  printed\n  2  usage error",
        formatter_class=formatter,
    )
    schema.add_argument("--path", action="store_true", help="print the file path, not content")
    schema.add_argument(
        "--tests", action="store_true", help="the schema of side-by-side *.test.yaml files"
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


def _github(problem: Problem) -> str:
    return (
        f"::error file={gh_property(problem.file)},line={problem.line},col={problem.column},"
        f"title={gh_property(f'{PROG} ({problem.code})')}::{gh_data(problem.message)}"
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
                        f"::error title={gh_property(f'{PROG} ({problem.code})')}::"
                        f"{gh_data(problem.file + ': ' + problem.message)}\n"
                    )
            else:
                findings.append(problem)
    for problem in sorted(findings, key=Problem.sort_key):
        streams.out.write((_github(problem) if fmt == "github" else str(problem)) + "\n")


def _cmd_validate(args: argparse.Namespace, streams: _Streams) -> int:
    fmt = str(args.format)
    loaded, pairs = _collect(list(args.paths))
    if args.strict:
        pairs = _with_lint_errors(pairs)
    problems = [p for item, new in pairs for p in new if not _is_input(item, p)]
    input_error = any(item.input_error for item in loaded)
    if fmt == "sarif":
        streams.out.write(json.dumps(_problems_sarif(problems), indent=2) + "\n")
        _write_input_errors(pairs, streams)
    elif fmt == "json":
        document = {
            "ok": not problems
            and not input_error
            and all(item.ruleset is not None for item in loaded),
            "files": [
                {
                    "path": item.path,
                    "ok": item.ruleset is not None and not new,
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


def _with_lint_errors(
    pairs: Sequence[tuple[_Loaded, tuple[Problem, ...]]],
) -> list[tuple[_Loaded, tuple[Problem, ...]]]:
    """``validate --strict``: add each loaded file's ``error`` lint findings as problems."""
    seen = {problem for _, new in pairs for problem in new}
    result: list[tuple[_Loaded, tuple[Problem, ...]]] = []
    for item, new in pairs:
        extra: list[Problem] = []
        if item.ruleset is not None:
            findings, _ = lint_paths([item.path], LintOptions())
            for finding in findings:
                problem = Problem(
                    finding.file, finding.line, finding.column, finding.message, finding.code
                )
                if finding.severity == "error" and problem not in seen:
                    seen.add(problem)
                    extra.append(problem)
        result.append((item, (*new, *extra)))
    return result


def _problems_sarif(problems: Sequence[Problem]) -> dict[str, Any]:
    findings = [
        Finding(p.code, "error", p.file, p.line, p.column, p.message)
        for p in sorted(problems, key=Problem.sort_key)
    ]
    return sarif_document(findings, __version__)


# ── lint ────────────────────────────────────────────────────────────────────────────────


def _add_lint_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    formatter: type[argparse.HelpFormatter],
) -> None:
    lint = commands.add_parser(
        "lint",
        help="find rules that load but are probably wrong (dead, too broad, slow, ...)",
        description=_wrap(
            "Load each rule file (following 'extends') and report lint findings as "
            "FILE:LINE:COL: severity[code]: message (hint: ...). Codes: duplicate-id, "
            "noop-override, never-wins, unused-condition, unproduced-category, broad-matcher, "
            "regex-backtracking, unknown-disable, invariant-violated (a file that does not "
            "load reports its load problems as errors)."
        ),
        epilog="output:\n"
        "  text    FILE:LINE:COL: severity[code]: message (hint: ...); summary on stderr\n"
        '  json    {"ok", "findings": [{"file", "line", "column", "code", "severity", '
        '"message", "hint", "rules"}]}\n'
        "  github  ::error|warning|notice file=F,line=L,col=C,title=reliable-rules (CODE)::msg\n"
        "  sarif   a SARIF 2.1.0 log\n\n" + _EXIT_CODES,
        formatter_class=formatter,
    )
    lint.add_argument(
        "paths", nargs="+", metavar="PATH", help="rule file, directory or builtin:NAME"
    )
    lint.add_argument(
        "--format",
        choices=("text", "json", "github", "sarif"),
        default="text",
        help="output format (default: text)",
    )
    lint.add_argument(
        "--severity",
        action="append",
        default=[],
        metavar="CODE=LEVEL",
        help="set a code's severity: error, warning, info or off (repeatable)",
    )
    lint.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="RULE_ID",
        help="report nothing about this rule (repeatable)",
    )
    lint.add_argument(
        "--corpus",
        action="append",
        default=[],
        metavar="FILE.jsonl",
        help="also check the invariants against every record of this corpus (repeatable)",
    )
    lint.add_argument(
        "--fail-on",
        choices=("error", "warning"),
        default="error",
        help="exit 1 when a finding is at least this severe (default: error)",
    )


def _cmd_lint(args: argparse.Namespace, streams: _Streams) -> int:
    severities: dict[str, str] = {}
    for value in args.severity:
        try:
            code, level = parse_severity(value)
        except ValueError as error:
            raise _UsageError("lint", f"--severity: {error}") from None
        severities[code] = level
    corpus: list[tuple[str, int, Failure]] = []
    bad: list[str] = []
    for name in args.corpus:
        try:
            with open(name, encoding="utf-8") as handle:
                records, errors = corpus_failures(name, handle)
        except (OSError, UnicodeDecodeError) as error:
            raise _InputError(f"{PROG}: error: cannot read corpus {name!r}: {error}") from None
        corpus.extend(records)
        bad.extend(errors)
    files, empty = expand_paths(list(args.paths))
    options = LintOptions(severities, frozenset(args.exclude), tuple(corpus))
    findings, missing = lint_paths(files, options)
    errors = [*missing, *(f"{d!r} contains no rule files (*.yaml, *.yml)" for d in empty)]
    fmt = str(args.format)
    if fmt == "json":
        document = {
            "ok": not any(f.at_least(args.fail_on) for f in findings) and not errors and not bad,
            "findings": [finding.as_dict() for finding in findings],
        }
        streams.out.write(json.dumps(document, indent=2) + "\n")
    elif fmt == "sarif":
        streams.out.write(json.dumps(sarif_document(findings, __version__), indent=2) + "\n")
    else:
        for finding in findings:
            streams.out.write((github_line(finding) if fmt == "github" else str(finding)) + "\n")
    streams.out.flush()
    for message in bad:
        streams.err.write(message + "\n")
    for message in errors:
        streams.err.write(f"{PROG}: error: {message}\n")
    counts = {level: sum(f.severity == level for f in findings) for level in ("error", "warning")}
    infos = len(findings) - counts["error"] - counts["warning"]
    streams.err.write(
        f"lint: {_plural(counts['error'], 'error')}, {_plural(counts['warning'], 'warning')}, "
        f"{infos} info in {_plural(len(files), 'file')}\n"
    )
    if errors or bad:
        return EXIT_USAGE
    return EXIT_FINDINGS if any(f.at_least(args.fail_on) for f in findings) else EXIT_OK


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


def _expected_match(answer: Mapping[str, Any], expected: object) -> bool:
    if isinstance(expected, str):
        return bool(answer["category"] == expected)
    if isinstance(expected, dict):
        return all(key in answer and answer[key] == value for key, value in expected.items())
    raise BadRecord(f"'expected' must be a category name or an object, got {json_type(expected)}")


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


def _classify_corpus(rules: RuleSet, name: str, streams: _Streams, *, explain: bool) -> int:
    shown = "<stdin>" if name == "-" else name
    interactive = name == "-"
    bad_lines = 0
    records = expected_count = matched = 0
    for number, raw in _corpus_lines(name, streams):
        try:
            record = parse_line(raw, number)
            if record is None:
                continue
            decision = rules.classify(record_failure(record))
            answer = decision.as_dict()
            if "expected" in record:
                match = _expected_match(answer, record["expected"])
                also = record.get("also")
                answer["expected"] = record["expected"]
                if isinstance(also, list):  # a second acceptable label (corpus.ALLOWED_ALSO)
                    answer["also"] = also
                    answer["match_by_also"] = not match and answer["category"] in also
                    match = match or answer["match_by_also"]
                answer["match"] = match
                expected_count += 1
                matched += match
        except BadRecord as error:
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


def _percent(value: str) -> float:
    text = value.strip().removesuffix("%")
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a percentage 0-100, got {value!r}") from None
    if not 0.0 <= number <= 100.0:
        raise argparse.ArgumentTypeError(f"expected a percentage 0-100, got {value!r}")
    return number


def _cmd_test(args: argparse.Namespace, streams: _Streams) -> int:
    fmt = str(args.format)
    paths = [str(path) for path in args.paths]
    corpus = [str(name) for name in args.corpus]
    if not paths and not corpus:
        raise _UsageError("test", "nothing to test: give PATH... and/or --corpus FILE.jsonl")
    if not corpus:
        for option, value in (
            ("--rules", args.rules),
            ("--corpus-min-accuracy", args.corpus_min_accuracy),
            ("--corpus-min-behaviour-accuracy", args.corpus_min_behaviour_accuracy),
        ):
            if value is not None:
                raise _UsageError("test", f"{option} only applies with --corpus")
    threshold = args.coverage_threshold
    try:
        run = run_tests(
            paths,
            corpus=corpus,
            corpus_rules=args.rules,
            min_accuracy=args.corpus_min_accuracy,
            min_behaviour_accuracy=args.corpus_min_behaviour_accuracy,
        )
    except AmbiguousCorpusRules as error:
        raise _UsageError("test", f"--corpus needs --rules PATH|builtin:NAME: {error}") from None
    assessment = assess(run, threshold=threshold)
    lines = text_lines(run, threshold=threshold)
    if fmt == "text":
        for stream, line in lines:
            if stream == "out":
                streams.out.write(line + "\n")
            else:
                streams.out.flush()
                streams.err.write(line + "\n")
    else:
        document = (
            json_document(run, threshold=threshold)
            if fmt == "json"
            else junit_xml(run, threshold=threshold)
        )
        streams.out.write(document + "\n")
        streams.out.flush()
        for stream, line in lines:
            if stream == "err":
                streams.err.write(line + "\n")
    streams.out.flush()
    streams.err.write(assessment.summary() + "\n")
    if assessment.input_errors:
        return EXIT_USAGE
    return EXIT_FINDINGS if assessment.findings else EXIT_OK


# ── diff ────────────────────────────────────────────────────────────────────────────────

_DIFF_EXIT_CODES = """\
exit codes:
  0    compared (and, with --fail-on, the verdict is below LEVEL)
  1    the verdict is --fail-on LEVEL or higher
  2    usage error, a side that cannot be loaded, an unreadable corpus or a bad corpus line
  3    internal error (a bug); set RELIABLE_RULES_DEBUG=1 for a traceback
  130  interrupted
  141  stdout was closed early (e.g. piped into head)
"""


def _add_diff_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    formatter: type[argparse.HelpFormatter],
) -> None:
    diff = commands.add_parser(
        "diff",
        help="compare two rule sets: changed decisions, structural changes, a semver verdict",
        description=_wrap(
            "Classify the embedded test cases of OLD and NEW (and every --corpus record) with "
            "both rule sets, list the records decided differently grouped by category "
            "transition, list the structural changes (rules, categories, policy, retry_after, "
            "metadata) and give a verdict: major (a record's retryable or action changes, a "
            "rule or category is removed, a rule renamed, a category's retryable or action "
            "changed), minor (other behaviour changes), patch (metadata only) or none."
        ),
        epilog="output:\n"
        "  text      verdict and why, transitions with their records, structural changes\n"
        "  markdown  the same as a pull-request comment\n"
        '  json      {"verdict", "reasons", "old", "new", "records", "transitions", "changes"}\n\n'
        + _DIFF_EXIT_CODES,
        formatter_class=formatter,
    )
    diff.add_argument("old", metavar="OLD", help="the rule set before: a path or builtin:NAME")
    diff.add_argument("new", metavar="NEW", help="the rule set after: a path or builtin:NAME")
    diff.add_argument(
        "--corpus",
        action="append",
        default=[],
        metavar="FILE.jsonl",
        help="also compare every record of FILE (classify --corpus format; '-': stdin); "
        "repeatable",
    )
    diff.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="output format (default: text)",
    )
    diff.add_argument(
        "--fail-on",
        choices=tuple(reversed(LEVELS[1:])),
        metavar="major|minor|patch",
        help="exit 1 when the verdict is LEVEL or higher",
    )
    diff.add_argument(
        "--max-records",
        type=int,
        default=20,
        metavar="N",
        help="records listed per transition in text and markdown (0: all; default 20)",
    )


def _load_diff_sides(old: str, new: str) -> tuple[RuleSet, RuleSet]:
    """Both sides, or every problem of both as ``FILE:LINE:COL: message`` (exit 2)."""
    sides: list[RuleSet] = []
    lines: list[str] = []
    for label, reference in (("OLD", old), ("NEW", new)):
        try:
            sides.append(load_rules(reference))
        except RuleSetError as error:
            lines += [str(problem) for problem in error.problems if str(problem) not in lines]
            count = _plural(len(error.problems), "problem")
            lines.append(f"{PROG}: error: cannot load {label} rules {reference!r}: {count}")
    if lines:
        raise _InputError(*lines)
    return sides[0], sides[1]


def _diff_corpus(names: Sequence[str], streams: _Streams, bad: list[str]) -> Iterator[Record]:
    """The records of every corpus, streamed; bad lines are noted in ``bad`` and skipped."""
    for name in names:
        shown = "<stdin>" if name == "-" else name
        for number, raw in _corpus_lines(name, streams):
            try:
                record = parse_line(raw, number)
                if record is None:
                    continue
                failure = record_failure(record)
            except BadRecord as error:
                bad.append(f"{shown}:{number}: {error}")
                continue
            yield Record(f"{shown}:{number}", failure, "corpus")


def _cmd_diff(args: argparse.Namespace, streams: _Streams) -> int:
    corpora = [str(name) for name in args.corpus]
    if corpora.count("-") > 1:
        raise _UsageError("diff", "--corpus - (stdin) can be given only once")
    if args.max_records < 0:
        raise _UsageError("diff", "--max-records must be 0 (all) or more")
    old, new = _load_diff_sides(str(args.old), str(args.new))
    bad: list[str] = []
    result = diff_rulesets(old, new, _diff_corpus(corpora, streams, bad))
    fmt = str(args.format)
    limit = int(args.max_records) or None
    if fmt == "json":
        streams.out.write(json.dumps(result.as_dict(), indent=2, default=str) + "\n")
    elif fmt == "markdown":
        streams.out.write(result.render_markdown(max_records=limit) + "\n")
    else:
        streams.out.write(result.render_text(max_records=limit) + "\n")
    streams.out.flush()
    for line in bad:
        streams.err.write(line + "\n")
    failing = args.fail_on is not None and level_at_least(result.verdict, str(args.fail_on))
    streams.err.write(
        f"{PROG} diff: verdict {result.verdict}: {result.changed} of "
        f"{_plural(result.compared, 'record')} decided differently, "
        f"{_plural(len(result.changes), 'structural change')}"
        + (f" (--fail-on {args.fail_on})" if failing else "")
        + "\n"
    )
    if bad:
        streams.err.write(f"{PROG} diff: {_plural(len(bad), 'bad corpus line')} skipped\n")
        return EXIT_USAGE
    return EXIT_FINDINGS if failing else EXIT_OK


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


def _cmd_schema(args: argparse.Namespace, streams: _Streams) -> int:
    path = schemas_dir() / ("ruletests.v1.json" if args.tests else "ruleset.v1.json")
    if args.path:
        streams.out.write(f"{path}\n")
    else:
        streams.out.write(path.read_text(encoding="utf-8"))
    return EXIT_OK


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
