"""The loader on structurally mutated copies of the shipped rule files: problems, never crashes."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reliable_rules
from reliable_rules import RuleSetError
from reliable_rules.ruleset import layering as ruleset_module
from reliable_rules.ruleset.resources import rules_dir

SHIPPED = [
    yaml.safe_load((rules_dir() / f"{name}.yaml").read_text(encoding="utf-8"))
    for name in ("seed", "default")
]
# Values that are wrong in most places of a rule file, in as many shapes as possible.
REPLACEMENTS = [
    None,
    True,
    0,
    -1,
    1.5,
    math.inf,
    "",
    "x",
    "none",
    "any",
    "builtin:seed",
    "(",
    10**30,
    [],
    [1],
    ["a"],
    [[]],
    {},
    {"a": 1},
    {"contains": "x"},
    {"min": 5, "max": 1},
    {"status": [1, "x"]},
    {"regex": "("},
    {"condition": "nope"},
    {"category": []},
]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*path, index))
    return found


@pytest.mark.slow
@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), which=st.sampled_from([0, 1]), edits=st.integers(1, 4))
def test_mutated_shipped_files_give_problems_not_crashes(
    tmp_path: Path, data: st.DataObject, which: int, edits: int
) -> None:
    """Replacing random nodes of seed.yaml/default.yaml yields a RuleSet or RuleSetError only."""
    document = copy.deepcopy(SHIPPED[which])
    for _ in range(edits):
        target = data.draw(st.sampled_from(_paths(document)))
        parent = document
        for key in target[:-1]:
            parent = parent[key]
        parent[target[-1]] = copy.deepcopy(data.draw(st.sampled_from(REPLACEMENTS)))
    path = tmp_path / "mutated.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    problems: tuple[reliable_rules.Problem, ...] = ()
    try:
        reliable_rules.load_rules(path)
    except RuleSetError as error:
        problems = error.problems
        assert problems
    for problem in problems:
        assert problem.code != "internal", str(problem)
        assert problem.line >= 1
        assert problem.column >= 1
        assert problem.message


def test_an_unexpected_loader_bug_is_reported_as_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should compilation ever crash, load_rules still raises RuleSetError naming the file."""

    def broken(*_args: object, **_kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(ruleset_module, "_build", broken)
    path = tmp_path / "ok.yaml"
    path.write_text("format: reliable-rules/v1\nname: ok\n", encoding="utf-8")
    with pytest.raises(RuleSetError) as caught:
        reliable_rules.load_rules(path)
    (problem,) = caught.value.problems
    assert problem.code == "internal"
    assert "ZeroDivisionError: boom" in problem.message
    assert str(problem).startswith(f"{problem.file}:1:1: internal error")
    assert isinstance(caught.value.__cause__, ZeroDivisionError)
