"""A command imports its own module alone: `validate` does not pay for lint, SARIF or demo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reliable_rules.cli import app

HEAVY = (
    "reliable_rules.authoring.lint",
    "reliable_rules.cli.demo",
    "reliable_rules.cli.lint",
    "reliable_rules.cli.test",
    "reliable_rules.cli.suggest",
    "importlib.metadata",
    "reliable_rules.executor.loops",
)


def _imported(arguments: list[str], tmp_path: Path) -> tuple[int, list[str]]:
    code = (
        "import json, sys\nfrom reliable_rules.cli import main\ncode = main(sys.argv[1:])\n"
        f"print(json.dumps([code, [m for m in {HEAVY!r} if m in sys.modules]]))\n"
    )
    environment = {**os.environ, "RELIABLE_RULES_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-c", code, *arguments],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    status, modules = json.loads(done.stdout.strip().splitlines()[-1])
    return status, modules


def test_validate_imports_no_other_command(tmp_path: Path) -> None:
    """`validate FILE` in a fresh process: lint, SARIF's metadata, other commands stay out."""
    rules = tmp_path / "r.yaml"
    rules.write_text(
        "format: reliable-rules/v1\nname: r\nextends: [builtin:seed]\n"
        "rules:\n  - id: r.one\n    when: {contains: acme overload}\n"
        "    then: {category: server_error}\n",
        encoding="utf-8",
    )
    assert _imported(["validate", str(rules)], tmp_path) == (0, [])


def test_validate_strict_still_lints(tmp_path: Path) -> None:
    """--strict imports lint when asked for (the lazy import is reached)."""
    status, modules = _imported(["validate", "--strict", "builtin:seed"], tmp_path)
    assert "reliable_rules.authoring.lint" in modules
    assert status in (0, 1)


@pytest.mark.parametrize("name", list(app.COMMANDS))
def test_a_command_parser_alone_is_the_full_parser_s_subparser(name: str) -> None:
    """The one-command parser gives the same help as that command under the full parser."""

    def help_text(parser: object) -> str:
        actions = parser._subparsers._group_actions[0]  # type: ignore[attr-defined]
        return str(actions.choices[name].format_help())

    assert help_text(app.build_parser(only=name)) == help_text(app.build_parser())
