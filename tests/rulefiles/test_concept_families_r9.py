"""builtin:default's round-9 families on the retry side, from both sides, in the whole set.

The families written from round 9's training part for the retry categories
(rules/default/retry-r9.yaml, and additions to context, provider-states, server,
transport-text and tools): quotas that say to resubmit later or offer a raise on request,
Chinese and Japanese request limits, too many tasks at once, more context overflows, 424s
naming the failed model or dependency, servers that are gone, the server's own failures,
connections that could not be made or were cut, a connect wrapper around the server's answer,
tool definitions refused, answers that miss their structure, empty answers. Each family must
catch wordings the training records did not use and leave alone the near misses that belong
to another family; every case here differs from the corpus records it was written from.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers.family_cases import decide

# (failure, the category builtin:default must decide): what each family must catch.
CATCHES = [
    pytest.param({"status": 400, "body": "Your request exceeds the account quota. Please retry your request later."}, "rate_limited", id="quota-resubmit-later"),
    pytest.param({"message": "You have exceeded the request quota for this resource. Please retry after some time."}, "rate_limited", id="quota-retry-after-some-time"),
    pytest.param({"status": 429, "body": "Quota exceeded for this project. Please request a quota increase."}, "rate_limited", id="quota-raise-on-request"),
    pytest.param({"message": "请求超出配额限制，请稍后重试"}, "rate_limited", id="zh-quota-exceeded"),
    pytest.param({"message": "调用次数超过限制，请稍后再试"}, "rate_limited", id="zh-call-count-over-limit"),
    pytest.param({"status": 400, "body": '{"message":"并行任务过多"}'}, "rate_limited", id="zh-too-many-tasks"),
    pytest.param({"message": "同時に処理できるリクエスト数を超えました。しばらくしてから再度お試しください。"}, "rate_limited", id="ja-requests-over-limit"),
    pytest.param({"message": "请求包大小超过限制"}, "context_window_exceeded", id="zh-request-body-too-large"),
    pytest.param({"message": "输入的token数量超过了模型的最大限制"}, "context_window_exceeded", id="zh-token-count-over-maximum"),
    pytest.param({"status": 400, "body": "The prompt (9000 tokens) is longer than max_seq_len (8192)"}, "context_window_exceeded", id="tokens-over-a-context-setting"),
    pytest.param({"message": "ValueError: unable to reserve KV cache for 8192 tokens"}, "context_window_exceeded", id="kv-cache-cannot-hold-tokens"),
    pytest.param({"status": 424, "body": "The model container returned an error. Retry the request."}, "server_error", id="424-model-container-error"),
    pytest.param({"message": "No available backend servers to handle the request"}, "server_error", id="no-available-servers"),
    pytest.param({"message": "No workers are currently online for this model"}, "server_error", id="no-workers-online"),
    pytest.param({"message": "The service encountered an unexpected error. Please try again."}, "server_error", id="service-encountered-an-error"),
    pytest.param({"message": "模型服务异常，请稍后重试"}, "server_error", id="zh-service-fault"),
    pytest.param({"message": "upstream failed after max retries"}, "server_error", id="upstream-failed-after-retries"),
    pytest.param({"message": "Failed to connect to Anthropic API: 502 Bad Gateway"}, "server_error", id="connect-wrapper-around-an-answer"),
    pytest.param({"message": "Error: Client network socket disconnected before secure TLS connection was established"}, "network_error", id="tls-socket-disconnected"),
    pytest.param({"message": "The SSL connection could not be established, see inner exception."}, "network_error", id="dotnet-ssl-not-established"),
    pytest.param({"message": "the connection to the inference server was unexpectedly closed"}, "network_error", id="connection-closed"),
    pytest.param({"message": 'Post "https://api.mistral.ai/v1/chat/completions": EOF'}, "network_error", id="go-bare-eof"),
    pytest.param({"status": 400, "body": "function name 'get weather' is invalid: must match ^[a-zA-Z0-9_-]+$"}, "tool_schema_error", id="function-name-invalid"),
    pytest.param({"status": 400, "body": "anyOf is not supported in tool parameters"}, "tool_schema_error", id="schema-keyword-not-supported"),
    pytest.param({"status": 400, "body": "Too many tools: at most 64 functions are allowed"}, "tool_schema_error", id="too-many-tools"),
    pytest.param({"message": "The model did not produce a valid function call"}, "format_mismatch", id="no-valid-tool-call"),
    pytest.param({"message": "LLM output does not conform to the required structure"}, "format_mismatch", id="answer-off-structure"),
    pytest.param({"message": "1 validation error for MovieReview\nrating\n  Input should be a valid integer [type=int_parsing, input_value='great', input_type=str]"}, "format_mismatch", id="answer-failed-its-type"),
    pytest.param({"message": "Unable to extract a reply from the model output"}, "empty_response", id="reply-not-extracted"),
    pytest.param({"message": "Generation incomplete: no text returned. finish_reason: stop"}, "empty_response", id="stop-without-text"),
]

# (failure, the category builtin:default must decide): near misses that belong elsewhere.
NEAR_MISSES = [
    pytest.param({"status": 429, "body": "quota exceeded"}, "quota_exhausted", id="plain-quota-gives-up"),
    pytest.param({"status": 429, "body": "Daily quota exceeded. Please try again tomorrow."}, "quota_exhausted", id="daily-quota-is-a-quota"),
    pytest.param({"message": "今日调用次数已达上限"}, "quota_exhausted", id="zh-daily-calls-are-a-quota"),
    pytest.param({"status": 400, "body": "max_new_tokens (5000) should not exceed max_context_len"}, "client_error", id="output-budget-is-a-parameter"),
    pytest.param({"status": 429, "body": "the model is still being loaded"}, "rate_limited", id="loading-under-429-is-a-throttle"),
    pytest.param({"status": 404, "body": "No response found with id 'resp_abc'."}, "client_error", id="stored-response-by-id"),
    pytest.param({"status": 400, "body": '{"error":{"message":"Invalid \'input\': empty array.","type":"invalid_request_error","code":"empty_array"}}'}, "client_error", id="empty-request-array"),
    pytest.param({"message": "Read timed out. (read timeout=600)"}, "timeout", id="read-timeout-stays-timeout"),
    pytest.param({"message": "NodeApiError: The connection was aborted\n\ntimeout of 300000ms exceeded"}, "timeout", id="client-timer-abort-is-a-timeout"),
    pytest.param({"status": 400, "body": "Invalid schema for response_format 'answer': oneOf is not permitted"}, "client_error", id="answer-schema-is-the-callers"),
    pytest.param({"status": 400, "body": "Tool choice is required, but model did not call a tool"}, "tool_schema_error", id="groq-tool-use-failed-stays-tools"),
    pytest.param({"message": "1 validation error for ChatCompletionRequest\nmessages\n  Input should be a valid list [type=list_type, input_value='hi', input_type=str]"}, "client_error", id="request-validation-is-the-callers"),
]


# (failure, a rule that must not decide it): gate words without the rule's concept.
LEAVES = [
    pytest.param({"message": "Field with key llm.prediction.contextOverflowPolicy does not satisfy the schema: Expected 'stopAtLimit' | 'truncateMiddle', received number"}, "default.context.overflow", id="overflow-setting-is-no-overflow"),
    pytest.param({"message": "User-specified max_model_len (32768) is larger than the GPU can hold"}, "default.context.body-or-setting-exceeded", id="server-setting-is-no-request"),
    pytest.param({"message": "The conversation was closed by the moderator"}, "default.transport.connect-phase", id="closed-conversation-is-no-connection"),
    pytest.param({"status": 424, "body": "the input must be a list of strings for this model"}, "default.server.failed-dependency", id="424-verdict-on-the-request"),
    pytest.param({"message": "账户异常，请联系客服"}, "default.server.own-failure-more", id="zh-account-state-is-no-server-fault"),
]


@pytest.mark.parametrize(("failure", "category"), CATCHES)
def test_round9_retry_family_catches_its_concept(
    default: Any, failure: dict[str, Any], category: str
) -> None:
    """Each round-9 retry-side family decides its concept in wordings its records did not use."""
    assert decide(default, failure).category == category


@pytest.mark.parametrize(("failure", "category"), NEAR_MISSES)
def test_round9_retry_family_leaves_near_misses_to_another(
    default: Any, failure: dict[str, Any], category: str
) -> None:
    """A near miss of a round-9 retry-side family is decided by the family it belongs to."""
    assert decide(default, failure).category == category


@pytest.mark.parametrize(("failure", "rule"), LEAVES)
def test_round9_retry_rule_does_not_decide_a_lookalike(
    default: Any, failure: dict[str, Any], rule: str
) -> None:
    """A text with a round-9 rule's gate words but not its concept is not decided by it."""
    assert decide(default, failure).rule_id != rule
