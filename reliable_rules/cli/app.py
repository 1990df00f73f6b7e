"""The ``reliable-rules`` command line: a table of commands, one module each.

:data:`COMMANDS` maps a command's name to its module; a module has ``HELP``, ``DESCRIPTION``,
``EPILOG``, ``add_arguments(parser)`` and ``run(args, streams) -> int``. ``docs/cli.md`` is
the reference of every command, option, output and exit code (a test keeps it in sync with
the parser built here). Run it as ``reliable-rules`` or ``python -m reliable_rules``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
import traceback
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Protocol, TextIO, cast

from reliable_rules._version import __version__
from reliable_rules.cli._common import (
    DEBUG_ENV,
    EXIT_BROKEN_PIPE,
    EXIT_CODES,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    InputError,
    Streams,
    UsageError,
    one_line,
    wrap,
)
from reliable_rules.ruleset.access import allowed_paths

__all__ = ["COMMANDS", "Command", "build_parser", "main"]


class Command(Protocol):
    """What a command module provides (checked by mypy for every module in :data:`COMMANDS`)."""

    HELP: str
    DESCRIPTION: str
    EPILOG: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Add the command's arguments and options."""

    def run(self, args: argparse.Namespace, streams: Streams) -> int:
        """Run the command; return the exit code."""


#: Every command, in the order ``--help`` lists them: its name and its module, imported when
#: the command runs (or ``--help`` lists them all), so one command never pays for the others.
COMMANDS: Mapping[str, str] = {
    name: f"reliable_rules.cli.{name}"
    for name in ("validate", "classify", "test", "suggest", "demo", "diff", "lint", "schema")
}

if TYPE_CHECKING:  # mypy checks that every command module provides what Command says
    from reliable_rules.cli import classify, demo, diff, lint, schema, suggest, test, validate

    _CHECKED: tuple[Command, ...] = (validate, classify, test, suggest, demo, diff, lint, schema)


def command_module(name: str) -> Command:
    """The module of command ``name`` (one of :data:`COMMANDS`), imported."""
    return cast(Command, importlib.import_module(COMMANDS[name]))


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
    streams = Streams(out=sys.stdout, err=sys.stderr, inp=sys.stdin)
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
                f"{PROG}: internal error: {one_line(error)}; set {DEBUG_ENV}=1 for a traceback\n"
            )
            streams.err.flush()
        except Exception:  # noqa: BLE001 — stderr itself is broken: nothing left to tell
            pass
        return EXIT_INTERNAL
    finally:
        logger.removeHandler(handler)


def _main(argv: list[str] | None, streams: Streams) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    # `reliable-rules NAME ...`: the parser needs that command's options alone (anything
    # else, --help included, builds them all).
    named = arguments[0] if arguments and arguments[0] in COMMANDS else None
    parser = build_parser(only=named)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, argparse errors
        streams.out.flush()
        code = exit_.code
        return code if isinstance(code, int) else (EXIT_OK if code is None else EXIT_USAGE)
    name = getattr(args, "command", None) or ""
    command = command_module(name) if name in COMMANDS else None
    if command is None:  # argparse rejects unknown names; only "no command" comes here
        parser.print_usage(streams.err)
        streams.err.write(
            f"{PROG}: error: a command is required ({', '.join(COMMANDS)})\n"
        )
        return EXIT_USAGE
    try:
        with allowed_paths(getattr(args, "allow_paths", None) or ()):
            code = command.run(args, streams)
    except UsageError as error:
        streams.err.write(f"{PROG} {error.command}: error: {error}\n")
        return EXIT_USAGE
    except InputError as error:
        streams.out.flush()
        for line in error.lines:
            streams.err.write(line + "\n")
        return EXIT_USAGE
    streams.out.flush()
    return code


def build_parser(*, only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser: the program's options, then one subparser per :data:`COMMANDS`
    (``only``: that command's alone, for parsing a command line that names it)."""
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=wrap(
            "Validate, test and apply reliable_rules rule sets (YAML) that classify "
            "LLM provider errors, and demo the executor that retries and falls back by them."
        ),
        epilog=EXIT_CODES + "\nRun 'reliable-rules COMMAND --help' for a command's options.",
        formatter_class=formatter,
    )
    parser.add_argument("-V", "--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if only is None else (only,):
        command = command_module(name)
        subparser = commands.add_parser(
            name,
            help=command.HELP,
            description=wrap(command.DESCRIPTION),
            epilog=command.EPILOG,
            formatter_class=formatter,
        )
        command.add_arguments(subparser)
        if name == "schema":
            continue  # prints the schemas; loads no rule file
        subparser.add_argument(
            "--allow-path",
            dest="allow_paths",
            action="append",
            metavar="DIR",
            help="a folder (or file) a rule file's `extends` may read besides its own folder "
            "and the built-in rules (repeatable)",
        )
    return parser
