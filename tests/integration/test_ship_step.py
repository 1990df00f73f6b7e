"""Issue 17 item 10: the README tutorial's last step works as written from a fresh clone. Its
pre-commit configuration uses local hooks that run on the tutorial's files; the GitHub Actions
example installs reliable-rules from what exists (a checkout or a pinned git URL, not PyPI)
and really posts the diff as a pull-request comment; nothing names a release tag that does
not exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from reliable_rules.cli import main

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
WORKFLOW = ROOT / "examples" / "ci" / "reliable-rules.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"


def tutorial() -> str:
    """The README tutorial."""
    text = README.read_text(encoding="utf-8")
    start = text.index("## Tutorial: a provider started sending a new error")
    return text[start : text.index("\n## ", start + 1)]


def precommit_config() -> dict[str, Any]:
    """The tutorial's .pre-commit-config.yaml."""
    match = re.search(r"```yaml\n(# \.pre-commit-config\.yaml\n.*?)```", tutorial(), re.S)
    assert match is not None, "the tutorial shows no .pre-commit-config.yaml"
    loaded: dict[str, Any] = yaml.safe_load(match.group(1))
    return loaded


def test_precommit_hooks_are_local_and_match_the_published_ones() -> None:
    """repo: local (no tag to resolve), the published hooks' ids, files and excludes."""
    (repo,) = precommit_config()["repos"]
    assert repo["repo"] == "local"
    published = {hook["id"]: hook for hook in yaml.safe_load(HOOKS.read_text("utf-8"))}
    for hook in repo["hooks"]:
        assert hook["language"] == "system"
        assert hook["files"] == published[hook["id"]]["files"]
        assert hook.get("exclude") == published[hook["id"]].get("exclude")
        assert shlex.split(hook["entry"])[:2] == shlex.split(published[hook["id"]]["entry"])[:2]


def test_precommit_hooks_pass_on_the_tutorial_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each hook's entry, given the files its files/exclude select, exits 0 on the tutorial's
    rules/my-rules.yaml and rules/my-rules.test.yaml (as pre-commit would run it)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules").mkdir()
    text = tutorial()
    rules = re.search(
        r"<!-- tutorial:rules:start -->\s*```yaml\n(.*?)```", text, re.S
    )
    tests = re.search(r"```yaml\n(format: reliable-rules-tests/v1\n.*?)```", text, re.S)
    assert rules is not None
    assert tests is not None
    Path("rules/my-rules.yaml").write_text(rules.group(1), encoding="utf-8")
    Path("rules/my-rules.test.yaml").write_text(tests.group(1), encoding="utf-8")
    names = ["rules/my-rules.yaml", "rules/my-rules.test.yaml", "README.md"]
    for hook in precommit_config()["repos"][0]["hooks"]:
        selected = [
            name
            for name in names
            if re.search(hook["files"], name)
            and not (hook.get("exclude") and re.search(hook["exclude"], name))
        ]
        assert "rules/my-rules.yaml" in selected
        argv = shlex.split(hook["entry"])
        assert main([*argv[1:], *selected]) == 0, capsys.readouterr()


def workflow() -> dict[str, Any]:
    """The GitHub Actions example."""
    loaded: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return loaded


def steps() -> list[dict[str, Any]]:
    """Every step of every job."""
    return [step for job in workflow()["jobs"].values() for step in job["steps"]]


def test_workflow_installs_from_a_checkout_or_git_not_pypi() -> None:
    """The install step uses $RELIABLE_RULES, whose default '.' is this project (the package
    that provides the reliable-rules command); nothing installs from the package index."""
    runs = [str(step.get("run", "")) for step in steps()]
    installs = [run for run in runs if "pip install" in run]
    assert installs == ['pip install "$RELIABLE_RULES"']
    spec = workflow()["env"]["RELIABLE_RULES"]
    assert spec == "."
    project = (ROOT / spec / "pyproject.toml").read_text(encoding="utf-8")  # 3.10: no tomllib
    assert re.search(r'^name = "reliable-rules"$', project, re.M)
    assert re.search(r'^reliable-rules = "reliable_rules\.cli:main"$', project, re.M)
    assert "git+https://" in WORKFLOW.read_text(encoding="utf-8")  # the pinned-git variant


def test_workflow_posts_the_diff_as_a_comment() -> None:
    """A pull-request step posts diff.md with gh (token given, permission granted)."""
    (job,) = workflow()["jobs"].values()
    assert job["permissions"]["pull-requests"] == "write"
    posting = [step for step in steps() if "gh pr comment" in str(step.get("run", ""))]
    assert len(posting) == 1
    step = posting[0]
    assert "pull_request" in step["if"]
    assert step["env"]["GH_TOKEN"] == "${{ github.token }}"
    assert "--body-file diff.md" in step["run"]
    writing = [step for step in steps() if "diff.md" in str(step.get("run", ""))]
    assert writing.index(step) > 0, "diff.md is written before it is posted"


@pytest.mark.parametrize("path", [README, HOOKS, WORKFLOW, ROOT / "docs" / "cli.md"])
def test_no_release_tag_or_index_package_is_named(path: Path) -> None:
    """There is no v0.1.0 tag and no PyPI package: no instruction may depend on them."""
    text = path.read_text(encoding="utf-8")
    assert "v0.1.0" not in text
    assert not re.search(r"pip install (-q )?reliable-rules\b", text)
    assert "pypi.org/project/reliable-rules" not in text


EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
#: What installing reliable-rules brings (its dependencies), by import name.
PROVIDED = {"reliable_rules", "yaml", "jsonschema", "regex", "requests", "urllib3"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_examples_say_what_they_need(path: Path) -> None:
    """Item 11: each example's docstring has a Needs: line naming every package it imports
    that installing reliable-rules does not bring (official_sdks.py: openai, anthropic)."""
    import ast  # noqa: PLC0415 — only this test reads sources
    import sys  # noqa: PLC0415

    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            imported.add(node.module.split(".")[0])
    extra = sorted(imported - set(sys.stdlib_module_names) - PROVIDED)
    doc = ast.get_docstring(tree) or ""
    needs = doc[doc.index("Needs:") :] if "Needs:" in doc else ""
    assert needs, f"{path.name} does not say what it needs"
    assert "pip install" in needs
    for package in extra:
        assert package in needs, f"{path.name} imports {package} but its Needs: line omits it"
    if path.name == "official_sdks.py":
        assert extra == ["anthropic", "openai"]
