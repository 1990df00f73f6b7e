"""``reliable-rules demo``: the executor against scripted fake providers, every decision
shown."""

from __future__ import annotations

import argparse
import contextlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from reliable_rules._text import plural as _plural
from reliable_rules.cli._common import (
    DEMO_EXIT_CODES,
    EXIT_FINDINGS,
    EXIT_OK,
    PROG,
    Streams,
    load_rules_or_exit,
)

if TYPE_CHECKING:
    from reliable_rules.cli._scenarios import DemoEvent

HELP = "run the executor against scripted fake providers and show every decision"
DESCRIPTION = (
    "Start fake providers on 127.0.0.1 (no network, no API keys) and run the retry/"
    "fallback executor through scripted scenarios: a 429 with Retry-After and key "
    "rotation, 5xx then fallback, a context overflow, a 401, a Z.AI quota 429 and a "
    "total failure. Each attempt shows provider, model, attempt, HTTP status, category, "
    "rule, action, wait and key hint; each scenario its answer and fallback record."
)
EPILOG = (
    "output:\n"
    "  text    a table of attempts per scenario, its answer, fallback record or error\n"
    '  --json  one object per line: {"event": "start"|"attempt"|"scenario"|"summary", ...}\n\n'
    + DEMO_EXIT_CODES
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``reliable-rules demo``."""
    parser.add_argument(
        "--rules",
        default="builtin:default",
        metavar="PATH|builtin:NAME",
        help="the rule set the executor obeys (default: builtin:default)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per line")
    parser.add_argument(
        "--fast", action="store_true", help="virtual time: show the waits without sleeping"
    )


@contextlib.contextmanager
def _quiet_executor() -> Iterator[None]:
    """The demo shows every give-up itself: keep the executor's warnings off stderr."""
    executor_logger = logging.getLogger("reliable_rules.executor")
    level = executor_logger.level
    executor_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        executor_logger.setLevel(level)


def run(args: argparse.Namespace, streams: Streams) -> int:
    """Run the command; return the exit code."""
    from reliable_rules.cli._scenarios import (  # noqa: PLC0415 — requests and the fake servers load only for demo
        render_event,
        render_summary,
        run_demo,
    )

    rules = load_rules_or_exit(str(args.rules))
    as_json = bool(args.json)

    def show(event: DemoEvent) -> None:
        for line in render_event(event, as_json=as_json):
            streams.out.write(line + "\n")
        streams.out.flush()

    with _quiet_executor():
        report = run_demo(rules, fast=bool(args.fast), on_event=show)
    for line in render_summary(report, as_json=as_json):
        streams.out.write(line + "\n")
    streams.out.flush()
    if report.ok:
        return EXIT_OK
    for problem in report.problems:
        streams.err.write(f"{PROG} demo: error: {problem}\n")
    failed = sum(not scenario.ok for scenario in report.scenarios)
    streams.err.write(
        f"{PROG} demo: {_plural(failed, 'scenario')} of {len(report.scenarios)} did not end "
        f"as scripted with rules {rules.name} {rules.revision}\n"
    )
    return EXIT_FINDINGS
