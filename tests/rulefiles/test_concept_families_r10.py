"""builtin:default's round-10 families on the retry side, from both sides, in the whole set.

The families written from round 10's training part for the retry categories
(rules/default/retry-r10.yaml, and additions to context, provider-states, rate-limits,
server, transport-text and tools): answers that do not decode, no tool call in the answer,
kinds of tools a route does not take, what tools need, a tool choice run together, a forced
function the tools lack, an assistant turn without content, answers missing their choices,
a moderation endpoint throttled, a provider's own response invalid, a provider's typed
network failure, more context overflows, a context that does not fit the server's memory,
throttling on the provider's side under a 5xx, more transport wordings, apologies and
crashes. Each family must catch wordings the training records did not use and leave alone
the near misses that belong to another family; every case here differs from the corpus
records it was written from.
"""

# The tables keep one error text per line, as the earlier rounds' tables do (pyproject
# lets those files run long; this one says so itself).
# ruff: noqa: E501

from __future__ import annotations

from typing import Any

import pytest
from helpers.family_cases import decide

# (failure, the category builtin:default must decide): what each family must catch.
CATCHES = [
    pytest.param({"message": "The structured output could not be parsed: unexpected token"}, "format_mismatch", id="structured-output-not-parsed"),
    pytest.param({"message": "The answer does not contain a valid JSON object"}, "format_mismatch", id="answer-holds-no-json"),
    pytest.param({"message": "Could not decode the function call arguments"}, "format_mismatch", id="arguments-not-decoded"),
    pytest.param({"message": "unexpected block type in model response"}, "format_mismatch", id="unknown-block-type"),
    pytest.param({"message": "模型输出不是合法的JSON"}, "format_mismatch", id="zh-output-not-json"),
    pytest.param({"message": "No function calls were returned by the LLM"}, "format_mismatch", id="no-function-call-by-model"),
    pytest.param({"status": 400, "body": "This endpoint does not support hosted tools"}, "tool_schema_error", id="kind-of-tools-unsupported"),
    pytest.param({"status": 400, "body": "Each function must have at least one property"}, "tool_schema_error", id="what-tools-need"),
    pytest.param({"message": "Model X requires a description for every parameter when using function calling"}, "tool_schema_error", id="requirement-when-using-tools"),
    pytest.param({"message": "toolChoice 'required' is not supported by this provider"}, "tool_schema_error", id="tool-choice-camel-case"),
    pytest.param({"status": 400, "body": "The named function 'search' is not defined in the provided functions"}, "tool_schema_error", id="forced-function-absent"),
    pytest.param({"message": "Generation failed: candidates array is empty"}, "empty_response", id="candidates-array-empty"),
    pytest.param({"message": "The backend returned no reply"}, "empty_response", id="returned-no-reply"),
    pytest.param({"message": "接口未返回任何结果"}, "empty_response", id="zh-nothing-returned"),
    pytest.param({"status": 429, "body": "moderations.create: Too Many Requests"}, "rate_limited", id="moderation-call-throttled"),
    pytest.param({"status": 502, "body": "1 validation error for ChatCompletionChunk\nchoices.0.finish_reason\n  Input should be 'stop', 'length' or 'content_filter'"}, "server_error", id="own-chunk-invalid"),
    pytest.param({"message": '{"error":{"type":"server_error","message":"upstream network error"}}'}, "server_error", id="typed-network-failure"),
    pytest.param({"message": "llama_decode: failed to find a free KV slot"}, "context_window_exceeded", id="no-free-kv-slot"),
    pytest.param({"status": 400, "body": "The prompt has more tokens than the configured batch size"}, "context_window_exceeded", id="more-tokens-than-batch"),
    pytest.param({"status": 400, "body": "The input text is longer than the maximum of 10000 characters"}, "context_window_exceeded", id="input-longer-than-limit"),
    pytest.param({"message": "This document is too long for the current model; pick a model with a larger context window"}, "context_window_exceeded", id="document-too-long-for-model"),
    pytest.param({"message": "InsufficientMemoryError: the model's context is too large for the available GPU memory"}, "server_error", id="context-too-large-for-memory"),
    pytest.param({"message": "failed to create KV cache for n_ctx = 131072"}, "server_error", id="kv-cache-at-load"),
    pytest.param({"status": 503, "body": "Requests are throttled because of the service's capacity. Please retry."}, "server_error", id="503-throttled-by-capacity"),
    pytest.param({"message": "Could not resolve host: api.groq.com"}, "network_error", id="host-not-resolved"),
    pytest.param({"message": "stream error: HTTP/2 protocol error"}, "network_error", id="http2-protocol-error"),
    pytest.param({"message": "The response stream was truncated"}, "network_error", id="stream-truncated"),
    pytest.param({"message": "Sorry, something went wrong on our side while generating. Please try again."}, "server_error", id="apology-with-retry"),
    pytest.param({"message": "panic: runtime error: index out of range [3] with length 3"}, "server_error", id="go-panic"),
]

# (failure, the category builtin:default must decide): near misses that belong elsewhere.
NEAR_MISSES = [
    pytest.param({"status": 400, "body": "Failed to parse the request body as JSON"}, "client_error", id="request-body-not-json"),
    pytest.param({"status": 400, "body": "The uploaded file could not be decoded"}, "client_error", id="file-not-decoded"),
    pytest.param({"status": 429, "body": "Input flagged by the moderation endpoint: violence"}, "content_filtered", id="moderation-verdict-under-429"),
    pytest.param({"status": 503, "body": "Throttled: rate limit of 100 requests per minute exceeded"}, "rate_limited", id="5xx-naming-the-callers-rate"),
    pytest.param({"status": 429, "body": "The model is getting throttled, try again"}, "rate_limited", id="provider-throttled-under-429"),
    pytest.param({"message": "Cannot allocate KV cache for 9000 tokens, max = 4096"}, "context_window_exceeded", id="kv-cache-for-request-tokens"),
    pytest.param({"status": 400, "body": "The image is larger than the maximum allowed size"}, "client_error", id="image-over-size"),
    pytest.param({"status": 400, "body": "Assistant message must contain either 'content' or 'tool_calls'"}, "client_error", id="assistant-turn-without-content"),
    pytest.param({"message": "Sorry, your request was rate-limited. Please wait and try again."}, "rate_limited", id="apology-for-a-rate-limit"),
]


# (failure, a rule that must not decide it): gate words without the rule's concept.
LEAVES = [
    pytest.param({"message": "Cancellation failed: no active response"}, "default.server.empty-response", id="nothing-to-cancel"),
    pytest.param({"message": "The transport layer security configuration is invalid"}, "default.transport.more-wordings-r10", id="tls-setting-is-no-failure"),
    pytest.param({"message": "1 validation error for ChatCompletionResponse\nchoices\n  Field required"}, "default.server.own-response-invalid", id="untyped-response-validation"),
    pytest.param({"status": 400, "body": "Tool result not found in previous tool calls"}, "default.tools.named-function-absent", id="history-tool-absent"),
]


@pytest.mark.parametrize(("failure", "category"), CATCHES)
def test_round10_retry_family_catches_its_concept(
    default: Any, failure: dict[str, Any], category: str
) -> None:
    """Each round-10 retry-side family decides its concept in wordings its records did not use."""
    assert decide(default, failure).category == category


@pytest.mark.parametrize(("failure", "category"), NEAR_MISSES)
def test_round10_retry_family_leaves_near_misses_to_another(
    default: Any, failure: dict[str, Any], category: str
) -> None:
    """A near miss of a round-10 retry-side family is decided by the family it belongs to."""
    assert decide(default, failure).category == category


@pytest.mark.parametrize(("failure", "rule"), LEAVES)
def test_round10_retry_rule_does_not_decide_a_lookalike(
    default: Any, failure: dict[str, Any], rule: str
) -> None:
    """A text with a round-10 rule's gate words but not its concept is not decided by it."""
    assert decide(default, failure).rule_id != rule
