"""Issue 17, "Done means": the rule author's loop end to end. Real unmatched errors are captured
from FakeProviderServer through the executor, ``suggest`` proposes rules, ``validate --strict``
and ``test`` pass on them, ``diff`` shows what they change, and the executor with the new
rules decides the error by the new rule and captures nothing more. Also ``suggest``'s input
handling."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from helpers.executor_rig import Rig, rig_fixture

from reliable_rules import AllProvidersFailed, ChatRequest, Message, load_rules
from reliable_rules.authoring.corpus import record_failure
from reliable_rules.authoring.suggest import variant
from reliable_rules.cli import main
from reliable_rules.testing import Reply

MODEL = "acme-large"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Call main() in-process; return (exit code, stdout, stderr)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def acme_reply(number: int) -> Reply:
    """ACME's new error: a 503 whose code no shipped rule knows, with changing ids."""
    body = {
        "error": {
            "code": "ACME_TENANT_PAUSED",
            "message": f"Tenant t-{number}{number} is paused by its administrator "
            f"(request req_0{number}HzX8aBcDeF, {number + 2} pending jobs)",
        }
    }
    return Reply.error(503, body)


rig = rig_fixture(api_key="sk-test-openai-0000", timeout=5.0)


def ask() -> ChatRequest:
    """A one-message request."""
    return ChatRequest([Message.user("hello")])


def test_capture_suggest_validate_test_diff_loop(
    rig: Rig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """capture → suggest → validate --strict → test → diff, on real HTTP failures."""
    server = rig.server("acme")
    server.script(*(acme_reply(n) for n in range(1, 7)))
    capture = tmp_path / "unmatched.jsonl"
    executor = rig.executor([("acme", rig.openai(server))], max_retries=2, capture=capture)
    for _ in range(2):  # two calls, three attempts each: six occurrences of one error
        with pytest.raises(AllProvidersFailed):
            executor.execute(ask(), MODEL)
    executor.close()
    records = [json.loads(line) for line in capture.read_text(encoding="utf-8").splitlines()]
    assert sum(item["count"] for item in records) == 6
    (first,) = [item for item in records if "status" in item]
    assert first["decision"]["rule"] == "seed.status.server-error"

    rules_file = tmp_path / "acme.yaml"
    code, out, err = run(
        capsys, "suggest", str(capture), "--provider", "acme", "-o", str(rules_file)
    )
    assert code == 0, err
    assert out == ""
    assert "suggest: 1 rule from 1 kind of failure (6 occurrences)" in err
    assert "QUESTION suggested.acme.acme-tenant-paused: is this server_error?" in err
    text = rules_file.read_text(encoding="utf-8")
    assert "# QUESTION:" in text
    # The author confirms another category: the pause will not end by retrying.
    rules_file.write_text(
        text.replace("then: {category: server_error}", "then: {category: auth_failed}"),
        encoding="utf-8",
    )

    assert run(capsys, "validate", "--strict", str(rules_file))[0] == 0
    code, out, err = run(capsys, "test", str(rules_file))
    assert code == 0, out + err
    assert "2/2 passed" in out

    rules = load_rules(rules_file)
    for record in (first, variant(first)):
        decision = rules.classify(record_failure(record))
        assert (decision.rule_id, decision.category) == (
            "suggested.acme.acme-tenant-paused",
            "auth_failed",
        )

    code, out, _ = run(
        capsys, "diff", "builtin:default", str(rules_file), "--corpus", str(capture)
    )
    assert "server_error → auth_failed" in out
    assert "seed.status.server-error → suggested.acme.acme-tenant-paused" in out

    # With the new rules the error is decided at once (auth_failed: next provider) by the
    # new rule, and nothing more is captured.
    again = tmp_path / "again.jsonl"
    server.script(acme_reply(9))
    fixed = rig.executor(
        [("acme", rig.openai(server))], rules=rules, max_retries=2, capture=again
    )
    with pytest.raises(AllProvidersFailed) as failed:
        fixed.execute(ask(), MODEL)
    assert [a.decision.rule_id for a in failed.value.attempts] == [
        "suggested.acme.acme-tenant-paused"
    ]
    fixed.close()
    assert not again.exists()


def write_capture(path: Path) -> None:
    """A small capture file with a bad line in the middle."""
    rows = [
        {"fingerprint": "f1", "count": 1, "provider": "acme", "status": 502,
         "body": "ACME upstream lane closed for maintenance window", "message": ""},
        "not json {",
        {"fingerprint": "f1", "count": 4},
    ]
    path.write_text(
        "".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows),
        encoding="utf-8",
    )


def test_suggest_reads_stdin_and_skips_bad_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """'-' reads the capture from stdin; a line that is not JSON is skipped with a warning."""
    path = tmp_path / "u.jsonl"
    write_capture(path)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(path.read_bytes())))
    code, out, err = run(capsys, "suggest", "-", "--category", "server_error")
    assert code == 0, err
    assert "<stdin>:2: not a JSON line; skipped" in err
    assert "suggest: 1 rule from 1 kind of failure (5 occurrences)" in err
    assert "then: {category: server_error}" in out
    assert "QUESTION" not in err


def test_suggest_reads_rotated_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """FILE.1 (older) is read before FILE, so counts include rotated lines."""
    path = tmp_path / "u.jsonl"
    write_capture(path.with_name("u.jsonl.1"))
    path.write_text(json.dumps({"fingerprint": "f1", "count": 10}) + "\n", encoding="utf-8")
    code, _, err = run(capsys, "suggest", str(path))
    assert code == 0, err
    assert "(15 occurrences)" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["suggest", "missing.jsonl"], "no such file"),
        (["suggest", "{capture}", "--category", "nope"], "--category 'nope'"),
        (["suggest", "{capture}", "--rules", "missing.yaml"], "missing.yaml"),
    ],
)
def test_suggest_input_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    """A missing file, an unknown category or rules that do not load: exit 2 and a message."""
    path = tmp_path / "u.jsonl"
    write_capture(path)
    code, _, err = run(capsys, *(arg.replace("{capture}", str(path)) for arg in argv))
    assert code == 2
    assert message in err


def test_suggest_extends_a_user_file_relative_to_the_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--rules PATH is written relative to the output file, so the output loads from there."""
    user = tmp_path / "rules" / "mine.yaml"
    user.parent.mkdir()
    user.write_text(
        "format: reliable-rules/v1\nname: mine\nrevision: '1'\nextends: [builtin:default]\n",
        encoding="utf-8",
    )
    path = tmp_path / "u.jsonl"
    write_capture(path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    monkeypatch.chdir(tmp_path)
    code, _, err = run(
        capsys, "suggest", str(path), "--rules", "rules/mine.yaml", "-o", "out/new.yaml"
    )
    assert code == 0, err
    assert 'extends: ["../rules/mine.yaml"]' in (out_dir / "new.yaml").read_text("utf-8")
    # Its base is outside its folder: loading it needs that folder allowed (docs/security.md).
    assert load_rules(out_dir / "new.yaml", allow_paths=[user.parent]).name == "suggested"
