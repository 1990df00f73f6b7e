"""The ``reliable-rules`` command line (see ``docs/cli.md``); :func:`main` is the entry point."""

from reliable_rules.cli.app import main

__all__ = ["main"]
