"""Issue 17 item 12: the README's test command is fast by default (the tests marked ``slow``
deselected) and says how long each command takes; ``.ci/run`` still runs the whole suite."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def readme_test_paragraph() -> str:
    """From the README's **Run the tests** paragraph to its first section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("**Run the tests")
    return text[start : text.index("\n## ", start)]


def test_readme_test_command_deselects_slow_tests_and_says_how_long() -> None:
    """The one-liner runs pytest -m "not slow"; the paragraph names the full run too, with a
    duration in seconds for each."""
    paragraph = readme_test_paragraph()
    (fast,) = re.findall(r"^python3 -m venv .*pytest.*$", paragraph, re.M)
    words = shlex.split(fast)
    assert words[words.index("-m", words.index("pytest")) + 1] == "not slow"
    assert "bash .ci/run" in paragraph
    assert len(re.findall(r"\b\d+ s\b", paragraph)) >= 2


def test_ci_runs_the_whole_suite() -> None:
    """.ci/run's pytest has no -m filter (slow tests included) and the marker is registered."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    runs = [
        line
        for line in script.splitlines()
        if "-m pytest" in line and "--version" not in line and not line.startswith("#")
    ]
    assert runs
    assert all(" -m pytest -q" in line and "not slow" not in line for line in runs)
    assert all(line.count(" -m ") == 1 for line in runs)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^markers = \["slow: ', pyproject, re.M)
    assert "--strict-markers" in pyproject


def test_ci_halves_cover_the_whole_suite() -> None:
    """.ci/run's two pytest processes run a list of test directories (and files) and everything
    else: each listed path exists, one process runs them and the other ignores exactly them."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    (listed,) = re.findall(r"^half_a=\(([^)]*)\)$", script, re.M)
    directories = listed.split()
    assert directories
    assert all((ROOT / directory).exists() for directory in directories)
    assert all(directory.startswith("tests/") for directory in directories)
    assert re.search(r'-m pytest -q (--durations=\d+ )?"\$\{half_a\[@\]\}"', script)
    assert re.search(r'-m pytest -q (--durations=\d+ )?"\$\{ignore_a\[@\]\}"', script)
    assert 'ignore_a+=("--ignore=$directory")' in script


def test_the_suite_collects_in_one_process_as_in_two_halves() -> None:
    """Nothing a module imports depends on which areas share its process (the README's command
    runs one, CI two halves): test module names are unique across tests/ (pytest's prepend
    mode imports each by its bare name), and no module imports ``conftest`` by name, which is
    whichever area's conftest was imported last."""
    tests = ROOT / "tests"
    names = [path.name for path in tests.rglob("test_*.py")]
    assert len(names) == len(set(names)), sorted(n for n in set(names) if names.count(n) > 1)
    importing = [
        str(path.relative_to(ROOT))
        for path in tests.rglob("*.py")
        if re.search(r"^\s*(from\s+conftest\s+import|import\s+conftest\b)",
                     path.read_text(encoding="utf-8"), re.M)
    ]
    assert importing == []
