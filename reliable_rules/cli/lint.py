"""``reliable-rules lint``: find rules that load but are probably wrong."""

from __future__ import annotations

import argparse
import json

from reliable_rules._text import plural as _plural
from reliable_rules._version import __version__
from reliable_rules.authoring.lint import (
    Finding,
    LintOptions,
    corpus_failures,
    lint_paths,
    parse_severity,
)
from reliable_rules.authoring.ruletests.runner import expand_paths
from reliable_rules.cli._common import (
    EXIT_CODES,
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    InputError,
    Streams,
    UsageError,
    add_rule_paths,
    stdin_paths,
)
from reliable_rules.cli.excerpt import render
from reliable_rules.cli.formats import (
    github_line,
    sarif_document,
)
from reliable_rules.failure import Failure

HELP = "find rules that load but are probably wrong (dead, too broad, slow, ...)"
DESCRIPTION = (
    "Load each rule file (following 'extends') and report lint findings as "
    "FILE:LINE:COL: severity[code]: message (hint: ...). Codes: duplicate-id, "
    "noop-override, never-wins, unused-condition, unproduced-category, broad-matcher, "
    "regex-backtracking, unknown-disable, invariant-violated (a file that does not "
    "load reports its load problems as errors)."
)
EPILOG = (
    "output:\n"
    "  text    RRnnn FILE:LINE:COL: severity[code]: message (hint: ...), the source\n"
    "          line and a caret under the column; summary on stderr\n"
    '  json    {"ok", "findings": [{"file", "line", "column", "code", "severity", '
    '"message", "hint", "rules"}]}\n'
    "  github  ::error|warning|notice file=F,line=L,col=C,title=reliable-rules (CODE)::msg\n"
    "  sarif   a SARIF 2.1.0 log\n\n" + EXIT_CODES
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``reliable-rules lint``."""
    add_rule_paths(parser, formats=("text", "json", "github", "sarif"))
    parser.add_argument(
        "--severity",
        action="append",
        default=[],
        metavar="CODE=LEVEL",
        help="set a code's severity: error, warning, info or off (repeatable)",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="RULE_ID",
        help="report nothing about this rule (repeatable)",
    )
    parser.add_argument(
        "--corpus",
        action="append",
        default=[],
        metavar="FILE.jsonl",
        help="also check the invariants against every record of this corpus (repeatable)",
    )
    parser.add_argument(
        "--include-builtins",
        action="store_true",
        help="also report findings only about the shipped files a rule file extends (by "
        "default a finding a rule of yours causes is placed at that rule)",
    )
    parser.add_argument(
        "--fail-on",
        choices=("error", "warning"),
        default="error",
        help="exit 1 when a finding is at least this severe (default: error)",
    )


def _text(finding: Finding) -> str:
    hint = f" (hint: {finding.hint})" if finding.hint else ""
    return render(
        finding.code,
        finding.file,
        finding.line,
        finding.column,
        f"{finding.severity}[{finding.code}]: {finding.message}{hint}",
        related=[str(place) for place in finding.related],
    )


def run(args: argparse.Namespace, streams: Streams) -> int:
    """Run the command; return the exit code."""
    severities: dict[str, str] = {}
    for value in args.severity:
        try:
            code, level = parse_severity(value)
        except ValueError as error:
            raise UsageError("lint", f"--severity: {error}") from None
        severities[code] = level
    corpus: list[tuple[str, int, Failure]] = []
    bad: list[str] = []
    for name in args.corpus:
        try:
            with open(name, encoding="utf-8") as handle:
                records, errors = corpus_failures(name, handle)
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"{PROG}: error: cannot read corpus {name!r}: {error}") from None
        corpus.extend(records)
        bad.extend(errors)
    files, empty = expand_paths(stdin_paths(list(args.paths), streams))
    options = LintOptions(
        severities, frozenset(args.exclude), tuple(corpus), bool(args.include_builtins)
    )
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
            streams.out.write((github_line(finding) if fmt == "github" else _text(finding)) + "\n")
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
