"""Issue 16, item 7: model fallbacks of fallbacks, bounded, cycles refused at construction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from helpers.executor_rig import Rig, rig_fixture

from reliable_rules import ChatRequest, Message, ReliableExecutor
from reliable_rules.errors import ModelFallbackError, ReliableRulesError
from reliable_rules.executor.aliases import expand_fallbacks
from reliable_rules.testing import FakeTiming, Reply


@pytest.mark.parametrize(
    ("fallbacks", "model", "chain"),
    [
        ({"big": ["medium"], "medium": ["small"]}, "big", ("big", "medium", "small")),
        ({"a": ["b"], "b": ["c"], "c": ["d"]}, "a", ("a", "b", "c", "d")),
        ({"a": ["b", "c"], "b": ["b1"], "c": ["c1"]}, "a", ("a", "b", "b1", "c", "c1")),
        ({"a": ["b", "c"], "b": ["d"], "c": ["d"]}, "a", ("a", "b", "d", "c")),
        ({"a": ["b"], "b": ["c"]}, "b", ("b", "c")),
        ({"a": ["b"]}, "other", ("other",)),
    ],
)
def test_model_chain_follows_fallbacks_of_fallbacks(
    fallbacks: Mapping[str, Sequence[str]], model: str, chain: tuple[str, ...]
) -> None:
    """Each fallback is followed by its own chain, depth first; every model appears once."""
    executor = ReliableExecutor([], model_fallbacks=fallbacks, timing=FakeTiming())
    assert executor.model_chain(model) == chain


@pytest.mark.parametrize(
    ("fallbacks", "shown"),
    [
        ({"a": ["a"]}, "a -> a"),
        ({"a": ["b"], "b": ["a"]}, "a -> b -> a"),
        ({"a": ["b"], "b": ["c"], "c": ["b"]}, "a -> b -> c -> b"),
        ({"x": ["y"], "a": ["b", "c"], "c": ["a"]}, "a -> c -> a"),
    ],
)
def test_a_cycle_is_refused_when_the_executor_is_built(
    fallbacks: Mapping[str, Sequence[str]], shown: str
) -> None:
    """A model that falls back to itself, directly or not, raises ModelFallbackError (a
    ReliableRulesError and a ValueError) naming the cycle."""
    with pytest.raises(ModelFallbackError, match="cycle") as caught:
        ReliableExecutor([], model_fallbacks=fallbacks)
    assert shown in str(caught.value)
    assert isinstance(caught.value, ReliableRulesError)
    assert isinstance(caught.value, ValueError)
    assert " -> ".join(caught.value.chain) == shown


def test_a_chain_deeper_than_three_is_refused() -> None:
    """a → b → c → d is depth 3 and accepted; one more level is refused with the path."""
    three = {"a": ["b"], "b": ["c"], "c": ["d"]}
    assert expand_fallbacks(three)["a"] == ("b", "c", "d")
    with pytest.raises(ModelFallbackError, match="deeper than 3") as caught:
        ReliableExecutor([], model_fallbacks={**three, "d": ["e"]})
    assert caught.value.chain == ("a", "b", "c", "d", "e")


rig = rig_fixture(api_key="sk-test-aliases-0000", timeout=10.0)


def test_a_call_walks_the_alias_chain_over_http(rig: Rig) -> None:
    """big and medium are not found on the server; the call ends on small, the fallback of
    big's fallback, and the trail names each model once."""
    server = rig.server("a")
    missing = Reply.openai_error(404, "The model does not exist", code="model_not_found")
    server.script(missing, model="big")
    server.script(missing, model="medium")
    executor = rig.executor(
        [("a", rig.openai(server))], model_fallbacks={"big": ["medium"], "medium": ["small"]}
    )
    outcome = executor.execute(ChatRequest([Message.user("hi")]), "big")
    assert (outcome.model, outcome.response.text) == ("small", "ok from a")
    assert [request.json["model"] for request in server.requests] == ["big", "medium", "small"]
    assert outcome.fallback is not None
    assert outcome.fallback.requested_model == "big"
