"""The package's architecture, kept by tests (see docs/architecture.md).

Layers (an arrow is "may import"; every import counts, ``TYPE_CHECKING`` and function-level
imports included)::

    __main__ → cli → authoring, executor, providers, testing, integrations, ruleset, engine
    __init__ → everything but cli
    integrations (retry_decorator, urllib3_retry, reloading) → executor → ruleset → engine
    authoring → ruleset → engine → vocabulary
    testing → executor;  providers → chat, errors, sanitize
    observability → executor (its third-party packages only when a hook is built)

``vocabulary`` is the small public modules at the top (errors, taxonomy, decision, failure,
sanitize, chat) and the private helpers (``_text``, ``_version``). Nothing imports the CLI, and
there is no import cycle between modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import reliable_rules

PACKAGE_DIR = Path(reliable_rules.__file__).resolve().parent
VOCABULARY = {"errors", "taxonomy", "decision", "failure", "sanitize", "chat", "_text", "_version"}
INTEGRATIONS = {"retry_decorator", "urllib3_retry", "reloading"}

#: unit -> the units it may import (besides itself).
ALLOWED: dict[str, set[str]] = {
    "vocabulary": set(),
    "engine": {"vocabulary"},
    "ruleset": {"engine", "vocabulary"},
    "providers": {"vocabulary"},
    "executor": {"ruleset", "engine", "vocabulary"},
    "authoring": {"ruleset", "engine", "vocabulary"},
    "testing": {"executor", "vocabulary"},
    "integrations": {"executor", "ruleset", "engine", "vocabulary"},
    "observability": {"executor", "vocabulary"},
    "cli": {
        "authoring", "executor", "providers", "testing", "ruleset", "engine", "vocabulary",
        "integrations",
    },
    "root": {
        "authoring", "executor", "providers", "testing", "ruleset", "engine", "vocabulary",
        "integrations", "observability",
    },
    "main": {"cli"},
}
#: The providers use only these modules of the vocabulary: they know chat, not rules.
PROVIDERS_MAY_USE = {"reliable_rules.chat", "reliable_rules.errors", "reliable_rules.sanitize"}


def _modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE_DIR).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(["reliable_rules", *parts])] = path
    return modules


MODULES = _modules()


def _imported(module: str, path: Path) -> Iterator[str]:
    """Every module of the package that ``module`` imports, wherever the import stands."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from _known(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                yield from _known(submodule if submodule in MODULES else target)


def _known(name: str) -> Iterator[str]:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    if name.startswith("reliable_rules"):
        yield name


GRAPH = {
    module: {target for target in _imported(module, path) if target != module}
    for module, path in MODULES.items()
}


def _unit(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "root"
    head = parts[1]
    if head == "__main__":
        return "main"
    if head in VOCABULARY:
        return "vocabulary"
    if head in INTEGRATIONS:
        return "integrations"
    return head


def test_every_module_belongs_to_a_layer() -> None:
    """A new top-level module or subpackage must be placed in a layer here first."""
    assert {_unit(module) for module in MODULES} <= set(ALLOWED)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_layers(module: str) -> None:
    unit = _unit(module)
    wrong = sorted(
        target
        for target in GRAPH[module]
        if _unit(target) != unit and _unit(target) not in ALLOWED[unit]
    )
    assert not wrong, f"{module} ({unit}) may not import {wrong}"


def test_providers_know_only_chat_errors_and_sanitize() -> None:
    for module, targets in GRAPH.items():
        if _unit(module) == "providers":
            outside = {t for t in targets if _unit(t) != "providers"} - PROVIDERS_MAY_USE
            assert not outside, f"{module} imports {sorted(outside)}"


def test_nothing_imports_the_cli() -> None:
    for module, targets in GRAPH.items():
        if _unit(module) not in ("cli", "main"):
            assert not [t for t in targets if _unit(t) == "cli"], module


def test_no_import_cycles() -> None:
    """Tarjan's strongly connected components over every import, TYPE_CHECKING included."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(GRAPH[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    assert not cycles, f"import cycles: {cycles}"


def test_the_layer_check_sees_type_checking_and_function_level_imports() -> None:
    """The walk reads imports anywhere in a module (so the checks above bite)."""
    assert "reliable_rules.cli._scenarios" in GRAPH["reliable_rules.cli.demo"]
    assert "reliable_rules.chat" in GRAPH["reliable_rules.executor.records"]


MAX_MODULE_LINES = 800
MAX_TOP_LEVEL_MODULES = 14
DUPLICATE_RUN = 8


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_over_800_lines(module: str) -> None:
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_MODULE_LINES, f"{module} has {lines} lines; split it by concern"


def test_at_most_14_modules_at_the_top_of_the_package() -> None:
    top = sorted(path.name for path in PACKAGE_DIR.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


def _trivial(line: str) -> bool:
    """Lines that repeat for no reason worth sharing: imports, parameters, brackets."""
    return (
        line.startswith(("from ", "import ", "#", "@", ")", "]", "}"))
        or line.endswith((",", "(", "[", "{"))
        or line in ('"""',)
    )


def _copies(texts: dict[str, str]) -> list[str]:
    seen: dict[tuple[str, ...], str] = {}
    copies: list[str] = []
    for module, text in sorted(texts.items()):
        numbered = [(number, line.strip()) for number, line in enumerate(text.splitlines(), 1)]
        lines = [(n, line) for n, line in numbered if line and not _trivial(line)]
        for start in range(len(lines) - DUPLICATE_RUN + 1):
            window = tuple(line for _, line in lines[start : start + DUPLICATE_RUN])
            where = f"{module}:{lines[start][0]}"
            if window in seen:
                copies.append(f"{where} repeats {seen[window]}")
            else:
                seen[window] = where
    return copies


def test_no_identical_runs_of_8_lines_inside_the_package() -> None:
    """Copies of code drift apart: 8 identical lines (ignoring blank lines, comments, imports,
    parameter lists and brackets) in two places should be one function."""
    copies = _copies({module: path.read_text(encoding="utf-8") for module, path in MODULES.items()})
    assert not copies, "\n".join(copies)


def test_the_copy_check_bites() -> None:
    body = "\n".join(f"x{n} = compute({n}) + 1" for n in range(DUPLICATE_RUN))
    assert _copies({"a": body, "b": "y = 0\n" + body}) == ["b:2 repeats a:1"]
