"""Issue 17 item 1: capture the failures no specific rule recognised (``Decision.specific``,
``CaptureLog``, ``ReliableExecutor(capture=)``, ``RulesRetry(capture=)``), over real HTTP and
from real processes."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import requests
from helpers.executor_rig import Rig, rig_fixture
from requests.adapters import HTTPAdapter

from reliable_rules import ChatRequest, Message, load_rules
from reliable_rules._text import stable_text
from reliable_rules.executor.capture import CaptureLog, failure_fingerprint, iter_capture_lines
from reliable_rules.failure import to_failure
from reliable_rules.testing import FakeProviderServer, Reply
from reliable_rules.urllib3_retry import RulesRetry

MODEL = "test-model"
RULES = load_rules()


def acme_busy(request_id: str, region: int) -> dict[str, Any]:
    """A new provider error no shipped rule names: only the 5xx status rule decides it."""
    return {
        "error": {
            "code": "ACME_REGION_SATURATED",
            "message": f"Region eu-{region} is saturated, request {request_id} was not served "
            f"at 2026-12-03T06:{region:02d}:00Z",
        }
    }


def lines(path: Path) -> list[dict[str, Any]]:
    """Every line of a capture file, each parsed (a broken line fails the test)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


rig = rig_fixture(api_key="sk-test-openai-0000", timeout=5.0)


@pytest.mark.parametrize(
    ("kwargs", "rule", "specific"),
    [
        ({"status": 503}, "seed.status.server-error", False),
        ({"status": 429}, "seed.rate-limit.typed", False),
        ({"status": 418}, "seed.status.client-error", False),
        ({"error": "something odd happened"}, None, False),
        ({"status": 429, "body": "You exceeded your current quota"}, "default.quota.plain", True),
        ({"error": "ReadTimeout: read timed out"}, "default.transport.timeout-text", True),
        # a rule with a status-only branch: specific when its words decided, not on the status
        ({"error": "Tenant 88123 over budget for this month"}, "default.quota.billing", True),
        ({"status": 402}, "default.quota.billing", False),
    ],
)
def test_decision_says_whether_a_specific_rule_decided(
    kwargs: dict[str, Any], rule: str | None, specific: bool
) -> None:
    """Status-only, status-range and catch-all rules, and no rule, are not specific; a rule
    that needs words, JSON fields or exception names is."""
    error = kwargs.pop("error", None)
    decision = RULES.classify(error, **kwargs)
    assert (decision.rule_id, decision.specific) == (rule, specific)


@pytest.mark.parametrize(
    ("when", "specific"),
    [
        ("{status: {min: 500, max: 599}}", False),
        ("{text_status: {min: 400, max: 499}}", False),
        ("{all: [{status: 503}, {provider: acme}]}", False),
        ("{any: [{status: 503}, {contains: busy}]}", False),
        ("{all: [{status: 503}, {contains: busy}]}", True),
        ("{any: [{contains: busy}, {json: {path: error.code, equals: X}}]}", True),
        ("{all: [{status: 503}, {not: {contains: busy}}]}", False),
        ("{exception: ReadTimeout}", True),
    ],
)
def test_specific_follows_the_rule_shape(tmp_path: Path, when: str, specific: bool) -> None:
    """``all`` is specific when one part is, ``any`` when every branch is; ``not`` is not."""
    path = tmp_path / "r.yaml"
    path.write_text(
        f"format: reliable-rules/v1\nname: t\nrevision: '1'\nrules:\n"
        f"  - id: t.r\n    when: {when}\n    then: {{category: server_error}}\n",
        encoding="utf-8",
    )
    rules = load_rules(path)
    verdicts = [rule.verdict.specific for rule in rules.classifier.rules]
    assert verdicts == [specific]


def test_fingerprint_ignores_ids_numbers_and_timestamps() -> None:
    """Two occurrences with other request ids, numbers and times share a fingerprint; another
    wording, status or provider does not."""
    one = to_failure(status=503, body=json.dumps(acme_busy("req_01HZX8aBcDeF", 3)), provider="acme")
    two = to_failure(status=503, body=json.dumps(acme_busy("req_9QwErTy77LmN", 7)), provider="acme")
    assert failure_fingerprint(one) == failure_fingerprint(two)
    for other in (
        to_failure(status=502, body=json.dumps(acme_busy("req_01HZX8aBcDeF", 3)), provider="acme"),
        to_failure(status=503, body=json.dumps(acme_busy("req_01HZX8aBcDeF", 3)), provider="zeta"),
        to_failure(status=503, body='{"error":{"code":"OTHER"}}', provider="acme"),
    ):
        assert failure_fingerprint(other) != failure_fingerprint(one)
    assert "<id>" in stable_text("request req_01HZX8aBcDeF")
    assert stable_text("ACME_QUOTA_7 gpt-4o-mini") == "ACME_QUOTA_<n> gpt-<n>o-mini"


def test_executor_captures_unmatched_failures_over_http(rig: Rig, tmp_path: Path) -> None:
    """A 503 that only the 5xx rule decides is captured, sanitised, with the decision; a
    quota 429 that a specific rule recognises is not; repeats are counted on close."""
    server = rig.server("acme")
    capture = tmp_path / "unmatched.jsonl"
    first, second = acme_busy("req_01HZX8aBcDeF", 3), acme_busy("req_9QwErTy77LmN", 7)
    for body in (first, second):
        body["error"]["message"] += " (key sk-live-abcdefghijklmnop1234)"
    server.script(
        Reply.error(503, first, headers={"X-Request-Id": "r-1", "Set-Cookie": "session=abc"}),
        Reply.error(503, second),
        Reply.openai_error(429, "You exceeded your current quota, please check your plan"),
    )
    executor = rig.executor([("acme", rig.openai(server))], max_retries=2, capture=str(capture))
    with pytest.raises(Exception):  # noqa: B017, PT011 — the call fails; capture is the point
        executor.execute(ChatRequest([Message.user("hi")]), MODEL)
    written = lines(capture)
    assert len(written) == 1  # the repeat is only counted until the executor closes
    record = written[0]
    assert record["status"] == 503
    assert record["provider"] == "acme"
    assert record["model"] == MODEL
    assert record["count"] == 1
    assert record["decision"]["rule"] == "seed.status.server-error"
    assert record["decision"]["specific"] is False
    assert "ACME_REGION_SATURATED" in record["body"]
    assert "sk-live-abcdefghijklmnop1234" not in capture.read_text(encoding="utf-8")
    assert record["headers"]["set-cookie"] == "[REDACTED]"
    assert record["headers"]["x-request-id"] == "r-1"
    assert record["time"].endswith("Z")
    assert record["exception"]
    assert "Exception" not in record["exception"]
    executor.close()
    written = lines(capture)
    assert written[1] == {
        "fingerprint": record["fingerprint"],
        "count": 1,
        "time": written[1]["time"],
    }


def test_repeats_are_counted_not_written(tmp_path: Path) -> None:
    """100 occurrences of one error with changing ids: one record and count lines whose sum
    with it is 100; a new process seeing the file counts instead of writing it again."""
    path = tmp_path / "c.jsonl"
    log = CaptureLog(path, flush_every=10)
    for number in range(100):
        body = json.dumps(acme_busy(f"req_{number:04d}AbCdEfGh", number % 9))
        assert log.record(RULES.classify(status=503, body=body, provider="acme"))
    log.close()
    written = lines(path)
    assert sum(item["count"] for item in written) == 100
    assert len([item for item in written if "status" in item]) == 1
    again = CaptureLog(path)
    assert again.record(RULES.classify(status=503, body=body, provider="acme"))
    again.close()
    assert len([item for item in lines(path) if "status" in item]) == 1
    assert sum(item["count"] for item in lines(path)) == 101


def test_specific_decisions_are_not_captured(tmp_path: Path) -> None:
    """A failure a specific rule decided writes nothing (no file is even created)."""
    path = tmp_path / "c.jsonl"
    log = CaptureLog(path)
    assert not log.record(RULES.classify(status=429, body="You exceeded your current quota"))
    log.close()
    assert not path.exists()


def test_threads_write_whole_lines(tmp_path: Path) -> None:
    """8 threads capturing 50 distinct errors each: 400 whole, parseable lines."""
    path = tmp_path / "c.jsonl"
    log = CaptureLog(path)

    def work(thread: int) -> None:
        for number in range(50):
            text = f"thread {'abcdefgh'[thread]} failure kind {'x' * (number + 1)}"
            log.record(RULES.classify(text))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({item["fingerprint"] for item in lines(path)}) == 400


WRITER = """
import sys
from reliable_rules import load_rules
from reliable_rules.executor.capture import CaptureLog
rules = load_rules("builtin:seed")
log = CaptureLog(sys.argv[1], max_bytes=int(sys.argv[3]), backups=50)
for number in range(int(sys.argv[4])):
    name = "abcd"[int(sys.argv[2])]
    log.record(rules.classify("process %s kind %s %s" % (name, "y" * (number + 1), "z" * 300)))
log.close()
"""


@pytest.mark.slow
@pytest.mark.parametrize(("max_bytes", "count"), [(100_000_000, 150), (20_000, 150)])
def test_processes_append_whole_lines_and_rotate(
    tmp_path: Path, max_bytes: int, count: int
) -> None:
    """4 real processes appending to one file at once (with and without rotation): every line
    of every file parses, no record is lost, and rotated files respect the bound (plus at most
    one line per concurrent writer)."""
    path = tmp_path / "c.jsonl"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(n), str(max_bytes), str(count)]
        )
        for n in range(4)
    ]
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    items = list(iter_capture_lines(path, 50))
    files = [path, *sorted(tmp_path.glob("c.jsonl.*"))]
    for name in files:
        if name.suffix != ".lock":
            for line in name.read_text(encoding="utf-8").splitlines():
                json.loads(line)
    assert len({item["fingerprint"] for item in items}) == 4 * count
    if max_bytes < 100_000:
        rotated = [name for name in files if name.name[-1].isdigit()]
        assert rotated
        longest = max(len(line) + 1 for line in path.read_text(encoding="utf-8").splitlines())
        for name in rotated:
            assert name.stat().st_size <= max_bytes + 4 * longest


def test_rotation_keeps_at_most_backups_files(tmp_path: Path) -> None:
    """With backups=2, old files beyond PATH.2 are dropped and PATH stays under max_bytes."""
    path = tmp_path / "c.jsonl"
    log = CaptureLog(path, max_bytes=4096, backups=2)
    for number in range(200):
        log.record(RULES.classify(f"failure kind {'w' * (number + 1)} {'v' * 200}"))
    names = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock"))
    assert names == ["c.jsonl", "c.jsonl.1", "c.jsonl.2"]
    assert all((tmp_path / name).stat().st_size <= 4096 for name in names)


def test_capture_never_raises(tmp_path: Path) -> None:
    """A capture file that cannot be written is logged, and the decision still stands."""
    log = CaptureLog(tmp_path / "missing-dir" / "c.jsonl")
    assert log.record(RULES.classify(status=503)) is False


def test_rules_retry_captures_and_pickles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """RulesRetry(capture=) records the 503 it retried, through urllib3; it survives new()
    and pickling with the same file."""
    monkeypatch.setattr("time.sleep", lambda _s: None)
    path = tmp_path / "c.jsonl"
    retry = RulesRetry(total=2, capture=path, provider="acme")
    with FakeProviderServer() as server:
        server.script(Reply.error(503, acme_busy("req_01HZX8aBcDeF", 1)), Reply.ok(text="hi"))
        session = requests.Session()
        session.mount("http://", HTTPAdapter(max_retries=retry))
        response = session.post(
            f"{server.openai_base_url}/chat/completions",
            json={"model": "m", "messages": [{"role": "user", "content": "x"}]},
            timeout=5,
        )
        session.close()
    assert response.status_code == 200
    (record,) = lines(path)
    assert (record["status"], record["provider"]) == (503, "acme")
    copy = pickle.loads(pickle.dumps(retry.new(total=1)))
    assert copy.capture is not None
    assert copy.capture.path == path
