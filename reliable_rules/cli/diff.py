"""``reliable-rules diff``: compare two rule sets (changed decisions, structural changes, a
semver verdict)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator, Sequence

from reliable_rules._text import plural as _plural
from reliable_rules.authoring.corpus import iter_records, record_failure
from reliable_rules.authoring.diff import LEVELS, Record, diff_rulesets, level_at_least
from reliable_rules.authoring.ruletests.files import bind_cases, load_test_file, side_test_files
from reliable_rules.cli._common import (
    DIFF_EXIT_CODES,
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    InputError,
    Streams,
    UsageError,
    corpus_lines,
)
from reliable_rules.errors import (
    BadRecord,
    RuleSetError,
)
from reliable_rules.ruleset.loader import load_rules
from reliable_rules.ruleset.model import RuleSet, RuleTest

HELP = "compare two rule sets: changed decisions, structural changes, a semver verdict"
DESCRIPTION = (
    "Classify the embedded test cases of OLD and NEW, the cases of their side-by-side "
    "test files (NAME.test.yaml next to NAME.yaml), and every --corpus record, with "
    "both rule sets, list the records decided differently grouped by category "
    "transition, list the structural changes (rules, categories, policy, retry_after, "
    "metadata) and give a verdict: major (a record's retryable or action changes, a "
    "rule or category is removed, a rule renamed, a category's retryable or action "
    "changed), minor (other behaviour changes), patch (metadata only) or none."
)
EPILOG = (
    "output:\n"
    "  text      verdict and why, transitions with their records, structural changes\n"
    "  markdown  the same as a pull-request comment\n"
    '  json      {"verdict", "reasons", "old", "new", "records", "transitions", "changes"}\n\n'
    + DIFF_EXIT_CODES
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``reliable-rules diff``."""
    parser.add_argument("old", metavar="OLD", help="the rule set before: a path or builtin:NAME")
    parser.add_argument("new", metavar="NEW", help="the rule set after: a path or builtin:NAME")
    parser.add_argument(
        "--corpus",
        action="append",
        default=[],
        metavar="FILE.jsonl",
        help="also compare every record of FILE (classify --corpus format; '-': stdin); "
        "repeatable",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="output format (default: text)",
    )
    parser.add_argument(
        "--fail-on",
        choices=tuple(reversed(LEVELS[1:])),
        metavar="major|minor|patch",
        help="exit 1 when the verdict is LEVEL or higher",
    )
    parser.add_argument(
        "--max-records",
        type=_count,
        default=20,
        metavar="N",
        help="records listed per transition in text and markdown (0: all; default 20)",
    )


def _count(value: str) -> int:
    """A count from 0 to 1,000,000."""
    text = value.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 7 and int(text) <= 1_000_000):
        raise argparse.ArgumentTypeError(f"expected a count 0-1000000, got {value[:40]!r}")
    return int(text)


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
        raise InputError(*lines)
    return sides[0], sides[1]


def _side_cases(reference: str, ruleset: RuleSet) -> list[RuleTest]:
    """The cases of the side-by-side test files of ``reference`` that bind to ``ruleset``
    (a test file or case with problems is left out: ``test`` and ``validate`` report it)."""
    cases: list[RuleTest] = []
    for name in side_test_files(reference):
        test_file = load_test_file(name, default_rules=reference)
        bound, _ = bind_cases(test_file, ruleset)
        cases.extend(bound)
    return cases


def _diff_corpus(names: Sequence[str], streams: Streams, bad: list[str]) -> Iterator[Record]:
    """The records of every corpus, streamed; bad lines are noted in ``bad`` and skipped."""
    for name in names:
        shown = "<stdin>" if name == "-" else name
        for number, failure in iter_records(corpus_lines(name, streams), record_failure):
            if isinstance(failure, BadRecord):
                bad.append(f"{shown}:{number}: {failure}")
            else:
                yield Record(f"{shown}:{number}", failure, "corpus")


def run(args: argparse.Namespace, streams: Streams) -> int:
    """Run the command; return the exit code."""
    corpora = [str(name) for name in args.corpus]
    if corpora.count("-") > 1:
        raise UsageError("diff", "--corpus - (stdin) can be given only once")
    if args.max_records < 0:
        raise UsageError("diff", "--max-records must be 0 (all) or more")
    old, new = _load_diff_sides(str(args.old), str(args.new))
    bad: list[str] = []
    test_cases = [
        *_side_cases(str(args.new), new),
        *_side_cases(str(args.old), old),
    ]
    result = diff_rulesets(
        old, new, _diff_corpus(corpora, streams, bad), test_cases=test_cases
    )
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
