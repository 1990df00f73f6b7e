"""Rate budgets on streamed answers (``executor.stream_chat``), through executors sharing one
store (MemoryState and RedisState alike) over real HTTP to FakeProviderServer: a stream read
to its end corrects its token charge to the usage it reports, one that breaks or reports
none keeps its estimate, and the rate-limit headers of a stream's response are learned as it
opens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from helpers.executor_rig import Rig, rig_fixture
from helpers.state_stores import StoreFactory

from reliable_rules import ChatRequest, Message, RateBudget, ReliableExecutor, StreamEvent
from reliable_rules.executor.budgets import estimate_tokens
from reliable_rules.providers import OpenAICompatible
from reliable_rules.testing import FakeProviderServer, Reply

MODEL, OTHER = "test-model", "other-model"
BUDGET = RateBudget(tokens=1000, per_s=60.0)
#: Several words, so the default stream has several text events before its end.
TEXT = "one two three four five six"

rig = rig_fixture(api_key="sk-own-key-9999", timeout=5.0)


def ask() -> ChatRequest:
    """A request estimated at more than 500 tokens (its ``max_tokens``)."""
    return ChatRequest([Message.user("hi")], max_tokens=500)


def adapter(rig: Rig, kind: str, server: FakeProviderServer, *, usage: bool = True) -> object:
    """An adapter of ``kind`` on ``server``; OpenAI's asks for the stream's usage when
    ``usage`` (``stream_options.include_usage``), Anthropic's always gets it."""
    if kind == "anthropic":
        return rig.anthropic(server)
    made = OpenAICompatible(
        server.openai_base_url, api_key=rig.api_key, timeout=rig.timeout,
        include_stream_usage=usage,
    )
    rig.adapters.append(made)
    return made


def budgeted(rig: Rig, provider: object, stores: StoreFactory) -> ReliableExecutor:
    """An executor whose only provider, ``primary``, has :data:`BUDGET`."""
    return rig.executor([("primary", provider)], rate_budgets={"primary": BUDGET}, state=stores())


def room(stores: StoreFactory) -> int:
    """The tokens left in the primary's window, as another store sees it (found by taking
    and giving back: each probe is settled to 0)."""
    other = stores()
    low, high = 0, BUDGET.tokens or 0
    while low < high:
        middle = (low + high + 1) // 2
        wait_s, ticket = other.take("rate:primary", BUDGET, middle)
        if wait_s == 0.0:
            other.settle("rate:primary", ticket, 0)
            low = middle
        else:
            high = middle - 1
    return low


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_a_stream_read_to_its_end_is_charged_the_usage_it_reports(
    rig: Rig, stores: StoreFactory, kind: str
) -> None:
    """A stream estimated at more than 500 tokens that reports far fewer in its last event
    (OpenAI's usage chunk, Anthropic's message_start and message_delta counts) leaves exactly
    that many in the shared token window once read; before its end it holds its estimate."""
    server = rig.server("primary", default=Reply(text=TEXT))
    executor = budgeted(rig, adapter(rig, kind, server), stores)
    events = executor.stream_chat(ask(), MODEL)
    first = next(events)
    assert first.kind == "text"
    assert room(stores) == 1000 - estimate_tokens(ask())
    rest: list[StreamEvent] = list(events)
    usage = rest[-1].usage
    assert rest[-1].kind == "final"
    assert usage is not None
    assert usage.input_tokens
    assert usage.output_tokens
    used = usage.input_tokens + usage.output_tokens
    assert used < 500 < estimate_tokens(ask())
    assert room(stores) == 1000 - used


@pytest.mark.parametrize(
    ("kind", "how"),
    [
        ("openai", "breaks"),
        ("anthropic", "breaks"),
        ("openai", "closed early"),
        ("anthropic", "closed early"),
        ("openai", "no usage"),
    ],
)
def test_a_stream_that_reports_no_usage_keeps_its_estimate(
    rig: Rig, stores: StoreFactory, kind: str, how: str
) -> None:
    """A stream that breaks after its first events, one the caller closes early and one
    that reports no usage (OpenAI without ``include_usage``) leave their estimate charged."""
    reply = Reply(text=TEXT, sse_drop_after=4) if how == "breaks" else Reply(text=TEXT)
    server = rig.server("primary", default=reply)
    executor = budgeted(rig, adapter(rig, kind, server, usage=how != "no usage"), stores)
    events = executor.stream_chat(ask(), MODEL)
    assert next(events).kind == "text"
    if how == "breaks":
        with pytest.raises(Exception):  # noqa: B017, PT011 — whatever the broken read raises
            list(events)
    elif how == "closed early":
        events.close()
    else:
        assert list(events)[-1].usage is None
    assert room(stores) == 1000 - estimate_tokens(ask())
    assert len(server.requests) == 1


def spent_headers(kind: str) -> dict[str, str]:
    """Headers of ``kind``'s family saying requests are spent for 30 s."""
    if kind == "anthropic":
        reset = datetime.now(timezone.utc) + timedelta(seconds=30)
        return {
            "anthropic-ratelimit-requests-limit": "100",
            "anthropic-ratelimit-requests-remaining": "0",
            "anthropic-ratelimit-requests-reset": reset.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    return {
        "x-ratelimit-limit-requests": "100",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "30s",
    }


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_a_stream_s_rate_limit_headers_are_learned_when_it_opens(
    rig: Rig, stores: StoreFactory, kind: str
) -> None:
    """A stream whose response says requests are spent (reset in 30 s): before it is read
    any further, another executor on the store skips the primary for that model (cooldown
    on) and still streams from it for another model."""
    primary, backup = rig.server("primary"), rig.server("backup")
    primary.script(Reply(text=TEXT, headers=spent_headers(kind)))
    providers = [("primary", adapter(rig, kind, primary)), ("backup", adapter(rig, kind, backup))]
    first, second = (
        rig.executor(
            providers, cooldown=True, rate_budgets={"primary": RateBudget()}, state=stores()
        )
        for _ in range(2)
    )
    opened = first.stream_chat(ask(), MODEL)
    assert next(opened).kind == "text"  # open, not read any further
    assert "backup" in text(second.stream_chat(ask(), MODEL))
    assert "primary" in text(second.stream_chat(ask(), OTHER))
    opened.close()
    assert [request.model for request in primary.requests] == [MODEL, OTHER]


def text(events: Iterator[StreamEvent]) -> str:
    """The text of a stream read to its end."""
    return "".join(event.text for event in events)


class _OwnStream:
    """A stream of a provider of one's own: its headers are known only once it opened."""

    def __init__(self, headers: dict[str, str]) -> None:
        self._headers = headers
        self._events = iter([StreamEvent("text", text="own"), StreamEvent("final")])
        self.rate_limit_headers: dict[str, str] = {}

    def __iter__(self) -> _OwnStream:
        return self

    def __next__(self) -> StreamEvent:
        self.rate_limit_headers = self._headers
        return next(self._events)


class _OwnProvider:
    """Streams :class:`_OwnStream`\\ s saying requests are spent for 30 s."""

    supports_streaming = True

    def __init__(self) -> None:
        self.streams = 0

    def stream(self, request: ChatRequest, model: str, *, api_key: str | None = None) -> _OwnStream:
        self.streams += 1
        return _OwnStream(spent_headers("openai"))


def test_a_provider_of_one_s_own_hands_its_stream_s_headers_over(
    rig: Rig, stores: StoreFactory
) -> None:
    """A provider whose stream gets a ``rate_limit_headers`` mapping when it opens is learned
    from like the adapters: another executor skips it for that model."""
    own, backup = _OwnProvider(), rig.server("backup")
    providers = [("own", own), ("backup", adapter(rig, "openai", backup))]
    first, second = (
        rig.executor(providers, cooldown=True, rate_budgets={"own": RateBudget()}, state=stores())
        for _ in range(2)
    )
    assert text(first.stream_chat(ask(), MODEL)) == "own"
    assert "backup" in text(second.stream_chat(ask(), MODEL))
    assert own.streams == 1
