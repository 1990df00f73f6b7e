"""Numbers from the command line are checked: a hostile status is a usage error, a hostile
Retry-After a clean decision (issue 13, item 5)."""

from __future__ import annotations

import json

import pytest

from reliable_rules.cli.app import main


@pytest.mark.parametrize(
    "status",
    ["99999999999999999999999", "-5", "0", "42", "1000", "1e400", "nan", "\uff14\uff12\uff19", " "],
)
def test_a_status_outside_100_999_is_a_usage_error(
    status: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--status takes 100-999 only: anything else exits 2 with a one-line error."""
    code = main(["classify", "--status", status, "rate limited"])
    captured = capsys.readouterr()
    assert code == 2
    assert "expected an HTTP status 100-999" in captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize(
    ("header", "retry_after_ms"),
    [
        ("Retry-After: " + "9" * 40, 2**64 - 1),
        ("Retry-After: Wed, 99 Foo 2099 99:99:99 GMT", None),
        ("Retry-After: nan", None),
        ("retry-after-ms: 1e400", None),
    ],
)
def test_hostile_retry_after_headers_are_clean_decisions(
    header: str, retry_after_ms: int | None, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 40-digit or unparseable Retry-After from the CLI gives a decision, exit 0."""
    code = main(["classify", "--status", "429", "--header", header, "--json", "rate limited"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    decision = json.loads(captured.out)
    assert decision["rate_limited"] is True
    assert decision["retry_after_ms"] == retry_after_ms
