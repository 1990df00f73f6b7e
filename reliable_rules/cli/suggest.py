"""``reliable-rules suggest``: propose rules, with tests, for captured unmatched failures."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from reliable_rules._text import plural as _plural
from reliable_rules.authoring.corpus import record_failure
from reliable_rules.authoring.suggest import (
    Suggestion,
    group_captures,
    render_yaml,
    suggest_rules,
)
from reliable_rules.cli._common import (
    EXIT_CODES,
    EXIT_FINDINGS,
    EXIT_OK,
    PROG,
    InputError,
    Streams,
    UsageError,
    corpus_lines,
    load_rules_or_exit,
)
from reliable_rules.errors import RuleSetError
from reliable_rules.ruleset.loader import load_rules

HELP = "propose rules, with tests, for captured failures no specific rule recognised"
DESCRIPTION = (
    "Read FILE.jsonl (what capture= or classify --capture wrote, with its rotated "
    "FILE.1, FILE.2, ...; or any corpus) and propose one rule per kind of failure: its "
    "provider and status, the stable JSON fields and words of the error (numbers, ids, "
    "dates and request ids removed), a category (guessed from the concept families of "
    "--rules unless --category is given, and then marked QUESTION for you to confirm) "
    "and two embedded tests: the captured failure and a variant with other numbers and "
    "ids. The output extends --rules; it is checked before it is written: it loads and "
    "each rule decides its tests."
)
EPILOG = (
    "then:\n"
    "  reliable-rules validate --strict rules.yaml && reliable-rules test rules.yaml\n"
    "  reliable-rules diff RULES rules.yaml --corpus FILE.jsonl   # what it changes\n\n"
    + EXIT_CODES
)

#: How many rotated files (FILE.1 …) are read besides FILE.
MAX_BACKUPS = 9


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``reliable-rules suggest``."""
    parser.add_argument(
        "capture", metavar="FILE.jsonl", help="the captured failures ('-': stdin)"
    )
    parser.add_argument(
        "--rules",
        default="builtin:default",
        metavar="PATH|builtin:NAME",
        help="the rule set the suggestions extend (default: builtin:default)",
    )
    parser.add_argument(
        "--category", metavar="C", help="the category of every rule (default: a guess per rule)"
    )
    parser.add_argument(
        "--provider",
        metavar="P",
        help="only failures from P (or naming no provider), every rule scoped to P",
    )
    parser.add_argument(
        "--prefix", default="suggested", metavar="ID", help="rule id prefix (default: suggested)"
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE.yaml", help="write the rule file here (default: stdout)"
    )


def _items(name: str, streams: Streams) -> Iterator[Mapping[str, Any]]:
    names = [name]
    if name != "-":
        path = Path(name).expanduser()
        backups = [path.with_name(f"{path.name}.{n}") for n in range(MAX_BACKUPS, 0, -1)]
        names = [str(backup) for backup in backups if backup.is_file()] + [name]
    for source in names:
        shown = "<stdin>" if source == "-" else source
        for number, raw in corpus_lines(source, streams):
            line = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError:
                # A line cut short (a full disk, a killed process) loses one record, not all.
                streams.err.write(f"{shown}:{number}: not a JSON line; skipped\n")
                continue
            if isinstance(item, dict):
                yield item


def _extends(rules: str, output: str | None) -> str:
    if rules.startswith("builtin:"):
        return rules
    target = Path(rules).expanduser().resolve()
    start = Path(output).expanduser().resolve().parent if output else Path.cwd()
    return Path(os.path.relpath(target, start)).as_posix()


def _check(suggestions: list[Suggestion], text: str, base: str) -> list[str]:
    """Load the proposed file (``text``, whose extends is ``base``, absolute) and classify
    every test case: the problems, or none. It is loaded from a temporary folder, so the base
    is allowed explicitly (``extends`` stays in a rule set's folder otherwise)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "suggested.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            allow = () if base.startswith("builtin:") else (base,)
            rules = load_rules(path, allow_paths=allow)
        except RuleSetError as error:
            return [str(problem) for problem in error.problems]
    problems = []
    for suggestion in suggestions:
        for case in suggestion.tests:
            record = {key: value for key, value in case.items() if key != "text"}
            record["message"] = case.get("text", "")
            decision = rules.classify(record_failure(record))
            if decision.rule_id != suggestion.rule_id:
                problems.append(
                    f"{suggestion.rule_id}: {case['description']} is decided by "
                    f"{decision.rule_id or 'no rule'}, not by the suggested rule"
                )
    return problems


def run(args: argparse.Namespace, streams: Streams) -> int:
    """Run the command; return the exit code."""
    base_source = str(args.rules)
    base = load_rules_or_exit(base_source)
    if args.category is not None and args.category not in base.categories:
        raise UsageError(
            "suggest", f"--category {args.category!r} is not a category of {base_source}"
        )
    name = str(args.capture)
    if name != "-" and not Path(name).expanduser().is_file():
        raise InputError(f"{PROG}: error: cannot read {name!r}: no such file")
    captures = group_captures(_items(name, streams))
    suggestions, skipped = suggest_rules(
        captures,
        base=base,
        category=args.category,
        provider=args.provider,
        prefix=str(args.prefix),
    )
    output = None if args.output is None else str(args.output)
    text = render_yaml(
        suggestions, extends=_extends(base_source, output), skipped=skipped
    )
    absolute = base_source
    if not base_source.startswith("builtin:"):
        absolute = Path(base_source).expanduser().resolve().as_posix()
    problems = _check(suggestions, render_yaml(suggestions, extends=absolute), absolute)
    if output is None:
        streams.out.write(text)
    else:
        try:
            Path(output).expanduser().write_text(text, encoding="utf-8")
        except OSError as error:
            raise InputError(
                f"{PROG}: error: cannot write {output!r}: {error.strerror or error}"
            ) from None
    occurrences = sum(captured.count for captured in captures)
    streams.err.write(
        f"suggest: {_plural(len(suggestions), 'rule')} from "
        f"{_plural(len(captures), 'kind')} of failure ({_plural(occurrences, 'occurrence')})"
        + (f"; {len(skipped)} skipped: nothing stable beyond the status" if skipped else "")
        + "\n"
    )
    for suggestion in suggestions:
        if suggestion.question is not None:
            streams.err.write(f"QUESTION {suggestion.rule_id}: {suggestion.question}\n")
    for problem in problems:
        streams.err.write(f"{PROG}: check failed: {problem}\n")
    return EXIT_FINDINGS if problems else EXIT_OK
