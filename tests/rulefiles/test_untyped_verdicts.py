"""builtin:default's untyped-verdict families (rules/default/untyped-verdicts.yaml), both sides.

Round 9's blind part was missed mostly by texts with no status that no rule read: a caller's
bug said as grammar (a count over its bound, a message in the wrong place, a URL scheme or a
modality not taken), a model no provider serves, throttles and backend failures in the
provider's own words, blocked accounts, limits that must exceed the prompt, empty or
off-format answers. Each family must catch wordings round 9 did not use, and leave alone
the near misses that belong to another family.
"""

from __future__ import annotations

from typing import Any

import pytest
from helpers.family_cases import decide

# (failure, the category builtin:default must decide): what each family must catch.
CATCHES = [
    pytest.param({"message": "`n` must not be greater than 1 when stream is true"}, "client_error", id="count-n-streaming"),
    pytest.param({"message": "A message may contain at most two images, but received 3"}, "client_error", id="count-at-most-two"),
    pytest.param({"message": "More tool calls than tool results in the history"}, "client_error", id="count-more-calls-than-results"),
    pytest.param({"message": "The assistant prefill has to be the last message"}, "client_error", id="order-last-turn"),
    pytest.param({"message": "Cannot continue the last message if it is not an assistant turn"}, "client_error", id="order-continue-role"),
    pytest.param({"message": "第一条消息只能是system或user"}, "client_error", id="order-zh-first"),
    pytest.param({"message": "Unsupported audio URL scheme: gs"}, "client_error", id="scheme-unsupported"),
    pytest.param({"message": "Got video input but this model doesn't support video"}, "client_error", id="modality-video-input"),
    pytest.param({"message": "该接口不支持音频模态"}, "client_error", id="zh-modality"),
    pytest.param({"message": "请求参数校验未通过"}, "client_error", id="zh-param-check"),
    pytest.param({"message": "No deployments configured for model acme-7b"}, "model_not_found", id="route-no-deployment"),
    pytest.param({"message": "Could not find a serving endpoint for model acme-7b"}, "model_not_found", id="route-could-not-find"),
    pytest.param({"message": "Model load error. Please check whether the model name is correct."}, "model_not_found", id="route-check-model-id"),
    pytest.param({"message": "QPS exceeded, retry later"}, "rate_limited", id="qps-exceeded"),
    pytest.param({"message": "ErrorCode=QpsOverflow"}, "rate_limited", id="qps-glued"),
    pytest.param({"message": "当前流量过大，请稍后"}, "rate_limited", id="zh-traffic"),
    pytest.param({"message": "A request is still in progress for this session"}, "rate_limited", id="request-in-progress"),
    pytest.param({"message": "集群算力不足"}, "server_error", id="zh-capacity"),
    pytest.param({"message": "connection to the model backend was lost"}, "server_error", id="engine-connection"),
    pytest.param({"message": "thread 'main' panicked at 'index out of bounds', src/lib.rs:3:9"}, "server_error", id="rust-panic"),
    pytest.param({"message": "panic: assignment to entry in nil map\n\ngoroutine 7 [running]:"}, "server_error", id="go-panic"),
    pytest.param({"status": 424, "body": '{"error":"model crashed","error_type":"backend"}'}, "server_error", id="424-error-type-backend"),
    pytest.param({"message": "账号已被加入黑名单"}, "auth_failed", id="zh-account-blacklist"),
    pytest.param({"message": "This organization has been added to the blocklist"}, "auth_failed", id="org-blocklist"),
    pytest.param({"message": "Cloudflare AI Gateway access denied"}, "auth_failed", id="gateway-access-denied"),
    pytest.param({"message": "You need to provide an access token or log in with `acme-cli login`"}, "auth_failed", id="credential-or-login"),
    pytest.param({"message": "max_seq_len should be larger than the number of input tokens"}, "context_window_exceeded", id="limit-below-input-tokens"),
    pytest.param({"message": "{'code': 'prompt_too_long'}"}, "context_window_exceeded", id="too-long-code"),
    pytest.param({"message": "Input document exceeds the 100000 character limit"}, "context_window_exceeded", id="input-document-chars"),
    pytest.param({"message": "The provider did not return any message"}, "empty_response", id="no-message-returned"),
    pytest.param({"message": 'completion came back with "choices": []'}, "empty_response", id="choices-empty-json"),
    pytest.param({"message": "1 validation error for ChatResult generations -> 0 none is not an allowed value"}, "empty_response", id="chatresult-none"),
    pytest.param({"message": "The response did not conform to the expected schema"}, "format_mismatch", id="answer-not-conforming"),
    pytest.param({"message": "Expected function_call in the reply but nothing found"}, "format_mismatch", id="function-call-missing"),
    pytest.param({"message": "candidates { finish_reason: 7 }"}, "content_filtered", id="finish-reason-prohibited"),
    pytest.param({"message": "Unable to connect. Was there a typo in the hostname?"}, "network_error", id="typo-hostname"),
]

# (failure, the category builtin:default must decide): near misses that belong elsewhere.
NEAR_MISSES = [
    pytest.param({"status": 400, "body": "This model's maximum context length is 4096 tokens; prompt cannot be more than 4096 tokens"}, "context_window_exceeded", id="token-bound-is-context"),
    pytest.param({"message": "服务异常，请稍后重试"}, "server_error", id="zh-service-fault"),
    pytest.param({"status": 400, "body": "1 validation error for Request messages -> 0 none is not an allowed value"}, "client_error", id="request-validation"),
    pytest.param({"status": 429, "body": "You can send at most 3 requests, but received 5"}, "rate_limited", id="bounded-count-429"),
]

# (failure, a rule that must not decide it): gate words without the rule's concept.
LEAVES = [
    pytest.param({"message": "输入内容包含黑名单词汇"}, "default.untyped.account-blocked", id="word-blacklist-is-content"),
    pytest.param({"status": 503, "body": "No providers available for model gpt-4o right now"}, "default.untyped.model-route-absent", id="route-5xx"),
    pytest.param({"message": '{"candidates": [{"finish_reason": 1}]}'}, "default.untyped.finish-reason-number", id="finish-stop"),
    pytest.param({"message": "No healthy workers available for model llama-3"}, "default.untyped.model-route-absent", id="workers-busy"),
    pytest.param({"message": "Your qps quota is 10"}, "default.untyped.throttle-words", id="qps-stated"),
    pytest.param({"message": "连接失败，请检查网络"}, "default.untyped.backend-failure", id="callers-connection"),
    pytest.param({"message": "You must provide a model parameter"}, "default.untyped.credential-required", id="no-credential"),
    pytest.param({"message": "max_length must be greater than 0"}, "default.untyped.length-below-prompt", id="no-prompt-named"),
]


@pytest.mark.parametrize(("failure", "category"), CATCHES)
def test_untyped_verdict_family_catches_its_concept(
    default: Any, failure: dict[str, Any], category: str
) -> None:
    """Each untyped-verdict family decides its concept in wordings round 9 did not use."""
    assert decide(default, failure).category == category


@pytest.mark.parametrize(("failure", "category"), NEAR_MISSES)
def test_untyped_verdict_family_leaves_near_misses_to_another(
    default: Any, failure: dict[str, Any], category: str
) -> None:
    """A near miss of an untyped-verdict family is decided by the family it belongs to."""
    assert decide(default, failure).category == category


@pytest.mark.parametrize(("failure", "rule"), LEAVES)
def test_untyped_verdict_rule_does_not_decide_a_lookalike(
    default: Any, failure: dict[str, Any], rule: str
) -> None:
    """A text with an untyped-verdict rule's gate words but not its concept is not decided by it."""
    assert decide(default, failure).rule_id != rule
