"""Time and peak memory of hostile answers (issue 13): each case in its own process.

    python benchmarks/hostile_answers.py            # every case, a table
    python benchmarks/hostile_answers.py --json     # the same, machine-readable
    python benchmarks/hostile_answers.py --case gzip_bomb_1gb   # one case (what the table runs)

Each case starts the misbehaving loopback server of ``tests/helpers/hostile_server.py`` in the
child process and makes one call with an adapter built the way users build one
(``OpenAICompatible(url, api_key=..., timeout=60)``, default limits unless the case says).
The child reports wall time and how much its peak resident memory grew over the call
(``ru_maxrss`` after minus before); the parent kills a case after ``--cap`` seconds (30 by
default) and reports it as not ended. Run it against another checkout by putting that
checkout first on ``PYTHONPATH`` (the child prints which package it imported).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(1, str(HERE.parent / "tests"))

MB = 1024 * 1024

CASES = {
    "body_300mb": "a 2xx answer of 300 MB (Content-Length)",
    "body_300mb_chunked": "a 2xx answer of 300 MB (chunked)",
    "gzip_bomb_1gb": "a 1 MB gzip answer that expands to 1 GB",
    "error_body_300mb": "a 500 answer with a 300 MB body",
    "slow_drip_default": "one byte every 0.3 s, default adapter",
    "slow_drip_deadline_2s": "one byte every 0.3 s, executor deadline_s=2",
    "stalled_stream_deadline_2s": "stream stalled after its first event, deadline_s=2",
    "stalled_stream_cancel": "stream stalled after its first event, cancel at 0.5 s",
    "regex_200_catastrophic": "classify with 200 rules whose regex backtracks catastrophically",
}


def _regex_case() -> None:
    """200 rules with ``^(?:a|a)*$`` (exponential on ``"a" * 28 + "!"``), one classify."""
    import logging  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    from reliable_rules import load_rules  # noqa: PLC0415

    rules = "".join(
        f"  - id: slow.r{index}\n    when: {{regex: '^(?:a|a)*$'}}\n"
        "    then: {category: server_error}\n"
        for index in range(200)
    )
    path = Path(tempfile.mkdtemp()) / "slow.yaml"
    path.write_text("format: reliable-rules/v1\nname: slow\nrules:\n" + rules, encoding="utf-8")
    loaded = load_rules(path)
    logging.disable(logging.WARNING)
    loaded.classify("a" * 28 + "!")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _run_case(name: str) -> dict[str, Any]:
    from helpers import hostile_server as hs  # noqa: PLC0415 — only the child needs it

    import reliable_rules  # noqa: PLC0415
    from reliable_rules import CancelToken, ChatRequest, Message, ReliableExecutor  # noqa: PLC0415
    from reliable_rules.executor.timing import SystemTiming  # noqa: PLC0415
    from reliable_rules.providers import OpenAICompatible  # noqa: PLC0415

    responders = {
        "body_300mb": lambda: hs.huge_body(300 * MB),
        "body_300mb_chunked": lambda: hs.huge_body(300 * MB, declare_length=False),
        "gzip_bomb_1gb": lambda: hs.gzip_body(hs.gzip_bomb(1024 * MB)),
        "error_body_300mb": lambda: hs.huge_body(300 * MB, status=500),
        "slow_drip_default": lambda: hs.slow_drip(0.3),
        "slow_drip_deadline_2s": lambda: hs.slow_drip(0.3),
        "stalled_stream_deadline_2s": lambda: hs.sse_then([hs.openai_delta("first")], hs.stall),
        "stalled_stream_cancel": lambda: hs.sse_then([hs.openai_delta("first")], hs.stall),
    }
    if name == "regex_200_catastrophic":
        before = _rss_mb()
        started = time.monotonic()
        _regex_case()
        return {
            "case": name,
            "seconds": round(time.monotonic() - started, 2),
            "peak_rss_growth_mb": round(_rss_mb() - before, 1),
            "error": "no error",
            "package": str(Path(reliable_rules.__file__).parent),
        }
    server = hs.HostileServer(responders[name]())
    adapter = OpenAICompatible(server.url + "/v1", api_key="sk-bench", timeout=60)
    request = ChatRequest([Message.user("hi")])
    before = _rss_mb()
    started = time.monotonic()
    try:
        if name.startswith("stalled_stream"):
            executor = ReliableExecutor([("h", adapter)], max_retries=0, timing=SystemTiming())
            token = CancelToken()
            deadline = 2.0 if name.endswith("deadline_2s") else None
            stream = executor.stream_chat(request, "m", cancel=token, deadline_s=deadline)
            next(stream)
            if deadline is None:
                threading.Timer(0.5, token.cancel).start()
            for _ in stream:
                pass
        elif name == "slow_drip_deadline_2s":
            executor = ReliableExecutor([("h", adapter)], max_retries=0, timing=SystemTiming())
            executor.chat(request, "m", deadline_s=2.0)
        else:
            adapter.chat(request, "m")
        outcome = "no error"
    except BaseException as error:  # noqa: BLE001 — the outcome is what is measured
        outcome = type(error).__name__
    elapsed = time.monotonic() - started
    grown = _rss_mb() - before
    return {
        "case": name,
        "seconds": round(elapsed, 2),
        "peak_rss_growth_mb": round(grown, 1),
        "error": outcome,
        "package": str(Path(reliable_rules.__file__).parent),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=sorted(CASES))
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--cap", type=float, default=30.0)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(_run_case(args.case)), flush=True)
        os._exit(0)  # leave stuck daemon threads (the point of some cases) behind
    rows = []
    for name in CASES:
        started = time.monotonic()
        try:
            done = subprocess.run(
                [sys.executable, __file__, "--case", name],
                capture_output=True, text=True, timeout=args.cap, check=False,
            )
            lines = done.stdout.strip().splitlines()
            row = json.loads(lines[-1]) if lines else {
                "case": name, "error": f"crashed: {done.stderr.strip()[-200:]}",
                "seconds": round(time.monotonic() - started, 2),
            }
        except subprocess.TimeoutExpired:
            row = {"case": name, "seconds": f"> {args.cap:g}", "error": "did not end (killed)"}
        rows.append(row)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"package: {rows[0].get('package', '?')}")
    print(f"{'case':<28} {'seconds':>9} {'peak RSS +MB':>13}  error")
    for row in rows:
        print(
            f"{row['case']:<28} {row['seconds']!s:>9} "
            f"{row.get('peak_rss_growth_mb', '-')!s:>13}  {row['error']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
