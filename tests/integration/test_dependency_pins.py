"""What pyproject.toml claims about dependencies is checked: every runtime dependency has a
lower bound that `.ci/min-versions` installs and tests, and everything benchmarks/ imports is
declared in an extra (issue 13, item 13)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> tuple[list[str], set[str]]:
    """(runtime dependency specs, names of every distribution in an optional extra)."""
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = {
        _normalise(re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0])
        for specs in project["optional-dependencies"].values()
        for spec in specs
    }
    return list(project["dependencies"]), extras


def test_every_runtime_dependency_has_a_tested_lower_bound() -> None:
    """.ci/lowest_pins.py turns each runtime dependency into one `name==lowest` pin."""
    runtime, _ = _declared()
    result = subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "lowest_pins.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    pins = result.stdout.split()
    assert len(pins) == len(runtime)
    assert all(re.fullmatch(r"[a-z0-9_.\-]+==[0-9][0-9A-Za-z.]*", pin) for pin in pins), pins


def test_ci_runs_the_lowest_versions() -> None:
    """.ci/run calls .ci/min-versions, which installs the pins as constraints."""
    assert "bash .ci/min-versions" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    script = (ROOT / ".ci" / "min-versions").read_text(encoding="utf-8")
    assert "lowest_pins.py" in script
    assert '-c "$constraints"' in script


def test_everything_benchmarks_import_is_declared() -> None:
    """A third-party module imported by a benchmark belongs to a distribution in an extra."""
    _, extras = _declared()
    distributions = packages_distributions()
    local = {"reliable_rules", "helpers", "benchmarks"}
    missing = set()
    for script in sorted((ROOT / "benchmarks").glob("*.py")):
        tree = ast.parse(script.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in local:
                    continue
                owners = {_normalise(d) for d in distributions.get(top, [top])}
                if not owners & extras:
                    missing.add(f"{script.name}: {top}")
    assert not missing, f"imported by benchmarks but in no extra: {sorted(missing)}"
