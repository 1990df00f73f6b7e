"""Issue 17 item 7: ``-`` reads a rule file from standard input for validate, lint, test and
classify --rules; its problems and findings are placed at ``<stdin>``."""

from __future__ import annotations

import io
import json

import pytest

from reliable_rules.cli import main

GOOD = """\
format: reliable-rules/v1
name: s
revision: "1"
extends: [builtin:default]
rules:
  - id: s.busy
    when: {contains: ACME_BUSY}
    then: {category: server_error}
    tests:
      - {text: "ACME_BUSY now"}
"""
TYPO = GOOD.replace("{contains: ACME_BUSY}", "{contain: ACME_BUSY}")


def feed(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    """Make ``text`` the process's standard input."""
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Call main() in-process; return (exit code, stdout, stderr)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_validate_stdin_places_problems_at_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """validate - reports the misspelled key at <stdin>:7:12, with the line it read."""
    feed(monkeypatch, TYPO)
    code, out, _ = run(capsys, "validate", "-")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("RR202 <stdin>:7:12: ")
    assert lines[1] == "    7 |     when: {contain: ACME_BUSY}"
    feed(monkeypatch, GOOD)
    assert run(capsys, "validate", "-", "--format", "json")[0] == 0


def test_lint_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """lint - finds the over-broad rule read from stdin, at <stdin>."""
    feed(monkeypatch, GOOD.replace("{contains: ACME_BUSY}", "{contains: limit}"))
    code, out, _ = run(capsys, "lint", "-", "--format", "json")
    assert code == 1
    assert {f["file"] for f in json.loads(out)["findings"]} == {"<stdin>"}


def test_test_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """test - runs the embedded tests of the file read from stdin."""
    feed(monkeypatch, GOOD)
    code, out, _ = run(capsys, "test", "-")
    assert code == 0
    assert "<stdin>: 1/1 passed" in out


def test_classify_rules_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """classify --rules - classifies with the rule set read from stdin."""
    feed(monkeypatch, GOOD)
    code, out, _ = run(capsys, "classify", "--rules", "-", "ACME_BUSY right now", "--json")
    assert code == 0
    assert json.loads(out)["rule"] == "s.busy"


@pytest.mark.parametrize(
    "argv",
    [
        ["classify", "--rules", "-", "-"],
        ["classify", "--rules", "-", "--body", "@-"],
        ["classify", "--rules", "-", "--corpus", "-"],
        ["test", "-", "--corpus", "-", "--rules", "builtin:default"],
    ],
)
def test_two_readers_of_stdin_are_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """Only one argument may read stdin: exit 2 with a message naming both."""
    feed(monkeypatch, GOOD)
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "stdin" in err
