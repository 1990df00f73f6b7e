# ruff: noqa: E501, RUF001  # one wording per table row, full-width punctuation of real Chinese texts
"""builtin:default's round-15 families, from both sides, in the whole set.

The families written from round 15's training part (rules/default/r15-train.yaml, and the
"wait ...s" source of retry-after.yaml): gateway account pools all limited, answers whose
choices are nil or whose content is empty, answers that are not JSON, guessed causes,
required fields and operations not implemented under a 5xx, serverless functions timed out,
load balancers without a backend, organisations without enough trust, job inputs missing a
key and tool calls a client cannot use. Every case here is a wording made up for the test
(imagined providers), not one of the corpus records.
"""

from __future__ import annotations

import pytest
from helpers.family_cases import case, decide, family_tests

from reliable_rules import RuleSet

# (failure, the category builtin:default must decide): what each family must catch.
CATCHES = [
    # account pools all limited (a rate limit; a long wait makes it a quota)
    case("rate_limited", "pool-keys-rate-limited", message="All API keys are currently rate limited"),
    case("rate_limited", "pool-credentials-cooling", status=503, body="all of the configured credentials are cooling down"),
    case("rate_limited", "pool-camel-case", message="relay error: AllAccountsRateLimited"),
    case("rate_limited", "pool-snake-case", status=500, body='{"error":{"code":"all_keys_throttled"}}'),
    case("rate_limited", "pool-chinese", message="所有密钥均已触发速率限制，请稍后"),
    case("rate_limited", "pool-spanish", message="Todas las cuentas están limitadas en este momento"),
    case("rate_limited", "pool-german", message="Alle Schlüssel sind derzeit gedrosselt"),
    case("quota_exhausted", "pool-long-wait", message="Every account is currently limited. Please wait 7200s."),
    case("rate_limited", "pool-short-wait", message="All channels are temporarily throttled, please wait 20s"),
    # answers whose choices are nil
    case("empty_response", "lua-index-candidates", message="gemini.lua:52: attempt to index field 'candidates' (a nil value)"),
    case("empty_response", "lua-length-choices", message="attempt to get length of a nil value (field 'choices')"),
    case("empty_response", "js-choices-undefined", message="TypeError: json.choices is undefined"),
    case("empty_response", "kotlin-getcandidates-null", message="IllegalStateException: response.getCandidates() is null"),
    case("empty_response", "csharp-parameter-choices", message="ArgumentNullException: Value cannot be null. (Parameter 'choices')"),
    case("empty_response", "choices-null-in-response", message="choices field was null in the response from the relay"),
    # finished answers with empty content
    case("empty_response", "openai-empty-model-unknown", status=200, body='{"object":"chat.completion","model":"unknown","choices":[{"message":{"role":"assistant","content":""},"finish_reason":"stop"}]}'),
    case("empty_response", "anthropic-empty-content", body='{"id":"msg_1","type":"message","content":[],"stop_reason":"end_turn"}', status=200),
    case("empty_response", "ollama-generate-empty", message='{"model":"qwen3","response":"","done":true}'),
    case("empty_response", "cohere-empty-text", status=200, body='{"text":"","finish_reason":"COMPLETE"}'),
    case("empty_response", "null-content-model-unknown", message='{"model":"unknown","choices":[{"message":{"content":null},"finish_reason":"stop"}]}'),
    # answers that are not JSON
    case("unknown", "cjson-expected-end", message="decode: Expected the end but found invalid token at character 12"),
    case("unknown", "cjson-object-key", message="Expected object key string but found T_END at character 2"),
    case("unknown", "invalid-json-from-server", message="Invalid JSON from server"),
    case("unknown", "reply-not-valid-json", message="Plugin error: the reply was not valid JSON"),
    case("unknown", "unable-parse-response-json", message="unable to parse the response as JSON"),
    case("unknown", "emacs-readtable", message="(json-readtable-error 60)"),
    case("unknown", "chinese-response-not-json", message="返回数据不是有效的JSON"),
    # guessed causes
    case("unknown", "possible-causes-colon", message="Could not reach the assistant. Possible causes: invalid key, no network, expired plan."),
    case("unknown", "common-reasons", message="Chat failed. Common reasons include: wrong API key or an unreachable proxy"),
    case("unknown", "chinese-possible-reasons", message="请求失败。可能原因：密钥无效、网络异常或额度不足"),
    case("unknown", "japanese-causes", message="エラー。考えられる原因：APIキーの期限切れ、ネットワーク"),
    case("unknown", "german-causes", message="Anfrage fehlgeschlagen. Mögliche Ursachen: ungültiger Schlüssel oder Netzwerk"),
    case("rate_limited", "guess-under-429", status=429, body="Possible rate limits in place or network problems detected"),
    case("rate_limited", "causes-under-429", status=429, body="Likely causes: billing not set up, burst traffic"),
    # required fields under a 5xx
    case("client_error", "model-required-500", status=500, body='{"error":{"message":"field model is required","type":"new_api_error","code":"invalid_request"}}'),
    case("client_error", "messages-required-property-502", status=502, body="upstream: 'messages' is a required property"),
    case("client_error", "missing-required-field-503", status=503, body="Bad Request: missing required field 'input'"),
    case("client_error", "required-param-missing-500", status=500, body='{"type":"invalid_request_error","message":"required parameter prompt is missing"}'),
    case("client_error", "chinese-required-500", status=500, body='{"error":{"message":"缺少必填参数 messages","code":"invalid_request"}}'),
    # operations not implemented under a 5xx
    case("client_error", "not-implemented-500", status=500, body='{"error":{"message":"not implemented","type":"one_api_error"}}'),
    case("client_error", "unimplemented-502", status=502, body="rpc error: method Embed is unimplemented by this backend"),
    case("client_error", "not-yet-implemented-500", status=500, body="Streaming for this provider is not yet implemented"),
    case("client_error", "chinese-unimplemented-500", status=500, body="该功能尚未实现"),
    case("client_error", "spanish-unimplemented-500", status=500, body="Función no implementada en este proveedor"),
    # serverless functions timed out
    case("timeout", "lambda-task-timed-out", status=502, body="Task timed out after 30.03 seconds"),
    case("timeout", "vercel-invocation-timeout", status=504, body="FUNCTION_INVOCATION_TIMEOUT iad1::abc-123"),
    case("timeout", "function-exceeded-duration", message="Function exceeded the maximum duration of 60s"),
    case("timeout", "cloud-function-status-timeout", status=500, body="Function execution took 540012 ms, finished with status: 'timeout'"),
    case("timeout", "azure-function-timeout-value", status=500, body="Timeout value of 00:10:00 was exceeded by function: Functions.Chat"),
    case("timeout", "chinese-function-timeout", status=502, body="函数执行超时，请检查代码"),
    # load balancers without a backend
    case("server_error", "no-healthy-backends", status=503, body="no healthy backends for this service"),
    case("server_error", "no-available-upstream", message="proxy error: no available upstream"),
    case("server_error", "lb-gave-up", message="load balancer gave up after 5 retries"),
    case("server_error", "could-not-find-healthy-instance", message="could not find a healthy instance to route to"),
    case("server_error", "chinese-no-backend", status=502, body="没有可用的上游服务"),
    # organisations without enough trust
    case("auth_failed", "org-lacks-trust-level", status=403, body="Your organization lacks the required trust level for GPU workloads"),
    case("auth_failed", "account-restricted-from-launching", message="This account is restricted from provisioning dedicated endpoints"),
    case("auth_failed", "email-to-lift", message="Access to H100 machines is limited. Email support@example.com to lift the restriction."),
    case("auth_failed", "workspace-not-enough-reputation", message="The workspace does not have enough reputation to use this feature"),
    case("auth_failed", "chinese-trust", message="组织信任等级不足，请联系客服解除限制"),
    # job inputs missing a key
    case("client_error", "keyerror-job-input", message="Traceback: prompt = job_input['prompt'] KeyError: 'prompt'"),
    case("client_error", "keyerror-event-body", status=200, body="handler failed: model = event[\"model\"] KeyError: 'model'"),
    case("client_error", "missing-field-in-input", message="Missing required field 'messages' in job input"),
    case("client_error", "worker-input-missing-key", message="worker input is missing the required key"),
    case("client_error", "event-input-must-contain", status=200, body="event input must include a prompt"),
    # tool calls a client cannot use
    case("format_mismatch", "tried-tool-we-do-not-know", message="The model tried to call a tool named that we don't know"),
    case("format_mismatch", "could-not-coerce-args", message="could not coerce the tool call arguments into the expected struct"),
    case("format_mismatch", "failed-deserialize-function-args", message="failed to deserialize function arguments from the assistant"),
    case("format_mismatch", "unregistered-function-in-output", message="unregistered function name in the LLM output: do_thing"),
    case("format_mismatch", "model-returned-call-unknown", message="model returned a tool call for an unknown tool"),
    case("format_mismatch", "chinese-args-unparsable", message="工具调用参数无法解析"),
]

# (failure, category): texts near a round-15 family, decided by the family they belong to.
NEAR_MISSES = [
    case("quota_exhausted", "pool-quota-spent", message="All API keys have exhausted their quota"),
    case("unknown", "missing-field-typed-decode", message="failed to deserialize api response: missing field `choices`"),
    case("format_mismatch", "llm-response-not-json", message="LLM response is not valid JSON"),
    case("client_error", "request-body-malformed-json", status=400, body="Malformed JSON in request body"),
    case("auth_failed", "verdict-not-guess", status=401, body="Invalid API key provided"),
    case("quota_exhausted", "quota-verdict-429", status=429, body="You exceeded your current quota, please check your plan and billing details."),
    case("client_error", "not-implemented-501", status=501, body="Not Implemented"),
    case("server_error", "unimplemented-but-overloaded", status=503, body="not implemented here: the service is overloaded"),
    case("network_error", "connection-timed-out", message="Connection refused: ECONNREFUSED 10.0.0.1:443"),
    case("rate_limited", "plain-rate-limit", status=429, body="Rate limit exceeded"),
    case("format_mismatch", "model-called-unknown-tool", message="The model called a tool that does not exist: get_wether"),
    case("client_error", "tool-history-broken", status=400, body="tool_use ids were found without tool_result blocks immediately after"),
]

# (failure, rule): texts with a round-15 rule's gate words but not its concept.
LEAVES = [
    pytest.param({"message": "All requests are logged and rate limits apply"}, "default.r15.pool-all-limited", id="rate-limits-apply"),
    pytest.param({"message": "KeyError: 'OPENAI_API_KEY'"}, "default.r15.job-input-key-missing", id="env-keyerror"),
    pytest.param({"message": "Task timed out after 10 seconds: connect timed out"}, "default.r15.function-timed-out", id="connect-timeout"),
    pytest.param({"status": 503, "body": "No available backends for model llama-3-70b"}, "default.r15.no-backend-candidate", id="model-no-backend"),
    pytest.param({"status": 403, "body": "Contact support to remove the restriction on your spend limit"}, "default.r15.account-not-trusted", id="spend-limit"),
    pytest.param({"status": 500, "body": "field api_key is required in the server config"}, "default.r15.required-field-under-5xx", id="operator-config"),
    pytest.param({"status": 400, "body": "field messages is required"}, "default.r15.required-field-under-5xx", id="under-4xx"),
    pytest.param({"message": "choices: [] (no candidates passed the filter)"}, "default.r15.answer-choices-nil", id="choices-list-word"),
    pytest.param({"message": "Please consider possible alternatives to this model"}, "default.r15.causes-guessed-unknown", id="possible-alternatives"),
    pytest.param({"status": 500, "body": "json: invalid character '<' looking for beginning of value"}, "default.r15.answer-not-json", id="under-a-status"),
    pytest.param({"message": '{"choices":[{"message":{"content":"Hello"},"finish_reason":"stop"}]}'}, "default.r15.finished-answer-empty", id="answer-with-text"),
]


(
    test_round15_family_catches_its_concept,
    test_round15_family_leaves_near_misses_to_another,
    test_round15_rule_does_not_decide_a_lookalike,
) = family_tests(
    "round-15", catches=CATCHES, near_misses=NEAR_MISSES, leaves=LEAVES, prefix="default.r15."
)


def test_pool_wait_over_max_wait_gives_up_here(default: RuleSet) -> None:
    """A pool's "Please wait 84152s." is read as the Retry-After and, over max_wait_ms, a quota."""
    decision = decide(default, {"message": "All keys are limited. Please wait 84152s."})
    assert (decision.category, decision.retry_after_ms) == ("quota_exhausted", 84_152_000)
