"""Stable numbers for every problem and lint code (``RR104``), and what to do about the YAML
mistakes people make.

Numbers never change once given: a new code takes the next free number of its block
(``RR1xx`` YAML and file problems, ``RR2xx`` schema and loader problems, ``RR3xx`` lint
findings, ``RR4xx`` test-file problems). ``docs/cli.md`` lists them (a test keeps it in sync).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["NUMBERS", "advice", "number_of"]

#: code -> stable number.
NUMBERS: Mapping[str, str] = {
    # YAML and files
    "yaml-syntax": "RR101",
    "yaml-tag": "RR102",
    "yaml-key": "RR103",
    "yaml-alias": "RR104",
    "yaml-merge": "RR105",
    "duplicate-key": "RR106",
    "empty": "RR107",
    "unreadable": "RR108",
    "missing-file": "RR109",
    "no-rule-files": "RR110",
    # schema and loader
    "schema": "RR201",
    "unknown-key": "RR202",
    "not-a-mapping": "RR203",
    "format-version": "RR204",
    "bad-name": "RR205",
    "duplicate-id": "RR206",
    "unknown-category": "RR207",
    "unknown-condition": "RR208",
    "condition-cycle": "RR209",
    "extends-missing": "RR210",
    "extends-cycle": "RR211",
    "too-deep": "RR212",
    "bad-regex": "RR213",
    "regex-too-large": "RR214",
    "bad-range": "RR215",
    "bad-path": "RR216",
    "bad-near-term": "RR217",
    "matcher-shape": "RR218",
    "matcher-too-deep": "RR219",
    "matcher-too-large": "RR220",
    "extractor-shape": "RR221",
    "invariant-shape": "RR222",
    "missing-rules": "RR223",
    # lint
    "noop-override": "RR301",
    "never-wins": "RR302",
    "unused-condition": "RR303",
    "unproduced-category": "RR304",
    "broad-matcher": "RR305",
    "regex-backtracking": "RR306",
    "unknown-disable": "RR307",
    "invariant-violated": "RR308",
    "ungated-rule": "RR309",
    "weak-gate": "RR310",
    # side-by-side test files
    "unknown-rule": "RR401",
    "incomplete-case": "RR402",
    "conflicting-expectations": "RR403",
}


def number_of(code: str) -> str:
    """The stable number of ``code``; ``RR000`` for a code this table does not know yet."""
    return NUMBERS.get(code, "RR000")


_DID_YOU_MEAN = re.compile(r"unknown key '([^']+)'.*\(did you mean '([^']+)'\?\)")
_QUOTED_STATUS = re.compile(r"\bstatus: (?:invalid value|expected [^,]+, got str) \"(\d{3})\"")
_INDENT = (
    "did not find expected",
    "mapping values are not allowed",
    "expected <block end>",
    "could not find expected ':'",
    "while parsing a block",
)


def advice(code: str, message: str, source_line: str) -> str | None:
    """One sentence on what to do about a common YAML mistake, or None."""
    if code == "yaml-syntax" and ("tab" in message or "\t" in source_line):
        return "YAML indents with spaces only: replace the tab characters on this line by spaces"
    if code == "yaml-syntax" and any(text in message for text in _INDENT):
        return (
            "check the indentation: keys of one mapping start in the same column, what belongs "
            "to a key is indented further than the key, and list items start with '- '"
        )
    quoted = _QUOTED_STATUS.search(message)
    if quoted:
        return (
            f"a status is a number: write it without quotes (status: {quoted.group(1)}), "
            "or a list, a range {min, max} or none/any"
        )
    typo = _DID_YOU_MEAN.search(message)
    if code == "unknown-key" and typo:
        return f"rename '{typo.group(1)}' to '{typo.group(2)}'"
    if code == "unknown-key":
        return "remove the key, or move it where it belongs (docs/rule-format.md lists the keys)"
    return None
