"""The output formats the commands share: GitHub Actions workflow commands and SARIF logs
(text and JSON are each command's own; a load problem's JSON is :meth:`Problem.as_dict`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from reliable_rules._version import __version__
from reliable_rules.authoring.locate import is_shipped
from reliable_rules.cli._common import PROG
from reliable_rules.errors import Problem

if TYPE_CHECKING:  # lint (and its corpus, regex parser, ...) loads only for a SARIF log
    from reliable_rules.authoring.lint import Finding

__all__ = [
    "gh_data",
    "gh_property",
    "github_line",
    "github_problem",
    "problems_sarif",
    "sarif_document",
]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def gh_data(text: str) -> str:
    """``text`` escaped for the message of a GitHub Actions workflow command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def gh_property(text: str) -> str:
    """``text`` escaped for a property (file, title) of a GitHub Actions workflow command."""
    return gh_data(text).replace(":", "%3A").replace(",", "%2C")


def github_line(finding: Finding) -> str:
    """A GitHub Actions workflow command for ``finding`` (``info`` becomes ``notice``). A
    finding in a shipped file (``builtin:``, with ``--include-builtins``) names no file: no
    path of the repository holds it; its place goes into the message instead."""
    command = {"error": "error", "warning": "warning"}.get(finding.severity, "notice")
    title = gh_property(f"reliable-rules ({finding.code})")
    message = finding.message + (f" (hint: {finding.hint})" if finding.hint else "")
    if is_shipped(finding.file):
        place = f"{finding.file}:{finding.line}:{finding.column}: "
        return f"::{command} title={title}::{gh_data(place + message)}"
    return (
        f"::{command} file={gh_property(finding.file)},line={finding.line},"
        f"col={finding.column},title={title}::{gh_data(message)}"
    )


def _location(file: str, line: int, column: int) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": file},
            "region": {"startLine": line, "startColumn": column},
        }
    }


def information_uri() -> str | None:
    """The project's home page from the installed package's metadata (``Project-URL`` or
    ``Home-page``), or None: SARIF's ``informationUri`` must not point where nothing is."""
    from importlib import metadata  # noqa: PLC0415 — costly to import; only SARIF asks

    try:
        meta = metadata.metadata("reliable-rules")
    except metadata.PackageNotFoundError:
        return None
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = str(entry).partition(",")
        if label.strip().lower() in ("homepage", "home", "repository", "source", "documentation"):
            return url.strip() or None
    home = meta.get_all("Home-page") or []
    return str(home[0]) if home and home[0] else None


def sarif_document(findings: Iterable[Finding], version: str) -> dict[str, Any]:
    """A SARIF 2.1.0 log: one run, a ``tool.driver.rules`` entry per code, a result per finding."""
    from reliable_rules.authoring.lint import CODES  # noqa: PLC0415 — see TYPE_CHECKING above

    results = list(findings)
    codes = dict.fromkeys([*CODES, *(finding.code for finding in results)])
    rules = [
        {
            "id": code,
            "name": code,
            "shortDescription": {"text": CODES[code][1] if code in CODES else code},
            "defaultConfiguration": {
                "level": _SARIF_LEVELS[CODES[code][0] if code in CODES else "error"]
            },
        }
        for code in codes
    ]
    index = {code: number for number, code in enumerate(codes)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "reliable-rules",
                        "version": version,
                        **({"informationUri": uri} if (uri := information_uri()) else {}),
                        "rules": rules,
                    }
                },
                "results": [
                    {
                        "ruleId": finding.code,
                        "ruleIndex": index[finding.code],
                        "level": _SARIF_LEVELS[finding.severity],
                        "message": {
                            "text": finding.message
                            + (f" (hint: {finding.hint})" if finding.hint else "")
                        },
                        "locations": [_location(finding.file, finding.line, finding.column)],
                        **(
                            {
                                "relatedLocations": [
                                    {
                                        "id": number,
                                        **_location(place.file, place.line, place.column),
                                        "message": {"text": place.message},
                                    }
                                    for number, place in enumerate(finding.related, 1)
                                ]
                            }
                            if finding.related
                            else {}
                        ),
                    }
                    for finding in results
                ],
            }
        ],
    }


def github_problem(problem: Problem) -> str:
    """A GitHub Actions ``::error`` workflow command for a load problem."""
    return (
        f"::error file={gh_property(problem.file)},line={problem.line},col={problem.column},"
        f"title={gh_property(f'{PROG} ({problem.code})')}::{gh_data(problem.message)}"
    )


def problems_sarif(problems: Sequence[Problem]) -> dict[str, Any]:
    """The problems of ``validate`` as a SARIF 2.1.0 log (every one an error)."""
    from reliable_rules.authoring.lint import Finding  # noqa: PLC0415 — see TYPE_CHECKING above

    findings = [
        Finding(p.code, "error", p.file, p.line, p.column, p.message)
        for p in sorted(problems, key=Problem.sort_key)
    ]
    return sarif_document(findings, __version__)
