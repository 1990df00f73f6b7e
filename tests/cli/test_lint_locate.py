"""Issue 17 item 4: ``lint`` and ``validate --strict`` on a user file that extends the shipped
rules place every finding at the user's rule that causes it, with the shipped places as related
locations (SARIF ``relatedLocations``); findings only about shipped files need
``--include-builtins``. Item 10: SARIF's ``informationUri`` points nowhere it should not."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from reliable_rules import load_rules
from reliable_rules.authoring.lint import Finding
from reliable_rules.authoring.locate import Related, locate
from reliable_rules.cli import main
from reliable_rules.cli.formats import information_uri

OVER_BROAD = """\
format: reliable-rules/v1
name: acme
revision: "1"
extends: [builtin:default]
rules:
  - id: acme.limit
    when: {contains: limit}
    then: {category: rate_limited}
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Call main() in-process; return (exit code, stdout, stderr)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    """A user file whose one over-broad rule breaks shipped invariants and shadows rules."""
    path = tmp_path / "acme.yaml"
    path.write_text(OVER_BROAD, encoding="utf-8")
    return path


def test_lint_places_findings_at_the_users_rule(
    acme: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every text finding is at acme.yaml:6:5 (the rule), none in a shipped file, and each
    lists the shipped cases or rules it concerns as related places."""
    code, out, _ = run(capsys, "lint", str(acme))
    assert code == 1
    heads = [line for line in out.splitlines() if not line.startswith(" ")]
    assert heads
    assert all(line.startswith(("RR308 ", "RR302 ")) for line in heads), heads
    assert all(f" {acme}:6:5: " in line for line in heads), heads
    # one finding per invariant and per shadowed rule, not one per shipped case: the shipped
    # cases are counted inside each finding (the count of heads grows with the shipped rules
    # that read "limit", so it is not bounded here)
    named = [
        re.search(r"invariant '([^']+)'|rule '([^']+)' decides none", line) for line in heads
    ]
    assert all(named), heads
    names = [m.group(1) or m.group(2) for m in named if m]
    assert len(names) == len(set(names)) == len(heads), heads
    cases = [int(n) for n in re.findall(r"on (\d+) shipped test cases?", out)]
    assert cases
    assert sum(cases) > len(cases), "some finding gathers several shipped cases"
    assert "builtin:default/context.yaml" in out
    related = [line for line in out.splitlines() if line.startswith("  related: builtin:")]
    assert len(related) >= len(heads)


def test_json_github_and_sarif_locate_the_users_rule(
    acme: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """JSON findings carry related places; GitHub annotations name only the user's file;
    SARIF results point at it, with the shipped places as relatedLocations."""
    _, out, _ = run(capsys, "lint", str(acme), "--format", "json")
    findings = json.loads(out)["findings"]
    assert {f["file"] for f in findings} == {str(acme)}
    assert all(r["file"].startswith("builtin:") for f in findings for r in f["related"])
    assert all(f["related"] for f in findings)

    _, out, _ = run(capsys, "lint", str(acme), "--format", "github")
    assert out.count("::error file=") >= 1
    assert "file=builtin" not in out

    _, out, _ = run(capsys, "lint", str(acme), "--format", "sarif")
    results = json.loads(out)["runs"][0]["results"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {
        str(acme)
    }
    related = results[0]["relatedLocations"]
    assert related[0]["id"] == 1
    assert related[0]["physicalLocation"]["artifactLocation"]["uri"].startswith("builtin:")
    assert related[0]["message"]["text"]


def test_validate_strict_places_problems_at_the_users_rule(
    acme: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """validate --strict fails on the over-broad rule, at the rule, not in shipped files."""
    code, out, _ = run(capsys, "validate", "--strict", str(acme))
    assert code == 1
    heads = [line for line in out.splitlines() if not line.startswith(" ")]
    assert heads
    assert all(f" {acme}:6:5: " in line for line in heads), heads


def test_findings_only_about_shipped_files_need_include_builtins(acme: Path) -> None:
    """A finding in a shipped file whose cause is not the user's is dropped, unless
    include_builtins; linting a shipped rule set keeps everything in place."""
    rules = load_rules(acme)
    shipped = Finding(
        "broad-matcher", "warning", "builtin:default/quota.yaml", 10, 3, "broad", "h",
        ("default.quota.plain",),
    )
    caused = Finding(
        "never-wins", "warning", "builtin:seed.yaml", 20, 5, "never decides", "h",
        ("seed.x",), cause="acme.limit",
    )
    assert [f.file for f in locate([shipped, caused], rules)] == [str(acme)]
    kept = locate([shipped, caused], rules, include_builtins=True)
    assert sorted(f.file for f in kept) == [str(acme), "builtin:default/quota.yaml"]
    moved = next(f for f in kept if f.file == str(acme))
    assert moved.related == (Related("builtin:seed.yaml", 20, 5, "shipped rule 'seed.x'"),)
    assert locate([shipped], load_rules("builtin:default")) == [shipped]


def test_include_builtins_is_an_option_of_lint_and_validate(
    acme: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Both commands accept --include-builtins (the default already shows caused findings)."""
    assert run(capsys, "lint", str(acme), "--include-builtins")[0] == 1
    assert run(capsys, "validate", "--strict", "--include-builtins", str(acme))[0] == 1


def test_sarif_information_uri_is_the_projects_or_absent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The package is not on PyPI: informationUri comes from the package's own metadata, or
    is left out."""
    path = tmp_path / "ok.yaml"
    path.write_text("format: reliable-rules/v1\nname: ok\nrevision: '1'\n", encoding="utf-8")
    _, out, _ = run(capsys, "lint", str(path), "--format", "sarif")
    driver = json.loads(out)["runs"][0]["tool"]["driver"]
    assert "pypi.org" not in json.dumps(driver)
    assert driver.get("informationUri") == information_uri()


SUBSUMING = """\
format: reliable-rules/v1
name: wide
revision: "1"
extends: [builtin:default]
rules:
  - id: wide.quota
    when: {contains: quota}
    then: {category: quota_exhausted}
  - id: wide.teapot
    when: {contains: "i am a teapot"}
    then: {category: client_error}
"""


@pytest.mark.parametrize("body", [OVER_BROAD, SUBSUMING], ids=["over-broad", "subsuming"])
def test_skipping_shipped_rules_no_user_rule_touches_changes_no_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str
) -> None:
    """The lint of a user file skips the shipped rules none of its rules subsumes or matches
    the first case of; its findings are those of checking every shipped rule."""
    from reliable_rules.authoring import lint  # noqa: PLC0415 — patched below

    path = tmp_path / "user.yaml"
    path.write_text(body, encoding="utf-8")
    skipping = lint.lint_file(path)
    assert skipping
    monkeypatch.setattr(lint, "_all_shipped", lambda _ruleset: True)  # check every rule
    assert [f.as_dict() for f in lint.lint_file(path)] == [f.as_dict() for f in skipping]
