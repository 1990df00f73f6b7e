"""Docs cover every schema key and CLI command, option and exit code; the README tutorial works."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reliable_rules.cli import _common, app, main

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = (
    PROJECT_ROOT / "schemas" / "ruleset.v1.json",
    PROJECT_ROOT / "schemas" / "ruletests.v1.json",
)
RULE_FORMAT_DOC = PROJECT_ROOT / "docs" / "rule-format.md"
CLI_DOC = PROJECT_ROOT / "docs" / "cli.md"
README = PROJECT_ROOT / "README.md"
TUTORIAL_HEADING = "## Tutorial: a provider started sending a new error"
TUTORIAL_MESSAGE = "acme-gateway: request rejected (ACME_BUSY)"
TUTORIAL_BODY = '{"error":{"code":"ACME_BUSY","message":"all upstream slots taken"}}'

# Keywords whose value is one subschema, a mapping of subschemas, or a list of subschemas.
_ONE_SCHEMA = ("items", "additionalProperties", "not", "if", "then", "else", "contains")
_SCHEMA_MAPS = ("$defs", "definitions", "patternProperties", "dependentSchemas")
_SCHEMA_LISTS = ("oneOf", "anyOf", "allOf", "prefixItems")


def _property_names(schema: Any) -> Iterator[str]:
    """Yield every property name declared anywhere in a JSON schema, recursively."""
    if not isinstance(schema, dict):
        return
    for name, subschema in (schema.get("properties") or {}).items():
        yield name
        yield from _property_names(subschema)
    for key in _ONE_SCHEMA:
        yield from _property_names(schema.get(key))
    for key in _SCHEMA_MAPS:
        for subschema in (schema.get(key) or {}).values():
            yield from _property_names(subschema)
    for key in _SCHEMA_LISTS:
        for subschema in schema.get(key) or ():
            yield from _property_names(subschema)


def _schema_property_names() -> list[str]:
    names: set[str] = set()
    for path in SCHEMAS:
        names.update(_property_names(json.loads(path.read_text(encoding="utf-8"))))
    return sorted(names)


def _headings_and_tables(text: str) -> str:
    """The lines of a Markdown document that are headings or table rows."""
    return "\n".join(line for line in text.splitlines() if line.startswith(("#", "|")))


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = app.build_parser()
    assert parser._subparsers is not None
    action = parser._subparsers._group_actions[0]
    assert isinstance(action, argparse._SubParsersAction)
    return dict(action.choices)


def _options() -> list[tuple[str, str]]:
    options: set[tuple[str, str]] = set()
    for command, subparser in _subcommands().items():
        for action in subparser._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    options.add((command, option))
    return sorted(options)


def _exit_codes() -> list[str]:
    """The exit codes the command line defines (``EXIT_*`` of ``cli/_common.py``)."""
    codes = sorted({value for name, value in vars(_common).items() if name.startswith("EXIT_")
                    and isinstance(value, int)})
    return [str(code) for code in codes]


def test_schema_walker_finds_nested_property_names() -> None:
    """The schema walk reaches $defs, items, oneOf and nested objects (so the check bites)."""
    names = _schema_property_names()
    for expected in ("format", "over_cap", "base_ms", "not_action", "exists", "except", "cases"):
        assert expected in names
    assert len(names) > 50


@pytest.mark.parametrize("name", _schema_property_names())
def test_rule_format_doc_covers_schema_property(name: str) -> None:
    """Every property name of both JSON schemas is in a heading or table of rule-format.md."""
    documented = _headings_and_tables(RULE_FORMAT_DOC.read_text(encoding="utf-8"))
    assert f"`{name}`" in documented, f"`{name}` is not documented in docs/rule-format.md"


def test_cli_walk_finds_commands_options_and_exit_codes() -> None:
    """The parser walk and the exit codes find what is known to exist (so the checks bite)."""
    commands = _subcommands()
    assert {"validate", "classify", "test", "lint", "diff", "demo"} <= set(commands)
    assert ("test", "--coverage-threshold") in _options()
    assert _exit_codes() == ["0", "1", "2", "3", "130", "141"]


@pytest.mark.parametrize("command", sorted(_subcommands()))
def test_cli_doc_covers_command(command: str) -> None:
    """Every subcommand of the parser has a `## `name`` section in docs/cli.md."""
    text = CLI_DOC.read_text(encoding="utf-8")
    assert f"## `{command}`" in text, f"command {command!r} has no section in docs/cli.md"


@pytest.mark.parametrize(("command", "option"), _options())
def test_cli_doc_covers_option(command: str, option: str) -> None:
    """Every option of every subcommand is documented (in backticks) in its docs/cli.md section."""
    text = CLI_DOC.read_text(encoding="utf-8")
    start = text.find(f"## `{command}`")
    assert start >= 0, f"command {command!r} has no section in docs/cli.md"
    end = text.find("\n## ", start + 1)
    section = text[start : end if end >= 0 else len(text)]
    assert f"`{option}`" in section, f"{command} {option} is not documented in docs/cli.md"


@pytest.mark.parametrize("code", _exit_codes())
def test_cli_doc_covers_exit_code(code: str) -> None:
    """Every exit code the CLI defines is in a table row or heading of docs/cli.md."""
    documented = _headings_and_tables(CLI_DOC.read_text(encoding="utf-8"))
    assert f"| `{code}` |" in documented, f"exit code {code} is not documented in docs/cli.md"


def _tutorial() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(TUTORIAL_HEADING)
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def _tutorial_rules() -> str:
    match = re.search(
        r"<!-- tutorial:rules:start -->\s*```yaml\n(.*?)```\s*<!-- tutorial:rules:end -->",
        _tutorial(),
        re.S,
    )
    assert match is not None, "the tutorial's rule file is not between its markers"
    return match.group(1)


def test_readme_tutorial_has_five_steps_after_rule_files() -> None:
    """The tutorial follows the 'Rule files' section and has five numbered steps."""
    text = README.read_text(encoding="utf-8")
    assert text.index("## Rule files") < text.index(TUTORIAL_HEADING)
    steps = re.findall(r"^\*\*(\d)\. ", _tutorial(), re.M)
    assert steps == ["1", "2", "3", "4", "5"]


def test_readme_tutorial_rules_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The tutorial's rule file validates, passes its tests at 100% coverage and reclassifies."""
    monkeypatch.delenv("RELIABLE_RULES_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)
    failure = ["--provider", "acme-gateway", "--body", TUTORIAL_BODY, TUTORIAL_MESSAGE]

    assert main(["classify", *failure]) == 0
    assert capsys.readouterr().out.startswith("category=unknown ")

    Path("my-rules.yaml").write_text(_tutorial_rules(), encoding="utf-8")
    assert main(["validate", "my-rules.yaml"]) == 0
    assert main(["test", "my-rules.yaml", "--coverage-threshold", "100"]) == 0
    capsys.readouterr()

    assert main(["classify", "--rules", "my-rules.yaml", "--json", *failure]) == 0
    decision = json.loads(capsys.readouterr().out)
    assert decision["category"] == "gateway_busy"
    assert decision["rule"] == "acme.busy"
    assert decision["action"] == "next_provider"


def test_readme_tutorial_side_by_side_tests_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The tutorial's my-rules.test.yaml passes next to its rule file, and diff/lint accept it."""
    monkeypatch.delenv("RELIABLE_RULES_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)
    tutorial = _tutorial()
    test_file = re.search(r"```yaml\n(format: reliable-rules-tests/v1\n.*?)```", tutorial, re.S)
    assert test_file is not None, "the tutorial shows no side-by-side test file"
    Path("my-rules.yaml").write_text(_tutorial_rules(), encoding="utf-8")
    Path("my-rules.test.yaml").write_text(test_file.group(1), encoding="utf-8")

    assert main(["test", "my-rules.yaml", "--coverage-threshold", "100", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["files"][0]["test_files"], "the side-by-side test file was not run"
    assert main(["test", "my-rules.test.yaml"]) == 0
    capsys.readouterr()
    assert main(["diff", "builtin:default", "my-rules.yaml", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "major"
    if "lint" in _subcommands():
        assert main(["lint", "my-rules.yaml"]) == 0


def test_the_parser_has_exactly_the_command_table() -> None:
    """Every command of cli.app.COMMANDS is a subcommand, in order, and nothing else is."""
    assert list(_subcommands()) == list(app.COMMANDS)
