"""The package version, single-sourced for hatchling and the CLI."""

__version__ = "0.1.0"
