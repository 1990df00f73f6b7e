"""``reliable-rules schema``: print the JSON Schema of rule files (or its path)."""

from __future__ import annotations

import argparse

from reliable_rules.cli._common import (
    EXIT_OK,
    Streams,
)
from reliable_rules.ruleset.resources import schemas_dir

HELP = "print the JSON Schema of rule files (or its path) for editors and CI"
DESCRIPTION = (
    "Print the installed JSON Schema of rule files (ruleset.v1.json) or of side-by-side "
    "test files (--tests), or with --path only its file path, e.g. for "
    "`# yaml-language-server: $schema=...` or check-jsonschema."
)
EPILOG = "exit codes:\n  0  printed\n  2  usage error"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``reliable-rules schema``."""
    parser.add_argument("--path", action="store_true", help="print the file path, not content")
    parser.add_argument(
        "--tests", action="store_true", help="the schema of side-by-side *.test.yaml files"
    )


def run(args: argparse.Namespace, streams: Streams) -> int:
    """Run the command; return the exit code."""
    path = schemas_dir() / ("ruletests.v1.json" if args.tests else "ruleset.v1.json")
    if args.path:
        streams.out.write(f"{path}\n")
    else:
        streams.out.write(path.read_text(encoding="utf-8"))
    return EXIT_OK
