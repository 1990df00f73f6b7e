"""``python -m reliable_rules``: the ``reliable-rules`` command line."""

from __future__ import annotations

from reliable_rules.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
