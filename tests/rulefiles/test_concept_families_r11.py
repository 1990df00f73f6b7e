"""builtin:default's round-11 families, from both sides, in the whole set.

The families written from round 11's training part (rules/default/r11-train.yaml): keys or
accounts banned for violations, billing left unpaid, credits a request needs up front,
subscription tiers too low, models a relay has not priced or serves only to some users,
models retired with advice to switch, credentials absent in the words of web wrappers,
exclusive options, bounds on one request parameter, prompts too large, a tensor slice past
a local server's window, requests that expired in a queue, absent answers, filters stated
as a guess, browser fetch failures with a hedged rate limit, temporary upstream problems,
endpoints that do not exist, 4xx reason phrases after "request failed",
buffers a local server cannot allocate and structured output that does not parse. Each
family must catch wordings the training records did not use and leave alone the near misses
that belong to another family; every case here differs from the records it was written from.
"""

from __future__ import annotations

import pytest
from helpers.family_cases import case, family_tests

# (failure, the category builtin:default must decide): what each family must catch.
CATCHES = [
    case("auth_failed", "key-banned-for-abuse-429", status=429,
         body="Your API key was revoked for abuse of the terms of service."),
    case("auth_failed", "account-suspended-violations",
         message="This account is suspended due to repeated policy violations."),
    case("quota_exhausted", "billing-past-due-429", status=429,
         body="Key disabled: payment is past due."),
    case("quota_exhausted", "delinquent-account",
         message="Request refused: delinquent account, settle your invoice."),
    case("quota_exhausted", "kudos-needed",
         message="You need 300 kudos upfront for a 2048x2048 image."),
    case("quota_exhausted", "credits-required", status=400,
         body="This job requires 12 credits to start but the wallet is empty."),
    case("quota_exhausted", "tier-too-low", status=403,
         body="Subscription level too low for Claude Opus"),
    case("model_not_found", "model-not-priced", status=400,
         body="gpt-7 model has not been priced on this relay"),
    case("model_not_found", "model-ratio-not-set-zh", status=500,
         body="模型 glm-9 倍率未配置"),
    case("model_not_found", "no-permission-for-model", status=503,
         body="This key doesn't have the rights to call the model requested."),
    case("model_not_found", "only-approved-users", status=403,
         body="Only approved accounts may use this premium-only model."),
    case("model_not_found", "no-upstream-serving-model",
         message="no upstreams that serve the model 'kimi-k3'"),
    case("model_not_found", "deprecated-migrate",
         message="claude-2.1 has been retired; migrate to another model."),
    case("auth_failed", "no-session-cookie-500", status=500,
         body="no session cookies found, log in again"),
    case("auth_failed", "har-file-missing",
         message="No HAR files found in ./har_and_cookies"),
    case("auth_failed", "passcode-wrong-500", status=500,
         body='{"error":{"message":"relay: Passcode Wrong"}}'),
    case("auth_failed", "key-failed-too-many-times",
         message="key has been rejected too many times and is paused"),
    case("client_error", "only-one-at-a-time-500", status=500,
         body="Only one of logprobs/echo may be enabled at a time"),
    case("client_error", "stop-sequence-count", status=400,
         body="stop sequence count exceeds 16"),
    case("client_error", "response-schema-depth", status=400,
         body="The responseSchema exceeds the maximum allowed depth of 5"),
    case("context_window_exceeded", "too-big-a-prompt", status=400,
         body="Too big a prompt for this worker."),
    case("context_window_exceeded", "prompt-below-n-words", status=400,
         body="Prompt needs to be below 7500 words"),
    case("context_window_exceeded", "tensor-slice-past-window",
         message="start (4000) + length (300) exceeds dimension size (4096)"),
    case("timeout", "queue-more-than", status=None,
         message="Job cancelled after sitting in the queue for more than 10 minutes"),
    case("timeout", "job-expired-410", status=410, body="Job expired"),
    case("empty_response", "no-reply-message", status=500,
         body="No reply message found in the bot's answer."),
    case("empty_response", "candidate-parts-missing", status=200,
         body='{"error": {"message": "Candidate parts missing"}}'),
    case("content_filtered", "image-likely-filtered", status=500,
         body="The image was likely filtered by the safety system."),
    case("content_filtered", "did-not-comply-regulations",
         message="The answer was withheld: your request did not comply with our usage rules."),
    case("network_error", "fetch-failed-could-be-rate-limited",
         message="Could be rate limited or offline. TypeError: Failed to fetch"),
    case("server_error", "transient-outage-of-backend",
         message="Got a transient failure from the backend, retrying may help."),
    case("client_error", "route-does-not-exist", status=404,
         body="That route doesn't exist on this proxy."),
    case("client_error", "request-failed-unsupported-media",
         message="Ollama request failed: Unsupported Media Type"),
    case("server_error", "metal-buffer", message="ggml_metal: failed to allocate Metal buffer"),
    case("format_mismatch", "zh-cannot-parse-json", message="模型返回内容无法解析为 JSON"),
    case("auth_failed", "zh-account-banned-for-violations", status=429,
         body="账户由于违规使用已被冻结"),
    case("quota_exhausted", "zh-plan-too-low", message="需要更高的套餐才能调用该模型"),
    case("auth_failed", "zh-no-credentials", status=503, body="没有配置凭证"),
    case("client_error", "zh-stop-words-too-many", status=400, body="终止词过多"),
    case("context_window_exceeded", "zh-context-too-long", status=500, body="对话上下文太长"),
    case("timeout", "zh-queued-too-long", message="在队列中等待时间超过 300 秒"),
    case("empty_response", "zh-no-answer-returned", status=200, body="模型未返回有效答案"),
]

# (failure, the category builtin:default must decide): near misses that belong elsewhere.
NEAR_MISSES = [
    case("content_filtered", "content-blocked-for-violations", status=400,
         body="Output blocked: the response violated the content policy."),
    case("rate_limited", "quota-without-money-429", status=429,
         body="Rate limit exceeded: 60 requests per minute"),
    case("context_window_exceeded", "prompt-length-over-limit", status=400,
         body="The prompt is too long: 9000 tokens > 8192 maximum"),
    case("tool_schema_error", "tool-schema-too-deep", status=400,
         body="Invalid schema for function 'search': nesting depth exceeds 5"),
    case("content_filtered", "no-candidates-block-reason", status=200,
         body='{"promptFeedback": {"blockReason": "SAFETY"}, "candidates": []}'),
    case("rate_limited", "fetch-failed-rate-limit-stated",
         message="Rate limit exceeded (429). TypeError: Failed to fetch"),
    case("auth_failed", "session-expired", status=401, body="Session expired, please log in"),
    case("rate_limited", "zh-queue-full-429", status=429, body="排队人数过多 请稍后再试"),
]


# (failure, a rule that must not decide it): gate words without the rule's concept.
LEAVES = [
    pytest.param({"message": "Response cached: no cookies required"},
                 "default.r11.credentials-absent", id="no-cookies-required"),
    pytest.param({"status": 400, "body": "The max_tokens must be below 4096 tokens"},
                 "default.r11.prompt-too-large", id="output-limit-below"),
    pytest.param({"status": 403, "body": "Request has expired (timestamp too old)"},
                 "default.r11.expired-in-queue", id="signed-request-expired"),
    pytest.param({"message": "Results were filtered to the last 30 days"},
                 "default.r11.filtered-guess", id="results-filtered"),
    pytest.param({"status": 400, "body": "Invalid subscription tier value 'gold'"},
                 "default.r11.subscription-tier", id="tier-as-value"),
    pytest.param({"status": 404, "body": "Model pricing page not found"},
                 "default.r11.model-not-priced", id="pricing-page"),
    pytest.param({"message": "Only one request may be sent at a time per key"},
                 "default.r11.options-exclusive", id="one-request-at-a-time"),
    pytest.param({"message": "unable to allocate KV cache buffer for 8192 tokens"},
                 "default.r11.buffer-allocation", id="kv-cache-for-tokens"),
]


(
    test_round11_family_catches_its_concept,
    test_round11_family_leaves_near_misses_to_another,
    test_round11_rule_does_not_decide_a_lookalike,
) = family_tests(
    "round-11", catches=CATCHES, near_misses=NEAR_MISSES, leaves=LEAVES, prefix="default.r11."
)
