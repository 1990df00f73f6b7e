"""``reliable-rules test``: run the rules' tests (embedded, side-by-side, corpora) and
report rule coverage."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

from reliable_rules.authoring.ruletests.html import html_report
from reliable_rules.authoring.ruletests.report import assess, json_document, junit_xml, text_lines
from reliable_rules.authoring.ruletests.runner import run_tests
from reliable_rules.cli._common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    TEST_EXIT_CODES,
    Streams,
    UsageError,
    stdin_paths,
)
from reliable_rules.errors import (
    AmbiguousCorpusRules,
)

HELP = "run the rules' tests (embedded, side-by-side, corpora) and report rule coverage"
DESCRIPTION = (
    "Run the 'tests:' written in each rule file and the cases of its side-by-side test "
    "files (NAME.test.yaml next to NAME.yaml) against that file's effective rule set, "
    "print every failing case with its decision trace, and report how many of the "
    "file's own rules the tests cover. PATH may be a rule file, a test file (run "
    "against the rule set it tests), a directory or builtin:NAME. --corpus classifies "
    "a JSONL corpus with expected categories and reports category and behaviour "
    "accuracy (what the executor does: retry, retry_rate_limited, give_up, "
    "context_overflow), confusion tables and every miss."
)
EPILOG = (
    "output:\n"
    "  FILE:LINE:COL: FAIL rule ID: key: expected X, got Y   (then the indented trace)\n"
    "  FILE:LINE:COL: TODO rule ID: ...  /  FILE:LINE:COL: TODO PASSED rule ID: ...\n"
    "  FILE: P/T passed, coverage C/R rules (PCT%)\n"
    "    uncovered: id1, id2\n"
    "  corpus FILE (rules R): C/S categories correct (A%), B/S behaviours correct (A%),\n"
    "    M misses  (then misses, confusion tables)\n"
    '  json   {"ok", "coverage_threshold", "files": [...], "problems"}\n'
    "  junit  testsuites > testsuite per file/corpus > testcase per case/record\n"
    "  html   one self-contained page: confusion, accuracy per provider, misses, coverage\n\n"
    + TEST_EXIT_CODES
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``reliable-rules test``."""
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="rule file, test file (*.test.yaml), directory or builtin:NAME",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "junit", "html"),
        default="text",
        help="output format (default: text)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the report (any --format) to FILE instead of stdout",
    )
    parser.add_argument(
        "--corpus",
        action="append",
        default=[],
        metavar="FILE.jsonl",
        help="a JSONL corpus with an 'expected' category per record (repeatable)",
    )
    parser.add_argument(
        "--rules",
        metavar="PATH|builtin:NAME",
        help="the rule set that classifies the corpus (default: the only rule file tested; "
        "builtin:default without PATH)",
    )
    parser.add_argument(
        "--corpus-min-accuracy",
        type=_percent,
        metavar="P",
        help="fail only when a corpus' accuracy is below P percent (default: any miss fails)",
    )
    parser.add_argument(
        "--corpus-min-behaviour-accuracy",
        type=_percent,
        metavar="P",
        help="fail only when a corpus' behaviour accuracy (retry, retry_rate_limited, give_up, "
        "context_overflow) is below P percent (default: any miss fails)",
    )
    parser.add_argument(
        "--coverage-threshold",
        type=_percent,
        metavar="N",
        help="fail when a file's rule coverage is below N percent",
    )


def _percent(value: str) -> float:
    text = value.strip().removesuffix("%")
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a percentage 0-100, got {value!r}") from None
    if not 0.0 <= number <= 100.0:
        raise argparse.ArgumentTypeError(f"expected a percentage 0-100, got {value!r}")
    return number


def run(args: argparse.Namespace, streams: Streams) -> int:
    """Run the command; return the exit code."""
    if args.output is None:
        return _run(args, streams)
    report = io.StringIO()
    try:
        return _run(args, Streams(report, streams.err, streams.inp))
    finally:
        try:
            Path(str(args.output)).expanduser().write_text(report.getvalue(), encoding="utf-8")
        except OSError as error:
            streams.err.write(f"{PROG}: error: cannot write {args.output!r}: {error}\n")


def _run(args: argparse.Namespace, streams: Streams) -> int:
    fmt = str(args.format)
    paths = [str(path) for path in args.paths]
    corpus = [str(name) for name in args.corpus]
    if any(not name.strip() for name in corpus):
        raise UsageError("test", "--corpus needs a file name (FILE.jsonl, or '-' for stdin)")
    if not paths and not corpus:
        raise UsageError("test", "nothing to test: give PATH... and/or --corpus FILE.jsonl")
    if "-" in paths and "-" in corpus:
        raise UsageError("test", "PATH '-' and --corpus - cannot both read stdin")
    paths = stdin_paths(paths, streams)
    if not corpus:
        for option, value in (
            ("--rules", args.rules),
            ("--corpus-min-accuracy", args.corpus_min_accuracy),
            ("--corpus-min-behaviour-accuracy", args.corpus_min_behaviour_accuracy),
        ):
            if value is not None:
                raise UsageError("test", f"{option} only applies with --corpus")
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
        raise UsageError("test", f"--corpus needs --rules PATH|builtin:NAME: {error}") from None
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
        renderers = {"json": json_document, "junit": junit_xml, "html": html_report}
        document = renderers[fmt](run, threshold=threshold).rstrip("\n")
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
