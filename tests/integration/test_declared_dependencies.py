"""What the project claims about its dependencies is what it uses (issue 13, item 13): the
lowest-pins CI constraints are exactly the declared lower bounds, and every third-party module
the benchmarks import is declared in an extra."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the 3.10 lowest-pins run skips this

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
#: Import names that differ from their distribution's name.
DISTRIBUTION = {
    "yaml": "pyyaml",
    "opentelemetry": "opentelemetry-sdk",
    "prometheus_client": "prometheus-client",
}
LOCAL = {"reliable_rules", "helpers"}


def _lower_bounds(requirements: list[str]) -> dict[str, str]:
    bounds = {}
    for requirement in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[^]]*\])?>=([0-9][^,;\s]*)", requirement)
        assert match, f"{requirement!r}: declare a lower bound with >="
        bounds[match.group(1).lower()] = match.group(2)
    return bounds


def _constraints() -> dict[str, str]:
    pins = {}
    text = (ROOT / ".ci" / "lowest-constraints.txt").read_text(encoding="utf-8")
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[name.lower()] = version
    return pins


def test_the_lowest_pins_are_the_declared_lower_bounds() -> None:
    """.ci/lowest-constraints.txt pins every runtime dependency at its declared minimum."""
    declared = _lower_bounds(PYPROJECT["project"]["dependencies"])
    pins = _constraints()
    assert set(pins) == set(declared)
    for name, version in declared.items():
        # A bound may omit trailing components (regex>=2023.3.22 vs 2023.3.22 pinned).
        assert pins[name] == version or pins[name].startswith(version + "."), name


def test_the_ci_runs_the_lowest_pins() -> None:
    """.ci/lowest installs with those constraints and runs the suite."""
    script = (ROOT / ".ci" / "lowest").read_text(encoding="utf-8")
    assert "-c .ci/lowest-constraints.txt" in script
    assert "pytest" in script


def _third_party_imports(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return {m for m in modules if m not in sys.stdlib_module_names and m not in LOCAL}


@pytest.mark.parametrize("path", sorted((ROOT / "benchmarks").glob("*.py")), ids=lambda p: p.name)
def test_benchmark_imports_are_declared(path: Path) -> None:
    """Every third-party module a benchmark imports is a dependency or in an extra."""
    declared = set(_lower_bounds(PYPROJECT["project"]["dependencies"]))
    for extra in PYPROJECT["project"]["optional-dependencies"].values():
        declared |= {re.split(r"[<>=\[ ]", item, maxsplit=1)[0].lower() for item in extra}
    missing = {
        module for module in _third_party_imports(path)
        if DISTRIBUTION.get(module, module).lower() not in declared
    }
    assert not missing, f"{path.name} imports undeclared {sorted(missing)}"


def test_every_ci_run_tests_the_lowest_pins() -> None:
    """.ci/run runs .ci/min-versions (after half b, beside the rest of half a), which installs
    the same constraints (so the test tools cannot upgrade them) and checks what got
    installed."""
    assert "bash .ci/min-versions" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    script = (ROOT / ".ci" / "min-versions").read_text(encoding="utf-8")
    assert "constraints=.ci/lowest-constraints.txt" in script
    assert '-c "$constraints"' in script
    assert "installed at the lowest pins" in script
