"""One call's memo of loads (ruleset/memo.py): a set is reused only for the same bytes, the same
allowed paths and the same caller's view of it; problems come back as the first load found them."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.rulefiles import write_rules

from reliable_rules.errors import RuleSetError
from reliable_rules.ruleset.access import allowed_paths
from reliable_rules.ruleset.layering import build
from reliable_rules.ruleset.memo import LoadMemo

BASE = """
    name: base
    rules:
      - {id: base.quota, when: {contains: "insufficient_quota"}, then: {category: %s}}
    """
CHILD = """
    name: child
    extends: [base.yaml]
    rules:
      - {id: child.busy, when: {contains: "overloaded"}, then: {category: server_error}}
    """


def _pair(root: Path, category: str = "quota_exhausted") -> Path:
    write_rules(root / "base.yaml", BASE % category)
    return write_rules(root / "child.yaml", CHILD)


def _category(ruleset: object, rule_id: str) -> str:
    rules = getattr(ruleset, "rules", ())
    return next(rule.category for rule in rules if rule.id == rule_id)


def test_a_set_is_reused_while_its_files_are_unchanged(tmp_path: Path) -> None:
    """The second load with the memo is the first set; an edited base makes a new one."""
    child = _pair(tmp_path)
    memo = LoadMemo()
    first = build(str(child), (), memo=memo)
    assert build(str(child), (), memo=memo) is first
    _pair(tmp_path, "server_error")  # the base's bytes change, the child's do not
    second = build(str(child), (), memo=memo)
    assert second is not first
    assert _category(first, "base.quota") == "quota_exhausted"
    assert _category(second, "base.quota") == "server_error"


def test_a_reused_set_keeps_the_callers_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loaded by its absolute path, then by a relative one: the same set, named as asked."""
    child = _pair(tmp_path)
    monkeypatch.chdir(tmp_path)
    memo = LoadMemo()
    by_path = build(str(child), (), memo=memo)
    relative = build("child.yaml", (), memo=memo)
    assert (by_path.source, relative.source) == (str(child), "child.yaml")
    assert relative.rules == by_path.rules
    assert relative.classifier is by_path.classifier


def test_allowed_paths_are_part_of_the_key(tmp_path: Path) -> None:
    """A set built with a base outside its folder allowed is not reused when it is not."""
    outside, home = tmp_path / "shared", tmp_path / "home"
    outside.mkdir()
    home.mkdir()
    write_rules(outside / "base.yaml", BASE % "quota_exhausted")
    child = write_rules(home / "child.yaml", CHILD.replace("base.yaml", "../shared/base.yaml"))
    memo = LoadMemo()
    assert build(str(child), (outside,), memo=memo).rules
    with allowed_paths([outside]):
        assert build(str(child), (), memo=memo).rules
    with pytest.raises(RuleSetError) as refused:
        build(str(child), (), memo=memo)
    assert [p.code for p in refused.value.problems] == ["extends-outside"]


@pytest.mark.parametrize(
    "base",
    [
        "rules: [\n  - {id: x\n",  # YAML syntax: parse problems
        "name: b\nrules:\n  - {id: x, when: {contanis: y}, then: {category: server_error}}\n",
    ],
    ids=["parse", "schema"],
)
def test_problems_of_a_shared_base_are_reported_for_each_file(tmp_path: Path, base: str) -> None:
    """Two files extending a defective base each report its problems, as without the memo."""
    write_rules(tmp_path / "base.yaml", base)
    children = [
        write_rules(tmp_path / f"{name}.yaml", CHILD.replace("child", name))
        for name in ("left", "right")
    ]
    expected = []
    for child in children:
        with pytest.raises(RuleSetError) as alone:
            build(str(child), ())
        expected.append(alone.value.problems)
    memo = LoadMemo()
    for child, problems in zip(children, expected, strict=True):
        with pytest.raises(RuleSetError) as shared:
            build(str(child), (), memo=memo)
        assert shared.value.problems == problems
    assert expected[0]
    assert all(p.file.endswith("base.yaml") for p in expected[0])  # the base's own problems
