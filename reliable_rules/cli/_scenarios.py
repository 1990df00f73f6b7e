"""``reliable-rules demo``: the executor against scripted fake providers, attempt by attempt.

:func:`run_demo` starts three :class:`~reliable_rules.testing.FakeProviderServer` instances on
``127.0.0.1`` — ``openai`` and ``zai`` (OpenAI-compatible) and ``anthropic`` (Messages API) —
and runs a :class:`~reliable_rules.executor.loops.ReliableExecutor` through short scenarios, each
scripted with real provider failures: a 429 with ``Retry-After`` and key rotation, repeated
5xx, a llama.cpp context overflow, a 401, a Z.AI quota 429, and a total failure. Every attempt
is collected with ``Hooks(on_attempt=...)`` (never by parsing logs) and every scenario checks
that it ended as scripted, so the demo doubles as a smoke test of a rule set: rules that make
a scenario end differently make :attr:`DemoReport.ok` false.

Nothing leaves the machine and no real keys are needed: the keys are demo strings, and only
their hints (``...0001``) are ever rendered. With ``fast=True`` waits use virtual time
(:class:`~reliable_rules.testing.FakeTiming`), so nothing really sleeps.

The renderers return lines; printing is the caller's business (the CLI's).
"""

from __future__ import annotations

import json
import textwrap
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests

from reliable_rules.chat import ChatRequest, Message
from reliable_rules.cli._demo_results import (
    DemoAttempt,
    DemoEvent,
    DemoReport,
    DemoServer,
    DemoStart,
    Fact,
    ScenarioResult,
)
from reliable_rules.errors import ExecutionError
from reliable_rules.executor.loops import ReliableExecutor
from reliable_rules.executor.records import (
    AttemptRecord,
    FallbackInfo,
    Hooks,
    Outcome,
    key_hint,
)
from reliable_rules.executor.timing import Timing
from reliable_rules.providers import Anthropic, OpenAICompatible
from reliable_rules.ruleset.loader import load_rules
from reliable_rules.ruleset.model import RuleSet
from reliable_rules.testing import FakeProviderServer, FakeTiming, Reply

__all__ = [
    "DEMO_KEYS",
    "DemoAttempt",
    "DemoEvent",
    "DemoReport",
    "DemoServer",
    "DemoStart",
    "Fact",
    "ScenarioResult",
    "render_event",
    "render_report",
    "render_summary",
    "run_demo",
]

#: The API keys the executor rotates through for ``openai`` (demo strings, not secrets; only
#: their hints are ever shown).
DEMO_KEYS: tuple[str, ...] = ("sk-demo-key-one-0001", "sk-demo-key-two-0002")
#: The keys the adapters hold themselves (used when the executor has no keys for them).
_OWN_KEYS: Mapping[str, str] = {
    "openai": "sk-demo-own-openai-0000",
    "zai": "sk-demo-own-zai-00000000",
    "anthropic": "sk-demo-own-anthropic-0000",
}
_API_SHAPES: Mapping[str, str] = {
    "openai": "OpenAI-compatible",
    "zai": "OpenAI-compatible",
    "anthropic": "Anthropic Messages",
}
#: The demo's executor settings: one retry per (provider, model) pair, a short backoff
#: (the policy floor is 50 ms) so the real-time demo stays well under four seconds.
MAX_RETRIES = 1
BASE_BACKOFF_MS = 100
_HTTP_TIMEOUT_S = 5.0

_QUESTION = "What is the capital of France?"
#: Z.AI's answer when the balance or resource package is used up ("insufficient balance or no
#: resource package available, please recharge"), sent as raw UTF-8 JSON as Z.AI does.
_ZAI_QUOTA_MESSAGE = "余额不足或无可用资源包,请充值。"
_ZAI_QUOTA_BODY = json.dumps(
    {"error": {"code": "1113", "message": _ZAI_QUOTA_MESSAGE}}, ensure_ascii=False
)
# llama.cpp's server answers a context overflow with HTTP 500 (ggml-org/llama.cpp#15780):
# a 5xx that must not be retried unchanged.
_LLAMA_CPP_OVERFLOW = {
    "error": {
        "code": 500,
        "message": (
            "request (8968 tokens) exceeds the available context size (8448 tokens), "
            "try increasing it"
        ),
        "type": "exceed_context_size_error",
        "n_prompt_tokens": 8968,
        "n_ctx": 8448,
    }
}



# ── running ─────────────────────────────────────────────────────────────────────────────


@dataclass(slots=True)
class _Lab:
    """The servers and adapters shared by the scenarios, and the rules and timing in use."""

    rules: RuleSet
    timing: Timing | None
    servers: dict[str, FakeProviderServer]
    adapters: dict[str, Any]
    sessions: list[requests.Session] = field(default_factory=list)

    def reset(self) -> None:
        for server in self.servers.values():
            server.clear()

    def providers(self, *names: str) -> list[tuple[str, Any]]:
        return [(name, self.adapters[name]) for name in names]


@dataclass(frozen=True, slots=True)
class _Run:
    """What one executor call produced: the outcome or the error, and every attempt."""

    outcome: Outcome[Any] | None
    error: ExecutionError | None
    attempts: tuple[DemoAttempt, ...]


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # loopback only: never route through a proxy from the environment
    return session


def run_demo(
    rules: RuleSet | str | None = None,
    *,
    fast: bool = False,
    on_event: Callable[[DemoEvent], None] | None = None,
) -> DemoReport:
    """Run every scenario and return the report.

    Args:
        rules: the rule set (or a path, or ``builtin:NAME``); ``builtin:default`` when None.
        fast: virtual time: waits are recorded but nothing sleeps.
        on_event: called with the :class:`DemoStart` and then each :class:`ScenarioResult`
            as soon as it is known (to show progress).
    """
    ruleset = rules if isinstance(rules, RuleSet) else load_rules(rules or "builtin:default")
    fake = FakeTiming() if fast else None
    began = time.monotonic()
    servers = {name: FakeProviderServer(name=name) for name in _API_SHAPES}
    lab = _Lab(ruleset, fake, servers, {})
    try:
        for server in servers.values():
            server.start()
        for name, server in servers.items():
            session = _session()
            lab.sessions.append(session)
            if name == "anthropic":
                lab.adapters[name] = Anthropic(
                    server.anthropic_base_url, _OWN_KEYS[name], session=session,
                    timeout=_HTTP_TIMEOUT_S, name=name,
                )
            else:
                lab.adapters[name] = OpenAICompatible(
                    server.openai_base_url, _OWN_KEYS[name], session=session,
                    timeout=_HTTP_TIMEOUT_S, name=name,
                )
        start = DemoStart(
            ruleset.name,
            ruleset.revision,
            tuple(DemoServer(name, _API_SHAPES[name], s.url) for name, s in servers.items()),
            fast,
        )
        if on_event is not None:
            on_event(start)
        results: list[ScenarioResult] = []
        for scenario in _SCENARIOS:
            lab.reset()
            result = scenario(lab)
            results.append(result)
            if on_event is not None:
                on_event(result)
    finally:
        for server in servers.values():
            server.close()
        for session in lab.sessions:
            session.close()
    waited = (
        sum(fake.slept_ms)
        if fake is not None
        else sum(a.wait_ms for result in results for a in result.attempts if a.action == "retry")
    )
    return DemoReport(start, tuple(results), time.monotonic() - began, waited)


def _call(
    lab: _Lab,
    number: int,
    providers: Sequence[tuple[str, Any]],
    request: ChatRequest,
    model: str,
    **options: Any,
) -> _Run:
    records: list[AttemptRecord] = []
    with ReliableExecutor(
        providers,
        rules=lab.rules,
        max_retries=MAX_RETRIES,
        base_backoff_ms=BASE_BACKOFF_MS,
        hooks=Hooks(on_attempt=records.append),
        timing=lab.timing,
        **options,
    ) as executor:
        outcome: Outcome[Any] | None = None
        error: ExecutionError | None = None
        try:
            outcome = executor.execute(request, model)
        except ExecutionError as failed:
            error = failed
    return _Run(outcome, error, tuple(DemoAttempt.from_record(number, r) for r in records))


def _result(
    lab: _Lab,
    number: int,
    title: str,
    setup: str,
    run: _Run,
    *,
    trail: Sequence[tuple[str, str]],
    answered_by: str | None,
    facts: Iterable[Fact] = (),
    problems: Iterable[str] = (),
) -> ScenarioResult:
    """The scenario's result, checking the expectations: the (provider, action) of every
    attempt and who answered (None: no one should); when those hold, the scenario's own
    ``problems`` and that every scripted reply was used."""
    found = []
    actual = [(a.provider, a.action) for a in run.attempts]
    if actual != list(trail):
        found.append(f"expected attempts {_pairs(trail)}, got {_pairs(actual)}")
    outcome = run.outcome
    if answered_by is None and outcome is not None:
        found.append(f"expected every provider to fail, but {outcome.provider} answered")
    elif answered_by is not None and (outcome is None or outcome.provider != answered_by):
        got = "an error" if outcome is None else f"an answer from {outcome.provider}"
        found.append(f"expected an answer from {answered_by}, got {got}")
    if not found:  # the checks below only make sense when the scenario went as scripted
        found += problems
        left = {name: server.pending for name, server in lab.servers.items() if server.pending}
        if left:
            unused = ", ".join(f"{name}: {count}" for name, count in left.items())
            found.append(f"scripted replies were not all used ({unused})")
    response = None if outcome is None else outcome.response
    return ScenarioResult(
        number=number,
        title=title,
        setup=setup,
        attempts=run.attempts,
        answer=None if response is None else response.text,
        provider=None if outcome is None else outcome.provider,
        model=None if outcome is None else outcome.model,
        fallback=None if outcome is None else outcome.fallback,
        error=None if run.error is None else str(run.error),
        facts=tuple(facts),
        problems=tuple(found),
    )


def _pairs(pairs: Iterable[tuple[str, str]]) -> str:
    return "[" + ", ".join(f"{provider}:{action}" for provider, action in pairs) + "]"


def _ask() -> ChatRequest:
    return ChatRequest([Message.user(_QUESTION)])


def _hints(server: FakeProviderServer) -> list[str]:
    return [key_hint(request.api_key) or "-" for request in server.requests]


# ── scenarios ───────────────────────────────────────────────────────────────────────────


def _rate_limit_then_success(lab: _Lab) -> ScenarioResult:
    openai = lab.servers["openai"]
    openai.script(
        Reply.openai_error(
            429,
            "Rate limit reached for gpt-4o on requests per min (RPM): Limit 3, Used 3.",
            code="rate_limit_exceeded",
            headers={"Retry-After": "1"},
        ),
        Reply.ok("The capital of France is Paris."),
    )
    run = _call(
        lab, 1, lab.providers("openai", "zai", "anthropic"), _ask(), "gpt-4o",
        api_keys={"openai": DEMO_KEYS},
    )
    hints = _hints(openai)
    expected = [key_hint(key) or "" for key in DEMO_KEYS]
    problems = []
    if hints != expected:
        problems.append(f"expected keys[0] then the rotated keys[1] ({expected}), saw {hints}")
    return _result(
        lab, 1,
        "Rate limit with Retry-After, then success on the same provider with the next key",
        "openai answers 429 with 'Retry-After: 1', then 200; the first request carries the "
        "first of the executor's 2 demo keys for openai, the retry the next.",
        run,
        trail=[("openai", "retry"), ("openai", "success")],
        answered_by="openai",
        facts=[
            Fact(
                "server_key_hints",
                "API keys the openai server saw (keys[0], then rotated)",
                " -> ".join(hints),
                hints,
            )
        ],
        problems=problems,
    )


def _server_errors_then_fallback(lab: _Lab) -> ScenarioResult:
    lab.servers["openai"].script(
        Reply.openai_error(500, "The server had an error while processing your request."),
        Reply.openai_error(500, "The server had an error while processing your request."),
    )
    lab.servers["zai"].script(Reply.ok("Paris."))
    run = _call(lab, 2, lab.providers("openai", "zai", "anthropic"), _ask(), "gpt-4o")
    return _result(
        lab, 2,
        "Server errors twice, then the next provider",
        f"openai answers 500 twice (max_retries={MAX_RETRIES}); zai answers.",
        run,
        trail=[("openai", "retry"), ("openai", "give_up"), ("zai", "success")],
        answered_by="zai",
    )


def _history() -> list[Message]:
    messages = [Message.system("You are a concise geography tutor.")]
    for turn in range(1, 5):
        messages.append(Message.user(f"question {turn}"))
        messages.append(Message.assistant(f"answer {turn}"))
    messages.append(Message.user("question 5"))
    return messages


def _labels(messages: Iterable[Message]) -> str:
    return ", ".join("system" if m.role == "system" else m.content for m in messages)


def _context_overflow(lab: _Lab) -> ScenarioResult:
    openai = lab.servers["openai"]
    openai.script(Reply.error(500, _LLAMA_CPP_OVERFLOW), Reply.ok("Lyon is second."))
    history = _history()
    run = _call(lab, 3, lab.providers("openai", "zai"), ChatRequest(history), "gpt-4o")
    sent = [len(request.json.get("messages", ())) for request in openai.requests]
    kept = run.outcome.request.messages if run.outcome and run.outcome.request else ()
    problems = []
    if run.outcome is not None and not run.outcome.history_truncated:
        problems.append("expected the answer to need a truncated history")
    if len(sent) == 2 and sent[1] >= sent[0]:
        problems.append(f"expected fewer messages after truncation, server saw {sent}")
    return _result(
        lab, 3,
        "Context window exceeded on a long history: truncate and retry",
        "openai answers HTTP 500 with llama.cpp's exceed_context_size_error body; a 5xx, "
        "but the executor drops the oldest half of the history and asks again.",
        run,
        trail=[("openai", "truncate_history"), ("openai", "success")],
        answered_by="openai",
        facts=[
            Fact(
                "messages_before", f"messages before ({len(history)})", _labels(history),
                len(history),
            ),
            Fact("messages_after", f"messages after ({len(kept)})", _labels(kept), len(kept)),
            Fact(
                "server_message_counts", "messages the openai server received",
                " -> ".join(map(str, sent)), sent,
            ),
        ],
        problems=problems,
    )


def _auth_failure(lab: _Lab) -> ScenarioResult:
    lab.servers["openai"].script(
        Reply.openai_error(
            401,
            "Incorrect API key provided. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            code="invalid_api_key",
        )
    )
    lab.servers["anthropic"].script(Reply.ok("Paris."))
    run = _call(lab, 4, lab.providers("openai", "anthropic"), _ask(), "gpt-4o")
    return _result(
        lab, 4,
        "Invalid API key: the next provider after one call",
        "openai answers 401; retrying cannot help, so anthropic is asked at once.",
        run,
        trail=[("openai", "next_provider"), ("anthropic", "success")],
        answered_by="anthropic",
    )


def _zai_quota(lab: _Lab) -> ScenarioResult:
    lab.servers["zai"].script(
        Reply.error(
            429, _ZAI_QUOTA_BODY, headers={"Content-Type": "application/json; charset=utf-8"}
        )
    )
    lab.servers["anthropic"].script(Reply.ok("Paris."))
    run = _call(lab, 5, lab.providers("zai", "anthropic"), _ask(), "glm-4.6")
    problems = []
    first = run.attempts[0] if run.attempts else None
    if first is not None and first.reason != "rate_limited_non_retryable":
        problems.append(f"expected reason rate_limited_non_retryable, got {first.reason}")
    return _result(
        lab, 5,
        "Z.AI quota exhausted (code 1113): no retry, the next provider",
        "zai answers 429 with business code 1113 (insufficient balance); waiting cannot fix "
        "that, so anthropic is asked at once.",
        run,
        trail=[("zai", "next_provider"), ("anthropic", "success")],
        answered_by="anthropic",
        facts=[Fact("provider_message", "zai said", _ZAI_QUOTA_MESSAGE, _ZAI_QUOTA_MESSAGE)],
        problems=problems,
    )


def _everything_fails(lab: _Lab) -> ScenarioResult:
    lab.servers["openai"].script(
        Reply.disconnect(), Reply.openai_error(503, "The engine is currently overloaded.")
    )
    lab.servers["zai"].script(
        Reply.openai_error(401, "Authentication failed: the token has expired.", code="1001")
    )
    lab.servers["anthropic"].script(
        Reply.anthropic_error(529, "overloaded_error", "Overloaded"),
        Reply.anthropic_error(529, "overloaded_error", "Overloaded"),
    )
    run = _call(lab, 6, lab.providers("openai", "zai", "anthropic"), _ask(), "gpt-4o")
    problems = []
    if run.error is not None and "All providers/models failed. Attempts:" not in str(run.error):
        problems.append("expected the aggregated 'All providers/models failed' error")
    return _result(
        lab, 6,
        "Everything fails: the aggregated error",
        "openai drops the connection, then answers 503; zai answers 401; anthropic answers "
        "529 overloaded twice.",
        run,
        trail=[
            ("openai", "retry"), ("openai", "give_up"), ("zai", "next_provider"),
            ("anthropic", "retry"), ("anthropic", "give_up"),
        ],
        answered_by=None,
        problems=problems,
    )


def _long_wait_moves_on(lab: _Lab) -> ScenarioResult:
    openai = lab.servers["openai"]
    openai.script(
        Reply.openai_error(
            429,
            "Rate limit reached for gpt-4o on tokens per min (TPM): Limit 30000, Used 30000. "
            "Please try again in 20s.",
            code="rate_limit_exceeded",
            headers={"Retry-After": "20"},
        )
    )
    run = _call(lab, 7, lab.providers("openai", "zai"), _ask(), "gpt-4o")
    records = run.outcome.attempts if run.outcome is not None else ()
    first = records[0].decision if records else None
    asked_ms = None if first is None else first.retry_after_ms
    slept_ms = sum(a.wait_ms for a in run.attempts if a.action == "retry")
    # Rules that read the Retry-After header let the call move on at once; rules that do not
    # (builtin:seed reads only the message) retry openai after the backoff, as the seed does.
    trail = (
        [("openai", "cool_down"), ("zai", "success")]
        if asked_ms
        else [("openai", "retry"), ("openai", "success")]
    )
    return _result(
        lab, 7,
        "A long Retry-After while another provider can answer: no sleep, the next provider",
        "openai answers 429 with 'Retry-After: 20'; zai is not rate limited, so the call moves "
        "on at once and openai cools down (it would be tried again, after its wait, only if "
        "nothing else answered). Rules that ignore the header (builtin:seed) retry openai "
        "after the backoff instead.",
        run,
        trail=trail,
        answered_by="zai" if asked_ms else "openai",
        facts=[
            Fact(
                "asked_wait_ms", "openai asked to wait",
                "-" if asked_ms is None else f"{asked_ms} ms", asked_ms,
            ),
            Fact("slept_ms", "the call slept", f"{slept_ms} ms", slept_ms),
        ],
    )


def _reasoning_only(tokens: int) -> dict[str, Any]:
    """A 200 whose message has only reasoning content (no text, no tool call), billed."""
    return {
        "id": "chatcmpl-demo-empty",
        "object": "chat.completion",
        "model": "glm-4.6",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "", "reasoning_content": "Hmm…"},
                "finish_reason": "length",
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": tokens},
    }


def _empty_answer(lab: _Lab) -> ScenarioResult:
    lab.servers["zai"].script(*[Reply.error(200, _reasoning_only(256))] * 2)
    lab.servers["anthropic"].script(Reply.ok("Paris."))
    run = _call(lab, 8, lab.providers("zai", "anthropic"), _ask(), "glm-4.6")
    usage = run.outcome.usage if run.outcome is not None else None
    billed = (
        "-" if usage is None
        else f"{usage.input_tokens} in, {usage.output_tokens} out (the empty answers included)"
    )
    problems = []
    if usage is not None and (usage.output_tokens or 0) < 512:
        problems.append(f"expected the 2 x 256 tokens of the empty answers counted, got {usage}")
    return _result(
        lab, 8,
        "An empty answer (reasoning only): a failure, retried, then the next provider",
        "zai answers 200 twice with only reasoning content and no text; that is no answer "
        "(empty_response), so it is retried and then anthropic is asked.",
        run,
        trail=[("zai", "retry"), ("zai", "give_up"), ("anthropic", "success")],
        answered_by="anthropic",
        facts=[
            Fact(
                "billed_tokens", "tokens billed for the call", billed,
                None if usage is None else [usage.input_tokens, usage.output_tokens],
            )
        ],
        problems=problems,
    )


_WEATHER_TOOL = {
    "name": "get_weather",
    "description": "The current weather in a city.",
    "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
    },
}


def _prompt_guided_tools(lab: _Lab) -> ScenarioResult:
    openai = lab.servers["openai"]
    openai.script(
        Reply.openai_error(
            400,
            "tool call validation failed: attempted to call tool 'get_weather' which was not "
            "in request",
            code="tool_use_failed",
        ),
        Reply.ok(
            "Let me check.\n<tool_call>\n"
            '{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'
        ),
    )
    request = ChatRequest([Message.user("What is the weather in Paris?")], tools=[_WEATHER_TOOL])
    run = _call(lab, 9, lab.providers("openai", "zai"), request, "llama-3.3-70b-versatile")
    response = run.outcome.response if run.outcome is not None else None
    calls = [] if response is None else [f"{c.name} {c.arguments}" for c in response.tool_calls]
    native = ["tools" in recorded.json for recorded in openai.requests]
    problems = []
    if calls != ['get_weather {"city": "Paris"}']:
        problems.append(f"expected one get_weather call read from the text, got {calls}")
    if native != [True, False]:
        problems.append(f"expected native tools, then none in the request body, saw {native}")
    return _result(
        lab, 9,
        "Tools rejected: the tools described in the prompt, the call read from the text",
        "openai (answering as Groq does) rejects the native tools with 400 'tool call "
        "validation failed'; the executor asks again at once with the tools described in the "
        "system prompt and reads the <tool_call> block of the answer as a tool call.",
        run,
        trail=[("openai", "prompt_tools"), ("openai", "success")],
        answered_by="openai",
        facts=[
            Fact("tool_calls", "tool calls returned", "; ".join(calls) or "-", calls),
            Fact(
                "native_tools", "request body had a tools field",
                " -> ".join("yes" if flag else "no" for flag in native), native,
            ),
        ],
        problems=problems,
    )


_SCENARIOS: tuple[Callable[[_Lab], ScenarioResult], ...] = (
    _rate_limit_then_success,
    _server_errors_then_fallback,
    _context_overflow,
    _auth_failure,
    _zai_quota,
    _everything_fails,
    _long_wait_moves_on,
    _empty_answer,
    _prompt_guided_tools,
)


# ── rendering ───────────────────────────────────────────────────────────────────────────

_COLUMNS = ("provider", "model", "attempt", "status", "category", "rule", "action", "wait", "key")


def _cells(attempt: DemoAttempt) -> tuple[str, ...]:
    return (
        attempt.provider,
        attempt.model,
        f"{attempt.attempt}/{attempt.max_attempts}",
        "-" if attempt.status is None else str(attempt.status),
        attempt.category or "-",
        attempt.rule or "-",
        attempt.action,
        f"{attempt.wait_ms} ms" if attempt.action in ("retry", "cool_down") else "-",
        attempt.key_hint or "-",
    )


def _table(rows: Sequence[tuple[str, ...]], indent: str) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        indent + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def _fallback_text(info: FallbackInfo | None) -> str:
    if info is None:
        return "none (the first attempt answered)"
    flags = f"history truncated: {'yes' if info.history_truncated else 'no'}"
    if info.format_switched:
        flags += ", format switched: yes"
    return (
        f"{info.requested_provider}/{info.requested_model} -> "
        f"{info.actual_provider}/{info.actual_model} ({info.attempts} attempts, {flags})"
    )


def _text(event: DemoEvent) -> list[str]:
    if isinstance(event, DemoStart):
        lines = [
            f"reliable-rules demo: rules {event.ruleset} {event.revision}, "
            f"max_retries={MAX_RETRIES}, base_backoff_ms={BASE_BACKOFF_MS}"
            + (", virtual time (--fast)" if event.fast else ""),
            "fake providers on loopback (no network, no real keys):",
        ]
        lines += [f"  {s.name:<10} {s.api:<18} {s.url}" for s in event.servers]
        return lines
    lines = ["", f"{event.number}. {event.title}"]
    lines += textwrap.wrap(event.setup, width=96, initial_indent="   ", subsequent_indent="   ")
    if event.attempts:
        lines += _table([_COLUMNS, *(_cells(attempt) for attempt in event.attempts)], "   ")
    if event.answer is not None or event.provider is not None:
        lines.append(f"   answer:   {event.answer!r} from {event.provider}/{event.model}")
        lines.append(f"   fallback: {_fallback_text(event.fallback)}")
    if event.error is not None:
        lines.append("   error:")
        lines += [f"     {line}" for line in event.error.splitlines()]
    lines += [f"   {fact.label}: {fact.text}" for fact in event.facts]
    verdict = "ok: ended as scripted" if event.ok else "NOT AS SCRIPTED"
    lines.append(f"   -> {verdict}")
    lines += [f"      - {problem}" for problem in event.problems]
    return lines


def render_event(event: DemoEvent, *, as_json: bool = False) -> list[str]:
    """The lines showing one event: text, or JSON objects (one per attempt, then one for the
    scenario; one for the start)."""
    if not as_json:
        return _text(event)
    if isinstance(event, DemoStart):
        return [
            json.dumps(
                {
                    "event": "start",
                    "ruleset": event.ruleset,
                    "revision": event.revision,
                    "fast": event.fast,
                    "max_retries": MAX_RETRIES,
                    "base_backoff_ms": BASE_BACKOFF_MS,
                    "servers": [
                        {"name": s.name, "api": s.api, "url": s.url} for s in event.servers
                    ],
                },
                ensure_ascii=False,
            )
        ]
    lines = [json.dumps(attempt.as_dict(), ensure_ascii=False) for attempt in event.attempts]
    lines.append(json.dumps(event.as_dict(), ensure_ascii=False))
    return lines


def render_summary(report: DemoReport, *, as_json: bool = False) -> list[str]:
    """The closing line(s): how many scenarios ended as scripted, wall time and waits."""
    if as_json:
        return [json.dumps(report.as_dict(), ensure_ascii=False)]
    scripted = sum(scenario.ok for scenario in report.scenarios)
    kind = "virtual" if report.start.fast else "real"
    return [
        "",
        f"{scripted}/{len(report.scenarios)} scenarios ended as scripted in "
        f"{report.elapsed_s:.2f} s (waits: {report.waited_ms / 1000:.2f} s {kind})",
    ]


def render_report(report: DemoReport, *, as_json: bool = False) -> list[str]:
    """Every line of the demo: the start, each scenario, the summary."""
    lines = render_event(report.start, as_json=as_json)
    for scenario in report.scenarios:
        lines += render_event(scenario, as_json=as_json)
    return lines + render_summary(report, as_json=as_json)
