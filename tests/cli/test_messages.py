"""Issue 17 item 8: text findings point at the line (stable RR code, FILE:LINE:COL, the source
line with a caret under the column) and the YAML mistakes people make get a sentence that says
what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from reliable_rules.authoring.codes import NUMBERS
from reliable_rules.authoring.lint import CODES
from reliable_rules.cli import main

CLI_DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
HEAD = 'format: reliable-rules/v1\nname: x\nrevision: "1"\nrules:\n  - id: a\n'


@pytest.mark.parametrize(
    ("body", "place", "help_text"),
    [
        ("\twhen: {contains: x}\n", ("RR101", 6, 1), "replace the tab characters"),
        (
            "    when: {contains: x}\n   then: {category: server_error}\n",
            ("RR101", 7, 4),
            "check the indentation",
        ),
        (
            '    when: {status: "429"}\n    then: {category: server_error}\n',
            ("RR201", 6, 20),
            "write it without quotes (status: 429)",
        ),
        (
            "    when: {contain: x}\n    then: {category: server_error}\n",
            ("RR202", 6, 12),
            "rename 'contain' to 'contains'",
        ),
    ],
    ids=["tab", "indentation", "quoted-status", "misspelled-key"],
)
def test_yaml_mistakes_point_at_the_line_and_say_what_to_do(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    body: str,
    place: tuple[str, int, int],
    help_text: str,
) -> None:
    """The first line names the code and place, then the source line, a caret under the
    column, and the help sentence."""
    code, line, column = place
    path = tmp_path / "r.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{code} {path}:{line}:{column}: ")
    source = (HEAD + body).splitlines()[line - 1]
    assert out[1] == f"    {line} | {source}"
    gutter, caret = out[2].split("| ", 1)
    assert caret.endswith("^")
    assert len(caret) == column
    assert out[3].startswith(f"{' ' * len(gutter)}= help: ")
    assert help_text in out[3]


def test_every_code_has_a_stable_unique_number_and_is_documented() -> None:
    """Every lint code has a number, numbers are unique, and docs/cli.md lists each."""
    assert set(CODES) <= set(NUMBERS)
    assert len(set(NUMBERS.values())) == len(NUMBERS)
    doc = CLI_DOC.read_text(encoding="utf-8")
    missing = [f"{n} {c}" for c, n in NUMBERS.items() if f"| `{n}` | `{c}` |" not in doc]
    assert not missing
