"""The pre-commit hooks, the schema comments of the shipped rules and the CI example really run."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from reliable_rules.cli import app as cli
from reliable_rules.cli import main

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HOOKS_FILE = PROJECT_ROOT / ".pre-commit-hooks.yaml"
CI_WORKFLOW = PROJECT_ROOT / "examples" / "ci" / "reliable-rules.yml"
SCHEMA_COMMENT = "# yaml-language-server: $schema=../schemas/ruleset.v1.json"
COMMAND = re.compile(r"\breliable-rules\s+(validate|lint|test)\b[^|;&\n]*")


def _hooks() -> list[dict[str, Any]]:
    hooks = yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    return hooks


def _subparser(name: str) -> argparse.ArgumentParser | None:
    parser = cli.build_parser()
    assert parser._subparsers is not None
    choices: dict[str, argparse.ArgumentParser] = parser._subparsers._group_actions[0].choices  # type: ignore[assignment]
    return choices.get(name)


def _skip_unless_available(argv: list[str]) -> None:
    """Skip when the command (or `validate --strict`) is not in the parser yet."""
    subparser = _subparser(argv[0])
    if subparser is None:
        pytest.skip(f"the {argv[0]!r} command is not implemented yet")
    known = {option for action in subparser._actions for option in action.option_strings}
    for arg in argv[1:]:
        if arg.startswith("--") and arg.split("=")[0] not in known:
            pytest.skip(f"{argv[0]} {arg} is not implemented yet")


def _run(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reliable_rules", *argv],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), **(env or {})},
        timeout=300,
        check=False,
    )


def _repo_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode == 0 and listed.stdout.strip():
        names = listed.stdout.splitlines()
    else:
        names = [str(p.relative_to(PROJECT_ROOT)) for p in PROJECT_ROOT.rglob("*") if p.is_file()]
    return sorted(name for name in names if (PROJECT_ROOT / name).is_file())


@pytest.mark.slow
@pytest.mark.parametrize("hook", _hooks(), ids=lambda hook: str(hook["id"]))
def test_pre_commit_hook_passes_on_repo_rules(
    hook: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each pre-commit hook's entry exits 0 on the repository files its files/exclude select."""
    # In-process, as tests/integration/test_ship_step.py runs the hooks on the tutorial's files:
    # a child process compiled every regex and RE2 gate of the 109 files again (stop 44: 35 s
    # and 27 s of CI's half b), where this process has most of them from the tests before.
    entry = shlex.split(hook["entry"])
    assert entry[0] == "reliable-rules", f"unexpected hook entry {hook['entry']!r}"
    _skip_unless_available(entry[1:])
    files = re.compile(hook.get("files", ""))
    exclude = re.compile(hook["exclude"]) if hook.get("exclude") else None
    selected = [
        name
        for name in _repo_files()
        if files.search(name) and not (exclude and exclude.search(name))
    ]
    assert selected, f"hook {hook['id']} selects no file of the repository"
    monkeypatch.chdir(PROJECT_ROOT)
    code = main([*entry[1:], *hook.get("args", []), *selected])
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err


def test_pre_commit_hooks_are_well_formed() -> None:
    """Every hook has the keys pre-commit needs and runs the reliable-rules console script."""
    for hook in _hooks():
        assert {"id", "name", "entry", "language"} <= set(hook)
        assert hook["language"] == "python"
        assert shlex.split(hook["entry"])[0] == "reliable-rules"


@pytest.mark.parametrize(
    "path", sorted((PROJECT_ROOT / "rules").glob("*.y*ml")), ids=lambda path: path.name
)
def test_shipped_rule_file_starts_with_schema_comment(path: Path) -> None:
    """Every file in rules/ starts with the yaml-language-server schema comment."""
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == SCHEMA_COMMENT


def _workflow_commands() -> list[str]:
    """The `reliable-rules validate|lint|test` command lines of the CI example's run steps."""
    workflow = yaml.safe_load(CI_WORKFLOW.read_text(encoding="utf-8"))
    commands: list[str] = []
    for job in workflow["jobs"].values():
        for step in job.get("steps", []):
            run = step.get("run")
            if not isinstance(run, str):
                continue
            for line in run.replace("\\\n", " ").splitlines():
                if re.match(r"\s*for\b", line):  # the git diff loop (needs a base branch)
                    break
                commands.extend(match.group(0).strip() for match in COMMAND.finditer(line))
    return commands


def test_workflow_has_validate_lint_and_test_commands() -> None:
    """The CI example runs validate, lint and test (so the parametrized runs are not empty)."""
    verbs = {shlex.split(command)[1] for command in _workflow_commands()}
    assert verbs == {"validate", "lint", "test"}


@pytest.mark.slow
@pytest.mark.parametrize("command", _workflow_commands())
def test_workflow_command_passes_on_a_rules_directory(command: str, tmp_path: Path) -> None:
    """Each reliable-rules command of the CI example runs as written and exits 0 with RULES set
    to a rules directory (output captured)."""
    # RULES holds a copy of rules/seed.yaml (complete on its own, every rule tested): what is
    # checked here is the command line. Those commands on the whole of rules/ (each linting its
    # 41 files, 15 to 25 s) are checked in-process: tests/cli/test_cli.py's validate and test
    # of rules/ and tests/authoring/test_lint.py's lint of rules/; the pre-commit hooks above
    # still run on the repository's files.
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "seed.yaml").write_bytes((PROJECT_ROOT / "rules" / "seed.yaml").read_bytes())
    words = shlex.split(command.partition(">")[0])  # `> file`: output is captured instead
    argv = [os.path.expandvars(word.replace("$RULES", str(rules))) for word in words[1:]]
    _skip_unless_available(argv)
    result = _run(argv, env={"RULES": str(rules)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert str(rules) in argv, argv
