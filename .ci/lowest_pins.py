"""Print the lowest versions pyproject.toml claims for the runtime dependencies, one
``name==version`` per line (a pip constraints file): every dependency must say ``>=X``."""

from __future__ import annotations

import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the project supports it, tomllib came in 3.11
    tomllib = None  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parents[1]
LOWER = re.compile(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*>=\s*([0-9][0-9A-Za-z.]*)\s*(?:,.*)?$")


def dependencies() -> list[str]:
    """The ``[project] dependencies`` strings of pyproject.toml."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    if tomllib is not None:
        return list(tomllib.loads(text)["project"]["dependencies"])
    block = text.split("dependencies = [", 1)[1].split("]", 1)[0]
    return re.findall(r'"([^"]+)"', block)


def main() -> int:
    problems = []
    for spec in dependencies():
        match = LOWER.match(spec)
        if match is None:
            problems.append(spec)
            continue
        name = match.group(1).split("[", 1)[0]
        print(f"{name}=={match.group(2)}")
    if problems:
        print(f"no '>=' lower bound in: {', '.join(problems)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
