"""``reliable-rules validate``: check rule files against the schema and the loader."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reliable_rules._text import plural as _plural
from reliable_rules.authoring.ruletests.files import bind_cases, is_test_file, load_test_file
from reliable_rules.authoring.ruletests.runner import expand_paths, no_rule_files, own_file
from reliable_rules.cli._common import (
    EXIT_CODES,
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    Streams,
    add_rule_paths,
    stdin_paths,
)
from reliable_rules.cli.excerpt import render
from reliable_rules.cli.formats import (
    gh_data,
    gh_property,
    github_problem,
    problems_sarif,
)
from reliable_rules.errors import (
    Problem,
    RuleSetError,
    RuleSourceError,
)
from reliable_rules.ruleset.loader import load_rules_within
from reliable_rules.ruleset.memo import LoadMemo
from reliable_rules.ruleset.model import RuleSet

HELP = "check rule files against the schema and the loader"
DESCRIPTION = (
    "Load each rule file (following 'extends') and report every problem as "
    "FILE:LINE:COL: message. PATH may be a file, a directory (every *.yaml/*.yml below "
    "it) or builtin:NAME. Side-by-side test files (*.test.yaml/*.test.yml), named or "
    "found in a directory, are validated as test files: against the test file schema "
    "(schemas/ruletests.v1.json) and the rule set they test (rule ids, categories)."
)
EPILOG = (
    "output:\n"
    "  text    RRnnn FILE:LINE:COL: message per problem on stdout, the source line and a\n"
    "          caret under the column; summary on stderr\n"
    '  json    {"ok", "files": [{"path", "ok", "rules", "problems"}]}\n'
    "  github  ::error file=F,line=L,col=C,title=reliable-rules (CODE)::message\n\n"
    + EXIT_CODES
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``reliable-rules validate``."""
    add_rule_paths(parser, formats=("text", "json", "github", "sarif"))
    parser.add_argument(
        "--strict",
        action="store_true",
        help="also run lint; its error and warning findings count as problems (exit 1)",
    )
    parser.add_argument(
        "--include-builtins",
        action="store_true",
        help="with --strict: also report findings only about the shipped files a rule file "
        "extends (by default a finding a rule of yours causes is placed at that rule)",
    )


@dataclass(frozen=True, slots=True)
class _Loaded:
    """One named rule file after loading: its rule set or its problems."""

    path: str
    ruleset: RuleSet | None
    problems: tuple[Problem, ...]
    input_error: bool
    test_file: bool = False

    @property
    def valid(self) -> bool:
        """Whether the file loaded (a test file: whether it has no problems)."""
        return not self.problems if self.test_file else self.ruleset is not None


def _load_named(path: str, memo: LoadMemo) -> _Loaded:
    try:
        ruleset = load_rules_within(path, memo)
    except RuleSourceError as error:
        return _Loaded(path, None, error.problems, True)
    except RuleSetError as error:
        shown = own_file(path)
        unreadable = any(p.code == "unreadable" and p.file == shown for p in error.problems)
        return _Loaded(path, None, error.problems, unreadable)
    return _Loaded(path, ruleset, (), False)


def _load_test_named(path: str, memo: LoadMemo) -> _Loaded:
    """A side-by-side test file: schema, then its cases against the rule set it tests."""
    test_file = load_test_file(path)
    problems = list(test_file.problems)
    if test_file.rules is not None and test_file.read:
        try:
            ruleset = load_rules_within(test_file.rules, memo)
        except RuleSetError as error:
            problems.append(
                Problem(
                    path,
                    1,
                    1,
                    f"the rule set it tests, {test_file.rules!r}, does not load "
                    f"({_plural(len(error.problems), 'problem')}: run "
                    f"'{PROG} validate {test_file.rules}')",
                    "missing-rules",
                )
            )
        else:
            problems.extend(bind_cases(test_file, ruleset)[1])
    return _Loaded(path, None, tuple(problems), not test_file.read, test_file=True)


def _test_files_below(paths: Sequence[str]) -> list[str]:
    """The side-by-side test files below the directories in ``paths`` (sorted)."""
    found: list[str] = []
    for name in paths:
        if name.startswith("builtin:") or not Path(name).expanduser().is_dir():
            continue
        found += sorted(
            item.as_posix()
            for item in Path(name).expanduser().rglob("*")
            if item.is_file() and is_test_file(item.name)
        )
    return found


def _is_input(item: _Loaded, problem: Problem) -> bool:
    """Whether ``problem`` says the named file itself could not be read (exit 2, stderr)."""
    return item.input_error and problem.code in ("missing-file", "no-rule-files", "unreadable")


def _write_input_errors(
    pairs: Sequence[tuple[_Loaded, tuple[Problem, ...]]], streams: Streams
) -> None:
    for item, problems in pairs:
        for problem in problems:
            if _is_input(item, problem):
                streams.err.write(f"{PROG}: error: {problem.message}\n")


def _collect(
    paths: Sequence[str], memo: LoadMemo
) -> tuple[list[_Loaded], list[tuple[_Loaded, tuple[Problem, ...]]]]:
    """Load every named file; pair each with the problems it reports first (deduplicated)."""
    files, empty = expand_paths(paths)
    below = _test_files_below(paths)
    holding = {name for name in empty for test in below if test.startswith(Path(name).as_posix())}
    loaded = [
        _Loaded(
            directory,
            None,
            (no_rule_files(directory),),
            True,
        )
        for directory in empty
        if directory not in holding
    ]
    for path in [*files, *(test for test in below if test not in files)]:
        loaded.append(
            _load_test_named(path, memo) if is_test_file(path) else _load_named(path, memo)
        )
    seen: set[Problem] = set()
    fresh: list[tuple[_Loaded, tuple[Problem, ...]]] = []
    for item in loaded:
        new = tuple(problem for problem in item.problems if problem not in seen)
        seen.update(new)
        fresh.append((item, new))
    return loaded, fresh


def _write_problems(
    pairs: Sequence[tuple[_Loaded, tuple[Problem, ...]]], streams: Streams, *, fmt: str
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
        shown = (
            github_problem(problem)
            if fmt == "github"
            else render(problem.code, problem.file, problem.line, problem.column, problem.message)
        )
        streams.out.write(shown + "\n")


def run(args: argparse.Namespace, streams: Streams) -> int:
    """Run the command; return the exit code."""
    fmt = str(args.format)
    # one memo for the whole command: the lint of --strict reads the files (and the bases they
    # extend) the loads just parsed and built
    memo = LoadMemo()
    loaded, pairs = _collect(stdin_paths(list(args.paths), streams), memo)
    if args.strict:
        pairs = _with_lint_errors(pairs, include_builtins=bool(args.include_builtins), memo=memo)
    problems = [p for item, new in pairs for p in new if not _is_input(item, p)]
    input_error = any(item.input_error for item in loaded)
    if fmt == "sarif":
        streams.out.write(json.dumps(problems_sarif(problems), indent=2) + "\n")
        _write_input_errors(pairs, streams)
    elif fmt == "json":
        document = {
            "ok": not problems and not input_error and all(item.valid for item in loaded),
            "files": [
                {
                    "path": item.path,
                    "ok": item.valid and not new,
                    "rules": len(item.ruleset.rules) if item.ruleset is not None else None,
                    "problems": [
                        problem.as_dict() for problem in sorted(new, key=Problem.sort_key)
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
    return EXIT_FINDINGS if problems or not all(item.valid for item in loaded) else EXIT_OK


#: The lint severities ``validate --strict`` counts as problems.
_STRICT_SEVERITIES = frozenset({"error", "warning"})


def _with_lint_errors(
    pairs: Sequence[tuple[_Loaded, tuple[Problem, ...]]], *, include_builtins: bool, memo: LoadMemo
) -> list[tuple[_Loaded, tuple[Problem, ...]]]:
    """``validate --strict``: add each loaded file's ``error`` and ``warning`` lint findings
    as problems (``info`` findings are advice, not problems)."""
    # lint (its corpus, regex parser, ...) is imported for --strict alone: `validate` of a file
    # in a fresh process pays for loading it, and little else
    from reliable_rules.authoring.lint import LintOptions, lint_paths  # noqa: PLC0415

    seen = {problem for _, new in pairs for problem in new}
    result: list[tuple[_Loaded, tuple[Problem, ...]]] = []
    # the command's memo for every file's lint: the bases most files extend (builtin:default,
    # ...) are parsed and built once, not once per file (48 shipped files: 193 builds before)
    for item, new in pairs:
        extra: list[Problem] = []
        if item.ruleset is not None:
            options = LintOptions(include_builtins=include_builtins)
            findings, _ = lint_paths([item.path], options, memo)
            for finding in findings:
                problem = Problem(
                    finding.file, finding.line, finding.column, finding.message, finding.code
                )
                if finding.severity in _STRICT_SEVERITIES and problem not in seen:
                    seen.add(problem)
                    extra.append(problem)
        result.append((item, (*new, *extra)))
    return result
