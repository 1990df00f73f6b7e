"""The ``reliable-rules`` command line (see ``docs/cli.md``); :func:`main` is the entry point."""

from __future__ import annotations

import sys

from reliable_rules._version import __version__

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code.

    ``--version`` alone answers without importing the commands (argparse prints the same).
    """
    arguments = sys.argv[1:] if argv is None else argv
    if arguments in (["--version"], ["-V"]):
        sys.stdout.write(f"reliable-rules {__version__}\n")
        sys.stdout.flush()
        return 0
    from reliable_rules.cli.app import main as run  # noqa: PLC0415 — the commands, on demand

    return run(argv)
