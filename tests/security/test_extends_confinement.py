"""`extends` stays inside the rule set's folder unless the caller allows more, and a refused or
unreadable base never echoes what it holds (issue 13, item 4)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from helpers.rulefiles import write_rules

from reliable_rules import RuleSetError, load_rules

SECRET = "sk-live-SECRETSECRETSECRET1234"
BASE = """
name: base
rules:
  - id: base.r
    when: {contains: "boom"}
    then: {category: server_error}
"""


def _layout(tmp_path: Path) -> tuple[Path, Path]:
    """A project folder with a rule file extending ../shared/base.yaml."""
    (tmp_path / "shared").mkdir()
    (tmp_path / "project").mkdir()
    base = write_rules(tmp_path / "shared" / "base.yaml", BASE)
    top = write_rules(
        tmp_path / "project" / "top.yaml", "name: top\nextends: ../shared/base.yaml\n"
    )
    return top, base


def test_extends_outside_the_folder_is_refused(tmp_path: Path) -> None:
    """A base outside the file's folder is an extends-outside problem at the extends entry."""
    top, _ = _layout(tmp_path)
    with pytest.raises(RuleSetError) as caught:
        load_rules(top)
    [problem] = caught.value.problems
    assert problem.code == "extends-outside"
    assert (problem.line, problem.column) == (3, 10)
    assert "allow_paths" in problem.message


def test_allow_paths_opens_a_folder(tmp_path: Path) -> None:
    """load_rules(..., allow_paths=[folder]) lets extends read inside that folder."""
    top, base = _layout(tmp_path)
    rules = load_rules(top, allow_paths=[base.parent])
    assert rules.classify("boom").rule_id == "base.r"


def test_a_symlink_inside_the_folder_does_not_escape_it(tmp_path: Path) -> None:
    """A link in the folder pointing outside is judged by where it points."""
    top, base = _layout(tmp_path)
    (top.parent / "link.yaml").symlink_to(base)
    write_rules(top, "name: top\nextends: link.yaml\n")
    with pytest.raises(RuleSetError) as caught:
        load_rules(top)
    assert [p.code for p in caught.value.problems] == ["extends-outside"]


@pytest.mark.parametrize(
    "content",
    [
        f"[default]\naws_secret_access_key = {SECRET}\n",
        f"api_key: {SECRET}\nother: value\n",
        f"format: something/else\nkey: {SECRET}\n",
        f"\tOPENAI_API_KEY={SECRET}\n",
    ],
    ids=["ini", "yaml-mapping", "other-format", "tab"],
)
def test_a_base_that_is_no_rule_file_is_not_quoted(tmp_path: Path, content: str) -> None:
    """A base (allowed) that is not a rule file gives one problem that quotes none of it."""
    (tmp_path / "creds").write_text(content, encoding="utf-8")
    top = write_rules(tmp_path / "top.yaml", "name: top\nextends: creds\n")
    with pytest.raises(RuleSetError) as caught:
        load_rules(top)
    text = "\n".join(str(p) for p in caught.value.problems) + str(caught.value)
    assert SECRET not in text
    assert SECRET[-8:-4] not in text
    assert [p.code for p in caught.value.problems] == ["extends-not-rules"]


def test_values_quoted_in_errors_are_sanitized(tmp_path: Path) -> None:
    """A secret in a rule file's value (or an extends reference) is redacted in problems."""
    top = write_rules(
        tmp_path / "top.yaml",
        f"name: top\nextends: ./{SECRET}.yaml\nrules:\n  - id: r\n    when: {{contains: x}}\n"
        f"    then: {{category: {SECRET}}}\n",
    )
    with pytest.raises(RuleSetError) as caught:
        load_rules(top)
    text = "\n".join(str(p) for p in caught.value.problems) + str(caught.value)
    assert SECRET not in text
    assert len(caught.value.problems) >= 2


def test_the_cli_takes_allow_path(tmp_path: Path) -> None:
    """`validate FILE` refuses the outside base; `--allow-path DIR` accepts it (exit 0)."""
    top, base = _layout(tmp_path)
    command = [sys.executable, "-m", "reliable_rules", "validate", str(top)]
    refused = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    assert refused.returncode != 0
    assert "outside the rule set's folder" in refused.stdout + refused.stderr
    allowed = subprocess.run(
        [*command, "--allow-path", str(base.parent)],
        capture_output=True, text=True, check=False, timeout=60,
    )
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
