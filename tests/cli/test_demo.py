"""``reliable-rules demo``: scripted scenarios against fake providers, as text and JSON."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from reliable_rules.cli import main
from reliable_rules.cli._scenarios import run_demo

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HEADING = re.compile(r"^(\d+)\. ", re.MULTILINE)


@pytest.fixture(autouse=True)
def _in_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test from the project root, without debug mode."""
    monkeypatch.chdir(PROJECT_ROOT)
    monkeypatch.delenv("RELIABLE_RULES_DEBUG", raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Call main() in-process; return (exit code, stdout, stderr)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def sections(out: str) -> dict[int, str]:
    """The text output split by scenario heading (``3. Title``), keyed by number."""
    starts = [(int(m.group(1)), m.start()) for m in HEADING.finditer(out)]
    ends = [start for _, start in starts[1:]] + [len(out)]
    return {number: out[start:end] for (number, start), end in zip(starts, ends, strict=True)}


def rows(section: str) -> list[list[str]]:
    """The attempt table rows of a scenario section, split into cells."""
    lines = section.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == ["provider", "model"])
    table = []
    for line in lines[header + 1 :]:
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) < 7 or not re.fullmatch(r"\d+/\d+", cells[2]):
            break
        table.append(cells)
    return table


def json_events(out: str) -> list[dict[str, Any]]:
    """Every stdout line parsed as one JSON object."""
    return [json.loads(line) for line in out.splitlines()]


def test_demo_text_shows_every_scenario_in_real_time(capsys: pytest.CaptureFixture[str]) -> None:
    """The real-time demo exits 0 within 10 s and shows each scenario's decisions and records."""
    began = time.monotonic()
    code, out, err = run(capsys, "demo")
    elapsed = time.monotonic() - began
    assert code == 0, err
    assert err == ""
    assert elapsed < 10
    assert "9/9 scenarios ended as scripted" in out
    assert "waits: 1.40 s real" in out
    parts = sections(out)
    assert sorted(parts) == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert all("-> ok: ended as scripted" in part for part in parts.values())

    one = parts[1]
    assert rows(one) == [
        ["openai", "gpt-4o", "1/2", "429", "rate_limited", "default.rate.short-window", "retry",
         "1000 ms", "...0001"],
        ["openai", "gpt-4o", "2/2", "200", "-", "-", "success", "-", "...0002"],
    ]  # fmt: skip
    assert "API keys the openai server saw (keys[0], then rotated): ...0001 -> ...0002" in one
    assert "fallback: openai/gpt-4o -> openai/gpt-4o (2 attempts, history truncated: no)" in one

    two = parts[2]
    assert [row[4:8] for row in rows(two)] == [
        ["server_error", "seed.status.server-error", "retry", "100 ms"],
        ["server_error", "seed.status.server-error", "give_up", "-"],
        ["-", "-", "success", "-"],
    ]
    assert "fallback: openai/gpt-4o -> zai/gpt-4o (3 attempts, history truncated: no)" in two

    three = parts[3]
    assert [row[3:7] for row in rows(three)] == [
        ["500", "context_window_exceeded", "default.context.overflow", "truncate_history"],
        ["200", "-", "-", "success"],
    ]
    assert "messages before (10): system, question 1, answer 1," in three
    after = "messages after (6): system, question 3, answer 3, question 4, answer 4, question 5"
    assert after in three
    assert "messages the openai server received: 10 -> 6" in three
    assert "(2 attempts, history truncated: yes)" in three

    four = parts[4]
    assert [row[0:1] + row[3:7] for row in rows(four)] == [
        ["openai", "401", "auth_failed", "default.auth.failed", "next_provider"],
        ["anthropic", "200", "-", "-", "success"],
    ]
    assert "fallback: openai/gpt-4o -> anthropic/gpt-4o (2 attempts" in four

    five = parts[5]
    assert [row[0:1] + row[3:8] for row in rows(five)] == [
        ["zai", "429", "quota_exhausted", "default.provider.zhipu-quota-codes", "next_provider",
         "-"],
        ["anthropic", "200", "-", "-", "success", "-"],
    ]
    assert "zai said: 余额不足或无可用资源包,请充值。" in five
    assert "fallback: zai/glm-4.6 -> anthropic/glm-4.6" in five

    six = parts[6]
    assert [row[0:1] + row[3:7] for row in rows(six)] == [
        ["openai", "-", "network_error", "default.network-error", "retry"],
        ["openai", "503", "server_error", "default.server.transient-state", "give_up"],
        ["zai", "401", "auth_failed", "default.auth.failed", "next_provider"],
        ["anthropic", "529", "server_error", "default.server.transient-state", "retry"],
        ["anthropic", "529", "server_error", "default.server.transient-state", "give_up"],
    ]
    assert "All providers/models failed. Attempts:" in six
    assert "provider=zai model=gpt-4o attempt 1/2: non_retryable;" in six


def test_demo_json_lines_parse_and_carry_the_facts(capsys: pytest.CaptureFixture[str]) -> None:
    """--json prints one JSON object per line: start, attempts and scenarios, then the summary."""
    code, out, err = run(capsys, "demo", "--json", "--fast")
    assert code == 0, err
    events = json_events(out)
    assert events[0]["event"] == "start"
    assert [server["name"] for server in events[0]["servers"]] == ["openai", "zai", "anthropic"]
    assert all(s["url"].startswith("http://127.0.0.1:") for s in events[0]["servers"])
    assert events[-1]["event"] == "summary"
    assert events[-1]["ok"] is True
    assert events[-1]["failed"] == []
    assert events[-1]["waited_ms"] == 1400
    scenarios = {e["scenario"]: e for e in events if e["event"] == "scenario"}
    attempts: dict[int, list[dict[str, Any]]] = {}
    for event in events:
        if event["event"] == "attempt":
            attempts.setdefault(event["scenario"], []).append(event)
    assert sorted(scenarios) == sorted(attempts) == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert all(scenario["ok"] and scenario["problems"] == [] for scenario in scenarios.values())

    first, retried = attempts[1]
    assert (first["status"], first["category"], first["rule"], first["action"]) == (
        429, "rate_limited", "default.rate.short-window", "retry",
    )  # fmt: skip
    assert (first["wait_ms"], first["key_hint"]) == (1000, "...0001")
    assert (retried["action"], retried["key_hint"]) == ("success", "...0002")
    assert retried["status"] == 200
    assert scenarios[1]["facts"]["server_key_hints"] == ["...0001", "...0002"]

    assert [a["action"] for a in attempts[2]] == ["retry", "give_up", "success"]
    assert scenarios[2]["fallback"] == {
        "requested_provider": "openai", "requested_model": "gpt-4o",
        "actual_provider": "zai", "actual_model": "gpt-4o",
        "attempts": 3, "history_truncated": False, "format_switched": False,
    }  # fmt: skip

    assert attempts[3][0]["category"] == "context_window_exceeded"
    facts = scenarios[3]["facts"]
    assert (facts["messages_before"], facts["messages_after"]) == (10, 6)
    assert facts["server_message_counts"] == [10, 6]
    assert scenarios[3]["fallback"]["history_truncated"] is True

    assert [(a["provider"], a["action"]) for a in attempts[4]] == [
        ("openai", "next_provider"), ("anthropic", "success"),
    ]  # fmt: skip
    zai = attempts[5][0]
    assert (zai["category"], zai["reason"], zai["action"]) == (
        "quota_exhausted", "rate_limited_non_retryable", "next_provider",
    )  # fmt: skip
    assert "余额不足" in zai["detail"]
    assert scenarios[5]["answer"] == "Paris."
    assert scenarios[5]["provider"] == "anthropic"

    assert scenarios[6]["answer"] is None
    assert scenarios[6]["error"].startswith("All providers/models failed. Attempts:\n")
    assert len(attempts[6]) == 5


def test_demo_never_prints_a_key(capsys: pytest.CaptureFixture[str]) -> None:
    """Neither the text nor the JSON output contains any demo key, only ...NNNN hints."""
    for argv in (["demo", "--fast"], ["demo", "--fast", "--json"]):
        code, out, err = run(capsys, *argv)
        assert code == 0
        assert "sk-demo" not in out + err
        assert "...0001" in out


def test_demo_fast_uses_virtual_time() -> None:
    """run_demo(fast=True) records the scripted waits (1 s Retry-After + 4 backoffs) unslept."""
    report = run_demo(fast=True)
    assert report.ok, report.problems
    assert report.waited_ms == 1400
    assert report.elapsed_s < report.waited_ms / 1000


def test_demo_subprocess_fast() -> None:
    """`python -m reliable_rules demo --fast` exits 0 with every scenario as scripted."""
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT), NO_PROXY="127.0.0.1,localhost")
    env.pop("RELIABLE_RULES_DEBUG", None)
    began = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "reliable_rules", "demo", "--fast"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert time.monotonic() - began < 10
    assert "virtual time (--fast)" in result.stdout
    assert "9/9 scenarios ended as scripted" in result.stdout
    assert "waits: 1.40 s virtual" in result.stdout


def test_demo_with_seed_rules_still_ends_as_scripted(capsys: pytest.CaptureFixture[str]) -> None:
    """--rules builtin:seed is obeyed: the seed ignores the Retry-After header, so it waits less."""
    code, out, err = run(capsys, "demo", "--fast", "--json", "--rules", "builtin:seed")
    assert code == 0, err
    events = json_events(out)
    assert events[0]["ruleset"] == "seed"
    first = next(e for e in events if e["event"] == "attempt")
    assert (first["category"], first["wait_ms"]) == ("rate_limited", 100)


def test_demo_exits_1_when_rules_change_the_outcome(capsys: pytest.CaptureFixture[str]) -> None:
    """Rules under which a scenario ends differently (converge aborts on 401) exit 1 and say so."""
    code, out, err = run(capsys, "demo", "--fast", "--rules", "builtin:converge")
    assert code == 1
    assert "Traceback" not in out + err
    assert "NOT AS SCRIPTED" in out
    assert (
        "reliable-rules demo: error: scenario 4 (Invalid API key: the next provider after one "
        "call): expected attempts [openai:next_provider, anthropic:success], got [openai:abort]"
    ) in err
    assert err.splitlines()[-1] == (
        "reliable-rules demo: 5 scenarios of 9 did not end as scripted with rules converge "
        "2026.11.21"
    )


def test_demo_bad_rules_path_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A --rules path that does not exist exits 2 with one error line and no traceback."""
    code, out, err = run(capsys, "demo", "--rules", "no/such/rules.yaml")
    assert code == 2
    assert out == ""
    assert err == "reliable-rules: error: rule file 'no/such/rules.yaml' not found\n"


def test_demo_help_documents_flags_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    """demo --help exits 0 and documents --rules, --json, --fast and the exit codes."""
    code, out, _ = run(capsys, "demo", "--help")
    assert code == 0
    for text in ("--rules", "--json", "--fast", "exit codes:", "did not end as scripted"):
        assert text in out
