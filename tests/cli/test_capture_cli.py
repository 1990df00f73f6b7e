"""Issue 17 item 1: ``classify --capture PATH`` appends the failures no specific rule
recognised, for single failures and corpora."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reliable_rules.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Call main() in-process; return (exit code, stdout, stderr)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_classify_capture_single(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A 503 only the status rule decides is captured; a quota 429 is not."""
    path = tmp_path / "u.jsonl"
    body = '{"error":{"code":"ACME_BUSY","message":"region eu-3 saturated"}}'
    code, out, _ = run(
        capsys,
        "classify",
        "--status",
        "503",
        "--body",
        body,
        "--provider",
        "acme",
        "--capture",
        str(path),
    )
    assert code == 0
    assert "rule=seed.status.server-error" in out
    code, _, _ = run(
        capsys,
        "classify",
        "--status",
        "429",
        "--body",
        "You exceeded your current quota",
        "--capture",
        str(path),
    )
    assert code == 0
    (record,) = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert (record["status"], record["provider"], record["body"]) == (503, "acme", body)


def test_classify_corpus_capture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every corpus record is classified and only the unrecognised ones are captured, repeats
    counted: 3 occurrences of one error (other ids) make one record with a total count of 3."""
    corpus = tmp_path / "c.jsonl"
    records = [
        {"status": 503, "provider": "acme", "body": f"ACME_BUSY request req_{n}XyZaBcD9 failed"}
        for n in range(3)
    ] + [{"status": 429, "body": "You exceeded your current quota"}]
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    path = tmp_path / "u.jsonl"
    code, out, _ = run(capsys, "classify", "--corpus", str(corpus), "--capture", str(path))
    assert code == 0
    assert len(out.splitlines()) == 4
    written = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len({item["fingerprint"] for item in written}) == 1
    assert sum(item["count"] for item in written) == 3


def test_classify_capture_missing_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A capture path in a missing directory is an input error (exit 2), not a traceback."""
    code, _, err = run(capsys, "classify", "x", "--capture", str(tmp_path / "no" / "u.jsonl"))
    assert code == 2
    assert "--capture" in err
