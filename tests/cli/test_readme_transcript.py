"""Issue 17 items 3 and 11: the README tutorial's transcripts are what the commands print. Every
``$ reliable-rules ...`` line of the tutorial's console blocks is run, in order, in a fresh
directory holding the tutorial's files; every output line the README shows (``...`` elides) must
be a line of the real output, so a count or a wording that drifts fails here."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from reliable_rules.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"
HEADING = "## Tutorial: a provider started sending a new error"


def tutorial() -> str:
    """The tutorial section of the README."""
    text = README.read_text(encoding="utf-8")
    start = text.index(HEADING)
    end = text.find("\n## ", start + 1)
    return text[start:end]


def transcript() -> list[tuple[list[list[str]], list[str]]]:
    """(commands of one ``$`` line, the output lines shown after it), in order."""
    steps: list[tuple[list[list[str]], list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", tutorial(), re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                commands = [shlex.split(part) for part in line[2:].split(" && ")]
                steps.append((commands, []))
            elif steps and line.strip() and not line.strip().startswith("..."):
                steps[-1][1].append(line.rstrip())
    return steps


@pytest.mark.slow
def test_the_tutorial_transcript_is_what_the_commands_print(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each command of the tutorial prints every line the README shows for it."""
    monkeypatch.delenv("RELIABLE_RULES_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)
    text = tutorial()
    rules = re.search(
        r"<!-- tutorial:rules:start -->\s*```yaml\n(.*?)```\s*<!-- tutorial:rules:end -->",
        text,
        re.S,
    )
    tests = re.search(r"```yaml\n(format: reliable-rules-tests/v1\n.*?)```", text, re.S)
    assert rules is not None
    assert tests is not None
    Path("my-rules.yaml").write_text(rules.group(1), encoding="utf-8")
    Path("my-rules.test.yaml").write_text(tests.group(1), encoding="utf-8")
    steps = transcript()
    assert len(steps) >= 8, "the tutorial lost its transcripts"
    for commands, shown in steps:
        output: list[str] = []
        for argv in commands:
            assert argv[0] == "reliable-rules"
            main(argv[1:])
            captured = capsys.readouterr()
            output.extend(line.rstrip() for line in (captured.out + captured.err).splitlines())
        missing = [line for line in shown if line not in output]
        assert not missing, f"$ {commands}: not printed: {missing}\nprinted: {output}"


def section(heading: str) -> str:
    """One ``## `` section of the README."""
    text = README.read_text(encoding="utf-8")
    start = text.index(heading)
    end = text.find("\n## ", start + 1)
    return text[start:end]


def test_the_command_line_transcript_is_what_the_commands_print(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's command-line examples print what it shows (counts, revisions, codes),
    run next to the shipped rules/ and the broken.yaml it shows."""
    monkeypatch.delenv("RELIABLE_RULES_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)
    text = section("## Command line")
    (tmp_path / "rules").symlink_to(README.parent / "rules", target_is_directory=True)
    broken = re.search(r"shown here for this `broken\.yaml`:\n\n```yaml\n(.*?)```", text, re.S)
    assert broken is not None
    Path("broken.yaml").write_text(broken.group(1), encoding="utf-8")
    runs = 0
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, *shown = chunk.splitlines()
            command, _, tail = command.partition("; ")
            code = main(shlex.split(command)[1:])
            captured = capsys.readouterr()
            output = [line.rstrip() for line in (captured.out + captured.err).splitlines()]
            if tail == 'echo "exit $?"':
                output.append(f"exit {code}")
            missing = [line for line in shown if line.strip() and line not in output]
            assert not missing, f"$ {command}: not printed: {missing}"
            runs += 1
    assert runs >= 4
