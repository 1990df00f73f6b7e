"""The built wheel ships the rule sets and schemas and works installed outside the checkout.

These tests build a wheel from the project root, install it into a fresh virtual environment
and run it from an unrelated directory in isolated mode (``python -I``), so nothing can be
imported from the checkout. They need pip to reach PyPI (or pip's cache) for hatchling and the
runtime dependencies; without it they FAIL with a message saying so, they never skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]

WHEEL_MEMBERS = (
    "reliable_rules/_data/rules/seed.yaml",
    "reliable_rules/_data/rules/default.yaml",
    "reliable_rules/_data/schemas/ruleset.v1.json",
    "reliable_rules/py.typed",
)

NETWORK_HINT = "(this test needs pip to reach PyPI, or pip's cache, for build/runtime deps)"

# Runs inside the installed venv as `python -I -c SNIPPET VENV_DIR PROJECT_ROOT`.
CLASSIFY_SNIPPET = """
import pathlib
import sys

import reliable_rules

venv_dir = pathlib.Path(sys.argv[1]).resolve()
checkout = pathlib.Path(sys.argv[2]).resolve()
module_file = pathlib.Path(reliable_rules.__file__).resolve()
assert module_file.is_relative_to(venv_dir), f"imported from {module_file}, not the venv"
assert not module_file.is_relative_to(checkout), f"imported from the checkout: {module_file}"

rules = reliable_rules.load_rules("builtin:default")
decision = rules.classify("429 Too Many Requests")
category = decision.category
print(getattr(category, "value", category))
"""


def _clean_env() -> dict[str, str]:
    """Environment for child processes with nothing pointing back at the checkout."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE"}
    }
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    return env


def _run(
    cmd: list[str], what: str, *, cwd: Path, timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd``; fail the test with its full output if it times out or exits non-zero."""
    try:
        proc = subprocess.run(
            cmd,
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd,
            env=_clean_env(),
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{what} timed out after {timeout}s {NETWORK_HINT}\ncmd: {cmd}\n{exc}")
    assert proc.returncode == 0, (
        f"{what} failed with exit code {proc.returncode}\n"
        f"cmd: {cmd}\n--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
    )
    return proc


def _venv_bin(venv_dir: Path) -> Path:
    return venv_dir / ("Scripts" if os.name == "nt" else "bin")


@pytest.fixture(scope="module")
def wheel_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the project's wheel once for this module (hatchling comes from PyPI/pip's cache)."""
    out_dir = tmp_path_factory.mktemp("wheelhouse")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(out_dir),
            str(PROJECT_ROOT),
        ],
        f"building the wheel {NETWORK_HINT}",
        cwd=out_dir,
        timeout=300,
    )
    wheels = sorted(out_dir.glob("reliable_rules-*.whl"))
    assert len(wheels) == 1, f"expected exactly one reliable_rules wheel, found {wheels}"
    return wheels[0]


@pytest.fixture(scope="module")
def installed_venv(tmp_path_factory: pytest.TempPathFactory, wheel_path: Path) -> Path:
    """A fresh venv, outside the checkout, with only the built wheel and its dependencies."""
    venv_dir = tmp_path_factory.mktemp("installed") / "venv"
    _run(
        [sys.executable, "-m", "venv", str(venv_dir)],
        "creating a venv",
        cwd=venv_dir.parent,
        timeout=180,
    )
    python = _venv_bin(venv_dir) / "python"
    _run(
        [str(python), "-m", "pip", "install", "-q", str(wheel_path)],
        f"installing the wheel into a fresh venv {NETWORK_HINT}",
        cwd=venv_dir.parent,
        timeout=300,
    )
    return venv_dir


@pytest.mark.slow
def test_wheel_contains_rule_sets_schemas_and_py_typed(wheel_path: Path) -> None:
    """The wheel ships the seed/default rule sets, the v1 schema and the py.typed marker."""
    with zipfile.ZipFile(wheel_path) as wheel:
        names = set(wheel.namelist())
    missing = [member for member in WHEEL_MEMBERS if member not in names]
    assert not missing, f"{wheel_path.name} lacks {missing}; it has:\n" + "\n".join(sorted(names))


@pytest.mark.slow
def test_installed_wheel_classifies_with_builtin_rules_outside_checkout(
    installed_venv: Path, tmp_path: Path
) -> None:
    """The installed package, not the checkout, loads builtin:default; 429 is rate_limited."""
    python = _venv_bin(installed_venv) / "python"
    proc = _run(
        [str(python), "-I", "-c", CLASSIFY_SNIPPET, str(installed_venv), str(PROJECT_ROOT)],
        "classifying with the installed package",
        cwd=tmp_path,
        timeout=120,
    )
    lines = proc.stdout.strip().splitlines()
    assert lines, f"no output\n--- stderr ---\n{proc.stderr}"
    assert lines[-1].strip() == "rate_limited", (
        f"expected category 'rate_limited'\n"
        f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
    )


@pytest.mark.slow
def test_installed_console_script_reports_version(
    installed_venv: Path, wheel_path: Path, tmp_path: Path
) -> None:
    """The installed `reliable-rules --version` console script exits 0 and prints the version."""
    script = _venv_bin(installed_venv) / "reliable-rules"
    assert script.exists(), f"console script not installed at {script}"
    proc = _run([str(script), "--version"], "reliable-rules --version", cwd=tmp_path, timeout=120)
    wheel_version = wheel_path.name.split("-")[1]
    output = proc.stdout + proc.stderr
    assert wheel_version in output, f"version {wheel_version} not in --version output:\n{output}"
