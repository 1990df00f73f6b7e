"""`reliable-rules --version` answers without importing the commands or the rules."""

from __future__ import annotations

import subprocess
import sys

import pytest

import reliable_rules


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_imports_no_command_module(flag: str) -> None:
    """The version line, and neither the commands, the rule loader nor PyYAML imported."""
    code = (
        "import sys\n"
        "from reliable_rules.cli import main\n"
        f"code = main([{flag!r}])\n"
        "heavy = ('reliable_rules.cli.app', 'reliable_rules.ruleset.loader', 'yaml', 'regex')\n"
        "print(code, sorted(name for name in heavy if name in sys.modules))\n"
    )
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == [f"reliable-rules {reliable_rules.__version__}", "0 []"]
