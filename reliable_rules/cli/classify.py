"""``reliable-rules classify``: classify one failure, or a JSONL corpus of failures."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reliable_rules._text import plural as _plural
from reliable_rules.authoring.corpus import iter_records, json_type, record_failure
from reliable_rules.cli._common import (
    EXIT_CODES,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    InputError,
    Streams,
    UsageError,
    corpus_lines,
    load_rules_or_exit,
    read_stdin,
    stdin_paths,
)
from reliable_rules.decision import Decision
from reliable_rules.errors import (
    BadRecord,
)
from reliable_rules.executor.capture import CaptureLog
from reliable_rules.failure import to_failure, with_exception_types
from reliable_rules.ruleset.model import RuleSet

HELP = "classify one failure, or a JSONL corpus of failures"
DESCRIPTION = (
    "Classify a failure with a rule set and print the decision. Describe the "
    "failure with TEXT (the error message; '-' reads stdin) and the options below, or "
    "give --corpus FILE.jsonl for one decision per line."
)
EPILOG = (
    "output:\n"
    "  category=X reason=Y retryable=yes|no action=A retry_after_ms=N|- rule=ID|-"
    " (NAME REVISION)\n"
    '  --json: {"category", "reason", "retryable", "rate_limited", "action",\n'
    '           "retry_after_ms", "rule", "ruleset", "revision"}\n'
    '  --corpus: one such JSON object per record (plus "expected" and "match"), or\n'
    '            {"line": N, "error": "..."} for a bad line (exit 2 at the end)\n\n'
    + EXIT_CODES
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``reliable-rules classify``."""
    parser.add_argument(
        "text", nargs="?", metavar="TEXT", help="the error message ('-': read stdin)"
    )
    parser.add_argument(
        "--status", type=_status, metavar="N", help="the HTTP status of the response (100-999)"
    )
    parser.add_argument(
        "--header",
        type=_header,
        action="append",
        default=[],
        metavar="NAME:VALUE",
        help="a response header (repeatable)",
    )
    parser.add_argument(
        "--body", metavar="TEXT|@FILE", help="the response body, or @FILE to read it (@-: stdin)"
    )
    parser.add_argument("--provider", metavar="P", help="the provider the failure came from")
    parser.add_argument("--model", metavar="M", help="the model the failure came from")
    parser.add_argument(
        "--exception",
        action="append",
        default=[],
        metavar="NAME",
        help="an exception class name the failure carries (repeatable), e.g. ReadTimeout",
    )
    parser.add_argument(
        "--rules",
        default="builtin:default",
        metavar="PATH|builtin:NAME",
        help="the rule set to classify with (default: builtin:default; '-': read it from stdin)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the decision as one JSON object"
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also print the decision trace (to stderr with --json or --corpus)",
    )
    parser.add_argument(
        "--corpus",
        metavar="FILE.jsonl",
        help="classify every JSON record of FILE ('-': stdin), one answer per line",
    )
    parser.add_argument(
        "--capture",
        metavar="PATH",
        help="append every failure no specific rule recognised to PATH (JSONL, for "
        "'reliable-rules suggest')",
    )


def _header(value: str) -> tuple[str, str]:
    name, sep, content = value.partition(":")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME:VALUE, got {value!r}")
    return name.strip(), content.strip()


def _read_body(spec: str, streams: Streams) -> object:
    if not spec.startswith("@"):
        return spec
    name = spec[1:]
    if name == "-":
        return read_stdin(streams)
    try:
        return Path(name).expanduser().read_bytes()
    except OSError as error:
        raise InputError(
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



def _status(value: str) -> int:
    """An HTTP status, 100-999: anything else is a usage error, not a silently absent status."""
    text = value.strip()
    if not (text.isascii() and text.isdigit() and len(text) == 3 and text[0] != "0"):
        raise argparse.ArgumentTypeError(f"expected an HTTP status 100-999, got {value[:40]!r}")
    return int(text)

def run(args: argparse.Namespace, streams: Streams) -> int:
    """Run the command; return the exit code."""
    single = {
        "TEXT": args.text is not None,
        "--status": args.status is not None,
        "--header": bool(args.header),
        "--body": args.body is not None,
        "--exception": bool(args.exception),
        "--provider": args.provider is not None,
        "--model": args.model is not None,
    }
    if args.rules == "-":
        readers = [
            name
            for name, reads in (
                ("TEXT '-'", args.text == "-"),
                ("--body @-", args.body == "@-"),
                ("--corpus -", args.corpus == "-"),
            )
            if reads
        ]
        if readers:
            raise UsageError("classify", f"--rules - and {readers[0]} cannot both read stdin")
        args.rules = stdin_paths(["-"], streams)[0]
    if args.corpus is not None:
        given = [name for name, present in single.items() if present]
        if given:
            raise UsageError("classify", f"--corpus cannot be combined with {', '.join(given)}")
        rules = load_rules_or_exit(str(args.rules))
        capture = _capture(args)
        try:
            return _classify_corpus(
                rules, str(args.corpus), streams, explain=bool(args.explain), capture=capture
            )
        finally:
            if capture is not None:
                capture.close()
    if not any(single.values()):
        raise UsageError(
            "classify",
            "nothing to classify: give TEXT ('-' for stdin), --status, --header, "
            "--body or --exception, or --corpus FILE.jsonl",
        )
    if args.text == "-" and isinstance(args.body, str) and args.body == "@-":
        raise UsageError("classify", "TEXT '-' and --body @- cannot both read stdin")
    rules = load_rules_or_exit(str(args.rules))
    text = read_stdin(streams).rstrip("\r\n") if args.text == "-" else args.text
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
    capture = _capture(args)
    if capture is not None:
        capture.record(decision)
        capture.close()
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


def _capture(args: argparse.Namespace) -> CaptureLog | None:
    if args.capture is None:
        return None
    path = Path(str(args.capture)).expanduser()
    if not path.parent.is_dir():
        raise InputError(f"{PROG}: error: --capture: no such directory: {str(path.parent)!r}")
    return CaptureLog(path)


def _classify_corpus(
    rules: RuleSet, name: str, streams: Streams, *, explain: bool, capture: CaptureLog | None
) -> int:
    shown = "<stdin>" if name == "-" else name
    interactive = name == "-"
    bad_lines = 0
    records = expected_count = matched = 0

    def classified(record: dict[str, Any]) -> tuple[Decision, dict[str, Any]]:
        decision = rules.classify(record_failure(record))
        if capture is not None:
            capture.record(decision)
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
        return decision, answer

    for number, item in iter_records(corpus_lines(name, streams), classified):
        if isinstance(item, BadRecord):
            bad_lines += 1
            streams.out.write(json.dumps({"line": number, "error": str(item)}) + "\n")
            streams.out.flush()
            streams.err.write(f"{shown}:{number}: {item}\n")
            continue
        decision, answer = item
        if "match" in answer:
            expected_count += 1
            matched += answer["match"]
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
