"""Label conventions of docs/rule-format.md that the corpus and builtin:default both follow, checked
on both sides: rows where the words alone once led collectors to different labels."""

from __future__ import annotations

import re

import pytest
from helpers.one_by_one import corpus_records

from reliable_rules import RuleSet, load_rules

EMPTY_PARSE = "Expecting value: line 1 column 1 (char 0)"
# an error status beside the parse error decides by the status paragraph instead
ERROR_STATUS = re.compile(r"status(_code)?\W{1,3}[45]\d\d", re.IGNORECASE)
# the words that say a model's answer was parsed for a structure (the row's format_mismatch side)
MODEL_ANSWER_PARSED = re.compile(
    r"pars(e|ing)|judge|choos(e|ing)|tool|argument|schema|structur"
    # a structured artifact the model was generating (round 44's slide and diagram tools)
    r"|generat\w*\s+(?:\w+\s+){0,2}(?:outlines?|slides?|decks?|diagrams?|flowcharts?|mind\s?maps?)\b"
    # a traceback's json.loads / JSON.parse of the model's message content
    r"|(?:json\.loads|JSON\.parse)\(\s*\w*content\b",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def default() -> RuleSet:
    """builtin:default, loaded once for the module."""
    return load_rules("builtin:default")


def test_corpus_labels_an_empty_json_parse_by_whose_text_was_parsed() -> None:
    """Every record quoting Python's empty-JSON parse error with no error status is
    empty_response, or format_mismatch when it says a model's answer was being parsed."""
    quoting = [
        (number, record)
        for number, record in enumerate(corpus_records(), 1)
        if EMPTY_PARSE in str(record["body"])
        and not (isinstance(record["status"], int) and record["status"] >= 400)
        and not ERROR_STATUS.search(str(record["body"]))
    ]
    assert len(quoting) >= 7
    for number, record in quoting:
        parsed_answer = MODEL_ANSWER_PARSED.search(str(record["body"])) is not None
        wanted = "format_mismatch" if parsed_answer else "empty_response"
        assert record["expected"] == wanted, (number, record["body"])


@pytest.mark.parametrize(
    ("text", "category"),
    [
        (EMPTY_PARSE, "empty_response"),
        (f"json.decoder.JSONDecodeError: {EMPTY_PARSE}", "empty_response"),
        (f"requests.exceptions.JSONDecodeError: {EMPTY_PARSE}", "empty_response"),
        (
            f"Sorry, there was a problem talking to the backend: JSONDecodeError('{EMPTY_PARSE}')",
            "empty_response",
        ),
        (f"Failed to parse the judge's output: {EMPTY_PARSE}", "format_mismatch"),
        (f"Could not parse LLM output as JSON: {EMPTY_PARSE}", "format_mismatch"),
        (f"Error decoding tool arguments: {EMPTY_PARSE}", "format_mismatch"),
        (
            f"Failed to generate presentation outlines. Please try again. {EMPTY_PARSE}",
            "format_mismatch",
        ),
        (f"Failed to generate the report. Please try again. {EMPTY_PARSE}", "empty_response"),
    ],
)
def test_default_decides_an_empty_json_parse_by_whose_text_was_parsed(
    default: RuleSet, text: str, category: str
) -> None:
    """builtin:default follows the JSONDecodeError row: the provider's answer vs a model's."""
    assert default.classify(text).category == category
